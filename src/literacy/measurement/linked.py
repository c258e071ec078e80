"""Shares above a proficiency cut from plausible values, on the full survey design.

For each plausible value m the indicator ``1[theta_im > cut]`` is estimated as a
proportion for every domain of every breakdown with the design's own estimator
(:meth:`DesignEstimators.proportion`: Taylor linearisation or replicate weights, domains on
the full design), and the M results are combined by Rubin's rules with the Barnard-Rubin
degrees of freedom on the domain's design df (Rubin 1987; Barnard & Rubin 1999; for
plausible values: Mislevy 1991; von Davier, Gonzalez & Mislevy 2009; OECD, PISA 2018
Technical Report ch. 9 and the PISA Data Analysis Manual, 2009, ch. 8).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from literacy.assessment import ESTIMATE_COLUMNS, DomainSpec, _domain_population, _group_column, _labels
from literacy.design import CI_METHODS, _confidence_interval
from literacy.measurement.rubin import rubin_combine

__all__ = ["linked_estimates", "LINKED_COLUMNS"]

#: ``estimates.csv``'s columns, then the parts of the standard error, the fraction of missing
#: information and the number of plausible values.
LINKED_COLUMNS = ESTIMATE_COLUMNS + ["se_sampling", "se_imputation", "fmi", "pv_count"]

_NO_LABELS = {"survey": {}}


def _spec(s) -> DomainSpec:
    """A DomainSpec from a DomainSpec or a ``(breakdown, by_columns)`` pair."""
    if isinstance(s, DomainSpec):
        return s
    name, by = s
    return DomainSpec(str(name), tuple([by] if isinstance(by, str) else by))


def linked_estimates(design, pvs, cut: float, by_specs, level: float = 0.95, *, ci: str = "logit",
                     level_code: str = "proficient", round_id: str = "", config: dict | None = None) -> pd.DataFrame:
    """Share of the population above ``cut`` by domain, from M plausible values.

    Parameters
    ----------
    design : SurveyDesign or ReplicateDesign
        The round's design (calibrated or not); its data holds the breakdown columns.
    pvs : array or DataFrame, shape (n, M)
        The plausible values, rows aligned with ``design.data``; M >= 2.
    cut : float
        The proficiency cut on the theta scale (e.g. the TCC cut of the level).
    by_specs : iterable
        Breakdowns: :class:`literacy.assessment.DomainSpec` objects (e.g.
        ``domain_specs(config)``, key groups included) or ``(breakdown, by_columns)`` pairs
        such as ``[("city", []), ("district", ["district"]), ("district+sex", ["district", "sex"])]``.
    level : float
        Confidence level.
    ci : {"logit", "beta", "wilson", "wald"}
        Interval method (the pipeline's proportion intervals), computed on the total
        (Rubin) variance with the Barnard-Rubin df.
    level_code : str
        Written into the ``level`` column (the literacy level the cut defines).
    round_id : str
        Written into the ``round`` column.
    config : dict, optional
        The assessment config, for the bilingual domain labels; without it the labels are
        the domain codes.

    Returns
    -------
    DataFrame with ``LINKED_COLUMNS``: the columns of ``estimates.csv`` (round, breakdown,
    domain, label_zh, label_en, level, estimate, se, ci_low, ci_high, df, n, deff, cv,
    population) then se_sampling, se_imputation, fmi, pv_count. ``estimate`` is the mean
    of the M shares; ``se`` the square root of the total variance ``W + (1 + 1/M) B``;
    ``se_sampling`` ``sqrt(W)`` (W the mean design variance); ``se_imputation``
    ``sqrt((1 + 1/M) B)`` (B the variance of the M shares); ``df`` the Barnard-Rubin df
    with the domain's design df as complete-data df; ``fmi`` as ``mice::pool``; ``deff``
    the mean over the M draws of the design effect (sampling variance only; NaN where a
    draw's is); ``cv`` ``se / estimate``; ``n`` the unweighted domain size; ``population`` the sum of
    weights in the domain.

    Notes
    -----
    The logit interval is ``expit(logit(p) -+ t_df se / (p (1 - p)))`` with ``se`` the
    total standard error and t on the Barnard-Rubin df, as the pipeline's
    ``svyciprop(method="logit")``-style intervals with the imputation variance added. The
    M indicators go through one ``design.proportion([...], by=...)`` call per breakdown.
    """
    if ci not in CI_METHODS:
        raise ValueError(f"ci must be one of {CI_METHODS}, not {ci!r}")
    P = pvs.to_numpy(dtype=float) if isinstance(pvs, pd.DataFrame) else np.asarray(pvs, dtype=float)
    if P.ndim != 2 or P.shape[0] != design.n:
        raise ValueError(f"pvs must be an n x M array with n = {design.n} rows (the design's)")
    M = P.shape[1]
    if M < 2:
        raise ValueError("linked_estimates needs at least two plausible values")
    if np.isnan(P).any():
        raise ValueError("pvs has missing values")
    names = [f"__pv{k + 1}_above_cut" for k in range(M)]
    clash = [c for c in names if c in design.data.columns]
    if clash:
        raise ValueError(f"the design's data already has column '{clash[0]}'")
    indicators = pd.DataFrame((P > float(cut)).astype(np.float64), columns=names, index=design.data.index)
    # a shallow copy of the design (weights, strata, replicates, calibration shared) whose data
    # also holds the M indicators
    work = copy.copy(design)
    work.data = pd.concat([design.data, indicators], axis=1)
    cfg = config if config is not None else _NO_LABELS

    frames = []
    for spec in map(_spec, by_specs):                          # a few breakdowns
        by = list(spec.by)
        res = work.proportion(names, by=by or None, ci=ci, level=level)
        D = len(res) // M                                       # rows: variable-major, domains within
        est = res["estimate"].to_numpy(dtype=float).reshape(M, D)
        var = res["se"].to_numpy(dtype=float).reshape(M, D) ** 2
        deff = res["deff"].to_numpy(dtype=float).reshape(M, D)
        first = res.iloc[:D].reset_index(drop=True)
        keep = np.ones(D, dtype=bool)
        if spec.group is not None:                              # a key group: its members only
            keep = (first[_group_column(spec)].astype(int) == 1).to_numpy()
        pool = rubin_combine(est[:, keep], var[:, keep], df_complete=first["df"].to_numpy(dtype=float)[keep])
        n_d = first["n"].to_numpy()[keep]
        se = pool.se
        low, high = _confidence_interval(ci, pool.estimate, se, pool.df, n_d.astype(float),
                                         n_d.astype(float), level)
        keys = first.loc[keep, by] if by else pd.DataFrame(index=range(int(keep.sum())))
        keys = keys.reset_index(drop=True)
        labels = _labels(cfg, spec, keys if by else pd.DataFrame(index=range(int(keep.sum()))))
        with np.errstate(invalid="ignore", divide="ignore"):
            cv = se / pool.estimate
        out = pd.DataFrame({
            "round": str(round_id), "breakdown": spec.breakdown,
            "domain": labels["domain"].to_numpy(), "label_zh": labels["label_zh"].to_numpy(),
            "label_en": labels["label_en"].to_numpy(), "level": level_code,
            "estimate": pool.estimate, "se": se, "ci_low": low, "ci_high": high, "df": pool.df,
            "n": n_d.astype(np.int64), "deff": deff[:, keep].mean(axis=0), "cv": cv,
            "se_sampling": pool.se_sampling, "se_imputation": pool.se_imputation, "fmi": pool.fmi,
            "pv_count": M,
        })
        pop = _domain_population(design, spec)
        out["population"] = out["domain"].map(pop).astype(float)
        frames.append(out)
    if not frames:
        return pd.DataFrame(columns=LINKED_COLUMNS)
    return pd.concat(frames, ignore_index=True)[LINKED_COLUMNS]
