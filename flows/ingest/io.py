"""File input and output of the assessment: the config, a delivery, and the output tables.

Everything that touches the file system lives here (the ``literacy`` package is pure
computation). Files are read in any delivery format (:mod:`literacy_flows.ingest.readers`: CSV in
UTF-8 / GB18030 / UTF-16, Excel, SPSS, Stata, Parquet); the readers here are strict and
typed: ids and categorical variables are strings, item answer codes are nullable ``Int64``
(blank = skipped), probabilities are floats, and a value that cannot be read is a one-line
:class:`InputError` naming the file, the line and the column. (The flow reads responses and
samples through :mod:`literacy_flows.ingest.delivery` instead, which quarantines bad rows.) Output
sets are swapped in whole (:func:`new_staging`, :func:`swap_in`). Writing is atomic (a temporary file in the same folder, fsync, ``os.replace``)
and byte-reproducible: the same tables give the same bytes (stable row order, fixed float
format in CSV, Parquet without timestamps, Excel with fixed document dates and zip entry
times).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
import yaml

from literacy.assessment import AREA_KEYS, listed_out_of_order, round_roles, validate_config
from literacy.errors import ConfigError
from literacy.privacy import display_value
from literacy_flows.ingest.readers import InputError, find_delivery_file, read_table, shown

__all__ = ["read_config", "write_text", 
    "InputError", "LoadedConfig", "load_config", "delivery_files", "expected_files", "read_instrument", "read_responses",
    "read_sample", "read_margins", "read_truth", "read_area_covariates", "read_round", "sha256_file", "atomic_write_bytes",
    "write_csv", "write_parquet", "write_json", "write_excel", "csv_bytes", "parquet_bytes", "json_bytes",
    "FLOAT_FORMAT", "ITEM_DTYPE", "relative_to", "shown", "excel_bytes", "new_staging", "swap_in",
    "discard_staging", "read_text_table", "require_columns", "to_number", "normalise_zip",
]

#: Fixed float format of every CSV output: 12 significant digits, enough for any reported
#: figure and short enough that the last-bit noise of floating point never shows.
FLOAT_FORMAT = "%.12g"
#: Answer codes: integers with blanks (skipped items) as <NA>.
ITEM_DTYPE = "Int64"
#: The document date written into Excel workbooks (so reruns give identical bytes).
FIXED_DATETIME = (2000, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------- config
@dataclass(frozen=True)
class LoadedConfig:
    """An assessment config file, parsed, validated and with its folders resolved.

    Attributes
    ----------
    path : Path
        The config file (absolute).
    config : dict
        The validated config (``literacy.assessment.validate_config``); ``paths.raw`` and
        ``paths.processed`` are absolute paths (strings), resolved against the config
        file's folder unless overridden.
    source : dict
        The YAML exactly as parsed (for the manifest).
    sha256 : str
        Hash of the config file's bytes.
    raw_dir, processed_dir : Path
        The delivery folder read and the output folder written.
    raw_from : str
        Where the delivery folder came from: ``"--raw"`` or ``"paths.raw"`` (for messages).
    """

    path: Path
    config: dict
    source: dict
    sha256: str
    raw_dir: Path
    processed_dir: Path
    raw_from: str = "paths.raw"

    def check_roles(self) -> None:
        """A one-line :class:`ConfigError` naming the file when no round is the baseline or the endline."""
        try:
            round_roles(self.config)
        except ConfigError as exc:
            raise ConfigError(f"{shown(self.path)}: {str(exc).removeprefix('config: ')}") from None

    def rounds_note(self) -> str | None:
        """One line when the file lists its rounds out of year order (they are taken in year order)."""
        order = listed_out_of_order(self.source.get("rounds") or [])
        if order is None:
            return None
        return f"{shown(self.path)}: rounds are listed out of year order; taken as {', '.join(order)}"

    def check_raw_dir(self) -> None:
        """A one-line :class:`InputError` when the delivery folder does not exist, saying where it came from."""
        if self.raw_dir.is_dir():
            return
        if self.raw_from == "--raw":
            raise InputError(f"{shown(self.raw_dir)}: the delivery folder given with --raw does not exist")
        raise InputError(f"{shown(self.raw_dir)}: the delivery folder does not exist (paths.raw of "
                         f"{shown(self.path)}, relative to that file's folder; pass --raw DIR for another)")


def _resolve(base: Path, value: str | os.PathLike) -> Path:
    p = Path(value).expanduser()
    return (p if p.is_absolute() else base / p).resolve()


def read_config(path: str | os.PathLike) -> tuple[Path, bytes, Any, dict]:
    """``(path, bytes, parsed YAML, resolved config)`` of a config file, checked by the typed model.

    Raises
    ------
    InputError
        The file is missing or is not YAML.
    literacy.errors.ConfigError
        One line naming the file and the key (``config/my-city.yaml: reporting.minn is not a known
        setting; did you mean reporting.min_n?``).
    """
    cfg_path = Path(path).expanduser().resolve()
    if not cfg_path.is_file():
        raise InputError(f"{shown(cfg_path)}: config file not found")
    data = cfg_path.read_bytes()
    try:
        source = yaml.load(data.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = getattr(exc, "problem", None) or (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise InputError(f"{shown(cfg_path)}: not a valid YAML file{where}: {first}") from None
    try:
        config = validate_config(source)
    except ConfigError as exc:
        raise ConfigError(f"{shown(cfg_path)}: {str(exc).removeprefix('config: ')}") from None
    return cfg_path, data, source, config


def write_text(text: str, path: str | os.PathLike) -> Path:
    """Write a UTF-8 text file, atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def load_config(path: str | os.PathLike, raw_dir: str | os.PathLike | None = None,
                out_dir: str | os.PathLike | None = None) -> LoadedConfig:
    """Read, validate and resolve an assessment config.

    Parameters
    ----------
    path : path-like
        The YAML file.
    raw_dir, out_dir : path-like, optional
        Override ``paths.raw`` / ``paths.processed`` (resolved against the current folder,
        as command-line paths are).

    Raises
    ------
    InputError
        The file is missing or is not YAML.
    literacy.errors.ConfigError
        The config is incomplete or inconsistent (prefixed with the file name).
    """
    cfg_path, data, source, config = read_config(path)
    paths = config["paths"]
    base = cfg_path.parent
    if raw_dir is not None:
        raw = Path(raw_dir).expanduser().resolve()
    elif paths.get("raw"):
        raw = _resolve(base, paths["raw"])
    else:
        raise ConfigError(f"{shown(cfg_path)}: missing 'paths.raw' (or pass --raw)")
    if out_dir is not None:
        out = Path(out_dir).expanduser().resolve()
    elif paths.get("processed"):
        out = _resolve(base, paths["processed"])
    else:
        raise ConfigError(f"{shown(cfg_path)}: missing 'paths.processed' (or pass --out)")
    config["paths"] = {**paths, "raw": str(raw), "processed": str(out)}
    return LoadedConfig(path=cfg_path, config=config, source=source, sha256=hashlib.sha256(data).hexdigest(),
                        raw_dir=raw, processed_dir=out, raw_from="--raw" if raw_dir is not None else "paths.raw")


