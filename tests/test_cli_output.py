"""What ``literacy estimate`` and ``literacy plan`` print (issue 24): a table under a design header by
default, ``--format csv`` with every digit, ``--format json`` records, ``-o`` written atomically and
announced; progress lines only in a terminal.

The header's numbers are counted by hand from R's ``api`` samples (``tests/golden``, written by
``make_golden.R``): apiclus1 is one-stage, 15 districts, 183 schools, no strata; apistrat_psu is
stratified by school type (3 strata) with 7 pseudo-clusters in each (``psu = snum %% 7``,
nested), 200 schools; the weights of both sum to the 6,194 schools of California's population.
The table's figures are R's answers rounded as the table's rule says.
"""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pandas as pd
import pytest

from literacy_flows import progress
from literacy_flows.cli import main
from literacy_flows.report.console import display_width, fixed, infer_format, text_table
from reference import golden_path, reference

CLUS1 = ["--weights", "pw", "--psu", "dnum", "--fpc", "fpc"]
STRAT = ["--weights", "pw", "--strata", "stype", "--psu", "psu", "--nest"]


def _run(capsys, *argv) -> str:
    assert main(list(argv)) == 0
    captured = capsys.readouterr()
    assert captured.err == ""          # not a terminal: no progress lines, no warnings here
    return captured.out


def _header(text: str) -> dict:
    """'Number of strata =  1    Number of obs = 183' -> {'Number of strata': '1', 'Number of obs': '183'}."""
    out = {}
    for line in text.split("\n\n")[0].splitlines():
        out.update(re.findall(r"([A-Za-z][A-Za-z ]*?)\s+=\s+(\S+)", line))
    return out


def test_estimate_prints_the_design_header_counted_by_hand(capsys):
    text = _run(capsys, "estimate", str(golden_path("apiclus1.csv")), "--y", "awards_yes", "--by", "stype", *CLUS1)
    assert text.startswith("Design: Taylor linearisation, 1 stage, with fpc\n")
    head = _header(text)
    assert head == {"Number of strata": "1", "Number of PSUs": "15", "Number of obs": "183",
                    "Population size": "6,194", "Design df": "14"}

    text = _run(capsys, "estimate", str(golden_path("apistrat_psu.csv")), "--y", "api00", *STRAT)
    assert _header(text) == {"Number of strata": "3", "Number of PSUs": "21", "Number of obs": "200",
                             "Population size": "6,194", "Design df": "18"}


def test_replicate_design_header(capsys):
    text = _run(capsys, "estimate", str(golden_path("apistrat_fay_repweights.csv")), "--y", "high", "--weights", "pw",
                "--replicate-weights", "^repw", "--replicate-method", "fay", "--rho", "0.3")
    head = _header(text)
    # 3 strata x 2 half-samples: Fay BRR has 4 replicates (a Hadamard matrix of order 4); df = rank - 1 = 3
    assert head["Replicate method"] == "fay" and head["Replicates"] == "4" and head["Design df"] == "3"
    assert head["Number of obs"] == "200" and head["Population size"] == "6,194"


def test_the_table_rounds_r_answers_and_never_shows_an_exponent(capsys):
    text = _run(capsys, "estimate", str(golden_path("apiclus1.csv")), "--y", "awards_yes", "--by", "stype",
                *CLUS1, "--ci", "beta")
    ref = reference("apiclus1_awards_by_stype_taylor.csv").set_index("stype")
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line[:2] in ("E ", "H ", "M ")}
    # E: SE 2.90% -> three significant digits of the SE: two decimals; H: SE 14.6% -> one decimal
    e, h = ref.loc["E"], ref.loc["H"]
    assert rows["E"][3:7] == [f"{100 * e['estimate']:.2f}%", f"{100 * e['se']:.2f}%", f"{100 * e['beta_low']:.2f}%",
                              f"{100 * e['beta_high']:.2f}%"]
    assert rows["H"][3:5] == [f"{100 * h['estimate']:.1f}%", f"{100 * h['se']:.1f}%"]
    assert rows["H"][7] == "7"            # the domain's df (R's domain_df), not the design's

    text = _run(capsys, "estimate", str(golden_path("apistrat_psu.csv")), "--y", "enroll", "--by", "stype",
                "--stat", "total", *STRAT)
    totals = reference("apistrat_total_by_stype.csv").set_index("stype")
    assert f"{totals.loc['E', 'estimate']:,.0f}" in text             # 1,842,584 (SE 213,068: no decimals)
    assert "e+" not in text and "e-" not in text and "nan" not in text.lower()


