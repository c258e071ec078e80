"""What drives literacy in one round, as published: the determinants model and the association tests,
each left out with its reason when it cannot be computed (docs/methods/determinants.md).

A model that cannot be fitted (perfect separation in a tiny delivery, a constant covariate,
fewer PSUs than coefficients) is a row with the reason in ``note``, never a crash.
"""

from __future__ import annotations

import pandas as pd

from literacy.assessment.config import analysis_config, check_columns
from literacy.errors import DesignError
from literacy.assessment.models import associations_table, determinants_table

__all__ = ["DETERMINANTS_COLUMNS", "determinants_or_note", "associations_or_notes", "round_drivers"]

#: The determinants table's columns, in order.
DETERMINANTS_COLUMNS = ["round", "term", "variable", "level", "reference", "estimate", "se", "odds_ratio",
                        "or_ci_low", "or_ci_high", "p_value", "df", "note"]


def determinants_or_note(design, outcome: str, covariates: list[str], round_id: str,
                         level: float) -> tuple[pd.DataFrame, str | None]:
    """The design-based logistic regression of ``outcome`` (odds ratios), or a note row saying why not.

    Parameters
    ----------
    design : SurveyDesign
        The round's calibrated design.
    outcome : str
        The 0/1 level column modelled (the headline level).
    covariates : list of str
        The model's covariates.
    round_id : str
        The round.
    level : float
        The confidence level of the odds ratios' intervals.

    Returns
    -------
    table : DataFrame
        :data:`DETERMINANTS_COLUMNS`, numbers as float, text as object (None when missing).
    problem : str or None
        Why the model was not fitted (the note row's reason), else None.
    """
    problem = None
    try:
        det = determinants_table(design, outcome, covariates, round_id, level=level)
        det["note"] = None
        if len(det) and not (det["df"].to_numpy(dtype=float) >= 1).all():
            # residual df = design df - p + 1 (R's svyglm): too few PSUs for this many coefficients
            raise DesignError(f"the design has {design.degf()} degrees of freedom, too few for the model's "
                              f"{len(det)} coefficients (residual df {int(det['df'].iloc[0])})")
    except DesignError as exc:
        problem = str(exc)
        det = pd.DataFrame([{"round": str(round_id), "term": None, "variable": None, "level": None,
                             "reference": None, "note": f"model not fitted: {exc}"}])
    det = det.reindex(columns=DETERMINANTS_COLUMNS)   # a note row has every column (blank), in the table's order
    for c in ("estimate", "se", "odds_ratio", "or_ci_low", "or_ci_high", "p_value", "df"):
        det[c] = det[c].astype(float)
    for c in ("term", "variable", "level", "reference", "note"):
        det[c] = det[c].astype(object).where(det[c].notna(), None)
    return det, problem


def associations_or_notes(design, outcome: str, breakdowns: list[str], round_id: str) -> pd.DataFrame:
    """The Rao–Scott tests of ``outcome`` against each breakdown, a note row for a test not computed.

    Parameters
    ----------
    design : SurveyDesign
        The round's calibrated design.
    outcome : str
        The categorical outcome column (``level_class``).
    breakdowns : list of str
        The breakdowns tested, one test each.
    round_id : str
        The round.

    Returns
    -------
    DataFrame
        ``round``, ``breakdown``, ``outcome``, the test's statistics and ``note``; one
        note row when there is no breakdown to test.
    """
    rows = []
    for b in breakdowns:   # a handful of tests
        try:
            r = associations_table(design, outcome, [b]).assign(note=None)
        except DesignError as exc:
            r = pd.DataFrame([{"breakdown": b, "note": f"test not computed: {exc}"}])
        rows.append(r)
    assoc = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        [{"breakdown": "none", "note": "no breakdown to test: none of the variables is in the data"}])
    assoc.insert(0, "round", str(round_id))
    assoc.insert(2, "outcome", outcome)
    return assoc


def round_drivers(design, config: dict, round_id: str) -> tuple[pd.DataFrame, pd.DataFrame, str | None] | None:
    """What drives literacy in one round: the configured determinants model and association tests.

    The logistic regression of the headline level on the configured (or standard) covariates,
    and the Rao–Scott tests of the literacy level against each configured (or standard)
    breakdown (docs/methods/determinants.md: "What drives literacy").

    Parameters
    ----------
    design : SurveyDesign
        The round's calibrated design.
    config : dict
        The validated config (``analysis``, ``scoring.headline``, ``estimation.level``).
    round_id : str
        The round.

    Returns
    -------
    tuple or None
        ``(determinants, associations, problem)``: :func:`determinants_or_note`'s table and
        reason, :func:`associations_or_notes`'s table; None when the analysis is off.

    Raises
    ------
    ConfigError
        A configured covariate or breakdown the data does not have.
    """
    ac = analysis_config(config)
    if not ac["enabled"]:
        return None
    conf = float(config["estimation"]["level"])
    covs = check_columns(ac["covariates"], design.data.columns, "analysis.determinants.covariates",
                         "covariates" in ac["configured"])
    breakdowns = check_columns(ac["breakdowns"], design.data.columns, "analysis.associations.breakdowns",
                               "breakdowns" in ac["configured"])
    det, problem = determinants_or_note(design, config["scoring"]["headline"], covs, round_id, conf)
    assoc = associations_or_notes(design, "level_class", breakdowns, round_id)
    return det, assoc, problem
