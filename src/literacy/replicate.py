"""Replicate-weight survey designs: a re-export of :mod:`literacy.survey` (their old home).

New code imports from :mod:`literacy.survey`.
"""

from literacy.survey import REPLICATE_METHODS, ReplicateDesign, replicate_design

__all__ = ["ReplicateDesign", "REPLICATE_METHODS", "replicate_design"]
