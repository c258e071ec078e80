"""Reading a whole delivery: formats, privacy, quarantine, schemas, and the summary.

:func:`load_delivery` is the one path from a delivery folder to typed, screened tables. It
is used by the flow's ``ingest`` task and by ``literacy validate`` (which needs no Prefect):

1. every file is read in its format (:mod:`literacy_flows.ingest.readers`), columns renamed by
   ``ingest.column_map`` and values recoded by ``ingest.value_map``;
2. direct identifiers are dropped (:func:`scrub`): columns listed in
   ``ingest.identifiers``, columns named like one (姓名, phone, 身份证, address, …) and,
   in the person-level files (responses, sample), extra columns whose values include a
   phone / ID number / e-mail or are free text rather than codes;
3. the responses and the sample are typed and screened row by row
   (:mod:`literacy.quarantine`); failing rows are quarantined, the rest kept;
4. the instrument, margins, truth and scorecard are typed strictly: any problem there is a
   file-level error (they have no rows to spare).

File-level problems raise a :class:`~literacy.errors.LiteracyError` whose one-line message
starts with the file (``2025/responses.csv: missing column(s) 'psu'``).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

import literacy_schemas as S
from literacy.assessment.schedule import assessed_round, baseline_round
from literacy.errors import ConfigError, DataError, LiteracyError
from literacy.measurement.form_links import rounds_linkable
from literacy.measurement.forms import compare_forms
from literacy.privacy import free_text_share, identifier_column_reason, looks_like_identifier, mask_series_kinds
from literacy.quarantine import (
    QUARANTINE_COLUMNS,
    ColumnTypeError,
    Screened,
    declared_columns,
    label_value_map,
    match_to_sample,
    quarantine_table,
    recode,
    screen_responses,
    screen_sample,
    with_problems,
)
from literacy.quality.round_quality import excluded_checks, interview_flags
from literacy_flows.ingest import io as fio
from literacy_flows.ingest.readers import InputError, TableRead, find_delivery_file, read_table
from literacy_flows.pipeline import deliverables as fdl

__all__ = ["FileInfo", "Delivery", "QuarantineLimitError", "load_delivery", "delivery_inputs", "input_paths",
           "check_quarantine_share", "check_schemas", "summary_lines", "forms_summary", "forms_line", "scrub",
           "exclude_flagged",
           "PERSON_FILES"]

#: Files with one row per person: screened row by row, scrubbed of identifier values.
PERSON_FILES = ("responses", "sample")
_NUMERIC = {"responses": ("selection_prob", "age"), "sample": ("selection_prob", "age", "responded")}
_CONTRACT = {
    "instrument": fio.INSTRUMENT_COLUMNS,
    "responses": fio.RESPONSES_COLUMNS,
    "sample": fio.SAMPLE_COLUMNS,
    "margins": fio.MARGINS_COLUMNS,
    "truth": fio.TRUTH_COLUMNS,
    "area_covariates": ["district"],
}


class QuarantineLimitError(DataError):
    """More rows of a file quarantined than ``ingest.max_quarantine_share`` allows."""


@dataclass
class FileInfo:
    """What was read from one delivery file (for the manifest, the log and the summary)."""

    role: str
    round: str | None
    path: Path
    rel: str
    format: str
    encoding: str | None
    unit: str
    sha256: str
    bytes: int
    rows_read: int
    rows_kept: int
    rows_quarantined: int = 0
    nonrespondents: int = 0
    dropped: list = field(default_factory=list)
    renamed: dict = field(default_factory=dict)
    value_labels: list = field(default_factory=list)
    recoded: dict = field(default_factory=dict)
    sheet: str | None = None

    def entry(self) -> dict:
        """The manifest's entry for the file (no absolute path, no values)."""
        out = {"file": self.rel, "sha256": self.sha256, "bytes": self.bytes, "rows": self.rows_kept,
               "format": self.format, "encoding": self.encoding, "rows_read": self.rows_read,
               "rows_kept": self.rows_kept, "rows_quarantined": self.rows_quarantined}
        if self.role == "sample":
            out["quarantined_respondents_as_nonrespondents"] = self.nonrespondents
        if self.sheet:
            out["sheet"] = self.sheet
        if self.dropped:
            out["dropped_columns"] = self.dropped
        if self.renamed:
            out["renamed_columns"] = self.renamed
        if self.value_labels:
            out["value_labels_applied"] = self.value_labels
        if self.recoded:
            out["values_recoded"] = self.recoded
        return out


