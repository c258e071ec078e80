"""The assessment flow's work folder and the options every uncached task shares.

Tasks hand each other file paths, never DataFrames: the intermediate tables are Parquet
files in ``<processed>/_work/`` (``<round>/`` per round, ``assessment/`` for the comparison).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from prefect.cache_policies import NO_CACHE

__all__ = ["WORK_DIR", "TASK_OPTIONS", "read_work", "work_dir", "round_dir"]

#: The intermediate tables' folder under the output (staging) folder.
WORK_DIR = "_work"
#: The options of every task but ``ingest`` and ``validate``: not cached, results not persisted.
TASK_OPTIONS = dict(cache_policy=NO_CACHE, persist_result=False, retries=0)


def read_work(path: str) -> pd.DataFrame:
    """One intermediate table (Parquet).

    Parameters
    ----------
    path : str
        Its path, as a task returned it.

    Returns
    -------
    DataFrame
    """
    return pd.read_parquet(path)


def work_dir(out_dir: str | Path) -> Path:
    """``<out_dir>/_work``: the intermediate tables of a run writing into ``out_dir``."""
    return Path(out_dir) / WORK_DIR


def round_dir(tables: dict) -> Path:
    """A round's work folder, ``_work/<round>/``, from its ingested tables' paths."""
    return Path(tables["responses"]).parent