def test_csv_keeps_every_digit_and_json_gives_records(capsys):
    args = ["estimate", str(golden_path("apiclus1.csv")), "--y", "awards_yes,api00", *CLUS1]
    csv = _run(capsys, *args, "--format", "csv")
    table = pd.read_csv(io.StringIO(csv))
    ref = reference("apiclus1_overall_taylor.csv").set_index("variable")
    np.testing.assert_allclose(table.set_index("variable").loc[ref.index, "estimate"], ref["estimate"], rtol=1e-12)
    assert csv.splitlines()[0] == "variable,statistic,estimate,se,ci_low,ci_high,df,n,deff,cv"
    records = json.loads(_run(capsys, *args, "--format", "json"))
    assert [r["variable"] for r in records] == ["awards_yes", "api00"]
    assert records[1]["estimate"] == table["estimate"].iloc[1] and records[1]["n"] == 183


def test_a_missing_value_is_a_dash_in_the_table_and_null_in_json(tmp_path, capsys):
    df = pd.read_csv(golden_path("apiclus1.csv"))
    df.loc[::20, "api00"] = np.nan
    path = tmp_path / "gaps.csv"
    df.to_csv(path, index=False)
    text = _run(capsys, "estimate", str(path), "--y", "api00", *CLUS1)        # no --na-rm: the mean is missing
    assert "NaN" not in text and "nan" not in text
    row = next(line for line in text.splitlines() if line.startswith("api00"))
    assert row.split()[2] == "—" and "— no value" in text
    assert json.loads(_run(capsys, "estimate", str(path), "--y", "api00", *CLUS1, "--format", "json"))[0][
        "estimate"] is None


