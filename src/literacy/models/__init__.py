"""Design-based models and tests reproducing R's survey package (Lumley 2004, 2010).

``svyglm`` (:mod:`.glm`), ``svyquantile`` (:mod:`.quantile`), ``svychisq`` and ``svyttest``
(:mod:`.tests`), with formulas in :mod:`.formula`; reached through the methods ``glm``,
``quantile``, ``chisq`` and ``ttest`` of every design (:class:`literacy.survey.DesignEstimators`).
The assessment's tables built on them are in :mod:`literacy.assessment.models`.
"""

from literacy.models.formula import model_frame, parse_formula, r_name
from literacy.models.glm import svyglm
from literacy.models.quantile import svyquantile
from literacy.models.tests import svychisq, svyttest

__all__ = ["svyglm", "svyquantile", "svychisq", "svyttest", "model_frame", "parse_formula", "r_name"]
