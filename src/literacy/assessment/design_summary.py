"""The facts of a survey design that a table's header states, as R's ``summary(design)`` and
Stata's ``svy`` header do: strata, PSUs, observations, population size and design degrees of
freedom (issue 24). No file I/O, no printing: the command line formats them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from literacy.survey import ReplicateDesign

__all__ = ["DesignSummary", "design_summary"]


@dataclass(frozen=True)
class DesignSummary:
    """What a design is, in the numbers a reader checks first.

    Attributes
    ----------
    kind : str
        ``taylor`` (linearisation with strata, PSUs and fpc) or ``replicate``.
    observations : int
        Rows of the data (respondents).
    population : float
        The estimated population size: the sum of the weights.
    degf : int
        Design degrees of freedom (PSUs minus strata; for replicate weights the rank of the
        replicate weights minus one), as R's ``degf(design)``.
    strata : int or None
        Strata of the first stage (Taylor designs; 1 without strata).
    psus : int or None
        Primary sampling units (Taylor designs; each row without PSUs).
    stages : int or None
        Sampling stages (Taylor designs).
    fpc : bool
        A finite population correction was given.
    replicates : int or None
        Replicate weights (replicate designs).
    method : str or None
        How the replicate weights were made (``jk1``, ``fay``, ...).
    """

    kind: str
    observations: int
    population: float
    degf: int
    strata: int | None = None
    psus: int | None = None
    stages: int | None = None
    fpc: bool = False
    replicates: int | None = None
    method: str | None = None

    def as_dict(self) -> dict:
        """The fields as a plain dict (for JSON)."""
        return asdict(self)


def design_summary(design) -> DesignSummary:
    """The header facts of a :class:`~literacy.survey.SurveyDesign` or a :class:`~literacy.survey.ReplicateDesign`.

    Parameters
    ----------
    design : SurveyDesign or ReplicateDesign
        The design the estimates were computed on.

    Returns
    -------
    DesignSummary
    """
    weights = np.asarray(design.weights, dtype=float)
    common = {"observations": int(weights.shape[0]), "population": float(weights.sum()), "degf": int(design.degf())}
    if isinstance(design, ReplicateDesign):
        return DesignSummary(kind="replicate", replicates=int(design.replicates), method=str(design.method), **common)
    first = design.stages[0]
    return DesignSummary(kind="taylor", strata=int(first.n_strata), psus=int(first.n_clusters),
                         stages=max(1, len(design.psu_columns)), fpc=bool(design.fpc_columns), **common)
