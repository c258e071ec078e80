"""What every reviewer notebook does first, in one place (imported by ``notebooks/*.py``).

:func:`notebook_style` makes matplotlib draw the Chinese labels (the CJK font of
:func:`literacy_flows.report.notebooks.use_cjk_font`) and sets the figure and table style shared by
the notebooks. :func:`read_outputs` opens an assessment's outputs folder the way every
notebook needs it: ``manifest.json``, the config recorded there (the one that made the
outputs, validated again), the round ids and every round's ``estimates.parquet``. Only that
folder is read, never the delivery. Both install the tables' HTML of
:mod:`literacy_flows.report.notebook_tables` (no index, no NaN, labels instead of codes). :func:`suppressed` marks the values a notebook must not
show.

This module is for the notebooks' kernels: it imports matplotlib and pandas at once, unlike
:mod:`literacy_flows.report.notebooks`, which the flow imports.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from literacy.assessment import validate_config
from literacy.catalog import points_text, share_text
from literacy_flows.report.notebook_tables import BLANK, install_table_format
from literacy_flows.report.notebooks import use_cjk_font

__all__ = ["FIGURE_STYLE", "Outputs", "notebook_style", "read_outputs", "suppressed", "show", "pct", "pp",
           "missing"]

#: matplotlib settings shared by the notebooks' figures (besides the font).
FIGURE_STYLE = {"figure.dpi": 100, "savefig.dpi": 100, "axes.spines.top": False, "axes.spines.right": False}
_MAX_ROWS = 200  # pandas shows tables up to this many rows in full


class Outputs(NamedTuple):
    """An assessment's outputs folder as the notebooks read it."""

    folder: Path           # the outputs folder (``processed_dir``)
    manifest: dict         # ``manifest.json``
    config: dict           # the config that made these outputs (from the manifest, validated)
    rounds: list[str]      # the round ids, in config order
    estimates: pd.DataFrame  # every round's ``<round>/estimates.parquet``, in round order


def notebook_style() -> str:
    """Register the CJK font and set the figure and table style; returns the font's name."""
    font = use_cjk_font()
    plt.rcParams.update(FIGURE_STYLE)
    pd.set_option("display.max_rows", _MAX_ROWS)
    install_table_format()      # the tables as the web report shows them (read_outputs adds the config's labels)
    return font


def read_outputs(processed_dir: str | os.PathLike) -> Outputs:
    """Read the manifest, its config, the round ids and the estimates of an outputs folder."""
    folder = Path(processed_dir)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    config = validate_config(manifest["config"]["content"])
    rounds = [str(r["id"]) for r in config["rounds"]]
    estimates = pd.concat([pd.read_parquet(folder / rid / "estimates.parquet") for rid in rounds],
                          ignore_index=True)
    install_table_format(config)
    return Outputs(folder, manifest, config, rounds, estimates)


def suppressed(df: pd.DataFrame, value: str = "estimate") -> np.ndarray:
    """Rows whose value must not be shown: flagged ``suppressed``, or blank."""
    mask = df[value].isna().to_numpy().copy()
    if "suppressed" in df.columns:
        mask |= df["suppressed"].fillna(False).astype(bool).to_numpy()
    return mask


def show(df: pd.DataFrame, formats: dict | None = None) -> None:
    """Display a table with some columns formatted as text (no Styler: its random ids change every run).

    ``formats`` maps a column to a format string (``"{:.2f}"``) or a function of the value; a blank
    value is an em dash (the table then carries the note saying what it means).
    """
    from IPython.display import display   # the kernel's: only a running notebook calls this

    out = df.reset_index(drop=True).copy()
    for col, fmt in (formats or {}).items():
        if col in out.columns:
            out[col] = [(BLANK if pd.isna(v) else (fmt(v) if callable(fmt) else fmt.format(v))) for v in out[col]]
    display(out)


def missing(rel: str, what: str) -> None:
    """Say that a table is not in the outputs folder and what is skipped for it."""
    from IPython.display import Markdown, display   # as in show()

    display(Markdown(f"_No `{rel}` in this folder: {what} skipped._"))


def pct(x, digits: int = 1) -> str:
    """12.3% (a share), blank for a missing value (:func:`literacy.catalog.share_text`).

    Parameters
    ----------
    x : float
        The share.
    digits : int
        Decimals.

    Returns
    -------
    str
    """
    return share_text(x, digits)


def pp(x, digits: int = 1) -> str:
    """+3.1 (a change in percentage points), blank for a missing value (:func:`literacy.catalog.points_text`).

    Parameters
    ----------
    x : float
        The change on the share scale.
    digits : int
        Decimals.

    Returns
    -------
    str
    """
    return points_text(x, digits)

