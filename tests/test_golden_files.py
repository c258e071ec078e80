"""Every golden file an R script in tests/golden writes is in the repository.

A test reading a missing golden file fails (tests/reference.py); this test also catches a file
that no longer exists while nothing reads it yet, and an R script whose outputs were never
committed.
"""

import re
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
SCRIPTS = sorted(GOLDEN.glob("*.R"))


def _written(script: Path) -> set[str]:
    # every CSV a script names (the files it writes, and the committed inputs it reads back)
    return set(re.findall(r'"([A-Za-z0-9_.\-]+\.csv)"', script.read_text(encoding="utf-8")))


def test_the_r_scripts_are_there():
    assert {p.name for p in SCRIPTS} >= {"make_reference.R", "make_golden.R"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_file_a_script_writes_is_committed(script):
    names = _written(script)
    assert names, f"{script.name} names no CSV that this test can see"
    missing = sorted(n for n in names if not (GOLDEN / n).is_file() or (GOLDEN / n).stat().st_size == 0)
    assert missing == [], f"{script.name} writes {missing}, which are not in tests/golden"


def test_the_readme_names_every_golden_csv():
    readme = (GOLDEN / "README.md").read_text(encoding="utf-8")
    unnamed = sorted(p.name for p in GOLDEN.glob("*.csv") if p.name not in readme)
    assert unnamed == [], f"tests/golden/README.md does not describe {unnamed}"