# --------------------------------------------------------------------------- delivery layout
def delivery_files(raw_dir: str | os.PathLike, config: dict) -> dict:
    """The files of a delivery, by the data contract.

    Each table may come in any supported format (``responses.csv``, ``.xlsx``, ``.sav``,
    ``.zsav``, ``.dta`` or ``.parquet``: the first present, in that order; two present at
    once is an error). The instrument is the config's ``scoring.instrument`` when that file
    exists, else the same name in another format.

    A round may have its own questionnaire form, ``<round>/instrument.csv`` (the same file
    name as the configured instrument, in any format): it is used for that round, and the
    top-level instrument for the rounds without their own. When every round has its own
    form the top-level one is not needed; delivering it too is an error (it would be used by
    no round).

    Returns
    -------
    dict
        ``{"instrument": Path | None, "instruments": {round_id: Path}, "rounds": {round_id:
        {"responses": Path, "sample": Path, "margins": Path}}}``. ``instrument`` is the
        top-level form, None when every round has its own; ``instruments`` holds the rounds
        with their own form. A table present in no format is given as its ``.csv`` path
        (existence is checked by the reader).

    Raises
    ------
    InputError
        A table delivered in two formats at once, or only in an unsupported format; a
        top-level instrument beside a form for every round.
    """
    raw = Path(raw_dir)
    configured = config["scoring"]["instrument"]
    instrument = _resolve(raw, configured)
    if not instrument.is_file():
        found = find_delivery_file(instrument.parent, instrument.stem)
        instrument = found if found.is_file() else instrument
    rounds, own = {}, {}
    stem = Path(configured).stem
    for r in config["rounds"]:
        rid = str(r["id"])
        rounds[rid] = {name: find_delivery_file(raw / rid, name) for name in ("responses", "sample", "margins")}
        form = find_delivery_file(raw / rid, stem)
        if form.is_file():
            own[rid] = form
    if own and len(own) == len(rounds):
        if instrument.is_file():
            forms = ", ".join(shown(p) for p in own.values())
            raise InputError(f"{shown(instrument)}: every round has its own form ({forms}), so the top-level "
                             f"instrument would be used by no round; remove it")
        instrument = None
    return {"instrument": instrument, "instruments": own, "rounds": rounds}


