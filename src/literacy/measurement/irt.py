"""IRT calibration of dichotomous items: 2PL / 1PL by marginal maximum likelihood.

Model (slope–intercept form): ``P(x_ij = 1 | theta) = 1 / (1 + exp(-(a_j theta + d_j)))``,
difficulty ``b_j = -d_j / a_j``; ``theta ~ N(mu_g, sd_g^2)`` in group ``g``, the baseline group
fixed at N(0, 1). ``"1pl"`` estimates one slope common to every item (and group) with free
intercepts (ltm's ``rasch()`` parameterisation).

Estimation
----------
The latent integral uses a fixed quadrature for N(0, 1) (``z_q``, ``pi_q``): by default 61
equally spaced points on [-6, 6] with weights proportional to the normal density, or
Gauss–Hermite. Group ``g``'s nodes are ``theta_gq = mu_g + sd_g z_q`` with the same weights, so
the prior weights never depend on the parameters and the group mean and SD enter the
likelihood exactly like item parameters.

1. Bock–Aitkin EM (Bock & Aitkin 1981; Baker & Kim 2004, ch. 6): the E-step forms the n x Q
   posterior from one matrix product of the 0/1 matrix with the J x Q logits; the expected
   counts ``r_jq`` (correct) and ``n_jq`` (answered) give the expected complete-data
   log-likelihood, and the M-step is one Newton step on it for all parameters at once (the EM
   gradient algorithm, Lange 1995), accelerated by SQUAREM (Varadhan & Roland 2008).
2. Newton–Raphson on the marginal log-likelihood with its exact Hessian (Louis 1982:
   expected complete-data Hessian + posterior covariance of the complete-data score), to a
   step below ``tol``.

Standard errors come from the inverse of the negative Hessian of the (weighted) marginal
log-likelihood at the solution — the observed information, as ltm (numerical Hessian) and
mirt's ``SE.type = "Louis"`` / ``"Oakes"`` report. ``se_b`` is by the delta method.

Item fit: RMSD (as PISA and mirt's ``RMSD_DIF``): for item j in group g,
``sqrt( sum_q f_gq (r_jq / n_jq - P_j(theta_gq))^2 )`` with ``f_gq = n_jq / sum_q n_jq`` the
group's posterior density among those who answered the item, and ``r_jq / n_jq`` the
posterior-weighted observed proportion correct at node q.
"""


from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Hashable, Sequence

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from literacy.errors import DataError
from literacy.measurement.irt_data import (
    aligned_vector,
    check_responses,
    collapse_patterns,
    person_weights,
    response_matrix,
    sorted_labels,
)
from literacy.measurement.irt_likelihood import ItemGroup, MarginalLikelihood

__all__ = ["IRTFit", "IRTConvergenceWarning", "fit_irt", "quadrature"]


class IRTConvergenceWarning(RuntimeWarning):
    """The calibration stopped before its convergence criterion was met."""


_OPTIONS = {
    "quadrature": "rectangular",   # or "gauss-hermite"
    "n_points": 61,
    "theta_range": 6.0,            # rectangular: nodes on [-theta_range, theta_range]
    "baseline": None,              # group fixed at N(0, 1); default: first in sorted order
    "weight_type": "sampling",     # or "frequency"
    "tol": 1e-7,                   # Newton: max |step| at convergence
    "em_tol": 1e-4,                # EM phase ends when max |change| is below this
    "max_em": 500,
    "max_newton": 30,
    "collapse": True,              # collapse identical response patterns (summing weights)
    "chunk_rows": 50_000,
    "blas_threads": 1,             # BLAS threads during the fit (None: leave as is)
    "start": None,                 # an earlier IRTFit to start from (warm start; same items)
}


