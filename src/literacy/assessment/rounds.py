"""The estimate stage of one round: every table the round's calibrated design gives.

The flow's ``estimate`` task builds the design, calls :func:`round_tables` and writes the tables.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pandas as pd

from literacy.assessment.config import small_area_config
from literacy.assessment.deliverables import design_facts, part_means
from literacy.assessment.drivers import round_drivers
from literacy.assessment.planning import domain_takes
from literacy.assessment.published import flagged_round_estimates
from literacy.assessment.small_area import direct_cells
from literacy.decomposition import cell_rates

__all__ = ["RoundTables", "round_tables"]


@dataclass
class RoundTables:
    """The tables of one round's estimate stage (see :func:`round_tables`)."""

    estimates: pd.DataFrame          # flagged and suppressed, as published
    headline_rows: pd.DataFrame      # the headline level's city, district, group rows before suppression
    parts: pd.DataFrame              # mean score per questionnaire part
    cells: pd.DataFrame              # the decomposition's cells
    facts: dict                      # the design's facts for the methodology
    drivers: tuple | None            # literacy.assessment.drivers.round_drivers
    takes: pd.DataFrame              # respondents and PSUs per reporting domain
    sae_direct: pd.DataFrame | None  # the small-area model's direct inputs (None: small areas off)


def round_tables(design, taylor, data: pd.DataFrame, config: dict, round_id: str) -> RoundTables:
    """Every table of one round from its calibrated design.

    Parameters
    ----------
    design : SurveyDesign or ReplicateDesign
        The round's calibrated design (the configured variance method).
    taylor : SurveyDesign
        The round's Taylor design (its strata and PSUs, for the methodology).
    data : DataFrame
        The round's analysis data.
    config : dict
        The validated config.
    round_id : str
        The round.

    Returns
    -------
    RoundTables
        The published estimates (NCHS flags on the Korn–Graubard interval, small cells
        blanked: :func:`literacy.assessment.published.flagged_round_estimates`) and the headline
        rows the next plan reads, the part scores, the decomposition's cells, the design's
        facts, the drivers, the domains' takes and, with small areas on, the direct estimates
        of the modelled cells.
    """
    with warnings.catch_warnings():
        # single-respondent domains (small crossings) have no SE; they are suppressed
        warnings.filterwarnings("ignore", message="a domain has a single observation", category=RuntimeWarning)
        est, headline_rows = flagged_round_estimates(design, config, round_id)
        parts = part_means(design, config, round_id)
    cells = cell_rates(design, config, round_id)
    facts = {**design_facts(taylor), "variance": config["estimation"]["method"],
             "replicates": int(getattr(design, "replicates", 0)), "df": int(design.degf())}
    drivers = round_drivers(design, config, round_id)
    takes = domain_takes(data, config)
    sae = direct_cells(design, config, round_id) if small_area_config(config)["enabled"] else None
    return RoundTables(estimates=est, headline_rows=headline_rows.reset_index(drop=True), parts=parts, cells=cells,
                       facts=facts, drivers=drivers, takes=takes, sae_direct=sae)