@dataclass
class Delivery:
    """A delivery read, screened and typed.

    Attributes
    ----------
    files : list of FileInfo
        In reading order: the top-level instrument, then per round its own form (when it has
        one), responses, sample, margins, truth; then the scorecard.
    instrument : DataFrame or None
        The top-level instrument (None when every round has its own form).
    instruments : dict
        ``{round: DataFrame}``: the form each round is scored with (its own, else the
        top-level one).
    forms : DataFrame
        The rounds' forms compared item by item
        (:func:`literacy.measurement.forms.compare_forms`).
    form_files : dict
        ``{round: file}``: the delivery-relative file of each round's form.
    linking : dict
        ``{"feasible": bool, "reason": str}`` from
        :func:`literacy.measurement.forms.linking_feasible` (the config's ``measurement``).
    rounds : dict
        ``{round: {"responses", "sample", "margins"[, "truth"]: DataFrame}}``: the kept
        rows, typed; the sample's ``responded`` is 0 for respondents quarantined or missing.
    scorecard : DataFrame or None
    quarantine : dict
        ``{round: DataFrame}`` with :data:`literacy.quarantine.QUARANTINE_COLUMNS`
        (values masked).
    lines : dict
        ``{file: list of int}``: the file line (row, case) of every kept row.
    units : dict
        ``{file: "line" | "row" | "case"}``.
    unlisted : list of str
        Folders of the delivery that hold a round's responses but are not rounds of the config
        (not read; said in the summary, never silently).
    """

    raw_dir: Path
    files: list
    instrument: pd.DataFrame | None
    instruments: dict
    forms: pd.DataFrame
    form_files: dict
    linking: dict
    rounds: dict
    scorecard: pd.DataFrame | None
    quarantine: dict
    lines: dict
    units: dict
    max_share: float
    unlisted: list = field(default_factory=list)

    def info(self, rel: str) -> FileInfo:
        return next(f for f in self.files if f.rel == rel)


# --------------------------------------------------------------------------- files
def _optional(folder: Path, stem: str) -> Path | None:
    p = find_delivery_file(folder, stem)
    return p if p.is_file() else None


def _scorecard_file(raw: Path, config: dict) -> Path | None:
    name = config["scorecard"]["file"]
    p = Path(name)
    p = p if p.is_absolute() else raw / p
    if p.is_file():
        return p
    return _optional(p.parent, p.stem)


def delivery_inputs(raw_dir: str | os.PathLike, config: dict) -> dict:
    """The delivery's files by role: ``{"instrument": Path | None, "instruments": {rid: Path},
    "rounds": {rid: {name: Path}}, "scorecard": Path | None}`` (see
    :func:`literacy_flows.ingest.io.delivery_files`; ``instruments`` are the rounds' own forms) with the
    optional ``truth`` and ``area_covariates`` files present only when delivered.

    Raises
    ------
    InputError
        A required file is missing (the first named, with the count of the others), or a
        table is delivered in two formats.
    """
    raw = Path(raw_dir)
    files = fio.delivery_files(raw, config)
    for rid, paths in files["rounds"].items():
        for name in ("truth", "area_covariates"):   # optional tables of a round
            found = _optional(raw / rid, name)
            if found is not None:
                paths[name] = found
    missing = [p for p in fio.expected_files(files) if not p.is_file()]
    if missing:
        more = f" ({len(missing) - 1} more missing)" if len(missing) > 1 else ""
        raise InputError(f"{fio.shown(missing[0])}: file not found{more}; a delivery holds instrument (or a "
                         f"<round>/instrument per round) and <round>/responses, sample, margins (.csv, .xlsx, .sav, "
                         f".zsav, .dta or .parquet) for rounds {', '.join(files['rounds'])}")
    files["scorecard"] = _scorecard_file(raw, config)
    return files


def input_paths(files: dict) -> list[Path]:
    """Every input file of :func:`delivery_inputs`, in reading order (for the content hash)."""
    out = [files["instrument"]] if files.get("instrument") is not None else []
    for rid, paths in files["rounds"].items():
        if rid in files.get("instruments", {}):
            out.append(files["instruments"][rid])
        out += list(paths.values())
    if files.get("scorecard") is not None:
        out.append(files["scorecard"])
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- privacy
def _name_shown(name: str) -> str:
    return "<masked column name>" if looks_like_identifier(name) else str(name)


