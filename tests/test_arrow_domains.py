"""Arrow-backed string columns (pandas 3 reading Parquet) take pyarrow's dictionary encoding: the
domains, their order and every estimate must be exactly those of the same data as Python strings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from literacy import SurveyDesign
from literacy.survey import factorize

pa = pytest.importorskip("pyarrow")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["b", "a", "海南区", "Wuda", "a ", "", "z9"])), min_size=1,
                max_size=60))
def test_arrow_codes_are_pandas_sorted_codes(values):
    obj = pd.Series(values, dtype=object)
    arrow = pd.Series(values, dtype=pd.ArrowDtype(pa.string()))
    want_codes, want_uniques = pd.factorize(obj, sort=True)
    got_codes, got_uniques = factorize(arrow)
    assert got_codes.tolist() == want_codes.tolist()
    assert [str(u) for u in got_uniques] == [str(u) for u in want_uniques]


def _frame(rng, n=3000):
    district = np.array(["haibowan", "hainan", "wuda"])[rng.integers(0, 3, n)].astype(object)
    sex = np.where(rng.random(n) < 0.5, "male", "female").astype(object)
    sex[rng.random(n) < 0.02] = None                         # missing: outside every domain
    return pd.DataFrame({"stratum": district, "psu": rng.integers(0, 12, n).astype(str), "district": district,
                         "sex": sex, "age": np.array(["18-29", "30-39", "60-69"])[rng.integers(0, 3, n)],
                         "w": rng.uniform(1, 3, n), "y": (rng.random(n) < 0.3).astype(int)})


@pytest.mark.parametrize("string_dtype", ["str", "string[pyarrow]", "category"])
def test_three_string_domains_equal_the_object_path(tmp_path, string_dtype):
    df = _frame(np.random.default_rng(3))
    cols = ["stratum", "psu", "district", "sex", "age"]
    typed = df.astype({c: string_dtype for c in cols})
    if string_dtype == "str":                       # as pandas 3 reads it from Parquet
        df.to_parquet(tmp_path / "d.parquet")
        typed = pd.read_parquet(tmp_path / "d.parquet")
    want = SurveyDesign(df, weights="w", strata="stratum", psu="psu", nest=True).proportion(
        "y", by=["district", "sex", "age"])
    got = SurveyDesign(typed, weights="w", strata="stratum", psu="psu", nest=True).proportion(
        "y", by=["district", "sex", "age"])
    assert len(got) == len(want) == 18
    for c in ("district", "sex", "age"):
        assert got[c].astype(str).tolist() == want[c].astype(str).tolist()
    for c in ("estimate", "se", "ci_low", "ci_high", "df", "n", "deff"):
        np.testing.assert_array_equal(got[c].to_numpy(), want[c].to_numpy())
