"""The round's survey design as the estimate tasks use it (shared by estimation and measurement)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from literacy.assessment import round_design, variance_design
from literacy.weighting import apply_calibration_steps

__all__ = ["calibrated_design", "design_from_weighted"]


def calibrated_design(config: dict, round_id: str, weighted: dict):
    """``(data, taylor, design)`` of a round from the weight task's outputs.

    ``taylor`` is the stratified cluster design with the nonresponse-adjusted weights; ``design``
    the variance design of ``estimation.method`` (Taylor, or replicates) on which the weighting
    chain's calibration steps are replayed (raking, trimming then re-raking), so it carries the
    final weights and its standard errors account for the calibration (Lumley 2010, 7.3).
    """
    data = pd.read_parquet(weighted["path"])
    steps = json.loads(Path(weighted["steps"]).read_text(encoding="utf-8"))
    taylor, design = design_from_weighted(config, round_id, data, steps)
    return data, taylor, design


def design_from_weighted(config: dict, round_id: str, data: pd.DataFrame, steps: list):
    """``(taylor, design)`` of a round from its weighted data (with ``weight_nonresponse``) and the
    weighting chain's calibration steps, in memory (:func:`calibrated_design` without the files;
    also used by ``benchmarks/coverage_linked.py``)."""
    taylor = round_design(data, config, data["weight_nonresponse"].to_numpy(dtype=float))
    design = apply_calibration_steps(variance_design(taylor, config, round_id), steps)
    return taylor, design
