"""Change between two linked rounds, with sampling, imputation and linking error.

Two rounds scaled on a common metric through anchor items carry, besides their sampling
and imputation (measurement) errors, the error of the link itself: the change would have
come out differently with another sample of anchor items. That linking error is estimated
by a jackknife over the J anchor items -- relink J times, each time leaving one anchor
item out, and take the spread of the J changes (Monseur & Berezner 2007, "The computation
of equating errors in international surveys in education", Journal of Applied
Measurement 8(3), 323-335; the jackknife item-sampling approach to PISA's link errors is
described in OECD, PISA 2018 Technical Report, ch. 12 as cited in the project brief).
The rounds are independent samples, so their sampling and imputation variances add, and
the linking error is independent of both (OECD 2009, PISA Data Analysis Manual, ch. 13).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["linking_error", "linked_change", "CHANGE_COLUMNS"]

#: The columns after the domain keys and the two rounds' estimates.
CHANGE_COLUMNS = ["change", "se_sampling", "se_imputation", "se_linking", "se_total", "ci_low", "ci_high",
                  "p_value"]
_KEYS = ["breakdown", "domain", "label_zh", "label_en", "level"]


def linking_error(changes_leave_one_out, change_full=None):
    """Jackknife standard error of a change over the J anchor items.

    ``se_linking^2 = (J - 1) / J * sum_j (c_(j) - c_bar)^2``, with ``c_(j)`` the change
    obtained when anchor item j is left out of the link and ``c_bar`` their mean (the
    delete-one jackknife, Quenouille-Tukey; Monseur & Berezner 2007). With
    ``change_full`` the deviations are taken from the full-link change instead of the
    mean (the jackknife's "mse" form, as ``mse=TRUE`` in R's ``svrepdesign``), which is
    never smaller.

    Parameters
    ----------
    changes_leave_one_out : array, shape (J,) or (J, K)
        The change (of K quantities, e.g. K domains) from each leave-one-anchor-out link.
    change_full : float or array (K,), optional
        The change with all anchor items.

    Returns
    -------
    float, or ndarray (K,) for a 2-D input.
    """
    c = np.asarray(changes_leave_one_out, dtype=float)
    if c.ndim not in (1, 2):
        raise ValueError("changes_leave_one_out must be J or J x K")
    J = c.shape[0]
    if J < 2:
        raise ValueError("the linking error needs at least two anchor items")
    centre = c.mean(axis=0) if change_full is None else np.asarray(change_full, dtype=float)
    se = np.sqrt((J - 1) / J * ((c - centre) ** 2).sum(axis=0))
    return float(se) if c.ndim == 1 else se


def linked_change(base_table: pd.DataFrame, end_table: pd.DataFrame, linking_se, level: float = 0.95,
                  calibration_var: pd.DataFrame | None = None) -> pd.DataFrame:
    """Endline minus baseline for every domain, with its three sources of error.

    Parameters
    ----------
    base_table, end_table : DataFrame
        Tables of :func:`literacy.measurement.linked_estimates` for the two rounds (at
        least the key columns present, ``estimate``, ``se_sampling``, ``se_imputation``).
        Domains present in both are compared.
    linking_se : float or DataFrame
        The linking error of the change: one number, or a table with some of the key
        columns (e.g. ``level``) and a ``se_linking`` column.
    level : float
        Confidence level.
    calibration_var : DataFrame, optional
        The calibration's part of each change's sampling variance (key columns and
        ``var_calibration``, :func:`literacy.assessment.linked.change_calibration`). With it,
        each round's own calibration part (its ``se_calibration``) is taken out of its
        ``se_sampling`` and the change's put in: the rounds rest on one calibration, so their
        parts do not simply add.

    Returns
    -------
    DataFrame with the key columns (breakdown, domain, label_zh, label_en, level, those
    present), ``baseline``, ``endline``, then ``change, se_sampling, se_imputation,
    se_linking, se_total, ci_low, ci_high, p_value``.

    Notes
    -----
    ``se_sampling = sqrt(W_base + W_end)`` and ``se_imputation = sqrt(I_base + I_end)``
    (independent samples and independent draws; with ``calibration_var``,
    ``W_r = se_sampling_r² − sign·se_calibration_r²`` plus the change's calibration part), ``se_total = sqrt(se_sampling^2 +
    se_imputation^2 + se_linking^2)``. The interval and the two-sided p-value are normal
    (z): the linking variance has no design df, and the PISA practice for trend tests
    with link errors is a z test (OECD, PISA 2018 TR ch. 12; PISA Data Analysis Manual
    2009, ch. 13). Each round's own Barnard-Rubin df is in its table; with domain df of
    about 30 the t interval would be about 4 % wider.
    """
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    keys = [k for k in _KEYS if k in base_table.columns and k in end_table.columns]
    join = [k for k in keys if k not in ("label_zh", "label_en")] or keys
    if not join:
        raise ValueError("the tables have no key columns in common (breakdown, domain, level)")
    need = ["estimate", "se_sampling", "se_imputation"]
    for name, t in (("base_table", base_table), ("end_table", end_table)):
        missing = [c for c in need if c not in t.columns]
        if missing:
            raise ValueError(f"{name} lacks {missing}")
    cal = ["se_calibration"] if calibration_var is not None else []
    for name, t in (("base_table", base_table), ("end_table", end_table)):
        if cal and "se_calibration" not in t.columns:
            raise ValueError(f"{name} lacks se_calibration (needed with calibration_var)")
    end = end_table[keys + need + cal]
    base = base_table[join + need + cal]
    j = end.merge(base, on=join, how="inner", suffixes=("_end", "_base"))
    var_cal = np.zeros(len(j))
    if cal:
        on = [k for k in join if k in calibration_var.columns]
        j = j.merge(calibration_var[on + ["var_calibration"]].astype({k: str for k in on}),
                    on=on, how="left") if len(j) else j.assign(var_calibration=np.nan)
        var_cal = j["var_calibration"].to_numpy(dtype=float)
        for r in ("end", "base"):   # each round's own calibration part out of its sampling variance
            c = j[f"se_calibration_{r}"].to_numpy(dtype=float)
            j[f"se_sampling_{r}"] = np.sqrt(np.maximum(j[f"se_sampling_{r}"].to_numpy(dtype=float) ** 2
                                                       - np.sign(c) * c ** 2, 0.0))
    if isinstance(linking_se, pd.DataFrame):
        on = [k for k in join if k in linking_se.columns]
        if "se_linking" not in linking_se.columns or not on:
            raise ValueError("linking_se as a table needs key columns and a se_linking column")
        j = j.merge(linking_se[on + ["se_linking"]], on=on, how="left")
        if j["se_linking"].isna().any():
            raise ValueError("linking_se has no value for some domains")
        se_link = j["se_linking"].to_numpy(dtype=float)
    else:
        se_link = np.full(len(j), float(linking_se))
    if (se_link < 0).any():
        raise ValueError("linking_se must be non-negative")
    change = j["estimate_end"].to_numpy(dtype=float) - j["estimate_base"].to_numpy(dtype=float)
    se_s = np.sqrt(np.maximum(j["se_sampling_end"].to_numpy(dtype=float) ** 2
                              + j["se_sampling_base"].to_numpy(dtype=float) ** 2 + var_cal, 0.0))
    se_i = np.sqrt(j["se_imputation_end"].to_numpy(dtype=float) ** 2
                   + j["se_imputation_base"].to_numpy(dtype=float) ** 2)
    se_t = np.sqrt(se_s ** 2 + se_i ** 2 + se_link ** 2)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 2 * stats.norm.sf(np.abs(change / se_t))
    out = j[keys].copy()
    out["baseline"] = j["estimate_base"].to_numpy()
    out["endline"] = j["estimate_end"].to_numpy()
    out["change"] = change
    out["se_sampling"] = se_s
    out["se_imputation"] = se_i
    out["se_linking"] = se_link
    out["se_total"] = se_t
    out["ci_low"] = change - z * se_t
    out["ci_high"] = change + z * se_t
    out["p_value"] = p
    return out.reset_index(drop=True)
