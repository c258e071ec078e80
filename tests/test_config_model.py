"""The typed config (issue 20): every key of every section is checked, a misspelt key is one line
naming its full path and the nearest known key, and every default is written once, in the model.

The battery walks the resolved default config (every section and key present, defaults filled)
and misspells each key in turn; keys that are data (district codes, round ids, column names) are
not settings and are left alone, but the settings inside their entries are misspelt too.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import yaml

from literacy.assessment import validate_config
from literacy.errors import ConfigError
from literacy.province.members import validate_province
from literacy_flows import cli

ROOT = Path(__file__).resolve().parents[1]
RAW = yaml.safe_load((ROOT / "config" / "wuhai.yaml").read_text(encoding="utf-8"))
PROVINCE = yaml.safe_load((ROOT / "config" / "inner-mongolia.yaml").read_text(encoding="utf-8"))

#: Mappings whose keys are data, not settings (their entries' own keys are still settings).
FREE = {"survey.labels", "survey.labels.*", "targets.national", "simulation.forms", "simulation.population.districts",
        "simulation.target_rates", "simulation.sampled_psus", "ingest.column_map", "ingest.value_map",
        "ingest.value_map.*", "scoring.parts", "weighting.trimming.upper.groups", "members[].rates",
        "members[].districts", "members[].overrides"}


def _pattern(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path)


def _free(path: str) -> bool:
    p = _pattern(path)
    return p in FREE or any(f.endswith(".*") and p.startswith(f[:-1]) and p.count(".") == f.count(".")
                            for f in FREE)


def _setting_paths(node, path=""):
    """Every settings key below ``node``: (path of its mapping, key)."""
    if isinstance(node, dict):
        free = _free(path) if path else False
        for k, v in node.items():
            child = f"{path}.{k}" if path else str(k)
            if not free:
                yield path, k
            yield from _setting_paths(v, child)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _setting_paths(v, f"{path}[{i}]")


def _get(node, path: str):
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    return node


def _typo(key: str) -> str:
    return key[:-1] if len(key) > 3 else key + "x"   # a letter lost, or one too many


def _cases(config):
    return [(parent, key) for parent, key in _setting_paths(config)]


RESOLVED = validate_config(RAW)
CASES = _cases(RESOLVED)


def test_the_battery_covers_every_section_and_list_entry():
    tops = {k for parent, k in CASES if parent == ""}
    assert tops == set(RESOLVED)                    # every section, the optional ones included
    paths = {_pattern(f"{p}.{k}" if p else k) for p, k in CASES}
    for expected in ("groups[].rule[].between", "breakdowns", "small_area.models[].formula",
                     "scorecard.indicators[].target", "weighting.trimming.upper.median",
                     "weighting.nonresponse.propensity.factor", "reporting.nchs.min_df",
                     "simulation.forms.2025.drift", "simulation.population.districts.hainan.rural_share",
                     "targets.national.2025.rate", "ingest.consistency[].pattern", "analysis.determinants.covariates"):
        assert expected in paths, expected
    assert len(CASES) > 150


@pytest.mark.parametrize("parent, key", CASES, ids=[f"{p}.{k}" if p else k for p, k in CASES])
def test_a_misspelt_key_is_one_line_naming_it_and_the_key_meant(parent, key):
    cfg = copy.deepcopy(RESOLVED)
    holder = _get(cfg, parent) if parent else cfg
    holder[_typo(key)] = holder.pop(key)
    where = f"{parent}." if parent else ""
    want = f"config: {where}{_typo(key)} is not a known setting; did you mean {where}{key}?"
    with pytest.raises(ConfigError) as err:
        validate_config(cfg)
    assert str(err.value) == want


def test_the_resolved_config_is_a_fixed_point():
    # every default filled once: reading the resolved config again changes nothing
    assert validate_config(copy.deepcopy(RESOLVED)) == RESOLVED


def test_the_issues_typos_fail_with_file_key_and_exit_2(tmp_path, capsys):
    text = (ROOT / "config" / "wuhai.yaml").read_text(encoding="utf-8")
    trials = [
        ("  min_n: 30 ", "  minn: 50 ", "reporting.minn is not a known setting; did you mean reporting.min_n?"),
        ("    enabled: false                      # weighting", "    enable: false                      # weighting",
         "weighting.trimming.enable is not a known setting; did you mean weighting.trimming.enabled?"),
        ("\nreporting:", "\nreportng:", "reportng is not a known setting; did you mean reporting?"),
        ("\nsmall_area:", "\nsmall_areas:", "small_areas is not a known setting; did you mean small_area?"),
        ("  method: taylor ", "  methd: jkn ", "estimation.methd is not a known setting; did you mean estimation.method?"),
    ]
    for old, new, message in trials:
        assert old in text, old
        path = tmp_path / "my-city.yaml"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        assert cli.main(["validate", "--config", str(path)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"literacy: error: {path}: {message}"]


@pytest.mark.parametrize("section, value, message", [
    ("reporting", {"min_n": "30"}, "reporting.min_n must be a whole number, not '30'"),
    ("reporting", {"min_n": 0}, "reporting.min_n must be ≥ 1, not 0"),
    ("reporting", {"suppress_unreliable": "false"}, "reporting.suppress_unreliable must be true or false, not 'false'"),
    ("estimation", {"level": 95}, "estimation.level must be < 1, not 95"),
    ("design", {"strata": "stratum", "psu": "psu", "selection_prob": "p", "lonely_psu": "skip"},
     "design.lonely_psu must be 'fail', 'remove', 'adjust', 'average' or 'certainty', not 'skip'"),
    ("measurement", {"plausible_values": 1.5}, "measurement.plausible_values must be a whole number, not 1.5"),
    ("targets", {"headline": "12%"}, "targets.headline must be a number, not '12%'"),
])
def test_a_wrong_value_names_the_path_and_what_is_allowed(section, value, message):
    cfg = copy.deepcopy(RAW)
    cfg[section] = value
    with pytest.raises(ConfigError) as err:
        validate_config(cfg)
    assert str(err.value) == f"config: {message}"


def test_a_key_unused_by_the_chosen_method_is_allowed():
    # propensity settings with the classes method (documented: allowed, unused)
    assert RAW["weighting"]["nonresponse"]["method"] == "classes"
    assert "propensity" in RAW["weighting"]["nonresponse"]
    assert validate_config(RAW)["weighting"]["nonresponse"]["propensity"]["n_classes"] == 5
    cfg = copy.deepcopy(RAW)
    cfg["estimation"]["rho"] = 0.5      # Fay's rho with Taylor: unused, allowed
    assert validate_config(cfg)["estimation"]["rho"] == 0.5


def test_each_optional_section_left_out_gets_the_models_defaults():
    cfg = {k: v for k, v in RAW.items() if k not in ("reporting", "measurement", "small_area", "planning",
                                                        "scorecard", "ingest", "simulation")}
    out = validate_config(cfg)
    assert out["reporting"]["min_n"] == 30 and out["reporting"]["nchs"]["min_df"] == 8.0
    assert out["measurement"]["plausible_values"] == 20 and out["measurement"]["seed"] == RAW["assessment"]["seed"]
    assert out["small_area"]["levels"] == [RAW["scoring"]["headline"]]
    assert out["small_area"]["alpha"] == pytest.approx(1 - RAW["estimation"]["level"])
    assert out["ingest"]["match_sample"] == ["stratum", "psu", "selection_prob"]
    assert out["weighting"]["trimming"]["enabled"] is False     # written in wuhai.yaml


PROVINCE_CASES = [(p, k) for p, k in _setting_paths(validate_province(PROVINCE))
                  if not _pattern(p).startswith("members[].overrides")]


@pytest.mark.parametrize("parent, key", PROVINCE_CASES[:60] + PROVINCE_CASES[-12:],
                         ids=[f"{p}.{k}" if p else k for p, k in PROVINCE_CASES[:60] + PROVINCE_CASES[-12:]])
def test_a_misspelt_province_key_is_one_line(parent, key):
    cfg = copy.deepcopy(PROVINCE)
    holder = _get(cfg, parent) if parent else cfg
    if key not in holder:         # a default the file leaves out: misspell it as if written
        holder[key] = _get(validate_province(PROVINCE), parent)[key]
    holder[_typo(key)] = holder.pop(key)
    where = f"{parent}." if parent else ""
    with pytest.raises(ConfigError) as err:
        validate_province(cfg)
    assert str(err.value) == (f"province config: {where}{_typo(key)} is not a known setting; "
                              f"did you mean {where}{key}?")


def test_config_show_prints_every_default_and_schema_matches_the_committed_file(tmp_path, capsys):
    assert cli.main(["config", "show"]) == 0
    out = capsys.readouterr().out
    shown = yaml.safe_load(out)
    assert shown["reporting"]["nchs"]["max_relative_ci_width"] == 1.3      # a default the file leaves out
    assert shown["measurement"]["plausible_values"] == 20
    assert json.loads(json.dumps(shown)) == json.loads(json.dumps(RESOLVED))
    assert cli.main(["config", "schema", "--out", str(tmp_path / "schema.json")]) == 0
    made = (tmp_path / "schema.json").read_text(encoding="utf-8")
    assert made == (ROOT / "config" / "schema.json").read_text(encoding="utf-8"), \
        "config/schema.json is stale: literacy config schema --out config/schema.json"
    schema = json.loads(made)
    assert schema["additionalProperties"] is False and "reporting" in schema["properties"]
    assert cli.main(["config", "schema", "--province", "--out", str(tmp_path / "p.json")]) == 0
    assert (tmp_path / "p.json").read_text(encoding="utf-8") == \
        (ROOT / "config" / "province.schema.json").read_text(encoding="utf-8")
    for name, schema_file in (("wuhai.yaml", "schema.json"), ("inner-mongolia.yaml", "province.schema.json")):
        first = (ROOT / "config" / name).read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema={schema_file}"


def test_the_schema_rejects_what_the_model_rejects():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "config" / "schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(RAW)), schema)
    bad = copy.deepcopy(RAW)
    bad["reporting"]["minn"] = 50
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(json.dumps(bad)), schema)


@pytest.mark.parametrize("where, old, new, message", [
    ("survey.labels", "district", "distrct",
     "survey.labels.distrct is not a survey variable the assessment uses; did you mean 'district'?"),
    ("simulation.forms", "2025", "2205", "simulation.forms.2205 is not a round id; did you mean '2025'?"),
])
def test_a_misspelt_data_key_names_what_it_should_be(where, old, new, message):
    # keys that are data (a variable's labels, a round's national figure) still name something known
    cfg = copy.deepcopy(RAW)
    holder = _get(cfg, where)
    holder[new] = holder.pop(old)
    with pytest.raises(ConfigError) as err:
        validate_config(cfg)
    assert str(err.value) == f"config: {message}"


@pytest.mark.parametrize("mutate, message", [
    (lambda c: c["survey"]["labels"]["district"].__setitem__("haibowan", ["海勃湾区"]),
     "survey.labels.district.haibowan: must be a pair [zh, en], not ['海勃湾区']"),
    (lambda c: c["scoring"]["parts"].__setitem__("knowledge", [40, "科学知识"]),
     "scoring.parts.knowledge: must be [points, zh, en], not [40, '科学知识']"),
    (lambda c: c["weighting"]["trimming"].update({"enabled": True, "upper": {"median": 3, "mean": 2}}),
     "weighting.trimming.upper: a cap is a number or a mapping with exactly one of value, median, mean, "
     "percentile, groups"),
])
def test_a_nested_value_names_what_it_should_be(mutate, message):
    cfg = copy.deepcopy(RAW)
    mutate(cfg)
    with pytest.raises(ConfigError) as err:
        validate_config(cfg)
    assert str(err.value) == f"config: {message}"
