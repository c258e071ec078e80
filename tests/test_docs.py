"""The documentation site builds strictly: no broken link, anchor or API reference (issue 22)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_site_builds_strictly(tmp_path):
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or shutil.which("mkdocs")
    if mkdocs is None:
        pytest.fail("mkdocs is not installed (a dev dependency: pip install -e '.[dev]')")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "WARNING" not in done.stderr, done.stderr[-3000:]
    html = (tmp_path / "site" / "api" / "survey" / "index.html").read_text(encoding="utf-8")
    assert 'id="literacy.survey.taylor.SurveyDesign"' in html      # the API reference is generated
    assert (tmp_path / "site" / "reference" / "config" / "index.html").is_file()


def test_the_readme_is_a_map_not_a_manual():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) < 15_000
    for page in ("docs/guide/real-data.md", "docs/reference/outputs.md", "docs/methods/index.md"):
        assert f"]({page}" in readme and (ROOT / page).is_file()
