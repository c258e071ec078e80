"""Access to the R survey reference answers in ../shared/reference (beside the repository)."""

from pathlib import Path

import pandas as pd
import pytest

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


def reference(name: str) -> pd.DataFrame:
    """Read one reference CSV; skip the test when the shared folder is absent."""
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"R reference file {path} not found")
    return pd.read_csv(path)
