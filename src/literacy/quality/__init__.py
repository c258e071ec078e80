"""Fieldwork quality: case dispositions and AAPOR outcome rates (issue 26).

Pure computation. :func:`disposition_codes` reads a delivery's disposition column (names,
Chinese or AAPOR's numeric codes); :func:`outcome_rates` computes AAPOR's RR1–RR6, COOP1–4,
REF1–3 and CON1–3, unweighted and weighted, for the sample and its domains;
:func:`frame_bias`, :func:`response_propensities` and :func:`representativeness` are the
nonresponse bias analysis on the frame variables (design-based tests, bias by weighting stage,
R-indicator); :mod:`~literacy.quality.interviews` screens interviews (speeders, straight-lining,
duplicates, item nonresponse) and :mod:`~literacy.quality.interviewers` measures interviewer
effects (intra-interviewer correlation, outlying interviewers).
:mod:`~literacy.quality.round_quality` assembles one round's four output tables for the
assessment's quality stage, and :mod:`~literacy.quality.truth` measures the checks against a
simulation's planted problems.
"""

from literacy.quality.dispositions import CATEGORIES, DISPOSITIONS, disposition_codes, dispositions_from_responded
from literacy.quality.interviewers import INTERVIEWER_COLUMNS, interviewer_effects, interviewer_icc
from literacy.quality.interviews import duplicates, item_nonresponse, speeders, straightlining
from literacy.quality.nonresponse_bias import (BIAS_COLUMNS, VERDICTS, frame_bias, representativeness,
                                               response_propensities)
from literacy.quality.rates import OUTCOME_COLUMNS, RATE_COLUMNS, outcome_rates, rates_from_counts

__all__ = ["CATEGORIES", "DISPOSITIONS", "disposition_codes", "dispositions_from_responded", "OUTCOME_COLUMNS",
           "RATE_COLUMNS", "outcome_rates", "rates_from_counts", "BIAS_COLUMNS", "VERDICTS", "frame_bias",
           "representativeness", "response_propensities", "INTERVIEWER_COLUMNS", "interviewer_effects",
           "interviewer_icc", "duplicates", "item_nonresponse", "speeders", "straightlining"]
