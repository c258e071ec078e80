"""The measurement stage's columns over every round (issue 23): the keys of a change between any
two rounds on the linked scale and each round's share's linking error.

Plain entries (code, zh label, en label, number format, description) that
:mod:`literacy.catalog.columns` turns into its ``Column`` records, so this module needs nothing
from it.
"""

from __future__ import annotations

from literacy.catalog.formats import SHARE

__all__ = ["MEASUREMENT_COLUMNS"]

#: (code, label_zh, label_en, number format, description) of the measurement's new columns.
MEASUREMENT_COLUMNS: tuple[tuple, ...] = (
    ("from_estimate", "起始轮比例", "From-round share", SHARE, "the earlier round's linked share"),
    ("to_estimate", "终止轮比例", "To-round share", SHARE, "the later round's linked share"),
    ("se_linking_from", "起始轮等值标准误", "SE linking, from round", None,
     "the earlier round's share's linking error (anchor jackknife), shown beside, not in se_total"),
    ("se_linking_to", "终止轮等值标准误", "SE linking, to round", None,
     "the later round's share's linking error (anchor jackknife), shown beside, not in se_total"),
)