def quadrature(kind: str = "rectangular", n_points: int = 61, theta_range: float = 6.0):
    """Nodes and weights of a quadrature for the standard normal distribution.

    Parameters
    ----------
    kind : {"rectangular", "gauss-hermite"}
        ``"rectangular"``: ``n_points`` equally spaced nodes on ``[-theta_range, theta_range]``
        with weights proportional to the N(0, 1) density (mirt's and Bock–Aitkin's grid).
        ``"gauss-hermite"``: the Gauss–Hermite rule rescaled to N(0, 1) (ltm's ``GHpoints``:
        nodes ``sqrt(2) x``, weights ``w / sqrt(pi)``).
    n_points : int
    theta_range : float

    Returns
    -------
    (nodes, weights) : tuple of ndarray, weights summing to 1.
    """
    if kind == "rectangular":
        z = np.linspace(-theta_range, theta_range, int(n_points))
        w = np.exp(-0.5 * z * z)
    elif kind in ("gauss-hermite", "gh"):
        x, w = np.polynomial.hermite.hermgauss(int(n_points))
        z = np.sqrt(2.0) * x
        w = w / np.sqrt(np.pi)
    else:
        raise DataError(f"quadrature must be 'rectangular' or 'gauss-hermite', not {kind!r}")
    return z, w / w.sum()


@dataclass
class IRTFit:
    """Result of :func:`fit_irt`.

    Attributes
    ----------
    items : DataFrame
        One row per item parameter set, in column order (split items: one row per group):
        ``item, group`` (None when the parameters are shared by all groups that took the item),
        ``a, d, b, se_a, se_d, se_b, n`` (respondents who answered it, unweighted; with
        ``weight_type="frequency"`` the summed weights, i.e. persons), then item fit
        ``rmsd`` (single group) or ``rmsd_<group>`` per group (NaN where the row's parameters
        were not used in that group).
    groups : DataFrame
        ``group, mean, sd, se_mean, se_sd, n`` (respondents used; frequency weights: summed);
        the baseline's mean and SD are fixed (SE NaN).
    loglik : float
        Weighted marginal log-likelihood at the estimates (with the weights as used: see
        ``weight_type``).
    converged : bool
    iterations : int
        EM iterations + Newton iterations.
    notes : list of str
        Items or groups left out, and anything else the caller should know.
    rmsd : DataFrame
        Long form of the fit: ``item, group, rmsd, n``.
    dropped : DataFrame
        ``item, group, reason`` for item data left out (group None: left out everywhere).
    params : ndarray, cov : ndarray, param_names : list of str
        The full parameter vector, its covariance (inverse observed information) and names.
    nodes, weights : ndarray
        The N(0, 1) quadrature; group g's nodes are ``mean_g + sd_g * nodes``.
    """

    items: pd.DataFrame
    groups: pd.DataFrame
    loglik: float
    converged: bool
    iterations: int
    notes: list[str]
    rmsd: pd.DataFrame
    dropped: pd.DataFrame
    model: str
    params: np.ndarray
    cov: np.ndarray
    param_names: list[str]
    nodes: np.ndarray
    weights: np.ndarray
    gradient_max: float = np.nan
    info: dict[str, Any] = field(default_factory=dict)
    _problem: Any = field(default=None, repr=False)

    def loglik_at(self, params) -> float:
        """Weighted marginal log-likelihood at another parameter vector (layout of ``params``)."""
        es = self._problem.estep(np.asarray(params, dtype=float))
        return float(sum(e["ll"] for e in es))

    def score_at(self, params) -> np.ndarray:
        """Gradient of the weighted marginal log-likelihood at ``params`` (Fisher's identity)."""
        b = np.asarray(params, dtype=float)
        return self._problem.derivs(b, self._problem.estep(b))[1]

    def hessian_at(self, params) -> np.ndarray:
        """Exact Hessian of the weighted marginal log-likelihood at ``params`` (Louis 1982)."""
        b = np.asarray(params, dtype=float)
        return self._problem.derivs(b, self._problem.estep(b, louis=True), louis=True)[2]


#: The largest change of any parameter in one EM step (logit units; see ``em_map``).
_MAX_STEP = 2.0


def _newton_step(H, grad):
    """Solve (-H) s = grad; None when -H is not positive definite."""
    A = -H
    try:
        L = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        return None
    y = np.linalg.solve(L, grad)
    return np.linalg.solve(L.T, y)


def _ridge_step(H, grad):
    """Newton step on the expected complete-data log-likelihood, damped until -H is PD."""
    s = _newton_step(H, grad)
    lam = 1e-8 * max(1.0, float(np.abs(np.diag(H)).max()))
    while s is None:
        s = _newton_step(H - lam * np.eye(len(grad)), grad)
        lam *= 10.0
    return s


