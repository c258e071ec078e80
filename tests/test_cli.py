"""The ``literacy`` command line: help for every command, user errors as one line with exit 2.

None of these start Prefect (the run command checks its config and delivery first); the
data errors found inside the flow are covered in test_flow.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from literacy_flows import cli

CONFIG = Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml"


@pytest.mark.parametrize("argv, usage", [
    ([], "usage: literacy "),
    (["run"], "usage: literacy run "),
    (["simulate"], "usage: literacy simulate "),
])
def test_help(argv, usage, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*argv, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(usage)
    for option in {"run": ("--config", "--raw", "--out"), "simulate": ("--config", "--seed", "--out")}.get(
            argv[0] if argv else "", ("run", "simulate")):
        assert option in out


def test_default_config_is_the_repository_config():
    assert cli.DEFAULT_CONFIG == CONFIG
    assert CONFIG.is_file()


def _one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("literacy: error: ")
    assert "Traceback" not in captured.err
    return lines[0]


def test_missing_config(tmp_path, capsys):
    assert cli.main(["run", "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml: config file not found" in _one_line_error(capsys)


def test_config_that_is_not_yaml(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("assessment: [unclosed\n", encoding="utf-8")
    assert cli.main(["run", "--config", str(bad)]) == 2
    assert "bad.yaml: not a valid YAML file" in _one_line_error(capsys)


def test_config_missing_a_section_names_it(tmp_path, capsys):
    cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    del cfg["design"]
    bad = tmp_path / "incomplete.yaml"
    bad.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    assert cli.main(["simulate", "--config", str(bad), "--out", str(tmp_path / "raw")]) == 2
    line = _one_line_error(capsys)
    assert "incomplete.yaml" in line and "'design'" in line


def test_run_on_an_empty_delivery_names_the_missing_file(tmp_path, capsys):
    assert cli.main(["run", "--raw", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    line = _one_line_error(capsys)
    assert "instrument.csv: file not found" in line
    assert not (tmp_path / "out").exists()


def test_simulate_refuses_to_overwrite_a_delivery(tmp_path, capsys):
    (tmp_path / "2020").mkdir()
    (tmp_path / "2020" / "responses.csv").write_text("respondent_id\n1\n", encoding="utf-8")
    assert cli.main(["simulate", "--out", str(tmp_path)]) == 2
    assert "already holds round data" in _one_line_error(capsys)
    assert (tmp_path / "2020" / "responses.csv").read_text(encoding="utf-8") == "respondent_id\n1\n"


def test_console_script_user_error_exits_2_without_traceback(tmp_path):
    """The real process: stderr is exactly one line, nothing on stdout, exit status 2."""
    proc = subprocess.run([sys.executable, "-m", "literacy_flows.cli", "run", "--config", str(tmp_path / "x.yaml")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("literacy: error: ")
    assert "Traceback" not in proc.stderr


def test_cli_does_not_import_prefect_for_help():
    code = ("import sys; from literacy_flows import cli\n"
            "try:\n    cli.main(['run', '--help'])\nexcept SystemExit:\n    pass\n"
            "assert 'prefect' not in sys.modules, 'prefect imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
