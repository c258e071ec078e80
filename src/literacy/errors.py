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
