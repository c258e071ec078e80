"""The rounds of an assessment as data: ordered by year, with the comparisons their roles name.

A config lists any number of survey rounds (``rounds``), each with a ``year`` and a role:
``baseline`` (exactly one: every change is also measured from it), ``endline`` (at most one: the
end-of-period round the target is judged on), ``midterm`` (中期评估), ``annual`` (monitoring) or
``round``. The rounds are ordered by year whatever order the file lists them in. With no endline
the assessment is a **mid-term assessment**: it reports the latest round against the baseline
and against the target's trajectory (:func:`target_trajectory`).

The comparisons (:func:`comparisons`) are two families: every consecutive pair of rounds, and
every later round against the baseline. Multiple-comparison adjustments (Benjamini–Hochberg)
are made within each family.
"""

from __future__ import annotations

from dataclasses import dataclass

from literacy.errors import ConfigError

__all__ = ["SurveyRound", "Comparison", "survey_rounds", "baseline_round", "endline_round", "assessed_round",
           "is_midterm_assessment", "other_rounds", "comparisons", "target_trajectory", "listed_out_of_order",
           "CONSECUTIVE", "SINCE_BASELINE"]

#: Comparison families: each round against the one before it, each later round against the baseline.
CONSECUTIVE = "consecutive"
SINCE_BASELINE = "since_baseline"


@dataclass(frozen=True)
class SurveyRound:
    """One survey round of the config.

    Attributes
    ----------
    id : str
        The round's id (its folder in the delivery).
    year : int
        The fieldwork year; rounds are ordered by it.
    role : str
        ``baseline``, ``endline``, ``midterm``, ``annual`` or ``round``.
    label_zh, label_en : str
        Its labels.
    """

    id: str
    year: int
    role: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class Comparison:
    """A change the assessment estimates: ``to_round`` minus ``from_round``.

    Attributes
    ----------
    from_round, to_round : str
        The round ids, ``from_round`` the earlier.
    family : str
        :data:`CONSECUTIVE` or :data:`SINCE_BASELINE` (a consecutive pair that starts at the
        baseline belongs to both; it is listed once, in :data:`SINCE_BASELINE`, and its
        adjustment is made in both families by the caller that needs it).
    """

    from_round: str
    to_round: str
    family: str


def survey_rounds(config: dict) -> list[SurveyRound]:
    """The configured rounds ordered by year.

    Parameters
    ----------
    config : dict
        The validated config (``rounds``; each with its ``year`` filled by the config model).

    Returns
    -------
    list of SurveyRound
    """
    rounds = [SurveyRound(str(r["id"]), int(r["year"]) if r.get("year") is not None else int(r["id"]),
                          str(r.get("role", "round")), str(r.get("label_zh") or r["id"]),
                          str(r.get("label_en") or r["id"])) for r in config["rounds"]]
    return sorted(rounds, key=lambda r: r.year)


def _with_role(config: dict, role: str) -> SurveyRound | None:
    found = [r for r in survey_rounds(config) if r.role == role]
    return found[0] if found else None


def baseline_round(config: dict) -> SurveyRound:
    """The baseline round.

    Parameters
    ----------
    config : dict
        The validated config.

    Returns
    -------
    SurveyRound

    Raises
    ------
    ConfigError
        One line when no round has role ``baseline``.
    """
    base = _with_role(config, "baseline")
    if base is None:
        given = ", ".join(f"{r.id} ({r.role})" for r in survey_rounds(config))
        raise ConfigError(f"config: no round has role 'baseline' (rounds: {given}); every change is measured "
                          f"from the baseline: give one round role 'baseline' in 'rounds'")
    return base


def endline_round(config: dict) -> SurveyRound | None:
    """The end-of-period round, None in a mid-term assessment.

    Parameters
    ----------
    config : dict
        The validated config.

    Returns
    -------
    SurveyRound or None
    """
    return _with_role(config, "endline")


