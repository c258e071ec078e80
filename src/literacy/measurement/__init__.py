"""Measurement: item analysis and differential item functioning (DIF)."""

from literacy.measurement.items import ItemAnalysis, cronbach_alpha, item_analysis, omega_total

__all__ = ["ItemAnalysis", "item_analysis", "cronbach_alpha", "omega_total"]
