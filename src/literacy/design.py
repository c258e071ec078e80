"""The Taylor-linearisation survey design: a re-export of :mod:`literacy.survey` (its old home).

New code imports from :mod:`literacy.survey`.
"""

from literacy.survey import (
    CI_METHODS,
    DEFF_KINDS,
    LONELY_PSU,
    DesignEstimators,
    SurveyDesign,
    confidence_interval,
    srs_variance_of_mean,
)

__all__ = ["SurveyDesign", "DesignEstimators", "LONELY_PSU", "CI_METHODS", "DEFF_KINDS", "srs_variance_of_mean",
           "confidence_interval"]
