"""Write the output catalog into docs/reference/outputs.md (run after changing literacy.catalog).

    .venv/bin/python scripts/outputs_reference.py

``tests/test_catalog.py`` fails when the committed page differs from what this writes.
"""

from __future__ import annotations

from pathlib import Path

from literacy.catalog.reference import with_reference

PAGE = Path(__file__).resolve().parents[1] / "docs" / "reference" / "outputs.md"


def main() -> None:
    """Rewrite the generated part of the output reference page."""
    PAGE.write_text(with_reference(PAGE.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
