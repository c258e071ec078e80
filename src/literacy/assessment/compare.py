"""The compare stage: the change between the rounds, the verdicts and the headline, as published."""

from __future__ import annotations

import pandas as pd

from literacy.assessment.change import adjust_multiple_comparisons, compare_rounds
from literacy.assessment.config import round_roles
from literacy.assessment.deliverables import finish_verdicts
from literacy.assessment.verdicts import headline, target_verdicts
from literacy.reliability import propagate_suppression

__all__ = ["change_and_verdicts"]


def change_and_verdicts(estimates: pd.DataFrame, config: dict,
                        comparable: bool) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The change (suppression propagated, BH-adjusted), the verdicts and the headline.

    Parameters
    ----------
    estimates : DataFrame
        Both rounds' flagged estimates (:func:`literacy.assessment.rounds.round_tables`).
    config : dict
        The validated config.
    comparable : bool
        Whether the rounds' figures can be compared
        (:func:`literacy.assessment.comparability.rounds_comparable`).

    Returns
    -------
    change : DataFrame
        :func:`literacy.assessment.change.compare_rounds`, a change resting on a suppressed
        estimate blanked, with the Benjamini–Hochberg p-values within each breakdown and level.
    verdicts : DataFrame
        :func:`literacy.assessment.deliverables.finish_verdicts` of the target verdicts.
    headline : dict
        :func:`literacy.assessment.verdicts.headline` with ``comparable``.
    """
    base_id, end_id = round_roles(config)
    change = compare_rounds(estimates, config)
    change = propagate_suppression(change, estimates, {base_id: "baseline", end_id: "end-of-period"},
                                   ["change", "se", "ci_low", "ci_high", "df", "p_value"])
    change = adjust_multiple_comparisons(change, config)   # BH within each breakdown and level
    verdicts = finish_verdicts(target_verdicts(estimates, change, config), estimates, config, comparable=comparable)
    head = headline(estimates, change, verdicts, config)
    head["comparable"] = comparable
    return change, verdicts, head