def scrub(data: pd.DataFrame, role: str, config: dict, declared: Iterable[str]) -> tuple[pd.DataFrame, list]:
    """Drop the columns that hold direct identifiers.

    A column is dropped when it is listed in ``ingest.identifiers`` or named like an
    identifier (:func:`literacy.privacy.identifier_column_reason`), unless the assessment
    needs it; in the person-level files also an extra column (neither in the data contract
    nor used by the config nor in ``ingest.keep_columns``) whose values include a phone
    number, resident ID number or e-mail address, or are free text rather than codes.

    Returns
    -------
    (DataFrame, list)
        The table without those columns, and ``[{"column": name, "reason": why}]`` (names
        only; a name that is itself an identifier is masked).
    """
    ing = config["ingest"]
    listed = ing["identifiers"]
    keep = set(ing["keep_columns"])
    needed = set(_CONTRACT.get(role, [])) | set(declared)
    dropped, drop = [], []
    for col in data.columns:
        if col in needed:
            continue
        reason = identifier_column_reason(col, listed)
        if reason is None and role in PERSON_FILES and col not in keep:
            kinds = mask_series_kinds(data[col]).dropna()
            if len(kinds):
                reason = f"identifier values ({kinds.iloc[0].replace('_', ' ')})"
            elif free_text_share(data[col]) > 0:
                reason = "free text (not codes)"
        if reason is not None:
            drop.append(col)
            dropped.append({"column": _name_shown(col), "reason": reason})
    return data.drop(columns=drop), dropped


# --------------------------------------------------------------------------- reading
def _info(role: str, rid: str | None, table: TableRead, raw: Path, rows_kept: int, dropped: list,
          recoded: dict) -> FileInfo:
    path = table.path
    return FileInfo(role=role, round=rid, path=path, rel=fio.relative_to(path, raw), format=table.format,
                    encoding=table.encoding, unit=table.unit, sha256=_sha256(path), bytes=path.stat().st_size,
                    rows_read=len(table.data), rows_kept=rows_kept, dropped=dropped,
                    renamed={_name_shown(k): v for k, v in table.renamed.items()}, value_labels=table.value_labels,
                    recoded=recoded, sheet=table.sheet)


def _prefixed(path: Path, exc: LiteracyError) -> LiteracyError:
    msg = str(exc)
    where = fio.shown(path)
    return type(exc)(msg if msg.startswith(where) else f"{where}: {msg}")


def _read(path: Path, role: str, config: dict, declared: set, keep_codes: Iterable[str] = ()):
    ing = config["ingest"]
    table = read_table(path, column_map=ing["column_map"], keep_codes=keep_codes,
                       header_row=ing["header_row"].get(path.stem) if ing["header_row"] else None)
    if not len(table.data):
        raise InputError(f"{fio.shown(path)}: the file has a header but no data rows")
    data, dropped = scrub(table.data, role, config, declared)
    data, recoded = recode(data, ing["value_map"])
    # labels delivered instead of codes (海勃湾区, 男): read as the codes (survey.labels), counted
    data, labelled = recode(data, {c: m for c, m in label_value_map(config).items() if c not in ing["value_map"]})
    for col, n in labelled.items():
        recoded[f"{col} (labels to codes)"] = n
    return table, data, dropped, recoded


def _strict(path: Path, role: str, config: dict, declared: set, raw: Path, typer, rid: str | None = None
            ) -> tuple[pd.DataFrame, FileInfo, list[int]]:
    """A table without quarantine: typed strictly (any problem is a file-level error)."""
    table, data, dropped, recoded = _read(path, role, config, declared)
    if table.ragged:
        pos, n = next(iter(sorted(table.ragged.items())))
        raise InputError(f"{fio.shown(path)}: {table.where(pos)} has {n} fields, the header has "
                         f"{len(table.data.columns)}")
    data.attrs["lines"] = [int(v) for v in table.lines]
    data.attrs["unit"] = table.unit
    typed = typer(path, data)
    typed.attrs.clear()  # pandas would store attrs in the Parquet metadata
    return typed, _info(role, rid, table, raw, len(typed), dropped, recoded), [int(v) for v in table.lines]


