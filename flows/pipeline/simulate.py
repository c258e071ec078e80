"""Write a simulated survey programme to a delivery folder (``literacy simulate``).

The simulation itself is :func:`literacy.simulate.simulate_programme` (pure computation);
this module only lays its tables out as a delivery, exactly as real data arrives:

    <raw>/instrument.csv                  when every round answers the same form, else
    <raw>/<round>/instrument.csv          the form of each round
    <raw>/<round>/responses.csv, sample.csv, margins.csv, truth.csv (simulation only)
    <raw>/simulation_items.csv (simulation only: the true item parameters)
    <raw>/scorecard.csv (the departments' reported actuals; illustrative figures)

Files are first written to a staging folder beside the delivery and then moved in place, so
an interrupted run never leaves a half-written delivery that ``make run`` would take for data.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from literacy.assessment import illustrative_scorecard
from literacy.simulate import simulate_programme
from literacy_flows.ingest.io import atomic_write_bytes, load_config
from literacy_flows.ingest.readers import FORMATS, ReadError, find_delivery_file
from literacy_flows.pipeline.deliverables import scorecard_path, write_scorecard

__all__ = ["write_programme", "simulate_to_folder", "raw_csv_bytes", "has_round_data"]

ROUND_FILES = ("responses", "sample", "margins", "truth", "fieldwork_truth")


def raw_csv_bytes(df: pd.DataFrame) -> bytes:
    """A delivery CSV: UTF-8, ``\\n`` line ends, floats at full (round-trip) precision, blanks for missing.

    Selection probabilities are written exactly (shortest repr that reads back to the same
    float), so weights computed from the file equal the simulation's.
    """
    return df.to_csv(index=False, lineterminator="\n", na_rep="").encode("utf-8")


def has_round_data(raw_dir: str | os.PathLike) -> bool:
    """Whether a delivery folder already holds at least one round.

    A round is a subfolder (``<raw>/<round>/``, hidden folders aside) whose responses file
    the ingest would find: :func:`literacy_flows.ingest.readers.find_delivery_file` with stem
    ``responses``, so ``responses.csv`` (any encoding), ``.xlsx``, ``.sav``, ``.zsav``,
    ``.dta`` or ``.parquet``. A responses file the ingest would refuse (two formats at once,
    or only an unsupported one such as ``responses.xls``) also counts: it is a delivery, and
    simulating beside it would hide or contradict it; ``literacy run`` then reports it.
    ``make run`` (``literacy simulate --if-missing``) simulates only when this is False.

    Parameters
    ----------
    raw_dir : path-like
        The delivery folder (the config's ``paths.raw``); it need not exist.

    Returns
    -------
    bool
        True when some round's responses are present, False for a missing or empty folder
        or one without round responses.
    """
    raw = Path(raw_dir)
    if not raw.is_dir():
        return False
    for folder in sorted(raw.iterdir()):
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        try:
            if find_delivery_file(folder, "responses").is_file():
                return True
        except ReadError:
            return True
    return False


def write_programme(programme, raw_dir: str | os.PathLike) -> list[Path]:
    """Write a :class:`literacy.simulate.Programme` as a delivery under ``raw_dir``.

    The forms: one top-level ``instrument.csv`` when every round answers the same form, else
    ``<round>/instrument.csv`` for every round. ``simulation_items.csv`` (the true item
    parameters, :attr:`literacy.simulate.Programme.items`) goes beside them; like
    ``truth.csv`` it exists only in simulated deliveries and the ingest never reads it. Files of
    an earlier simulation that the new layout replaces (a top-level ``instrument.csv`` beside
    per-round forms, or the reverse) are removed, so the folder is one consistent delivery.

    Returns
    -------
    list of Path
        The files written: the forms and the item parameters first, then each round's files.
    """
    raw = Path(raw_dir).resolve()
    raw.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".simulate-", dir=raw))
    planned: list[tuple[Path, Path]] = []
    try:
        def stage(rel: str, df: pd.DataFrame) -> None:
            tmp = staging / rel
            tmp.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(raw_csv_bytes(df))
            planned.append((tmp, raw / rel))

        forms = getattr(programme, "instruments", None) or {rid: programme.instrument for rid in programme.rounds}
        first = next(iter(forms.values()))
        one_form = all(f.equals(first) for f in forms.values())
        if one_form:
            stage("instrument.csv", first)
        else:
            for rid, form in forms.items():
                stage(f"{rid}/instrument.csv", form)
        if getattr(programme, "items", None) is not None:
            stage("simulation_items.csv", programme.items)
        for rid, rd in programme.rounds.items():
            for name in ROUND_FILES:
                df = getattr(rd, name, None)
                if df is None:
                    continue
                if name == "truth" and "round" in df.columns:
                    df = df.drop(columns="round")
                stage(f"{rid}/{name}.csv", df)
        # responses.csv last within each round: a round counts as present only once complete
        planned.sort(key=lambda p: (p[1].parent != raw, p[1].parent.name, p[1].name == "responses.csv"))
        written = []
        for tmp, final in planned:
            atomic_write_bytes(final, tmp.read_bytes())
            written.append(final)
        # the other layout's forms, left by an earlier simulation, would contradict this one

        stale = ([raw / rid / f"instrument{ext}" for rid in forms for ext in FORMATS] if one_form
                 else [raw / f"instrument{ext}" for ext in FORMATS])
        for p in stale:
            if p.is_file():
                p.unlink()
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def simulate_to_folder(config_path: str | os.PathLike, seed: int | None = None,
                       out_dir: str | os.PathLike | None = None, with_notes: bool = False) -> tuple:
    """Simulate the config's programme and write it as a delivery.

    Parameters
    ----------
    config_path : path-like
        The assessment config.
    seed : int, optional
        Overrides ``assessment.seed``.
    out_dir : path-like, optional
        Overrides ``paths.raw``.

    with_notes : bool
        Also return the simulation's notes (forms, drifting anchors).

    Returns
    -------
    (Path, list of Path) or (Path, list of Path, list of str)
        The delivery folder and the files written (and the notes).
    """
    loaded = load_config(config_path, raw_dir=out_dir)
    programme = simulate_programme(loaded.source, seed=seed)
    written = write_programme(programme, loaded.raw_dir)
    # an illustrative department scorecard (its note column says so), beside the rounds
    if loaded.config["scorecard"]["indicators"]:
        table = illustrative_scorecard(loaded.config, int(seed if seed is not None
                                                          else loaded.config["assessment"]["seed"]))
        written.append(write_scorecard(table, scorecard_path(loaded.raw_dir, loaded.config)))
    if with_notes:
        return loaded.raw_dir, written, list(programme.notes)
    return loaded.raw_dir, written
