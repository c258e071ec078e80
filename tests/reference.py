"""Access to the R survey reference answers kept in the repository (``tests/golden/``).

They were made by ``tests/golden/make_reference.R`` (R's survey 4.1-1 on R's public ``api``
data); see ``tests/golden/README.md``. A missing file is a failure, never a skip: a golden
value that silently goes away would leave a test that cannot fail.
"""

from pathlib import Path

import pandas as pd

GOLDEN = Path(__file__).resolve().parent / "golden"


def golden_path(name: str) -> Path:
    """The path of a golden file; fails the test (FileNotFoundError) when it is absent."""
    path = GOLDEN / name
    if not path.is_file():
        raise FileNotFoundError(f"golden file {path} is missing: regenerate it with the R scripts in {GOLDEN}")
    return path


def reference(name: str, **read_csv) -> pd.DataFrame:
    """Read one golden CSV of R's answers (see :func:`golden_path`)."""
    return pd.read_csv(golden_path(name), **read_csv)
