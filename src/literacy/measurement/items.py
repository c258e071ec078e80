"""Weighted classical item analysis: difficulty, item–rest discrimination, response shares,
flags, and reliability (Cronbach's alpha, McDonald's omega total) per part and for the test.

Everything is design-weighted and vectorised: per-item weighted sums come from column sums of
n x J arrays, and a scale's weighted covariance matrix from one matrix product
``(w * Yc)' Yc / sum(w)``; nothing loops over respondents.

Conventions
-----------
* ``scored`` holds 0/1 per respondent and item; NaN means the item was **not administered** to
  that respondent (a wrong answer, a "don't know" and a skipped item all score 0 and are not
  NaN). Each item's statistics use the respondents it was administered to.
* The total score is ``sum_j points_j * x_j`` over the administered items; an item's rest score
  is the total minus its own points (``points_j * x_j``).
* The weighted covariance uses the divisor ``sum(w)``. Alpha, the correlations and omega are
  ratios in which the divisor cancels, so ``sum(w)`` and ``sum(w) - 1`` give the same values and
  any rescaling of the weights leaves every statistic unchanged.

Reliability
-----------
Each scale (every part, and ``"total"`` for the whole test) is computed on the respondents who
were administered all of its items and have a positive weight (listwise; ``n`` counts them).

``alpha``
    Cronbach's alpha (raw) of the scale's reported score, i.e. of the items multiplied by their
    points: ``k / (k - 1) * (1 - tr(C) / 1'C1)`` with ``C`` the weighted covariance matrix of
    ``points_j * x_j``. With equal points this is psych's ``raw_alpha``.
``alpha_std``
    Standardised alpha, the same formula on the weighted correlation matrix (psych's
    ``std.alpha``); on the same footing as ``omega``.
``omega``
    McDonald's (1999) omega total from a one-factor model fitted by **minres** (unweighted least
    squares on the off-diagonal elements; the estimator of ``psych::fa(fm = "minres")`` and the
    default of ``psych::omega``) to the weighted **correlation** matrix ``R``. As in
    ``psych::omega``: uniquenesses ``u2_j = 1 - lambda_j^2`` and
    ``omega = 1 - sum(u2) / 1'R1`` (the observed variance of the standardised total in the
    denominator). Items are not reverse-keyed (psych's ``flip``): scored items are keyed
    already, and a negative loading is a finding to report, not to hide.

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. Psychometrika 16.
McDonald, R. P. (1999). Test Theory: A Unified Treatment. Mahwah, NJ: Erlbaum (ch. 6, omega).
Revelle, W. psych: Procedures for Psychological, Psychometric, and Personality Research
(``alpha``, ``omega``, ``fa``), used for the golden values in tests/golden/.
"""

from __future__ import annotations

from typing import Mapping, NamedTuple

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from literacy.errors import DataError

__all__ = ["ItemAnalysis", "item_analysis", "cronbach_alpha", "omega_total", "minres_one_factor",
           "ITEM_COLUMNS", "RELIABILITY_COLUMNS", "scored_matrix", "weight_vector", "item_points"]

#: Columns of :attr:`ItemAnalysis.items`, in order.
ITEM_COLUMNS = ["item", "part", "n", "p_correct", "item_rest_r", "dont_know_share", "skipped_share",
                "flag_low_discrimination", "flag_extreme", "flags"]
#: Columns of :attr:`ItemAnalysis.reliability`, in order.
RELIABILITY_COLUMNS = ["scale", "items", "alpha", "alpha_std", "omega", "n"]

#: psych's bounds on the uniquenesses in its minres fit.
_PSI_BOUNDS = (0.005, 1.0)


class ItemAnalysis(NamedTuple):
    """What :func:`item_analysis` returns (unpacks as ``items, reliability``)."""

    items: pd.DataFrame
    reliability: pd.DataFrame


# ---------------------------------------------------------------------------------------------
# input checks shared with dif.py
# ---------------------------------------------------------------------------------------------