def load_delivery(config: dict, raw_dir: str | os.PathLike) -> Delivery:
    """Read, scrub, type and screen a delivery.

    Parameters
    ----------
    config : dict
        The validated assessment config.
    raw_dir : path-like
        The delivery folder (laid out as ``data/raw/``).

    Returns
    -------
    Delivery

    Raises
    ------
    literacy.errors.LiteracyError
        A file-level problem, as one line starting with the file: missing, empty,
        undecodable or truncated file; a missing column; a column of the wrong type; an
        instrument, margins, truth or scorecard table that breaks its schema.
    """
    raw = Path(raw_dir)
    files = delivery_inputs(raw, config)
    ing = config["ingest"]
    infos: list[FileInfo] = []
    lines: dict[str, list[int]] = {}
    units: dict[str, str] = {}

    def read_form(path: Path, rid: str | None) -> tuple[pd.DataFrame, FileInfo]:
        form, info, form_lines = _strict(path, "instrument", config, set(), raw,
                                         lambda p, d: fio.read_instrument(p, d), rid)
        lines[info.rel] = form_lines
        S.validate(form, S.instrument_schema(config), fio.shown(path), lines=form_lines, unit=info.unit)
        return form, info

    # the forms first: the answer codes of the responses are checked against them
    instrument, top_rel = None, None
    if files.get("instrument") is not None:
        instrument, info = read_form(files["instrument"], None)
        infos.append(info)
        top_rel = info.rel
    own: dict[str, tuple[pd.DataFrame, FileInfo]] = {rid: read_form(path, rid)
                                                      for rid, path in files.get("instruments", {}).items()}
    instruments = {rid: own[rid][0] if rid in own else instrument for rid in files["rounds"]}
    form_files = {rid: own[rid][1].rel if rid in own else top_rel for rid in files["rounds"]}
    forms = compare_forms(instruments, {rid: fio.shown(raw / rel) for rid, rel in form_files.items()})
    base, assessed = _baseline_and_assessed(config)
    feasible, reason, links, unlinked = rounds_linkable(instruments, config, base if base in instruments else None,
                                                        assessed if assessed in instruments else None)

    rounds, quarantine = {}, {}
    id_col = config["design"]["respondent_id"]
    for rid, paths in files["rounds"].items():
        if rid in own:
            infos.append(own[rid][1])
        form = instruments[rid]
        items = form["item_id"].dropna().astype(str).tolist()
        declared = declared_columns(config, items)
        rpath, spath = paths["responses"], paths["sample"]
        r_table, r_text, r_drop, r_rec = _read(rpath, "responses", config, declared,
                                               keep_codes=[*items, *_NUMERIC["responses"]])
        s_table, s_text, s_drop, s_rec = _read(spath, "sample", config, declared, keep_codes=_NUMERIC["sample"])
        rel_r, rel_s = fio.relative_to(rpath, raw), fio.relative_to(spath, raw)
        try:
            sample = screen_sample(s_text, s_table.lines, config, unit=s_table.unit, ragged=s_table.ragged,
                                   width=len(s_table.data.columns))
        except ColumnTypeError as exc:
            raise _prefixed(spath, exc) from None
        try:
            responses = screen_responses(r_text, r_table.lines, config, form, unit=r_table.unit,
                                         ragged=r_table.ragged, width=len(r_table.data.columns))
        except ColumnTypeError as exc:
            raise _prefixed(rpath, exc) from None
        _identifier_ids(responses, rpath, id_col)
        _identifier_ids(sample, spath, id_col)
        responses = exclude_flagged(responses, config, form, round_id=rid, source=fio.shown(rpath))
        # responded as delivered (or as the disposition says, issue 26), before the match to the responses
        said_one = sample.typed["responded"].to_numpy(dtype=float, na_value=np.nan) == 1
        responses, sample = match_to_sample(responses, sample, config, sample_file=rel_s, responses_file=rel_r,
                                            unit=s_table.unit)
        kept_r, kept_s = responses.kept(), sample.kept()
        r_info = _info("responses", rid, r_table, raw, len(kept_r), r_drop, r_rec)
        s_info = _info("sample", rid, s_table, raw, len(kept_s), s_drop, s_rec)
        r_info.rows_quarantined = len(responses.quarantined())
        s_info.rows_quarantined = len(sample.quarantined())
        responded_in = said_one[sample.kept_mask()]
        s_info.nonrespondents = int((responded_in & (kept_s["responded"].to_numpy(dtype=float,
                                                                                  na_value=np.nan) != 1)).sum())
        categories = [c for c in config["survey"]["labels"] if c != "age_band"] + [config["design"]["strata"]]
        quarantine[rid] = pd.concat([quarantine_table(responses, rel_r, id_col, categories),
                                     quarantine_table(sample, rel_s, id_col, categories)], ignore_index=True)
        lines[rel_r], lines[rel_s] = [int(v) for v in responses.kept_lines()], [int(v) for v in sample.kept_lines()]
        units[rel_r], units[rel_s] = r_table.unit, s_table.unit

        mpath = paths["margins"]
        margins, m_info, lines[fio.relative_to(mpath, raw)] = _strict(mpath, "margins", config, set(), raw,
                                                                      lambda p, d: fio.read_margins(p, d), rid)
        tables = {"responses": kept_r, "sample": kept_s, "margins": margins}
        infos += [r_info, s_info, m_info]
        if "truth" in paths:
            truth, t_info, lines[fio.relative_to(paths["truth"], raw)] = _strict(
                paths["truth"], "truth", config, set(), raw, lambda p, d: fio.read_truth(p, d), rid)
            tables["truth"] = truth
            infos.append(t_info)
        if "area_covariates" in paths:   # the small-area model's delivered covariates (optional)
            cov, c_info, lines[fio.relative_to(paths["area_covariates"], raw)] = _strict(
                paths["area_covariates"], "area_covariates", config, set(), raw,
                lambda p, d: fio.read_area_covariates(p, d, _area_codes(config)), rid)
            tables["area_covariates"] = cov
            infos.append(c_info)
        rounds[rid] = tables
    scorecard = None
    if files.get("scorecard") is not None:
        spath = files["scorecard"]
        table, data, dropped, recoded = _read(spath, "scorecard", config, set())
        scorecard = fdl.read_scorecard(spath)
        scorecard.attrs.clear()
        infos.append(_info("scorecard", None, table, raw, len(scorecard), dropped, recoded))
        lines[infos[-1].rel] = [int(v) for v in table.lines]
    for info in infos:
        units[info.rel] = info.unit
    listed = {str(r["id"]) for r in config["rounds"]}
    unlisted = sorted(d.name for d in raw.iterdir() if d.is_dir() and d.name not in listed
                      and any(p.is_file() and p.stem == "responses" for p in d.iterdir()))
    return Delivery(raw_dir=raw, files=infos, instrument=instrument, instruments=instruments, forms=forms,
                    unlisted=unlisted,
                    form_files=form_files, linking={"feasible": bool(feasible), "reason": reason, "links": links,
                                                              "unlinked": unlinked}, rounds=rounds,
                    scorecard=scorecard,
                    quarantine=quarantine, lines=lines, units=units,
                    max_share=float(ing["max_quarantine_share"]))


