"""Scoring on hand-checked examples."""

import pandas as pd
import pytest

from literacy.errors import DataError
from literacy.scoring import score_responses

SCORING = {
    "parts": {"knowledge": [4, "", ""], "methods": [6, "", ""]},
    "max_score": 10,
    "inclusive": False,
    "levels": [{"code": "advanced", "threshold": 8}, {"code": "literate", "threshold": 6}],
}
INSTRUMENT = pd.DataFrame({
    "item_id": ["K1", "K2", "M1"],
    "part": ["knowledge", "knowledge", "methods"],
    "points": [2.0, 2.0, 6.0],
    "correct": [1, 2, 3],
    "dont_know_code": [8, 8, 8],
})


def test_scores_levels_and_dont_know_by_hand():
    responses = pd.DataFrame({
        "K1": pd.array([1, 1, 8, None], dtype="Int64"),
        "K2": pd.array([2, 1, 2, None], dtype="Int64"),
        "M1": pd.array([3, 3, 8, 3], dtype="Int64"),
    }, index=[10, 11, 12, 13])
    out = score_responses(responses, INSTRUMENT, SCORING)
    # row 10: 2 + 2 + 6 = 10; row 11: 2 + 0 + 6 = 8; row 12: 0 + 2 + 0 = 2; row 13: 6
    assert out["score"].tolist() == [10, 8, 2, 6]
    assert out["score_knowledge"].tolist() == [4, 2, 2, 0]
    assert out["score_methods"].tolist() == [6, 6, 0, 6]
    # "above" thresholds: 8 is not above 8, 6 is not above 6
    assert out["advanced"].tolist() == [1, 0, 0, 0]
    assert out["literate"].tolist() == [1, 1, 0, 0]
    assert out["n_dont_know"].tolist() == [0, 0, 2, 0]
    assert out["n_skipped"].tolist() == [0, 0, 0, 2]
    assert out["dont_know_share"].tolist() == pytest.approx([0, 0, 2 / 3, 0])
    assert list(out.index) == [10, 11, 12, 13]


def test_inclusive_thresholds_count_the_boundary():
    responses = pd.DataFrame({"K1": [1], "K2": [1], "M1": [3]})   # score 8
    out = score_responses(responses, INSTRUMENT, {**SCORING, "inclusive": True})
    assert out["advanced"].tolist() == [1]
    out = score_responses(responses, INSTRUMENT, SCORING)
    assert out["advanced"].tolist() == [0]


def test_missing_item_column_is_a_one_line_error():
    with pytest.raises(DataError, match="M1"):
        score_responses(pd.DataFrame({"K1": [1], "K2": [2]}), INSTRUMENT, SCORING)
