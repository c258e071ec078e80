"""The assessment's domains: the breakdowns and key groups, their bilingual labels and the derived
columns they are read from (age bands, the plan's key-group indicators).

Group membership is a rule in the config (a list of conditions on survey variables, all of
which must hold), never a hard-coded list. The breakdowns, key groups and labels all come from
the config.

This is the shared layer below :mod:`literacy.assessment` (which exports every name here): the
methods that estimate by domain (:func:`literacy.measurement.linked_estimates`), the weighting
chain (age bands) and the simulation read it too, and none of them may import the assessment
package, whose stages import them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

import numpy as np
import pandas as pd

from literacy.errors import DataError

if TYPE_CHECKING:   # type hints only
    from literacy.survey import SurveyDesign

__all__ = ["age_band", "group_indicator", "add_derived", "label", "GROUP_TOKEN", "DomainSpec", "domain_specs",
           "group_column", "domain_labels", "level_codes", "domain_population", "ESTIMATE_COLUMNS"]

#: The columns of a table of domain estimates (``estimates.csv``), in order.
ESTIMATE_COLUMNS = ["round", "breakdown", "domain", "label_zh", "label_en", "level", "estimate", "se",
                    "ci_low", "ci_high", "df", "n", "deff", "cv", "population"]

#: In a configured breakdown, the token standing for "each key group" (a crossing such as
#: ``[district, group]``).
GROUP_TOKEN = "group"


def age_band(age: pd.Series, bands: list[dict]) -> pd.Series:
    """Map ages to the config's age-band codes.

    Parameters
    ----------
    age : Series
        Ages (coerced to numbers; a non-number is missing).
    bands : list of dict
        The config's ``survey.age_bands`` (``code``, ``low``, ``high``, bounds included).

    Returns
    -------
    Series
        ``age_band``: the code of the first band holding the age, missing outside every band.
    """
    values = pd.to_numeric(age, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    lows = np.array([b["low"] for b in bands], dtype=float)
    highs = np.array([b["high"] for b in bands], dtype=float)
    hit = (values[:, None] >= lows[None, :]) & (values[:, None] <= highs[None, :])
    codes = np.array([str(b["code"]) for b in bands], dtype=object)
    out = np.where(hit.any(axis=1), codes[hit.argmax(axis=1)], None)
    return pd.Series(out, index=age.index, dtype="object", name="age_band")


def group_indicator(data: pd.DataFrame, rule: list[dict]) -> np.ndarray:
    """0/1 membership of the rows in a group defined by all of ``rule``'s conditions.

    Parameters
    ----------
    data : DataFrame
        The rows (the columns the rule names).
    rule : list of dict
        Conditions, all of which must hold: ``{column, in: [codes]}`` or
        ``{column, between: [low, high]}`` (bounds included).

    Returns
    -------
    ndarray of int64
        1 for a member, 0 otherwise.

    Raises
    ------
    DataError
        A condition names a column the data does not have.
    """
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
    """The data with the derived analysis columns added.

    Parameters
    ----------
    data : DataFrame
        A round's data (``age`` and the columns of the key groups' rules).
    config : dict
        The validated config (``survey.age_bands``, ``groups``).

    Returns
    -------
    DataFrame
        A copy with ``age_band`` (when ``age`` is present) and a 0/1 ``group_<code>`` column per
        key group.
    """
    out = data.copy()
    if "age" in out.columns:
        out["age_band"] = age_band(out["age"], config["survey"]["age_bands"])
    for g in config["groups"]:
        out[f"group_{g['code']}"] = group_indicator(out, g["rule"])
    return out


def label(cfg: dict, variable: str, code: object) -> tuple[str, str]:
    """(zh, en) label of a survey variable's code, falling back to the code itself.

    Parameters
    ----------
    cfg : dict
        The validated config (its ``survey.labels``).
    variable : str
        The survey variable (``district``, ``education``, ...).
    code : object
        The code whose label is wanted.

    Returns
    -------
    tuple of str
        ``(zh, en)``; the code itself, twice, when the config gives no label.
    """
    pair = cfg["survey"]["labels"].get(variable, {}).get(str(code))
    if pair is None:
        return str(code), str(code)
    return str(pair[0]), str(pair[1])


@dataclass(frozen=True)
class DomainSpec:
    """One breakdown: estimated by ``by`` columns, or, for a key group, on its 0/1 indicator."""

    breakdown: str              # "city", "district", "group", "district+sex", ...
    by: tuple[str, ...]         # domain columns ((), for the city)
    group: dict | None = None   # the config's group entry, for key groups


def domain_specs(config: dict) -> Iterator[DomainSpec]:
    """The city, each configured breakdown, then each key group.

    A breakdown holding the token ``group`` (e.g. ``[district, group]``) crosses the other
    columns with each key group in turn: ``by`` is ``(district, group_<code>)`` and only the
    group's members (indicator 1) are kept, so the domains are the groups within districts,
    estimated on the full design.

    Parameters
    ----------
    config : dict
        The validated config (``breakdowns``, ``groups``).

    Yields
    ------
    DomainSpec
        One per breakdown, in the order above.
    """
    yield DomainSpec("city", ())
    for cols in config["breakdowns"]:
        if GROUP_TOKEN in cols:
            for g in config["groups"]:
                yield DomainSpec("+".join(cols), tuple(f"group_{g['code']}" if c == GROUP_TOKEN else c
                                                       for c in cols), g)
            continue
        yield DomainSpec("+".join(cols), tuple(cols))
    for g in config["groups"]:
        yield DomainSpec("group", (f"group_{g['code']}",), g)


def group_column(spec: DomainSpec) -> str:
    """The indicator column of a key-group domain spec.

    Parameters
    ----------
    spec : DomainSpec
        A spec whose ``group`` is set (a key group, alone or crossed).

    Returns
    -------
    str
        ``group_<code>``: the 0/1 column marking the group's members.
    """
    return f"group_{spec.group['code']}"


def domain_labels(config: dict, spec: DomainSpec, keys: pd.DataFrame) -> pd.DataFrame:
    """The domain code and its bilingual labels for each row of ``keys``.

    Parameters
    ----------
    config : dict
        The resolved assessment config (its ``survey.labels`` name the codes).
    spec : DomainSpec
        The breakdown the rows belong to.
    keys : DataFrame
        The ``spec.by`` values of each domain (any frame for the city).

    Returns
    -------
    DataFrame
        ``domain`` (the codes joined by ``+``; a key group's own code; ``all`` for the city),
        ``label_zh`` and ``label_en``, on the index of ``keys``.
    """
    if spec.breakdown == "city":
        k = len(keys)
        return pd.DataFrame({"domain": ["all"] * k, "label_zh": ["全市"] * k, "label_en": ["City"] * k},
                            index=keys.index)
    if spec.group is not None and len(spec.by) == 1:
        g = spec.group
        return pd.DataFrame({"domain": [g["code"]] * len(keys), "label_zh": [g["zh"]] * len(keys),
                             "label_en": [g["en"]] * len(keys)}, index=keys.index)
    if spec.group is not None:   # a crossing with a key group: the group's code and labels
        gcol, g = group_column(spec), spec.group
        codes = keys[list(spec.by)].astype(str)
        codes[gcol] = str(g["code"])
        zh_cols = [[label(config, c, v)[0] for v in codes[c]] if c != gcol else [str(g["zh"])] * len(keys)
                   for c in spec.by]
        en_cols = [[label(config, c, v)[1] for v in codes[c]] if c != gcol else [str(g["en"])] * len(keys)
                   for c in spec.by]
    else:
        codes = keys[list(spec.by)].astype(str)
        zh_cols = [[label(config, c, v)[0] for v in codes[c]] for c in spec.by]
        en_cols = [[label(config, c, v)[1] for v in codes[c]] for c in spec.by]
    return pd.DataFrame({
        "domain": ["+".join(parts) for parts in zip(*[codes[c] for c in spec.by])],
        "label_zh": ["·".join(parts) for parts in zip(*zh_cols)],
        "label_en": [" · ".join(parts) for parts in zip(*en_cols)],
    }, index=keys.index)


def level_codes(config: dict) -> list[str]:
    """The configured level codes, highest threshold first as in the config.

    Parameters
    ----------
    config : dict
        The validated config (``scoring.levels``).

    Returns
    -------
    list of str
    """
    return [lv["code"] for lv in config["scoring"]["levels"]]


def domain_population(design: SurveyDesign, spec: DomainSpec) -> dict:
    """The estimated number of adults in each domain of a breakdown.

    Parameters
    ----------
    design : SurveyDesign
        The round's design (its weights).
    spec : DomainSpec
        The breakdown; a key group counts its members only.

    Returns
    -------
    dict
        Domain code (as :func:`domain_labels` writes it) -> sum of weights.
    """
    w = pd.Series(design.weights, index=design.data.index)
    if not spec.by:
        return {"all": float(w.sum())}
    if spec.group is not None and len(spec.by) == 1:
        member = design.data[spec.by[0]].astype(int) == 1
        return {spec.group["code"]: float(w[member].sum())}
    keys = design.data[list(spec.by)].astype(str)
    if spec.group is not None:   # crossing with a key group: members only, coded by the group's code
        gcol = group_column(spec)
        member = (design.data[gcol].astype(int) == 1).to_numpy()
        w, keys = w[member], keys[member].assign(**{gcol: str(spec.group["code"])})
    sums = w.groupby([keys[c] for c in spec.by], sort=True).sum()
    return {("+".join(k) if isinstance(k, tuple) else str(k)): float(v) for k, v in sums.items()}
