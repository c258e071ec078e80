"""What the command line prints: tables for a reader, CSV and JSON for a machine (issue 24).

``literacy estimate`` and ``literacy plan`` print a table by default, under a header that says
what the figures rest on (for an estimate, the design: strata, PSUs, observations, population
size and design degrees of freedom, as R's ``summary(design)`` and Stata's ``svy`` header do).
``--format csv`` keeps every digit (17 significant digits, a machine reads it back exactly);
``--format json`` gives one record per row (missing values as ``null``).

Numbers in the table: a proportion's estimate, SE and CI as percentages, a mean's or total's
with as many decimals as its standard error needs (three significant digits of the SE; shares at
least one decimal), counts
with thousands separators, never exponent notation; a blank value is an em dash, and the
footnote says so. Column widths count a Chinese character as two columns.
"""

from __future__ import annotations

import json
import math
import unicodedata

import numpy as np
import pandas as pd

__all__ = ["FORMATS", "BLANK", "infer_format", "display_width", "fixed", "text_table", "design_header",
           "estimate_text", "plan_text", "render", "csv_text", "json_text"]

#: The output formats of ``--format``.
FORMATS = ("table", "csv", "json")
#: A blank value in a printed table.
BLANK = "—"
_BLANK_NOTE = f"{BLANK} no value (not estimable here: e.g. a missing Y without --na-rm, or a domain of one PSU)."


def infer_format(chosen: str | None, output=None) -> str:
    """The format to write: the one asked for, else by the output file's suffix, else a table.

    Parameters
    ----------
    chosen : str or None
        ``--format`` as given (None: not given).
    output : path or None
        ``-o FILE``: ``.json`` gives json, ``.txt`` a table, anything else csv.

    Returns
    -------
    str
        One of :data:`FORMATS`.
    """
    if chosen:
        return chosen
    if output is None:
        return "table"
    suffix = str(output).lower().rsplit(".", 1)[-1] if "." in str(output) else ""
    return {"json": "json", "txt": "table"}.get(suffix, "csv")


def display_width(text: str) -> int:
    """Columns a string takes in a terminal (wide East Asian characters count two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def fixed(v, decimals: int, thousands: bool = True) -> str:
    """A number with a fixed number of decimals, never in exponent notation; blank is :data:`BLANK`.

    Parameters
    ----------
    v : object
        The number.
    decimals : int
        Decimals to show.
    thousands : bool
        Group thousands with commas.

    Returns
    -------
    str
    """
    try:
        x = float(v)
    except (TypeError, ValueError):
        return BLANK if v is None or v is pd.NA else str(v)
    if not math.isfinite(x):
        return BLANK if math.isnan(x) else ("∞" if x > 0 else "-∞")
    text = f"{x:,.{decimals}f}" if thousands else f"{x:.{decimals}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text.replace(",", "")) == 0 else text


def _decimals_for(se: float, least: int = 0, fallback: int = 2, most: int = 8) -> int:
    """Decimals that show three significant digits of a standard error (at least ``least``)."""
    if not (isinstance(se, float) and math.isfinite(se)) or se <= 0:
        return max(least, fallback)
    return int(min(most, max(least, 2 - math.floor(math.log10(se)))))


def text_table(df: pd.DataFrame, right: set[str] | None = None) -> str:
    """An aligned plain-text table of text cells (numbers already formatted): a header line, a rule, rows.

    Parameters
    ----------
    df : DataFrame
        Cells as text.
    right : set of str, optional
        Columns aligned right (the numbers).

    Returns
    -------
    str
        Lines joined by newlines, ending with one.
    """
    right = right or set()
    cols = [str(c) for c in df.columns]
    cells = [[str(v) for v in row] for row in df.itertuples(index=False, name=None)]
    widths = [max([display_width(c)] + [display_width(r[i]) for r in cells]) for i, c in enumerate(cols)]
    aligned = [c in right for c in cols]
    lines = ["  ".join(_pad(c, w, a) for c, w, a in zip(cols, widths, aligned)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(v, w, a) for v, w, a in zip(r, widths, aligned)).rstrip() for r in cells]
    return "\n".join(lines) + "\n"


def design_header(summary, level: float = 0.95, ci: str = "logit") -> list[str]:
    """The header lines of an estimate table: the design in the numbers a reader checks first.

    Parameters
    ----------
    summary : DesignSummary
        :func:`literacy.assessment.design_summary` of the design.
    level : float
        The confidence level.
    ci : str
        The interval of proportions (means, totals and ratios take the t interval).

    Returns
    -------
    list of str
    """
    s = summary
    if s.kind == "replicate":
        left = [("Replicate method", str(s.method)), ("Replicates", f"{s.replicates:,}")]
        what = f"Design: replicate weights ({s.method}, {s.replicates:,} replicates)"
    else:
        left = [("Number of strata", f"{s.strata:,}"), ("Number of PSUs", f"{s.psus:,}")]
        stages = f"{s.stages} stage{'s' if s.stages != 1 else ''}"
        what = f"Design: Taylor linearisation, {stages}{', with fpc' if s.fpc else ''}"
    right = [("Number of obs", f"{s.observations:,}"), ("Population size", fixed(s.population, 0)),
             ("Design df", f"{s.degf:,}")]
    while len(left) < len(right):
        left.append(("", ""))
    lw = max(display_width(k) for k, _ in left)
    lv = max(display_width(v) for _, v in left)
    rw = max(display_width(k) for k, _ in right)
    rv = max(display_width(v) for _, v in right)
    lines = [what]
    for (lk, lval), (rk, rval) in zip(left, right):
        first = f"{_pad(lk, lw, False)} = {_pad(lval, lv, True)}" if lk else " " * (lw + 3 + lv)
        lines.append(f"{first}    {_pad(rk, rw, False)} = {_pad(rval, rv, True)}")
    lines.append(f"{100 * level:g}% confidence intervals: {ci} for proportions, t for means, totals and ratios "
                 f"(design df); proportions in %.")
    return lines


def _estimate_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The estimate table's cells as text (see the module docstring for the rules)."""
    out = pd.DataFrame(index=table.index)
    lead = [c for c in table.columns if c not in ("estimate", "se", "ci_low", "ci_high", "df", "n", "deff", "cv")]
    for c in lead:
        out[c] = [BLANK if pd.isna(v) else str(v) for v in table[c]]
    share = (table["statistic"] == "proportion").to_numpy() if "statistic" in table else np.zeros(len(table), bool)
    scale = np.where(share, 100.0, 1.0)
    se = table["se"].to_numpy(dtype=float) * scale
    dec = [_decimals_for(float(x), least=1 if s else 0) for x, s in zip(se, share)]
    for col in ("estimate", "se", "ci_low", "ci_high"):
        if col in table:
            vals = table[col].to_numpy(dtype=float) * scale
            out[col] = [fixed(v, d) + ("%" if s and math.isfinite(v) else "") for v, d, s in zip(vals, dec, share)]
    for col, dec_n in (("df", 0), ("n", 0), ("deff", 2)):
        if col in table:
            out[col] = [fixed(v, dec_n) for v in table[col]]
    if "cv" in table:
        out["cv"] = [fixed(100 * float(v), 1) + "%" if pd.notna(v) and math.isfinite(float(v)) else BLANK
                     for v in table["cv"]]
    return out


