"""The config's columns checked against the data: a column the user named in the config and the
data lacks is a one-line :class:`ConfigError` (the config's own keys and values are checked when it
is read, by the typed model in :mod:`literacy.settings`).
"""

from __future__ import annotations

from literacy.errors import ConfigError, nearest_columns

__all__ = ["check_columns"]


def check_columns(wanted: list[str], present, key: str, configured: bool) -> list[str]:
    """The wanted columns the data has. A column the user *configured* and the data lacks is a
    one-line error (a typo must not silently change a model); the defaults a delivery lacks are
    left out."""
    have = set(present)
    missing = [c for c in wanted if c not in have]
    if missing and configured:
        near = nearest_columns(missing[0], have)
        hint = ("; did you mean " + " or ".join(repr(c) for c in near) + "?") if near else ""
        raise ConfigError(f"config: {key} names column(s) the data does not have: {', '.join(missing)}{hint}")
    return [c for c in wanted if c in have]
