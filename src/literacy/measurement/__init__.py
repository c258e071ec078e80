"""Measurement: item analysis and differential item functioning (DIF).

Pure computation on DataFrames / arrays of 0/1 item scores and sampling weights.
"""

from literacy.measurement.dif import MH_COLUMNS, TEST_WEIGHTS, anchor_drift, dif_table, ets_class, mantel_haenszel
from literacy.measurement.items import (
    ITEM_COLUMNS,
    RELIABILITY_COLUMNS,
    ItemAnalysis,
    cronbach_alpha,
    item_analysis,
    omega_total,
)

__all__ = [
    # items.py
    "ItemAnalysis", "item_analysis", "cronbach_alpha", "omega_total", "ITEM_COLUMNS", "RELIABILITY_COLUMNS",
    # dif.py
    "mantel_haenszel", "dif_table", "anchor_drift", "ets_class", "MH_COLUMNS", "TEST_WEIGHTS",
]
