"""Replicate-weight variance estimation: jackknife (JK1, JKn), BRR, Fay's BRR and bootstrap.

Two representations, one set of estimators (those of :class:`DesignEstimators`):

* replicates built from a :class:`SurveyDesign` are PSU-level adjustment factors
  (an n_PSU x R matrix, R's "compressed" replicate weights); a replicate's domain sums
  are the factor-weighted sums of the (PSU, domain) cell sums, so the N x R weight matrix
  is never built;
* replicate weights delivered with the data are an N x R matrix; a replicate's domain
  sums come from one sparse (domain x row) by dense (row x replicate) product.

The variance of an estimator is ``scale * sum_r rscales_r (theta_r - centre)^2`` with the
centre the mean of the replicates (``mse=False``) or the full-sample estimate
(``mse=True``), as R's ``svrVar`` (Wolter 2007, ch. 3-5; Lumley 2010, 2.3).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.linalg import hadamard

from literacy.design import DesignEstimators, SurveyDesign, _cell_sums, _distinct
from literacy.errors import DesignError, not_in_data

__all__ = ["ReplicateDesign", "REPLICATE_METHODS", "replicate_design"]

REPLICATE_METHODS = ("jk1", "jkn", "brr", "fay", "bootstrap", "other")
_DENSE_CELLS = 1 << 25          # (PSU, domain) cells held densely by the jackknife shortcut
_CONTIGUOUS_BYTES = 1 << 30     # delivered replicate weights up to this size get a row-major copy


class ReplicateDesign(DesignEstimators):
    """A survey design whose variances come from replicate weights.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    weights : str or array
        Full-sample weight column (or values).
    replicate_weights : list of str or str
        The replicate weight columns, or a regular expression matching their names
        (as ``svrepdesign(repweights="repw[0-9]+")``).
    method : {"jk1", "jkn", "brr", "fay", "bootstrap", "other"}
        How the replicates were made; sets the default ``scale`` and ``rscales`` as R's
        ``svrepdesign``: BRR 1/R, Fay 1/(R (1 - rho)^2), JK1 (R - 1)/R, bootstrap
        1/(R - 1); JKn needs ``rscales``.
    scale, rscales : float, array, optional
        Overall and per-replicate variance multipliers.
    rho : float, optional
        Fay's coefficient (required for ``method="fay"``).
    mse : bool
        Centre the replicates at the full-sample estimate instead of their mean.
    combined_weights : bool
        The replicate columns are full weights (True) or factors to multiply the
        sampling weight by (False).
    degf : int, optional
        Design degrees of freedom; default the rank of the replicate weights minus one
        (R's ``degf`` for replicate designs).
    """

    def __init__(self, data: pd.DataFrame, weights, replicate_weights, method: str, scale=None,
                 rscales=None, rho=None, mse: bool = False, combined_weights: bool = True, degf=None):
        if not isinstance(data, pd.DataFrame):
            raise DesignError("design: data must be a DataFrame")
        method = str(method).lower()
        if method not in REPLICATE_METHODS:
            raise DesignError(f"design: replicate method must be one of {REPLICATE_METHODS}, not {method!r}")
        self.data = data
        self.method = method
        self.mse = bool(mse)
        self.rho = rho
        self.weights = _weights(data, weights)
        columns = _replicate_columns(data, replicate_weights)
        block = data[columns]
        if not all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in block.dtypes):
            block = block.apply(pd.to_numeric, errors="coerce")
        # a row-major copy when it fits (the sums then read each row's R weights in order); a
        # larger matrix stays in the layout pandas holds it in (usually column-major, no copy)
        # and the sums and the rank read it in blocks of rows (_row_blocks)
        rep = block.to_numpy(dtype=float, na_value=np.nan)
        if rep.nbytes <= _CONTIGUOUS_BYTES:
            rep = np.ascontiguousarray(rep)          # one row-major copy: the fastest sums
        for start, part in _row_blocks(rep):
            bad = ~(part >= 0)                       # missing (NaN) or negative
            if bad.any():
                r, c = np.argwhere(bad)[0]
                what = "is negative" if part[r, c] < 0 else "is missing or not numeric"
                raise DesignError(f"design: replicate weight '{columns[c]}' {what} at row {start + r}")
        if not combined_weights:
            rep = rep * self.weights[:, None]        # a new array: the caller's data is not touched
        self.replicate_columns = columns
        self._full = rep                      # N x R replicate weights
        self._factors = None                  # or (cluster per row, n_clusters x R factors)
        self._jackknife = None                # or the jackknife's structure (see _jackknife_sums)
        self._df_structure = None             # PSU factors before calibration (see _domain_df)
        R = rep.shape[1]
        self.scale, self.rscales = _default_scales(method, R, scale, rscales, rho)
        self._degf = int(degf) if degf is not None else _rank(rep) - 1

    @classmethod
    def _from_factors(cls, data, weights, cluster, factors, method, scale, rscales, rho, mse, degf):
        new = object.__new__(cls)
        new.data = data
        new.method = method
        new.mse = bool(mse)
        new.rho = rho
        new.weights = np.asarray(weights, dtype=float)
        new.replicate_columns = [f"rep{r + 1}" for r in range(factors.shape[1])]
        new._full = None
        new._factors = (cluster, factors)
        new._jackknife = None
        new._df_structure = None
        new.scale = float(scale)
        new.rscales = np.asarray(rscales, dtype=float)
        new._degf = int(degf)
        return new

    def _with_replicate_weights(self, weights: np.ndarray, replicate_weights: np.ndarray,
                                recompute_degf: bool) -> "ReplicateDesign":
        """A copy with new full-sample and (combined, N x R) replicate weights, e.g. calibrated.

        ``recompute_degf``: the design df becomes the rank of the new replicate weights minus
        one, as R's ``degf()`` after ``postStratify``, ``rake`` and linear ``calibrate``.
        """
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.weights = np.asarray(weights, dtype=float)
        new._full = np.ascontiguousarray(replicate_weights, dtype=float)
        # domain df keep the PSU structure of the replicates before calibration
        new._df_structure = self._df_structure if self._factors is None else (self._factors, self._jackknife)
        new._factors = None
        new._jackknife = None
        new.replicate_columns = list(self.replicate_columns)
        if recompute_degf:
            new._degf = _rank(new._full) - 1
        return new

    @property
    def replicates(self) -> int:
        """Number of replicates."""
        return len(self.rscales)

    def degf(self) -> int:
        """Design degrees of freedom (rank of the replicate weights minus one)."""
        return self._degf

    def replicate_weights(self) -> np.ndarray:
        """The N x R matrix of replicate weights (built on demand for PSU-factor designs)."""
        if self._full is not None:
            return self._full
        cluster, factors = self._factors
        return self.weights[:, None] * factors[cluster]

    # ------------------------------------------------------------------ machinery
    def _replicate_sums(self, rows: np.ndarray, d: np.ndarray, values: np.ndarray, D: int) -> np.ndarray:
        """R x D replicate sums of ``weight * values`` over each domain's rows."""
        if self._jackknife is not None and self._factors[1].shape[0] * D <= _DENSE_CELLS:
            return self._jackknife_sums(rows, d, values, D)
        if self._factors is not None:
            cluster, factors = self._factors
            uniq, sums = _cell_sums(cluster[rows] * D + d, factors.shape[0] * D, self.weights[rows] * values)
            S = sparse.csr_matrix((sums, (uniq // D, uniq % D)), shape=(factors.shape[0], D))
            return np.asarray((S.T @ factors).T)
        # column-compressed: the product walks the rows of the N x R weights in order (each row
        # added to its domains), several times faster than CSR; one block of rows at a time
        M = _domain_by_row(rows, d, values, D, self.n)
        out = np.zeros((D, self._full.shape[1]))
        for start, part in _row_blocks(self._full):
            out += (M if part.shape[0] == self.n else M[:, start:start + part.shape[0]]) @ part
        return out.T

    def _jackknife_sums(self, rows: np.ndarray, d: np.ndarray, values: np.ndarray, D: int) -> np.ndarray:
        """Delete-one-PSU jackknife replicate sums in O(PSUs x domains), without the factor matrix.

        Replicate r deletes PSU c_r of stratum h_r and weights the other PSUs of h_r up by
        u_h = n_h / (n_h - 1) (JKn; JK1 is one stratum), so its domain sum is
        ``T - T_h + u_h (T_h - S_c)`` with S the (PSU, domain) sums, T_h their stratum sums and
        T the total (Wolter 2007, 4.2): the same sums as the factor product, in fewer steps.
        """
        cluster, factors = self._factors
        stratum_of, deleted, up = self._jackknife
        C = factors.shape[0]
        H = len(up)
        S = np.bincount(cluster[rows] * D + d, weights=self.weights[rows] * values, minlength=C * D).reshape(C, D)
        T_h = np.bincount((stratum_of[:, None] * D + np.arange(D)[None, :]).ravel(), weights=S.ravel(),
                          minlength=H * D).reshape(H, D)
        T = T_h.sum(axis=0)
        h_r = stratum_of[deleted]
        u = up[h_r][:, None]
        return T[None, :] + (u - 1.0) * T_h[h_r] - u * S[deleted]

    def _replicate_estimates(self, kind, rows, d, yu, bu, D) -> np.ndarray:
        """R x D replicate estimates of a total, mean or ratio per domain."""
        if isinstance(rows, slice):          # all rows
            rows = np.arange(self.n)
        if kind == "total":
            return self._replicate_sums(rows, d, yu, D)
        # numerator and denominator sums in one pass over the replicate weights:
        # domains 0..D-1 carry y, domains D..2D-1 the denominator (1 for a mean)
        den = np.ones_like(yu) if kind == "mean" else bu
        sums = self._replicate_sums(np.concatenate([rows, rows]), np.concatenate([d, d + D]),
                                    np.concatenate([yu, den]), 2 * D)
        with np.errstate(invalid="ignore", divide="ignore"):
            return sums[:, :D] / sums[:, D:]

    def _estimator_variance(self, kind, rows, d, yu, bu, est, W_d, B_d, D) -> np.ndarray:
        theta = self._replicate_estimates(kind, rows, d, yu, bu, D)
        return _replicate_variance(theta, est, self.scale, self.rscales, self.mse)

    def _likelihood_interval_supported(self) -> None:
        raise DesignError("ci='likelihood' is for Taylor designs: R's svyciprop(method='likelihood') gives no "
                          "interval (NA) on a replicate design; use 'logit' or 'beta'")

    def _variance_with_logit(self, rows, d, yu, est, W_d, D) -> tuple[np.ndarray, np.ndarray]:
        """The variance of each domain's share and the standard error of its logit as R's
        ``svyglm(y ~ 1, family=quasibinomial)`` on a replicate design gives it: the intercept
        refitted on each replicate is the logit of the replicate's share, and its variance the
        replicates' (``svrVar``, centred at their mean, or at the full-sample logit with ``mse``).
        One pass over the replicate weights gives both."""
        theta = self._replicate_estimates("mean", rows, d, yu, None, D)
        var = _replicate_variance(theta, est, self.scale, self.rscales, self.mse)
        with np.errstate(invalid="ignore", divide="ignore"):
            logits = np.log(theta / (1 - theta))
            centre = np.log(est / (1 - est))
            return var, np.sqrt(_replicate_variance(logits, centre, self.scale, self.rscales, self.mse))

    def _domain_df(self, domain: np.ndarray, D: int) -> np.ndarray:
        """Degrees of freedom of each domain: the rank of its replicate weights minus one.

        R's ``svyby(..., svyciprop)`` takes each domain's subset, whose ``degf()`` is the rank
        of the subset's replicate weights minus one. Replicates built from a design are PSU
        factors times the row weights, so a domain's replicate weights have the rank of the
        factor rows of the PSUs it touches: a closed form for the jackknife
        (:func:`_jackknife_domain_rank`), a PSU-level Gram matrix per domain otherwise.
        A calibrated design (replicates built from a design, then raked or calibrated) keeps
        the PSU structure of its replicates before calibration: R recomputes the rank on the
        calibrated weights, which no longer repeat within a PSU, so its domain df drift towards
        the number of respondents (an artefact; Korn & Graubard 1999, 5.2: the df of a domain
        are set by its PSUs). Delivered replicate weights carry no PSU structure and keep the
        design's df for every domain.
        """
        structure = (self._factors, self._jackknife) if self._factors is not None else self._df_structure
        if structure is None:
            return np.full(D, self._degf, dtype=np.int64)
        (cluster, factors), jackknife = structure
        C = factors.shape[0]
        rows = domain >= 0
        d, c = (domain, cluster) if rows.all() else (domain[rows], cluster[rows])
        w = self.weights if rows.all() else self.weights[rows]
        if jackknife is not None:
            cells = _distinct(d * C + c, D * C)              # (domain, PSU) pairs present
            rank = _jackknife_domain_rank(cells // C, cells % C, D, *jackknife)
        else:
            # X_d' X_d = sum over the domain's PSUs of (sum of w^2 in the cell) f_c f_c'
            uniq, s2 = _cell_sums(d * C + c, D * C, w * w)
            rank = _domain_ranks(factors, uniq % C, uniq // C, s2, D)
        return (rank - 1).astype(np.int64)


def _jackknife_domain_rank(cell_domain: np.ndarray, cell_cluster: np.ndarray, D: int, stratum_of: np.ndarray,
                           deleted: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Rank of each domain's delete-one jackknife replicate weights, in closed form.

    PSU c of stratum h has factor row f_c = 1 + (u_h - 1) 1_h - u_h e_c over the replicates
    (1_h: the replicates of stratum h; a PSU no replicate deletes, in a one-PSU stratum, has
    f_c = 1). A combination sum a_c f_c of the domain's PSUs vanishes only if a_c is 0 in
    strata the domain covers partly, one common value per stratum it covers wholly, any
    value for those one-PSU strata, and sum a_c = 0; so the rank is the number of PSUs in the
    domain minus (whole strata + lonely PSUs in the domain - 1). For the whole design this is
    PSUs - strata + 1, R's degf() + 1.
    """
    C, H = len(stratum_of), len(up)
    k = np.bincount(cell_domain, minlength=D)
    deleted_mask = np.zeros(C, dtype=bool)
    deleted_mask[deleted] = True
    lonely = np.bincount(cell_domain[~deleted_mask[cell_cluster]], minlength=D)
    with_replicates = np.zeros(H, dtype=bool)
    with_replicates[stratum_of[deleted]] = True
    psus = np.bincount(stratum_of, minlength=H)
    covered = np.bincount(cell_domain * H + stratum_of[cell_cluster], minlength=D * H).reshape(D, H)
    whole = ((covered == psus[None, :]) & with_replicates[None, :]).sum(axis=1)
    return k - np.maximum(whole + lonely - 1, 0)


def _domain_ranks(factors: np.ndarray, cell_cluster: np.ndarray, cell_domain: np.ndarray, cell_weight: np.ndarray,
                  D: int) -> np.ndarray:
    """Rank of G_d = sum_{c in domain d} s_c f_c f_c' for every domain (R's qr tolerance 1e-5).

    In blocks of domains (each block's D_b x PSUs x R stack within about 128 MB): G_d =
    (s_d * F)' F by one batched matrix product, ranks from the scaled eigenvalues.
    """
    C, R = factors.shape
    S = sparse.csr_matrix((cell_weight, (cell_domain, cell_cluster)), shape=(D, C))
    rank = np.zeros(D, dtype=np.int64)
    per_block = max(1, (1 << 24) // max(C * R, R * R, 1))
    for d0 in range(0, D, per_block):                      # blocks of domains, each vectorised
        s_block = S[d0:d0 + per_block].toarray()            # D_b x C
        g = np.matmul((s_block[:, :, None] * factors[None, :, :]).transpose(0, 2, 1), factors)
        norms = np.sqrt(np.diagonal(g, axis1=1, axis2=2))
        norms = np.where(norms > 0, norms, 1.0)
        eig = np.linalg.eigvalsh(g / (norms[:, :, None] * norms[:, None, :]))
        top = eig.max(axis=1, keepdims=True)
        rank[d0:d0 + len(g)] = ((eig > (1e-5) ** 2 * top) & (top > 0)).sum(axis=1)
    return rank


def _weights(data: pd.DataFrame, weights) -> np.ndarray:
    if isinstance(weights, str):
        if weights not in data.columns:
            raise DesignError("design: " + not_in_data(weights, data.columns, "weight column"))
        w = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    else:
        w = np.asarray(weights, dtype=float)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DesignError(f"design: weights must be positive and finite; {int(bad.sum())} are not "
                          f"(first at row {first})")
    return w


def _replicate_columns(data: pd.DataFrame, spec) -> list[str]:
    if isinstance(spec, str):
        try:
            pattern = re.compile(spec)
        except re.error as exc:
            raise DesignError(f"design: replicate weight pattern {spec!r} is not a regular expression ({exc})")
        cols = [c for c in data.columns if pattern.search(str(c))]
        if not cols:
            raise DesignError(f"design: no column matches the replicate weight pattern {spec!r}")
        return cols
    cols = list(spec)
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise DesignError(f"design: replicate weight column(s) {missing[:3]} not in the data")
    if not cols:
        raise DesignError("design: no replicate weight columns given")
    return cols


def _default_scales(method, R, scale, rscales, rho):
    """Variance multipliers with R's svrepdesign defaults."""
    if method == "fay":
        if rho is None:
            raise DesignError("design: method 'fay' needs rho")
        default = 1.0 / (R * (1.0 - float(rho)) ** 2)
    elif method == "brr":
        default = 1.0 / R
    elif method == "jk1":
        default = (R - 1.0) / R
    elif method == "bootstrap":
        default = 1.0 / (R - 1.0)
    else:
        default = 1.0
    if method == "jkn" and rscales is None:
        raise DesignError("design: method 'jkn' needs rscales ((n_h - 1)/n_h for each replicate)")
    s = default if scale is None else float(scale)
    if rscales is None:
        rs = np.ones(R)
    else:
        rs = np.broadcast_to(np.asarray(rscales, dtype=float), (R,)).copy()
    return s, rs


def _domain_by_row(rows: np.ndarray, d: np.ndarray, values: np.ndarray, D: int, n: int) -> sparse.csc_matrix:
    """The D x n matrix with ``values`` at (d, rows), built column-compressed directly.

    ``rows`` come as sorted runs (the rows used, once or twice over), so a stable argsort is
    a merge and the column pointers a bincount: no COO to CSC conversion.
    """
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sparse.csc_matrix((values[order], d[order], indptr), shape=(D, n))


def _row_blocks(matrix: np.ndarray, block_bytes: int = 1 << 26):
    """(first row, C-contiguous block of rows) of an N x R matrix, about ``block_bytes`` each.

    Replicate weights can be large (10 million rows x 80 replicates is 6.4 GB); working on
    blocks of rows keeps one block's copy in memory instead of a second full copy.
    """
    if matrix.flags.c_contiguous:                # already row-major: the whole matrix at once
        yield 0, matrix
        return
    n, r = matrix.shape
    step = max(1, block_bytes // (8 * max(r, 1)))
    for start in range(0, n, step):
        yield start, np.ascontiguousarray(matrix[start:start + step])


def _rank(matrix: np.ndarray) -> int:
    """Numerical rank of an N x R matrix via its R x R Gram matrix (R's qr tolerance 1e-5)."""
    if matrix.shape[1] == 0:
        return 0
    gram = np.zeros((matrix.shape[1], matrix.shape[1]))
    for _, part in _row_blocks(matrix):
        gram += part.T @ part                    # numpy uses BLAS syrk for A'A
    # scale columns so the tolerance is relative, as qr() on the weights is
    norms = np.sqrt(np.diag(gram))
    norms = np.where(norms > 0, norms, 1.0)
    eig = np.linalg.eigvalsh(gram / np.outer(norms, norms))
    return int((eig > (1e-5) ** 2 * eig.max()).sum())


def _replicate_variance(theta: np.ndarray, est: np.ndarray, scale: float, rscales: np.ndarray,
                        mse: bool) -> np.ndarray:
    """scale * sum_r rscales_r (theta_r - centre)^2 per column (R's svrVar)."""
    if mse:
        centre = est[None, :]
    else:
        centre = theta[rscales > 0].mean(axis=0)[None, :]
    return scale * (rscales[:, None] * (theta - centre) ** 2).sum(axis=0)


# ---------------------------------------------------------------------- from a design
def replicate_design(design: SurveyDesign, method: str, replicates: int | None = None, rho: float | None = None,
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
    """
    method = str(method).lower()
    if design.calibration:
        raise DesignError("design: build replicates before calibrating (each replicate is then calibrated)")
    st = design._stages[0]
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
        degf = _rank(factors) - 1
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
        degf = _rank(factors) - 1
    else:
        raise DesignError(f"design: replicate method must be one of jk1, jkn, brr, fay, bootstrap, not {method!r}")
    out = ReplicateDesign._from_factors(design.data, design.weights, st.cluster, factors, method, scale,
                                        rscales, rho, mse, degf)
    if method in ("jk1", "jkn"):
        out._jackknife = jackknife
    return out


def _stratum_name(design: SurveyDesign, st, h: int) -> str:
    """The label of first-stage stratum ``h`` as the data has it."""
    if not design.strata_columns:
        return "(the only stratum)"
    row = int(np.flatnonzero(st.cluster_stratum[st.cluster] == h)[0])
    return repr(str(design.data[design.strata_columns[0]].iloc[row]))
