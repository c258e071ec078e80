"""The fieldwork-quality stage (issue 26): one ``quality`` task per round after its weighting, and
the four tables written by the ``report`` task under ``<processed>/quality/``.

``quality/response_rates.csv`` (AAPOR's rates), ``nonresponse_bias.csv`` (respondents against the
full sample at each weighting stage, R-indicator), ``data_quality.csv`` (the interviews flagged for
review) and ``interviewers.csv`` (interviewer effects); the computation is
:mod:`literacy.quality.round_quality`'s. A delivery without dispositions or paradata gets what
can be computed (the response rates from ``responded``) and the log says what is missing.
"""

from __future__ import annotations

import pandas as pd
from prefect import get_run_logger, task

import literacy_schemas as S
from literacy.catalog.quality_tables import QUALITY_TABLE_KEYS
from literacy.catalog.tables import output_table
from literacy.quality.round_quality import (bias_table, data_quality_table, interview_flags, interviewers_table,
                                           rates_table)
from literacy_flows.ingest import io as fio
from literacy_flows.pipeline.work import TASK_OPTIONS, read_work, round_dir

__all__ = ["quality", "missing_inputs", "write_quality_tables"]


def missing_inputs(sample: pd.DataFrame, responses: pd.DataFrame) -> list[str]:
    """What the delivery lacks for the full fieldwork-quality assessment, one phrase each.

    Parameters
    ----------
    sample, responses : DataFrame
        A round's ingested sample and responses.

    Returns
    -------
    list of str
    """
    out = []
    if "disposition" not in sample.columns:
        out.append("no disposition in the sample: only the response rates, from responded (no cooperation, refusal "
                   "or contact rates)")
    if "interviewer_id" not in responses.columns:
        out.append("no interviewer_id in the responses: no interviewer effects, near duplicates looked for among "
                   "all records")
    if "duration_seconds" not in responses.columns:
        out.append("no duration_seconds in the responses: no speeder check")
    return out


@task(name="quality", task_run_name="quality-{round_id}", **TASK_OPTIONS)
def quality(config: dict, ingested: dict, round_id: str, weighted: dict) -> dict:
    """One round's response rates, nonresponse bias analysis, interview checks and interviewer effects.

    Writes ``_work/<round>/quality_<table>.parquet`` for the four tables
    (:data:`literacy.catalog.quality_tables.QUALITY_TABLE_KEYS`); returns their paths and the
    phrases saying what the delivery lacked.
    """
    logger = get_run_logger()
    tables = ingested["work"]["rounds"][round_id]
    sample, responses = read_work(tables["sample"]), read_work(tables["responses"])
    data = read_work(weighted["path"])
    flags = interview_flags(responses, read_work(ingested["work"]["instruments"][round_id]), config)
    made = {"response_rates": rates_table(sample, config, round_id),
            "nonresponse_bias": bias_table(sample, data, config, round_id, read_work(weighted["margins"])),
            "data_quality": data_quality_table(flags, config, round_id),
            "interviewers": interviewers_table(data, flags, config, round_id)}
    work = round_dir(tables)
    out = {name: str(fio.write_parquet(df, work / f"quality_{name}.parquet")) for name, df in made.items()}
    missing = missing_inputs(sample, responses)
    for line in missing:
        logger.info("round %s quality: %s", round_id, line)
    city = made["response_rates"]
    rr = city[(city["breakdown"] == "all") & (city["weighting"] == "weighted")]["RR1"].iloc[0]
    logger.info("round %s quality: weighted RR1 %.1f%%, %d interviews flagged for review of %d", round_id, 100 * rr,
                len(made["data_quality"]), len(responses))
    return {"paths": out, "missing": missing}


def write_quality_tables(written, config: dict, checked: dict) -> dict[str, pd.DataFrame]:
    """The four tables of every round, validated, put under ``quality/`` by the report's writer.

    Parameters
    ----------
    written : object
        The report task's writer (its ``put(df, rel, kind)``).
    config : dict
    checked : dict
        Round -> the :func:`quality` task's result.

    Returns
    -------
    dict of str to DataFrame
        Sheet name -> table, for the workbook (the catalog's sheets).
    """
    sheets = {}
    for name in QUALITY_TABLE_KEYS:
        frames = [read_work(result["paths"][name]) for result in checked.values()]
        df = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
        entry = output_table(name)
        df = S.validate(df, getattr(S, entry.schema)(config), entry.path, line_offset=None)
        written.put(df, f"{entry.path}.csv", "csv")
        sheets[entry.sheet] = df
    return sheets
