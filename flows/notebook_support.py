"""The reviewer notebooks' import path, kept stable: ``from literacy_flows.notebook_support import ...``.

The functions live in :mod:`literacy_flows.report.notebook_support`; this module only names
them here, so that the notebooks (``notebooks/*.py``) and the executed copies of earlier runs
keep working and an executed notebook's source, hence its bytes, does not depend on where the
report room keeps them.
"""

from __future__ import annotations

from literacy_flows.report.notebook_support import (FIGURE_STYLE, Outputs, missing, notebook_style, pct, pp,
                                                    read_outputs, show, suppressed)

__all__ = ["FIGURE_STYLE", "Outputs", "notebook_style", "read_outputs", "suppressed", "show", "pct", "pp", "missing"]