def _keep_sd_positive(beta, step, sd_idx):
    if len(sd_idx) == 0:
        return step
    new = beta[sd_idx] + step[sd_idx]
    if (new > 0.05 * beta[sd_idx]).all():
        return step
    ratio = np.min(np.where(step[sd_idx] < 0, -0.9 * beta[sd_idx] / np.minimum(step[sd_idx], -1e-300), np.inf))
    return step * min(1.0, ratio)


def fit_irt(responses: pd.DataFrame, weights=None, model: str = "2pl", groups=None,
            anchors: Sequence[Hashable] | None = None, **options) -> IRTFit:
    """Calibrate dichotomous items with the 2PL or 1PL model by marginal maximum likelihood.

    Parameters
    ----------
    responses : DataFrame
        One column per item, values 0/1; NaN = item not administered to that person (left out
        of the likelihood). Booleans are accepted.
    weights : array-like or Series, optional
        Non-negative person weights (a Series is aligned on the responses' index). They
        multiply each person's log-likelihood (pseudo-maximum likelihood). With
        ``weight_type="sampling"`` (default) they are rescaled within each group to sum to the
        group's number of respondents; with ``"frequency"`` they are used as counts (a table of
        response patterns with their counts gives exactly the expanded data's fit).
    model : {"2pl", "1pl"}
        ``"1pl"``: one slope common to all items, intercepts free (ltm's ``rasch()``).
    groups : array-like or Series, optional
        Group (round) of each person: a multiple-group model with one latent mean and SD per
        group; the baseline group (``baseline=`` option, default the first in sorted order) is
        N(0, 1).
    anchors : sequence of item ids, optional
        Items whose parameters are shared across the groups that took them (concurrent
        calibration). None: every item administered in more than one group is shared. An item
        administered in several groups but not in ``anchors`` gets group-specific parameters.
    **options
        ``quadrature`` ("rectangular" | "gauss-hermite"), ``n_points`` (61; fewer than 41 only
        to reproduce another program, e.g. ltm's 21 Gauss–Hermite points), ``theta_range``
        (6), ``baseline``, ``weight_type`` ("sampling" | "frequency"), ``tol`` (1e-7, largest
        Newton step at convergence), ``em_tol``, ``max_em``, ``max_newton``, ``collapse``
        (True), ``chunk_rows``, ``blas_threads`` (1: the EM's many small matrix products run
        10-30x slower when BLAS threads compete for a loaded machine's cores; None leaves the
        BLAS thread count alone), ``start`` (an earlier :class:`IRTFit` to start from: each
        parameter from the earlier one of the same name, an item now split by group from its
        shared value; the maximum found is the same, in fewer iterations).

    Returns
    -------
    IRTFit

    Notes
    -----
    Standard errors are the inverse observed information of the weighted log-likelihood
    (Louis 1982). With frequency weights they are the ordinary ML standard errors. With
    sampling weights they are model-based: they treat the rescaled weights as if they were
    counts of independent respondents and ignore the survey design (strata, clusters,
    calibration); design-based standard errors need replicate weights (refit per replicate).

    Items answered correctly by everyone or by no one (overall, or within a group) are left out
    (of that group) with a note. Non-convergence gives an :class:`IRTConvergenceWarning` and
    ``converged=False``. Bad input raises :class:`literacy.errors.DataError`.

    References: Bock & Aitkin (1981); Baker & Kim (2004); Lord (1980); Louis (1982);
    Varadhan & Roland (2008).
    """
    unknown = set(options) - set(_OPTIONS)
    if unknown:
        raise DataError(f"fit_irt: unknown option {sorted(unknown)[0]!r}")
    opt = {**_OPTIONS, **options}
    if opt["blas_threads"] is None:
        return _fit(responses, weights, model, groups, anchors, opt)
    with threadpool_limits(limits=int(opt["blas_threads"]), user_api="blas"):
        return _fit(responses, weights, model, groups, anchors, opt)


