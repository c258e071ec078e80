"""A round's estimates as published: every share flagged by the NCHS standards on its
Korn–Graubard interval, small or unreliable cells blanked (``literacy.reliability``).
"""

from __future__ import annotations

import pandas as pd

from literacy.assessment.estimates import estimate_round
from literacy.reliability import flag_estimates

__all__ = ["korn_graubard_config", "flagged_round_estimates"]


def korn_graubard_config(config: dict) -> dict:
    """The config with the proportions' interval set to Korn–Graubard (R's ``svyciprop(method="beta")``).

    Parameters
    ----------
    config : dict
        The validated config.

    Returns
    -------
    dict
        A shallow copy with ``estimation.ci`` = ``"beta"``; ``config`` is not changed.
    """
    return {**config, "estimation": {**config["estimation"], "ci": "beta"}}


def flagged_round_estimates(design, config: dict, round_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One round's estimates with the NCHS reliability flags and suppression, and the rows planning reads.

    Parameters
    ----------
    design : SurveyDesign
        The round's calibrated design.
    config : dict
        The validated config.
    round_id : str
        The round.

    Returns
    -------
    estimates : DataFrame
        :func:`literacy.assessment.estimates.estimate_round` with the configured interval, flagged and
        suppressed by :func:`literacy.reliability.flag_estimates` on the Korn–Graubard interval.
    headline_rows : DataFrame
        The headline level's city, district and group rows before suppression (the next
        plan's inputs).
    """
    est = estimate_round(design, config, round_id)
    # the NCHS reliability flags read the Korn–Graubard interval, from the engine (svyciprop "beta")
    kg = estimate_round(design, korn_graubard_config(config), round_id)
    headline_rows = est[(est["level"] == config["scoring"]["headline"])
                        & est["breakdown"].isin(["city", "district", "group"])]   # before suppression: for planning
    return flag_estimates(est, kg, config), headline_rows
