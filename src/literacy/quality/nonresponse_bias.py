"""Nonresponse bias analysis on the frame variables: respondents against the full sample.

Every frame variable (known for respondents and nonrespondents alike: district, residence,
sex, age ...) gives three kinds of evidence (NCES Statistical Standard 4-4-1; AAPOR 2023):

1. **Do respondents differ from nonrespondents?** A design-based test on the full sample with the
   sampling weights: the Rao–Scott second-order F test of the respondent indicator against a
   categorical variable (R: ``svychisq``), the t test of the difference in means for a numeric
   one (``svyttest``); p-values adjusted across the variables by Benjamini–Hochberg.
2. **How large is the bias, and how much does weighting remove?** The estimated bias of the
   respondents' mean of each variable (each level's share for a categorical one) against the
   full sample's base-weighted mean: with the base weights (no adjustment), after the
   nonresponse adjustment and after calibration (the stages of the weighting chain), absolute
   and standardised by the variable's standard deviation in the full sample.
3. **Representativeness of the response**: the R-indicator ``R = 1 - 2 S(ρ̂)`` and the coefficient
   of variation ``CV = S(ρ̂) / ρ̄`` of the response propensities ρ̂ estimated by a weighted logistic
   regression on the frame variables, with ``S²`` the design-weighted variance of ρ̂
   (Schouten, Cobben & Bethlehem 2009, eqs. 8–9; the maximal absolute standardised bias of any
   respondent mean is then bounded by ``(1 - R) / (2 ρ̄)``).

Verdict per variable: "no evidence of nonresponse bias" when the adjusted p-value is at least
``alpha``; otherwise "weighting removes it" when the largest standardised bias after weighting is
at most ``tolerance`` (0.05 SD by default), else "bias remains after weighting".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm

from literacy.survey import SurveyDesign
from literacy.errors import DataError
from literacy.multiplicity import benjamini_hochberg

__all__ = ["response_propensities", "representativeness", "frame_bias", "BIAS_COLUMNS", "VERDICTS"]

#: Verdicts of :func:`frame_bias`, English and Chinese.
VERDICTS = {
    "none": ("no evidence of nonresponse bias", "未发现无应答偏差"),
    "removed": ("respondents differ; weighting removes it", "应答者有差异，加权后已消除"),
    "remains": ("respondents differ; bias remains after weighting", "应答者有差异，加权后仍有偏差"),
}

#: Columns of :func:`frame_bias`' table (plus one ``estimate_<stage>`` and ``bias_<stage>`` per stage).
BIAS_COLUMNS = ["variable", "level", "kind", "full_sample", "sd", "test", "statistic", "p_value", "p_adjusted"]


def _design_matrix(sample: pd.DataFrame, covariates: Sequence[str]) -> np.ndarray:
    cols = [np.ones(len(sample))]
    for c in covariates:
        s = sample[c]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            cols.append(s.to_numpy(dtype=float))
        else:
            codes, levels = pd.factorize(s.astype(str), sort=True)
            cols.extend((codes == k).astype(float) for k in range(1, len(levels)))   # treatment coding
    return np.column_stack(cols)


def response_propensities(sample: pd.DataFrame, responded: np.ndarray, weights: np.ndarray,
                          covariates: Sequence[str]) -> np.ndarray:
    """Estimated response propensities from a weighted logistic regression on the frame variables.

    The coefficients solve the design-weighted score equations (R:
    ``glm(responded ~ ..., family = quasibinomial, weights = w)``, equal to ``svyglm``'s);
    categorical covariates enter with treatment contrasts, numeric ones linearly.

    Parameters
    ----------
    sample : DataFrame
        The full sample (respondents and nonrespondents).
    responded : ndarray of 0/1
    weights : ndarray
        Sampling (base) weights.
    covariates : list of str
        Frame variables.

    Returns
    -------
    ndarray
        ρ̂ for every sampled case.
    """
    for c in covariates:
        if c not in sample.columns:
            raise DataError(f"sample: no frame variable '{c}' for the response propensity model")
        if sample[c].isna().any():
            raise DataError(f"sample: frame variable '{c}' is missing for some cases (line "
                            f"{int(np.flatnonzero(sample[c].isna().to_numpy())[0]) + 2})")
    X = _design_matrix(sample, covariates)
    fit = sm.GLM(np.asarray(responded, dtype=float), X, family=sm.families.Binomial(),
                 var_weights=np.asarray(weights, dtype=float) / np.mean(weights)).fit(tol=1e-12, maxiter=100)
    return np.asarray(fit.fittedvalues, dtype=float)


def representativeness(propensity: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    """R-indicator, CV and bias bound of response propensities (Schouten, Cobben & Bethlehem 2009).

    Parameters
    ----------
    propensity : ndarray
        ρ̂ of every sampled case.
    weights : ndarray
        Sampling weights d_i.

    Returns
    -------
    dict
        ``mean`` (ρ̄ = Σ d ρ̂ / N̂), ``sd`` (S with divisor N̂ - 1, N̂ = Σ d), ``r_indicator``
        (1 - 2 S), ``cv`` (S / ρ̄) and ``max_bias`` ((1 - R) / (2 ρ̄), the bound on the absolute
        standardised bias of a respondent mean).
    """
    d = np.asarray(weights, dtype=float)
    rho = np.asarray(propensity, dtype=float)
    N = d.sum()
    mean = float(d @ rho / N)
    sd = float(np.sqrt(d @ (rho - mean) ** 2 / (N - 1)))
    r = 1.0 - 2.0 * sd
    return {"mean": mean, "sd": sd, "r_indicator": r, "cv": sd / mean, "max_bias": (1.0 - r) / (2.0 * mean)}


def frame_bias(sample: pd.DataFrame, responded: np.ndarray, stage_weights: Mapping[str, np.ndarray],
               variables: Sequence[str], *, base: str = "base", strata: str | None = None,
               psu: str | None = None, alpha: float = 0.05, tolerance: float = 0.05) -> pd.DataFrame:
    """Respondents against the full sample on each frame variable, by weighting stage.

    Parameters
    ----------
    sample : DataFrame
        The full sample, with the frame ``variables`` and the design columns.
    responded : ndarray of 0/1
    stage_weights : mapping of str to ndarray
        Weights of every sampled case at each stage, in order (e.g. ``base``,
        ``nonresponse_adjusted``, ``calibrated``); a stage's weights are used on the respondents
        only (nonrespondents' values are ignored). ``stage_weights[base]`` are the sampling weights.
    variables : list of str
        Frame variables (categorical: one row per level; numeric: one row, the mean).
    base : str
        The stage holding the sampling weights.
    strata, psu : str, optional
        Design columns of ``sample`` for the tests.
    alpha, tolerance : float
        FDR level of the BH adjustment; largest standardised bias after weighting called removed.

    Returns
    -------
    DataFrame
        :data:`BIAS_COLUMNS`, ``estimate_<stage>`` and ``bias_<stage>`` (respondent estimate minus
        full-sample estimate) and ``std_bias_<stage>`` (bias / sd) for every stage, then
        ``verdict``, ``verdict_zh``.
    """
    resp = np.asarray(responded, dtype=float)
    if not np.isin(resp, (0.0, 1.0)).all():
        raise DataError("responded must be 0 or 1 for every sampled case")
    if base not in stage_weights:
        raise DataError(f"no '{base}' stage among the weights {list(stage_weights)}")
    d = np.asarray(stage_weights[base], dtype=float)
    r_mask = resp == 1
    work = sample.assign(__responded=resp.astype(int))
    design = SurveyDesign(work, weights=d, strata=strata, psu=psu)
    rows, tests = [], []
    for var in variables:
        if var not in sample.columns:
            raise DataError(f"sample: no frame variable '{var}' for the nonresponse bias analysis")
        s = sample[var]
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        if numeric:
            values = {"mean": s.to_numpy(dtype=float)}
            t = design.ttest(var, "__responded")
            tests.append(("t", abs(t["t"]), t["p_value"]))
        else:
            codes, levels = pd.factorize(s.astype(str), sort=True)
            values = {str(lv): (codes == k).astype(float) for k, lv in enumerate(levels)}
            c = design.chisq("__responded", var)
            tests.append(("Rao-Scott F", c["statistic"], c["p_value"]))
        for level, x in values.items():
            full = float(d @ x / d.sum())
            sd = float(np.sqrt(d @ (x - full) ** 2 / d.sum()))
            row = {"variable": var, "level": level, "kind": "mean" if numeric else "share", "full_sample": full,
                   "sd": sd}
            for stage, w in stage_weights.items():
                w_r = np.asarray(w, dtype=float)[r_mask]
                est = float(w_r @ x[r_mask] / w_r.sum())
                row[f"estimate_{stage}"] = est
                row[f"bias_{stage}"] = est - full
                row[f"std_bias_{stage}"] = (est - full) / sd if sd > 0 else 0.0
            rows.append(row)
    out = pd.DataFrame(rows)
    test = pd.DataFrame(tests, columns=["test", "statistic", "p_value"], index=list(variables))
    test["p_adjusted"] = benjamini_hochberg(test["p_value"].to_numpy(), alpha)["p_adjusted"].to_numpy()
    out = out.join(test, on="variable")
    last = list(stage_weights)[-1]
    worst = out.groupby("variable", sort=False)[f"std_bias_{last}"].apply(lambda b: float(np.max(np.abs(b))))
    key = np.where(test["p_adjusted"] >= alpha, "none",
                   np.where(worst.reindex(test.index).to_numpy() <= tolerance, "removed", "remains"))
    verdict = pd.Series(key, index=test.index)
    out["verdict"] = out["variable"].map(verdict.map(lambda k: VERDICTS[k][0]))
    out["verdict_zh"] = out["variable"].map(verdict.map(lambda k: VERDICTS[k][1]))
    stage_cols = [f"{p}_{s}" for s in stage_weights for p in ("estimate", "bias", "std_bias")]
    return out[BIAS_COLUMNS + stage_cols + ["verdict", "verdict_zh"]]