def expected_files(files: dict) -> list[Path]:
    """The files a delivery must hold, from :func:`delivery_files`: the top-level instrument (when
    some round has no form of its own), each round's own form, and each round's tables."""
    out = [files["instrument"]] if files.get("instrument") is not None else []
    for rid, paths in files["rounds"].items():
        if rid in files.get("instruments", {}):
            out.append(files["instruments"][rid])
        out += list(paths.values())
    return out


def relative_to(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` with forward slashes (absolute when outside ``base``)."""
    try:
        return Path(path).resolve().relative_to(Path(base).resolve()).as_posix()
    except ValueError:
        return Path(path).resolve().as_posix()


# --------------------------------------------------------------------------- reading
_ID_COLUMNS = ("respondent_id", "district", "residence", "stratum", "psu", "sex", "education", "occupation")
RESPONSES_COLUMNS = ["respondent_id", "district", "residence", "stratum", "psu", "selection_prob", "sex", "age",
                     "education", "occupation"]
SAMPLE_COLUMNS = ["respondent_id", "district", "residence", "stratum", "psu", "selection_prob", "sex", "age",
                  "responded"]
INSTRUMENT_COLUMNS = ["item_id", "part", "points", "item_type", "correct", "valid_codes", "dont_know_code",
                      "text_zh", "text_en"]
MARGIN_VARIABLES = ["district", "residence", "sex", "age_band", "education", "occupation"]
MARGINS_COLUMNS = ["dimension", *MARGIN_VARIABLES, "population", "source"]
TRUTH_COLUMNS = ["breakdown", "domain", "level", "population", "rate"]


def read_text_table(path: Path, column_map: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Every cell as a string (blank -> <NA>), so that typing errors can be reported by line.

    Any delivery format (:func:`literacy_flows.ingest.readers.read_table`); blank lines are not
    rows. The file line (Excel row, case number) of each row is kept in
    ``df.attrs["lines"]`` and its unit in ``df.attrs["unit"]``; a malformed CSV record
    (a field count unlike the header's) is an error here (strict tables have no quarantine).
    """
    table = read_table(path, column_map=column_map)
    if table.ragged:
        pos, n = next(iter(sorted(table.ragged.items())))
        raise InputError(f"{shown(path)}: {table.where(pos)} has {n} fields, the header has "
                         f"{len(table.data.columns)}" + (f" ({len(table.ragged) - 1} more such lines)"
                                                         if len(table.ragged) > 1 else ""))
    df = table.data
    df.attrs["lines"] = [int(v) for v in table.lines]
    df.attrs["unit"] = table.unit
    return df


def require_columns(df: pd.DataFrame, columns: Iterable[str], path: Path) -> None:
    """Stop with a one-line :class:`InputError` naming the file when a column is missing.

    Parameters
    ----------
    df : DataFrame
        The table as read.
    columns : iterable of str
        The columns it must have.
    path : Path
        The file (named in the message).

    Raises
    ------
    InputError
    """
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"{shown(path)}: missing column(s) {', '.join(map(repr, missing))}")


def _line(position: int, df: pd.DataFrame | None = None) -> str:
    """Where a 0-based data row position is in its file: 'line 7' (CSV; line 1 is the header),
    'row 7' (Excel) or 'case 6' (SPSS, Stata, Parquet)."""
    lines = df.attrs.get("lines") if df is not None else None
    if lines is not None and int(position) < len(lines):
        return f"{df.attrs.get('unit', 'line')} {lines[int(position)]}"
    return f"line {int(position) + 2}"


def to_number(df: pd.DataFrame, col: str, path: Path, integer: bool, required: bool) -> pd.Series:
    """A numeric column; a non-number (or a fraction where an integer is needed) is an error.

    Parameters
    ----------
    df : DataFrame
        The table as text (:func:`read_text_table`).
    col : str
        The column.
    path : Path
        The file (named in the message with the line).
    integer : bool
        Whole numbers only (nullable ``Int64``); else float.
    required : bool
        A blank cell is an error too.

    Returns
    -------
    Series

    Raises
    ------
    InputError
    """
    text = df[col]
    num = pd.to_numeric(text, errors="coerce")
    values = num.to_numpy(dtype=float, na_value=np.nan)
    given = text.notna().to_numpy()
    bad = np.flatnonzero(given & ~np.isfinite(values))
    if len(bad):
        i = bad[0]
        raise InputError(f"{shown(path)}: {_line(i, df)}, column '{col}': {display_value(text.iloc[i])!r} "
                         "is not a number"
                         + (f" ({len(bad) - 1} more in this column)" if len(bad) > 1 else ""))
    if integer:
        frac = np.flatnonzero(given & (np.floor(values) != values))
        if len(frac):
            i = frac[0]
            raise InputError(f"{shown(path)}: {_line(i, df)}, column '{col}': {display_value(text.iloc[i])!r} "
                             "is not an integer"
                             + (f" ({len(frac) - 1} more in this column)" if len(frac) > 1 else ""))
    if required:
        blank = np.flatnonzero(~given)
        if len(blank):
            raise InputError(f"{shown(path)}: {_line(blank[0], df)}, column '{col}': blank value"
                             + (f" ({len(blank) - 1} more in this column)" if len(blank) > 1 else ""))
    if integer:
        out = pd.array(np.where(given, values, 0).astype(np.int64), dtype=ITEM_DTYPE)
        out[~given] = pd.NA
        return pd.Series(out, index=df.index, name=col)
    return pd.Series(values, index=df.index, name=col, dtype="float64")


def _ids(df: pd.DataFrame, path: Path, columns: Iterable[str]) -> None:
    """Text columns stay strings; a numeric-looking id ("0012") keeps its leading zeros."""
    for c in columns:
        if c in df.columns:
            df[c] = df[c].astype("string")


def read_instrument(path: str | os.PathLike, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The questionnaire (``instrument.csv``) with typed columns.

    ``points`` float; ``correct`` and ``dont_know_code`` Int64; ``valid_codes`` kept as the
    delivered text ("1;2;3;4"); the rest strings. ``table``: the file already read as text
    (:func:`literacy_flows.ingest.readers.read_table`), else it is read from ``path``.
    """
    path = Path(path)
    df = read_text_table(path) if table is None else table
    require_columns(df, INSTRUMENT_COLUMNS, path)
    df["points"] = to_number(df, "points", path, integer=False, required=True)
    df["correct"] = to_number(df, "correct", path, integer=True, required=True)
    df["dont_know_code"] = to_number(df, "dont_know_code", path, integer=True, required=True)
    return df


def read_responses(path: str | os.PathLike, item_ids: Iterable[str]) -> pd.DataFrame:
    """One round's respondents (``responses.csv``).

    Ids and categorical variables as strings, ``selection_prob`` float, ``age`` Int64 and
    one Int64 column per item (blank = skipped = <NA>).
    """
    path = Path(path)
    items = [str(i) for i in item_ids]
    df = read_text_table(path)
    require_columns(df, RESPONSES_COLUMNS + items, path)
    _ids(df, path, _ID_COLUMNS)
    df["selection_prob"] = to_number(df, "selection_prob", path, integer=False, required=True)
    df["age"] = to_number(df, "age", path, integer=True, required=True)
    for item in items:
        df[item] = to_number(df, item, path, integer=True, required=False)
    return df


def read_sample(path: str | os.PathLike) -> pd.DataFrame:
    """Every sampled adult of a round (``sample.csv``); ``responded`` Int64 (0/1)."""
    path = Path(path)
    df = read_text_table(path)
    require_columns(df, SAMPLE_COLUMNS, path)
    _ids(df, path, _ID_COLUMNS)
    df["selection_prob"] = to_number(df, "selection_prob", path, integer=False, required=True)
    df["age"] = to_number(df, "age", path, integer=True, required=True)
    df["responded"] = to_number(df, "responded", path, integer=True, required=True)
    return df


def read_margins(path: str | os.PathLike, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Population margins in long format (``margins.csv``); ``population`` Int64.

    ``table``: the file already read as text, else it is read from ``path``."""
    path = Path(path)
    df = read_text_table(path) if table is None else table
    require_columns(df, ["dimension", "population"], path)
    for c in MARGIN_VARIABLES:
        if c not in df.columns:
            df[c] = pd.array([pd.NA] * len(df), dtype="string")
    if "source" not in df.columns:
        df["source"] = pd.array([pd.NA] * len(df), dtype="string")
    df["population"] = to_number(df, "population", path, integer=True, required=True)
    return df


def read_truth(path: str | os.PathLike, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """A simulated round's true population values (``truth.csv``); ``table`` as in :func:`read_margins`."""
    path = Path(path)
    df = read_text_table(path) if table is None else table
    require_columns(df, TRUTH_COLUMNS, path)
    df["population"] = to_number(df, "population", path, integer=True, required=True)
    df["rate"] = to_number(df, "rate", path, integer=False, required=True)
    if "rate_linked" in df.columns:   # optional: the share above the true cut on the linked scale
        df["rate_linked"] = to_number(df, "rate_linked", path, integer=False, required=True)
    return df




def read_area_covariates(path: str | os.PathLike, table: pd.DataFrame | None = None,
                         codes: Mapping[str, Iterable[str]] | None = None) -> pd.DataFrame:
    """A round's delivered small-area covariates (``<round>/area_covariates.csv``, optional).

    One row per district (or per cell of a breakdown: ``district`` plus any of ``literacy.assessment.AREA_KEYS``);
    every other column is a numeric covariate the config's small-area formulas may name. A
    blank or a non-number is an error naming the line and column; a cell listed twice too; with
    ``codes`` (cell column -> the config's codes), a code the config does not know (``Haibowan``
    for ``haibowan``) as well.
    """
    path = Path(path)
    df = read_text_table(path) if table is None else table
    require_columns(df, ["district"], path)
    keys = [c for c in df.columns if c in AREA_KEYS]
    for c in keys:
        df[c] = df[c].astype("string").str.strip()
        if codes is not None and c in codes:
            known = {str(k) for k in codes[c]}
            bad = np.flatnonzero(~df[c].isin(known).to_numpy(dtype=bool, na_value=False))
            if len(bad):
                value = df[c].iloc[int(bad[0])]
                raise InputError(f"{shown(path)}: {_line(int(bad[0]), df)}, column '{c}': "
                                 f"{'a blank' if pd.isna(value) else repr(str(value))} is not a {c} code of the "
                                 f"config ({', '.join(sorted(known))})")
    covariates = [c for c in df.columns if c not in AREA_KEYS]
    if not covariates:
        raise InputError(f"{shown(path)}: no covariate column (every column besides {', '.join(keys)} is one)")
    for c in covariates:
        df[c] = to_number(df, c, path, integer=False, required=True)
        blank = np.flatnonzero(df[c].isna().to_numpy())
        if len(blank):
            raise InputError(f"{shown(path)}: {_line(int(blank[0]), df)}, column '{c}': a covariate is blank")
    dup = np.flatnonzero(df.duplicated(keys).to_numpy())
    if len(dup):
        raise InputError(f"{shown(path)}: {_line(int(dup[0]), df)}: the cell "
                         f"{'+'.join(str(df[k].iloc[int(dup[0])]) for k in keys)} is listed twice")
    return df


def read_round(files: Mapping[str, Path], item_ids: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The three tables of one round, from ``delivery_files(...)["rounds"][round_id]``."""
    return {
        "responses": read_responses(files["responses"], item_ids),
        "sample": read_sample(files["sample"]),
        "margins": read_margins(files["margins"]),
    }


# --------------------------------------------------------------------------- hashing
def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- writing
def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, fsync, ``os.replace``.

    A reader never sees a half-written file, and an interrupted run leaves the previous
    version in place.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename durable too (best effort; not every file system allows it)
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
    return path


def csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV encoding of a table: UTF-8 with a byte-order mark, ``\\n`` line ends, fixed float format, no index.

    The byte-order mark (``utf-8-sig``) makes Excel on Chinese Windows read UTF-8 (not GBK); pandas'
    ``read_csv`` drops it with any UTF-8 encoding; Python's ``open`` needs ``encoding="utf-8-sig"``.
    """
    return df.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n", na_rep="").encode("utf-8-sig")


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a table as CSV, atomically."""
    return atomic_write_bytes(path, csv_bytes(df))


def parquet_bytes(df: pd.DataFrame) -> bytes:
    """Parquet encoding of a table, reproducible byte for byte.

    pyarrow writes no timestamp; the pandas schema metadata is deterministic for the same
    columns and dtypes. Statistics and dictionary encoding are kept (they depend only on the
    data); compression is zstd.
    """
    # pyarrow and openpyxl are imported by the writers that use them: the command line's validate,
    # plan and config read through this module and need neither
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", write_statistics=True, use_dictionary=True)
    return buf.getvalue()


def write_parquet(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a table as Parquet, atomically."""
    return atomic_write_bytes(path, parquet_bytes(df))


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return obj.as_posix()
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return f if np.isfinite(f) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    if obj is pd.NA:
        return None
    return obj


def json_bytes(obj: Any) -> bytes:
    """JSON encoding: UTF-8 (Chinese as is), 2-space indent, NaN as null, trailing newline."""
    return (json.dumps(_jsonable(obj), ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8")


def write_json(obj: Any, path: str | os.PathLike) -> Path:
    """Write a JSON document, atomically."""
    return atomic_write_bytes(path, json_bytes(obj))


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip archive with fixed entry times and attributes (same bytes on every run).

    Parameters
    ----------
    data : bytes
        A zip archive (an .xlsx or .docx file).

    Returns
    -------
    bytes
    """
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_DATETIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 3
            dst.writestr(entry, src.read(info.filename), compresslevel=6)
    return out.getvalue()


def excel_bytes(workbook) -> bytes:
    """An openpyxl workbook as .xlsx bytes with fixed created / modified dates.

    ``openpyxl.save_workbook`` stamps the current time into ``docProps/core.xml`` and the
    zip entries; the writer is driven directly here and the archive normalised instead.
    """
    from openpyxl.writer.excel import ExcelWriter   # see parquet_bytes: imported where it is used

    fixed = datetime.datetime(*FIXED_DATETIME)
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    workbook.properties.creator = "literacy"
    workbook.properties.lastModifiedBy = "literacy"
    buf = io.BytesIO()
    archive = zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    writer = ExcelWriter(workbook, archive)
    writer.save()
    return normalise_zip(buf.getvalue())


def write_excel(workbook, path: str | os.PathLike) -> Path:
    """Write an openpyxl workbook, atomically and reproducibly."""
    return atomic_write_bytes(path, excel_bytes(workbook))


# --------------------------------------------------------------------------- output sets
# A run writes its outputs into a staging folder beside the output folder and swaps it in
# with two renames when it completes: readers of <processed>/ see the previous set or the
# new one, never a mixture, and a failed run leaves the previous set untouched.
_STAGING = ".{name}.staging-"
#: Folders of an output set that are always products of a run (never carried into the next set).
_NEVER_CARRIED = ("_work", "notebooks")
_PREVIOUS = ".{name}.previous-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _leftovers(final: Path, kind: str) -> list[tuple[Path, int]]:
    """Staging / previous folders of ``final`` with the process id in their name."""
    prefix = kind.format(name=final.name)
    out = []
    if not final.parent.is_dir():
        return out
    for p in final.parent.iterdir():
        if p.name.startswith(prefix) and p.is_dir():
            try:
                out.append((p, int(p.name[len(prefix):].split("-")[0])))
            except ValueError:
                continue
    return sorted(out)


class _DirLock:
    """An exclusive lock on a folder (flock on its descriptor; a no-op where unsupported)."""

    def __init__(self, folder: Path):
        self.folder, self.fd = folder, None

    def __enter__(self):
        try:
            import fcntl   # POSIX only: elsewhere the lock is skipped

            self.fd = os.open(self.folder, os.O_RDONLY)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except (ImportError, OSError):
            if self.fd is not None:
                os.close(self.fd)
            self.fd = None
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            import fcntl   # POSIX only (as in __enter__)

            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
        return False


def new_staging(final: str | os.PathLike) -> Path:
    """A fresh, empty staging folder beside the output folder ``final``.

    Staging and previous-set folders left by runs that died (their process is gone) are
    removed first; a previous set whose swap was cut between its two renames (the output
    folder missing) is put back.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    with _DirLock(final.parent):
        for path, pid in _leftovers(final, _STAGING):
            if pid != os.getpid() and not _pid_alive(pid):
                shutil.rmtree(path, ignore_errors=True)
        for path, pid in _leftovers(final, _PREVIOUS):
            if pid != os.getpid() and not _pid_alive(pid):
                if not final.exists():
                    os.rename(path, final)
                else:
                    shutil.rmtree(path, ignore_errors=True)
        stage = Path(tempfile.mkdtemp(prefix=_STAGING.format(name=final.name) + f"{os.getpid()}-",
                                      dir=final.parent))
        os.chmod(stage, 0o755)  # mkdtemp's 0700 would become the output folder's mode
        return stage


def _listed_outputs(final: Path) -> set[str]:
    """The files the previous run wrote (its manifest's outputs, and the manifest)."""
    try:
        manifest = json.loads((final / "manifest.json").read_text(encoding="utf-8"))
        return {str(o["file"]) for o in manifest.get("outputs", [])} | {"manifest.json"}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {"manifest.json"}


def swap_in(stage: str | os.PathLike, final: str | os.PathLike) -> Path:
    """Make the completed run's ``stage`` folder the output folder ``final``.

    Files in the old output folder that no run wrote (not in its manifest: a ``.gitkeep``,
    a user's notes) are carried over into the new set, except under ``_work/`` and
    ``notebooks/`` (always a run's products: notebooks describe the outputs they were run
    on); the previous run's outputs are replaced as a whole (a file the new run does not
    write disappears with the old set).
    Then ``final`` is renamed aside, ``stage`` renamed to ``final`` and the old set removed.
    """
    stage, final = Path(stage), Path(final)
    with _DirLock(final.parent):
        if final.exists():
            if not final.is_dir():
                raise InputError(f"{shown(final)}: the output folder is a file")
            ours = _listed_outputs(final)
            for path in sorted(final.rglob("*")):
                rel = path.relative_to(final).as_posix()
                if not path.is_file() or rel in ours or rel.split("/", 1)[0] in _NEVER_CARRIED:
                    continue
                target = stage / rel
                if target.exists():
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
            previous = final.parent / (_PREVIOUS.format(name=final.name) + f"{os.getpid()}-"
                                       + os.urandom(4).hex())
            os.rename(final, previous)
            os.rename(stage, final)
            shutil.rmtree(previous, ignore_errors=True)
        else:
            os.rename(stage, final)
    return final


def discard_staging(stage: str | os.PathLike) -> None:
    """Remove a failed run's staging folder (the previous outputs stay as they were)."""
    shutil.rmtree(stage, ignore_errors=True)