def exclude_flagged(responses: Screened, config: dict, form: pd.DataFrame, round_id: str | None = None,
                    source: str = "responses") -> Screened:
    """The interviews ``quality.exclude`` leaves out, recorded in the quarantine (rule ``quality_excluded``,
    the checks that flagged them, or the excluded interviewer, in the reason); their sample rows then
    count as nonrespondents.

    Parameters
    ----------
    responses : Screened
        A round's screened responses.
    config : dict
        The validated config (``quality``).
    form : DataFrame
        The round's questionnaire form.
    round_id : str, optional
        The round (``quality.exclude.interviewers`` is by round).
    source : str
        The responses file as the error names it.

    Returns
    -------
    Screened
        Unchanged when ``quality.exclude`` excludes nothing.

    Raises
    ------
    DataError
        ``quality.exclude.interviewers`` names an interviewer the round's responses do not have (a
        misspelt id would otherwise exclude nothing, silently), or the responses have no
        ``interviewer_id``.
    """
    checks = excluded_checks(config)
    interviewers = [str(i) for i in config["quality"]["exclude"].get("interviewers", {}).get(round_id, [])]
    if not checks and not interviewers:
        return responses
    keep = np.flatnonzero(responses.kept_mask())
    kept = responses.kept()
    why = [""] * len(keep)
    if checks:
        flags = interview_flags(kept, form, config)
        hit = flags[checks].to_numpy(dtype=bool).any(axis=1)
        for i in np.flatnonzero(hit):
            why[i] = f"flagged ({flags['checks'].iloc[i]})"
    if interviewers:
        if "interviewer_id" not in kept.columns:
            raise DataError(f"{source}: quality.exclude.interviewers names interviewers for round {round_id}, but "
                            "the responses have no column 'interviewer_id'")
        ids = kept["interviewer_id"].astype("string").to_numpy(dtype=object, na_value=None)
        absent = sorted(set(interviewers) - {i for i in ids if i is not None})
        if absent:
            raise DataError(f"{source}: quality.exclude.interviewers names interviewer {absent[0]!r} for round "
                            f"{round_id}, who has no interview in column 'interviewer_id'")
        for i in np.flatnonzero(np.isin(ids, interviewers)):
            why[i] = "; ".join(filter(None, [why[i], f"interviewer {ids[i]} excluded after review"]))
    hit = np.array([bool(w) for w in why], dtype=bool)
    mask = np.zeros(len(responses.typed), dtype=bool)
    mask[keep[hit]] = True
    reason = dict(zip(keep[hit], np.asarray(why, dtype=object)[hit]))
    return with_problems(responses, mask, None, "quality_excluded",
                         lambda rows: [f"{reason[r]}; left out by quality.exclude" for r in rows])


