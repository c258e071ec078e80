"""Measurement: comparable rounds of the science-literacy questionnaire.

Item analysis and DIF (``items``, ``dif``), IRT calibration, scaling and linking (``irt``,
``scale``, ``linking``), plausible values and Rubin's rules (``plausible``, ``rubin``), linked
estimates and the change with its linking error (``linked``, ``change``). Pure computation on
DataFrames / arrays of 0/1 item scores and sampling weights.
"""

from literacy.measurement.dif import MH_COLUMNS, TEST_WEIGHTS, anchor_drift, dif_table, ets_class, mantel_haenszel
from literacy.measurement.irt import IRTConvergenceWarning, IRTFit, fit_irt, quadrature
from literacy.measurement.items import (
    ITEM_COLUMNS,
    RELIABILITY_COLUMNS,
    ItemAnalysis,
    cronbach_alpha,
    item_analysis,
    omega_total,
)
from literacy.measurement.linking import LinkingResult, concurrent_calibration
from literacy.measurement.scale import test_characteristic_curve, theta_cut

__all__ = [
    # items.py
    "ItemAnalysis", "item_analysis", "cronbach_alpha", "omega_total", "ITEM_COLUMNS", "RELIABILITY_COLUMNS",
    # dif.py
    "mantel_haenszel", "dif_table", "anchor_drift", "ets_class", "MH_COLUMNS", "TEST_WEIGHTS",
    # irt.py, linking.py, scale.py
    "IRTConvergenceWarning", "IRTFit", "fit_irt", "quadrature", "LinkingResult", "concurrent_calibration",
    "test_characteristic_curve", "theta_cut",
]
