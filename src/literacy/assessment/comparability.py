"""Whether two rounds' figures can be compared, and the linked change table when they cannot.

The raw-score change is comparable when the rounds share one questionnaire form or their
forms have enough anchor items to link (``literacy.measurement.linking_feasible``), and the
measurement stage, when it ran on different forms, made the link. When linking was refused
the linked change table still lists every domain, its change blank, ``comparable`` false and
the reason (docs/methods/comparable-rounds.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from literacy.assessment.linked import CHANGE_LINKED_COLUMNS
from literacy.assessment.schedule import SINCE_BASELINE, assessed_round, baseline_round

__all__ = ["rounds_comparable", "linking_note", "refused_change_linked", "linked_headline"]


def rounds_comparable(linking_feasible: bool, measured: dict | None) -> bool:
    """The comparability rule of the change and the verdicts.

    Parameters
    ----------
    linking_feasible : bool
        One form for both rounds, or forms with enough anchors to link (the delivery's forms).
    measured : dict or None
        The measurement stage's result (``enabled``, ``same_form``, ``comparable``), if it ran.

    Returns
    -------
    bool
        False when the forms cannot be linked, or when the measurement stage ran on
        different forms and the link could not be made; True otherwise.
    """
    comparable = bool(linking_feasible)
    if measured and measured.get("enabled") and not measured.get("same_form", True) \
            and not measured.get("comparable", True):
        comparable = False   # different forms and the link could not be made (see change_linked's note)
    return comparable


def linking_note(measured: dict) -> str:
    """The linked change table's note: how the rounds were put on one scale.

    Parameters
    ----------
    measured : dict
        The measurement stage's result: ``same_form``, ``linked_anchors``, ``anchors``,
        ``freed`` (the anchors given round-specific parameters).

    Returns
    -------
    str
    """
    if measured["same_form"]:
        return "one questionnaire form for both rounds: the link is exact (no linking error)"
    return (f"linked through {measured['linked_anchors']} of {measured['anchors']} anchor items"
            + (f" (given round-specific parameters: {', '.join(measured['freed'])})" if measured["freed"] else "")
            + "; linking error by a jackknife over the linking anchors")


def refused_change_linked(change: pd.DataFrame, reason: str | None) -> pd.DataFrame:
    """The linked change table when linking was refused: every domain, the change blank.

    Parameters
    ----------
    change : DataFrame
        The raw-score change table (``compare_rounds``).
    reason : str or None
        Why the rounds were not linked (``"linking refused"`` when not given).

    Returns
    -------
    DataFrame
        ``CHANGE_LINKED_COLUMNS``: the domains and rounds of ``change`` (its ``from_round`` and
        ``to_round``, or ``baseline_round`` and ``endline_round``), ``raw_change``,
        ``comparable`` false, ``note`` the reason, every linked figure blank.
    """
    cols = ["breakdown", "domain", "label_zh", "label_en", "level"]
    pair = ("from_round", "to_round") if {"from_round", "to_round"} <= set(change.columns) else \
        ("baseline_round", "endline_round")
    out = change[cols].copy()
    out["from_round"] = change[pair[0]].astype(str).to_numpy()
    out["to_round"] = change[pair[1]].astype(str).to_numpy()
    out["comparison"] = change["comparison"].astype(str).to_numpy() if "comparison" in change.columns \
        else SINCE_BASELINE
    out["baseline_round"], out["endline_round"] = out["from_round"], out["to_round"]
    for c in CHANGE_LINKED_COLUMNS:
        if c not in out:
            out[c] = np.nan
    out["raw_change"] = change["change"].to_numpy(dtype=float)
    out["significant_bh"] = pd.array([pd.NA] * len(out), dtype="boolean")
    out["comparable"] = False
    out["note"] = reason or "linking refused"
    out["suppressed"] = False
    out["suppression_reason"] = None
    return out[CHANGE_LINKED_COLUMNS].reset_index(drop=True)


def linked_headline(linked: pd.DataFrame, measured: dict, config: dict) -> dict:
    """The city's headline figures on the linked scale (for the headline's extra sentence).

    Parameters
    ----------
    linked : DataFrame
        The linked change table (``change_linked``).
    measured : dict
        The measurement stage's result (``same_form``).
    config : dict
        The validated config (``scoring.headline``).

    Returns
    -------
    dict
        Empty without a city row; ``linked_comparable`` false and ``linked_reason`` when the
        rounds were not linked; else the linked baseline, endline, change, its interval and
        linking SE, and ``linked_same_form``.
    """
    level = config["scoring"]["headline"]
    city = linked[(linked["breakdown"] == "city") & (linked["level"] == level)]
    if "from_round" in city.columns and city[["from_round", "to_round"]].drop_duplicates().shape[0] > 1:
        # several comparisons: the headline's is the baseline against the assessed round
        base, end = baseline_round(config).id, assessed_round(config).id
        city = city[(city["from_round"].astype(str) == base) & (city["to_round"].astype(str) == end)]
    if not len(city):
        return {}
    r = city.iloc[0]
    if not bool(r["comparable"]):
        return {"linked_comparable": False, "linked_reason": str(r["note"])}
    return {"linked_comparable": True, "linked_baseline": float(r["baseline"]), "linked_endline": float(r["endline"]),
            "linked_change": float(r["change"]), "linked_change_ci_low": float(r["ci_low"]),
            "linked_change_ci_high": float(r["ci_high"]), "linked_se_linking": float(r["se_linking"]),
            "linked_same_form": bool(measured.get("same_form", False))}