def _identifier_ids(screened: Screened, path: Path, id_col: str) -> None:
    """Respondent ids that are mostly phone or ID numbers: the vendor used personal data as ids."""
    p = screened.problems
    hits = int(((p["rule"] == "identifier_value") & (p["column"] == id_col)).sum())
    n = len(screened.typed)
    if n and hits > 0.5 * n:
        raise DataError(f"{fio.shown(path)}: column '{id_col}' holds personal identifiers (phone or ID numbers) "
                        f"in {hits} of {n} rows; replace them with survey ids before delivery")


# --------------------------------------------------------------------------- limits and schemas
def check_quarantine_share(delivery: Delivery, listed: str = "'literacy validate' lists them") -> None:
    """Stop when a person-level file has more quarantined rows than ``ingest.max_quarantine_share``.

    ``listed`` says where the quarantined rows are shown (``literacy validate`` has just printed them).

    Raises
    ------
    QuarantineLimitError
        One line naming the first file over the limit, its counts and its most common rules.
    """
    for info in delivery.files:
        if info.role not in PERSON_FILES or not info.rows_read:
            continue
        share = info.rows_quarantined / info.rows_read
        if share > delivery.max_share:
            q = delivery.quarantine[info.round]
            q = q[(q["file"] == info.rel) & (q["action"] == "quarantined")]
            top = q.drop_duplicates(["line", "rule"])["rule"].value_counts().head(3)
            rules = ", ".join(f"{r} {n}" for r, n in top.items())
            raise QuarantineLimitError(
                f"{fio.shown(info.path)}: {info.rows_quarantined} of {info.rows_read} rows quarantined "
                f"({100 * share:.1f}%), more than ingest.max_quarantine_share ({100 * delivery.max_share:g}%); "
                f"most rows fail {rules}; {listed}")


def check_schemas(config: dict, instrument: pd.DataFrame | None, rounds: Mapping[str, Mapping[str, pd.DataFrame]],
                  scorecard: pd.DataFrame | None, names: Mapping[str, str], lines: Mapping[str, list] | None = None,
                  units: Mapping[str, str] | None = None, shown: Mapping[str, str] | None = None,
                  instruments: Mapping[str, pd.DataFrame] | None = None) -> dict[str, int]:
    """Check every kept table against its pandera schema, and the respondents against the sample.

    After screening the responses and the sample pass by construction (the schemas are the
    second line of defence); the instruments, margins, truth and scorecard must pass as
    delivered.

    Parameters
    ----------
    instrument : DataFrame or None
        The top-level instrument (None when every round has its own form).
    names : mapping
        ``{"instrument": file, "<round>/<table>": file, "scorecard": file}``: the files'
        names in the delivery (the keys of the result, and of ``lines`` and ``units``); a
        round's own form is ``"<round>/instrument"``.
    instruments : mapping, optional
        ``{round: DataFrame}``: each round's form (default: ``instrument`` for every round).
    lines, units : mapping, optional
        ``{file: [line of each kept row]}`` and ``{file: unit}`` for the messages.
    shown : mapping, optional
        Like ``names``: the file names shown in messages (default ``names``).

    Returns
    -------
    dict
        Rows validated per file.

    Raises
    ------
    literacy_schemas.SchemaValidationError
    """
    lines, units, shown = lines or {}, units or {}, shown or names

    def run(df, schema, key):
        name = names[key]
        S.validate(df, schema, shown.get(key, name), lines=lines.get(name), unit=units.get(name, "line"))
        return name

    rows = {}
    if instrument is not None:
        rows[run(instrument, S.instrument_schema(config), "instrument")] = len(instrument)
    id_col = config["design"]["respondent_id"]
    for rid, tables in rounds.items():
        form = (instruments or {}).get(rid, instrument)
        if f"{rid}/instrument" in names:
            rows[run(form, S.instrument_schema(config), f"{rid}/instrument")] = len(form)
        responses, sample = tables["responses"], tables["sample"]
        rows[run(responses, S.responses_schema(config, form), f"{rid}/responses")] = len(responses)
        rows[run(sample, S.sample_schema(config), f"{rid}/sample")] = len(sample)
        rows[run(tables["margins"], S.margins_schema(config), f"{rid}/margins")] = len(tables["margins"])
        _cross_check(sample, responses, id_col, shown.get(f"{rid}/sample", names[f"{rid}/sample"]),
                     shown.get(f"{rid}/responses", names[f"{rid}/responses"]))
        if "truth" in tables:
            rows[run(tables["truth"], S.truth_schema(config), f"{rid}/truth")] = len(tables["truth"])
    if scorecard is not None:
        rows[run(scorecard, S.scorecard_schema(config), "scorecard")] = len(scorecard)
    return rows