@pytest.mark.parametrize("name, fmt, check", [
    ("out.csv", "csv", lambda t: t.startswith("stype,variable,statistic")),
    ("out.json", "json", lambda t: json.loads(t)[0]["variable"] == "awards_yes"),
    ("out.txt", "table", lambda t: t.startswith("Design: ")),
])
def test_output_file_by_suffix_is_announced(tmp_path, capsys, name, fmt, check):
    out = tmp_path / name
    said = _run(capsys, "estimate", str(golden_path("apiclus1.csv")), "--y", "awards_yes", "--by", "stype", *CLUS1,
                "-o", str(out))
    assert said == f"wrote {out.as_posix()} (3 rows, {fmt})\n"
    assert check(out.read_text(encoding="utf-8"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]     # atomic: no temporary file left


def test_format_wins_over_the_suffix(tmp_path, capsys):
    out = tmp_path / "table.csv"
    _run(capsys, "estimate", str(golden_path("apiclus1.csv")), "--y", "awards_yes", *CLUS1, "--format", "json",
         "-o", str(out))
    assert json.loads(out.read_text(encoding="utf-8"))[0]["statistic"] == "proportion"


@pytest.fixture
def plan_outputs(tmp_path):
    import yaml

    from literacy_flows.cli import DEFAULT_CONFIG

    cfg = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    cfg["paths"] = {"raw": "raw", "processed": "out"}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    (tmp_path / "out" / "assessment").mkdir(parents=True)
    pd.DataFrame({"round": ["2025", "2025"], "breakdown": ["city", "district"], "domain": ["all", "wuda"],
                  "label_zh": ["全市", "乌达区"], "label_en": ["City", "Wuda"], "level": ["literate"] * 2,
                  "n": [1000, 120], "psus_with_respondents": [100, 12], "p": [0.12, 0.1], "deff": [1.9, 1.5],
                  "respondents_per_psu": [10.0, 10.0], "response_rate": [0.8, 0.75]}).to_csv(
        tmp_path / "out" / "assessment" / "sample_plan.csv", index=False)
    return path


def test_plan_prints_a_labelled_table(plan_outputs, capsys):
    text = _run(capsys, "plan", "--config", str(plan_outputs), "--target-neff", "500")
    assert text.startswith("Next round's sample per reporting domain, for an effective sample size of 500\n")
    assert "alpha 0.05, power 0.8" in text
    city = next(line for line in text.splitlines() if line.startswith("全市 City"))
    # rho = (1.9 - 1) / (10 - 1) = 0.1, deff 1.9, n = 500 * 1.9 = 950 respondents, 950 / 0.8 -> 1,188 adults, 95 PSUs
    assert city.split()[2:] == ["1,000", "12.0%", "1.90", "0.100", "10.0", "1.90", "80.0%", "500", "950", "1,188",
                                "95", city.split()[-1]]
    assert "." in city.split()[-1] and not city.endswith("%")     # the detectable change in points
    wuda = next(line for line in text.splitlines() if line.startswith("乌达区 Wuda"))
    assert display_width(city) == display_width(wuda)       # Chinese labels counted as two columns: aligned
    records = json.loads(_run(capsys, "plan", "--config", str(plan_outputs), "--target-neff", "500", "--format",
                              "json"))
    assert records[0]["respondents"] == 950 and records[1]["label_en"] == "Wuda"


def test_plan_output_file_is_announced(plan_outputs, tmp_path, capsys):
    out = tmp_path / "plan.json"
    said = _run(capsys, "plan", "--config", str(plan_outputs), "-o", str(out))
    assert said == f"wrote {out.as_posix()} (2 domains, json)\n"
    assert len(json.loads(out.read_text(encoding="utf-8"))) == 2


def test_text_table_counts_chinese_characters_as_two_columns():
    assert display_width("小学") == 4 and display_width("E") == 1
    lines = text_table(pd.DataFrame({"a": ["小学", "E"], "n": ["1", "22"]}), right={"n"}).splitlines()
    assert lines == ["a      n", "----  --", "小学   1", "E     22"]


def test_fixed_numbers_have_no_exponent_and_blank_is_a_dash():
    assert fixed(1.5e-07, 9) == "0.000000150"
    assert fixed(3.38e3, 0) == "3,380"
    assert fixed(np.nan, 2) == "—" and fixed(None, 2) == "—"
    assert fixed(-0.0001, 2) == "0.00"


def test_infer_format():
    assert infer_format(None) == "table" and infer_format("csv") == "csv"
    assert infer_format(None, "x.JSON") == "json" and infer_format(None, "x.txt") == "table"
    assert infer_format(None, "x.csv") == "csv" and infer_format(None, "x") == "csv"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_lines_only_in_a_terminal_and_not_when_quiet():
    try:
        term = _Terminal()
        assert progress.enable(stream=term) is True
        progress.step("executing the reviewer notebooks")
        lines = term.getvalue().splitlines()
        assert len(lines) == 1 and lines[0].startswith("literacy [") and lines[0].endswith(
            " s] executing the reviewer notebooks")
        quiet = _Terminal()
        assert progress.enable(quiet=True, stream=quiet) is False
        progress.step("nothing")
        assert quiet.getvalue() == ""
        piped = io.StringIO()
        assert progress.enable(stream=piped) is False
        progress.step("nothing")
        assert piped.getvalue() == ""
    finally:
        progress.PROGRESS.start(False)
