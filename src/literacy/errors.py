"""Exceptions for user mistakes: each carries a one-line message meant to be shown as is."""

from __future__ import annotations


class LiteracyError(ValueError):
    """A problem with the user's input; its message is one line naming what and where."""


class ConfigError(LiteracyError):
    """The assessment config is malformed or inconsistent."""


class DesignError(LiteracyError):
    """A survey design that cannot be estimated on (bad weights, strata or PSUs)."""


class DataError(LiteracyError):
    """Survey data that does not fit the instrument or the config."""


def nearest_columns(column: str, columns, n: int = 3) -> list[str]:
    """The existing column names closest to a name that is not there (a typo, another case)."""
    import difflib

    names = [str(c) for c in columns]
    lower = {c.lower(): c for c in names}
    if str(column).lower() in lower:            # the same name in another case
        return [lower[str(column).lower()]]
    return difflib.get_close_matches(str(column), names, n=n, cutoff=0.6)


def not_in_data(column: str, columns, what: str = "column") -> str:
    """``column 'literat' is not in the data; did you mean 'literate'? (the data's header lists its N
    columns)``: a message for a name the data does not have, with the nearest names."""
    near = nearest_columns(column, columns)
    hint = ("; did you mean " + " or ".join(repr(c) for c in near) + "?") if near else ""
    return (f"{what} {str(column)!r} is not in the data{hint} (the header row lists the data's "
            f"{len(list(columns))} columns)")