def _cross_check(sample: pd.DataFrame, responses: pd.DataFrame, id_col: str, where_s: str, where_r: str) -> None:
    """Respondents are exactly the kept sample rows with responded = 1 (a guard of the screening)."""
    sid = sample[id_col].astype(str)
    rid = responses[id_col].astype(str)
    unknown = int((~rid.isin(sid)).sum())
    responded = sample["responded"].to_numpy(dtype=float, na_value=np.nan) == 1
    said_no = int((~responded & sid.isin(rid).to_numpy()).sum())
    absent = int((responded & ~sid.isin(rid).to_numpy()).sum())
    if unknown or said_no or absent:
        raise DataError(f"{where_r}: {unknown} respondent(s) not in {where_s}, {said_no} marked responded = 0 and "
                        f"{absent} sampled respondent(s) without responses after screening")


# --------------------------------------------------------------------------- summary
def summary(delivery: Delivery) -> dict:
    """Counts for the manifest: per file read / kept / quarantined, by rule, nonrespondents."""
    files = {}
    for info in delivery.files:
        if info.role not in PERSON_FILES:
            continue
        q = delivery.quarantine[info.round]
        q = q[q["file"] == info.rel]
        quarantined = q[q["action"] == "quarantined"]
        by_rule = quarantined.drop_duplicates(["line", "rule"])["rule"].value_counts()
        files[info.rel] = {
            "rows_read": info.rows_read, "rows_kept": info.rows_kept, "rows_quarantined": info.rows_quarantined,
            "share": round(info.rows_quarantined / info.rows_read, 6) if info.rows_read else 0.0,
            "rows_by_rule": {str(k): int(v) for k, v in sorted(by_rule.items())},
        }
        if info.role == "sample":
            files[info.rel]["quarantined_respondents_as_nonrespondents"] = info.nonrespondents
            files[info.rel]["sampled_without_responses"] = int((q["rule"] == "no_responses").sum())
    return {"max_share": delivery.max_share, "files": files}


