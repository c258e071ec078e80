"""`literacy estimate` on the R reference files, from the command line entry point."""


import numpy as np
import pandas as pd
import pytest

from literacy_flows.cli import main
from reference import golden_path, reference



def test_estimate_reproduces_r_by_domain_with_beta_ci(tmp_path):
    out = tmp_path / "awards.csv"
    code = main(["estimate", str(golden_path("apiclus1.csv")), "--y", "awards_yes", "--by", "stype",
                 "--weights", "pw", "--psu", "dnum", "--fpc", "fpc", "--ci", "beta", "-o", str(out)])
    assert code == 0
    res = pd.read_csv(out).set_index("stype").sort_index()
    ref = reference("apiclus1_awards_by_stype_taylor.csv").set_index("stype").sort_index()
    np.testing.assert_allclose(res["estimate"], ref["estimate"], rtol=1e-12)
    np.testing.assert_allclose(res["se"], ref["se"], rtol=1e-9)
    np.testing.assert_allclose(res["ci_low"], ref["beta_low"], rtol=1e-7)
    np.testing.assert_allclose(res["ci_high"], ref["beta_high"], rtol=1e-7)
    assert (res["statistic"] == "proportion").all()


def test_estimate_two_stage_and_replicate_weights(tmp_path, capsys):
    assert main(["estimate", str(golden_path("apiclus2.csv")), "--y", "awards_yes", "--by", "stype",
                 "--weights", "pw", "--psu", "dnum,snum", "--fpc", "fpc1,fpc2", "--format", "csv"]) == 0
    res = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out)).set_index("stype").sort_index()
    ref = reference("apiclus2_awards_by_stype_twostage.csv").set_index("stype").sort_index()
    np.testing.assert_allclose(res["se"], ref["se"], rtol=1e-9)
    assert main(["estimate", str(golden_path("apistrat_fay_repweights.csv")), "--y", "high", "--by", "sch.wide",
                 "--weights", "pw", "--replicate-weights", "^repw", "--replicate-method", "fay",
                 "--rho", "0.3", "--format", "csv"]) == 0
    res = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out)).set_index("sch.wide")
    ref = pd.read_csv(golden_path("apistrat_fay_by_schwide.csv")).set_index("sch.wide")
    np.testing.assert_allclose(res.loc[ref.index, "se"], ref["se"], rtol=1e-9)


@pytest.mark.parametrize("args, message", [
    (["--y", "nope", "--weights", "pw"], "column 'nope' is not in the data"),
    (["--y", "api00", "--weights", "pw", "--stat", "ratio"], "needs a denominator"),
    (["--y", "api00", "--weights", "pw", "--psu", "dnum", "--strata", "dnum"], "stratum '637' has only one PSU"),
    (["--y", "api00", "--weights", "missing_w"], "weight column 'missing_w'"),
])
def test_estimate_user_errors_are_one_line(args, message, capsys):
    assert main(["estimate", str(golden_path("apiclus1.csv")), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]


def test_estimate_missing_file_is_one_line(tmp_path, capsys):
    assert main(["estimate", str(tmp_path / "none.csv"), "--y", "a", "--weights", "w"]) == 2
    assert "file not found" in capsys.readouterr().err
