"""Measurement across rounds: questionnaire forms and their anchor items."""

from literacy.measurement.forms import anchor_items, compare_forms, linking_feasible

__all__ = ["compare_forms", "anchor_items", "linking_feasible"]
