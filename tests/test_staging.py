"""Output sets: a run's files replace the previous set only as a whole, and only when it completes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from literacy_flows.ingest import io as fio

DEAD_PID = 2 ** 22 + 12345   # above Linux's default pid_max: no such process


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def _write(folder: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)


def _manifest(*names: str) -> str:
    return json.dumps({"outputs": [{"file": n} for n in names]})


def test_swap_replaces_the_set_and_keeps_files_no_run_wrote(tmp_path):
    final = tmp_path / "out"
    _write(final, {"a.csv": "old a", "b.csv": "old b", "manifest.json": _manifest("a.csv", "b.csv"),
                   ".gitkeep": "", "notes.txt": "mine", "notebooks/x.html": "old notebook", "_work/t.parquet": "w"})
    stage = fio.new_staging(final)
    assert stage.parent == tmp_path and stage.name.startswith(".out.staging-")
    _write(stage, {"a.csv": "new a", "c.csv": "new c", "manifest.json": _manifest("a.csv", "c.csv")})
    fio.swap_in(stage, final)
    assert _files(final) == {".gitkeep": "", "a.csv": "new a", "c.csv": "new c",
                             "manifest.json": _manifest("a.csv", "c.csv"), "notes.txt": "mine"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]   # no staging or previous folder left


def test_first_run_and_a_failed_run(tmp_path):
    final = tmp_path / "deep" / "out"
    stage = fio.new_staging(final)
    _write(stage, {"a.csv": "1"})
    fio.swap_in(stage, final)
    assert _files(final) == {"a.csv": "1"} and oct(final.stat().st_mode & 0o777) == "0o755"
    failed = fio.new_staging(final)
    _write(failed, {"a.csv": "half"})
    fio.discard_staging(failed)
    assert _files(final) == {"a.csv": "1"} and sorted(p.name for p in final.parent.iterdir()) == ["out"]


def test_leftovers_of_killed_runs_are_cleaned_up(tmp_path):
    final = tmp_path / "out"
    dead_stage = tmp_path / f".out.staging-{DEAD_PID}-abc"
    _write(dead_stage, {"a.csv": "half-written"})
    # a run killed between its two renames: the output folder is missing, the previous set aside
    previous = tmp_path / f".out.previous-{DEAD_PID}-def"
    _write(previous, {"a.csv": "the last good set"})
    live = tmp_path / f".out.staging-{__import__('os').getpid()}-xyz"   # this process: left alone
    live.mkdir()
    stage = fio.new_staging(final)
    assert not dead_stage.exists() and not previous.exists() and live.exists()
    assert _files(final) == {"a.csv": "the last good set"}
    fio.discard_staging(stage)
    fio.discard_staging(live)


def test_validate_needs_no_prefect(tmp_path):
    import ingest_kit as kit

    raw = kit.make_delivery(tmp_path / "raw")
    code = ("import sys; from literacy_flows import cli\n"
            "try:\n    cli.main(['validate', '--help'])\nexcept SystemExit:\n    pass\n"
            f"assert cli.main(['validate', '--raw', {str(raw)!r}]) == 0\n"
            "assert 'prefect' not in sys.modules, 'prefect imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "--write" in proc.stdout and "max_quarantine_share" in proc.stdout and "No row quarantined." in proc.stdout
