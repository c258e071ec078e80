"""Design variances: R's ``svyrecvar`` on the sampling stages and ``svrVar`` on replicates.

Taylor linearisation: the weighted linearised values are summed to cluster totals, centred
within strata and scaled by ``(1 - f) n / (n - 1)``; with a finite population correction at
later stages the within-cluster variance of each stage is added, multiplied by the sampling
fraction of the stages above (Wolter 2007, ch. 1; Lumley 2010, sec. 2.2 and appendix C).
Replicates: ``scale * sum_r rscales_r (theta_r - centre)^2`` (Wolter 2007, ch. 3-5).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from literacy.survey.codes import cell_sums
from literacy.survey.stages import Stage

__all__ = ["stage_sum", "taylor_variance", "dense_variance", "replicate_variance"]


def stage_sum(st: Stage, cl: np.ndarray, dom: np.ndarray, t: np.ndarray, D: int, present: np.ndarray | None,
              lonely_psu: str) -> np.ndarray:
    """Sum over strata of (1-f) n/(n-1) sum_c (t_c - tbar)^2, per domain (R's ``onestrat``).

    Parameters
    ----------
    st : Stage
        The sampling stage.
    cl, dom, t : ndarray
        Per (cluster, domain) cell: the cluster code, the domain and the cell total.
    D : int
        Number of domains.
    present : ndarray or None
        Strata x D: which strata hold each domain (only ``lonely_psu="average"`` reads it).
    lonely_psu : str
        R's ``survey.lonely.psu``.

    Returns
    -------
    ndarray
        The stage's variance contribution per domain.
    """
    h = st.cluster_stratum[cl]
    key = h * D + dom
    HD = st.n_strata * D
    s1 = np.bincount(key, weights=t, minlength=HD).reshape(st.n_strata, D)
    s2 = np.bincount(key, weights=t * t, minlength=HD).reshape(st.n_strata, D)
    n_h = st.stratum_n[:, None]
    lonely = (st.stratum_n == 1)[:, None]
    # centred sum of squares over all n_h clusters (clusters without the domain count as 0)
    centred = s2 - s1 * s1 / n_h
    if lonely_psu == "adjust":
        centred = np.where(lonely, s2, centred)  # centre at the grand mean, i.e. not at all
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = st.stratum_f * np.where(st.stratum_n > 1, st.stratum_n / (st.stratum_n - 1), 1.0)
    self_representing = (st.stratum_f < 1e-7)[:, None]
    contrib = np.where(self_representing, 0.0, scale[:, None] * np.maximum(centred, 0.0))
    contrib = contrib * st.stratum_multiplier[:, None]
    if lonely_psu == "average" and present is not None:
        # lonely strata are NA; the sum over the others is scaled by strata / ok strata
        bad = lonely & ~self_representing & present
        n_strat = present.sum(axis=0)
        n_ok = n_strat - bad.sum(axis=0)
        out = np.where(bad, 0.0, contrib).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return out * np.where(n_ok > 0, n_strat / n_ok, np.nan)
    return contrib.sum(axis=0)


def taylor_variance(stages: list[Stage], rows, d: np.ndarray, xz: np.ndarray, D: int,
                    lonely_psu: str) -> np.ndarray:
    """Variance of each domain's estimated total from (cluster, domain) cell sums (uncalibrated).

    Parameters
    ----------
    stages : list of Stage
        The design's sampling stages.
    rows : ndarray or slice
        The row positions used (``slice(None)``: all rows).
    d : ndarray
        Their domain codes, 0..D-1.
    xz : ndarray
        Their weighted linearised values.
    D : int
        Number of domains.
    lonely_psu : str
        R's ``survey.lonely.psu``.

    Returns
    -------
    ndarray
        D variances.
    """
    present = None
    if lonely_psu == "average":    # which strata hold each domain (only "average" asks)
        present = np.zeros((stages[0].n_strata, D), dtype=bool)
        present[stages[0].cluster_stratum[stages[0].cluster[rows]], d] = True
    total = np.zeros(D)
    for s, st in enumerate(stages):
        # cluster totals per (cluster, domain) cell
        uniq, t = cell_sums(st.cluster[rows] * D + d, st.n_clusters * D, xz)
        cl, dom = uniq // D, uniq % D
        total += stage_sum(st, cl, dom, t, D, present if s == 0 else None, lonely_psu)
    return total


def dense_variance(stages: list[Stage], x: np.ndarray, lonely_psu: str) -> np.ndarray:
    """Variance of the estimated totals of each column of the n x K values ``x`` (calibrated designs).

    Parameters
    ----------
    stages : list of Stage
        The design's sampling stages.
    x : ndarray
        n x K weighted linearised values, already residualised on the calibration.
    lonely_psu : str
        R's ``survey.lonely.psu``.

    Returns
    -------
    ndarray
        K variances.
    """
    n = x.shape[0]
    K = x.shape[1]
    total = np.zeros(K)
    for s, st in enumerate(stages):
        S = sparse.csr_matrix((np.ones(n), (st.cluster, np.arange(n))),
                              shape=(st.n_clusters, n))
        t = np.asarray(S @ x)                   # n_clusters x K cluster totals
        cl = np.repeat(np.arange(st.n_clusters), K)
        dom = np.tile(np.arange(K), st.n_clusters)
        # a calibrated design keeps every row in the domain subset (R sets prob to Inf)
        present = np.ones((st.n_strata, K), dtype=bool) if s == 0 else None
        total += stage_sum(st, cl, dom, t.ravel(), K, present, lonely_psu)
    return total


def replicate_variance(theta: np.ndarray, est: np.ndarray, scale: float, rscales: np.ndarray,
                       mse: bool) -> np.ndarray:
    """scale * sum_r rscales_r (theta_r - centre)^2 per column (R's ``svrVar``).

    Parameters
    ----------
    theta : ndarray
        R x K replicate estimates.
    est : ndarray
        K full-sample estimates (the centre with ``mse``).
    scale : float
        Overall variance multiplier.
    rscales : ndarray
        Per-replicate multipliers; the mean is over replicates with a positive one.
    mse : bool
        Centre at the full-sample estimate instead of the replicates' mean.

    Returns
    -------
    ndarray
        K variances.
    """
    if mse:
        centre = est[None, :]
    else:
        centre = theta[rscales > 0].mean(axis=0)[None, :]
    return scale * (rscales[:, None] * (theta - centre) ** 2).sum(axis=0)
