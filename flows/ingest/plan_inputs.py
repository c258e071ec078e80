"""``literacy plan``'s input: the end-of-period round's plan inputs an assessment wrote (no Prefect)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from literacy_flows.ingest import io as fio
from literacy_flows.ingest.readers import InputError

__all__ = ["PLAN_INPUT_COLUMNS", "plan_inputs_path", "read_plan_inputs"]

#: The columns of ``assessment/sample_plan.csv`` the next plan reads (``p`` read as ``estimate``).
PLAN_INPUT_COLUMNS = ["round", "breakdown", "domain", "label_zh", "label_en", "level", "n", "psus_with_respondents",
                      "estimate", "deff", "respondents_per_psu", "response_rate"]
_NUMBERS = ("n", "psus_with_respondents", "estimate", "deff", "respondents_per_psu", "response_rate")


def plan_inputs_path(processed_dir: str | os.PathLike) -> Path:
    """``<processed>/assessment/sample_plan.csv``: where an assessment writes the plan's inputs."""
    return Path(processed_dir) / "assessment" / "sample_plan.csv"


def read_plan_inputs(path: str | os.PathLike) -> pd.DataFrame:
    """The plan's inputs, checked: every column present, every number a non-negative number.

    Parameters
    ----------
    path : path
        The assessment's ``sample_plan.csv``.

    Returns
    -------
    DataFrame
        :data:`PLAN_INPUT_COLUMNS`, the numbers as floats.

    Raises
    ------
    InputError
        The file is missing (run ``literacy run`` first), not a CSV table, lacks a column,
        or a number is not a non-negative number (one line naming the line and column).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{fio.shown(path)}: file not found (run 'literacy run' first: it writes the plan's inputs)")
    try:
        inputs = pd.read_csv(path, dtype={"round": str, "domain": str}).rename(columns={"p": "estimate"})
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"{fio.shown(path)}: not a readable CSV table ({exc})") from None
    missing = [c for c in PLAN_INPUT_COLUMNS if c not in inputs.columns]
    if missing:
        raise InputError(f"{fio.shown(path)}: column '{missing[0]}' is missing (an output of another version?)")
    for col in _NUMBERS:
        values = pd.to_numeric(inputs[col], errors="coerce")
        bad = (values.isna() & inputs[col].notna()) | (values < 0)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"{fio.shown(path)}: line {row + 2}, column '{col}': {inputs[col].iloc[row]!r} is not a "
                             f"non-negative number")
        inputs[col] = values
    return inputs[PLAN_INPUT_COLUMNS]
