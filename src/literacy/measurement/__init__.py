"""Measurement: plausible values, Rubin's rules and linked change (with its linking error).

Pure computation, no file I/O. See ``docs/readme/plausible_values.md``.
"""

from literacy.measurement.change import linked_change, linking_error
from literacy.measurement.linked import linked_estimates
from literacy.measurement.plausible import (
    LatentRegression, conditioning_matrix, draw_plausible_values, latent_regression, response_loglik,
)
from literacy.measurement.rubin import RubinResult, barnard_rubin_df, rubin_combine

__all__ = [
    "rubin_combine", "RubinResult", "barnard_rubin_df",
    "response_loglik", "latent_regression", "LatentRegression", "conditioning_matrix", "draw_plausible_values",
    "linked_estimates", "linking_error", "linked_change",
]
