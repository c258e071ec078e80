"""``literacy estimate`` on one design saved in every format the delivery readers take.

R's apiclus1 (one-stage cluster sample of districts, ``svydesign(id=~dnum, weights=~pw,
fpc=~fpc)``) is written as UTF-8, UTF-8-with-BOM and GBK CSV, Excel, SPSS (.sav, .zsav),
Stata (.dta) and Parquet. The school type is delivered as Chinese text, or in SPSS / Stata as
codes 1/2/3 with Chinese value labels; the outcome and the PSU carry value labels too, which
must not be applied (a PSU labelled by one of three regions would merge clusters). Every
format must give the same bytes as the UTF-8 CSV, and those must match R's answers in
``tests/golden`` (R's survey 4.1-1 on R's ``api`` data).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from literacy_flows.cli import main
from reference import reference

ZH = {"E": "小学", "M": "初中", "H": "高中"}          # elementary, middle, high school
CODE = {"E": 1, "H": 2, "M": 3}
FORMATS = ["csv", "csv-bom", "csv-gbk", "xlsx", "sav", "zsav", "dta", "parquet"]
DESIGN = ["--weights", "pw", "--psu", "dnum", "--fpc", "fpc"]


@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    df = reference("apiclus1.csv")
    return df.rename(columns={"sch.wide": "sch_wide"})  # a Stata variable name has no dot


def _save(df: pd.DataFrame, folder: Path, fmt: str) -> Path:
    """The design as a vendor would deliver it in ``fmt``."""
    text = df.assign(stype=df["stype"].map(ZH))
    if fmt.startswith("csv"):
        encoding = {"csv": "utf-8", "csv-bom": "utf-8-sig", "csv-gbk": "gbk"}[fmt]
        path = folder / f"design-{fmt}.csv"
        path.write_bytes(text.to_csv(index=False, lineterminator="\n").encode(encoding))
    elif fmt == "xlsx":
        path = folder / "design.xlsx"
        text.to_excel(path, index=False)
    elif fmt == "parquet":
        path = folder / "design.parquet"
        text.to_parquet(path, index=False)
    else:
        import pyreadstat

        path = folder / f"design.{fmt}"
        coded = df.assign(stype=df["stype"].map(CODE))
        labels = {"stype": {CODE[k]: ZH[k] for k in CODE},
                  "awards_yes": {0: "否", 1: "是"},
                  "dnum": {int(d): f"region {int(d) % 3}" for d in df["dnum"].unique()}}
        if fmt == "dta":
            pyreadstat.write_dta(coded, str(path), variable_value_labels=labels)
        else:
            pyreadstat.write_sav(coded, str(path), compress=(fmt == "zsav"), variable_value_labels=labels)
    return path


def _estimate(path: Path, out: Path, *args: str) -> str:
    assert main(["estimate", str(path), *args, "-o", str(out)]) == 0
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def by_format(apiclus1, tmp_path_factory) -> dict:
    """Format -> (proportion by school type, overall means): the output files' text."""
    folder = tmp_path_factory.mktemp("formats")
    got = {}
    for fmt in FORMATS:
        path = _save(apiclus1, folder, fmt)
        by_type = _estimate(path, folder / f"{fmt}-by.csv", "--y", "awards_yes", "--by", "stype", *DESIGN,
                            "--ci", "beta")
        overall = _estimate(path, folder / f"{fmt}-overall.csv", "--y", "awards_yes,api00", "--stat", "mean",
                            *DESIGN)
        got[fmt] = (by_type, overall)
    return got


@pytest.mark.parametrize("fmt", FORMATS[1:])
def test_every_format_gives_the_same_table_as_utf8_csv(by_format, fmt):
    assert by_format[fmt] == by_format["csv"]


def test_the_tables_are_r_survey_answers(by_format):
    by_type = pd.read_csv(pd.io.common.StringIO(by_format["csv"][0])).set_index("stype").sort_index()
    ref = reference("apiclus1_awards_by_stype_taylor.csv")
    ref = ref.assign(stype=ref["stype"].map(ZH)).set_index("stype").sort_index()
    assert list(by_type.index) == list(ref.index)    # the labels, as Chinese text, in every format
    assert (by_type["statistic"] == "proportion").all()
    np.testing.assert_allclose(by_type["estimate"], ref["estimate"], rtol=1e-12)
    np.testing.assert_allclose(by_type["se"], ref["se"], rtol=1e-9)
    np.testing.assert_allclose(by_type["ci_low"], ref["beta_low"], rtol=1e-7)
    np.testing.assert_allclose(by_type["ci_high"], ref["beta_high"], rtol=1e-7)
    np.testing.assert_allclose(by_type["df"], ref["domain_df"])

    overall = pd.read_csv(pd.io.common.StringIO(by_format["csv"][1])).set_index("variable")
    ref = reference("apiclus1_overall_taylor.csv").set_index("variable")
    np.testing.assert_allclose(overall.loc[ref.index, "estimate"], ref["estimate"], rtol=1e-12)
    np.testing.assert_allclose(overall.loc[ref.index, "se"], ref["se"], rtol=1e-9)


