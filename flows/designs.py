"""The round's survey design as the estimate tasks use it (shared by estimation and measurement)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

__all__ = ["calibrated_design"]


def calibrated_design(config: dict, round_id: str, weighted: dict):
    """``(data, taylor, design)`` of a round from the weight task's outputs.

    ``taylor`` is the stratified cluster design with the nonresponse-adjusted weights; ``design``
    the variance design of ``estimation.method`` (Taylor, or replicates) on which the weighting
    chain's calibration steps are replayed (raking, trimming then re-raking), so it carries the
    final weights and its standard errors account for the calibration (Lumley 2010, 7.3).
    """
    from literacy.assessment import round_design, variance_design
    from literacy.weighting import apply_calibration_steps

    data = pd.read_parquet(weighted["path"])
    steps = json.loads(Path(weighted["steps"]).read_text(encoding="utf-8"))
    taylor = round_design(data, config, data["weight_nonresponse"].to_numpy(dtype=float))
    design = apply_calibration_steps(variance_design(taylor, config, round_id), steps)
    return data, taylor, design
