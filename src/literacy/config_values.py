"""Typed values of the config's optional sections, each mistake a one-line :class:`ConfigError` that
names the key (``config: measurement.plausible_values must be a whole number ≥ 2, not 'abc'``).

The sections (``measurement``, ``small_area``, ``planning``, ``analysis``) read their keys through
these instead of bare ``int()``/``float()``/``bool()``/``list()``: those turn ``"abc"`` into a
traceback, ``"false"`` into true and ``sex`` into ``['s', 'e', 'x']``.
"""

from __future__ import annotations

import math
from typing import Any

from literacy.errors import ConfigError

__all__ = ["number", "flag", "names", "mapping", "check_columns"]


def number(value: Any, key: str, *, integer: bool = False, low: float | None = None, high: float | None = None,
           low_open: bool = False, high_open: bool = False) -> float | int:
    """A finite number (a whole one with ``integer``) within [low, high] (open ends as asked)."""
    kind = "a whole number" if integer else "a number"
    bounds = []
    if low is not None:
        bounds.append(f"{'>' if low_open else '≥'} {low:g}")
    if high is not None:
        bounds.append(f"{'<' if high_open else '≤'} {high:g}")
    want = kind + (" " + " and ".join(bounds) if bounds else "")
    bad = ConfigError(f"config: {key} must be {want}, not {value!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad
    x = float(value)
    if not math.isfinite(x) or (integer and x != int(x)):
        raise bad
    if low is not None and (x <= low if low_open else x < low):
        raise bad
    if high is not None and (x >= high if high_open else x > high):
        raise bad
    return int(x) if integer else x


def flag(value: Any, key: str) -> bool:
    """true or false (YAML booleans only: the string ``"false"`` is not false by accident)."""
    if not isinstance(value, bool):
        raise ConfigError(f"config: {key} must be true or false, not {value!r}")
    return value


def names(value: Any, key: str, *, allow_empty: bool = True) -> list[str]:
    """A list of names; a single name is read as a list of one (``sex`` -> ``[sex]``, not its letters)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                                      for v in value):
        raise ConfigError(f"config: {key} must be a list of names, not {value!r}")
    if not value and not allow_empty:
        raise ConfigError(f"config: {key} must name at least one")
    return [str(v) for v in value]


def mapping(value: Any, key: str) -> dict:
    """A mapping (absent or null: empty)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"config: {key} must be a mapping, not {value!r}")
    return dict(value)


def check_columns(wanted: list[str], present, key: str, configured: bool) -> list[str]:
    """The wanted columns the data has. A column the user *configured* and the data lacks is a
    one-line error (a typo must not silently change a model); the defaults a delivery lacks are
    left out."""
    have = set(present)
    missing = [c for c in wanted if c not in have]
    if missing and configured:
        from literacy.errors import nearest_columns

        near = nearest_columns(missing[0], have)
        hint = ("; did you mean " + " or ".join(repr(c) for c in near) + "?") if near else ""
        raise ConfigError(f"config: {key} names column(s) the data does not have: {', '.join(missing)}{hint}")
    return [c for c in wanted if c in have]
