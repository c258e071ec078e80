"""Scoring questionnaire responses into part scores, a total and cumulative literacy levels.

National practice (CRISP / CAST graded method): a questionnaire out of 100 points in four
parts; a respondent's total is the sum of the points of the items answered with the correct
code. "Don't know" and skipped (missing) answers score zero and are counted separately so
their share can be reported. Levels are cumulative: a respondent above 85 is also above 70.
Whether a threshold is inclusive ("70 及以上") or strict ("超过70分") is the config switch
``scoring.inclusive``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from literacy.errors import DataError

__all__ = ["score_responses", "level_indicators", "parse_valid_codes"]


def parse_valid_codes(value: object) -> list[int]:
    """Parse an instrument's ``valid_codes`` cell ("1;2;3;4") into a list of ints."""
    return [int(v) for v in str(value).replace(",", ";").split(";") if v.strip() != ""]


def level_indicators(score: np.ndarray, levels: list[dict], inclusive: bool) -> dict[str, np.ndarray]:
    """0/1 indicators of each cumulative level.

    Parameters
    ----------
    score : array of float
        Total scores; NaN gives NaN indicators.
    levels : list of dict
        Each with ``code`` and ``threshold``.
    inclusive : bool
        True for "at least the threshold", False for "above the threshold".

    Returns
    -------
    dict of level code to float array (1.0 / 0.0, NaN where the score is NaN).
    """
    score = np.asarray(score, dtype=float)
    out = {}
    for level in levels:
        t = float(level["threshold"])
        hit = score >= t if inclusive else score > t
        out[level["code"]] = np.where(np.isnan(score), np.nan, hit.astype(float))
    return out


def score_responses(responses: pd.DataFrame, instrument: pd.DataFrame, scoring: dict) -> pd.DataFrame:
    """Score every respondent against the instrument.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent with one column per instrument ``item_id`` holding the answer
        code as delivered (missing = skipped).
    instrument : DataFrame
        Columns ``item_id``, ``part``, ``points``, ``correct``, ``dont_know_code``.
    scoring : dict
        The config's ``scoring`` section (``parts``, ``levels``, ``inclusive``, ``max_score``).

    Returns
    -------
    DataFrame aligned to ``responses.index`` with ``score_<part>`` for every part, ``score``,
    ``n_dont_know``, ``n_skipped``, ``dont_know_share``, ``skipped_share`` and one int 0/1
    column per level code.
    """
    items = instrument["item_id"].astype(str).tolist()
    missing = [i for i in items if i not in responses.columns]
    if missing:
        raise DataError(f"responses lack instrument item column(s): {', '.join(missing[:5])}")
    parts = list(scoring["parts"])
    unknown = sorted(set(instrument["part"]) - set(parts))
    if unknown:
        raise DataError(f"instrument: part(s) {unknown} are not in the config's scoring.parts")

    # n x items matrix of codes; NaN = skipped.
    codes = responses[items].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    correct = instrument["correct"].to_numpy(dtype=float)
    dont_know = instrument["dont_know_code"].to_numpy(dtype=float)
    points = instrument["points"].to_numpy(dtype=float)

    right = codes == correct[None, :]
    skipped = np.isnan(codes)
    said_dont_know = codes == dont_know[None, :]

    # Part scores: (n x items) @ (items x parts) indicator of item's part, weighted by points.
    part_index = pd.Categorical(instrument["part"], categories=parts).codes
    part_matrix = np.zeros((len(items), len(parts)))
    part_matrix[np.arange(len(items)), part_index] = points
    part_scores = right.astype(float) @ part_matrix

    out = pd.DataFrame(index=responses.index)
    for j, part in enumerate(parts):
        out[f"score_{part}"] = part_scores[:, j]
    out["score"] = part_scores.sum(axis=1)
    out["n_dont_know"] = said_dont_know.sum(axis=1).astype(np.int64)
    out["n_skipped"] = skipped.sum(axis=1).astype(np.int64)
    out["dont_know_share"] = out["n_dont_know"] / len(items)
    out["skipped_share"] = out["n_skipped"] / len(items)
    indicators = level_indicators(out["score"].to_numpy(), scoring["levels"], bool(scoring["inclusive"]))
    for code, values in indicators.items():
        out[code] = values.astype(np.int64)
    out["level_class"] = level_class(indicators, scoring["levels"])
    return out


#: The class of a respondent below every level.
BELOW_ALL_LEVELS = "low"


def level_class(indicators: dict[str, np.ndarray], levels: list[dict]) -> np.ndarray:
    """The highest level each respondent reaches (exclusive classes), ``"low"`` below all.

    The cumulative 0/1 indicators say "at least this level"; the class is the one categorical
    variable a test of association needs (e.g. Rao–Scott of the level against district).
    """
    order = sorted(levels, key=lambda lv: float(lv["threshold"]), reverse=True)
    n = len(next(iter(indicators.values()))) if indicators else 0
    out = np.full(n, BELOW_ALL_LEVELS, dtype=object)
    for lv in reversed(order):   # lowest first, so a higher level overwrites
        out[np.asarray(indicators[lv["code"]], dtype=bool)] = lv["code"]
    return out
