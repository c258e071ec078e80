"""Assessment tables built on the design-based models (pure functions: a design in, a DataFrame out).

* :func:`determinants_table`: logistic regression of a 0/1 outcome (e.g. ``literate``) on
  covariates, odds ratios with Wald intervals on the residual df (R: ``svyglm(family=
  quasibinomial())``, ``exp(coef)``, ``exp(confint)``; Lumley 2010, 6.1);
* :func:`associations_table`: Rao–Scott F test of the outcome against each breakdown
  (R: ``svychisq(~outcome + breakdown, design)``; Rao & Scott 1984);
* :func:`score_quantiles`: quantiles of a score with Woodruff (1952) intervals
  (R: ``svyquantile(..., qrule="math", interval.type="mean")``).

Labels stay codes: ``variable`` and ``level`` columns hold the column name and the level code of
each coefficient, so the reports can translate both (the ``term`` column is the model's name).
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from literacy.errors import DesignError
from literacy.models.formula import level_label

__all__ = ["determinants_table", "associations_table", "score_quantiles"]


def _terms(covariates: Sequence[str] | str) -> list[str]:
    return [covariates] if isinstance(covariates, str) else list(covariates)


def determinants_table(design, outcome: str, covariates: Sequence[str], round_id: str,
                       level: float = 0.95) -> pd.DataFrame:
    """Odds ratios of ``outcome`` (0/1) for each covariate, from one design-weighted logistic model.

    Parameters
    ----------
    design : SurveyDesign or ReplicateDesign
        The round's design (Taylor, replicate or calibrated).
    outcome : str
        0/1 outcome column.
    covariates : list of str
        Columns; string/boolean/categorical columns enter as categorical (first level in sorted
        order the reference), numeric ones as linear terms.
    round_id : str
        Stored in the ``round`` column.

    Returns
    -------
    DataFrame: ``round, term, variable, level, reference, estimate, se, odds_ratio, or_ci_low,
    or_ci_high, p_value, df`` (one row per coefficient, the intercept first; ``reference`` is the
    reference level of a categorical covariate, empty otherwise).
    """
    covs = _terms(covariates)
    if not covs:
        raise DesignError("determinants_table: no covariates given")
    fit = design.glm(f"{outcome} ~ " + " + ".join(covs), family="quasibinomial", level=level)
    variables = fit.attrs["variables"]
    levels = fit.attrs["levels"]
    rows = fit.attrs["rows"]
    categorical = {v for v, lv in zip(variables, levels) if lv}
    refs = {}
    for c in covs:
        if c in categorical:               # the reference: the first level (sorted) among the rows used
            codes, uniques = design.factor_codes(c)
            refs[c] = level_label(uniques[codes[rows].min()])
    out = pd.DataFrame({
        "round": str(round_id),
        "term": fit["term"],
        "variable": [v if v else "(Intercept)" for v in variables],
        "level": levels,
        "reference": [refs.get(v, "") for v in variables],
        "estimate": fit["estimate"], "se": fit["se"],
        "odds_ratio": fit["odds_ratio"], "or_ci_low": fit["or_ci_low"], "or_ci_high": fit["or_ci_high"],
        "p_value": fit["p_value"], "df": fit["df"],
    })
    out.attrs = {k: fit.attrs[k] for k in ("formula", "n", "deviance", "iterations", "df_residual")}
    return out


def associations_table(design, outcome: str, breakdowns: Sequence[str]) -> pd.DataFrame:
    """Rao–Scott second-order F test of ``outcome`` against each breakdown.

    Parameters
    ----------
    design : SurveyDesign or ReplicateDesign
        The round's design.
    outcome : str
        The categorical outcome column.
    breakdowns : list of str
        The breakdowns, one test each.

    Returns
    -------
    DataFrame
        ``breakdown, statistic, ndf, ddf, p_value``, one row per breakdown in the order given.
    """
    rows = []
    for b in _terms(breakdowns):          # a handful of breakdowns; each test is vectorised
        r = design.chisq(outcome, b, statistic="F")
        rows.append({"breakdown": b, "statistic": r["statistic"], "ndf": r["ndf"], "ddf": r["ddf"],
                     "p_value": r["p_value"]})
    return pd.DataFrame(rows, columns=["breakdown", "statistic", "ndf", "ddf", "p_value"])


def score_quantiles(design, score: str, by=None, q=(0.25, 0.5, 0.75), level: float = 0.95) -> pd.DataFrame:
    """Quantiles of ``score`` overall or by domain, with Woodruff intervals.

    Parameters
    ----------
    design : SurveyDesign or ReplicateDesign
        The round's design.
    score : str
        The score column.
    by : str or list of str, optional
        Domain columns.
    q : tuple of float
        The probabilities.
    level : float
        The confidence level.

    Returns
    -------
    DataFrame
        ``[by...], quantile, estimate, se, ci_low, ci_high``.
    """
    return design.quantile(score, q=q, by=by, level=level)
