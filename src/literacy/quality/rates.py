"""AAPOR outcome rates: response, cooperation, refusal and contact rates, weighted and not.

AAPOR Standard Definitions (10th edition, 2023), with ``I`` complete and ``P`` partial
interviews, ``R`` refusals and break-offs, ``NC`` non-contacts, ``O`` other eligible
non-interviews, ``U`` cases of unknown eligibility (AAPOR's UH + UO) and ``e`` the estimated share
of them that is eligible::

    RR1 = I / (I+P + R+NC+O + U)            RR2 = (I+P) / (I+P + R+NC+O + U)
    RR3 = I / (I+P + R+NC+O + e U)          RR4 = (I+P) / (I+P + R+NC+O + e U)
    RR5 = I / (I+P + R+NC+O)                RR6 = (I+P) / (I+P + R+NC+O)
    COOP1 = I / (I+P + R + O)               COOP2 = (I+P) / (I+P + R + O)
    COOP3 = I / (I+P + R)                   COOP4 = (I+P) / (I+P + R)
    REF1 = R / (I+P + R+NC+O + U)           REF2 = R / (I+P + R+NC+O + e U)
    REF3 = R / (I+P + R+NC+O)
    CON1 = (I+P + R + O) / (I+P + R+NC+O + U)
    CON2 = (I+P + R + O) / (I+P + R+NC+O + e U)
    CON3 = (I+P + R + O) / (I+P + R+NC+O)

``e`` defaults to the share eligible among the cases whose eligibility was determined,
``(I+P+R+NC+O) / (I+P+R+NC+O+NE)`` over the whole sample (AAPOR's "proportional allocation" or
CASRO estimate), weighted for the weighted rates. Weighted rates use the sampling (base) weights
of the sampled cases, so that they estimate the rates in the population (AAPOR 2023, sec. 5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from literacy.errors import DataError
from literacy.quality.dispositions import CATEGORIES, DISPOSITIONS

__all__ = ["RATE_COLUMNS", "OUTCOME_COLUMNS", "outcome_rates", "rates_from_counts"]

#: The rates, in AAPOR's order.
RATE_COLUMNS = ["RR1", "RR2", "RR3", "RR4", "RR5", "RR6", "COOP1", "COOP2", "COOP3", "COOP4",
                "REF1", "REF2", "REF3", "CON1", "CON2", "CON3"]

#: Columns of :func:`outcome_rates`' table.
OUTCOME_COLUMNS = ["weighting", "breakdown", "domain", "cases", *CATEGORIES, "e", *RATE_COLUMNS]


def rates_from_counts(counts: np.ndarray, e: float | np.ndarray, typed: bool = True) -> np.ndarray:
    """The 16 rates of every row of ``counts`` (columns ``CATEGORIES``: I, P, R, NC, O, U, NE).

    Parameters
    ----------
    counts : ndarray (k, 7)
        Case counts (or sums of weights) by category.
    e : float or ndarray (k,)
        Estimated eligible share of the unknown-eligibility cases.
    typed : bool
        False when the non-interviews' type is unknown (only ``responded`` was delivered): the
        cooperation, refusal and contact rates are then NaN.

    Returns
    -------
    ndarray (k, 16)
        In the order of ``RATE_COLUMNS``; NaN where a denominator is 0.
    """
    c = np.asarray(counts, dtype=float)
    I, P, R, NC, O, U = (c[:, j] for j in range(6))
    e = np.broadcast_to(np.asarray(e, dtype=float), I.shape)
    IP = I + P
    known = IP + R + NC + O
    all_u, e_u = known + U, known + e * U
    coop_o, coop = IP + R + O, IP + R
    with np.errstate(divide="ignore", invalid="ignore"):
        def ratio(num, den):
            return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
        out = np.column_stack([
            ratio(I, all_u), ratio(IP, all_u), ratio(I, e_u), ratio(IP, e_u), ratio(I, known), ratio(IP, known),
            ratio(I, coop_o), ratio(IP, coop_o), ratio(I, coop), ratio(IP, coop),
            ratio(R, all_u), ratio(R, e_u), ratio(R, known),
            ratio(coop_o, all_u), ratio(coop_o, e_u), ratio(coop_o, known)])
    if not typed:
        out[:, 6:] = np.nan
    return out


def _eligible_share(counts: np.ndarray) -> float:
    eligible = counts[:5].sum()                                    # I+P+R+NC+O
    determined = eligible + counts[6]                              # + NE
    # (not the sum of all minus U: with weights that rounds to e = 1 + 2e-16 when no case is NE,
    # which the share check refuses; found by the national run, issue 28)
    return float(eligible / determined) if determined > 0 else 1.0


def outcome_rates(sample: pd.DataFrame, *, by: list[str] | tuple[str, ...] = (), weight: str | None = None,
                  e: float | None = None, typed: bool = True, disposition: str = "disposition") -> pd.DataFrame:
    """AAPOR outcome rates for the whole sample and each domain of each ``by`` column.

    Parameters
    ----------
    sample : DataFrame
        One row per sampled case, with ``disposition`` holding :data:`DISPOSITIONS` names
        (:func:`literacy.quality.disposition_codes` reads a delivery's column).
    by : list of str
        Breakdowns (e.g. ``["district", "stratum"]``); each gives one row per value.
    weight : str, optional
        Column of sampling weights: the table then has weighted rows beside the unweighted ones.
    e : float, optional
        Eligible share of the unknown-eligibility cases, in [0, 1]; estimated when None
        (module notes).
    typed : bool
        Whether the non-interviews' types are known (see :func:`rates_from_counts`).
    disposition : str
        The disposition column.

    Returns
    -------
    DataFrame
        Columns :data:`OUTCOME_COLUMNS`: ``weighting`` (unweighted, weighted), ``breakdown``
        (``all`` for the whole sample), ``domain``, ``cases`` (the number of cases), the count
        (or weighted count) of each category, ``e`` and the rates.
    """
    if e is not None and not 0.0 <= float(e) <= 1.0:
        raise DataError(f"quality.eligibility_rate must lie in [0, 1], not {e!r}")
    for col in [disposition, *by, *([weight] if weight else [])]:
        if col not in sample.columns:
            raise DataError(f"sample: no column '{col}' for the outcome rates")
    cat_index = {name: CATEGORIES.index(cat) for name, cat in DISPOSITIONS.items()}
    cat = sample[disposition].map(cat_index)
    if cat.isna().any():
        row = int(np.flatnonzero(cat.isna().to_numpy())[0])
        raise DataError(f"sample: line {row + 2}: disposition {sample[disposition].iloc[row]!r} is not one of "
                        f"{', '.join(DISPOSITIONS)}")
    cat = cat.to_numpy(dtype=np.int64)
    K = len(CATEGORIES)
    weightings = [("unweighted", np.ones(len(sample)))]
    if weight:
        w = pd.to_numeric(sample[weight], errors="coerce").to_numpy(dtype=float)
        if not np.all(np.isfinite(w) & (w >= 0)):
            row = int(np.flatnonzero(~(np.isfinite(w) & (w >= 0)))[0])
            raise DataError(f"sample: line {row + 2}, column '{weight}': a sampling weight must be a non-negative "
                            f"number, not {sample[weight].iloc[row]!r}")
        weightings.append(("weighted", w))
    frames = []
    for kind, w in weightings:
        total = np.bincount(cat, weights=w, minlength=K)
        e_used = _eligible_share(total) if e is None else float(e)
        blocks = [("all", pd.Index(["all"]), np.zeros(len(sample), dtype=np.int64))]
        for col in by:
            codes, levels = pd.factorize(sample[col], sort=True)
            blocks.append((col, pd.Index(levels).astype(str), codes))
        for breakdown, levels, codes in blocks:
            G = len(levels)
            counts = np.bincount(codes * K + cat, weights=w, minlength=G * K).reshape(G, K)
            cases = np.bincount(codes, minlength=G)
            rates = rates_from_counts(counts, e_used, typed)
            frame = pd.DataFrame(counts, columns=list(CATEGORIES))
            frame.insert(0, "cases", cases)
            frame.insert(0, "domain", list(levels))
            frame.insert(0, "breakdown", breakdown)
            frame.insert(0, "weighting", kind)
            frame["e"] = e_used
            frame[RATE_COLUMNS] = rates
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)[OUTCOME_COLUMNS]
