"""The command line's checks of a delivery before (or instead of) the assessment: no Prefect.

``literacy run`` checks the config, the rounds' roles and the delivery's files before
Prefect starts (a bad config or a missing file fails in a second); ``literacy validate``
reads a delivery as the run does and reports it without running the assessment.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from literacy_flows.ingest import delivery as dlv
from literacy_flows.ingest import io as fio
from literacy_flows.ingest.readers import InputError

__all__ = ["check_run_inputs", "validate_delivery", "write_quarantine"]


def check_run_inputs(config: str | os.PathLike, raw: str | os.PathLike | None,
                     out: str | os.PathLike | None) -> fio.LoadedConfig:
    """The config of a run, checked with its rounds' roles and the delivery's expected files.

    Parameters
    ----------
    config : path
        The assessment config.
    raw, out : path, optional
        The delivery and output folders (default: the config's paths).

    Returns
    -------
    LoadedConfig

    Raises
    ------
    LiteracyError
        A bad config, no baseline or endline round, a missing delivery folder, or a missing
        file (one line naming it, how many more are missing and how to simulate the default).
    """
    loaded = fio.load_config(config, raw, out)
    loaded.check_roles()                    # the baseline and endline rounds, before Prefect starts
    loaded.check_raw_dir()
    files = fio.delivery_files(loaded.raw_dir, loaded.config)
    missing = [p for p in fio.expected_files(files) if not p.is_file()]
    if missing:
        more = f" ({len(missing) - 1} more missing)" if len(missing) > 1 else ""
        raise InputError(f"{fio.shown(missing[0])}: file not found{more} (run 'literacy simulate' for the "
                         f"simulated default, or pass --raw DIR)")
    return loaded


def validate_delivery(config: str | os.PathLike, raw: str | os.PathLike | None) -> tuple[fio.LoadedConfig,
                                                                                           dlv.Delivery]:
    """Read a delivery as ``literacy run`` does and check every table against its schema.

    Parameters
    ----------
    config : path
        The assessment config.
    raw : path, optional
        The delivery folder (default: the config's ``paths.raw``).

    Returns
    -------
    loaded : LoadedConfig
    delivery : Delivery
        The screened delivery (its summary and quarantine).

    Raises
    ------
    LiteracyError
        A bad config, a missing delivery folder, a file-level problem or a schema violation.
    """
    # the output folder is not used: any value satisfies the config loader
    loaded = fio.load_config(config, raw, out_dir=Path.cwd())
    loaded.check_raw_dir()
    delivery = dlv.load_delivery(loaded.config, loaded.raw_dir)
    names, shown = {}, {}
    for info in delivery.files:
        key = info.role if info.round is None else f"{info.round}/{info.role}"
        names[key], shown[key] = info.rel, fio.shown(info.path)
    dlv.check_schemas(loaded.config, delivery.instrument, delivery.rounds, delivery.scorecard, names,
                      delivery.lines, delivery.units, shown, instruments=delivery.instruments)
    return loaded, delivery


def write_quarantine(delivery: dlv.Delivery, folder: str | os.PathLike) -> Iterator[tuple[Path, int]]:
    """Each round's quarantine listing as ``<folder>/<round>/quarantine.csv``, one file at a time.

    Parameters
    ----------
    delivery : Delivery
        The screened delivery.
    folder : path
        Where to write.

    Yields
    ------
    (Path, int)
        Each file as it is written, with its rows (a caller reports it before the next is written).
    """
    for rid, table in delivery.quarantine.items():
        yield fio.write_csv(table, Path(folder) / rid / "quarantine.csv"), len(table)
