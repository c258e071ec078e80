"""Sample planning for the next round: sizes per reporting domain and detectable change.

The assessment's plan (its domains' inputs from the end-of-period round) is
:mod:`literacy.assessment.planning`.
"""

from literacy.planning.sample_size import detectable_change, intra_psu_correlation, required_sample

__all__ = ["required_sample", "detectable_change", "intra_psu_correlation"]