def scored_matrix(scored: pd.DataFrame, name: str = "scored") -> tuple[list[str], np.ndarray]:
    """The item names and the scores of a table of scored items, checked.

    Parameters
    ----------
    scored : DataFrame
        One column per item, 0/1 (or bool) scores, blank for an item not seen.
    name : str, default "scored"
        What the table is called in an error.

    Returns
    -------
    items : list of str
        The column names, as text.
    X : ndarray
        An n x J float matrix of 0, 1 and NaN.

    Raises
    ------
    DataError
        Not a DataFrame, no item column, a duplicated column, or a value other than 0/1/blank
        (naming the column).
    """
    if not isinstance(scored, pd.DataFrame):
        raise DataError(f"{name}: expected a DataFrame of 0/1 item scores, got {type(scored).__name__}")
    if scored.shape[1] == 0:
        raise DataError(f"{name}: no item columns")
    items = [str(c) for c in scored.columns]
    dup = pd.Index(items)[pd.Index(items).duplicated()]
    if len(dup):
        raise DataError(f"{name}: duplicated item column {dup[0]!r}")
    X = np.empty(scored.shape, dtype=float)
    for j, col in enumerate(scored.columns):
        s = scored[col]
        if s.dtype == bool:
            X[:, j] = s.to_numpy(dtype=float)
            continue
        v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.isnan(v) & s.notna().to_numpy()
        if bad.any():
            raise DataError(f"{name}: column {col!r} has a non-numeric value {s[bad].iloc[0]!r}")
        if not np.isin(v[~np.isnan(v)], (0.0, 1.0)).all():
            odd = v[~np.isnan(v) & ~np.isin(v, (0.0, 1.0))][0]
            raise DataError(f"{name}: column {col!r} has the value {odd:g}; items must be scored 0/1 (NaN = not administered)")
        X[:, j] = v
    return items, X


def weight_vector(weights, n: int, name: str = "weights") -> np.ndarray:
    """Survey weights as a checked float vector.

    Parameters
    ----------
    weights : array-like or None
        One weight per respondent; None for equal weights.
    n : int
        The number of respondents.
    name : str, default "weights"
        What the weights are called in an error.

    Returns
    -------
    ndarray
        Length ``n`` (ones when ``weights`` is None).

    Raises
    ------
    DataError
        A wrong length, a missing, non-numeric or negative weight, or all weights zero.
    """
    if weights is None:
        return np.ones(n)
    w = pd.to_numeric(pd.Series(np.asarray(weights).ravel()), errors="coerce").to_numpy(dtype=float)
    if w.shape[0] != n:
        raise DataError(f"{name}: {w.shape[0]} values for {n} respondents")
    if not np.isfinite(w).all():
        raise DataError(f"{name}: missing or non-numeric value at row {int(np.flatnonzero(~np.isfinite(w))[0])}")
    if (w < 0).any():
        raise DataError(f"{name}: negative value at row {int(np.flatnonzero(w < 0)[0])}")
    if w.sum() <= 0:
        raise DataError(f"{name}: all zero")
    return w


