"""What the simulation reads from the config: a required setting (a one-line
:class:`~literacy.errors.ConfigError` when it is missing), the baseline round, the years between
the census and each round."""

from __future__ import annotations

from literacy.errors import ConfigError

__all__ = ["required", "baseline_round", "round_years"]


def required(d: dict, key: str, where: str):
    """A setting the simulation needs.

    Parameters
    ----------
    d : dict
        The config section.
    key : str
        The setting.
    where : str
        The section's path in the config (with a trailing dot), for the error.

    Returns
    -------
    object
        ``d[key]``.

    Raises
    ------
    ConfigError
        ``config: missing '<where><key>' (needed by the simulation)`` when it is absent or null.
    """
    if not isinstance(d, dict) or key not in d or d[key] is None:
        raise ConfigError(f"config: missing '{where}{key}' (needed by the simulation)")
    return d[key]


def baseline_round(cfg: dict) -> str:
    """The id of the baseline round.

    Parameters
    ----------
    cfg : dict
        The resolved config.

    Returns
    -------
    str
        The round whose role is ``baseline``, else the first round.
    """
    return next((r["id"] for r in cfg["rounds"] if r["role"] == "baseline"), cfg["rounds"][0]["id"])


def round_years(rounds: list[dict], census_year: int | None) -> dict[str, float]:
    """Years since the census for every round.

    Parameters
    ----------
    rounds : list of dict
        The config's ``rounds``.
    census_year : int or None
        The census year (None: the first round's).

    Returns
    -------
    dict
        ``{round id: years}``: the difference of the rounds' years (``year``, else the id when
        it is a year), else 5 per round.
    """
    ids = [str(r["id"]) for r in rounds]
    try:
        years = [int(r["year"]) if r.get("year") is not None else int(r["id"]) for r in rounds]
        base = int(census_year) if census_year is not None else min(years)
        return {i: float(y - base) for i, y in zip(ids, years)}
    except ValueError:
        return {i: 5.0 * k for k, i in enumerate(ids)}