def summary_lines(delivery: Delivery) -> list[str]:
    """The quarantine summary as printed by ``literacy validate`` and logged by the flow."""
    out = [f"{'file':<28} {'format':<8} {'encoding':<10} {'read':>7} {'kept':>7} {'quarantined':>12} {'share':>7}"]
    for info in delivery.files:
        share = f"{100 * info.rows_quarantined / info.rows_read:.1f}%" if info.role in PERSON_FILES and \
            info.rows_read else ""
        q = str(info.rows_quarantined) if info.role in PERSON_FILES else ""
        out.append(f"{info.rel:<28} {info.format:<8} {info.encoding or '-':<10} {info.rows_read:>7} "
                   f"{info.rows_kept:>7} {q:>12} {share:>7}")
    by_rule = []
    for rid, q in delivery.quarantine.items():
        if not len(q):
            continue
        counts = q.drop_duplicates(["file", "line", "rule"]).groupby(["file", "rule", "action"], sort=True).size()
        for (file, rule, action), n in counts.items():
            note = " (kept as nonrespondents)" if action == "nonrespondent" else ""
            by_rule.append(f"  {rid:<6} {file:<28} {rule:<28} {int(n):>6}{note}")
    if by_rule:
        out.append("Rows by rule (round, file, rule, rows):")
        out += by_rule
    else:
        out.append("No row quarantined.")
    nonresp = [f"{info.round}: {info.nonrespondents}" for info in delivery.files
               if info.role == "sample" and info.nonrespondents]
    if nonresp:
        out.append("Sampled respondents counted as nonrespondents (quarantined or without responses): "
                   + ", ".join(nonresp))
    dropped = [f"{info.rel}: " + ", ".join(f"{d['column']} ({d['reason']})" for d in info.dropped)
               for info in delivery.files if info.dropped]
    if dropped:
        out.append("Columns dropped as personal data (names only): " + "; ".join(dropped))
    recoded = [f"{info.rel}: " + ", ".join(f"{col} {n}" for col, n in info.recoded.items())
               for info in delivery.files if info.recoded]
    if recoded:
        out.append("Cells recoded (ingest.value_map; labels delivered instead of codes read through survey.labels): "
                   + "; ".join(recoded))
    out.append(forms_line(delivery))
    if delivery.unlisted:
        out.append("Round folders not in the config's rounds, not read: " + ", ".join(f"{u}/" for u in
                                                                                   delivery.unlisted)
                   + " (add them to 'rounds' to assess them)")
    encodings = [f"{info.rel} ({info.encoding})" for info in delivery.files
                 if info.encoding and info.encoding not in ("utf-8",)]
    if encodings:
        out.append("Text encodings other than plain UTF-8 (converted): " + ", ".join(encodings))
    return out


def forms_summary(delivery: Delivery) -> dict:
    """The questionnaire forms for the manifest: each round's form file and items, the anchors,
    and whether linking is feasible (``measurement`` in the config)."""
    forms = delivery.forms
    lists = [str(r).split(";") for r in forms["rounds"]]
    return {
        "files": dict(delivery.form_files),
        "items": {rid: int(sum(rid in rs for rs in lists)) for rid in delivery.form_files},
        "distinct_forms": len(set(delivery.form_files.values())),
        "anchors": int(forms["anchor"].sum()),
        "anchor_items": forms.loc[forms["anchor"].to_numpy(dtype=bool), "item_id"].astype(str).tolist(),
        "linking_feasible": bool(delivery.linking["feasible"]),
        "linking_reason": delivery.linking["reason"],
    }


def _baseline_and_assessed(config: dict) -> tuple[str | None, str | None]:
    """The baseline and the assessed round's ids (None when the config does not name them yet:
    the config's own check says so)."""
    try:
        return baseline_round(config).id, assessed_round(config).id
    except (ConfigError, ValueError, KeyError):
        return None, None


def forms_line(delivery: Delivery) -> str:
    """One line on the questionnaire forms (printed by ``literacy validate``, logged by the flow)."""
    f = forms_summary(delivery)
    if f["distinct_forms"] <= 1:
        file = next(iter(f["files"].values()), "instrument")
        return f"Questionnaire: one form for every round ({file}, {next(iter(f['items'].values()), 0)} items)."
    each = ", ".join(f"{rid} {file} ({f['items'][rid]} items)" for rid, file in f["files"].items())
    tail = "linking feasible" if f["linking_feasible"] else f"linking NOT feasible: {f['linking_reason']}"
    links = delivery.linking.get("links")
    if links is not None and len(f["files"]) > 2:   # three or more rounds: each link's shared and needed items
        tail = "links " + ", ".join(f"{x.from_round}–{x.to_round} {x.shared_items} shared ({x.needed} needed)"
                                    for x in links.itertuples()) + "; " + tail
        others = {r: why for r, why in delivery.linking.get("unlinked", {}).items() if why != f["linking_reason"]}
        if others:
            tail += "; " + "; ".join(others.values())
    return f"Questionnaire forms: {each}; {f['anchors']} anchor items; {tail}."


def empty_quarantine() -> pd.DataFrame:
    """A quarantine table with no rows (the file's header only)."""
    return pd.DataFrame({c: pd.Series([], dtype="Int64" if c == "line" else "string") for c in QUARANTINE_COLUMNS})


def _area_codes(config: dict) -> dict[str, list[str]]:
    """The codes a small-area covariates file may use in each cell column: the survey's value labels,
    the age bands and the key groups of the config."""
    codes = {col: [str(k) for k in labels] for col, labels in config["survey"]["labels"].items()}
    codes["age_band"] = [str(b["code"]) for b in config["survey"]["age_bands"]]
    codes["group"] = [str(g["code"]) for g in config["groups"]]
    return codes