def assessed_round(config: dict) -> SurveyRound:
    """The round the assessment judges: the endline, or (mid-term) the latest round after the baseline.

    Parameters
    ----------
    config : dict
        The validated config.

    Returns
    -------
    SurveyRound

    Raises
    ------
    ConfigError
        One line when there is no baseline, or no round after it.
    """
    base = baseline_round(config)
    end = endline_round(config)
    if end is not None:
        if end.year <= base.year:
            raise ConfigError(f"config: the endline round {end.id} ({end.year}) is not after the baseline "
                              f"{base.id} ({base.year})")
        return end
    later = [r for r in survey_rounds(config) if r.year > base.year]
    if not later:
        raise ConfigError(f"config: no round after the baseline {base.id} ({base.year}); an assessment compares "
                          f"a later round with the baseline")
    return later[-1]


def other_rounds(config: dict) -> list[SurveyRound]:
    """The rounds besides the baseline and the assessed round, in year order (the evaluator tables
    give each its own column group between the two).

    Parameters
    ----------
    config : dict
        The validated config.

    Returns
    -------
    list of SurveyRound
    """
    pair = {baseline_round(config).id, assessed_round(config).id}
    return [r for r in survey_rounds(config) if r.id not in pair]


def is_midterm_assessment(config: dict) -> bool:
    """True when no round has role ``endline``: the assessment judges progress, not the target.

    Parameters
    ----------
    config : dict
        The validated config.

    Returns
    -------
    bool
    """
    return endline_round(config) is None


def comparisons(config: dict) -> list[Comparison]:
    """Every change the assessment estimates, in a stable order.

    The consecutive pairs first (in year order), then each later round against the baseline
    that is not already a consecutive pair starting at the baseline; rounds before the
    baseline are compared consecutively only.

    Parameters
    ----------
    config : dict
        The validated config.

    Returns
    -------
    list of Comparison
        A consecutive pair that starts at the baseline has family :data:`SINCE_BASELINE`.
    """
    rounds = survey_rounds(config)
    base = baseline_round(config)
    out: list[Comparison] = []
    for a, b in zip(rounds[:-1], rounds[1:]):
        out.append(Comparison(a.id, b.id, SINCE_BASELINE if a.id == base.id else CONSECUTIVE))
    pairs = {(c.from_round, c.to_round) for c in out}
    for r in rounds:
        if r.year > base.year and (base.id, r.id) not in pairs:
            out.append(Comparison(base.id, r.id, SINCE_BASELINE))
    return out


def target_trajectory(config: dict, year: int, baseline_value: float | None = None) -> float:
    """The share needed by ``year`` on a straight line from the baseline to the target.

    The line runs from the plan's published baseline (``targets.baseline_published``; else
    ``baseline_value``, the re-estimated baseline) in the baseline round's year to
    ``targets.headline`` in ``targets.year``. Wuhai: 9.0% in 2020 to 12% in 2025 gives 10.8%
    in 2023.

    Parameters
    ----------
    config : dict
        The validated config.
    year : int
        The year of the round judged.
    baseline_value : float, optional
        The re-estimated baseline share, used when the config publishes none.

    Returns
    -------
    float

    Raises
    ------
    ConfigError
        When neither a published nor a re-estimated baseline is given.
    """
    start = config["targets"].get("baseline_published")
    if start is None:
        start = baseline_value
    if start is None:
        raise ConfigError("config: the target's trajectory needs targets.baseline_published or the "
                          "re-estimated baseline")
    y0 = baseline_round(config).year
    y1 = int(config["targets"]["year"])
    if y1 <= y0:
        raise ConfigError(f"config: targets.year {y1} is not after the baseline year {y0}")
    target = float(config["targets"]["headline"])
    return float(start) + (target - float(start)) * (int(year) - y0) / (y1 - y0)


def listed_out_of_order(raw_rounds: list) -> list[str] | None:
    """The round ids in year order when the config file lists them otherwise, else None.

    Parameters
    ----------
    raw_rounds : list of dict
        ``rounds`` as the YAML file lists them (before validation).

    Returns
    -------
    list of str or None
        For a one-line note ("rounds are listed out of year order; taken as 2020, 2023, 2025").
    """
    try:
        years = [int(r.get("year") if r.get("year") is not None else r["id"]) for r in raw_rounds]
    except (TypeError, ValueError, KeyError, AttributeError):
        return None
    if years == sorted(years):
        return None
    return [str(r["id"]) for _, r in sorted(zip(years, raw_rounds), key=lambda t: t[0])]
