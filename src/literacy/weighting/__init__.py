"""Survey weighting: base weights, nonresponse adjustment (weighting classes or response-propensity
classes), post-stratification, raking, calibration (linear, bounded, logit) and trimming (weights,
and designs with calibration-aware standard errors as R's survey package), and the weighting chain
of an assessment round.

Pure computation: takes and returns arrays / DataFrames, no file I/O.
"""

from literacy.weighting._common import WeightingError, base_weights
from literacy.weighting.calibration import (
    GregCalibration,
    PostStratification,
    Raking,
    RakingConvergenceWarning,
    calibrate_weights,
    poststratify_weights,
    rake_weights,
)
from literacy.weighting.chain import (
    STAGES,
    WeightingResult,
    apply_calibration_steps,
    margin_check,
    margins_to_targets,
    weight_round,
    weight_summary,
    weighting_options,
)
from literacy.weighting.eligibility import eligibility_adjust, needs_eligibility_adjustment
from literacy.weighting.designs import calibrate_design, poststratify_design, rake_design, trim_design
from literacy.weighting.nonresponse import (
    PROPENSITY_FACTORS,
    PropensityAdjustment,
    PropensityWarning,
    nonresponse_adjust,
    propensity_adjust,
)
from literacy.weighting.trimming import CAP_KINDS, resolve_caps, trim_weights

__all__ = [
    "WeightingError",
    "RakingConvergenceWarning",
    "base_weights",
    "nonresponse_adjust",
    "eligibility_adjust",
    "needs_eligibility_adjustment",
    "propensity_adjust",
    "PropensityAdjustment",
    "PropensityWarning",
    "PROPENSITY_FACTORS",
    "trim_weights",
    "trim_design",
    "resolve_caps",
    "CAP_KINDS",
    "rake_weights",
    "poststratify_weights",
    "calibrate_weights",
    "PostStratification",
    "Raking",
    "GregCalibration",
    "rake_design",
    "poststratify_design",
    "calibrate_design",
    "margins_to_targets",
    "margin_check",
    "weight_summary",
    "WeightingResult",
    "weight_round",
    "weighting_options",
    "apply_calibration_steps",
    "STAGES",
]
