"""Taylor linearisation designs: stratified multistage samples as R's ``svydesign``.

Variances follow ``svyrecvar`` (:mod:`literacy.survey.variance`); a calibrated design residualises
its linearised values on each calibration step first, as the ``postStrata`` loop of
``svyrecvar`` does. The n x domains matrix of linearised values is never built unless the design
has been calibrated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from literacy.errors import DesignError, not_in_data
from literacy.survey.codes import as_list, distinct, safe_inverse
from literacy.survey.estimators import DesignEstimators
from literacy.survey.replicate_build import replicate_design
from literacy.survey.stages import LONELY_PSU, design_stages
from literacy.survey.variance import dense_variance, taylor_variance

__all__ = ["SurveyDesign", "LONELY_PSU"]


class SurveyDesign(DesignEstimators):
    """A stratified multistage survey design for Taylor-linearisation estimates.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    weights : str, array or None
        Sampling weight column (or values). When None, weights are the inverse of the
        product of the per-stage sampling fractions given by ``fpc`` (as ``svydesign``
        does without ``weights=``).
    strata : str or list of str, optional
        Stratum column for the first stage, or one per stage. None: unstratified.
    psu : str or list of str, optional
        Cluster column(s), one per stage (``svydesign(id=~a+b)``). None: each row is its
        own PSU (``id=~1``).
    fpc : str or list of str, optional
        Finite population correction per stage, as a population size (number of clusters
        in the stratum at that stage) or as a sampling fraction (all values <= 1). None:
        sampling with replacement at the first stage (later stages are then ignored, as
        in R).
    nest : bool
        PSU ids repeat across strata and are relabelled within strata. Without it a PSU
        id in two strata is an error.
    lonely_psu : {"fail", "remove", "adjust", "average", "certainty"}
        What to do with a stratum holding a single PSU, with R's meanings
        (``options(survey.lonely.psu=)``): "remove" and "certainty" give it no variance
        contribution, "adjust" centres it at the grand mean instead of the stratum mean,
        "average" replaces its contribution by the average of the other strata.

    Notes
    -----
    ``weights`` is the current weight per row as a float array aligned to ``data``'s
    rows; ``calibration`` holds the residualising steps of a calibrated design (see
    ``literacy.weighting``), applied to linearised values before cluster totals, as the
    ``postStrata`` loop of R's ``svyrecvar``.
    """

    def __init__(self, data: pd.DataFrame, weights=None, strata=None, psu=None, fpc=None,
                 nest: bool = False, lonely_psu: str = "fail"):
        if not isinstance(data, pd.DataFrame):
            raise DesignError("design: data must be a DataFrame")
        self.data = data
        self.strata_columns = as_list(strata)
        self.psu_columns = as_list(psu)
        self.fpc_columns = as_list(fpc)
        self.nest = bool(nest)
        self.lonely_psu = lonely_psu
        self.calibration: tuple = ()
        n = len(data)
        #: The sampling stages (:class:`literacy.survey.stages.Stage`), the first the PSUs.
        self.stages, fractions = design_stages(data, self.strata_columns, self.psu_columns, self.fpc_columns,
                                               self.nest, lonely_psu)
        n_stages = max(1, len(self.psu_columns))

        if weights is None:
            if not fractions or any(f is None for f in fractions[:n_stages]) or len(fractions) < n_stages:
                raise DesignError("design: no weights given and no fpc for every stage to derive them from")
            prob = np.prod(np.vstack(fractions[:n_stages]), axis=0)
            w = 1.0 / prob
        elif isinstance(weights, str):
            if weights not in data.columns:
                raise DesignError("design: " + not_in_data(weights, data.columns, "weight column"))
            col = data[weights]
            if col.dtype.kind in "iuf":
                w = col.to_numpy(dtype=float)
            else:
                w = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        else:
            w = np.asarray(weights, dtype=float)
            if w.shape != (n,):
                raise DesignError(f"design: {w.shape[0] if w.ndim else 0} weights for {n} rows")
        bad = ~np.isfinite(w) | (w <= 0)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise DesignError(f"design: weights must be positive and finite; {int(bad.sum())} are not "
                              f"(first at row {first}: {w[first]!r})")
        self.weights = w

    def with_weights(self, weights=None, calibration=None) -> "SurveyDesign":
        """A copy of this design with new weights and/or calibration steps.

        Parameters
        ----------
        weights : array, optional
            New weights, one per row (None: keep).
        calibration : sequence, optional
            The new calibration steps (each with ``residualize``), replacing the design's.

        Returns
        -------
        SurveyDesign
            The same sampling stages and data.

        Raises
        ------
        DesignError
            Weights of the wrong length.
        """
        new = object.__new__(SurveyDesign)
        new.__dict__.update(self.__dict__)
        if weights is not None:
            w = np.asarray(weights, dtype=float)
            if w.shape != self.weights.shape:
                raise DesignError("design: replacement weights have the wrong length")
            new.weights = w
        if calibration is not None:
            new.calibration = tuple(calibration)
        return new

    # ------------------------------------------------------------------ public facts
    def cluster_codes(self, stage: int = 1) -> np.ndarray:
        """Integer codes (0..k-1) of each row's cluster at a sampling stage (1 = the PSUs), unique
        across strata, as R's ``design$cluster[[stage]]`` identifies them."""
        if isinstance(stage, bool) or not isinstance(stage, (int, np.integer)) or \
                not 1 <= stage <= len(self.stages):
            raise DesignError(f"stage must be a sampling stage, 1 to {len(self.stages)}, not {stage!r}")
        return self.stages[int(stage) - 1].cluster

    def degf(self) -> int:
        """Design degrees of freedom: PSUs minus strata (R's ``degf``)."""
        st = self.stages[0]
        return int(st.n_clusters - st.n_strata)

    def replicate(self, method: str, replicates: int | None = None, rho: float | None = None,
                  seed: int | None = None, mse: bool = False):
        """Replicate-weight version of this design (see :func:`literacy.survey.replicate_design`)."""
        return replicate_design(self, method, replicates=replicates, rho=rho, seed=seed, mse=mse)

    def estimator_variance(self, kind, rows, d, yu, bu, est, W_d, B_d, D) -> np.ndarray:
        """Variance of each domain's mean, total or ratio, by linearisation.

        The weighted linearised values (R's x in ``svyrecvar``) are: mean ``w (y - ybar_d) / W_d``;
        total ``w y``; ratio ``w (a - R b) / B_d``.

        Parameters
        ----------
        kind : {"mean", "total", "ratio"}
            The estimator.
        rows : ndarray or slice
            The row positions used (``slice(None)``: all rows).
        d : ndarray
            Their domain codes 0..D-1 (a row may appear under several domains).
        yu, bu : ndarray
            Their values, and the ratio's denominator values (None otherwise).
        est : ndarray
            The D estimates.
        W_d, B_d : ndarray
            Weight total and the ratio's denominator total per domain (B_d None otherwise).
        D : int
            Number of domains.

        Returns
        -------
        ndarray
            D variances.
        """
        wu = self.weights[rows]
        est0 = np.where(np.isfinite(est), est, 0.0)
        if kind == "mean":
            z = (yu - est0[d]) * safe_inverse(W_d)[d]
        elif kind == "total":
            z = yu
        else:
            z = (yu - est0[d] * bu) * safe_inverse(B_d)[d]
        return self._variance(rows, d, wu * z, D)

    def _likelihood_interval_supported(self) -> None:
        """Taylor designs have R's profile-likelihood interval (replicate designs raise)."""

    def _variance_with_logit(self, rows, d, yu, est, W_d, D) -> tuple[np.ndarray, np.ndarray]:
        """The variance of each domain's share and the standard error of its logit: the delta
        method on a Taylor design (the sandwich of an intercept-only quasibinomial svyglm is
        exactly that). Replicate designs refit the logit on each replicate."""
        var = self.estimator_variance("mean", rows, d, yu, None, est, W_d, None, D)
        with np.errstate(invalid="ignore", divide="ignore"):
            return var, np.sqrt(var) / (est * (1 - est))

    def domain_degf(self, domain: np.ndarray, D: int) -> np.ndarray:
        """Degrees of freedom of each domain: PSUs minus strata among its rows (R's ``degf`` of the subset).

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
        """
        st = self.stages[0]
        rows = domain >= 0
        d, c = (domain, st.cluster) if rows.all() else (domain[rows], st.cluster[rows])
        # distinct (domain, psu) pairs from the rows; the (domain, stratum) pairs from those pairs
        pairs = distinct(d * st.n_clusters + c, D * st.n_clusters)
        pair_domain = pairs // st.n_clusters
        n_psu = np.bincount(pair_domain, minlength=D)
        strata = pair_domain * st.n_strata + st.cluster_stratum[pairs % st.n_clusters]
        n_str = np.bincount(distinct(strata, D * st.n_strata) // st.n_strata, minlength=D)
        return (n_psu - n_str).astype(np.int64)

    def _variance(self, rows: np.ndarray, d: np.ndarray, xz: np.ndarray, D: int) -> np.ndarray:
        """Variance of each domain's estimator from its linearised values.

        ``rows`` are the row positions used, ``d`` their domain, ``xz`` their weighted
        linearised value (zero elsewhere). Uncalibrated designs work on (cluster, domain)
        cell sums; calibrated designs first residualise the n x D matrix of values.
        """
        if self.calibration:
            if isinstance(rows, slice):
                rows = np.arange(self.n)
            x = np.zeros((self.n, D))
            x[rows, d] = xz
            for step in self.calibration:
                x = step.residualize(x)
            return dense_variance(self.stages, x, self.lonely_psu)
        return taylor_variance(self.stages, rows, d, xz, D, self.lonely_psu)

    def residualize(self, x: np.ndarray) -> np.ndarray:
        """The weighted linearised values ``x`` (n x K) after the design's calibration steps.

        Parameters
        ----------
        x : ndarray
            n or n x K weighted linearised values (R's x in ``svyrecvar``).

        Returns
        -------
        ndarray
            n x K: the residuals of each calibration step in turn (``x`` itself, as floats,
            for an uncalibrated design).
        """
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        for step in self.calibration:
            x = step.residualize(x)
        return x

    def covariance_of_totals(self, x: np.ndarray, y: np.ndarray | None = None,
                          residualized: bool = False) -> np.ndarray:
        """K x K covariance of the estimated totals of the n x K linearised values ``x``.

        Parameters
        ----------
        x : ndarray
            n x K weighted linearised values (or estimating functions), zero off the rows used.
        y : ndarray, optional
            n x L values: the K x L cross-covariance of the totals of ``x`` and ``y``.
        residualized : bool
            Both were already passed through :meth:`residualize`.

        Returns
        -------
        ndarray
            K x K (or K x L) covariance.

        Notes
        -----
        The matrix form of the domain variances (R's ``svyrecvar`` on a matrix): calibration
        residualises ``x`` first; at each stage the cluster totals are centred within strata and
        their cross-products scaled by ``(1 - f) n_h / (n_h - 1)`` times the sampling fractions of
        the stages above (Binder 1983; Lumley 2010, appendix C). Lonely PSUs as in
        :func:`literacy.survey.variance.stage_sum`.
        A block used many times is residualised once (``residualized``).
        """
        if not residualized:
            x = self.residualize(x)
            y = None if y is None else self.residualize(y)
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        cross = y is not None
        y = x if y is None else (np.asarray(y, dtype=float)[:, None] if np.ndim(y) == 1 else np.asarray(y, float))
        K, L = x.shape[1], y.shape[1]
        total = np.zeros((K, L))
        for s, st in enumerate(self.stages):
            t = self._cluster_totals(s, x)                              # clusters x K totals
            u = self._cluster_totals(s, y) if cross else t              # clusters x L totals
            h = st.cluster_stratum
            sums = np.zeros((st.n_strata, K))
            np.add.at(sums, h, t) if st.n_strata > 1 else sums.__setitem__(0, t.sum(axis=0))
            if cross:
                sums_u = np.zeros((st.n_strata, L))
                np.add.at(sums_u, h, u) if st.n_strata > 1 else sums_u.__setitem__(0, u.sum(axis=0))
            else:
                sums_u = sums
            n_h = st.stratum_n
            lonely = n_h == 1
            with np.errstate(invalid="ignore", divide="ignore"):
                scale = st.stratum_f * np.where(n_h > 1, n_h / (n_h - 1), 1.0)
            scale = np.where(st.stratum_f < 1e-7, 0.0, scale) * st.stratum_multiplier
            centre = np.where(lonely & (self.lonely_psu == "adjust"), 0.0, 1.0 / n_h)
            bad = lonely & (st.stratum_f >= 1e-7)
            if self.lonely_psu == "average" and s == 0 and bad.any():
                scale = np.where(bad, 0.0, scale)
            a_c = scale[h]
            cov = (t * a_c[:, None]).T @ u - (sums * (scale * centre)[:, None]).T @ sums_u
            if self.lonely_psu == "average" and s == 0 and bad.any():
                n_ok = st.n_strata - int(bad.sum())
                cov = cov * (st.n_strata / n_ok if n_ok > 0 else np.nan)
            total += cov
        return total

    # ------------------------------------------------------------------ variance API (see ReplicateDesign)
    def subset_degf(self, domain: np.ndarray, D: int) -> np.ndarray:
        """R's ``degf()`` of each domain's subset, as floats: :meth:`domain_degf`.

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
        return self.domain_degf(domain, D).astype(float)

    def totals_covariance(self, Y: np.ndarray, rows: np.ndarray, mean: bool = False
                          ) -> tuple[np.ndarray, np.ndarray]:
        """Estimated totals (or means) of the columns of ``Y`` over ``rows`` and their covariance.

        Parameters
        ----------
        Y : ndarray
            len(rows) x K values.
        rows : ndarray
            The row positions of ``Y``'s rows.
        mean : bool
            Means over ``rows`` (ratios to the weight total) instead of totals.

        Returns
        -------
        (ndarray, ndarray)
            K estimates and their K x K design covariance (calibration-aware linearisation).
        """
        w = self.weights[rows]
        tot = w @ Y
        W = w.sum()
        est = tot / W if mean else tot
        K = Y.shape[1]
        z = np.zeros((self.n, K))
        z[rows] = (w[:, None] * (Y - est[None, :]) / W) if mean else w[:, None] * Y
        return est, self.covariance_of_totals(z)

    def totals_basis(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """What the variance of the totals of ``w * values`` is made of, computed once for reuse.

        Parameters
        ----------
        values : ndarray
            n x p values (unweighted).

        Returns
        -------
        (ndarray, None)
            The n x p weighted values after the calibration steps (:meth:`residualize`); no
            full-sample totals are needed.
        """
        Z = np.asarray(values, dtype=float)
        return self.residualize(self.weights[:, None] * Z), None

    def cross_covariance(self, values: np.ndarray, basis: np.ndarray, full: np.ndarray | None = None
                         ) -> np.ndarray:
        """Covariance (D x p) of the totals of ``w * values`` with totals prepared by :meth:`totals_basis`.

        Parameters
        ----------
        values : ndarray
            n x D values (unweighted).
        basis : ndarray
            The first part of :meth:`totals_basis` of the other values.
        full : ndarray, optional
            Its second part (unused here).

        Returns
        -------
        ndarray
            D x p cross-covariance.
        """
        x = self.residualize(self.weights[:, None] * np.asarray(values, dtype=float))
        return self.covariance_of_totals(x, basis, residualized=True)

    def coefficient_covariance(self, fit) -> tuple[np.ndarray, int]:
        """Covariance of a model's coefficients by the sandwich, and the design df of its rows.

        ``A^-1 var(sum U_i) A^-1`` with ``U_i`` the estimating functions and ``var`` the design
        covariance of their totals (R's ``svy.varcoef``; Binder 1983; Lumley 2010, 5.2),
        calibration-aware.

        Parameters
        ----------
        fit : literacy.models.glm.ModelFit
            The full-sample fit: its ``ainv`` (A^-1), ``rows`` and ``estimating_functions()``.

        Returns
        -------
        (ndarray, int)
            p x p covariance, and PSUs minus strata of the design (all rows used) or of the
            rows used.
        """
        vcov = fit.ainv @ self.covariance_of_totals(fit.estimating_functions()) @ fit.ainv
        if fit.rows.size == self.n:                       # PSUs minus strata of the whole design
            return vcov, int(self.degf())
        dom = np.full(self.n, -1, dtype=np.int64)          # ... among the rows used
        dom[fit.rows] = 0
        return vcov, int(self.domain_degf(dom, 1)[0])

    def _cluster_totals(self, stage: int, x: np.ndarray) -> np.ndarray:
        """Clusters x K totals of the n x K values ``x`` at a stage. Rows sorted by cluster (files
        usually come sorted by PSU) and ``x`` held column by column (the GLM's estimating functions)
        take ``np.add.reduceat`` over contiguous runs; otherwise one sparse product."""
        starts = self._sorted_starts(stage)
        if starts is not None and x.flags.f_contiguous and not x.flags.c_contiguous:
            return np.add.reduceat(x.T, starts, axis=1).T
        return np.asarray(self._cluster_indicator(stage) @ x)

    def _sorted_starts(self, stage: int) -> np.ndarray | None:
        """First row of each cluster when the rows are sorted by cluster (else None), cached."""
        cache = self.__dict__.setdefault("_sorted_cache", {})
        if stage not in cache:
            cl = self.stages[stage].cluster
            ok = len(cl) > 0 and bool(np.all(cl[1:] >= cl[:-1]))
            cache[stage] = np.flatnonzero(np.r_[True, cl[1:] != cl[:-1]]) if ok else None
        return cache[stage]

    def _cluster_indicator(self, stage: int) -> sparse.csr_matrix:
        """The clusters x rows 0/1 indicator of a stage, built once per design (cluster totals of
        many columns are then one sparse product)."""
        cache = self.__dict__.setdefault("_indicator_cache", {})
        S = cache.get(stage)
        if S is None:
            st = self.stages[stage]
            # CSR built directly: rows sorted by cluster (a stable argsort), one entry per row
            order = np.argsort(st.cluster, kind="stable")
            indptr = np.concatenate([[0], np.cumsum(np.bincount(st.cluster, minlength=st.n_clusters))])
            S = sparse.csr_matrix((np.ones(self.n), order, indptr), shape=(st.n_clusters, self.n))
            cache[stage] = S
        return S
