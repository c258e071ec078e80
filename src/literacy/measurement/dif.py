"""Weighted Mantel–Haenszel differential item functioning (DIF) with ETS A/B/C classes.

Method (Holland & Thayer 1988; Zwick 2012, ETS RR-12-08)
-------------------------------------------------------
For each studied item, respondents of the reference and focal groups are matched on the
**rest score** (the point-weighted total of the other items in ``scored``) grouped into score
bands k = 1..K. In band k, with weighted counts::

                 correct   wrong
    reference      A_k      B_k      n_Rk = A_k + B_k
    focal          C_k      D_k      n_Fk = C_k + D_k
                   m_1k     m_0k     N_k

* common odds ratio ``alpha_MH = sum_k (A_k D_k / N_k) / sum_k (B_k C_k / N_k)``;
* ETS delta ``MH D-DIF = -2.35 ln(alpha_MH)``: negative when, at equal rest scores, the
  reference group has the higher odds of answering correctly (the item favours the reference
  group), positive when it favours the focal group;
* its standard error ``2.35 sqrt(Var ln alpha_MH)`` with the Robins–Breslow–Greenland (1986)
  variance, with ``P_k = (A_k + D_k)/N_k``, ``Q_k = (B_k + C_k)/N_k``, ``R_k = A_k D_k/N_k``,
  ``S_k = B_k C_k/N_k``::

      Var = sum P R / (2 (sum R)^2) + sum (P S + Q R) / (2 sum R sum S) + sum Q S / (2 (sum S)^2)

* the MH chi-square with continuity correction (Mantel & Haenszel 1959), one df::

      (|sum A_k - sum E(A_k)| - 1/2)^2 / sum Var(A_k),
      E(A_k) = n_Rk m_1k / N_k,  Var(A_k) = n_Rk n_Fk m_1k m_0k / (N_k^2 (N_k - 1))

  where, as R's ``mantelhaen.test``, the correction is ``min(1/2, |sum A - sum E|)``.

A band contributes nothing when it lacks either group or holds fewer than two respondents; the
chi-square also leaves out a band whose (test-scale, see below) N_k is at most 1, where the
hypergeometric variance is undefined.

ETS classes (Zwick 2012, following Dorans & Holland / Zwick & Ercikan 1989), with ``alpha``
(default 0.05):

* **A**: ``|MH D-DIF| < 1``, or the MH chi-square is not significant (p >= alpha);
* **C**: ``|MH D-DIF| >= 1.5`` and ``|MH D-DIF|`` significantly greater than 1, a one-sided
  test: ``(|MH D-DIF| - 1) / SE > z_(1 - alpha)`` (1.645);
* **B**: otherwise.

Weights
-------
The point estimates (``alpha_mh``, ``delta_mh``) use the weighted counts and do not change when
all weights are multiplied by a constant. The significance tests need counts on a sample-size
scale, so the weights are rescaled per studied item within the comparison (the respondents of
both groups administered the item) before the tables enter the variance and the chi-square.
``test_weights`` chooses the scale:

* ``"effective"`` (default): the weights are rescaled to sum to Kish's effective sample size
  ``n_eff = (sum w)^2 / sum w^2`` of the comparison. The tests then have the precision of a
  simple random sample of ``n_eff`` respondents: the variance inflation from unequal weighting
  (Kish's ``deff_w = n / n_eff``) is carried into the SE and the chi-square, and equal weights
  give exactly the unweighted analysis. It does not capture clustering or stratification of the
  design; when those matter, use the pipeline's replicate weights to get a design-based SE of
  ``delta_mh``.
* ``"sample"``: rescaled to sum to the number of respondents n (ignores the weighting's variance
  inflation; anti-conservative when weights vary).
* ``"frequency"``: the weights are used as counts as given, for frequency weights (a weight of 3
  is three identical respondents); this reproduces the analysis of the expanded rows exactly.

With ``"effective"`` and ``"sample"`` every column is invariant to rescaling the weights.

Score bands (``bands``)
-----------------------
* ``None`` (default): thin matching, one band per distinct rest score, when the comparison has
  on average at least ``min_per_band`` respondents (default 20) per distinct rest score;
  otherwise quantile bands as for an int, with ``K = max(2, n // min_per_band)`` bands (capped
  at the number of distinct rest scores).
* an int K: K bands cut at the weighted quantiles ``k/K`` (inverted CDF: the smallest score
  whose weighted cumulative share reaches k/K) of each item's rest score among the
  comparison's respondents administered the item; a score equal to a cut point goes to the
  lower band; tied cut points give fewer bands. The quantiles are of the weighted (population)
  distribution and do not change when the weights are rescaled; frequency weights give the
  bands of the expanded rows.
* a sequence of edges ``e_1 < ... < e_m``: bands ``(-inf, e_1), [e_1, e_2), ..., [e_m, inf)``.

References
----------
Holland, P. W., & Thayer, D. T. (1988). Differential item performance and the Mantel-Haenszel
procedure. In H. Wainer & H. I. Braun (Eds.), Test Validity (pp. 129-145). Erlbaum.
Mantel, N., & Haenszel, W. (1959). JNCI 22, 719-748.
Robins, J., Breslow, N., & Greenland, S. (1986). Estimators of the Mantel-Haenszel variance
consistent in both sparse data and large-strata limiting models. Biometrics 42, 311-323.
Zwick, R. (2012). A review of ETS differential item functioning assessment procedures. ETS
Research Report RR-12-08.
Kish, L. (1965). Survey Sampling. Wiley (effective sample size under unequal weighting).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from literacy.errors import DataError
from literacy.measurement.items import item_points, scored_matrix, weight_vector

__all__ = ["mantel_haenszel", "dif_table", "anchor_drift", "ets_class", "MH_COLUMNS", "TEST_WEIGHTS"]

#: Columns of :func:`mantel_haenszel`, in order (``dif_table`` and ``anchor_drift`` put
#: ``grouping`` and ``comparison`` in front).
MH_COLUMNS = ["item", "reference", "focal", "alpha_mh", "delta_mh", "se_delta", "chi2", "p_value",
              "ets_class", "favours", "n_reference", "n_focal", "n_bands", "reason"]
#: The choices of ``test_weights``.
TEST_WEIGHTS = ("effective", "sample", "frequency")

#: ETS delta scale: -4 / 1.7 rounded as in Holland & Thayer (1988).
_DELTA = 2.35


def ets_class(delta, se, p_value, alpha: float = 0.05) -> np.ndarray:
    """ETS A/B/C class of each item (Zwick 2012); "" where delta is undefined.

    Parameters
    ----------
    delta, se, p_value : array-like
        MH D-DIF, its standard error and the MH chi-square p-value.
    alpha : float
        Level of both tests (default 0.05): the chi-square test of no DIF, and the one-sided
        test of ``|delta| > 1``, ``(|delta| - 1) / se > z_(1 - alpha)``.

    Returns
    -------
    array of str: "A", "B", "C" or "".
    """
    d = np.abs(np.asarray(delta, dtype=float))
    se = np.asarray(se, dtype=float)
    p = np.asarray(p_value, dtype=float)
    z = stats.norm.ppf(1.0 - alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        is_a = (d < 1.0) | ~(p < alpha)
        is_c = (d >= 1.5) & ((d - 1.0) / se > z)
    out = np.where(is_a, "A", np.where(is_c, "C", "B")).astype(object)
    out[~np.isfinite(d)] = ""
    return out


# ---------------------------------------------------------------------------------------------
# score bands
# ---------------------------------------------------------------------------------------------

def _quantile_bands(rest: np.ndarray, valid: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    """Per-item quantile bands 0..k-1 at weighted inverted-CDF quantiles of the rest score.

    The cut point for q = 1/k, ..., (k-1)/k is the smallest rest score whose weighted cumulative
    share reaches q (over the item's valid rows); a score equal to a cut goes to the lower band.
    Inverted-CDF quantiles are actual scores and give the same bands for frequency weights as
    for the expanded rows; weights are used so that the bands are those of the population.
    """
    if k < 1:
        raise DataError(f"bands: need at least one band, got {k}")
    n, J = rest.shape
    if k == 1:
        return np.zeros(rest.shape, dtype=np.int64)
    qs = np.arange(1, k) / k
    cuts = np.full((J, k - 1), np.inf)
    for j in range(J):                       # per item (not per respondent): sort its rest scores
        rows = np.flatnonzero(valid[:, j])
        if rows.size == 0:
            continue
        order = np.argsort(rest[rows, j], kind="stable")
        vals = rest[rows, j][order]
        cw = np.cumsum(w[rows][order])
        total = cw[-1]
        idx = np.searchsorted(cw, qs * total - 1e-12 * total, side="left").clip(0, vals.size - 1)
        cuts[j] = vals[idx]
    return (rest[:, :, None] > cuts[None, :, :]).sum(axis=2).astype(np.int64)


def _band_codes(rest: np.ndarray, valid: np.ndarray, w: np.ndarray, bands, min_per_band: int,
                n_cmp: float) -> tuple[np.ndarray, int]:
    """Band index of every (respondent, item) and the number of bands (n_cmp: comparison size)."""
    if bands is None:
        values = np.unique(rest[valid])
        if len(values) == 0:
            return np.zeros(rest.shape, dtype=np.int64), 1
        if n_cmp >= min_per_band * len(values):
            codes = np.searchsorted(values, rest).clip(0, len(values) - 1)
            return codes.astype(np.int64), len(values)
        k = int(min(len(values), max(2, int(n_cmp) // max(min_per_band, 1))))
        return _quantile_bands(rest, valid, w, k), k
    if isinstance(bands, (int, np.integer)) and not isinstance(bands, bool):
        return _quantile_bands(rest, valid, w, int(bands)), int(bands)
    try:
        edges = np.asarray(bands, dtype=float).ravel()
    except (TypeError, ValueError):
        raise DataError("bands: expected None, a number of bands or a sequence of band edges") from None
    if edges.size == 0 or not np.isfinite(edges).all() or (np.diff(edges) <= 0).any():
        raise DataError("bands: band edges must be finite and strictly increasing")
    return np.searchsorted(edges, rest, side="right").astype(np.int64), edges.size + 1


# ---------------------------------------------------------------------------------------------
# the MH statistics from stacked 2 x 2 x K tables
# ---------------------------------------------------------------------------------------------

def _mh_from_tables(A, B, C, D, use):
    """MH statistics per item from (J, K) arrays of weighted cell counts.

    ``use`` marks the bands that contribute (both groups, at least two respondents).
    Returns alpha, var_log_alpha, chi2 (arrays of length J).
    """
    A, B, C, D = (np.where(use, x, 0.0) for x in (A, B, C, D))
    N = A + B + C + D
    with np.errstate(invalid="ignore", divide="ignore"):
        Nd = np.where(N > 0, N, 1.0)
        R = A * D / Nd
        S = B * C / Nd
        P = (A + D) / Nd
        Q = (B + C) / Nd
        sR, sS = R.sum(axis=1), S.sum(axis=1)
        alpha = sR / sS
        # Robins, Breslow & Greenland (1986), eq. for Var(ln alpha_MH)
        var = ((P * R).sum(axis=1) / (2 * sR ** 2)
               + (P * S + Q * R).sum(axis=1) / (2 * sR * sS)
               + (Q * S).sum(axis=1) / (2 * sS ** 2))
        # MH chi-square with continuity correction; bands with N_k <= 1 left out
        ch = use & (N > 1)
        nR, nF, m1, m0 = A + B, C + D, A + C, B + D
        E = np.where(ch, nR * m1 / Nd, 0.0)
        V = np.where(ch, nR * nF * m1 * m0 / (Nd ** 2 * np.where(ch, N - 1, 1.0)), 0.0)
        diff = np.abs(np.where(ch, A, 0.0).sum(axis=1) - E.sum(axis=1))
        sV = V.sum(axis=1)
        chi2 = np.where(sV > 0, (diff - np.minimum(0.5, diff)) ** 2 / sV, np.nan)
    return alpha, var, chi2


def _group_masks(group, n: int, focal, reference) -> tuple[np.ndarray, np.ndarray, str, str]:
    """Boolean masks of the focal and reference respondents and their labels."""
    g = pd.Series(np.asarray(group, dtype=object).ravel() if not isinstance(group, pd.Series)
                  else group.to_numpy(dtype=object))
    if len(g) != n:
        raise DataError(f"group: {len(g)} values for {n} respondents")
    present = g.notna().to_numpy()
    is_foc = (g == focal).to_numpy() & present
    if not is_foc.any():
        raise DataError(f"group: no respondent in the focal group {focal!r}")
    if reference is None:
        is_ref = present & ~is_foc
        others = pd.unique(g[is_ref])
        ref_label = str(others[0]) if len(others) == 1 else "rest"
    else:
        if reference == focal:
            raise DataError(f"group: reference and focal are both {focal!r}")
        is_ref = (g == reference).to_numpy() & present
        ref_label = str(reference)
    if not is_ref.any():
        raise DataError(f"group: no respondent in the reference group {ref_label!r}")
    return is_foc, is_ref, str(focal), ref_label


def mantel_haenszel(scored: pd.DataFrame, group, focal, reference=None, weights=None, bands=None, *,
                    points: Mapping | pd.Series | None = None, test_weights: str = "effective",
                    alpha: float = 0.05, min_per_band: int = 20) -> pd.DataFrame:
    """Weighted Mantel–Haenszel DIF of every item, reference against focal group.

    Parameters
    ----------
    scored : DataFrame
        n x J, 0/1, NaN = not administered. Every column is studied in turn; the matching
        score of an item is the point-weighted total of the *other* columns (rest score).
    group : array-like of length n
        Group of each respondent (missing = left out).
    focal : scalar
        The focal group's value in ``group``.
    reference : scalar, optional
        The reference group's value; by default every respondent with a group other than
        ``focal`` (labelled by that group's value when there is only one, else ``"rest"``).
    weights : array-like of length n, optional
        Sampling weights (ones when omitted).
    bands : None, int or sequence of float
        Score bands of the rest score (see the module docstring; default thin matching when
        the comparison has at least ``min_per_band`` respondents per distinct rest score, else
        quantile bands).
    points : mapping item -> points, optional
        Points of each item in the rest score (1 when omitted).
    test_weights : {"effective", "sample", "frequency"}
        Scale of the weights in the SE and chi-square (module docstring; default Kish's
        effective sample size).
    alpha : float
        Level of the tests behind the ETS classes (0.05).
    min_per_band : int
        Average respondents per distinct rest score needed for thin matching (20).

    Returns
    -------
    DataFrame, one row per item, columns :data:`MH_COLUMNS`: ``item``; ``reference`` and
    ``focal`` (labels); ``alpha_mh``; ``delta_mh`` (MH D-DIF, negative = favours the
    reference group); ``se_delta``; ``chi2`` (MH chi-square with continuity correction);
    ``p_value``; ``ets_class`` ("A", "B", "C"; "" when undefined); ``favours`` ("reference",
    "focal", or "" for delta 0 or undefined); ``n_reference`` and ``n_focal`` (unweighted
    respondents administered the item); ``n_bands`` (bands that contribute); ``reason`` (why
    the statistics are NaN, "" otherwise).

    Raises
    ------
    DataError
        Scores not 0/1, weights or groups of the wrong length or values, an empty group, bad
        bands or an unknown ``test_weights``.
    """
    if test_weights not in TEST_WEIGHTS:
        raise DataError(f"test_weights: {test_weights!r} is not one of {', '.join(TEST_WEIGHTS)}")
    items, X = scored_matrix(scored)
    n, J = X.shape
    w = weight_vector(weights, n)
    pts = item_points(points, items)
    is_foc, is_ref, foc_label, ref_label = _group_masks(group, n, focal, reference)

    M = ~np.isnan(X)
    X0 = np.where(M, X, 0.0)
    rest = (X0 @ pts)[:, None] - X0 * pts
    in_cmp = (is_foc | is_ref)[:, None]
    valid = M & in_cmp & (w > 0)[:, None]
    freq = test_weights == "frequency"
    n_cmp = float(w[valid.any(axis=1)].sum()) if freq else float(valid.any(axis=1).sum())
    band, K = _band_codes(rest, valid, w, bands, min_per_band, n_cmp)

    # every item's 2 x 2 x K table by one bincount on (item, band, group, correct) codes
    rows, cols = np.nonzero(valid)
    code = ((cols * K + band[rows, cols]) * 2 + is_foc[rows]) * 2 + X0[rows, cols].astype(np.int64)
    size = J * K * 4
    wt = np.bincount(code, weights=w[rows], minlength=size).reshape(J, K, 2, 2)
    # respondents: rows, or with frequency weights the weights themselves
    cnt = wt if freq else np.bincount(code, minlength=size).reshape(J, K, 2, 2)

    # per-item rescaling of the weights for the tests (a single factor per item, so alpha_MH
    # and delta do not move); see the module docstring
    sw = wt.sum(axis=(1, 2, 3))
    n_item = cnt.sum(axis=(1, 2, 3))
    if freq:
        factor = np.ones(J)
    else:
        target = n_item.astype(float)
        if test_weights == "effective":
            sw2 = np.bincount(cols, weights=w[rows] ** 2, minlength=J)
            with np.errstate(invalid="ignore", divide="ignore"):
                target = np.where(sw2 > 0, sw ** 2 / sw2, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(sw > 0, target / sw, 0.0)
    T = wt * factor[:, None, None, None]
    A, B = T[:, :, 0, 1], T[:, :, 0, 0]          # reference: correct, wrong
    C, D = T[:, :, 1, 1], T[:, :, 1, 0]          # focal: correct, wrong
    uR, uF = cnt[:, :, 0].sum(axis=2), cnt[:, :, 1].sum(axis=2)
    use = (uR > 0) & (uF > 0) & (uR + uF >= 2)

    alpha_mh, var_log, chi2 = _mh_from_tables(A, B, C, D, use)
    p_value = stats.chi2.sf(chi2, 1)

    # reasons, most basic first
    reason = np.full(J, "", dtype=object)
    right = (A + C).sum(axis=1)
    wrong = (B + D).sum(axis=1)
    n_ref = uR.sum(axis=1)
    n_foc = uF.sum(axis=1)
    r_alpha = ~(np.isfinite(alpha_mh) & (alpha_mh > 0))
    reason[r_alpha] = "alpha_MH is 0 or infinite: a zero cell in every band"
    reason[~use.any(axis=1)] = "no score band with respondents of both groups"
    reason[(n_ref == 0) | (n_foc == 0)] = "not administered to one of the groups"
    reason[(right == 0) & (n_item > 0)] = "no variation: every respondent in the comparison got it wrong"
    reason[(wrong == 0) & (n_item > 0)] = "no variation: every respondent in the comparison got it right"
    reason[n_item == 0] = "not administered in the comparison"
    bad = reason != ""
    no_var = ((right == 0) | (wrong == 0) | (n_item == 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = -_DELTA * np.log(alpha_mh)
        se = _DELTA * np.sqrt(var_log)
    alpha_mh = np.where(bad, np.nan, alpha_mh)
    delta = np.where(bad, np.nan, delta)
    se = np.where(bad | ~np.isfinite(se), np.nan, se)
    chi2 = np.where(no_var, np.nan, chi2)
    p_value = np.where(np.isfinite(chi2), p_value, np.nan)
    favours = np.where(delta < 0, "reference", np.where(delta > 0, "focal", "")).astype(object)

    return pd.DataFrame({
        "item": items, "reference": ref_label, "focal": foc_label, "alpha_mh": alpha_mh,
        "delta_mh": delta, "se_delta": se, "chi2": chi2, "p_value": p_value,
        "ets_class": ets_class(delta, se, p_value, alpha), "favours": favours,
        "n_reference": _counts(n_ref), "n_focal": _counts(n_foc),
        "n_bands": use.sum(axis=1).astype(int), "reason": reason,
    }, columns=MH_COLUMNS)


def _counts(x: np.ndarray) -> np.ndarray:
    """Counts as int when whole (always, except non-integer frequency weights)."""
    return x.astype(np.int64) if np.all(x == np.round(x)) else x


def _levels(values, name: str) -> tuple[pd.Series, list]:
    """The non-missing levels of a grouping, categories' order for a Categorical, else sorted."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.CategoricalDtype):
        levels = [c for c in s.cat.categories if (s == c).any()]
    else:
        present = pd.unique(s.dropna())
        try:
            levels = sorted(present)
        except TypeError:
            levels = sorted(present, key=str)
    if len(levels) < 2:
        raise DataError(f"groupings: {name!r} has {len(levels)} level(s); DIF needs at least two")
    return s.reset_index(drop=True), levels


def dif_table(scored: pd.DataFrame, groupings: Mapping[str, Sequence], weights=None, bands=None, *,
              references: Mapping[str, object] | None = None, **kwargs) -> pd.DataFrame:
    """The standard DIF comparisons of every grouping in one long table.

    Parameters
    ----------
    scored : DataFrame
        n x J, 0/1, NaN = not administered.
    groupings : dict name -> array-like of length n
        E.g. ``{"sex": ..., "residence": ..., "district": ...}``. A grouping with two levels
        gives one comparison (reference = ``references[name]``, else the first level: the
        categories' order of a Categorical, otherwise sorted order; focal = the other level).
        A grouping with more levels gives one comparison per level, that level (focal) against
        all the others (reference ``"rest"``).
    weights : array-like of length n, optional
        Sampling weights.
    bands : see :func:`mantel_haenszel`.
    references : dict name -> level, optional
        Reference level of two-level groupings.
    **kwargs
        Passed to :func:`mantel_haenszel` (``points``, ``test_weights``, ``alpha``,
        ``min_per_band``).

    Returns
    -------
    DataFrame with ``grouping`` and ``comparison`` (``"<focal> vs <reference>"``) followed by
    the columns of :func:`mantel_haenszel`, one row per comparison and item.
    """
    if not isinstance(groupings, Mapping) or not groupings:
        raise DataError("groupings: expected a non-empty dict of grouping name to values")
    references = dict(references or {})
    out = []
    for name, values in groupings.items():      # a handful of comparisons
        s, levels = _levels(values, name)
        if len(levels) == 2:
            ref = references.get(name, levels[0])
            if ref not in levels:
                raise DataError(f"references: {ref!r} is not a level of grouping {name!r}")
            pairs = [(next(lv for lv in levels if lv != ref), ref)]
        else:
            pairs = [(lv, None) for lv in levels]
        for focal, ref in pairs:
            res = mantel_haenszel(scored, s, focal, ref, weights=weights, bands=bands, **kwargs)
            res.insert(0, "comparison", f"{res['focal'].iloc[0]} vs {res['reference'].iloc[0]}")
            res.insert(0, "grouping", str(name))
            out.append(res)
    return pd.concat(out, ignore_index=True)


def anchor_drift(scored: pd.DataFrame, rounds, anchors: Sequence[str], weights=None, baseline=None,
                 bands=None, **kwargs) -> pd.DataFrame:
    """Mantel–Haenszel drift of the anchor items between survey rounds.

    The rounds' respondents are stacked in ``scored``; only the anchors (the items common to
    the rounds) are analysed and the matching score is the rest score over the *anchors*, so
    items a round did not have play no part. Each round is compared with ``baseline``
    (reference) as the focal group: a negative ``delta_mh`` means the anchor became relatively
    harder in the later round (it favours the baseline round), a positive one easier.

    Parameters
    ----------
    scored : DataFrame
        Stacked respondents of all rounds x items (0/1, NaN = not administered).
    rounds : array-like of length n
        The round of each respondent (e.g. 2020, 2025).
    anchors : sequence of str
        The anchor items' columns.
    weights : array-like of length n, optional
        Sampling weights.
    baseline : scalar, optional
        The reference round; the earliest (sorted first) round by default.
    bands, **kwargs
        As for :func:`mantel_haenszel`.

    Returns
    -------
    DataFrame as :func:`dif_table` with ``grouping`` = ``"round"``, one row per later round and
    anchor.
    """
    anchors = [str(a) for a in anchors]
    if not anchors:
        raise DataError("anchors: no anchor items given")
    cols = {str(c): c for c in getattr(scored, "columns", [])}
    missing = [a for a in anchors if a not in cols]
    if missing:
        raise DataError(f"anchors: item {missing[0]!r} is not a column of scored")
    s, levels = _levels(rounds, "round")
    base = levels[0] if baseline is None else baseline
    if base not in levels:
        raise DataError(f"baseline: {base!r} is not a round in rounds")
    sub = scored[[cols[a] for a in anchors]]
    out = []
    for r in levels:
        if r == base:
            continue
        res = mantel_haenszel(sub, s, r, base, weights=weights, bands=bands, **kwargs)
        res.insert(0, "comparison", f"{res['focal'].iloc[0]} vs {res['reference'].iloc[0]}")
        res.insert(0, "grouping", "round")
        out.append(res)
    return pd.concat(out, ignore_index=True)
