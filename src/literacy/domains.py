"""Derived analysis variables: age bands and the plan's key-group indicators.

Group membership is a rule in the config (a list of conditions on survey variables, all of
which must hold), never a hard-coded list.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from literacy.errors import DataError

__all__ = ["age_band", "group_indicator", "add_derived"]


def age_band(age: pd.Series, bands: list[dict]) -> pd.Series:
    """Map ages to the config's age-band codes (missing outside every band)."""
    values = pd.to_numeric(age, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    lows = np.array([b["low"] for b in bands], dtype=float)
    highs = np.array([b["high"] for b in bands], dtype=float)
    hit = (values[:, None] >= lows[None, :]) & (values[:, None] <= highs[None, :])
    codes = np.array([str(b["code"]) for b in bands], dtype=object)
    out = np.where(hit.any(axis=1), codes[hit.argmax(axis=1)], None)
    return pd.Series(out, index=age.index, dtype="object", name="age_band")


def group_indicator(data: pd.DataFrame, rule: list[dict]) -> np.ndarray:
    """0/1 membership of the rows in a group defined by all of ``rule``'s conditions."""
    member = np.ones(len(data), dtype=bool)
    for cond in rule:
        col = cond["column"]
        if col not in data.columns:
            raise DataError(f"group rule refers to column '{col}', which the data does not have")
        if "in" in cond:
            allowed = {str(v) for v in cond["in"]}
            member &= data[col].astype(str).isin(allowed).to_numpy()
        else:
            low, high = cond["between"]
            x = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            member &= (x >= float(low)) & (x <= float(high))
    return member.astype(np.int64)


def add_derived(data: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Return a copy of ``data`` with ``age_band`` and ``group_<code>`` (0/1) columns added."""
    out = data.copy()
    if "age" in out.columns:
        out["age_band"] = age_band(out["age"], config["survey"]["age_bands"])
    for g in config["groups"]:
        out[f"group_{g['code']}"] = group_indicator(out, g["rule"])
    return out
