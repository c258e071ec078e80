"""Measurement: comparable rounds of the science-literacy questionnaire.

Item analysis and DIF (``items``, ``dif``), IRT calibration, scaling and linking (``irt``,
``scale``, ``linking``), plausible values and Rubin's rules (``plausible``, ``rubin``), linked
estimates and the change with its linking error (``linked``, ``change``), the calibration's own
sampling error in the linked figures (``calibration_error``). Pure computation on DataFrames /
arrays of 0/1 item scores and sampling weights.
"""

from literacy.measurement.calibration_error import (
    RoundCalibration,
    calibration_increment,
    cut_gradient,
    domain_cross,
    influence_covariance,
    influence_totals,
    parameter_influence,
    person_scores,
    share_gradient,
)
from literacy.measurement.change import linked_change, linking_error
from literacy.measurement.dif import MH_COLUMNS, TEST_WEIGHTS, anchor_drift, dif_table, ets_class, mantel_haenszel
from literacy.measurement.forms import anchor_items, compare_forms, linking_feasible
from literacy.measurement.form_links import LINK_COLUMNS, FormGraph, form_graph, form_links, rounds_linkable
from literacy.measurement.irt import IRTConvergenceWarning, IRTFit, fit_irt, quadrature
from literacy.measurement.items import (
    ITEM_COLUMNS,
    RELIABILITY_COLUMNS,
    ItemAnalysis,
    cronbach_alpha,
    item_analysis,
    omega_total,
)
from literacy.measurement.linked import linked_estimates
from literacy.measurement.linking import LinkingResult, concurrent_calibration
from literacy.measurement.plausible import (
    LatentRegression,
    conditioning_matrix,
    draw_plausible_values,
    latent_regression,
    response_loglik,
)
from literacy.measurement.rubin import RubinResult, barnard_rubin_df, rubin_combine
from literacy.measurement.scale import test_characteristic_curve, theta_cut

__all__ = [
    # forms.py
    "compare_forms", "anchor_items", "linking_feasible",
    # form_links.py
    "form_links", "form_graph", "rounds_linkable", "FormGraph", "LINK_COLUMNS",
    # items.py
    "ItemAnalysis", "item_analysis", "cronbach_alpha", "omega_total", "ITEM_COLUMNS", "RELIABILITY_COLUMNS",
    # dif.py
    "mantel_haenszel", "dif_table", "anchor_drift", "ets_class", "MH_COLUMNS", "TEST_WEIGHTS",
    # irt.py, linking.py, scale.py
    "IRTConvergenceWarning", "IRTFit", "fit_irt", "quadrature", "LinkingResult", "concurrent_calibration",
    "test_characteristic_curve", "theta_cut",
    # rubin.py, plausible.py, linked.py, change.py
    "rubin_combine", "RubinResult", "barnard_rubin_df", "response_loglik", "latent_regression", "LatentRegression",
    "conditioning_matrix", "draw_plausible_values", "linked_estimates", "linking_error", "linked_change",
    # calibration_error.py
    "person_scores", "parameter_influence", "cut_gradient", "share_gradient", "influence_covariance",
    "influence_totals", "domain_cross", "calibration_increment", "RoundCalibration",
]