def item_points(points, items: list[str], name: str = "points") -> np.ndarray:
    """The points of each item, checked.

    Parameters
    ----------
    points : mapping, Series or None
        Points keyed by item; None for one point each.
    items : list of str
        The items, in the order wanted.
    name : str, default "points"
        What the points are called in an error.

    Returns
    -------
    ndarray
        The points of ``items`` in order (ones when ``points`` is None).

    Raises
    ------
    DataError
        An item without points, or points that are not positive numbers.
    """
    if points is None:
        return np.ones(len(items))
    pts = pd.Series(points, dtype=object)
    pts.index = pts.index.map(str)
    missing = [i for i in items if i not in pts.index]
    if missing:
        raise DataError(f"{name}: no points for item {missing[0]!r}")
    v = pd.to_numeric(pts.reindex(items), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(v) | (v <= 0)
    if bad.any():
        raise DataError(f"{name}: item {items[int(np.flatnonzero(bad)[0])]!r} needs positive points")
    return v


def _flag_frame(frame, items: list[str], shape: tuple[int, int], name: str) -> np.ndarray:
    """A boolean n x J matrix aligned to ``items`` (all False when None)."""
    if frame is None:
        return np.zeros(shape, dtype=bool)
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{name}: expected a boolean DataFrame like scored, got {type(frame).__name__}")
    cols = {str(c): c for c in frame.columns}
    missing = [i for i in items if i not in cols]
    if missing:
        raise DataError(f"{name}: lacks item column {missing[0]!r}")
    if frame.shape[0] != shape[0]:
        raise DataError(f"{name}: {frame.shape[0]} rows for {shape[0]} respondents")
    out = np.empty(shape, dtype=bool)
    for j, item in enumerate(items):
        s = frame[cols[item]]
        if s.isna().any():
            s = s.fillna(False)
        if s.dtype != bool and not np.isin(pd.to_numeric(s, errors="coerce"), (0, 1)).all():
            raise DataError(f"{name}: column {item!r} is not boolean")
        out[:, j] = s.to_numpy(dtype=bool)
    return out


# ---------------------------------------------------------------------------------------------
# reliability
# ---------------------------------------------------------------------------------------------

def _weighted_cov(Y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted covariance of the columns of Y (divisor sum(w)) by one matrix product."""
    sw = w.sum()
    Yc = Y - (w @ Y) / sw
    return (Yc * w[:, None]).T @ Yc / sw


def cronbach_alpha(cov: np.ndarray) -> float:
    """Cronbach's alpha from a covariance (or correlation) matrix.

    ``k / (k - 1) * (1 - tr(C) / 1'C1)`` (Cronbach 1951); NaN for fewer than two items or a
    total without variance.
    """
    C = np.asarray(cov, dtype=float)
    k = C.shape[0]
    total = C.sum()
    if k < 2 or not total > 0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - np.trace(C) / total))


def _smc(R: np.ndarray) -> np.ndarray:
    """Squared multiple correlations ``1 - 1/diag(R^-1)`` (pseudo-inverse when singular)."""
    try:
        inv = np.linalg.inv(R)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(R)
    d = np.diag(inv)
    with np.errstate(divide="ignore", invalid="ignore"):
        smc = np.where(d > 0, 1.0 - 1.0 / d, 1.0)
    return np.clip(smc, 0.0, 1.0)


def _principal_loading(R: np.ndarray, psi: np.ndarray) -> np.ndarray:
    """Loadings of the first principal axis of R with diagonal 1 - psi (sign: positive sum)."""
    S = R.copy()
    np.fill_diagonal(S, 1.0 - psi)
    vals, vecs = np.linalg.eigh(S)
    e = max(vals[-1], 100 * np.finfo(float).eps)
    lam = vecs[:, -1] * np.sqrt(e)
    return lam if lam.sum() >= 0 else -lam


def minres_one_factor(R: np.ndarray) -> np.ndarray:
    """One-factor loadings by minres (unweighted least squares on the off-diagonal residuals).

    The criterion and parameterisation of ``psych::fa(fm = "minres")``: the uniquenesses
    ``psi`` (bounded to [0.005, 1]) are chosen to minimise ``sum_{i != j} (r_ij - l_i l_j)^2``,
    where ``l`` is the first principal axis of ``R`` with ``1 - psi`` on the diagonal; started
    at ``psi = 1 - SMC``. L-BFGS-B as psych's ``optim``, with the exact gradient (eigenvector
    perturbation) and a tighter tolerance.

    Parameters
    ----------
    R : (k, k) array
        A correlation matrix, k >= 2.

    Returns
    -------
    (k,) array of loadings, signed so that they sum to a non-negative number.
    """
    R = np.asarray(R, dtype=float)
    k = R.shape[0]
    off = ~np.eye(k, dtype=bool)

    def fit(psi):
        # objective and its exact gradient (first-order perturbation of the top eigenpair
        # (e, v) of S = R with diagonal 1 - psi; dS/dpsi_i = -e_i e_i')
        S = R.copy()
        np.fill_diagonal(S, 1.0 - psi)
        vals, vecs = np.linalg.eigh(S)
        e, v = vals[-1], vecs[:, -1]
        E = np.where(off, R - e * np.outer(v, v), 0.0)
        f = float(np.sum(E * E))
        Ev = E @ v
        gaps = e - vals[:-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(gaps > 1e-12, (Ev @ vecs[:, :-1]) / gaps, 0.0)
        grad = 2.0 * v ** 2 * (v @ Ev) + 4.0 * e * v * (vecs[:, :-1] @ c)
        return f, grad

    start = np.clip(1.0 - _smc(R), *_PSI_BOUNDS)
    opt = minimize(fit, start, jac=True, method="L-BFGS-B", bounds=[_PSI_BOUNDS] * k,
                   options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000})
    return _principal_loading(R, opt.x)


def omega_total(R: np.ndarray) -> float:
    """McDonald's omega total of a one-factor minres model, as ``psych::omega``.

    ``1 - sum(1 - l_j^2) / 1'R1`` with ``l`` from :func:`minres_one_factor` (McDonald 1999,
    ch. 6; psych's ``omega.tot``). NaN for fewer than two items or an undefined correlation.
    """
    R = np.asarray(R, dtype=float)
    if R.shape[0] < 2 or not np.isfinite(R).all():
        return float("nan")
    lam = minres_one_factor(R)
    return float(1.0 - np.sum(1.0 - lam ** 2) / R.sum())


def _scale_reliability(Y: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
    """alpha (raw, on Y), alpha_std and omega (on the correlation matrix) of the columns of Y."""
    C = _weighted_cov(Y, w)
    alpha = cronbach_alpha(C)
    sd = np.sqrt(np.diag(C))
    if Y.shape[1] < 2 or (sd <= 0).any():
        return alpha, float("nan"), float("nan")
    R = C / np.outer(sd, sd)
    np.fill_diagonal(R, 1.0)
    return alpha, cronbach_alpha(R), omega_total(R)


# ---------------------------------------------------------------------------------------------
# item analysis
# ---------------------------------------------------------------------------------------------

def item_analysis(scored: pd.DataFrame, weights=None, parts: Mapping | pd.Series | None = None,
                  points: Mapping | pd.Series | None = None, dont_know: pd.DataFrame | None = None,
                  skipped: pd.DataFrame | None = None, *, min_item_rest_r: float = 0.15,
                  p_low: float = 0.05, p_high: float = 0.95) -> ItemAnalysis:
    """Weighted classical item statistics and scale reliabilities.

    Parameters
    ----------
    scored : DataFrame
        n respondents x J items, 0/1; NaN = item not administered to the respondent.
    weights : array-like of length n, optional
        Sampling weights (ones when omitted). Only their relative sizes matter.
    parts : mapping or Series item -> part, optional
        The part of the questionnaire each item belongs to (knowledge, methods, ...). Without
        it, ``part`` is empty and the reliability table has only the ``"total"`` row.
    points : mapping or Series item -> points, optional
        Points of each item (1 when omitted): the total and rest scores are point-weighted, and
        the raw alpha is that of the point-weighted score.
    dont_know, skipped : boolean DataFrame like ``scored``, optional
        Which answers were "don't know" and which were skipped (both scored 0).
    min_item_rest_r : float
        Items with ``item_rest_r`` below it get ``flag_low_discrimination`` (default 0.15).
    p_low, p_high : float
        Items with ``p_correct`` below ``p_low`` or above ``p_high`` get ``flag_extreme``
        (defaults 0.05 and 0.95).

    Returns
    -------
    ItemAnalysis
        ``items``: one row per item, columns :data:`ITEM_COLUMNS`:
        ``item``; ``part``; ``n`` (respondents administered the item, unweighted);
        ``p_correct`` (weighted share correct among them); ``item_rest_r`` (weighted Pearson
        correlation of the item with the rest score of the whole test; NaN when either has no
        variance); ``dont_know_share`` and ``skipped_share`` (weighted shares among those
        administered the item; NaN when not given); ``flag_low_discrimination``;
        ``flag_extreme``; ``flags`` (the reasons in words, "" when none).
        ``reliability``: one row per part (in order of first appearance) then ``"total"``,
        columns :data:`RELIABILITY_COLUMNS`: ``scale``, ``items`` (count), ``alpha``,
        ``alpha_std``, ``omega``, ``n`` (respondents, i.e. rows, administered every item
        of the scale and with a positive weight).

    Raises
    ------
    DataError
        Non-0/1 scores, bad weights, an item without a part or points, a flag frame that does
        not match, or a "don't know"/skipped answer that is scored correct.
    """
    items, X = scored_matrix(scored)
    n, J = X.shape
    w = weight_vector(weights, n)
    pts = item_points(points, items)
    if parts is not None:
        pmap = pd.Series(parts, dtype=object)
        pmap.index = pmap.index.map(str)
        missing = [i for i in items if i not in pmap.index or pd.isna(pmap.get(i))]
        if missing:
            raise DataError(f"parts: no part for item {missing[0]!r}")
        part_of = [str(pmap[i]) for i in items]
    else:
        part_of = [None] * J
    M = ~np.isnan(X)                       # administered
    X0 = np.where(M, X, 0.0)
    dk = _flag_frame(dont_know, items, X.shape, "dont_know") & M
    sk = _flag_frame(skipped, items, X.shape, "skipped") & M
    for name, F in (("dont_know", dk), ("skipped", sk)):
        clash = F & (X0 == 1)
        if clash.any():
            j = int(np.flatnonzero(clash.any(axis=0))[0])
            raise DataError(f"{name}: item {items[j]!r} is marked {name.replace('_', ' ')} but scored correct")

    # per-item weighted moments over the respondents administered each item (column sums)
    W = w[:, None] * M
    sw = W.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = (W * X0).sum(axis=0) / sw
        total = X0 @ pts
        rest = total[:, None] - X0 * pts
        mr = (W * rest).sum(axis=0) / sw
        xc = np.where(M, X0 - p, 0.0)
        rc = np.where(M, rest - mr, 0.0)
        sxx = (W * xc * xc).sum(axis=0)
        srr = (W * rc * rc).sum(axis=0)
        sxr = (W * xc * rc).sum(axis=0)
        tiny = 1e-12 * np.maximum(sw, 1e-300)
        r = np.where((sxx > tiny) & (srr > tiny), sxr / np.sqrt(sxx * srr), np.nan)
        dk_share = (W * dk).sum(axis=0) / sw if dont_know is not None else np.full(J, np.nan)
        sk_share = (W * sk).sum(axis=0) / sw if skipped is not None else np.full(J, np.nan)
    p = np.where(sw > 0, p, np.nan)

    low = np.isfinite(r) & (r < min_item_rest_r)
    extreme = np.isfinite(p) & ((p < p_low) | (p > p_high))
    flags = []
    for j in range(J):  # text per item (J is small); the statistics above are vectorised
        f = []
        if M[:, j].sum() == 0:
            f.append("not administered to anyone")
        elif not np.isfinite(r[j]):
            f.append("item-rest correlation undefined (no variation)")
        if low[j]:
            f.append(f"low discrimination: item-rest r {r[j]:.3f} < {min_item_rest_r:g}")
        if extreme[j]:
            side = f"< {p_low:g}" if p[j] < p_low else f"> {p_high:g}"
            f.append(f"extreme difficulty: p correct {p[j]:.3f} {side}")
        flags.append("; ".join(f))
    table = pd.DataFrame({
        "item": items, "part": part_of, "n": M.sum(axis=0).astype(int), "p_correct": p,
        "item_rest_r": r, "dont_know_share": dk_share, "skipped_share": sk_share,
        "flag_low_discrimination": low, "flag_extreme": extreme, "flags": flags,
    }, columns=ITEM_COLUMNS)

    scales: list[tuple[str, list[int]]] = []
    if parts is not None:
        for part in dict.fromkeys(part_of):
            scales.append((part, [j for j in range(J) if part_of[j] == part]))
    scales.append(("total", list(range(J))))
    rows = []
    for name, idx in scales:            # a handful of scales
        complete = M[:, idx].all(axis=1) & (w > 0)
        if complete.sum() < 2:
            alpha = alpha_std = omega = float("nan")
        else:
            Y = X0[np.ix_(complete, idx)] * pts[idx]
            alpha, alpha_std, omega = _scale_reliability(Y, w[complete])
        rows.append({"scale": name, "items": len(idx), "alpha": alpha, "alpha_std": alpha_std,
                     "omega": omega, "n": int(complete.sum())})
    return ItemAnalysis(table, pd.DataFrame(rows, columns=RELIABILITY_COLUMNS))
