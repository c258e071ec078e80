"""Survey weighting: base weights, nonresponse adjustment, post-stratification, raking and
calibration (weights, and designs with calibration-aware standard errors as R's survey package),
and the weighting chain of an assessment round.

Pure computation: takes and returns arrays / DataFrames, no file I/O.
"""

from literacy.weighting._common import WeightingError, base_weights
from literacy.weighting.calibration import (
    GregCalibration,
    PostStratification,
    Raking,
    RakingConvergenceWarning,
    calibrate_design,
    calibrate_weights,
    poststratify_design,
    poststratify_weights,
    rake_design,
    rake_weights,
)
from literacy.weighting.chain import WeightingResult, margin_check, margins_to_targets, weight_round, weight_summary
from literacy.weighting.nonresponse import nonresponse_adjust

__all__ = [
    "WeightingError",
    "RakingConvergenceWarning",
    "base_weights",
    "nonresponse_adjust",
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
]
