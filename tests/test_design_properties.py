"""Hand-calculated Taylor variances and invariants of the design engine."""


import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from literacy.design import SurveyDesign
from literacy.errors import DesignError


def _hand_domain_variance(df, y, domain_mask):
    """Stratified with-replacement PSU variance of a domain mean, written out plainly."""
    w = df["w"].to_numpy()
    yy = df[y].to_numpy()
    m = domain_mask.astype(float)
    W = (w * m).sum()
    ybar = (w * m * yy).sum() / W
    z = w * m * (yy - ybar) / W
    var = 0.0
    for h in df["h"].unique():
        psus = df.loc[df["h"] == h, "c"].unique()
        totals = np.array([z[((df["h"] == h) & (df["c"] == c)).to_numpy()].sum() for c in psus])
        k = len(totals)
        var += k / (k - 1) * ((totals - totals.mean()) ** 2).sum()
    return ybar, var


@pytest.fixture
def small():
    rng = np.random.default_rng(7)
    n = 120
    df = pd.DataFrame({
        "h": np.repeat(["a", "b", "c"], 40),
        "c": np.concatenate([rng.integers(0, 4, 40), 10 + rng.integers(0, 3, 40), 20 + rng.integers(0, 5, 40)]),
        "w": rng.uniform(1, 5, n),
        "y": rng.integers(0, 2, n),
        "g": rng.choice(["p", "q"], n),
    })
    return df


def test_domain_mean_and_variance_by_hand(small):
    design = SurveyDesign(small, weights="w", strata="h", psu="c")
    res = design.proportion("y", by="g", ci="wald").set_index("g")
    for g in ["p", "q"]:
        est, var = _hand_domain_variance(small, "y", (small["g"] == g).to_numpy())
        assert res.loc[g, "estimate"] == pytest.approx(est, rel=1e-12)
        assert res.loc[g, "se"] == pytest.approx(np.sqrt(var), rel=1e-10)


def test_psu_in_two_strata_needs_nest(small):
    df = small.copy()
    df.loc[df["h"] == "b", "c"] = df.loc[df["h"] == "b", "c"] - 10   # same PSU ids as stratum a
    with pytest.raises(DesignError, match="more than one stratum"):
        SurveyDesign(df, weights="w", strata="h", psu="c")
    nested = SurveyDesign(df, weights="w", strata="h", psu="c", nest=True).mean("y")
    assert np.isfinite(nested["se"].iloc[0])


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_bad_weights_are_refused(small, bad):
    df = small.copy()
    df.loc[5, "w"] = bad
    with pytest.raises(DesignError, match="row 5"):
        SurveyDesign(df, weights="w", strata="h", psu="c")


def test_missing_design_value_is_refused(small):
    df = small.copy().astype({"h": object})
    df.loc[3, "h"] = None
    with pytest.raises(DesignError, match="'h' has missing values"):
        SurveyDesign(df, weights="w", strata="h", psu="c")


def test_single_observation_domain_gives_nan_se_with_warning(small):
    df = small.copy()
    df.loc[0, "g"] = "lonely"
    design = SurveyDesign(df, weights="w", strata="h", psu="c")
    with pytest.warns(RuntimeWarning, match="single observation"):
        res = design.mean("y", by="g").set_index("g")
    assert np.isnan(res.loc["lonely", "se"])
    assert res.loc["lonely", "estimate"] == df.loc[0, "y"]


def test_missing_values_give_nan_or_are_removed(small):
    df = small.copy()
    df["y"] = df["y"].astype(float)
    df.loc[2, "y"] = np.nan
    design = SurveyDesign(df, weights="w", strata="h", psu="c")
    assert np.isnan(design.mean("y")["estimate"].iloc[0])
    kept = design.mean("y", na_rm=True)
    est, _ = _hand_domain_variance(df.fillna({"y": 0}), "y", df["y"].notna().to_numpy())
    assert kept["estimate"].iloc[0] == pytest.approx(est)
    assert kept["n"].iloc[0] == len(df) - 1


designs = st.integers(min_value=0, max_value=10_000)


