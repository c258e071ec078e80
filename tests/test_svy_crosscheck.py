"""Live cross-check of Taylor domain estimates against svy (a second, independent implementation).

svy (Rust core, a dev extra) computes the same stratified cluster variance as R's ``svyrecvar``.
Hypothesis draws small random stratified cluster designs (a few hundred rows at most: strata with
two to five PSUs of unequal size, with and without a finite population correction, one or two
domain columns that cross the PSUs) and our means and proportions by domain must equal svy's:
estimate and standard error to relative 1e-9, the same domain degrees of freedom, and the same
logit interval wherever it is defined (0 < p < 1 and positive degrees of freedom).

Domains with a single observation are left out: we return a NaN standard error there on purpose
(see test_design_properties), where svy and R report 0.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

svy = pytest.importorskip("svy")
pl = pytest.importorskip("polars")

from literacy.design import SurveyDesign  # noqa: E402

RTOL = 1e-9

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cluster_designs(draw):
    """A stratified cluster sample as a DataFrame, and the design's column names."""
    n_strata = draw(st.integers(1, 5))
    psus = draw(st.lists(st.integers(2, 5), min_size=n_strata, max_size=n_strata))
    sizes = draw(st.lists(st.integers(1, 12), min_size=sum(psus), max_size=sum(psus)))
    n_domains = draw(st.integers(1, 4))
    two_by = draw(st.booleans())
    with_fpc = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    h = np.repeat(np.arange(n_strata), psus)                       # stratum of each PSU
    psu = np.repeat(np.arange(len(sizes)), sizes)                  # PSU ids unique across strata
    n = len(psu)
    df = pd.DataFrame({
        "stratum": np.array([f"s{k}" for k in range(n_strata)])[h[psu]],
        "psu": 1000 + psu,
        # weights vary between and within PSUs, on a coarse grid so they are exact in any format
        "w": rng.integers(50, 5000, n) / 100.0,
        "y": rng.integers(0, 2, n),
        "x": np.round(rng.normal(10.0, 3.0, n), 3),
        "g": rng.integers(0, n_domains, n),
        "sex": rng.choice(["f", "m"], n),
    })
    # the outcome depends on the PSU, so design effects differ from 1
    shift = rng.normal(0.0, 2.0, len(sizes))
    df["x"] = df["x"] + shift[psu]
    strata = "stratum" if n_strata > 1 else None
    fpc = None
    if with_fpc:
        # population number of PSUs in the stratum (R: fpc=~N), at least the sampled number
        per_stratum = np.array(psus) * rng.integers(1, 6, n_strata)
        df["N"] = per_stratum[h[psu]]
        fpc = "N"
    by = ["g", "sex"] if two_by else ["g"]
    return df, strata, fpc, by


def _ours(df, strata, fpc, by, kind):
    design = SurveyDesign(df, "w", strata=strata, psu="psu", fpc=fpc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)              # single-observation domains
        if kind == "mean":
            return design.mean("x", by=by)
        return design.proportion("y", by=by, ci="logit")


def _svy(df, strata, fpc, by, kind):
    design = svy.Design(stratum=strata, psu="psu", wgt="w", pop_size=fpc)
    sample = svy.Sample(pl.from_pandas(df), design)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "mean":
            res = sample.estimation.mean("x", by=tuple(by)).to_polars()
        else:
            res = sample.estimation.prop("y", by=tuple(by), ci_method="logit").to_polars()
            res = res.filter(pl.col("y") == 1).drop("y")
    return res.to_pandas()


def _paired(df, strata, fpc, by, kind):
    ours = _ours(df, strata, fpc, by, kind)
    theirs = _svy(df, strata, fpc, by, kind)
    both = ours.merge(theirs, on=by, how="outer", suffixes=("", "_svy"), indicator=True)
    return both


def _assert_close(a, b, rtol, what):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    # an absolute floor of 1e-15 only absorbs rounding noise around an exact zero
    bad = ~(np.abs(a - b) <= rtol * np.abs(b) + 1e-15)
    assert not bad.any(), f"{what}: ours {a[bad]} vs svy {b[bad]}"


def _check(df, strata, fpc, by, kind):
    both = _paired(df, strata, fpc, by, kind)
    # domains with no member in the data are absent from both tables; svy's proportion table
    # has no row for y = 1 in a domain where nobody has y = 1 (our estimate is then exactly 0)
    only_ours = both["_merge"] == "left_only"
    if kind == "proportion":
        assert (both.loc[only_ours, "estimate"] == 0).all(), both.loc[only_ours, by + ["estimate"]]
        both = both[~only_ours]
    assert (both["_merge"] == "both").all(), both.loc[both["_merge"] != "both", by]
    assert (both["n"] == both["n_svy"]).all()
    both = both[both["n"] > 1]                                       # see the module docstring
    _assert_close(both["estimate"], both["est"], RTOL, f"{kind} estimate")
    _assert_close(both["se"], both["se_svy"], RTOL, f"{kind} se")
    assert (both["df"] == both["df_svy"]).all(), both[by + ["df", "df_svy"]]
    if kind == "proportion":
        interior = both[(both["estimate"] > 0) & (both["estimate"] < 1) & (both["df"] > 0) & (both["se"] > 0)]
        _assert_close(interior["ci_low"], interior["lci"], 1e-7, "logit ci_low")
        _assert_close(interior["ci_high"], interior["uci"], 1e-7, "logit ci_high")


@SETTINGS
@given(cluster_designs())
def test_domain_means_match_svy(case):
    df, strata, fpc, by = case
    _check(df, strata, fpc, by, "mean")


@SETTINGS
@given(cluster_designs())
def test_domain_proportions_match_svy(case):
    df, strata, fpc, by = case
    _check(df, strata, fpc, by, "proportion")


def test_crosscheck_can_fail():
    """The comparison sees a wrong SE: svy on a design without strata differs from ours with them."""
    rng = np.random.default_rng(3)
    n = 200
    psu = rng.integers(0, 12, n)
    df = pd.DataFrame({"stratum": psu % 3, "psu": psu, "w": rng.uniform(1, 5, n),
                       "x": rng.normal(0, 1, n) + psu, "y": rng.integers(0, 2, n), "g": rng.integers(0, 2, n)})
    ours = _ours(df, "stratum", None, ["g"], "mean")
    theirs = _svy(df, None, None, ["g"], "mean")
    with pytest.raises(AssertionError):
        _assert_close(ours["se"], theirs["se"], RTOL, "se")
    _assert_close(ours["estimate"], theirs["est"], RTOL, "estimate")
