"""The compare stage: the change between every pair of rounds, the verdicts and the headline, as published."""

from __future__ import annotations

import pandas as pd

from literacy.assessment.deliverables import finish_verdicts
from literacy.assessment.round_changes import change_table, headline_change
from literacy.assessment.verdicts import headline, target_verdicts

__all__ = ["change_and_verdicts"]


def change_and_verdicts(estimates: pd.DataFrame, config: dict,
                        comparable: bool) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The change for every pair of rounds (suppression propagated, BH-adjusted), the verdicts
    and the headline.

    Parameters
    ----------
    estimates : DataFrame
        Every round's flagged estimates (:func:`literacy.assessment.rounds.round_tables`).
    config : dict
        The validated config.
    comparable : bool
        Whether the rounds' figures can be compared
        (:func:`literacy.assessment.comparability.rounds_comparable`).

    Returns
    -------
    change : DataFrame
        :func:`literacy.assessment.round_changes.change_table`: every pair of
        :func:`literacy.assessment.schedule.comparisons`, a change resting on a suppressed
        estimate blanked, Benjamini–Hochberg within each comparison kind, breakdown and level;
        :func:`literacy.assessment.round_changes.headline_change` takes the headline pair's rows.
    verdicts : DataFrame
        :func:`literacy.assessment.deliverables.finish_verdicts` of the target verdicts of the
        assessed round (the endline, or the mid-term's latest round).
    headline : dict
        :func:`literacy.assessment.verdicts.headline` with ``comparable``.
    """
    change = change_table(estimates, config)
    pair = headline_change(change, config)
    verdicts = finish_verdicts(target_verdicts(estimates, pair, config), estimates, config, comparable=comparable)
    head = headline(estimates, pair, verdicts, config)
    head["comparable"] = comparable
    return change, verdicts, head
