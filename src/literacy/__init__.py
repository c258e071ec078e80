"""literacy: civic science-literacy survey estimation.

Pure computation: scoring, weighting, design-based estimation and the assessment tables.
File I/O, Prefect flows and the command line live in ``literacy_flows`` (the ``flows/``
folder of the repository).
"""

from importlib.metadata import PackageNotFoundError, version as _version

from literacy.errors import ConfigError, DataError, DesignError, LiteracyError
from literacy.survey import ReplicateDesign, SurveyDesign, replicate_design

try:
    __version__ = _version("literacy")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["SurveyDesign", "ReplicateDesign", "replicate_design", "LiteracyError", "ConfigError", "DataError", "DesignError", "__version__"]
