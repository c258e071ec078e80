"""The fieldwork-quality stage (issue 26) wired in: the delivery's disposition and paradata columns
read and screened, the config's quality section, the four tables on the default simulated
delivery (the planted speeders, straight-liners, duplicates and inflating interviewers found; the
informative nonresponse detected and reduced by weighting) and the report section."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import yaml

import ingest_kit as kit
from literacy.domains import add_derived
from literacy.errors import ConfigError
from literacy.quality.round_quality import (bias_table, data_quality_table, interview_flags, interviewers_table,
                                           rates_table)
from literacy.quality.truth import planted_recall
from literacy.scoring import score_responses
from literacy.settings import parse_config, resolved_config
from literacy.simulation import simulate_programme
from literacy.weighting import weight_round
from literacy_flows.ingest.delivery import load_delivery

RAW = yaml.safe_load(kit.CONFIG.read_text(encoding="utf-8"))


def _resolved(**quality) -> dict:
    raw = copy.deepcopy(RAW)
    if quality:
        raw["quality"] = quality
    return resolved_config(parse_config(raw))


# -- the config ---------------------------------------------------------------------------------
def test_the_quality_section_defaults_and_its_one_line_errors():
    q = _resolved()["quality"]
    assert q["response_rate_threshold"] == 0.85 and q["eligibility_e"] == "estimate"
    assert q["speeder_share"] == 0.3 and not any(q["exclude"].values())
    assert _resolved(eligibility_e=0.8)["quality"]["eligibility_e"] == 0.8
    for bad, where in (({"eligibility_e": "guess"}, "quality.eligibility_e"),
                       ({"response_rate_threshold": 1.5}, "quality.response_rate_threshold"),
                       ({"speeder_shares": 0.2}, "quality.speeder_shares")):
        with pytest.raises(ConfigError) as err:
            _resolved(**bad)
        assert where in str(err.value) and "\n" not in str(err.value)


# -- the delivery's new columns -----------------------------------------------------------------
def _delivery(tmp_path, sample=None, responses=None):
    raw = kit.make_delivery(tmp_path / "raw")
    s, r = kit.read(raw, "2025", "sample"), kit.read(raw, "2025", "responses")
    if sample is not None:
        s = sample(s)
        kit.write_csv(s, raw / "2025" / "sample.csv")
    if responses is not None:
        r = responses(r)
        kit.write_csv(r, raw / "2025" / "responses.csv")
    return load_delivery(_resolved(), raw)


def test_a_disposition_column_alone_gives_responded_and_is_kept(tmp_path):
    def only_dispositions(s):
        other = np.where(np.arange(len(s)) % 2, "2.11", "non-contact")
        s["disposition"] = np.where(s["responded"] == "1", "完成", other)
        return s.drop(columns="responded")

    d = _delivery(tmp_path, sample=only_dispositions)
    sample = d.rounds["2025"]["sample"]
    assert sample["responded"].tolist() == [1] * kit.N_RESPONDENTS + [0] * (kit.N_SAMPLE - kit.N_RESPONDENTS)
    assert set(sample["disposition"]) == {"complete", "refusal", "non_contact"}
    assert not len(d.quarantine["2025"])


def test_an_unknown_or_conflicting_disposition_is_quarantined_naming_line_and_column(tmp_path):
    def mistakes(s):
        s["disposition"] = np.where(s["responded"] == "1", "complete", "refusal")
        s.loc[3, "disposition"] = "maybe"           # not a disposition
        s.loc[5, "disposition"] = "refusal"         # but responded = 1
        return s

    d = _delivery(tmp_path, sample=mistakes)
    q = d.quarantine["2025"]
    bad = q[q["column"] == "disposition"].set_index("rule")
    assert bad.loc["unknown_disposition", "line"] == kit.line_of(3)
    assert bad.loc["disposition_conflict", "line"] == kit.line_of(5)
    assert "responded = 1" in bad.loc["disposition_conflict", "reason"]
    kept = d.rounds["2025"]["sample"]["respondent_id"].tolist()
    assert "R0004" not in kept and "R0006" not in kept


def test_paradata_are_read_and_a_bad_duration_is_blanked_not_the_interview(tmp_path):
    def paradata(r):
        r["interviewer_id"] = np.where(np.arange(len(r)) % 2, "A07", "B12")
        r["duration_seconds"] = (1200 + np.arange(len(r))).astype(str)
        r["mode"] = "face_to_face"
        r.loc[7, "duration_seconds"] = "-30"
        r.loc[8, "duration_seconds"] = "long"
        return r

    d = _delivery(tmp_path, responses=paradata)
    resp = d.rounds["2025"]["responses"]
    assert len(resp) == kit.N_RESPONDENTS and resp["duration_seconds"].dtype == np.float64
    assert resp["duration_seconds"].isna().sum() == 2 and resp["duration_seconds"].iloc[0] == 1200
    assert set(resp["interviewer_id"]) == {"A07", "B12"}
    q = d.quarantine["2025"]
    blanked = q[q["rule"] == "invalid_duration"]
    assert blanked["line"].tolist() == [kit.line_of(7), kit.line_of(8)]
    assert set(blanked["action"]) == {"blanked"} and set(blanked["column"]) == {"duration_seconds"}


# -- the tables on the default simulated delivery -------------------------------------------------
@pytest.fixture(scope="module")
def simulated():
    config = _resolved()
    programme = simulate_programme(config)
    out = {}
    for rid, rd in programme.rounds.items():
        form = programme.instruments[rid]
        items = form["item_id"].astype(str).tolist()
        scored = add_derived(pd.concat([rd.responses.drop(columns=items),
                                        score_responses(rd.responses, form, config["scoring"])], axis=1), config)
        flags = interview_flags(rd.responses, form, config)
        out[rid] = {"rd": rd, "form": form, "scored": scored, "flags": flags,
                    "interviewers": interviewers_table(scored, flags, config, rid)}
    return config, programme, out


def test_the_checks_find_the_planted_problems(simulated):
    config, programme, rounds = simulated
    for rid, r in rounds.items():
        table = planted_recall(r["flags"], r["rd"].fieldwork_truth, r["interviewers"]).set_index("check")
        assert (table["planted"] > 0).all(), rid
        # every speeder, straight-liner and inflating interviewer; most copied records
        assert (table.loc[["speeder", "straightliner", "interviewer"], "recall"] == 1).all(), (rid, table)
        assert table.loc["exact_duplicate", "recall"] >= 0.9 and table.loc["near_duplicate", "recall"] >= 0.8
        # few false flags: no speeder, no interviewer, under 1% straight-liners, under 0.1% duplicates
        assert table.loc["speeder", "false_flags"] == 0 and table.loc["interviewer", "false_flags"] == 0
        assert table.loc["straightliner", "false_flag_rate"] < 0.01
        assert table.loc[["exact_duplicate", "near_duplicate"], "false_flag_rate"].max() < 0.001


def test_the_checks_do_not_flag_an_untouched_delivery(simulated):
    """Without the planted problems (their interviews left out) nothing but a few straight-liners is flagged."""
    config, programme, rounds = simulated
    r = rounds["2025"]
    t = r["rd"].fieldwork_truth
    copied = set(t.loc[t["exact_duplicate"] | t["near_duplicate"], "duplicate_of"])
    clean = ~(t[["speeder", "straightliner", "exact_duplicate", "near_duplicate"]].any(axis=1)
              | t["respondent_id"].isin(copied)).to_numpy()
    flags = interview_flags(r["rd"].responses[clean].reset_index(drop=True), r["form"], config)
    assert not flags[["speeder", "exact_duplicate", "near_duplicate"]].to_numpy().any()
    listed = data_quality_table(flags, config, "2025")
    assert set(listed["checks"]) <= {"straightliner"} and len(listed) < 0.01 * clean.sum()


def test_the_nonresponse_bias_analysis_detects_it_and_weighting_reduces_it(simulated):
    config, programme, rounds = simulated
    for rid, r in rounds.items():
        rd = r["rd"]
        result = weight_round(rd.sample, r["scored"], rd.margins, config)
        weighted = r["scored"].assign(weight_nonresponse=result.nonresponse_weights.to_numpy(dtype=float),
                                      weight=result.weights.to_numpy(dtype=float))
        bias = bias_table(rd.sample, weighted, config, rid, result.margins)
        import literacy_schemas as S
        S.validate(bias, S.nonresponse_bias_schema(config), "nonresponse_bias", line_offset=None)
        # the census margins: the raking hits them, the respondents with base weights do not
        census = bias[bias["kind"] == "census"]
        assert set(census["variable"]) == {"+".join(m) for m in config["weighting"]["raking"]["margins"]}
        assert census["std_bias_calibrated"].abs().max() < 1e-6 < census["std_bias_base"].abs().max()
        per = bias[bias["kind"] == "share"].groupby("variable")
        p = per["p_adjusted"].first()
        assert p["sex"] < 0.05 and p["age_band"] < 0.05         # young men respond less: detected
        before = per["std_bias_base"].apply(lambda b: b.abs().max())
        after = per["std_bias_nonresponse"].apply(lambda b: b.abs().max())
        assert (after < before).all() and after.max() < 0.005      # the classes are these variables (some collapsed)
        props = bias[bias["kind"] == "propensity"].set_index("category")["full_sample"]
        assert 0.8 < props["r_indicator"] < 1 and props["cv"] > 0


def test_rates_from_responded_alone_leave_the_typed_rates_blank(simulated):
    config, programme, rounds = simulated
    sample = rounds["2025"]["rd"].sample
    full = rates_table(sample, config, "2025")
    bare = rates_table(sample.drop(columns="disposition"), config, "2025")
    assert set(bare["dispositions"]) == {"from responded"} and bare["COOP1"].isna().all()
    city = lambda t: t[(t["breakdown"] == "all") & (t["weighting"] == "unweighted")].iloc[0]   # noqa: E731
    # RR1 = complete / sampled either way (no partials, no ineligibles in the simulation)
    assert city(bare)["RR1"] == pytest.approx(city(full)["RR1"], abs=1e-12)
    assert city(full)["RR1"] == pytest.approx((sample["responded"] == 1).mean(), abs=1e-12)


def test_the_report_section_states_rates_verdicts_and_flags(simulated):
    from literacy_flows.report.document_text import Language
    from literacy_flows.report.docx_builder import ReportDocument
    from literacy_flows.report.quality_section import quality_section

    config, programme, rounds = simulated
    r = rounds["2025"]
    rd = r["rd"]
    tables = {"response_rates": rates_table(rd.sample, config, "2025"),
              "data_quality": data_quality_table(r["flags"], config, "2025"), "interviewers": r["interviewers"]}
    en = quality_section(tables, config, "en")
    text = en.text()
    rr = tables["response_rates"]
    rr3 = rr[(rr["breakdown"] == "all") & (rr["weighting"] == "weighted")]["RR3"].iloc[0]
    assert f"{100 * rr3:.1f}%" in text and "below the 85% threshold" in text
    assert "3 interviewer(s)" in text and "Haibowan" in text
    zh = quality_section(tables, config, "zh").text()
    assert "调查执行质量" in zh and "海勃湾区" in zh
    doc = ReportDocument(Language("en"))
    en.write(doc)
    assert doc.tables == 1
    assert "left out" in quality_section({}, config, "en").text()


def test_the_exclusion_rule_quarantines_flagged_interviews_as_nonrespondents(tmp_path):
    raw = kit.make_delivery(tmp_path / "raw")
    r = kit.read(raw, "2025", "responses")
    r["duration_seconds"] = (1500 + 10 * np.arange(len(r))).astype(str)
    r.loc[4, "duration_seconds"] = "120"             # under 0.3 of the median: a speeder
    kit.write_csv(r, raw / "2025" / "responses.csv")
    listed = load_delivery(_resolved(), raw)           # flagged, not excluded by default
    assert len(listed.rounds["2025"]["responses"]) == kit.N_RESPONDENTS
    d = load_delivery(_resolved(exclude={"speeders": True}), raw)
    q = d.quarantine["2025"]
    row = q[q["rule"] == "quality_excluded"]
    assert row["line"].tolist() == [kit.line_of(4)] and "speeder" in row["reason"].iloc[0]
    assert "quality.exclude" in row["reason"].iloc[0]
    sample = d.rounds["2025"]["sample"].set_index("respondent_id")
    assert sample.loc["R0005", "responded"] == 0 and len(d.rounds["2025"]["responses"]) == kit.N_RESPONDENTS - 1


def test_interviewers_excluded_after_review_are_quarantined_and_a_misspelt_one_is_an_error(tmp_path):
    from literacy.errors import DataError

    raw = kit.make_delivery(tmp_path / "raw")
    r = kit.read(raw, "2025", "responses")
    r["interviewer_id"] = np.where(np.arange(len(r)) % 3 == 0, "INT002", "INT001")
    kit.write_csv(r, raw / "2025" / "responses.csv")
    out = np.flatnonzero(r["interviewer_id"] == "INT002")
    d = load_delivery(_resolved(exclude={"interviewers": {"2025": ["INT002"]}}), raw)
    q = d.quarantine["2025"]
    rows = q[q["rule"] == "quality_excluded"]
    assert rows["line"].tolist() == [kit.line_of(i) for i in out]
    assert rows["reason"].str.contains("interviewer INT002 excluded after review").all()
    sample = d.rounds["2025"]["sample"].set_index("respondent_id")
    assert (sample.loc[r["respondent_id"].iloc[out], "responded"] == 0).all()
    assert len(d.rounds["2025"]["responses"]) == kit.N_RESPONDENTS - len(out)
    # an id no interview has (a typo would otherwise exclude nothing) and a round the config lacks
    with pytest.raises(DataError, match="names interviewer 'INT02' for round 2025, who has no interview") as err:
        load_delivery(_resolved(exclude={"interviewers": {"2025": ["INT02"]}}), raw)
    assert "responses.csv" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="quality.exclude.interviewers.2052 is not a round id"):
        _resolved(exclude={"interviewers": {"2052": ["INT002"]}})
    kit.write_csv(r.drop(columns="interviewer_id"), raw / "2025" / "responses.csv")
    with pytest.raises(DataError, match="no column 'interviewer_id'"):
        load_delivery(_resolved(exclude={"interviewers": {"2025": ["INT002"]}}), raw)


def test_a_delivery_without_dispositions_or_paradata_gets_what_can_be_computed():
    import literacy_schemas as S
    from literacy_flows.pipeline.quality import missing_inputs

    raw = copy.deepcopy(RAW)
    raw["simulation"]["population_scale"] = 0.1
    config = resolved_config(parse_config(raw))
    programme = simulate_programme(config)
    rd, form = programme.rounds["2025"], programme.instruments["2025"]
    responses = rd.responses.drop(columns=["interviewer_id", "duration_seconds", "mode"])
    sample = rd.sample.drop(columns="disposition")
    items = form["item_id"].astype(str).tolist()
    scored = add_derived(pd.concat([responses.drop(columns=items),
                                    score_responses(responses, form, config["scoring"])], axis=1), config)
    flags = interview_flags(responses, form, config)
    assert not flags["speeder"].any() and flags["interviewer_id"].isna().all()
    tables = {"response_rates": rates_table(sample, config, "2025"),
              "data_quality": data_quality_table(flags, config, "2025"),
              "interviewers": interviewers_table(scored, flags, config, "2025")}
    assert len(tables["response_rates"]) and not len(tables["interviewers"])
    for name, df in tables.items():   # an empty table keeps its types
        S.validate(df, getattr(S, f"{name}_schema")(config), name, line_offset=None)
    said = " ".join(missing_inputs(sample, responses))
    assert "no disposition" in said and "no interviewer_id" in said and "no duration_seconds" in said
    assert missing_inputs(rd.sample, rd.responses) == []


def test_fieldwork_errors_off_plants_nothing_but_keeps_the_paradata(simulated):
    _, programme, _ = simulated
    raw = copy.deepcopy(RAW)
    raw.setdefault("simulation", {})["fieldwork_errors"] = False
    clean = simulate_programme(resolved_config(parse_config(raw)))
    planted = ["speeder", "straightliner", "exact_duplicate", "near_duplicate", "inflating_interviewer"]
    for rid, rd in clean.rounds.items():
        assert not rd.fieldwork_truth[planted].to_numpy().any(), rid
        assert {"interviewer_id", "duration_seconds", "mode"} <= set(rd.responses.columns)
        assert programme.rounds[rid].fieldwork_truth[planted].to_numpy().any()   # the default plants them
