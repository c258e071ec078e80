"""Design-based estimation for complex samples: the survey designs and their variance API.

Two designs share one set of estimators (:class:`DesignEstimators`: means, shares, totals, ratios,
models and tests by domain, as R's ``survey`` package):

* :class:`SurveyDesign`: stratified multistage samples, variances by Taylor linearisation
  (R's ``svydesign``), calibration-aware;
* :class:`ReplicateDesign`: variances from replicate weights (R's ``svrepdesign``), delivered
  with the data or built from a design by :func:`replicate_design`.

Both implement the same variance API (``estimator_variance``, ``domain_index``, ``domain_degf``,
``subset_degf``, ``factor_codes``, ``numeric_column``, ``totals_covariance``, ``totals_basis``,
``cross_covariance``, ``coefficient_covariance``, ``degf``), which :mod:`literacy.models`,
:mod:`literacy.weighting` and the measurement code use without asking which kind of design they
hold. Modules: :mod:`~literacy.survey.codes` (factorising), :mod:`~literacy.survey.stages`,
:mod:`~literacy.survey.variance`, :mod:`~literacy.survey.intervals`,
:mod:`~literacy.survey.estimators`, :mod:`~literacy.survey.taylor`,
:mod:`~literacy.survey.replicate` and :mod:`~literacy.survey.replicate_build`.
"""

from literacy.survey.codes import factorize
from literacy.survey.estimators import DEFF_KINDS, DesignEstimators, srs_variance_of_mean
from literacy.survey.intervals import CI_METHODS, confidence_interval
from literacy.survey.replicate import REPLICATE_METHODS, ReplicateDesign, weights_rank
from literacy.survey.replicate_build import replicate_design
from literacy.survey.stages import LONELY_PSU, Stage
from literacy.survey.taylor import SurveyDesign
from literacy.survey.variance import replicate_variance

__all__ = [
    "SurveyDesign",
    "ReplicateDesign",
    "DesignEstimators",
    "replicate_design",
    "Stage",
    "LONELY_PSU",
    "CI_METHODS",
    "DEFF_KINDS",
    "REPLICATE_METHODS",
    "confidence_interval",
    "srs_variance_of_mean",
    "replicate_variance",
    "weights_rank",
    "factorize",
]
