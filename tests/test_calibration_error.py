"""The calibration's sampling error in the linked figures (``literacy.measurement.calibration_error``).

Checks, none from our own output:
- Fisher's identity: the respondents' scores, weighted as the fit weights them, add up to the fit's
  gradient (computed by the fit's own E-step and Louis derivatives) at any parameter vector;
- the share and cut gradients against central finite differences of the share and of the cut
  re-solved on the test characteristic curve;
- the design-based sandwich against the spread of the calibration over repeated samples, and the
  linearised variance of a linked share against its spread over repeated samples (Monte Carlo;
  without the calibration's part the variance is far too small, so the check can fail);
- invariances: a round's weights scaled by a constant change neither the figures nor their
  calibration part; a calibration with no influence adds nothing;
- the part in ``linked_estimates``: ``se_sampling² = W + K``, ``se_calibration = sign(K) sqrt|K|``.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import literacy
from literacy.measurement import fit_irt, linked_estimates
from literacy.measurement.calibration_error import (
    calibration_increment,
    cut_gradient,
    domain_cross,
    influence_covariance,
    parameter_influence,
    person_scores,
    round_layout,
    share_gradient,
)
from literacy.measurement.scale import theta_cut

BASE = [f"b{j}" for j in range(10)]
END = BASE[5:] + [f"e{j}" for j in range(5)]
_RNG = np.random.default_rng(11)
A = dict(zip(BASE + END[5:], _RNG.uniform(0.8, 1.8, 15)))
D = dict(zip(BASE + END[5:], _RNG.normal(0, 0.8, 15)))
INSTRUMENT = pd.DataFrame({"item_id": BASE, "points": 1.0})
THRESHOLD = 7.0   # of 10 points


def _answers(rng, n, mean, sd, items):
    theta = rng.normal(mean, sd, n)
    return pd.DataFrame({i: (rng.random(n) < 1 / (1 + np.exp(-(A[i] * theta + D[i])))).astype(float) for i in items})


def _programme(seed, n=800, weights=True):
    rng = np.random.default_rng(seed)
    scored = {"b": _answers(rng, n, 0.0, 1.0, BASE), "e": _answers(rng, n, 0.4, 1.1, END)}
    w = {r: (rng.uniform(0.5, 2.0, n) if weights else np.ones(n)) for r in scored}
    return scored, w


def _fit(scored, w, **kw):
    n = {r: len(s) for r, s in scored.items()}
    return fit_irt(pd.concat([scored["b"], scored["e"]], ignore_index=True), weights=np.r_[w["b"], w["e"]],
                   groups=np.r_[["b"] * n["b"], ["e"] * n["e"]], baseline="b", **kw)


def _cut(fit):
    lay = round_layout(fit, BASE, "b")
    return float(np.asarray(theta_cut(lay.a, lay.d, np.ones(len(BASE)), THRESHOLD)).ravel()[0])


def _with(fit, params):
    out = copy.copy(fit)
    out.params = np.asarray(params, dtype=float)
    return out


@pytest.fixture(scope="module")
def programme():
    scored, w = _programme(1)
    return scored, w, _fit(scored, w, anchors=BASE[5:])


@pytest.mark.parametrize("model, anchors", [("2pl", BASE[5:]), ("1pl", BASE[5:]), ("2pl", BASE[5:9])])
def test_scores_add_up_to_the_fits_gradient_anywhere(model, anchors):
    # Fisher's identity, against the fit's own E-step and derivatives; ("2pl", 4 anchors): b9 is
    # split by round (round-specific parameters), so the layout's own-before-shared rule is used
    scored, w = _programme(2, n=300)
    fit = _fit(scored, w, model=model, anchors=anchors)
    rng = np.random.default_rng(3)
    moved = fit.params + rng.normal(0, 0.05, len(fit.params))
    total = sum(len(w[r]) / w[r].sum() * (w[r] @ person_scores(_with(fit, moved), scored[r], r)) for r in scored)
    expected = fit.score_at(moved)
    assert np.abs(expected).max() > 1.0                      # away from the maximum: a real gradient
    assert total == pytest.approx(expected, abs=1e-8 * np.abs(expected).max())


def test_cut_and_share_gradients_match_finite_differences(programme):
    scored, w, fit = programme
    cut = _cut(fit)
    cg = cut_gradient(fit, INSTRUMENT, "b", {"x": cut})["x"]
    step = 1e-5
    for r in ("b", "e"):
        pi, grad = share_gradient(fit, scored[r], r, {"x": cut}, {"x": cg})["x"]
        assert 0.05 < pi.mean() < 0.6
        for k in range(len(fit.params)):
            up, down = fit.params.copy(), fit.params.copy()
            up[k] += step
            down[k] -= step
            fu, fd = _with(fit, up), _with(fit, down)
            cu, cd = _cut(fu), _cut(fd)
            if r == "b":
                assert (cu - cd) / (2 * step) == pytest.approx(cg[k], abs=1e-6, rel=1e-4)
            su = share_gradient(fu, scored[r], r, {"x": cu}, cut_gradient(fu, INSTRUMENT, "b", {"x": cu}))["x"][0]
            sd = share_gradient(fd, scored[r], r, {"x": cd}, cut_gradient(fd, INSTRUMENT, "b", {"x": cd}))["x"][0]
            numeric = (w[r] @ (su - sd)) / (2 * step * w[r].sum())
            assert (w[r] @ grad[:, k]) / w[r].sum() == pytest.approx(numeric, abs=1e-7, rel=1e-4), fit.param_names[k]


def _srs(w):
    return literacy.SurveyDesign(pd.DataFrame({"w": w}), weights="w")


@pytest.fixture(scope="module")
def repeated():
    """400 samples of 1,500 respondents per round from one population: the calibration, each round's
    posterior-expected share above θ* and its variance estimates."""
    rows = []
    for seed in range(400):
        scored, w = _programme(1000 + seed, n=1500)
        fit = _fit(scored, w, anchors=BASE[5:])
        cut = _cut(fit)
        cg = cut_gradient(fit, INSTRUMENT, "b", {"x": cut})
        Z = parameter_influence(fit, scored, w)
        designs = {r: _srs(w[r]) for r in w}
        C = sum(influence_covariance(designs[r], Z[r]) for r in w)
        row = {"params": fit.params, "sandwich": np.diag(C)}
        for r in ("b", "e"):
            pi, grad = share_gradient(fit, scored[r], r, {"x": cut}, cg)["x"]
            W = w[r].sum()
            f = w[r] @ pi / W
            g = (w[r] @ grad) / W
            v = ((pi - f) / W)[:, None]
            own = float(influence_covariance(designs[r], v)[0, 0])
            inc = float(calibration_increment(g[None, :], domain_cross(designs[r], v, Z[r]), C)[0])
            row.update({f"share_{r}": f, f"own_{r}": own, f"with_{r}": own + inc})
        rows.append(row)
    return pd.DataFrame(rows)


def test_the_sandwich_matches_the_spread_of_the_calibration_over_samples(repeated):
    spread = np.var(np.vstack(repeated["params"].to_list()), axis=0, ddof=1)
    ratio = np.mean(np.vstack(repeated["sandwich"].to_list()), axis=0) / spread
    # 400 samples: each ratio has a Monte Carlo SE of about 0.07
    assert 0.9 < np.median(ratio) < 1.1
    assert ((ratio > 0.7) & (ratio < 1.4)).all()


@pytest.mark.parametrize("round_id", ["b", "e"])
def test_the_linearised_variance_of_a_linked_share_matches_its_spread(repeated, round_id):
    # the baseline's share moves with the cut (set on its own form), the end-of-period share with
    # the link; taken as known, the calibration leaves out more than half of either's variance
    spread = repeated[f"share_{round_id}"].var(ddof=1)
    with_calibration = repeated[f"with_{round_id}"].mean() / spread
    own_only = repeated[f"own_{round_id}"].mean() / spread
    assert 0.85 < with_calibration < 1.18         # Monte Carlo SE about 0.07
    assert own_only < 0.55


def test_scaling_a_rounds_weights_changes_nothing(programme):
    scored, w, fit = programme
    cut = _cut(fit)
    cg = cut_gradient(fit, INSTRUMENT, "b", {"x": cut})
    w2 = {"b": w["b"], "e": 37.0 * w["e"]}
    fit2 = _fit(scored, w2, anchors=BASE[5:])
    assert fit2.params == pytest.approx(fit.params, abs=1e-6)
    out = []
    for weights, f in ((w, fit), (w2, fit2)):
        Z = parameter_influence(f, scored, weights)
        designs = {r: _srs(weights[r]) for r in weights}
        C = sum(influence_covariance(designs[r], Z[r]) for r in weights)
        _, grad = share_gradient(f, scored["e"], "e", {"x": cut}, cg)["x"]
        pi = share_gradient(f, scored["e"], "e", {"x": cut}, cg)["x"][0]
        W = weights["e"].sum()
        v = ((pi - weights["e"] @ pi / W) / W)[:, None]
        g = (weights["e"] @ grad)[None, :] / W
        out.append((C, calibration_increment(g, domain_cross(designs["e"], v, Z["e"]), C)))
    assert out[1][0] == pytest.approx(out[0][0], rel=1e-5, abs=1e-12)
    assert out[1][1] == pytest.approx(out[0][1], rel=1e-5)


def test_linked_estimates_put_the_calibration_part_in_the_sampling_error(programme):
    scored, w, fit = programme
    rng = np.random.default_rng(5)
    n = len(w["e"])
    data = pd.DataFrame({"stratum": rng.integers(0, 4, n), "sex": rng.choice(["m", "f"], n), "w": w["e"]})
    data["psu"] = data["stratum"] * 10 + rng.integers(0, 5, n)
    design = literacy.SurveyDesign(data, weights="w", strata="stratum", psu="psu")
    pvs = rng.normal(0.4, 1.1, (n, 5))
    specs = [("city", []), ("sex", ["sex"])]
    cut = _cut(fit)
    cg = cut_gradient(fit, INSTRUMENT, "b", {"x": cut})
    _, grad = share_gradient(fit, scored["e"], "e", {"x": cut}, cg)["x"]
    Z = parameter_influence(fit, scored, w)
    C = influence_covariance(design, Z["e"]) + influence_covariance(_srs(w["b"]), Z["b"])
    plain = linked_estimates(design, pvs, cut, specs)
    out = linked_estimates(design, pvs, cut, specs, calibration=(grad, Z["e"], C))
    assert (plain["se_calibration"] == 0).all()
    assert out["estimate"].to_numpy() == pytest.approx(plain["estimate"].to_numpy())
    assert out["se_imputation"].to_numpy() == pytest.approx(plain["se_imputation"].to_numpy())
    K = np.sign(out["se_calibration"]) * out["se_calibration"] ** 2
    assert (out["se_sampling"] ** 2).to_numpy() == pytest.approx((plain["se_sampling"] ** 2 + K).to_numpy())
    assert (out["se"] ** 2).to_numpy() == pytest.approx((out["se_sampling"] ** 2 + out["se_imputation"] ** 2).to_numpy())
    # the city's part by hand: g'Cg + 2 g'Cov(Σ w v, Σ w z) with v the draws' mean indicator
    y = (pvs > cut).mean(axis=1)
    Wt = w["e"].sum()
    f = w["e"] @ y / Wt
    g = (w["e"] @ grad) / Wt
    full = design.totals_covariance(np.column_stack([(y - f) / Wt, Z["e"]]), np.arange(n), mean=False)[1]
    assert K.iloc[0] == pytest.approx(g @ C @ g + 2 * g @ full[0, 1:], rel=1e-9)
    # no influence: nothing added
    none = linked_estimates(design, pvs, cut, specs, calibration=(grad, np.zeros_like(Z["e"]), np.zeros_like(C)))
    assert none["se"].to_numpy() == pytest.approx(plain["se"].to_numpy(), rel=1e-12)
    # calibration_parts (what the change uses) gives every row's gradient and cross-covariance in the
    # rows and keys of linked_estimates
    from literacy.measurement.linked import calibration_parts

    keys, G, cross = calibration_parts(design, pvs, cut, specs, grad, Z["e"], level_code="proficient")
    assert keys[["breakdown", "domain"]].values.tolist() == out[["breakdown", "domain"]].values.tolist()
    assert calibration_increment(G, cross, C) == pytest.approx(K.to_numpy(), rel=1e-9)


@pytest.mark.parametrize("kind", ["raked", "jkn", "raked_bootstrap"])
def test_domain_cross_is_the_stacked_covariance_on_every_design(kind):
    # the shortcut (the influence residualised or replicated once per round) against the covariance
    # of the stacked columns computed in one piece, raking and replicates included
    rng = np.random.default_rng(8)
    n = 600
    data = pd.DataFrame({"stratum": rng.integers(0, 5, n), "sex": rng.choice(["m", "f"], n),
                         "age": rng.choice(["y", "o"], n), "w": rng.uniform(20, 80, n)})
    data["psu"] = data["stratum"] * 10 + rng.integers(0, 4, n)
    design = literacy.SurveyDesign(data, weights="w", strata="stratum", psu="psu")
    targets = {"sex": {"m": 16000.0, "f": 15000.0}, "age": {"y": 14000.0, "o": 17000.0}}
    if kind == "raked":
        design = design.rake(targets)
    elif kind == "jkn":
        design = design.replicate("jkn")
    else:
        design = design.replicate("bootstrap", replicates=30, seed=4).rake(targets)
    lin = np.where(rng.random((n, 3)) < 0.4, rng.normal(size=(n, 3)), 0.0)
    Z = rng.normal(size=(n, 5)) + 0.5 * lin[:, [0]]
    expected = design.totals_covariance(np.column_stack([lin, Z]), np.arange(n), mean=False)[1][:3, 3:]
    assert np.abs(expected).max() > 0
    assert domain_cross(design, lin, Z) == pytest.approx(expected, rel=1e-9, abs=1e-12 * np.abs(expected).max())


def test_the_calibrations_error_does_not_depend_on_the_blas_thread_count():
    # a threaded matrix product sums in another order: a Dask worker (one BLAS thread) and a city
    # run alone (two) must still write byte-identical figures (tests/test_province_flow.py)
    from threadpoolctl import threadpool_limits

    scored, w = _programme(4, n=5000)
    fit = _fit(scored, w, anchors=BASE[5:])
    cut = _cut(fit)
    out = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="blas"):
            Z = parameter_influence(fit, scored, w)
            C = influence_covariance(_srs(w["e"]), Z["e"])
            grad = share_gradient(fit, scored["e"], "e", {"x": cut}, cut_gradient(fit, INSTRUMENT, "b", {"x": cut}))
            out.append((Z["e"].tobytes(), C.tobytes(), grad["x"][1].tobytes()))
    assert out[0] == out[1]
