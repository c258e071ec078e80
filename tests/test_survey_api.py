"""literacy.survey: one package of design objects with one public variance API (issue 22)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import literacy.design
import literacy.replicate
import literacy.survey
from literacy.survey import ReplicateDesign, SurveyDesign

API = ("estimator_variance", "domain_index", "domain_degf", "subset_degf", "factor_codes", "numeric_column",
       "totals_covariance", "totals_basis", "cross_covariance", "coefficient_covariance", "degf")


def test_the_old_homes_re_export_the_same_objects():
    assert literacy.design.SurveyDesign is SurveyDesign
    assert literacy.replicate.ReplicateDesign is ReplicateDesign
    assert literacy.replicate.replicate_design is literacy.survey.replicate_design
    assert literacy.design.LONELY_PSU == literacy.survey.LONELY_PSU


@pytest.mark.parametrize("first", ["literacy.survey", "literacy.weighting", "literacy.weighting.nonresponse",
                                   "literacy.models", "literacy.design", "literacy.replicate"])
def test_every_import_order_works(first):
    # literacy.survey imports models and weighting for its convenience methods; they import no design
    code = f"import {first}; import literacy.survey, literacy.weighting, literacy.models; print('ok')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def _designs():
    rng = np.random.default_rng(3)
    n = 240
    data = pd.DataFrame({"h": rng.integers(0, 4, n), "g": rng.choice(["a", "b", "c"], n),
                         "y": rng.integers(0, 2, n).astype(float), "w": rng.uniform(1, 3, n)})
    data["psu"] = data["h"] * 10 + rng.integers(0, 3, n)
    taylor = SurveyDesign(data, weights="w", strata="h", psu="psu")
    return taylor, taylor.replicate("jkn")


def test_both_designs_have_the_same_variance_api():
    for design in _designs():
        for name in API:
            assert callable(getattr(design, name)), (type(design).__name__, name)


def test_the_variance_api_gives_the_estimators_figures():
    for design in _designs():
        domain, table = design.domain_index("g")
        assert list(table["g"]) == ["a", "b", "c"] and domain.min() == 0
        codes, levels = design.factor_codes("g")
        assert (codes == domain).all() and list(levels) == ["a", "b", "c"]
        y = design.numeric_column("y")
        D = len(table)
        w = design.weights
        W_d = np.bincount(domain, weights=w, minlength=D)
        est = np.bincount(domain, weights=w * y, minlength=D) / W_d
        var = design.estimator_variance("mean", np.arange(design.n), domain, y, None, est, W_d, None, D)
        out = design.mean("y", by="g")
        np.testing.assert_allclose(out["se"], np.sqrt(var), rtol=1e-12)
        np.testing.assert_array_equal(out["df"], design.domain_degf(domain, D).astype(float))
        # the covariance of totals agrees with the totals' standard errors
        Y = np.column_stack([(domain == d).astype(float) * y for d in range(D)])
        tot, cov = design.totals_covariance(Y, np.arange(design.n))
        np.testing.assert_allclose(np.sqrt(np.diag(cov)), design.total("y", by="g")["se"], rtol=1e-10)
        basis, full = design.totals_basis(Y)
        np.testing.assert_allclose(design.cross_covariance(Y, basis, full), cov, rtol=1e-10, atol=1e-12)
