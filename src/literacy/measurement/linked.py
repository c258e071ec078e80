"""Shares above a proficiency cut from plausible values, on the full survey design.

For each plausible value m the indicator ``1[theta_im > cut]`` is estimated as a
proportion for every domain of every breakdown with the design's own estimator
(:meth:`DesignEstimators.proportion`: Taylor linearisation or replicate weights, domains on
the full design), and the M results are combined by Rubin's rules with the Barnard-Rubin
degrees of freedom on the domain's design df (Rubin 1987; Barnard & Rubin 1999; for
plausible values: Mislevy 1991; von Davier, Gonzalez & Mislevy 2009; OECD, PISA 2018
Technical Report ch. 9 and the PISA Data Analysis Manual, 2009, ch. 8).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from literacy.domains import ESTIMATE_COLUMNS, DomainSpec, domain_labels, domain_population, group_column
from literacy.measurement.calibration_error import calibration_increment, domain_cross
from literacy.measurement.rubin import rubin_combine
from literacy.survey import CI_METHODS, confidence_interval, srs_variance_of_mean

__all__ = ["linked_estimates", "calibration_parts", "LINKED_COLUMNS"]

#: ``estimates.csv``'s columns, then the parts of the standard error, the fraction of missing
#: information and the number of plausible values.
LINKED_COLUMNS = ESTIMATE_COLUMNS + ["se_sampling", "se_calibration", "se_imputation", "fmi", "pv_count"]

_NO_LABELS = {"survey": {"labels": {}}}   # no config: every label is the code itself


def _spec(s) -> DomainSpec:
    """A DomainSpec from a DomainSpec or a ``(breakdown, by_columns)`` pair."""
    if isinstance(s, DomainSpec):
        return s
    name, by = s
    return DomainSpec(str(name), tuple([by] if isinstance(by, str) else by))


def linked_estimates(design, pvs, cut: float, by_specs, level: float = 0.95, *, ci: str = "logit",
                     level_code: str = "proficient", round_id: str = "", config: dict | None = None,
                     calibration: tuple | None = None) -> pd.DataFrame:
    """Share of the population above ``cut`` by domain, from M plausible values.

    Parameters
    ----------
    design : SurveyDesign or ReplicateDesign
        The round's design (calibrated or not); its data holds the breakdown columns.
    pvs : array or DataFrame, shape (n, M)
        The plausible values, rows aligned with ``design.data``; M >= 2.
    cut : float
        The proficiency cut on the theta scale (e.g. the TCC cut of the level).
    by_specs : iterable
        Breakdowns: :class:`literacy.domains.DomainSpec` objects (e.g.
        ``domain_specs(config)``, key groups included) or ``(breakdown, by_columns)`` pairs
        such as ``[("city", []), ("district", ["district"]), ("district+sex", ["district", "sex"])]``.
    level : float
        Confidence level.
    ci : {"logit", "beta", "wilson", "wald"}
        Interval method (the pipeline's proportion intervals), computed on the total
        (Rubin) variance with the Barnard-Rubin df.
    level_code : str
        Written into the ``level`` column (the literacy level the cut defines).
    round_id : str
        Written into the ``round`` column.
    config : dict, optional
        The assessment config, for the bilingual domain labels; without it the labels are
        the domain codes.
    calibration : tuple (gradient, influence, covariance), optional
        The calibration's sampling error (:mod:`literacy.measurement.calibration_error`):
        ``gradient`` (n x p) each respondent's ∂P(θ > cut | answers)/∂ψ, ``influence`` (n x p)
        each respondent's influence on the calibration ψ̂, ``covariance`` (p x p) the design
        covariance of the influence totals over every round. Without it (or with one form for
        both rounds) the item parameters and the cut are taken as known.

    Returns
    -------
    DataFrame with ``LINKED_COLUMNS``: the columns of ``estimates.csv`` (round, breakdown,
    domain, label_zh, label_en, level, estimate, se, ci_low, ci_high, df, n, deff, cv,
    population) then se_sampling, se_calibration, se_imputation, fmi, pv_count. ``estimate`` is
    the mean of the M shares; ``se`` the square root of the total variance ``W + (1 + 1/M) B``;
    ``se_sampling`` ``sqrt(W)`` (W the mean design variance, with ``calibration`` the
    calibration's part ``K`` included: ``W = W_0 + K``); ``se_calibration`` ``sign(K) sqrt(|K|)``
    (0 without ``calibration``; negative where the calibration's error offsets the figure's own);
    ``se_imputation``
    ``sqrt((1 + 1/M) B)`` (B the variance of the M shares); ``df`` the Barnard-Rubin df
    with the domain's design df as complete-data df; ``fmi`` as ``mice::pool``; ``deff``
    the mean over the M draws of the design effect (sampling variance only; NaN where a
    draw's is); ``cv`` ``se / estimate``; ``n`` the unweighted domain size; ``population`` the sum of
    weights in the domain.

    Notes
    -----
    The logit interval is ``expit(logit(p) -+ t_df se / (p (1 - p)))`` with ``se`` the
    total standard error and t on the Barnard-Rubin df, as the pipeline's
    ``svyciprop(method="logit")``-style intervals with the imputation variance added. The
    M draws share one call of the design's variance estimator per breakdown (each (draw, domain)
    pair a domain of its own), which gives each draw exactly what ``design.proportion`` gives.
    """
    if ci not in CI_METHODS:
        raise ValueError(f"ci must be one of {CI_METHODS}, not {ci!r}")
    P = pvs.to_numpy(dtype=float) if isinstance(pvs, pd.DataFrame) else np.asarray(pvs, dtype=float)
    if P.ndim != 2 or P.shape[0] != design.n:
        raise ValueError(f"pvs must be an n x M array with n = {design.n} rows (the design's)")
    M = P.shape[1]
    if M < 2:
        raise ValueError("linked_estimates needs at least two plausible values")
    if np.isnan(P).any():
        raise ValueError("pvs has missing values")
    Y = (P > float(cut)).astype(np.float64)                      # n x M indicators
    cfg = config if config is not None else _NO_LABELS
    w = np.asarray(design.weights, dtype=float)

    frames = []
    for spec in map(_spec, by_specs):                          # a few breakdowns
        b = _Breakdown(design, spec, Y, w)
        by, table, D, rows, d, n_d, W_d, Yr, est = b.by, b.table, b.D, b.rows, b.d, b.n_d, b.W_d, b.Yr, b.est
        # One variance call for the M x D (draw, domain) pairs: the design's own estimator
        # (Taylor linearisation with its calibration, or its replicates) sees M copies of the
        # domain's rows, each pair a domain of its own, so every draw gets exactly the variance
        # design.proportion would give it, without M separate passes (R: svyby over M columns).
        rows_m = np.tile(rows, M)
        d_m = (np.arange(M)[:, None] * D + d[None, :]).ravel()
        y_m = Yr.T.ravel()
        var = design.estimator_variance("mean", rows_m, d_m, y_m, None, est.ravel(), np.tile(W_d, M), None,
                                         M * D).reshape(M, D)
        df_d = design.domain_degf(b.domain, D).astype(float)
        # design effects as design.mean gives them (R's svymean(deff=TRUE)), all draws at once
        with np.errstate(invalid="ignore", divide="ignore"):
            deff = np.where(W_d >= n_d, var / srs_variance_of_mean(d, w[rows], Yr, n_d, W_d, D), np.nan)
        inc = np.zeros(D)
        if calibration is not None:
            inc = _calibration_parts(design, b, calibration)[2]
            var = var + inc[None, :]                            # every draw's: the same estimated ψ
        keep = b.keep
        pool = rubin_combine(est[:, keep], var[:, keep], df_complete=df_d[keep])
        nk = n_d[keep]
        se = pool.se
        single = nk == 1                                        # one respondent: no SE (as the engine)
        se = np.where(single, np.nan, se)
        low, high = confidence_interval(ci, pool.estimate, se, pool.df, nk, nk, level)
        keys = table.loc[keep, by].reset_index(drop=True) if by else pd.DataFrame(index=range(int(keep.sum())))
        labels = domain_labels(cfg, spec, keys if by else pd.DataFrame(index=range(int(keep.sum()))))
        with np.errstate(invalid="ignore", divide="ignore"):
            cv = se / pool.estimate
        out = pd.DataFrame({
            "round": str(round_id), "breakdown": spec.breakdown,
            "domain": labels["domain"].to_numpy(), "label_zh": labels["label_zh"].to_numpy(),
            "label_en": labels["label_en"].to_numpy(), "level": level_code,
            "estimate": pool.estimate, "se": se, "ci_low": low, "ci_high": high, "df": pool.df,
            "n": nk.astype(np.int64), "deff": deff[:, keep].mean(axis=0), "cv": cv,
            "se_sampling": np.where(single, np.nan, pool.se_sampling),
            "se_calibration": np.where(single, np.nan, np.sign(inc[keep]) * np.sqrt(np.abs(inc[keep]))),
            "se_imputation": np.where(single, np.nan, pool.se_imputation), "fmi": pool.fmi,
            "pv_count": M,
        })
        pop = domain_population(design, spec)
        out["population"] = out["domain"].map(pop).astype(float)
        frames.append(out)
    if not frames:
        return pd.DataFrame(columns=LINKED_COLUMNS)
    return pd.concat(frames, ignore_index=True)[LINKED_COLUMNS]


class _Breakdown:
    """One breakdown's domains on the design: codes, the rows in a domain, their sizes and weights,
    the M draws' domain shares (one sparse product) and the domains published (non-empty; a key
    group's members only)."""

    def __init__(self, design, spec: DomainSpec, Y: np.ndarray, w: np.ndarray):
        self.spec = spec
        self.by = list(spec.by)
        self.domain, self.table = design.domain_index(self.by or None)
        self.D = D = len(self.table)
        self.rows = np.flatnonzero(self.domain >= 0)
        self.d = self.domain[self.rows]
        self.n_d = np.bincount(self.d, minlength=D).astype(float)
        self.W_d = np.bincount(self.d, weights=w[self.rows], minlength=D)
        self.Yr = Y[self.rows]                                  # n_used x M
        # the M draws' domain sums in one product: (D x n_used) indicator @ (n_used x M)
        self.ind = sparse.csr_matrix((w[self.rows], (self.d, np.arange(len(self.rows)))), shape=(D, len(self.rows)))
        with np.errstate(invalid="ignore", divide="ignore"):
            self.est = np.asarray(self.ind @ self.Yr).T / self.W_d     # M x D
        self.keep = self.n_d > 0
        if spec.group is not None:                              # a key group: its members only
            self.keep &= (self.table[group_column(spec)].astype(int) == 1).to_numpy()


def _calibration_parts(design, b: _Breakdown, calibration):
    """The calibration's part of each domain's variance (:func:`calibration_increment`) and what the
    change between rounds needs: ``(G, cross, increment)`` with ``G`` (D x p) the domains' share
    gradients in ψ and ``cross`` (D x p) the design covariance of each domain's own linearised total
    with the influence totals."""

    gradient, influence, covariance = calibration
    gradient = np.asarray(gradient, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        G = np.asarray(b.ind @ gradient[b.rows]) / b.W_d[:, None]
        # the draws' mean indicator, linearised as a domain mean: 1[i in d] (ybar_i - fbar_d) / W_d
        v = (b.Yr.mean(axis=1) - b.est.mean(axis=0)[b.d]) / b.W_d[b.d]
    G = np.where(np.isfinite(G), G, 0.0)
    lin = np.zeros((design.n, b.D))
    lin[b.rows, b.d] = np.where(np.isfinite(v), v, 0.0)
    cross = domain_cross(design, lin, influence)
    return G, cross, None if covariance is None else calibration_increment(G, cross, covariance)


def calibration_parts(design, pvs, cut: float, by_specs, gradient, influence, *, level_code: str = "proficient",
                      config: dict | None = None) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Each domain's share gradient in ψ and the covariance of its own linearised total with the
    calibration's influence totals, in the rows and keys of :func:`linked_estimates`.

    What the change between two rounds needs to carry the calibration's error (the rounds' figures
    rest on one calibration, so their calibration parts are correlated: the change's is
    ``g_Δ'C g_Δ + 2 g_Δ'(cross_end − cross_base)`` with ``g_Δ = g_end − g_base``).

    Returns ``(keys, G, cross)``: keys with ``breakdown, domain, level``; G and cross (rows x p).
    """
    P = pvs.to_numpy(dtype=float) if isinstance(pvs, pd.DataFrame) else np.asarray(pvs, dtype=float)
    Y = (P > float(cut)).astype(np.float64)
    cfg = config if config is not None else _NO_LABELS
    w = np.asarray(design.weights, dtype=float)
    keys, Gs, crosses = [], [], []
    for spec in map(_spec, by_specs):
        b = _Breakdown(design, spec, Y, w)
        G, cross, _ = _calibration_parts(design, b, (gradient, influence, None))
        keep = b.keep
        kt = b.table.loc[keep, b.by].reset_index(drop=True) if b.by else pd.DataFrame(index=range(int(keep.sum())))
        keys.append(pd.DataFrame({"breakdown": spec.breakdown, "domain": domain_labels(cfg, spec, kt)["domain"].to_numpy(),
                                  "level": level_code}))
        Gs.append(G[keep])
        crosses.append(cross[keep])
    if not keys:
        return pd.DataFrame(columns=["breakdown", "domain", "level"]), np.zeros((0, 0)), np.zeros((0, 0))
    return pd.concat(keys, ignore_index=True), np.vstack(Gs), np.vstack(crosses)