def test_spss_user_missing_codes_are_missing(apiclus1, tmp_path):
    """api00 = 9999 declared missing in SPSS reads as the blank cells of the CSV (with --na-rm)."""
    import pyreadstat

    gone = apiclus1.index[::20]
    csv = tmp_path / "blank.csv"
    apiclus1.assign(api00=apiclus1["api00"].astype(float).mask(apiclus1.index.isin(gone))).to_csv(csv, index=False)
    sav = tmp_path / "declared.sav"
    coded = apiclus1.assign(api00=apiclus1["api00"].where(~apiclus1.index.isin(gone), 9999).astype(float))
    pyreadstat.write_sav(coded, str(sav), missing_ranges={"api00": [9999]})
    args = ["--y", "api00", *DESIGN, "--na-rm"]
    expected = _estimate(csv, tmp_path / "csv.csv", *args)
    assert _estimate(sav, tmp_path / "sav.csv", *args) == expected
    assert pd.read_csv(pd.io.common.StringIO(expected))["n"].iloc[0] == len(apiclus1) - len(gone)
    # without --na-rm the mean is missing, as R's svymean without na.rm=TRUE: nothing dropped silently
    no_rm = _estimate(sav, tmp_path / "sav-all.csv", "--y", "api00", *DESIGN)
    assert np.isnan(pd.read_csv(pd.io.common.StringIO(no_rm))["estimate"].iloc[0])


@pytest.mark.parametrize("name, message", [
    ("design.txt", "unsupported file type '.txt' (rename it to .csv if it is CSV)"),
    ("design.foo", "unsupported file type '.foo' (use one of .csv, .xlsx, .sav, .zsav, .dta, .parquet)"),
    ("design", "unsupported file type ''"),
])
def test_unknown_extension_is_one_line_naming_the_file(apiclus1, tmp_path, capsys, name, message):
    path = tmp_path / name
    apiclus1.to_csv(path, index=False)
    assert main(["estimate", str(path), "--y", "awards_yes", *DESIGN]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1 and "Traceback" not in captured.err
    assert lines[0].startswith(f"literacy: error: {path.as_posix()}: ") and message in lines[0]


@pytest.mark.parametrize("fmt, where", [("csv", "line 5"), ("xlsx", "row 5")])
def test_a_cell_that_is_not_a_number_is_named_by_its_position(apiclus1, tmp_path, capsys, fmt, where):
    df = apiclus1.assign(pw=apiclus1["pw"].astype(object))
    df.loc[3, "pw"] = "n/k"           # the 4th record: CSV line 5 / sheet row 5 (header first)
    path = tmp_path / f"bad.{fmt}"
    df.to_csv(path, index=False) if fmt == "csv" else df.to_excel(path, index=False)
    assert main(["estimate", str(path), "--y", "awards_yes", *DESIGN]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert f"bad.{fmt}: column 'pw' is not numeric: 'n/k' at {where}" in lines[0]


@pytest.mark.parametrize("fmt", ["sav", "dta", "parquet"])
def test_replicate_weights_from_any_format(tmp_path, fmt):
    """Fay replicate weights (R's golden answer); in SPSS a replicate column carries a value label
    that must not be applied."""
    import pyreadstat

    golden = Path(__file__).resolve().parent / "golden"
    data = pd.read_csv(golden / "apistrat_fay_repweights.csv").rename(columns={"sch.wide": "sch_wide"})
    path = tmp_path / f"fay.{fmt}"
    if fmt == "parquet":
        data.to_parquet(path, index=False)
    else:
        labels = {"high": {0: "no", 1: "yes"}}
        if fmt == "sav":   # Stata labels integers only
            labels["repw1"] = {float(data["repw1"].iloc[0]): "high"}
        writer = pyreadstat.write_dta if fmt == "dta" else pyreadstat.write_sav
        writer(data, str(path), variable_value_labels=labels)
    text = _estimate(path, tmp_path / "out.csv", "--y", "high", "--by", "sch_wide", "--weights", "pw",
                     "--replicate-weights", "^repw", "--replicate-method", "fay", "--rho", "0.3")
    res = pd.read_csv(pd.io.common.StringIO(text)).set_index("sch_wide")
    ref = pd.read_csv(golden / "apistrat_fay_by_schwide.csv").set_index("sch.wide")
    np.testing.assert_allclose(res.loc[ref.index, "estimate"], ref["estimate"], rtol=1e-12)
    np.testing.assert_allclose(res.loc[ref.index, "se"], ref["se"], rtol=1e-9)
