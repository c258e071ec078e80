"""``quality``: the fieldwork-quality stage (docs/methods/quality.md): response rates, the
nonresponse bias analysis and the interview checks.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from literacy.settings.base import Code, Real, Section, Share, Whole

__all__ = ["Quality", "Exclusion"]


class Exclusion(Section):
    """``quality.exclude``: flagged interviews left out of the estimates (off by default: flagged
    interviews are listed for review, never deleted). Each excluded interview is recorded in the
    round's quarantine listing with the check that flagged it."""

    speeders: bool = False
    straightliners: bool = False
    exact_duplicates: bool = False
    near_duplicates: bool = False
    # round id -> interviewer ids whose every interview is left out, decided by a reviewer after
    # reading quality/interviewers.csv (an outlying interviewer is a flag for review, never an
    # automatic exclusion); the cases become nonrespondents and the weighting adjusts for them
    interviewers: dict[Code, list[Code]] = {}


class Quality(Section):
    """``quality``: thresholds of the fieldwork-quality checks."""

    # NCES Statistical Standard 4-4-1 (2012): a nonresponse bias analysis when the unit response
    # rate is below 85%
    response_rate_threshold: Share = 0.85
    # AAPOR's e, the eligible share of the cases of unknown eligibility: a number, or "estimate"
    # (the eligible share among the cases whose eligibility was determined)
    eligibility_e: Share | Literal["estimate"] = "estimate"
    speeder_share: Real = Field(0.3, gt=0, lt=1)           # of the mode's median duration
    straightlining_share: Real = Field(0.9, gt=0, le=1)    # modal answer's share of the items of a kind
    straightlining_min_items: Whole = Field(10, ge=2)
    near_duplicate_share: Real = Field(0.9, gt=0, le=1)    # identical item answers within an interviewer
    near_duplicate_min_rare: Whole = Field(8, ge=0)        # of which not the item's most common answer
    # outlying interviewers: against the median interviewer and the peers' spread (robust), or against
    # 0 and the residual SD alone (residual; areas and interviewers confounded flag many)
    interviewer_reference: Literal["robust", "residual"] = "robust"
    alpha: Real = Field(0.05, gt=0, lt=1)                  # FDR level of the bias tests and interviewer flags
    bias_tolerance: Real = Field(0.05, ge=0)               # standardised bias called removed by weighting
    frame_variables: list[str] | None = None               # None: the nonresponse classes' variables
    exclude: Exclusion = Exclusion()
