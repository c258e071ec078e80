"""Replicate weights for a Taylor design: R's ``as.svrepdesign`` (jackknife, BRR, Fay, bootstrap)."""

from __future__ import annotations

import numpy as np
from scipy.linalg import hadamard

from literacy.errors import DesignError
from literacy.survey.replicate import ReplicateDesign, weights_rank

__all__ = ["replicate_design"]


def replicate_design(design, method: str, replicates: int | None = None, rho: float | None = None,
                     seed: int | None = None, mse: bool = False) -> ReplicateDesign:
    """Replicate weights for a Taylor design, as R's ``as.svrepdesign``.

    Parameters
    ----------
    design : SurveyDesign
        Its first-stage strata, PSUs and finite population correction are used.
    method : {"jk1", "jkn", "brr", "fay", "bootstrap"}
        JK1 (unstratified designs): one replicate per PSU. JKn: one replicate per PSU,
        deleting it within its stratum, ``rscales (n_h - 1)/n_h`` times the fpc. BRR / Fay:
        half-samples from a Sylvester Hadamard matrix, strata of exactly two PSUs. Bootstrap:
        R's Canty–Davison rescaled bootstrap (``n_h`` PSUs drawn with replacement).
    replicates : int, optional
        Bootstrap replicates (default 50, as R).
    rho : float, optional
        Fay's coefficient (0 < rho < 1) for ``method="fay"``.
    seed : int, optional
        Seed for the bootstrap draws (required for the bootstrap).
    mse : bool
        Centre replicates at the full-sample estimate.

    Returns
    -------
    ReplicateDesign
        PSU-level factors (R's compressed replicate weights).

    Raises
    ------
    DesignError
        A calibrated design, a method the design's strata do not allow, a missing seed or rho.
    """
    method = str(method).lower()
    if design.calibration:
        raise DesignError("design: build replicates before calibrating (each replicate is then calibrated)")
    st = design.stages[0]
    C, H = st.n_clusters, st.n_strata
    n_h = st.stratum_n
    h_of = st.cluster_stratum
    # fpc as R's "correction": (N - n)/N per stratum, 1 without fpc
    fpc_corr = st.stratum_f
    stratified = bool(design.strata_columns)
    if method == "jk1":
        if stratified and H > 1:
            raise DesignError("design: JK1 is for unstratified designs; use 'jkn'")
        factors = np.full((C, C), C / (C - 1.0))
        np.fill_diagonal(factors, 0.0)
        jackknife = (np.zeros(C, dtype=np.int64), np.arange(C), np.array([C / (C - 1.0)]))
        scale = float(fpc_corr[0]) * (C - 1.0) / C
        rscales = np.ones(C)
        degf = design.degf()
    elif method == "jkn":
        # R's jknweights: replicate r deletes PSU r; the other PSUs of its stratum are weighted up
        # by n_h/(n_h - 1), rscale (n_h - 1)/n_h times the fpc. A stratum sampled with certainty
        # (fpc correction 0) has no replicate, whatever its PSU count: it adds no variance.
        certain = fpc_corr <= 1e-12
        lonely = (n_h == 1) & ~certain                   # per stratum
        if lonely.any() and design.lonely_psu == "fail":
            raise DesignError(f"design: stratum {_stratum_name(design, st, int(np.flatnonzero(lonely)[0]))} has only "
                              "one PSU; choose lonely_psu (or give its fpc: a PSU sampled with certainty adds no "
                              "variance)")
        reps = np.flatnonzero(((n_h > 1) & ~certain)[h_of])
        same = h_of[:, None] == h_of[reps][None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            up_h = np.where(n_h > 1, n_h / (n_h - 1.0), 1.0)
        factors = np.where(same, up_h[h_of][:, None], 1.0)
        factors[reps, np.arange(len(reps))] = 0.0
        rscales = ((n_h - 1.0) / n_h * fpc_corr)[h_of[reps]]
        jackknife = (h_of.astype(np.int64), reps, up_h)
        if design.lonely_psu == "adjust" and lonely.any():
            # R: one replicate per lonely stratum, its PSU deleted and every PSU of the other
            # strata weighted up by H/(H - 1), rscale (H - 1)/H (jknweights, lonely.psu="adjust");
            # replicates in stratum order, as R builds them
            alone = np.flatnonzero(lonely)
            extra = np.where(h_of[:, None] == alone[None, :], 0.0, H / (H - 1.0))
            order_h = np.argsort(np.r_[h_of[reps], alone], kind="stable")
            factors = np.column_stack([factors, extra])[:, order_h]
            rscales = np.r_[rscales, np.full(len(alone), (H - 1.0) / H)][order_h]
            jackknife = None                          # not delete-one-within-stratum: the factor product
        R_ = factors.shape[1]
        if R_ == 0:   # R's jknweights stops here too
            raise DesignError("design: no stratum gives a jackknife replicate (every stratum has one PSU or was "
                              "sampled with certainty): there is no sampling variance to estimate")
        scale = C / R_ if (design.lonely_psu == "average" and R_ < C) else 1.0
        # R's degf() of a replicate design: the rank of its replicate weights minus one
        degf = weights_rank(factors) - 1
    elif method in ("brr", "fay"):
        # strata sampled with certainty (fpc correction 0) add no variance: their PSUs keep factor 1
        # in every half-sample (R's brrweights has no such case and stops on a one-PSU stratum)
        certain = fpc_corr <= 1e-12
        if (n_h[~certain] != 2).any():
            raise DesignError("design: BRR needs exactly two PSUs in every stratum (or a stratum sampled with "
                              "certainty, fpc equal to its PSU count)")
        rho_v = 0.0 if method == "brr" else float(rho if rho is not None else np.nan)
        if method == "fay" and not 0 < rho_v < 1:
            raise DesignError("design: Fay's method needs 0 < rho < 1")
        half = np.cumsum(~certain) - 1                 # the Hadamard column of each uncertain stratum
        Hh = int((~certain).sum())
        size = 1 << int(np.ceil(np.log2(Hh + 1)))
        Hm = hadamard(size)[:, 1:Hh + 1]           # drop the all-ones column (Wolter 2007, 3.3)
        first = np.zeros(C, dtype=bool)
        order = np.lexsort((np.arange(C), h_of))
        first[order[::2]] = True                   # the first PSU of each stratum
        col = np.where(certain[h_of], 0, half[h_of])
        sign = np.where(first, 1, -1)[:, None] * Hm[:, col].T    # C x R
        factors = np.where(certain[h_of][:, None], 1.0, np.where(sign > 0, 2.0 - rho_v, rho_v))
        scale = 1.0 / (size * (1.0 - rho_v) ** 2)
        rscales = np.ones(size)
        degf = Hh
    elif method == "bootstrap":
        if seed is None:
            raise DesignError("design: the bootstrap needs a seed")
        R = int(replicates or 50)
        rng = np.random.default_rng(seed)
        # draw n_h PSUs with replacement in each stratum: counts via one multinomial per stratum
        # expressed as uniform draws mapped to the stratum's PSU positions (vectorised).
        order = np.lexsort((np.arange(C), h_of))
        start = np.concatenate([[0], np.cumsum(n_h)[:-1]]).astype(np.int64)
        draws_h = np.repeat(np.arange(H), n_h.astype(np.int64))            # one draw per PSU slot
        u = rng.random((R, len(draws_h)))
        pos = start[draws_h][None, :] + np.floor(u * n_h[draws_h][None, :]).astype(np.int64)
        picked = order[pos]                                                  # R x C PSU codes
        counts = np.zeros((R, C))
        np.add.at(counts, (np.repeat(np.arange(R), picked.shape[1]), picked.ravel()), 1.0)
        factors = counts.T
        # a stratum sampled with certainty (fpc correction 0) is not resampled: no variance
        factors[(fpc_corr <= 1e-12)[h_of]] = 1.0
        m = 1.0 / np.mean(1.0 / n_h)
        scale = m / ((m - 1.0) * (R - 1.0))
        rscales = np.ones(R)
        # R's degf(): rank of the replicate weights - 1, i.e. min(replicates, PSUs - strata + 1) - 1
        degf = weights_rank(factors) - 1
    else:
        raise DesignError(f"design: replicate method must be one of jk1, jkn, brr, fay, bootstrap, not {method!r}")
    return ReplicateDesign.from_factors(design.data, design.weights, st.cluster, factors, method, scale,
                                        rscales, rho, mse, degf,
                                        jackknife=jackknife if method in ("jk1", "jkn") else None)


def _stratum_name(design, st, h: int) -> str:
    """The label of first-stage stratum ``h`` as the data has it."""
    if not design.strata_columns:
        return "(the only stratum)"
    row = int(np.flatnonzero(st.cluster_stratum[st.cluster] == h)[0])
    return repr(str(design.data[design.strata_columns[0]].iloc[row]))
