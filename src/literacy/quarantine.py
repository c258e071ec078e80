"""Row-level screening of a delivery: which rows fail which rule (pure; no I/O).

A survey delivery is rarely clean: duplicated interviews, answer codes that are not in the
questionnaire, ages outside the survey range, unknown district codes, blank design fields,
PSUs that straddle strata, respondents missing from the sample file. One bad row must not
stop an official statistic, and must not be dropped silently either. The functions here
take a delivery file as text cells (:mod:`literacy_flows.readers`), type it, and list every
problem as ``(row, column, value, rule, reason)``; a row with any problem is *quarantined*:
left out of the kept table and listed, with its file line, in the round's quarantine file.
The flow writes the files; this module decides.

Rules (``rule`` codes, in the order they are checked):

``malformed_row``
    a CSV record with more or fewer fields than the header.
``identifier_value``
    a cell of a kept text column holds a phone number, resident ID number or e-mail
    address (the value is masked in every listing).
``missing_value`` / ``missing_design``
    a required cell is blank (``missing_design`` for stratum, PSU and selection probability).
``duplicate_id``
    the respondent id was already used on an earlier row: the **first** row with an id is
    kept, every later one is quarantined (a duplicated interview cannot be told apart from
    its original, and the first delivered is the interview of record).
``unreadable_number`` / ``not_integer``
    a number column holds text, or a fraction where a whole number is needed.
``unknown_code``
    a categorical variable holds a code not in ``survey.labels``.
``age_out_of_range``
    age outside ``survey.age_min``–``survey.age_max``.
``selection_prob_out_of_range``
    selection probability outside (0, 1].
``invalid_value``
    ``responded`` is not 0 or 1.
``invalid_answer``
    an answer code is not one of the item's ``valid_codes`` nor its ``dont_know_code``.
``psu_in_two_strata``
    a PSU appears in more than one stratum: the rows in the PSU's most frequent stratum
    (the first delivered, on a tie) are kept, the others quarantined.
``inconsistent``
    a configured consistency rule fails (``ingest.consistency``: e.g. the stratum must be
    ``<district>-<residence>``).
``not_in_sample`` / ``sample_nonrespondent`` / ``differs_from_sample``
    a respondent who is not among the sample's kept rows, whom the sample lists as a
    nonrespondent, or whose design fields (``ingest.match_sample``) differ from the sample.
``no_responses``
    a sampled adult with ``responded = 1`` but no row in the responses: the sample row is
    kept and counted as a **nonrespondent** (``action`` = ``nonrespondent``).

Quarantined respondents are left out of scoring and estimation; their sample row stays, as
a nonrespondent (``responded`` set to 0), so that the nonresponse adjustment spreads their
weight over the respondents of their weighting class (Lohr 2019, 8.5: an unusable
interview is a unit nonresponse). A quarantined *sample* row leaves the sample.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from literacy.errors import DataError
from literacy.privacy import display_value, mask_series_kinds
from literacy.quality.dispositions import RESPONDED, disposition_name

__all__ = ["RULES", "QUARANTINE_COLUMNS", "ColumnTypeError", "Screened", "parse_numbers", "screen_responses",
           "screen_sample", "match_to_sample", "quarantine_table", "recode", "declared_columns",
           "RESPONSES_TEXT", "SAMPLE_TEXT", "PARADATA", "placeholders", "with_problems"]

#: Rule code -> what it means (docs/reference/delivery-formats.md, "Quarantine"; the reason column adds the detail).
RULES = {
    "malformed_row": "the record has more or fewer fields than the header",
    "identifier_value": "a personal identifier (phone, ID number, e-mail) in a kept column",
    "missing_value": "a required value is blank",
    "missing_design": "a design field (stratum, PSU, selection probability) is blank",
    "duplicate_id": "the respondent id was used on an earlier row (the first row is kept)",
    "unreadable_number": "not a number",
    "not_integer": "not a whole number",
    "unknown_code": "not a code of survey.labels",
    "age_out_of_range": "age outside the survey's age range",
    "selection_prob_out_of_range": "selection probability outside (0, 1]",
    "invalid_value": "responded is not 0 or 1",
    "invalid_answer": "not a valid answer code (nor the don't-know code) of the item",
    "psu_in_two_strata": "the PSU appears in another stratum",
    "inconsistent": "a consistency rule of ingest.consistency fails",
    "not_in_sample": "the respondent is not among the sample's kept rows",
    "sample_nonrespondent": "the sample lists the respondent with responded = 0",
    "differs_from_sample": "a design field differs from the respondent's sample row",
    "no_responses": "responded = 1 in the sample but no responses row: kept as a nonrespondent",
    "unknown_disposition": "not a final disposition (AAPOR's names, their Chinese or codes)",
    "disposition_conflict": "the disposition and responded disagree (an interview is responded = 1)",
    "invalid_duration": "the interview duration is not a non-negative number: blanked, the interview kept",
    "quality_excluded": "flagged by a fieldwork-quality check, or by an interviewer excluded after review, "
                        "that quality.exclude leaves out",
}
_ORDER = {rule: i for i, rule in enumerate(RULES)}
#: Columns of a round's quarantine file.
QUARANTINE_COLUMNS = ["file", "line", "respondent_id", "column", "value", "rule", "reason", "action"]
#: Optional columns of the data contract (fieldwork quality): the sample's disposition and the
#: responses' paradata.
PARADATA = ("disposition", "interviewer_id", "duration_seconds", "mode")
#: Text columns of the responses and sample contracts (besides the respondent id).
RESPONSES_TEXT = ("district", "residence", "stratum", "psu", "sex", "education", "occupation")
SAMPLE_TEXT = ("district", "residence", "stratum", "psu", "sex")
_CATEGORICAL = ("district", "residence", "sex", "education", "occupation")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: More than this share of a number column unreadable: the column has the wrong type.
WRONG_TYPE_SHARE = 0.5


class ColumnTypeError(DataError):
    """A column that is not of its type as a whole (a file-level problem, not a row's)."""


@dataclass
class Screened:
    """A delivery table typed and screened.

    Attributes
    ----------
    typed : DataFrame
        Every row (RangeIndex), typed: text columns as strings, numbers as float64 / Int64
        (an unreadable cell is <NA>).
    problems : DataFrame
        One row per problem: ``row`` (0-based position), ``column`` (or <NA> for the whole
        row), ``value`` (the raw text, unmasked: mask it before showing), ``rule``,
        ``reason``, ``action`` (``quarantined`` or ``nonrespondent``).
    lines : ndarray
        File line (or row / case number) of each row.
    """

    typed: pd.DataFrame
    problems: pd.DataFrame
    lines: np.ndarray

    def quarantined(self) -> np.ndarray:
        """Sorted positions of the quarantined rows (problems with action ``quarantined``)."""
        p = self.problems
        return np.unique(p.loc[p["action"] == "quarantined", "row"].to_numpy(dtype=np.int64))

    def kept_mask(self) -> np.ndarray:
        keep = np.ones(len(self.typed), dtype=bool)
        keep[self.quarantined()] = False
        return keep

    def kept(self) -> pd.DataFrame:
        """The kept rows, typed, with a fresh RangeIndex."""
        return self.typed.loc[self.kept_mask()].reset_index(drop=True)

    def kept_lines(self) -> np.ndarray:
        return self.lines[self.kept_mask()]


class _Problems:
    """Accumulates problems column by column (vectorised: one mask per check)."""

    def __init__(self) -> None:
        self.frames: list[pd.DataFrame] = []

    def add(self, mask: np.ndarray, column, values, rule: str, reason, action: str = "quarantined") -> None:
        """Record ``rule`` for the rows where ``mask`` holds.

        ``reason`` is a string, or a function of the flagged row positions returning one
        string per position (so that per-row reasons are built for the flagged rows only).
        """
        rows = np.flatnonzero(mask)
        if not len(rows):
            return
        if isinstance(values, pd.Series):
            vals = values.iloc[rows].astype("string").to_numpy(dtype=object, na_value=None)
        else:
            vals = np.array([None] * len(rows), dtype=object)
        if callable(reason):
            reasons = np.asarray(list(reason(rows)), dtype=object)
        elif isinstance(reason, pd.Series):
            reasons = reason.iloc[rows].to_numpy(dtype=object)
        else:
            reasons = np.array([reason] * len(rows), dtype=object)
        self.frames.append(pd.DataFrame({"row": rows.astype(np.int64), "column": column, "value": vals,
                                         "rule": rule, "reason": reasons, "action": action}))

    def frame(self) -> pd.DataFrame:
        if not self.frames:
            return pd.DataFrame({"row": pd.Series([], dtype=np.int64), "column": pd.Series([], dtype=object),
                                 "value": pd.Series([], dtype=object), "rule": pd.Series([], dtype=object),
                                 "reason": pd.Series([], dtype=object), "action": pd.Series([], dtype=object)})
        out = pd.concat(self.frames, ignore_index=True)
        out["_order"] = out["rule"].map(_ORDER).fillna(len(_ORDER))
        out = out.sort_values(["row", "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)
        return out


# --------------------------------------------------------------------------- helpers
def parse_numbers(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse a text column as numbers.

    Returns
    -------
    values : ndarray of float
        NaN where blank or unreadable.
    given : ndarray of bool
        The cell is not blank.
    unreadable : ndarray of bool
        The cell is not blank and not a finite number.
    """
    # parse each distinct text once (answer codes repeat), then map back to the cells
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    parsed = pd.to_numeric(pd.Series(np.asarray(uniques, dtype=object), dtype=object), errors="coerce")
    parsed = np.append(parsed.to_numpy(dtype=float, na_value=np.nan), np.nan)
    values = parsed[codes]
    given = codes >= 0
    unreadable = given & ~np.isfinite(values)
    values = np.where(unreadable, np.nan, values)
    return values, given, unreadable


def _where(lines: np.ndarray, unit: str, pos: int) -> str:
    return f"{unit} {int(lines[pos])}"


def _check_type(col: str, text: pd.Series, unreadable: np.ndarray, given: np.ndarray, lines: np.ndarray,
                unit: str, what: str = "numbers") -> None:
    """A column mostly unreadable as numbers has the wrong type: a file-level problem."""
    n_given, n_bad = int(given.sum()), int(unreadable.sum())
    if n_bad and n_bad > WRONG_TYPE_SHARE * n_given:
        first = int(np.flatnonzero(unreadable)[0])
        raise ColumnTypeError(f"column '{col}' has the wrong type: {n_bad} of {n_given} values are not {what} "
                              f"(first at {_where(lines, unit, first)}: {display_value(text.iloc[first])!r})")


def _codes(config: dict, variable: str) -> list[str]:
    return [str(k) for k in config["survey"]["labels"].get(variable, {})]


def _parse_codes(value) -> list[int]:
    try:
        return [int(v) for v in str(value).replace(",", ";").split(";") if v.strip()]
    except ValueError:
        return []


def placeholders(pattern: str) -> list[str]:
    """The column names referenced as ``{column}`` in a consistency pattern."""
    return _PLACEHOLDER.findall(str(pattern))


def recode(df: pd.DataFrame, value_map: Mapping[str, Mapping[str, object]] | None) -> tuple[pd.DataFrame, dict]:
    """Apply ``ingest.value_map`` to text cells: ``{column: {delivered: code}}``.

    Values are compared as trimmed text (``1`` and ``"1"`` are the same key); a code of
    None (YAML ``null``) makes the cell blank. Columns absent from ``df`` are skipped.

    Returns
    -------
    (DataFrame, dict)
        The recoded copy and the number of cells recoded per column (columns with none
        left out).
    """
    out = df.copy()
    counts = {}
    for col, mapping in (value_map or {}).items():
        if col not in out.columns or not mapping:
            continue
        table = {str(k).strip(): (None if v is None else str(v)) for k, v in mapping.items()}
        s = out[col]
        hit = s.isin(list(table)).to_numpy(dtype=bool) & s.notna().to_numpy(dtype=bool)
        if hit.any():
            mapped = s.map(lambda v: table.get(v, v) if v is not pd.NA else pd.NA)
            new = s.astype(object).copy()
            new[hit] = mapped[hit]
            out[col] = pd.Series(new, index=s.index).astype("string")
            counts[col] = int(hit.sum())
    return out, counts


def label_value_map(config: dict) -> dict[str, dict[str, str]]:
    """``{column: {label: code}}`` from ``survey.labels``: a delivery that wrote the labels (海勃湾区,
    男, "Urban") instead of the codes is read as the codes. Both languages are read, the English
    ones in any case; a label that is itself another code of the column is left out (ambiguous)."""
    out: dict[str, dict[str, str]] = {}
    for col, pairs in config["survey"]["labels"].items():
        if col == "age_band":
            continue
        codes = {str(c) for c in pairs}
        table: dict[str, str] = {}
        for code, (zh, en) in pairs.items():
            for text in {str(zh).strip(), str(en).strip(), str(en).strip().lower(), str(en).strip().upper()}:
                if text and text not in codes and text != str(code):
                    table[text] = str(code)
        out[str(col)] = table
    return out


def declared_columns(config: dict, items: Iterable[str] = ()) -> set[str]:
    """Columns the pipeline reads besides the contract's: never dropped as free text.

    Group-rule columns, breakdown columns, weighting classes and covariates, the design's
    fpc, ``ingest.keep_columns``, ``ingest.value_map`` columns, consistency-rule columns
    and ``ingest.match_sample``, plus the instrument's items.
    """
    out: set[str] = set(str(i) for i in items)
    for g in config["groups"]:
        for cond in g["rule"]:
            if isinstance(cond, dict) and "column" in cond:
                out.add(str(cond["column"]))
    for b in config["breakdowns"]:
        out.update(str(c) for c in ([b] if isinstance(b, str) else b))

    def walk(node):
        if isinstance(node, str):
            out.add(node)
        elif isinstance(node, (list, tuple)):
            for v in node:
                walk(v)

    w = config["weighting"]
    nr = w["nonresponse"]
    walk(nr.get("classes"))
    prop = nr["propensity"]
    walk(prop.get("covariates"))
    walk(prop.get("numeric"))
    walk(w["raking"]["margins"])
    trim = w["trimming"] or {}
    if isinstance(trim, dict) and isinstance(trim.get("by"), str):
        out.add(trim["by"])
    design = config["design"]
    for k in ("respondent_id", "strata", "psu", "selection_prob", "fpc"):
        if isinstance(design.get(k), str):
            out.add(design[k])
    ing = config["ingest"]
    out.update(str(c) for c in ing["keep_columns"])
    out.update(str(c) for c in ing["value_map"])
    for rule in ing["consistency"]:
        out.add(str(rule["column"]))
        out.update(placeholders(rule["pattern"]))
    out.update(str(c) for c in ing["match_sample"])
    out.update(PARADATA)
    out.discard("group")
    return out


# --------------------------------------------------------------------------- screening
def _screen(text: pd.DataFrame, lines: np.ndarray, unit: str, config: dict, *, text_cols: Iterable[str],
            items: Mapping[str, list[int]] | None, ragged: Mapping[int, int] | None,
            binary: Iterable[str] = (), width: int | None = None) -> Screened:
    design = config["design"]
    id_col = design["respondent_id"]
    prob_col = design["selection_prob"]
    design_text = {design["strata"], design["psu"]}
    survey = config["survey"]
    age_min, age_max = int(survey["age_min"]), int(survey["age_max"])
    lines = np.asarray(lines, dtype=np.int64)
    n = len(text)
    typed = text.copy()
    P = _Problems()

    # 1. malformed records (CSV): the fields cannot be trusted
    if ragged:
        mask = np.zeros(n, dtype=bool)
        mask[np.fromiter((int(p) for p in ragged), dtype=np.int64, count=len(ragged))] = True
        header = width or len(text.columns)
        P.add(mask, pd.NA, None, "malformed_row",
              lambda rows: [f"{ragged[int(r)]} fields, the header has {header}" for r in rows])

    # 2. personal identifiers typed into kept text columns
    checked = [id_col, *text_cols, *[c for c in text.columns if c not in (items or {}) and c not in
                                     (prob_col, "age", *binary) and c not in text_cols and c != id_col]]
    for col in dict.fromkeys(checked):
        if col not in text.columns:
            continue
        kinds = mask_series_kinds(text[col])
        mask = kinds.notna().to_numpy(dtype=bool)
        if mask.any():
            reason = "looks like a personal identifier (" + kinds.fillna("").str.replace("_", " ") + ")"
            P.add(mask, col, text[col], "identifier_value", reason)

    # 3. the respondent id: present, unique (the first row of an id is kept)
    ids = text[id_col]
    P.add(ids.isna().to_numpy(dtype=bool), id_col, ids, "missing_value", "blank respondent id")
    dup = ids.duplicated(keep="first").to_numpy(dtype=bool) & ids.notna().to_numpy(dtype=bool)
    if dup.any():
        first_pos = pd.Series(np.arange(n), index=ids.index).groupby(ids, sort=False).transform("min")
        first_line = lines[first_pos.fillna(0).to_numpy(dtype=np.int64)]
        P.add(dup, id_col, ids, "duplicate_id",
              lambda rows: [f"duplicate respondent id: first on {unit} {first_line[r]} (kept)" for r in rows])

    # 4. categorical variables and design text fields
    for col in text_cols:
        s = text[col]
        blank = s.isna().to_numpy(dtype=bool)
        if col in design_text:
            P.add(blank, col, s, "missing_design", f"blank {col} (a design field)")
            continue
        P.add(blank, col, s, "missing_value", f"blank {col}")
        codes = _codes(config, col) if col in _CATEGORICAL else []
        if codes:
            bad = ~blank & ~s.isin(codes).to_numpy(dtype=bool)
            shown_codes = "|".join(codes) if len("|".join(codes)) <= 80 else "|".join(codes)[:77] + "..."
            P.add(bad, col, s, "unknown_code", f"not a code of survey.labels.{col} ({shown_codes})")

    # 5. selection probability: a design field in (0, 1]
    s = text[prob_col]
    values, given, unreadable = parse_numbers(s)
    _check_type(prob_col, s, unreadable, given, lines, unit)
    P.add(~given, prob_col, s, "missing_design", f"blank {prob_col} (a design field)")
    P.add(unreadable, prob_col, s, "unreadable_number", "not a number")
    P.add(given & ~unreadable & ~((values > 0) & (values <= 1)), prob_col, s, "selection_prob_out_of_range",
          "selection probability outside (0, 1]")
    typed[prob_col] = pd.Series(values, index=text.index, dtype="float64")

    # 6. whole-number columns: age (range), responded (0/1)
    for col in ("age", *binary):
        s = text[col]
        values, given, unreadable = parse_numbers(s)
        _check_type(col, s, unreadable, given, lines, unit)
        frac = given & ~unreadable & (np.floor(values) != values)
        P.add(~given, col, s, "missing_value", f"blank {col}")
        P.add(unreadable, col, s, "unreadable_number", "not a number")
        P.add(frac, col, s, "not_integer", "not a whole number")
        ok = given & ~unreadable & ~frac
        if col == "age":
            P.add(ok & ((values < age_min) | (values > age_max)), col, s, "age_out_of_range",
                  f"age outside {age_min}-{age_max} (survey.age_min, survey.age_max)")
        else:
            P.add(ok & ~np.isin(values, (0, 1)), col, s, "invalid_value", f"{col} must be 0 or 1")
        typed[col] = _int_column(values, ok, text.index)

    # 7. answer codes: the item's valid codes or its don't-know code; blank = skipped
    for item, allowed in (items or {}).items():
        s = text[item]
        values, given, unreadable = parse_numbers(s)
        _check_type(item, s, unreadable, given, lines, unit, "answer codes (numbers)")
        frac = given & ~unreadable & (np.floor(values) != values)
        P.add(unreadable, item, s, "unreadable_number", "not a number")
        P.add(frac, item, s, "not_integer", "not a whole number")
        ok = given & ~unreadable & ~frac
        P.add(ok & ~np.isin(values, allowed), item, s, "invalid_answer",
              f"not an answer code of {item} ({';'.join(map(str, allowed))})")
        typed[item] = _int_column(values, ok, text.index)

    # 8. PSUs nest in strata: the PSU's most frequent stratum (first delivered on a tie) is kept
    # (design.nest: PSU ids repeat across strata, a PSU is its stratum and id: nothing to check)
    strata_col, psu_col = design["strata"], design["psu"]
    if strata_col in text.columns and psu_col in text.columns and not design["nest"]:
        both = text[strata_col].notna().to_numpy(dtype=bool) & text[psu_col].notna().to_numpy(dtype=bool)
        if both.any():
            sub = pd.DataFrame({"psu": text.loc[both, psu_col], "stratum": text.loc[both, strata_col],
                                "pos": np.flatnonzero(both)})
            counts = sub.groupby(["psu", "stratum"], sort=False).agg(n=("pos", "size"), first=("pos", "min"))
            counts = counts.reset_index().sort_values(["psu", "n", "first"], ascending=[True, False, True],
                                                      kind="stable")
            home = counts.drop_duplicates("psu", keep="first").set_index("psu")
            many = counts.groupby("psu", sort=False)["stratum"].transform("size") > 1
            if many.any():
                main = sub["psu"].map(home["stratum"]).to_numpy(dtype=object)
                main_n = sub["psu"].map(home["n"]).to_numpy(dtype=np.int64)
                off = (sub["stratum"].to_numpy(dtype=object) != main)
                mask = np.zeros(n, dtype=bool)
                mask[sub["pos"].to_numpy()[off]] = True
                at = dict(zip(sub["pos"].to_numpy()[off], zip(sub["psu"].to_numpy(dtype=object)[off], main[off],
                                                              main_n[off])))
                P.add(mask, strata_col, text[strata_col], "psu_in_two_strata",
                      lambda rows: [f"PSU {display_value(at[r][0])!r} is in stratum {display_value(at[r][1])!r} on "
                                    f"{at[r][2]} other {unit}s; a PSU lies in one stratum (if PSU ids repeat across "
                                    f"strata, set design.nest: true)" for r in rows])

    # 9. consistency rules (ingest.consistency)
    for i, rule in enumerate(config["ingest"]["consistency"]):
        col, pattern = str(rule["column"]), str(rule["pattern"])
        refs = placeholders(pattern)
        if col not in text.columns or any(r not in text.columns for r in refs):
            continue
        present = text[col].notna().to_numpy(dtype=bool).copy()
        for r in refs:
            present &= text[r].notna().to_numpy(dtype=bool)
        if not present.any():
            continue
        fails = np.zeros(n, dtype=bool)
        if refs:
            sub = text.loc[present, [col, *refs]].reset_index(drop=True)
            pos = np.flatnonzero(present)
            groups = sub.groupby(refs, sort=False).indices
            for combo, idx in groups.items():  # one regular expression per combination of codes
                combo = combo if isinstance(combo, tuple) else (combo,)
                values = dict(zip(refs, combo))
                rx = _PLACEHOLDER.sub(lambda m, v=values: re.escape(str(v[m.group(1)])), pattern)
                ok = sub[col].iloc[idx].str.fullmatch(rx).to_numpy(dtype=bool)
                fails[pos[idx[~ok]]] = True
        else:
            ok = text.loc[present, col].str.fullmatch(pattern).to_numpy(dtype=bool)
            fails[np.flatnonzero(present)[~ok]] = True
        what = rule.get("description") or f"{col} matches {pattern!r}"
        P.add(fails, col, text[col], "inconsistent", f"inconsistent: {what} (ingest.consistency[{i}])")

    return Screened(typed=typed, problems=P.frame(), lines=lines)


def _int_column(values: np.ndarray, ok: np.ndarray, index) -> pd.Series:
    out = pd.array(np.where(ok, np.nan_to_num(values), 0).astype(np.int64), dtype="Int64")
    out[~ok] = pd.NA
    return pd.Series(out, index=index)


def _require(text: pd.DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in text.columns]
    if missing:
        raise ColumnTypeError(f"missing column(s) {', '.join(map(repr, missing))}")


def screen_responses(text: pd.DataFrame, lines: np.ndarray, config: dict, instrument: pd.DataFrame,
                     unit: str = "line", ragged: Mapping[int, int] | None = None,
                     width: int | None = None) -> Screened:
    """Type and screen one round's responses (text cells, as read).

    Parameters
    ----------
    text : DataFrame
        Every cell a string or <NA> (``literacy_flows.readers.read_table``), our column names.
    lines : array of int
        File line (row / case number) of each row, for the reasons.
    config : dict
        The validated config (``survey``, ``design``, ``ingest``).
    instrument : DataFrame
        The typed instrument: ``item_id``, ``valid_codes``, ``dont_know_code``.
    unit : str
        What ``lines`` counts ("line", "row" or "case").
    ragged : mapping, optional
        Row position -> field count of malformed CSV records.
    width : int, optional
        The header's number of fields (for the malformed-record reason).

    Raises
    ------
    ColumnTypeError
        A required column is missing, or a number column is mostly not numbers.
    """
    design = config["design"]
    id_col = design["respondent_id"]
    prob_col = design["selection_prob"]
    items = {}
    for item, valid, dk in zip(instrument["item_id"].astype(str), instrument["valid_codes"],
                               instrument["dont_know_code"]):
        items[item] = sorted(set(_parse_codes(valid)) | ({int(dk)} if dk is not pd.NA and not pd.isna(dk) else set()))
    text_cols = [c if c not in ("stratum", "psu") else design["strata" if c == "stratum" else "psu"]
                 for c in RESPONSES_TEXT]
    _require(text, [id_col, *text_cols, prob_col, "age", *items])
    screened = _screen(text, lines, unit, config, text_cols=text_cols, items=items, ragged=ragged, width=width)
    if "duration_seconds" not in text.columns:
        return screened
    return _with_duration(screened, text["duration_seconds"], lines, unit)


def with_problems(screened: Screened, mask: np.ndarray, column, rule: str, reason,
                  action: str = "quarantined") -> Screened:
    """A screened table with one more problem recorded for the rows where ``mask`` holds.

    Parameters
    ----------
    screened : Screened
    mask : ndarray of bool
        Over every row of ``screened.typed``.
    column : str or None
        The column named in the listing (None: the whole row).
    rule : str
        A key of :data:`RULES`.
    reason : str or callable
        As ``_Problems.add``: one string, or a function of the flagged positions.
    action : str
        ``quarantined`` (the row is left out), ``nonrespondent`` or ``blanked``.

    Returns
    -------
    Screened
    """
    P = _Problems()
    P.add(np.asarray(mask, dtype=bool), pd.NA if column is None else column, None, rule, reason, action=action)
    added = P.frame()
    if not len(added):
        return screened
    return Screened(typed=screened.typed, problems=_sorted(pd.concat([screened.problems, added], ignore_index=True)),
                    lines=screened.lines)


def _with_duration(screened: Screened, text: pd.Series, lines: np.ndarray, unit: str) -> Screened:
    """The paradata's ``duration_seconds`` as float seconds: a non-number or negative value blanked
    (rule ``invalid_duration``, action ``blanked``), the interview kept."""
    values, given, unreadable = parse_numbers(text)
    _check_type("duration_seconds", text, unreadable, given, lines, unit)
    bad = unreadable | (given & (values < 0))
    P = _Problems()
    P.add(bad, "duration_seconds", text, "invalid_duration",
          "duration_seconds must be a non-negative number of seconds: blanked", action="blanked")
    typed = screened.typed.copy()
    typed["duration_seconds"] = pd.Series(np.where(bad, np.nan, values), index=typed.index, dtype="float64")
    problems = pd.concat([screened.problems, P.frame()], ignore_index=True) if bad.any() else screened.problems
    return Screened(typed=typed, problems=_sorted(problems), lines=screened.lines)


def screen_sample(text: pd.DataFrame, lines: np.ndarray, config: dict, unit: str = "line",
                  ragged: Mapping[int, int] | None = None, width: int | None = None) -> Screened:
    """Type and screen one round's sample (every sampled adult); see :func:`screen_responses`."""
    design = config["design"]
    id_col = design["respondent_id"]
    prob_col = design["selection_prob"]
    text_cols = [c if c not in ("stratum", "psu") else design["strata" if c == "stratum" else "psu"]
                 for c in SAMPLE_TEXT]
    if "disposition" not in text.columns:
        _require(text, [id_col, *text_cols, prob_col, "age", "responded"])
        return _screen(text, lines, unit, config, text_cols=text_cols, items=None, ragged=ragged,
                       binary=("responded",), width=width)
    # a disposition column: responded follows from it (complete and partial interviews), or is checked
    # against it when both are delivered
    codes, uniques = pd.factorize(text["disposition"], use_na_sentinel=True)
    names = np.append(np.array([disposition_name(v) for v in uniques], dtype=object), None)[codes]
    interview = np.isin(names, RESPONDED)
    delivered = "responded" in text.columns
    work = text.copy()
    if not delivered:
        work["responded"] = pd.array(np.where(interview, "1", "0"), dtype="string")
    _require(work, [id_col, *text_cols, prob_col, "age", "responded"])
    screened = _screen(work, lines, unit, config, text_cols=text_cols, items=None, ragged=ragged,
                       binary=("responded",), width=width)
    P = _Problems()
    unknown = pd.isna(names)
    P.add(unknown & text["disposition"].isna().to_numpy(dtype=bool), "disposition", text["disposition"],
          "missing_value", "blank disposition")
    P.add(unknown & text["disposition"].notna().to_numpy(dtype=bool), "disposition", text["disposition"],
          "unknown_disposition", "not a disposition (complete, partial, refusal, break_off, non_contact, other, "
          "unknown_eligibility, not_eligible, their Chinese names or AAPOR's codes 1.1 ... 4.x)")
    if delivered:
        said = screened.typed["responded"].to_numpy(dtype=float, na_value=np.nan)
        P.add(~unknown & np.isin(said, (0, 1)) & ((said == 1) != interview), "disposition", text["disposition"],
              "disposition_conflict", lambda rows: [f"disposition {names[r]} but responded = {int(said[r])}"
                                                    for r in rows])
    typed = screened.typed.copy()
    typed["disposition"] = pd.array(names, dtype="string")
    problems = pd.concat([screened.problems, P.frame()], ignore_index=True)
    return Screened(typed=typed, problems=_sorted(problems), lines=screened.lines)


# --------------------------------------------------------------------------- responses vs sample
def match_to_sample(responses: Screened, sample: Screened, config: dict, sample_file: str = "sample.csv",
                    responses_file: str = "responses.csv", unit: str = "line") -> tuple[Screened, Screened]:
    """Check respondents against the sample and mark the sample's nonrespondents.

    Adds to the responses' problems: ``not_in_sample`` (the id is not among the sample's
    kept rows), ``sample_nonrespondent`` (the sample has ``responded = 0``) and
    ``differs_from_sample`` (a column of ``ingest.match_sample`` differs). Then every kept
    sample row with ``responded = 1`` whose respondent is not among the kept responses is
    set to ``responded = 0``: a quarantined respondent is a nonrespondent. Sample rows whose
    id has no responses row at all are listed as ``no_responses`` (action
    ``nonrespondent``: the row is kept).

    Returns
    -------
    (Screened, Screened)
        The responses and the sample with the added problems; the sample's typed
        ``responded`` column holds the adjusted status.
    """
    design = config["design"]
    id_col = design["respondent_id"]
    prob_col = design["selection_prob"]
    compare = list(config["ingest"]["match_sample"] or
                   [design["strata"], design["psu"], prob_col])
    s_typed, r_typed = sample.typed, responses.typed
    s_keep, r_keep = sample.kept_mask(), responses.kept_mask()
    s_ids = s_typed[id_col].astype("string")
    r_ids = r_typed[id_col].astype("string")
    kept_index = pd.Index(s_ids[s_keep].to_numpy(dtype=object))
    kept_pos = np.flatnonzero(s_keep)
    all_index = pd.Index(s_ids.to_numpy(dtype=object))
    n_r = len(r_typed)
    P = _Problems()

    where_kept = kept_index.get_indexer(pd.Index(r_ids.to_numpy(dtype=object)))  # -1: not among kept
    pos_in_sample = np.where(where_kept >= 0, kept_pos[np.maximum(where_kept, 0)], -1)
    absent = r_keep & (where_kept < 0)
    if absent.any():
        # the sample's first row with the id (kept or quarantined), for the reason
        first_any = pd.Series(np.arange(len(s_ids)), index=all_index)
        first_any = first_any[~first_any.index.duplicated(keep="first")]
        any_pos = first_any.reindex(r_ids.to_numpy(dtype=object)).to_numpy(dtype=float)
        P.add(absent, id_col, r_typed[id_col], "not_in_sample",
              lambda rows: [f"the respondent's {sample_file} row ({unit} {int(sample.lines[int(any_pos[i])])}) is "
                            f"quarantined" if np.isfinite(any_pos[i]) else f"respondent id not in {sample_file}"
                            for i in rows])
    matched = r_keep & (where_kept >= 0)
    if matched.any():
        responded = s_typed["responded"].to_numpy(dtype=float, na_value=np.nan)
        said_no = np.zeros(n_r, dtype=bool)
        said_no[matched] = responded[pos_in_sample[matched]] != 1
        lines_s = sample.lines
        P.add(said_no, "responded", None, "sample_nonrespondent",
              lambda rows: [f"{sample_file} {unit} {lines_s[pos_in_sample[i]]} has responded = 0" for i in rows])
        for col in compare:
            if col not in r_typed.columns or col not in s_typed.columns:
                continue
            rv, sv = r_typed[col], s_typed[col].iloc[np.maximum(pos_in_sample, 0)].reset_index(drop=True)
            if pd.api.types.is_float_dtype(rv.dtype):
                a, b = rv.to_numpy(dtype=float, na_value=np.nan), sv.to_numpy(dtype=float, na_value=np.nan)
                differ = ~np.isclose(a, b, rtol=1e-9, atol=0) & ~(np.isnan(a) & np.isnan(b))
            else:
                a = rv.astype("string").fillna("\x00").to_numpy(dtype=object)
                b = sv.astype("string").fillna("\x00").to_numpy(dtype=object)
                differ = a != b
            differ &= matched & ~said_no
            if differ.any():
                svals = sv.astype("string").to_numpy(dtype=object, na_value=None)
                P.add(differ, col, r_typed[col].astype("string"), "differs_from_sample",
                      lambda rows, sv_=svals: [f"differs from {sample_file} {unit} {lines_s[pos_in_sample[i]]} "
                                               f"({display_value(sv_[i])!r})" for i in rows])
    added = P.frame()
    problems = pd.concat([responses.problems, added], ignore_index=True) if len(added) else responses.problems
    responses = Screened(typed=responses.typed, problems=_sorted(problems), lines=responses.lines)

    # the sample: respondents without usable responses become nonrespondents
    final_ids = set(r_ids[responses.kept_mask()].dropna().tolist())
    any_ids = set(r_ids.dropna().tolist())
    responded = s_typed["responded"].to_numpy(dtype=float, na_value=np.nan) == 1
    lost = s_keep & responded & ~s_ids.isin(final_ids).to_numpy(dtype=bool)
    never = lost & ~s_ids.isin(any_ids).to_numpy(dtype=bool)
    S = _Problems()
    S.add(never, "responded", s_typed["responded"].astype("string"), "no_responses",
          f"responded = 1 but no row in {responses_file}: kept as a nonrespondent", action="nonrespondent")
    typed = s_typed.copy()
    if lost.any():
        r = typed["responded"].copy()
        r[lost] = 0
        typed["responded"] = r
    added = S.frame()
    problems = pd.concat([sample.problems, added], ignore_index=True) if len(added) else sample.problems
    return responses, Screened(typed=typed, problems=_sorted(problems), lines=sample.lines)


def _sorted(problems: pd.DataFrame) -> pd.DataFrame:
    if not len(problems):
        return problems
    p = problems.assign(_order=problems["rule"].map(_ORDER).fillna(len(_ORDER)))
    return p.sort_values(["row", "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)


def quarantine_table(screened: Screened, file: str, id_col: str = "respondent_id",
                     categories: Iterable[str] = ()) -> pd.DataFrame:
    """The quarantine listing of one file: ``file, line, respondent_id, column, value, rule,
    reason, action``, values masked (:func:`literacy.privacy.display_value`) except the values
    of the ``categories`` columns (the labelled survey variables), which are shown unless they
    look like an identifier.

    One row per problem, in file order; a row with several problems appears several times.
    """
    p = screened.problems
    shown_as_is = {str(c) for c in categories}
    ids = screened.typed[id_col].astype("string") if id_col in screened.typed.columns else \
        pd.Series([pd.NA] * len(screened.typed), dtype="string")
    rows = p["row"].to_numpy(dtype=np.int64)
    out = pd.DataFrame({
        "file": pd.array([file] * len(p), dtype="string"),
        "line": pd.array(screened.lines[rows] if len(rows) else [], dtype="Int64"),
        "respondent_id": pd.array([display_value(v) for v in ids.iloc[rows].to_numpy(dtype=object, na_value=None)],
                                  dtype="string"),
        "column": pd.array([None if (c is None or c is pd.NA or (isinstance(c, float) and np.isnan(c))) else str(c)
                            for c in p["column"]], dtype="string"),
        "value": pd.array([display_value(v, category=str(c) in shown_as_is) for v, c in zip(p["value"], p["column"])],
                          dtype="string"),
        "rule": pd.array(p["rule"].astype(str).tolist(), dtype="string"),
        "reason": pd.array(p["reason"].astype(str).tolist(), dtype="string"),
        "action": pd.array(p["action"].astype(str).tolist(), dtype="string"),
    })
    return out
