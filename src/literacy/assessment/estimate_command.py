"""One estimate table from any survey data set: the engine behind ``literacy estimate``.

The caller describes the design (Taylor or replicate weights) and the statistic; this
module builds the design and returns the table. No file I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from literacy.survey import CI_METHODS, SurveyDesign
from literacy.errors import DesignError, not_in_data
from literacy.survey import ReplicateDesign

__all__ = ["EstimateSpec", "estimate_design", "estimate_table", "STATISTICS"]

STATISTICS = ("auto", "mean", "proportion", "total", "ratio")


@dataclass
class EstimateSpec:
    """What to estimate and how the sample was drawn (the options of ``literacy estimate``)."""

    y: list[str]
    weights: str
    by: list[str] = field(default_factory=list)
    statistic: str = "auto"
    denominator: str | None = None
    strata: str | None = None
    psu: list[str] = field(default_factory=list)
    fpc: list[str] = field(default_factory=list)
    nest: bool = False
    lonely_psu: str = "fail"
    replicate_weights: str | None = None
    replicate_method: str | None = None
    rho: float | None = None
    scale: float | None = None
    mse: bool = False
    ci: str = "logit"
    level: float = 0.95
    na_rm: bool = False


def _is_binary(series: pd.Series) -> bool:
    if series.dtype == bool or str(series.dtype) == "boolean":
        return True
    v = pd.to_numeric(series, errors="coerce").dropna()
    return len(v) > 0 and bool(v.isin([0, 1]).all())


def estimate_design(data: pd.DataFrame, spec: EstimateSpec):
    """The design ``spec`` describes on ``data``: Taylor (strata, PSUs, fpc) or replicate weights.

    Parameters
    ----------
    data : DataFrame
        The survey data.
    spec : EstimateSpec
        How the sample was drawn (and the statistic and interval, checked here).

    Returns
    -------
    SurveyDesign or ReplicateDesign

    Raises
    ------
    DesignError
        An unknown statistic or interval, a ratio without denominator, replicate weights
        without their method or together with strata/PSU/fpc, a design column not in the data.
    """
    if spec.statistic not in STATISTICS:
        raise DesignError(f"statistic must be one of {STATISTICS}")
    if spec.ci not in CI_METHODS:
        raise DesignError(f"ci must be one of {CI_METHODS}")
    if spec.statistic == "ratio" and not spec.denominator:
        raise DesignError("a ratio needs a denominator column")
    if spec.replicate_weights:
        if not spec.replicate_method:
            raise DesignError("replicate weights need a replicate method (jk1, jkn, brr, fay, bootstrap, other)")
        if spec.strata or spec.psu or spec.fpc:
            raise DesignError("give either replicate weights or strata/PSU/fpc, not both")
        design = ReplicateDesign(data, weights=spec.weights, replicate_weights=spec.replicate_weights,
                                 method=spec.replicate_method, rho=spec.rho, scale=spec.scale, mse=spec.mse)
    else:
        design = SurveyDesign(data, weights=spec.weights, strata=spec.strata, psu=spec.psu or None,
                              fpc=spec.fpc or None, nest=spec.nest, lonely_psu=spec.lonely_psu)
    return design


def estimate_table(data: pd.DataFrame, spec: EstimateSpec, design=None) -> pd.DataFrame:
    """Estimate ``spec.y`` on ``data`` under the described design.

    ``statistic="auto"`` estimates a proportion (with ``spec.ci``) for a 0/1 or boolean
    variable and a mean (Wald interval) otherwise. Replicate weights (a regular expression
    for their columns, with ``replicate_method``) replace strata/PSU/fpc.

    Parameters
    ----------
    data : DataFrame
        The survey data.
    spec : EstimateSpec
        What to estimate and how the sample was drawn.
    design : SurveyDesign or ReplicateDesign, optional
        The design of :func:`estimate_design` on ``data`` (built here when not given).

    Returns
    -------
    DataFrame
        ``by`` columns, ``variable``, ``statistic``, then estimate, se, ci_low, ci_high, df, n,
        deff, cv.

    Raises
    ------
    DesignError
        An unknown statistic or interval, a ratio without denominator, replicate weights
        without their method or together with strata/PSU/fpc, a variable not in the data.
    """
    if design is None:
        design = estimate_design(data, spec)
    by = spec.by or None
    frames = []
    for y in spec.y:
        if y not in data.columns:
            raise DesignError(not_in_data(y, data.columns))
        stat = spec.statistic
        if stat == "auto":
            stat = "proportion" if _is_binary(data[y]) else "mean"
        if stat == "proportion":
            res = design.proportion(y, by=by, na_rm=spec.na_rm, ci=spec.ci, level=spec.level)
        elif stat == "mean":
            res = design.mean(y, by=by, na_rm=spec.na_rm, level=spec.level)
        elif stat == "total":
            res = design.total(y, by=by, na_rm=spec.na_rm, level=spec.level)
        else:
            res = design.ratio(y, spec.denominator, by=by, na_rm=spec.na_rm, level=spec.level)
        k = len(spec.by)
        res.insert(k, "variable", y if stat != "ratio" else f"{y}/{spec.denominator}")
        res.insert(k + 1, "statistic", stat)
        frames.append(res)
    return pd.concat(frames, ignore_index=True)
