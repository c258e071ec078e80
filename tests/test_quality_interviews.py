"""Interview data quality (literacy.quality.interviews, .interviewers).

Golden values: the intra-interviewer correlation and the interviewer z tests from
``golden/make_golden_interviewers.R`` (base R: lm, anova, p.adjust) on the sample it writes; the
speeder, straight-lining, duplicate and item-nonresponse rules by hand on small tables.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from literacy.errors import DataError
from literacy.quality.interviewers import interviewer_effects, interviewer_icc
from literacy.quality.interviews import duplicates, item_nonresponse, speeders, straightlining

GOLDEN = Path(__file__).parent / "golden"


def test_speeders_are_relative_to_their_modes_median():
    dur = pd.Series([600, 620, 580, 150, 300, 310, 290, 80.0, np.nan])
    mode = pd.Series(["capi"] * 4 + ["cati"] * 5)
    out = speeders(dur, mode, share=0.3)
    # capi median 590: 150 / 590 = 0.254 < 0.3; cati median 295: 80 / 295 = 0.271 < 0.3
    assert out["speeder"].tolist() == [False, False, False, True, False, False, False, True, False]
    assert out["mode_median"].iloc[0] == 590 and out["mode_median"].iloc[4] == 295
    with pytest.raises(DataError, match=r"line 4, column 'duration_seconds': a duration cannot be negative \(-5\)"):
        speeders(pd.Series([10, 20, -5]))


def test_straightlining_by_hand():
    items = [f"T{i}" for i in range(10)]
    rows = [[1] * 10, [1] * 9 + [2], [1, 2] * 5, [1] * 8 + [8, 8], [1] * 5 + [None] * 5]
    a = pd.DataFrame(rows, columns=items)
    out = straightlining(a, min_items=10, share=0.9)
    assert out["straightliner"].tolist() == [True, True, False, False, False]
    np.testing.assert_allclose(out["modal_share"], [1.0, 0.9, 0.5, 0.0, 0.0])   # 8 answered < 10: not judged
    out = straightlining(a, min_items=5, share=0.9)
    assert out["straightliner"].tolist() == [True, True, False, True, True]


def test_duplicates_exact_and_near():
    rng = np.random.default_rng(1)
    n, k = 40, 30
    key = rng.integers(1, 3, k)
    a = np.where(rng.random((n, k)) < 0.8, key, 3 - key)          # mostly the key: common answers agree
    a[5] = a[2]                                                    # an exact copy
    a[9] = a[3]
    a[9, :1] = 3 - a[9, :1]                                        # a copy with one answer changed
    answers = pd.DataFrame(a, columns=[f"Q{i}" for i in range(k)])
    ids = pd.Series([f"r{i}" for i in range(n)])
    inter = pd.Series(["A"] * 20 + ["B"] * 20)
    out = duplicates(answers, ids, group=inter, near_share=0.95, min_rare=3)
    assert out.loc[5, "exact_duplicate_of"] == "r2" and out.loc[2, "exact_duplicate_of"] == ""
    assert out.loc[9, "near_duplicate"] and out.loc[9, "match_with"] == "r3"
    assert out.loc[9, "max_match"] == pytest.approx(29 / 30)
    flagged = set(out.index[out["near_duplicate"] | (out["exact_duplicate_of"] != "")])
    assert flagged <= {2, 3, 5, 9}          # the originals may be flagged as their copies' near twin
    # a pair that agrees only on the common (key) answers is not a near duplicate
    b = np.tile(key, (4, 1))
    out2 = duplicates(pd.DataFrame(b[:2]), pd.Series(["x", "y"]), min_rare=1)
    assert out2.loc[1, "exact_duplicate_of"] == "x"
    c = np.tile(key, (2, 1))
    c[1, 0] = 3 - c[1, 0]
    out3 = duplicates(pd.DataFrame(c), pd.Series(["x", "y"]), near_share=0.9, min_rare=1)
    assert not out3["near_duplicate"].any()


def test_duplicates_do_not_depend_on_the_block_size():
    rng = np.random.default_rng(3)
    a = pd.DataFrame(rng.integers(1, 4, (50, 12)))
    ids = pd.Series([f"r{i}" for i in range(50)])
    pd.testing.assert_frame_equal(duplicates(a, ids, block=7), duplicates(a, ids, block=256))


def test_item_nonresponse_by_hand():
    a = pd.DataFrame({"Q1": [1, 8, None, 2], "Q2": [1, 1, 1, None]})
    out = item_nonresponse(a, dont_know=8, by=pd.Series(["A", "A", "B", "B"], name="interviewer"))
    allq1 = out[(out["breakdown"] == "all") & (out["item"] == "Q1")].iloc[0]
    assert (allq1["skipped"], allq1["dont_know"], allq1["interviews"]) == (0.25, 0.25, 4)
    bq2 = out[(out["breakdown"] == "interviewer") & (out["group"] == "B") & (out["item"] == "Q2")].iloc[0]
    assert bq2["skipped"] == 0.5


@pytest.fixture(scope="module")
def interviewer_data():
    d = pd.read_csv(GOLDEN / "interviewers_sample.csv")
    g = pd.read_csv(GOLDEN / "interviewers_golden.csv", skipinitialspace=True)
    return d, dict(zip(g["quantity"], g["value"]))


def test_interviewer_effects_match_r(interviewer_data):
    d, ref = interviewer_data
    table, summary = interviewer_effects(d["score"].to_numpy(), d["interviewer"], d[["sex", "age"]])
    assert summary["msb"] == pytest.approx(ref["msb"], rel=1e-10)
    assert summary["msw"] == pytest.approx(ref["msw"], rel=1e-10)
    assert summary["icc"] == pytest.approx(ref["icc"], rel=1e-10)
    assert summary["deff"] == pytest.approx(ref["deff"], rel=1e-10)
    assert summary["residual_sd"] == pytest.approx(ref["residual_sd"], rel=1e-10)
    t = table.set_index("interviewer")
    for name in t.index:
        assert t.loc[name, "z"] == pytest.approx(ref[f"z_{name}"], rel=1e-9)
        assert t.loc[name, "p_adjusted"] == pytest.approx(ref[f"padj_{name}"], rel=1e-8)
    assert t.index[t["outlier"]].tolist() == ["I07"]             # the planted one, and only it


def test_icc_by_hand():
    # two interviewers, two interviews each: means 1 and 3, grand mean 2
    out = interviewer_icc(np.array([0.0, 2.0, 2.0, 4.0]), np.array([0, 0, 1, 1]))
    # SSB = 2 * 1 + 2 * 1 = 4 (df 1); SSW = 1 + 1 + 1 + 1 = 4 (df 2); m0 = 2
    assert out["msb"] == 4 and out["msw"] == 2
    assert out["icc"] == pytest.approx((4 - 2) / (4 + 2))
    assert out["deff"] == pytest.approx(1 + (2 - 1) * (1 / 3))
