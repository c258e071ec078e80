"""Calibration and trimming of survey designs: the new design carries what its standard errors need.

A :class:`literacy.survey.SurveyDesign` gets its new weights and a calibration step whose
``residualize`` gives calibration-aware linearisation standard errors (R's ``postStratify``,
``rake``, ``calibrate`` and ``trimWeights`` on ``survey.design2``); a
:class:`literacy.survey.ReplicateDesign` gets every replicate calibrated or trimmed again
(:mod:`literacy.weighting.replicates`). Designs are used through their public methods
(``data``, ``weights``, ``calibration``, ``with_weights``, ``cluster_codes``).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING

from literacy.errors import DesignError
from literacy.weighting._common import WeightingError, check_weights, code_margins
from literacy.weighting.calibration import (
    Convergence,
    PostStratification,
    Raking,
    greg_calibrate,
    poststratify_to_margin,
    poststratum_margin,
    rake_margins,
)
from literacy.weighting.replicates import (
    calibrate_replicates,
    is_replicate_design,
    poststratify_replicates,
    rake_replicates,
    trim_replicates,
)
from literacy.weighting.trimming import trim_weights

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["poststratify_design", "rake_design", "calibrate_design", "trim_design"]


def _design_parts(design) -> tuple[pd.DataFrame, np.ndarray, tuple]:
    for attr in ("data", "weights", "calibration", "with_weights"):
        if not hasattr(design, attr):
            raise WeightingError(f"expected a SurveyDesign, got {type(design).__name__} without '{attr}'")
    w = check_weights(design.weights, len(design.data), "design weights")
    return design.data, w, tuple(design.calibration or ())


def poststratify_design(design, targets: Mapping[Hashable, Mapping]):
    """Post-stratify a survey design, as R's ``postStratify(design, ~var, pop)``.

    Parameters
    ----------
    design : literacy.survey.SurveyDesign
        The design (its ``data``, ``weights``, ``calibration``).
    targets : mapping
        Exactly one margin ``{column_or_crossing: {level: population count}}``, e.g.
        ``{"stype": {"E": 4421, "H": 755, "M": 1018}}``.

    Returns
    -------
    SurveyDesign
        ``design.with_weights(weights=new, calibration=design.calibration + (PostStratification,))``:
        its standard errors account for the post-stratification (Lumley 2010, 7.2).
    """
    if is_replicate_design(design):  # each replicate is post-stratified too
        return poststratify_replicates(design, targets)
    data, w, cal = _design_parts(design)
    margin = poststratum_margin(data, targets, w)
    new = poststratify_to_margin(margin, w)
    obj = PostStratification(margin.codes, new, w)
    return design.with_weights(weights=new, calibration=cal + (obj,))


def rake_design(design, targets: Mapping[Hashable, Mapping], tol: float = 1e-8, max_iter: int = 100,
                convergence: Convergence = "margins"):
    """Rake a survey design to population margins, as R's ``rake()``.

    Parameters
    ----------
    design : literacy.survey.SurveyDesign
        The design to rake (its current weights are the starting weights).
    targets : mapping
        ``{margin: {level: population count}}`` as in :func:`rake_weights`.
    tol, max_iter, convergence
        As in :func:`rake_weights`. To reproduce R's ``rake()`` with its default
        ``control = list(maxit = 10, epsilon = 1)`` exactly, pass ``tol=1, max_iter=10,
        convergence="r"``.

    Returns
    -------
    SurveyDesign
        ``design.with_weights(weights=raked, calibration=design.calibration + (Raking,))``. The
        :class:`Raking` object holds each margin's post-strata and weights from the last
        sweep, and its ``residualize`` backfits 10 passes as R's ``svyrecvar`` does
        (Lumley 2010, 7.3).
    """
    if is_replicate_design(design):  # each replicate is raked too
        return rake_replicates(design, targets, tol=tol, max_iter=max_iter, convergence=convergence)
    data, w, cal = _design_parts(design)
    margins = code_margins(data, targets, w)
    new, psw, record, _ = rake_margins(margins, w, tol, max_iter, convergence)
    obj = Raking(tuple((m.codes, p) for m, p in zip(margins, psw)))
    obj.record = record
    return design.with_weights(weights=new, calibration=cal + (obj,))


def calibrate_design(design, totals: Mapping, method: str = "linear", bounds: tuple[float, float] | None = None,
                     max_iter: int = 50, epsilon: float = 1e-7, trim: tuple[float, float] | None = None,
                     aggregate: int | None = None):
    """Calibrate a survey design to population totals, as R's ``calibrate(design, ~..., pop)``.

    Parameters
    ----------
    design : literacy.survey.SurveyDesign
        The design (its current weights are the starting weights).
    totals : mapping
        As in :func:`calibrate_weights`; e.g. ``{"stype": {"E": 4421, "H": 755, "M": 1018},
        "api99": 3914069}``.
    method, bounds, max_iter, epsilon, trim
        As in :func:`calibrate_weights` (R's ``calfun``, ``bounds``, ``maxit``, ``epsilon``,
        ``trim``).
    aggregate : int, optional
        R's ``aggregate.stage``: make the g-weights constant within the clusters of this
        sampling stage (1 = PSUs), by calibrating on the model matrix and weights averaged
        within each cluster (so the calibrated weights are constant within clusters when the
        starting weights are, as in household or cluster-level weighting).

    Returns
    -------
    SurveyDesign
        ``design.with_weights(weights=calibrated, calibration=design.calibration + (GregCalibration,))``;
        its standard errors use the GREG residuals (Lumley 2010, 7.4; Särndal, Swensson &
        Wretman 1992, 6.5).
    """
    if is_replicate_design(design):  # each replicate is calibrated too
        if aggregate is not None:
            raise WeightingError("calibration: aggregate is for a design with its sampling stages (R's "
                                 "aggregate.stage); a replicate design has none")
        return calibrate_replicates(design, totals, method=method, bounds=bounds,
                                               max_iter=max_iter, epsilon=epsilon, trim=trim)
    data, w, cal = _design_parts(design)
    index = None
    if aggregate is not None:
        try:
            index = design.cluster_codes(aggregate)
        except DesignError as exc:
            raise WeightingError(f"calibration: aggregate: {exc}") from None
    new, obj = greg_calibrate(data, w, totals, method, bounds, max_iter, epsilon, trim, aggregate=index)
    return design.with_weights(weights=new, calibration=cal + (obj,))


def trim_design(design, upper=None, lower=None, by: str | None = None, redistribute: str = "proportional",
                max_iter: int = 100):
    """Trim a survey design's weights, as R's ``trimWeights(design, upper, lower, strict)``.

    Parameters
    ----------
    design : literacy.survey.SurveyDesign or literacy.survey.ReplicateDesign
        The (possibly calibrated) design. On a replicate design each replicate's weights
        are trimmed by the same rule (see ``literacy.weighting.replicates.trim_replicates``).
    upper, lower, redistribute, max_iter
        As in :func:`trim_weights`. R's ``trimWeights(d, upper=u, lower=l, strict=TRUE)``
        is ``trim_design(d, upper=u, lower=l, redistribute="equal")``.
    by : str, optional
        A column of the design's data: trim within its groups.

    Returns
    -------
    SurveyDesign
        ``design.with_weights(weights=trimmed)`` with the calibration steps kept, so standard
        errors are those of the last calibration applied to the trimmed weights (what R's
        ``svyrecvar`` does with ``postStrata`` after ``trimWeights``). The trimming report
        is the returned design's ``trimming`` attribute.
    """
    if is_replicate_design(design):  # each replicate is trimmed by the same rule
        return trim_replicates(design, upper=upper, lower=lower, by=by, redistribute=redistribute,
                                          max_iter=max_iter)
    for attr in ("data", "weights", "with_weights"):
        if not hasattr(design, attr):
            raise WeightingError(f"expected a SurveyDesign, got {type(design).__name__} without '{attr}'")
    groups = None
    if by is not None:
        if by not in design.data.columns:
            raise WeightingError(f"trimming: the data has no column '{by}'")
        groups = design.data[by].to_numpy(dtype=object)
    new, report = trim_weights(design.weights, upper=upper, lower=lower, by=groups, redistribute=redistribute,
                               max_iter=max_iter)
    out = design.with_weights(weights=new)
    out.trimming = report
    return out
