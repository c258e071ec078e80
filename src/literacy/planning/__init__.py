"""Sample planning for the next round: sizes per reporting domain and detectable change."""

from literacy.planning.assessment import domain_takes, plan_inputs, planning_config, sample_plan
from literacy.planning.sample_size import detectable_change, intra_psu_correlation, required_sample

__all__ = ["required_sample", "detectable_change", "intra_psu_correlation", "domain_takes", "plan_inputs",
           "planning_config", "sample_plan"]
