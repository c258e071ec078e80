"""Replicate-weight designs: jackknife (JK1, JKn), BRR, Fay's BRR and bootstrap (R's ``svrepdesign``).

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

from literacy.errors import DesignError, not_in_data
from literacy.survey.codes import cell_sums, distinct
from literacy.survey.estimators import DesignEstimators
from literacy.survey.variance import replicate_variance

__all__ = ["ReplicateDesign", "REPLICATE_METHODS", "weights_rank", "row_blocks"]

REPLICATE_METHODS = ("jk1", "jkn", "brr", "fay", "bootstrap", "other")
_DENSE_CELLS = 1 << 25          # (PSU, domain) cells held densely by the jackknife shortcut
_CONTIGUOUS_BYTES = 1 << 30     # delivered replicate weights up to this size get a row-major copy


class ReplicateDesign(DesignEstimators):
    """A survey design whose variances come from replicate weights (R's ``svrepdesign``).

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

    has_replicate_weights = True

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
        for start, part in row_blocks(rep):
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
        self._degf = int(degf) if degf is not None else weights_rank(rep) - 1

    @classmethod
    def from_factors(cls, data: pd.DataFrame, weights, cluster: np.ndarray, factors: np.ndarray, method: str,
                     scale: float, rscales, rho, mse: bool, degf: int, jackknife=None) -> "ReplicateDesign":
        """A replicate design from PSU-level adjustment factors (R's "compressed" replicate weights).

        Parameters
        ----------
        data : DataFrame
            One row per respondent.
        weights : array
            Full-sample weights.
        cluster : ndarray
            Per row its PSU code 0..C-1.
        factors : ndarray
            C x R adjustment factors: replicate r's weight of a row is its weight times the
            factor of its PSU.
        method : str
            One of :data:`REPLICATE_METHODS`.
        scale, rscales : float, array
            Overall and per-replicate variance multipliers.
        rho : float or None
            Fay's coefficient.
        mse : bool
            Centre the replicates at the full-sample estimate.
        degf : int
            Design degrees of freedom.
        jackknife : tuple, optional
            For a delete-one-PSU jackknife: (stratum of each PSU, the PSU each replicate deletes,
            the weight-up factor of each stratum), for the shortcut sums and domain ranks.

        Returns
        -------
        ReplicateDesign
        """
        new = object.__new__(cls)
        new.data = data
        new.method = method
        new.mse = bool(mse)
        new.rho = rho
        new.weights = np.asarray(weights, dtype=float)
        new.replicate_columns = [f"rep{r + 1}" for r in range(factors.shape[1])]
        new._full = None
        new._factors = (cluster, factors)
        new._jackknife = jackknife
        new._df_structure = None
        new.scale = float(scale)
        new.rscales = np.asarray(rscales, dtype=float)
        new._degf = int(degf)
        return new

    def with_replicate_weights(self, weights: np.ndarray, replicate_weights: np.ndarray,
                                recompute_degf: bool) -> "ReplicateDesign":
        """A copy with new full-sample and (combined, N x R) replicate weights, e.g. calibrated.

        Parameters
        ----------
        weights : ndarray
            N full-sample weights.
        replicate_weights : ndarray
            N x R replicate weights (combined form).
        recompute_degf : bool
            The design df becomes the rank of the new replicate weights minus one, as R's
            ``degf()`` after ``postStratify``, ``rake`` and linear ``calibrate``.

        Returns
        -------
        ReplicateDesign
            The domain df keep the PSU structure of the replicates before calibration.
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
            new._degf = weights_rank(new._full) - 1
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
    def replicate_totals(self, rows: np.ndarray, d: np.ndarray, values: np.ndarray, D: int) -> np.ndarray:
        """R x D replicate totals of ``weight * values`` over each domain's rows.

        Parameters
        ----------
        rows : ndarray
            Row positions (a row may appear under several domains).
        d : ndarray
            Their domain codes 0..D-1.
        values : ndarray
            Their values.
        D : int
            Number of domains.

        Returns
        -------
        ndarray
            R x D: each replicate's weighted domain totals.
        """
        if self._jackknife is not None and self._factors[1].shape[0] * D <= _DENSE_CELLS:
            return self._jackknife_sums(rows, d, values, D)
        if self._factors is not None:
            cluster, factors = self._factors
            uniq, sums = cell_sums(cluster[rows] * D + d, factors.shape[0] * D, self.weights[rows] * values)
            S = sparse.csr_matrix((sums, (uniq // D, uniq % D)), shape=(factors.shape[0], D))
            return np.asarray((S.T @ factors).T)
        # column-compressed: the product walks the rows of the N x R weights in order (each row
        # added to its domains), several times faster than CSR; one block of rows at a time
        M = _domain_by_row(rows, d, values, D, self.n)
        out = np.zeros((D, self._full.shape[1]))
        for start, part in row_blocks(self._full):
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
            return self.replicate_totals(rows, d, yu, D)
        # numerator and denominator sums in one pass over the replicate weights:
        # domains 0..D-1 carry y, domains D..2D-1 the denominator (1 for a mean)
        den = np.ones_like(yu) if kind == "mean" else bu
        sums = self.replicate_totals(np.concatenate([rows, rows]), np.concatenate([d, d + D]),
                                    np.concatenate([yu, den]), 2 * D)
        with np.errstate(invalid="ignore", divide="ignore"):
            return sums[:, :D] / sums[:, D:]

    def estimator_variance(self, kind, rows, d, yu, bu, est, W_d, B_d, D) -> np.ndarray:
        """Variance of each domain's mean, total or ratio from its replicate estimates (R's ``svrVar``).

        The parameters are those of :meth:`literacy.survey.SurveyDesign.estimator_variance`.

        Returns
        -------
        ndarray
            D variances.
        """
        theta = self._replicate_estimates(kind, rows, d, yu, bu, D)
        return replicate_variance(theta, est, self.scale, self.rscales, self.mse)

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
        var = replicate_variance(theta, est, self.scale, self.rscales, self.mse)
        with np.errstate(invalid="ignore", divide="ignore"):
            logits = np.log(theta / (1 - theta))
            centre = np.log(est / (1 - est))
            return var, np.sqrt(replicate_variance(logits, centre, self.scale, self.rscales, self.mse))

    def domain_degf(self, domain: np.ndarray, D: int) -> np.ndarray:
        """Degrees of freedom of each domain: the rank of its replicate weights minus one.

        Parameters
        ----------
        domain : ndarray
            Per row the domain code 0..D-1, -1 outside every domain.
        D : int
            Number of domains.

        Returns
        -------
        ndarray
            D integer degrees of freedom.

        Notes
        -----
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
            cells = distinct(d * C + c, D * C)              # (domain, PSU) pairs present
            rank = _jackknife_domain_rank(cells // C, cells % C, D, *jackknife)
        else:
            # X_d' X_d = sum over the domain's PSUs of (sum of w^2 in the cell) f_c f_c'
            uniq, s2 = cell_sums(d * C + c, D * C, w * w)
            rank = _domain_ranks(factors, uniq % C, uniq // C, s2, D)
        return (rank - 1).astype(np.int64)

    # ------------------------------------------------------------------ variance API (see SurveyDesign)
    def replicate_weight_columns(self, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """Analysis weights (R's ``weights(design, "analysis")``) of ``rows`` in replicate ``columns``.

        Parameters
        ----------
        rows : ndarray
            Row positions.
        columns : ndarray
            Replicate positions 0..R-1.

        Returns
        -------
        ndarray
            len(rows) x len(columns) replicate weights (without building the N x R matrix of a
            PSU-factor design).
        """
        if self._full is not None:
            return self._full[np.ix_(rows, columns)]
        cluster, factors = self._factors
        return self.weights[rows][:, None] * factors[np.ix_(cluster[rows], columns)]

    def subset_degf(self, domain: np.ndarray, D: int) -> np.ndarray:
        """R's ``degf()`` of each domain's subset, as floats.

        A design holding its N x R weights (delivered, or calibrated) has no PSU structure to
        count: the df of a domain are the rank of its replicate weights minus one
        (``qr(weights, tol = 1e-5)$rank - 1``), from each domain's Gram matrix W_d' W_d,
        accumulated over blocks of rows sorted by domain, columns scaled to unit norm as
        :func:`weights_rank` does. Replicates built from PSU factors: :meth:`domain_degf`.

        Parameters
        ----------
        domain : ndarray
            Per row the domain code 0..D-1, -1 outside every domain.
        D : int
            Number of domains.

        Returns
        -------
        ndarray
            D degrees of freedom.
        """
        if self._full is None:
            return self.domain_degf(domain, D).astype(float)
        full = self._full
        R = full.shape[1]
        rows = np.flatnonzero(domain >= 0)
        rows = rows[np.argsort(domain[rows], kind="stable")]
        G = np.zeros((D, R, R))
        step = max(1, (1 << 22) // max(R * R, 1))
        for b0 in range(0, len(rows), step):            # blocks of rows (memory), each vectorised
            idx = rows[b0:b0 + step]
            dd = domain[idx]
            cuts = np.flatnonzero(np.r_[True, dd[1:] != dd[:-1]])
            Wb = full[idx]
            G[dd[cuts]] += np.add.reduceat(Wb[:, :, None] * Wb[:, None, :], cuts, axis=0)
        norms = np.sqrt(np.diagonal(G, axis1=1, axis2=2))
        norms = np.where(norms > 0, norms, 1.0)
        eig = np.linalg.eigvalsh(G / (norms[:, :, None] * norms[:, None, :]))
        top = eig.max(axis=1, keepdims=True)
        rank = ((eig > (1e-5) ** 2 * top) & (top > 0)).sum(axis=1)
        return (rank - 1).astype(float)

    def totals_covariance(self, Y: np.ndarray, rows: np.ndarray, mean: bool = False
                          ) -> tuple[np.ndarray, np.ndarray]:
        """Estimated totals (or means) of the columns of ``Y`` over ``rows`` and their replicate covariance.

        The parameters and result are those of :meth:`literacy.survey.SurveyDesign.totals_covariance`;
        the covariance is ``svrVar``'s of the replicate totals (or means), all columns in one pass.
        """
        w = self.weights[rows]
        tot = w @ Y
        W = w.sum()
        est = tot / W if mean else tot
        K = Y.shape[1]
        # replicate totals of every column (and of the weights for a mean), one pass
        cols = K + (1 if mean else 0)
        vals = np.column_stack([Y, np.ones(len(rows))]) if mean else Y
        rr = np.tile(rows, cols)
        dd = np.repeat(np.arange(cols), len(rows))
        sums = self.replicate_totals(rr, dd, vals.T.ravel(), cols)      # R x cols
        theta = sums[:, :K] / sums[:, K:K + 1] if mean else sums
        rs = self.rscales
        centre = est if self.mse else theta[rs > 0].mean(axis=0)
        dev = (theta - centre) * np.sqrt(rs)[:, None]
        return est, self.scale * dev.T @ dev

    def totals_basis(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What the variance of the totals of ``w * values`` is made of, computed once for reuse.

        Parameters
        ----------
        values : ndarray
            n x p values (unweighted).

        Returns
        -------
        (ndarray, ndarray)
            The R x p replicate totals and the p full-sample totals.
        """
        Z = np.asarray(values, dtype=float)
        n, p = Z.shape
        theta = self.replicate_totals(np.tile(np.arange(n), p), np.repeat(np.arange(p), n), Z.T.ravel(), p)
        return theta, self.weights @ Z

    def cross_covariance(self, values: np.ndarray, basis: np.ndarray, full: np.ndarray | None = None
                         ) -> np.ndarray:
        """Covariance (D x p) of the totals of ``w * values`` with totals prepared by :meth:`totals_basis`.

        Parameters
        ----------
        values : ndarray
            n x D values (unweighted).
        basis, full : ndarray
            The replicate and full-sample totals of :meth:`totals_basis`.

        Returns
        -------
        ndarray
            D x p cross-covariance (``svrVar`` form).
        """
        lin = np.asarray(values, dtype=float)
        n, D = lin.shape
        theta = self.replicate_totals(np.tile(np.arange(n), D), np.repeat(np.arange(D), n), lin.T.ravel(), D)
        rs = self.rscales
        if self.mse:
            cl, cz = self.weights @ lin, full
        else:
            cl, cz = theta[rs > 0].mean(axis=0), basis[rs > 0].mean(axis=0)
        return self.scale * ((theta - cl) * rs[:, None]).T @ (basis - cz)

    def coefficient_covariance(self, fit) -> tuple[np.ndarray, int]:
        """Covariance of a model's coefficients from refits on every replicate, and the design df.

        The model is refitted with every replicate's weights (each normalised to sum one, started
        at the full-sample estimate as R), all replicates at once; the covariance is ``svrVar`` of
        the replicate coefficients (Lumley 2010, 2.3).

        Parameters
        ----------
        fit : literacy.models.glm.ModelFit
            The full-sample fit: its ``coef``, ``rows``, ``mask`` and ``refit(weights)``.

        Returns
        -------
        (ndarray, int)
            p x p covariance, and the design df (of the subset's replicate weights with a
            subset, as R).
        """
        W = self.replicate_weights()[fit.rows]
        W = W / W.sum(axis=0, keepdims=True)
        betas = fit.refit(W)
        rs = self.rscales
        centre = fit.coef if self.mse else betas[rs > 0].mean(axis=0)
        dev_r = (betas - centre) * np.sqrt(rs)[:, None]
        vcov = self.scale * dev_r.T @ dev_r
        if fit.mask is None:
            return vcov, self.degf()
        return vcov, weights_rank(self.replicate_weights()[np.flatnonzero(fit.mask)]) - 1


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


def row_blocks(matrix: np.ndarray, block_bytes: int = 1 << 26):
    """(first row, C-contiguous block of rows) of an N x R matrix, about ``block_bytes`` each.

    Parameters
    ----------
    matrix : ndarray
        N x R replicate weights.
    block_bytes : int
        About the size of one block's copy.

    Yields
    ------
    (int, ndarray)
        The first row of the block and the block.

    Notes
    -----
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


def weights_rank(matrix: np.ndarray) -> int:
    """Numerical rank of an N x R matrix via its R x R Gram matrix (R's qr tolerance 1e-5).

    Parameters
    ----------
    matrix : ndarray
        N x R replicate weights (or PSU factors).

    Returns
    -------
    int
        The rank (R's ``degf()`` of a replicate design is this minus one).
    """
    if matrix.shape[1] == 0:
        return 0
    gram = np.zeros((matrix.shape[1], matrix.shape[1]))
    for _, part in row_blocks(matrix):
        gram += part.T @ part                    # numpy uses BLAS syrk for A'A
    # scale columns so the tolerance is relative, as qr() on the weights is
    norms = np.sqrt(np.diag(gram))
    norms = np.where(norms > 0, norms, 1.0)
    eig = np.linalg.eigvalsh(gram / np.outer(norms, norms))
    return int((eig > (1e-5) ** 2 * eig.max()).sum())
