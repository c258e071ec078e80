"""Measurement: IRT calibration, scaling and linking of the science-literacy items."""

from literacy.measurement.irt import IRTConvergenceWarning, IRTFit, fit_irt, quadrature
from literacy.measurement.linking import LinkingResult, concurrent_calibration
from literacy.measurement.scale import test_characteristic_curve, theta_cut

__all__ = ["IRTConvergenceWarning", "IRTFit", "fit_irt", "quadrature", "LinkingResult", "concurrent_calibration",
           "test_characteristic_curve", "theta_cut"]