@settings(max_examples=25, deadline=None)
@given(seed=designs, scale=st.floats(min_value=1e-3, max_value=1e4))
def test_row_order_and_weight_scale_do_not_change_means_or_ses(seed, scale):
    rng = np.random.default_rng(seed)
    n = 200
    df = pd.DataFrame({
        "h": rng.integers(0, 4, n), "w": rng.uniform(0.5, 3, n), "y": rng.normal(size=n),
        "g": rng.integers(0, 3, n),
    })
    df["c"] = df["h"] * 100 + rng.integers(0, 5, n)
    base = SurveyDesign(df, weights="w", strata="h", psu="c", lonely_psu="adjust").mean("y", by="g")
    shuffled = df.sample(frac=1, random_state=seed).reset_index(drop=True)
    perm = SurveyDesign(shuffled, weights="w", strata="h", psu="c", lonely_psu="adjust").mean("y", by="g")
    scaled = df.assign(w=df["w"] * scale)
    sc = SurveyDesign(scaled, weights="w", strata="h", psu="c", lonely_psu="adjust").mean("y", by="g")
    for other in (perm, sc):
        np.testing.assert_allclose(other["estimate"], base["estimate"], rtol=1e-10)
        np.testing.assert_allclose(other["se"], base["se"], rtol=1e-8)


@settings(max_examples=25, deadline=None)
@given(seed=designs)
def test_domain_estimate_equals_the_estimate_on_the_domain_indicator(seed):
    rng = np.random.default_rng(seed)
    n = 150
    df = pd.DataFrame({"h": rng.integers(0, 3, n), "w": rng.uniform(0.5, 3, n),
                       "y": rng.integers(0, 2, n), "g": rng.integers(0, 4, n)})
    df["c"] = df["h"] * 100 + rng.integers(0, 4, n)
    design = SurveyDesign(df, weights="w", strata="h", psu="c", lonely_psu="adjust")
    by = design.proportion("y", by="g", ci="wald").set_index("g")
    for g in by.index:
        df[f"in_{g}"] = (df["g"] == g).astype(int)
        ind = SurveyDesign(df, weights="w", strata="h", psu="c", lonely_psu="adjust") \
            .proportion("y", by=f"in_{g}", ci="wald").set_index(f"in_{g}").loc[1]
        assert ind["estimate"] == pytest.approx(by.loc[g, "estimate"], rel=1e-12)
        assert ind["se"] == pytest.approx(by.loc[g, "se"], rel=1e-10)
        # and the ratio estimator of the domain total over the domain size agrees too
        df["y_in"] = df["y"] * df[f"in_{g}"]
        r = SurveyDesign(df, weights="w", strata="h", psu="c", lonely_psu="adjust").ratio("y_in", f"in_{g}")
        assert r["estimate"].iloc[0] == pytest.approx(by.loc[g, "estimate"], rel=1e-12)
        assert r["se"].iloc[0] == pytest.approx(by.loc[g, "se"], rel=1e-10)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), with_missing=st.booleans())
def test_integer_and_text_design_columns_give_the_same_estimates(seed, with_missing):
    # integer strata / PSU / domain columns take an O(n) coding path, text ones pd.factorize;
    # zero-padded labels keep the sort order, so the two tables must agree exactly
    rng = np.random.default_rng(seed)
    n = 300
    h = rng.integers(0, 4, n)
    df = pd.DataFrame({"h": h, "c": h * 10 + rng.integers(0, 3, n), "w": rng.uniform(1, 9, n),
                       "y": rng.integers(0, 2, n).astype(float), "g": rng.integers(2, 7, n)})
    if with_missing:
        df.loc[rng.choice(n, 12, replace=False), "y"] = np.nan
    text = df.assign(h=df["h"].map("s{:03d}".format), c=df["c"].map("p{:03d}".format),
                     g=df["g"].map("d{:03d}".format))
    a = SurveyDesign(df, weights="w", strata="h", psu="c").proportion("y", by="g", na_rm=True)
    b = SurveyDesign(text, weights="w", strata="h", psu="c").proportion("y", by="g", na_rm=True)
    assert list(b["g"]) == [f"d{v:03d}" for v in a["g"]]
    pd.testing.assert_frame_equal(a.drop(columns="g"), b.drop(columns="g"), rtol=1e-13)
