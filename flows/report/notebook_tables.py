"""How the reviewer notebooks' tables read in the web reports (issue 24).

Every DataFrame a notebook displays goes through :func:`table_html` (installed as the kernel's
HTML formatter by :func:`install_table_format`), so the web reports show tables as an evaluator
reads them, whatever the cell that made them:

* **no index column**: a meaningful index (a name, or several levels) becomes ordinary columns
  first, pandas' row numbers are never shown;
* **no NaN**: a blank cell is an em dash (—), and a note under the table says what it means;
* **labels instead of codes**: the code columns (``level``, ``breakdown``, ``domain``, the
  survey variables ``district``, ``sex``, ... , ``part``, ``reliability``, ``verdict``,
  ``versus_national``, ``stage``, true/false flags) show their zh/en labels from the config
  and the output catalog (:mod:`literacy.catalog`), and a header that is a catalogued column
  code shows the column's zh/en label;
* **numbers without exponents**: floats as positional numbers (four significant digits,
  thousands grouped from 1,000).

The result is plain ``DataFrame.to_html`` (no Styler: its random ids would change every run), so
the same outputs render to the same bytes.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from literacy.catalog import (COLUMNS, RELIABILITY_LABELS, VERDICT_LABELS, VERSUS_NATIONAL, count_text, p_value_text,
                              points_text, score_text, share_text)
from literacy.domains import label as variable_label
from literacy_flows.report.explorer import BREAKDOWN_NAMES

__all__ = ["BLANK", "BLANK_NOTE", "STAGE_LABELS", "YES_NO", "TableLabels", "number_text", "present", "table_html",
           "install_table_format"]

#: A blank cell in a web report's table.
BLANK = "—"
#: What a blank cell means (the note under a table that has one).
BLANK_NOTE = "— 无数值：该行不适用或未估计 · no value: not applicable to that row, or not estimated"
#: The weighting chain's stages (``stage`` column of the weight diagnostics).
STAGE_LABELS = {"base": ("基础权数", "base (1 / selection probability)"),
                "nonresponse": ("无回答调整后", "after nonresponse adjustment"),
                "raked": ("校准后", "raked"), "trimmed": ("截尾后", "trimmed"), "final": ("最终权数", "final")}
#: True / False as a table says it.
YES_NO = {True: "是 yes", False: "否 no"}

#: Column codes whose catalog label is one table's meaning (``p`` is the plan's share, ``median`` the
#: score's, ``min`` a weight's ...): a notebook's table of the same name means something else.
_AMBIGUOUS = {"p", "median", "min", "max", "respondents", "mean", "share", "rate", "category", "gap", "actual",
              "status", "text", "section", "key", "value", "line", "column", "file", "kind", "scale", "a", "b", "d",
              "sd", "items", "method"}
_HEADERS = {c.code: (c.label_zh, c.label_en) for c in COLUMNS if c.label_zh and c.label_en and c.code not in _AMBIGUOUS}
_FORMATS = {c.code: c.number_format for c in COLUMNS if c.number_format and c.code not in _AMBIGUOUS}
#: Headers of the code columns once their cells are labels.
_CODE_HEADERS = {"level": ("素质水平", "Literacy level"), "part": ("问卷部分", "Questionnaire part"),
                 "breakdown": ("分类", "Breakdown"), "domain": ("子总体", "Domain"), "group": ("重点人群", "Key group")}
#: The columns that are a share only when the table's estimates are shares (not a coefficient or a mean).
_WITH_ESTIMATE = {"estimate", "se", "ci_low", "ci_high"}
#: Whole-number columns shown without a thousands separator (years, ids).
_PLAIN_INTEGERS = {"round", "year", "baseline_round", "endline_round", "seed", "national_year"}
#: ' – ' or ' to ' between two numbers, and '–' right after a number (12.1%–15.0%).
_RANGE_SPACED = re.compile(r"(?<=[\d%]) (–|to) (?=[+\-−]?\d)")
_RANGE_TIGHT = re.compile(r"([\d%])–(?=[+\-−]?\d)")
_CODES = {"reliability": RELIABILITY_LABELS, "verdict": VERDICT_LABELS, "versus_national": VERSUS_NATIONAL,
          "stage": STAGE_LABELS, "favours": {"focal": ("焦点组", "focal group"), "reference": ("参照组", "reference group")}}


def _pair(zh: str, en: str) -> str:
    return zh if zh == en else f"{zh} {en}".strip()


def _is_code(v) -> bool:
    return isinstance(v, str) and v != ""


class TableLabels:
    """The zh/en labels of an assessment's codes, from its config.

    Parameters
    ----------
    config : dict or None
        The validated config (None: only the catalog's labels).
    """

    def __init__(self, config: dict | None = None):
        self.config = config or {}
        scoring = self.config.get("scoring", {})
        self.levels = {lv["code"]: _pair(lv.get("zh", lv["code"]), lv.get("en", lv["code"]))
                       for lv in scoring.get("levels", [])}
        self.parts = {code: _pair(v[1], v[2]) for code, v in scoring.get("parts", {}).items()}
        self.groups = {g["code"]: _pair(g.get("zh", g["code"]), g.get("en", g["code"]))
                       for g in self.config.get("groups", [])}
        self.variables = set(self.config.get("survey", {}).get("labels", {}))

    def value(self, variable: str, code) -> str:
        """The label of one code of a survey variable (``district``, ``sex``, ``group``, ...)."""
        variable = str(variable)
        if variable == "group" or variable.startswith("group_"):
            return self.groups.get(str(code), str(code))
        if variable == "city" and str(code) == "all":
            return _pair(*BREAKDOWN_NAMES["city"])
        if self.config and variable in self.variables:
            return _pair(*variable_label(self.config, variable, code))
        return str(code)

    def breakdown(self, code) -> str:
        """``district+sex`` -> ``区×性别 District × Sex``."""
        parts = [BREAKDOWN_NAMES.get(p, (p, p)) for p in str(code).split("+")]
        return _pair("×".join(p[0] for p in parts), " × ".join(p[1] for p in parts))

    def domain(self, breakdown, code) -> str:
        """A domain code read by its breakdown: ``haibowan+male`` of ``district+sex`` -> ``海勃湾区 Haibowan · 男 Men``."""
        variables, codes = str(breakdown).split("+"), str(code).split("+")
        if len(variables) != len(codes):
            return str(code)
        return " · ".join(self.value(v, c) for v, c in zip(variables, codes))

    def _per_row(self, frame: pd.DataFrame, by: str, values: pd.Series) -> pd.Series:
        return pd.Series([self.value(v, c) if _is_code(c) and _is_code(v) else c
                          for v, c in zip(frame[by], values)], index=values.index)

    def column(self, name: str, values: pd.Series, frame: pd.DataFrame) -> pd.Series | None:
        """The column's values as labels, or None when it holds no code this class knows."""
        codes = {v for v in values if _is_code(v)}
        if name == "level" and codes & set(self.levels):
            return values.map(lambda v: self.levels.get(v, v) if _is_code(v) else v)
        if name in ("level", "reference") and "variable" in frame.columns:   # a factor's level (a model's term)
            return self._per_row(frame, "variable", values)
        if name == "part" and codes & set(self.parts):
            return values.map(lambda v: self.parts.get(v, v) if _is_code(v) else v)
        if name == "breakdown":
            return values.map(lambda v: self.breakdown(v) if _is_code(v) else v)
        if name == "domain" and "breakdown" in frame.columns:
            return pd.Series([self.domain(b, d) if _is_code(d) else d for b, d in zip(frame["breakdown"], values)],
                             index=values.index)
        if name == "variable":      # a model's variable: the breakdown's name ('(Intercept)' stays)
            return values.map(lambda v: self.breakdown(v) if _is_code(v) and (v in BREAKDOWN_NAMES or v in self.variables)
                              else v)
        if name == "grouping":
            return values.map(lambda v: self.breakdown(v) if _is_code(v) and v != "round" else
                              ("轮次 Round" if v == "round" else v))
        if name == "comparison" and "grouping" in frame.columns:   # 'male vs female', 'haibowan vs rest'
            return pd.Series([" vs ".join("其他 rest" if c == "rest" else self.value(g, c) for c in str(v).split(" vs "))
                              if _is_code(v) and _is_code(g) and g != "round" else v
                              for g, v in zip(frame["grouping"], values)], index=values.index)
        if name in _CODES:
            return values.map(lambda v: _pair(*_CODES[name][v]) if _is_code(v) and v in _CODES[name] else v)
        if name in self.variables or name == "group":
            return values.map(lambda v: self.value(name, v) if _is_code(v) else v)
        return None


def number_text(v) -> str:
    """A float as a reader reads it: four significant digits, never an exponent, thousands grouped."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return BLANK
    x = float(v)
    if not np.isfinite(x):
        return "∞" if x > 0 else "-∞"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if x == int(x):
        return f"{x:.0f}"
    return np.format_float_positional(x, precision=4, unique=False, fractional=False, trim="-")


def _decimals(excel: str) -> int:
    """Decimals of an Excel number format ('0.00%' -> 2)."""
    first = excel.split(";")[0]
    return len(first.split(".")[1].rstrip("%")) if "." in first else 0


def _kind_text(fmt):
    """The text formatter of a catalogued column's number format (a share as %, a change in points, ...)."""
    d = _decimals(fmt.excel)
    return {"share": lambda v: share_text(v, d, BLANK),
            "change": lambda v: points_text(v, d, BLANK),
            "count": lambda v: count_text(v, BLANK) if d == 0 else score_text(v, d, BLANK),
            "score": lambda v: score_text(v, d, BLANK),
            "coefficient": lambda v: score_text(v, d, BLANK),
            "p_value": lambda v: p_value_text(v, BLANK)}.get(fmt.kind, number_text)


def _within_unit(values: pd.Series) -> bool:
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    x = x[np.isfinite(x)]
    return bool(len(x) == 0 or ((x >= 0) & (x <= 1)).all())


def _prepare(df: pd.DataFrame, labels: TableLabels) -> tuple[pd.DataFrame, dict]:
    """The table with codes as labels and labelled headers, and each float column's formatter."""
    out = df.copy()
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [" ".join(str(p) for p in col if str(p) != "").strip() for col in out.columns]
    if not (isinstance(out.index, pd.RangeIndex) and out.index.name is None):
        named = any(n is not None for n in out.index.names)
        out = out.reset_index() if named else out.reset_index(drop=True)
    out.columns = [str(c) for c in out.columns]
    out = out.loc[:, ~pd.Index(out.columns).duplicated()]
    if {"label_zh", "label_en"} <= set(out.columns):
        both = [BLANK if pd.isna(z) and pd.isna(e) else _pair(str(z), str(e))
                for z, e in zip(out["label_zh"], out["label_en"])]
        at = list(out.columns).index("label_zh")
        out = out.drop(columns=["label_zh", "label_en"] + (["domain"] if "domain" in out.columns else []))
        out.insert(min(at, len(out.columns)), "domain", both)
    elif "label_en" in out.columns:     # the English label alone: it stands for the domain code
        out = out.drop(columns=["domain"] if "domain" in out.columns else []).rename(columns={"label_en": "domain"})
    shares = "estimate" not in out.columns or _within_unit(out["estimate"])
    headers, formats = {}, {}
    codes = out.copy()     # each column is read by the other columns' codes, not their labels
    for col in list(out.columns):
        new = labels.column(col, codes[col], codes) if not (col == "domain" and "breakdown" not in out.columns) else None
        if new is not None:
            out[col] = new
            if col in _CODE_HEADERS:
                headers[col] = _pair(*_CODE_HEADERS[col])
        elif out[col].dtype == bool or (out[col].dtype == object and out[col].notna().any() and out[col].dropna().map(
                lambda v: isinstance(v, (bool, np.bool_))).all()):   # a flag with blanks (e.g. a total row) too
            out[col] = out[col].map(lambda v: YES_NO[bool(v)] if isinstance(v, (bool, np.bool_)) else v)
        if col == "domain":
            headers[col] = _pair(*_CODE_HEADERS["domain"])
        elif col == "level" and new is not None and "variable" in out.columns:
            headers[col] = "类别 Category"
        elif col in _WITH_ESTIMATE and not shares:
            headers[col] = {"estimate": "估计 Estimate"}.get(col, _pair(*_HEADERS[col]) if col in _HEADERS else col)
        elif col in ("min", "max") and "sum_weights" in out.columns:    # the weight diagnostics' range
            headers[col] = _pair(*{"min": ("最小权数", "Minimum weight"), "max": ("最大权数", "Maximum weight")}[col])
        elif col not in headers and col in _HEADERS:
            headers[col] = _pair(*_HEADERS[col])
        name = headers.get(col, col)
        if out[col].dtype.kind == "f":
            fmt = _FORMATS.get(col)
            usable = fmt is not None and not (col in _WITH_ESTIMATE and not shares) and not (
                fmt.kind == "share" and not _within_unit(out[col]))
            formats[name] = _kind_text(fmt) if usable else number_text
        elif out[col].dtype.kind in "iu" and col not in _PLAIN_INTEGERS:
            formats[name] = "{:,}".format
    out.columns = [headers.get(c, c) for c in out.columns]
    return out, formats


def _unbroken(text: str) -> str:
    """Join the parts of a number range with non-breaking characters (the cell may still wrap elsewhere)."""
    text = _RANGE_SPACED.sub("\u00a0\\1\u00a0", text)
    return _RANGE_TIGHT.sub("\\1\u2060–\u2060", text)


def present(df: pd.DataFrame, labels: TableLabels | None = None) -> pd.DataFrame:
    """The table as the web report shows it: index as columns, codes as labels, headers labelled.

    Parameters
    ----------
    df : DataFrame
        A table a notebook displays.
    labels : TableLabels, optional
        The config's labels (default: the catalog's only).

    Returns
    -------
    DataFrame
        A copy with a plain row index; cells keep their types (blanks are drawn by :func:`table_html`).
    """
    return _prepare(df, labels or TableLabels())[0]


def table_html(df: pd.DataFrame, labels: TableLabels | None = None) -> str:
    """The HTML of a displayed table (see the module docstring); a note under it when a cell is blank.

    Parameters
    ----------
    df : DataFrame
        The table.
    labels : TableLabels, optional
        The config's labels.

    Returns
    -------
    str
    """
    out, formats = _prepare(df, labels or TableLabels())
    for col in out.columns:     # a range of numbers never breaks across lines: '10.8% – 13.0%', '+1.0 to +4.0'
        if not pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = [_unbroken(v) if isinstance(v, str) else v for v in out[col]]
    html = out.to_html(index=False, na_rep=BLANK, formatters=formats, border=0, classes="dataframe", escape=True)
    blank = out.isna().to_numpy().any() or any((out[c].astype(str) == BLANK).any() for c in out.columns)
    if blank:
        html += f'\n<p class="table-note" style="font-size: 12px; color: #555;">{BLANK_NOTE}</p>'
    return html


def install_table_format(config: dict | None = None) -> bool:
    """Make every DataFrame the kernel displays render through :func:`table_html` with ``config``'s labels.

    Parameters
    ----------
    config : dict, optional
        The validated config whose labels the tables show.

    Returns
    -------
    bool
        False outside an IPython kernel (nothing installed).
    """
    try:
        from IPython import get_ipython
    except ImportError:   # pragma: no cover - the kernels have IPython
        return False
    shell = get_ipython()
    if shell is None:
        return False
    labels = TableLabels(config)
    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, lambda df: table_html(df, labels))
    return True