def estimate_text(table: pd.DataFrame, summary, level: float = 0.95, ci: str = "logit") -> str:
    """``literacy estimate``'s table for a reader: the design header, a blank line, the aligned table.

    Parameters
    ----------
    table : DataFrame
        :func:`literacy.assessment.estimate_table`'s result.
    summary : DesignSummary
        The design's header facts.
    level : float
        The confidence level.
    ci : str
        The interval of proportions.

    Returns
    -------
    str
    """
    cells = _estimate_rows(table)
    numbers = {"estimate", "se", "ci_low", "ci_high", "df", "n", "deff", "cv"}
    text = "\n".join(design_header(summary, level, ci)) + "\n\n" + text_table(cells, right=numbers)
    if (cells == BLANK).to_numpy().any():
        text += "\n" + _BLANK_NOTE + "\n"
    return text


#: ``literacy plan``'s table for a reader: (column, header, decimals, True for a share in % or "pp" for
#: percentage points); csv and json keep every column.
_PLAN_SHOWN = (("n", "n (last round)", 0, False), ("p", "share", 1, True), ("deff", "deff", 2, False),
               ("rho", "rho", 3, False), ("planned_per_psu", "per PSU", 1, False),
               ("deff_planned", "deff planned", 2, False), ("response_rate", "response", 1, True),
               ("n_eff_required", "n_eff", 0, False), ("respondents", "respondents", 0, False),
               ("sampled_adults", "adults to sample", 0, False), ("psus", "PSUs", 0, False),
               ("detectable_change", "detectable change (pp)", 1, "pp"))


def plan_text(table: pd.DataFrame, header: list[str] | None = None) -> str:
    """``literacy plan``'s table for a reader: one row per domain, its label, shares in %, counts with separators.

    Parameters
    ----------
    table : DataFrame
        :func:`literacy.assessment.sample_plan`'s result.
    header : list of str, optional
        Lines printed above the table (the target the plan was computed for).

    Returns
    -------
    str
    """
    cells = pd.DataFrame(index=table.index)
    if {"label_zh", "label_en"} <= set(table.columns):
        cells["domain"] = [f"{z} {e}".strip() for z, e in zip(table["label_zh"].fillna(""), table["label_en"].fillna(""))]
    elif "domain" in table:
        cells["domain"] = table["domain"].astype(str)
    numbers = set()
    for col, title, dec, percent in _PLAN_SHOWN:
        if col not in table:
            continue
        vals = pd.to_numeric(table[col], errors="coerce")
        scale, unit = (100, "" if percent == "pp" else "%") if percent else (1, "")
        cells[title] = [fixed(scale * v, dec) + (unit if pd.notna(v) else "") for v in vals]
        numbers.add(title)
    text = ("\n".join(header) + "\n\n" if header else "") + text_table(cells, right=numbers)
    if (cells == BLANK).to_numpy().any():
        text += "\n" + f"{BLANK} no value (not computable for that domain).\n"
    return text


def csv_text(table: pd.DataFrame) -> str:
    """The table as CSV with every digit (17 significant digits: read back, the same floats)."""
    return table.to_csv(index=False, float_format="%.17g", lineterminator="\n")


def _plain(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if not math.isfinite(float(v)) else float(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    return v


def json_text(table: pd.DataFrame) -> str:
    """The table as JSON records (one object per row; a blank or non-finite value is ``null``).

    Parameters
    ----------
    table : DataFrame
        The table.

    Returns
    -------
    str
        A JSON array, ending with a newline.
    """
    records = [{str(k): _plain(v) for k, v in zip(table.columns, row)}
               for row in table.itertuples(index=False, name=None)]
    return json.dumps(records, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def render(table: pd.DataFrame, fmt: str, as_table) -> str:
    """The text of ``table`` in format ``fmt``; ``as_table()`` gives the reader's table.

    Parameters
    ----------
    table : DataFrame
        The table.
    fmt : str
        One of :data:`FORMATS`.
    as_table : callable
        Called without arguments for ``table``.

    Returns
    -------
    str
    """
    if fmt == "csv":
        return csv_text(table)
    if fmt == "json":
        return json_text(table)
    return as_table()