def _fit(responses, weights, model, groups, anchors, opt) -> IRTFit:
    notes: list[str] = []
    model = str(model).lower()
    if model not in ("2pl", "1pl"):
        raise DataError(f"model must be '2pl' or '1pl', not {model!r}")
    if opt["weight_type"] not in ("sampling", "frequency"):
        raise DataError(f"weight_type must be 'sampling' or 'frequency', not {opt['weight_type']!r}")
    responses = check_responses(responses)
    Y = response_matrix(responses)
    w_all = person_weights(weights, responses)
    items = list(responses.columns)
    J = len(items)
    dropped: list[dict] = []

    # groups
    if groups is None:
        gcode = np.zeros(len(Y), dtype=np.int64)
        labels: list = [None]
        base = 0
    else:
        gv = aligned_vector(groups, responses, "groups")
        if pd.isna(gv).any():
            raise DataError(f"groups has a missing label (row {int(np.flatnonzero(pd.isna(gv))[0])})")
        labels = sorted_labels([x.item() if isinstance(x, np.generic) else x for x in pd.unique(gv)])
        lookup = {lab: k for k, lab in enumerate(labels)}
        gcode = np.array([lookup[x] for x in gv], dtype=np.int64)
        if opt["baseline"] is not None:
            if opt["baseline"] not in lookup:
                raise DataError(f"baseline group {opt['baseline']!r} is not among the groups")
            base = lookup[opt["baseline"]]
        else:
            base = 0
    G = len(labels)
    if anchors is not None:
        anchors = list(anchors)
        missing = [x for x in anchors if x not in set(items)]
        if missing:
            raise DataError(f"anchor item {missing[0]!r} is not a column of responses")
    anchor_set = None if anchors is None else set(anchors)

    pos = w_all > 0
    obs = ~np.isnan(Y) & pos[:, None]
    # per group, per item: administered? constant?
    active = np.zeros((G, J), dtype=bool)
    for gi in range(G):
        rows = gcode == gi
        cnt = obs[rows].sum(0)
        ones = np.where(obs[rows], Y[rows], 0.0).sum(0)
        for j in range(J):
            if cnt[j] == 0:
                continue
            if ones[j] == 0 or ones[j] == cnt[j]:
                what = "no one" if ones[j] == 0 else "everyone"
                where = "" if labels[gi] is None else f" in group {labels[gi]!r}"
                dropped.append({"item": items[j], "group": labels[gi],
                                "reason": f"{what} answered correctly{where}"})
                continue
            active[gi, j] = True
    for j in range(J):
        if not active[:, j].any():
            if obs[:, j].any():
                if G > 1:
                    notes.append(f"item {items[j]!r} left out: within every group that took it, "
                                 f"everyone or no one answered correctly")
                else:
                    notes.append(f"item {items[j]!r} left out: {dropped[[d['item'] for d in dropped].index(items[j])]['reason']}")
                reason = "constant in every group"
            else:
                notes.append(f"item {items[j]!r} left out: no responses")
                reason = "no responses"
            dropped.append({"item": items[j], "group": None, "reason": reason})
        elif G > 1:
            for d_ in dropped:
                if d_["item"] == items[j] and d_["group"] is not None:
                    notes.append(f"item {items[j]!r} left out of group {d_['group']!r}: {d_['reason']}")
    if not active.any():
        raise DataError("no item has both correct and incorrect answers: nothing to calibrate")

    # parameter sets: (item index, group index or None)
    sets: list[tuple[int, int | None]] = []
    set_of = -np.ones((G, J), dtype=np.int64)
    for j in range(J):
        gs = np.flatnonzero(active[:, j])
        if len(gs) == 0:
            continue
        shared = len(gs) == 1 or anchor_set is None or items[j] in anchor_set
        if shared:
            set_of[gs, j] = len(sets)
            sets.append((j, None))
        else:
            for gi in gs:
                set_of[gi, j] = len(sets)
                sets.append((j, int(gi)))
    K = len(sets)
    if model == "2pl":
        a_idx = np.arange(K)
        d_idx = K + np.arange(K)
        p = 2 * K
    else:
        a_idx = np.zeros(K, dtype=np.int64)
        d_idx = 1 + np.arange(K)
        p = 1 + K
    mu_idx = -np.ones(G, dtype=np.int64)
    sd_idx = -np.ones(G, dtype=np.int64)
    for gi in range(G):
        if gi != base:
            mu_idx[gi], sd_idx[gi] = p, p + 1
            p += 2

    # identification: every group linked to the baseline through shared item parameters
    if G > 1:
        parent = list(range(G))

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x
        for k in range(K):
            gs = np.flatnonzero((set_of == k).any(axis=1))
            for gi in gs[1:]:
                parent[find(gi)] = find(gs[0])
        for gi in range(G):
            if find(gi) != find(base):
                raise DataError(f"group {labels[gi]!r} shares no anchor item with the baseline group "
                                f"{labels[base]!r}: its mean and SD are not identified")

    # group data
    glist: list[ItemGroup] = []
    person_n = np.zeros(G)
    for gi in range(G):
        cols = np.flatnonzero(active[gi])
        rows = np.flatnonzero((gcode == gi) & pos)
        Ob = obs[np.ix_(rows, cols)]
        keep = Ob.any(axis=1)
        if (~keep).any():
            where = "" if labels[gi] is None else f" in group {labels[gi]!r}"
            notes.append(f"{int((~keep).sum())} respondent(s){where} answered none of the calibrated items: left out")
        rows = rows[keep]
        Ob = Ob[keep]
        person_n[gi] = len(rows)
        if len(rows) == 0:
            if gi == base:
                raise DataError(f"the baseline group {labels[gi]!r} has no usable respondents")
            raise DataError(f"group {labels[gi]!r} has no usable respondents")
        Xg = np.where(Ob, Y[np.ix_(rows, cols)], 0.0)
        Og = None if Ob.all() else Ob.astype(float)
        wg = w_all[rows].astype(float)
        if opt["weight_type"] == "sampling":
            wg = wg * (len(rows) / wg.sum())
        n_item = Ob.sum(0) if opt["weight_type"] == "sampling" else (Ob * wg[:, None]).sum(0)
        if opt["weight_type"] == "frequency":
            person_n[gi] = wg.sum()
        if opt["collapse"]:
            Xg, Og, wg = collapse_patterns(Xg, Og, wg)
        opat = opats = None
        if Og is not None:
            opats, opat = np.unique(Og.astype(bool), axis=0, return_inverse=True)
            opat = opat.ravel()
            opats = opats.astype(float)
        glist.append(ItemGroup(label=labels[gi], cols=cols, ia=a_idx[set_of[gi, cols]], id=d_idx[set_of[gi, cols]],
                            im=int(mu_idx[gi]), isd=int(sd_idx[gi]), X=np.ascontiguousarray(Xg), O=Og, w=wg,
                            opat=opat, opats=opats, n_persons=len(rows), n_item=n_item))

    if opt["n_points"] < 41:
        notes.append(f"quadrature with {opt['n_points']} points (< 41): meant only to reproduce another program")
    z, pi = quadrature(opt["quadrature"], opt["n_points"], opt["theta_range"])
    prob = MarginalLikelihood(glist, p, z, pi, int(opt["chunk_rows"]))

    # starting values: a = 1, d from the weighted proportion correct (marginal logit inflated
    # for the latent variance, Lord 1980 sec. 2.6 normal-ogive relation)
    beta = np.zeros(p)
    num = np.zeros(K)
    den = np.zeros(K)
    for g in glist:
        k = np.searchsorted(d_idx, g.id) if model == "2pl" else g.id - 1
        num_g = g.X.T @ g.w
        den_g = (g.O.T @ g.w) if g.O is not None else np.full(len(g.cols), g.w.sum())
        np.add.at(num, k, num_g)
        np.add.at(den, k, den_g)
    pc = np.clip(num / den, 1e-3, 1 - 1e-3)
    beta[a_idx] = 1.0
    beta[d_idx] = 1.2 * np.log(pc / (1 - pc))
    sdv = sd_idx[sd_idx >= 0]
    beta[sdv] = 1.0
    if opt["start"] is not None:
        # warm start (e.g. the refits of a jackknife over the anchors): each parameter from the
        # earlier fit's parameter of the same name; an item split by round starts from its shared
        # value. Only the starting point changes: the same maximum is found, in fewer iterations.
        prev = dict(zip(opt["start"].param_names, np.asarray(opt["start"].params, dtype=float)))
        for k, (j, gi) in enumerate(sets):
            tags = [items[j]] if gi is None else [f"{items[j]}@{labels[gi]}", items[j]]
            for kind, idx in (("a", a_idx[k] if model == "2pl" else None), ("d", d_idx[k])):
                if idx is None:
                    continue
                hit = next((prev[f"{kind}[{tg}]"] for tg in tags if f"{kind}[{tg}]" in prev), None)
                if hit is not None and np.isfinite(hit):
                    beta[idx] = hit
        if model == "1pl" and "a" in prev:
            beta[0] = prev["a"]
        for gi in range(G):
            if gi != base:
                for name, idx in ((f"mean[{labels[gi]}]", mu_idx[gi]), (f"sd[{labels[gi]}]", sd_idx[gi])):
                    if name in prev:
                        beta[idx] = prev[name]

    def em_map(b, es=None):
        es = prob.estep(b) if es is None else es
        ll, grad, Hc = prob.derivs(b, es)
        step = _keep_sd_positive(b, _ridge_step(Hc, grad), sdv)
        # a trust region: near a flat direction (a slope near 0 in a small sample) the complete-data
        # Newton step can be huge and run the slopes away; no parameter moves more than _MAX_STEP
        # logits in one step (the usual steps are far smaller, so the iterates are unchanged there)
        big = float(np.abs(step).max()) if step.size else 0.0
        if big > _MAX_STEP:
            step = step * (_MAX_STEP / big)
        return b + step, ll

    def safe_map(b, es_b=None):
        """One EM map that never lowers the marginal log-likelihood: the step is halved until the
        likelihood at the new point is at least the old one (a monotone EM, as Bock–Aitkin's).
        Returns the new point, the log-likelihood at ``b`` and at the new point, and the new
        point's E-step (the next map starts from it instead of computing it again)."""
        nb, ll_b = em_map(b, es_b)
        for _ in range(30):
            es_new = prob.estep(nb)
            ll_new = float(sum(e["ll"] for e in es_new))
            if np.isfinite(ll_new) and ll_new >= ll_b - 1e-9 * abs(ll_b):
                return nb, ll_b, ll_new, es_new
            nb = b + 0.5 * (nb - b)
        return b, ll_b, ll_b, es_b

    # EM (gradient) iterations with SQUAREM acceleration (Varadhan & Roland 2008, SqS3)
    it_em = 0
    ll_old = -np.inf
    es_beta = None
    while it_em < opt["max_em"]:
        b1, ll0, _, es1 = safe_map(beta, es_beta)
        b2, ll1, _, es2 = safe_map(b1, es1)
        it_em += 2
        r = b1 - beta
        v = b2 - b1 - r
        change = np.abs(b2 - b1).max()
        if change < opt["em_tol"]:
            beta = b2
            break
        vv = float(v @ v)
        alpha = -np.sqrt(float(r @ r) / vv) if vv > 0 else -1.0
        alpha = min(alpha, -1.0)
        bx = beta - 2 * alpha * r + alpha * alpha * v
        if len(sdv) and (bx[sdv] <= 0.05).any():
            bx = b2
        b3, llx, _, es3 = safe_map(bx)
        it_em += 1
        if not np.isfinite(llx) or llx < ll1 - 1e-9 * abs(ll1):
            beta, es_beta = b2, es2
        else:
            beta, es_beta = b3, es3
        if abs(ll1 - ll_old) < 1e-12 * abs(ll1):
            break
        ll_old = ll1

    # Newton on the marginal log-likelihood with the exact (Louis) Hessian
    converged = False
    it_nr = 0
    prev = None
    es = grad = H = None
    ll = -np.inf
    while it_nr < opt["max_newton"]:
        es = prob.estep(beta, louis=True)
        ll, grad, H = prob.derivs(beta, es, louis=True)
        if prev is not None and ll < prev[1] - 1e-9 * abs(prev[1]):
            # the last full step went downhill: halve it and try again
            beta = prev[0] + 0.5 * (beta - prev[0])
            it_nr += 1
            continue
        step = _newton_step(H, grad)
        if step is None:
            # not (yet) in a concave region: fall back on a few EM steps
            for _ in range(5):
                beta, _ll = em_map(beta)
            it_em += 5
            it_nr += 1
            prev = None
            continue
        if np.abs(step).max() < opt["tol"]:
            converged = True
            break
        step = _keep_sd_positive(beta, step, sdv)
        prev = (beta, ll)
        beta = beta + step
        it_nr += 1
    if not converged:
        es = prob.estep(beta, louis=True)
        ll, grad, H = prob.derivs(beta, es, louis=True)
        warnings.warn(f"IRT calibration did not converge in {opt['max_newton']} Newton iterations "
                      f"(max |gradient| {np.abs(grad).max():.3g}); estimates are provisional",
                      IRTConvergenceWarning, stacklevel=3)
        notes.append("did not converge: estimates are provisional")

    # covariance: inverse observed information
    try:
        cov = np.linalg.inv(-H)
        if not (np.diag(cov) > 0).all():
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        cov = np.full((p, p), np.nan)
        notes.append("the observed information is singular or not positive definite: no standard errors")
    se = np.sqrt(np.clip(np.diag(cov), 0, None))

    # tables
    rmsd_cols = ["rmsd"] if groups is None else [f"rmsd_{lab}" for lab in labels]
    rm = np.full((K, G), np.nan)
    n_set = np.zeros(K)
    long_rows = []
    for gi, (g, e) in enumerate(zip(glist, es)):
        P = e["P"]
        r, n = e["r"], e["n"]
        with np.errstate(invalid="ignore", divide="ignore"):
            pobs = np.where(n > 0, r / np.where(n > 0, n, 1.0), P)
        f = n / n.sum(1, keepdims=True)
        val = np.sqrt((f * (pobs - P) ** 2).sum(1))
        ks = set_of[gi, g.cols]
        rm[ks, gi] = val
        np.add.at(n_set, ks, g.n_item)
        for jj, j in enumerate(g.cols):
            long_rows.append({"item": items[j], "group": g.label, "rmsd": val[jj], "n": float(g.n_item[jj])})
    rows_out = []
    for k, (j, gi) in enumerate(sets):
        a_, d_ = beta[a_idx[k]], beta[d_idx[k]]
        ia_, id_ = a_idx[k], d_idx[k]
        grad_b = np.array([d_ / a_ ** 2, -1.0 / a_])
        sub = cov[np.ix_([ia_, id_], [ia_, id_])]
        se_b = float(np.sqrt(grad_b @ sub @ grad_b)) if np.isfinite(sub).all() else np.nan
        row = {"item": items[j], "group": None if gi is None else labels[gi], "a": a_, "d": d_, "b": -d_ / a_,
               "se_a": se[ia_], "se_d": se[id_], "se_b": se_b, "n": float(n_set[k])}
        for gi2, c in enumerate(rmsd_cols):
            row[c] = rm[k, gi2]
        rows_out.append(row)
    items_df = pd.DataFrame(rows_out, columns=["item", "group", "a", "d", "b", "se_a", "se_d", "se_b", "n", *rmsd_cols])
    items_df["group"] = pd.Series([r["group"] for r in rows_out], index=items_df.index, dtype=object)
    grows = []
    for gi in range(G):
        if gi == base:
            grows.append({"group": labels[gi], "mean": 0.0, "sd": 1.0, "se_mean": np.nan, "se_sd": np.nan,
                          "n": float(person_n[gi])})
        else:
            grows.append({"group": labels[gi], "mean": beta[mu_idx[gi]], "sd": beta[sd_idx[gi]],
                          "se_mean": se[mu_idx[gi]], "se_sd": se[sd_idx[gi]], "n": float(person_n[gi])})
    names = [""] * p
    for k, (j, gi) in enumerate(sets):
        tag = items[j] if gi is None else f"{items[j]}@{labels[gi]}"
        if model == "2pl":
            names[a_idx[k]] = f"a[{tag}]"
        names[d_idx[k]] = f"d[{tag}]"
    if model == "1pl":
        names[0] = "a"
    for gi in range(G):
        if gi != base:
            names[mu_idx[gi]] = f"mean[{labels[gi]}]"
            names[sd_idx[gi]] = f"sd[{labels[gi]}]"
    total_w = sum(float(g.w.sum()) for g in glist)
    return IRTFit(
        items=items_df,
        groups=pd.DataFrame(grows, columns=["group", "mean", "sd", "se_mean", "se_sd", "n"]),
        loglik=float(ll), converged=converged, iterations=it_em + it_nr, notes=notes,
        rmsd=pd.DataFrame(long_rows, columns=["item", "group", "rmsd", "n"]),
        dropped=pd.DataFrame(dropped, columns=["item", "group", "reason"]),
        model=model, params=beta, cov=cov, param_names=names, nodes=z, weights=pi,
        gradient_max=float(np.abs(grad).max() / total_w),
        info={"em_iterations": it_em, "newton_iterations": it_nr, "baseline": labels[base],
              "quadrature": opt["quadrature"], "n_points": int(opt["n_points"]),
              "weight_type": opt["weight_type"], "rows_used": [len(g.w) for g in glist]},
        _problem=prob,
    )
