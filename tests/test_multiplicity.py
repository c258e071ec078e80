"""Benjamini–Hochberg adjustment: R's p.adjust(method = "BH") and a hand calculation.

The R values were printed by R 4 (``options(digits = 15); p.adjust(p, "BH")``) on this
machine and copied here; the first vector is also worked by hand below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from literacy.errors import DataError
from literacy.multiplicity import adjust_by_family, benjamini_hochberg

P_NA = [0.01, 0.04, 0.03, 0.005, 0.20, 0.04, np.nan, 0.9]
# R: p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.20, 0.04, NA, 0.9), "BH")
R_NA = [0.035, 0.056, 0.056, 0.035, 0.233333333333333, 0.056, np.nan, 0.9]

P25 = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216, 0.222, 0.251, 0.269, 0.275,
       0.34, 0.341, 0.384, 0.569, 0.594, 0.696, 0.762, 0.94, 0.942, 0.975, 0.986]
R25 = [0.025, 0.1, 0.21, 0.21, 0.21, 0.25, 0.264285714285714, 0.491071428571429, 0.491071428571429,
       0.491071428571429, 0.491071428571429, 0.491071428571429, 0.491071428571429, 0.491071428571429,
       0.5328125, 0.5328125, 0.564705882352941, 0.781578947368421, 0.781578947368421, 0.87,
       0.907142857142857, 0.986, 0.986, 0.986, 0.986]


def test_hand_calculation_with_a_missing_value():
    # m = 7 non-missing; sorted 0.005 0.01 0.03 0.04 0.04 0.2 0.9 -> p m / i
    # 0.035 0.035 0.07 0.07 0.056 0.2333 0.9 -> running minimum from the top
    # 0.035 0.035 0.056 0.056 0.056 0.2333 0.9
    r = benjamini_hochberg(P_NA)
    np.testing.assert_allclose(r["p_adjusted"], R_NA, rtol=1e-14)
    assert list(r["significant"]) == [True, False, False, True, False, False, False, False]


def test_matches_r_p_adjust_bh():
    r = benjamini_hochberg(P25, alpha=0.1)
    np.testing.assert_allclose(r["p_adjusted"], R25, rtol=1e-14)
    assert r["significant"].sum() == 2          # 0.025 and 0.1 <= 0.1


def test_series_index_is_kept_and_bad_values_refused():
    s = pd.Series([0.02, 0.5], index=["x", "y"])
    assert list(benjamini_hochberg(s).index) == ["x", "y"]
    with pytest.raises(DataError):
        benjamini_hochberg([0.1, 1.2])
    assert benjamini_hochberg([np.nan, np.nan])["p_adjusted"].isna().all()


def test_families_are_adjusted_separately():
    df = pd.DataFrame({"kind": ["district"] * 8 + ["group"] * 25, "round": "2024",
                       "p": P_NA + P25})
    out = adjust_by_family(df, "p", ["kind", "round"])
    np.testing.assert_allclose(out["p_adjusted"].iloc[:8], R_NA, rtol=1e-14)
    np.testing.assert_allclose(out["p_adjusted"].iloc[8:], R25, rtol=1e-14)
    assert list(out["family_size"].unique()) == [7, 25]
    pooled = benjamini_hochberg(df["p"])["p_adjusted"]
    assert not np.allclose(pooled.iloc[8:], R25)       # one family of 32 would differ
