"""Measurement: IRT calibration, scaling and linking of the science-literacy items."""

from literacy.measurement.irt import IRTConvergenceWarning, IRTFit, fit_irt, quadrature

__all__ = ["IRTConvergenceWarning", "IRTFit", "fit_irt", "quadrature"]
