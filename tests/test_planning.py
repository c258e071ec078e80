"""Next round's sample sizes and detectable change, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from literacy.errors import DataError
from literacy.planning import detectable_change, intra_psu_correlation, required_sample

Z95 = 1.959963984540054
Z80 = 0.8416212335729143


def domains():
    return pd.DataFrame({"domain": ["city", "north", "young"], "estimate": [0.5, 0.3, 0.2],
                         "deff": [2.0, 1.5, 1.0], "respondents_per_psu": [11.0, 6.0, 4.0],
                         "response_rate": [0.5, 0.6, 0.8]})


def test_rho_from_design_effect():
    np.testing.assert_allclose(intra_psu_correlation([2.0, 1.5, 0.9], [11, 6, 5]), [0.1, 0.1, 0.0])


def test_sizes_for_an_effective_sample_of_400():
    out = required_sample(domains())
    # city: ρ = 0.1, deff 2 -> 800 respondents, 1600 adults, 800/11 -> 73 PSUs
    # north: ρ = 0.1, deff 1.5 -> 600, 600/0.6 = 1000, 100 PSUs
    # young: ρ = 0, deff 1 -> 400, 500, 100 PSUs
    assert list(out["respondents"]) == [800, 600, 400]
    assert list(out["sampled_adults"]) == [1600, 1000, 500]
    assert list(out["psus"]) == [73, 100, 100]
    np.testing.assert_allclose(out["rho"], [0.1, 0.1, 0.0])
    assert (out["target"] == "effective sample size 400").all()
    # two rounds of 800 respondents with deff 2 at p = 0.5: (1.96 + 0.84) sqrt(2 · 0.25 · 2 / 800)
    assert out["detectable_change"].iloc[0] == pytest.approx((Z95 + Z80) * np.sqrt(2 * 0.25 * 2 / 800), rel=1e-12)
    assert out["detectable_change"].iloc[0] == pytest.approx(0.0990510, abs=1e-7)  # 2.801585 × 0.0353553


def test_smaller_take_per_psu_lowers_the_design_effect():
    out = required_sample(domains(), planned_per_psu=6.0)
    # city: deff 1 + 5 · 0.1 = 1.5 -> 600 respondents, 100 PSUs
    assert out["deff_planned"].iloc[0] == pytest.approx(1.5)
    assert out["respondents"].iloc[0] == 600 and out["psus"].iloc[0] == 100


def test_sizes_for_a_ci_half_width():
    out = required_sample(domains(), half_width=0.03)
    # city: n_eff = 1.96² · 0.25 / 0.03² = 1067.07 -> × 2 = 2134.1 -> 2135
    assert out["n_eff_required"].iloc[0] == pytest.approx(Z95**2 * 0.25 / 0.0009)
    assert out["respondents"].iloc[0] == 2135
    assert out["target"].iloc[0].startswith("CI half-width 0.03")


def test_given_rho_and_errors():
    out = required_sample(domains(), rho=0.05)
    assert out["deff_planned"].iloc[0] == pytest.approx(1.5)
    bad = domains().assign(response_rate=[0.5, 0.0, 0.8])
    with pytest.raises(DataError, match="response rates"):
        required_sample(bad)


def test_detectable_change_formula():
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.9)
    assert detectable_change(0.3, 500, 1.2, power=0.9) == pytest.approx(z * np.sqrt(2 * 0.21 * 1.2 / 500))
