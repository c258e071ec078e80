"""The Fay–Herriot area-level model: EBLUP, shrinkage, MSE and diagnostics.

Model (Fay & Herriot 1979; Rao & Molina 2015, ch. 6): for area i with direct estimate y_i
and known sampling variance ψ_i, ``y_i = x_i'β + u_i + e_i``, ``u_i ~ N(0, σ²_u)``,
``e_i ~ N(0, ψ_i)``. The EBLUP is ``θ̂_i = γ_i y_i + (1 - γ_i) x_i'β̂`` with the shrinkage
``γ_i = σ̂²_u / (σ̂²_u + ψ_i)`` and ``β̂`` the GLS estimate at σ̂²_u. Fitting, coefficient
table, log-likelihood, AIC/BIC and the MSE follow R's ``sae::eblupFH`` and ``sae::mseFH``
(sae 1.3) line by line, so the numbers agree with sae's to its convergence tolerance.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from literacy.errors import DataError
from literacy.sae.fitting import METHODS, fit_sigma2, gls
from literacy.sae.model import area_model, name_areas
from literacy.sae.mse import mse_components

__all__ = ["FayHerriotResult", "fay_herriot", "fit_arrays", "ESTIMATE_COLUMNS"]

#: Columns of ``FayHerriotResult.estimates``, in order.
ESTIMATE_COLUMNS = ["direct", "variance", "synthetic", "gamma", "eblup", "mse", "in_sample",
                    "is_synthetic", "std_residual"]


@dataclass
class FayHerriotResult:
    """A fitted Fay–Herriot model.

    Attributes
    ----------
    estimates : DataFrame
        In the rows (and index) of the input: ``direct`` (y, NaN without a sample),
        ``variance`` (ψ), ``synthetic`` (x'β̂), ``gamma`` (γ; 0 without a sample), ``eblup``,
        ``mse``, ``in_sample``, ``is_synthetic`` (the EBLUP is x'β̂: no sample or σ̂²_u = 0)
        and ``std_residual`` ((y - x'β̂) / sqrt(σ̂²_u + ψ)).
    sigma2_u : float
        Estimated area-effect variance, truncated at 0.
    coefficients : DataFrame
        ``term, estimate, se, t, p_value`` (normal p-values, as sae).
    converged, iterations, method : bool, int, str
    loglik, aic, bic, kic : float
        sae's goodness of fit: the Gaussian log-likelihood at (β̂, σ̂²_u) for every method,
        ``AIC = -2 loglik + 2(p+1)``, ``BIC = -2 loglik + (p+1) log m``,
        ``KIC = -2 loglik + 3(p+1)``.
    shapiro_wilk : tuple
        (statistic, p-value) of the Shapiro–Wilk test on the standardised residuals.
    var_sigma2_u : float
        Asymptotic variance of σ̂²_u used in the MSE (:mod:`literacy.sae.mse`).
    notes : list of str
    X : ndarray
        The model matrix of every row (columns as ``coefficients.term``).
    """

    estimates: pd.DataFrame
    sigma2_u: float
    coefficients: pd.DataFrame
    converged: bool
    iterations: int
    method: str
    loglik: float
    aic: float
    bic: float
    kic: float
    shapiro_wilk: tuple[float, float]
    var_sigma2_u: float
    notes: list[str] = field(default_factory=list)
    X: np.ndarray | None = field(default=None, repr=False)

    @property
    def goodness(self) -> dict[str, float]:
        """sae's ``fit$goodness``: loglike, AIC, BIC, KIC."""
        return {"loglike": self.loglik, "AIC": self.aic, "BIC": self.bic, "KIC": self.kic}

    @property
    def std_residuals(self) -> pd.Series:
        """Standardised residuals of the sampled areas."""
        e = self.estimates
        return e.loc[e["in_sample"], "std_residual"]


def fit_arrays(y: np.ndarray, X: np.ndarray, psi: np.ndarray, method: str = "REML", *,
               max_iter: int = 100, tol: float = 1e-4) -> dict:
    """Fit on arrays of the sampled areas only (no checks): the engine of :func:`fay_herriot`.

    Returns a dict with ``sigma2, beta, Q, converged, iterations, fallback``.
    """
    vf = fit_sigma2(y[None, :], X, psi, method, max_iter=max_iter, tol=tol)
    sigma2 = float(vf.sigma2[0])
    _, Q, beta, _ = gls(y[None, :], X, psi, np.array([sigma2]))
    return {"sigma2": sigma2, "beta": beta[0], "Q": Q[0], "converged": bool(vf.converged[0]),
            "iterations": int(vf.iterations[0]), "fallback": bool(vf.fallback[0])}


def _check_variances(psi: np.ndarray, in_sample: np.ndarray, labels: pd.Index, variance: str) -> None:
    bad = in_sample & ~(np.isfinite(psi) & (psi > 0))
    if bad.any():
        raise DataError(f"sampling variance {variance!r} must be positive for every area with a direct "
                        f"estimate; it is zero, negative or missing for area(s) {name_areas(labels, bad)}")


def fay_herriot(data: pd.DataFrame, formula: str, variance: str, method: str = "REML", *,
                area: str | None = None, max_iter: int = 100, tol: float = 1e-4) -> FayHerriotResult:
    """Fit the Fay–Herriot model and predict every area of ``data``.

    Parameters
    ----------
    data : DataFrame
        One row per area: the direct estimate (the formula's response; missing for an area
        without a sample), the covariates and the sampling variance.
    formula : str
        patsy formula, e.g. ``"y ~ C(district) + share_rural"``.
    variance : str
        Column of the sampling variances ψ_i (known; positive where y is present).
    method : {"REML", "ML", "FH", "AMRL", "AMRL_YL", "AMPL", "AMPL_YL"}
        Estimator of σ²_u (see :mod:`literacy.sae.fitting`); the last four are the adjusted
        likelihoods of :mod:`literacy.sae.adjusted`, never 0.
    area : str, optional
        Column naming the areas in messages and notes (default: the index).
    max_iter, tol : int, float
        Fisher-scoring cap and relative tolerance (sae's MAXITER = 100, PRECISION = 1e-4).

    Returns
    -------
    FayHerriotResult

    Raises
    ------
    DataError
        A zero, negative or missing sampling variance, a missing covariate (areas named),
        fewer areas with a sample than coefficients + 1, or collinear covariates.

    Notes
    -----
    Areas with ``y`` missing get the synthetic estimate ``x'β̂`` with MSE
    ``σ̂²_u + x'Q x`` (minus the bias term for ML/FH; :mod:`literacy.sae.mse`). When σ̂²_u
    is truncated at 0 every EBLUP equals its synthetic estimate: the notes say so and
    ``is_synthetic`` is true everywhere. When Fisher scoring does not converge a
    ``RuntimeWarning`` is issued, ``converged`` is false and σ̂²_u comes from a bounded
    one-dimensional search on the same criterion (:mod:`literacy.sae.fitting`).
    """
    if method not in METHODS:
        raise DataError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    mod = area_model(data, formula, area)
    if variance not in data.columns:
        raise DataError(f"sampling-variance column {variance!r} is not in the data")
    psi_all = pd.to_numeric(data[variance], errors="coerce").to_numpy(dtype=float)
    y_all, X_all = mod.y, mod.X
    in_sample = np.isfinite(y_all)
    _check_variances(psi_all, in_sample, mod.labels, variance)
    m, p = int(in_sample.sum()), X_all.shape[1]
    if m < p + 1:
        raise DataError(f"{m} area(s) with a direct estimate cannot fit {p} coefficients and σ²_u")
    y, X, psi = y_all[in_sample], X_all[in_sample], psi_all[in_sample]
    if np.linalg.matrix_rank(X) < p:
        empty = [t for t, col in zip(mod.terms, X.T) if not np.any(col)]
        why = f" (no sampled area has {', '.join(empty)})" if empty else ""
        raise DataError(f"the covariates of {formula!r} are collinear over the sampled areas{why}")

    fit = fit_arrays(y, X, psi, method, max_iter=max_iter, tol=tol)
    sigma2, beta, Q = fit["sigma2"], fit["beta"], fit["Q"]
    notes: list[str] = []
    if not fit["converged"]:
        msg = (f"{method} Fisher scoring did not converge in {fit['iterations']} iterations "
               f"(tolerance {tol:g}); σ²_u taken from a bounded one-dimensional search of the same criterion")
        warnings.warn(msg, RuntimeWarning, stacklevel=2)
        notes.append(msg)

    synthetic = X_all @ beta
    w = 1.0 / (sigma2 + psi)
    gamma_s = sigma2 * w
    resid = y - X @ beta
    eblup_s = synthetic[in_sample] + gamma_s * resid
    comp = mse_components(sigma2, psi, X, Q, method, X_new=X_all[~in_sample])

    eblup = synthetic.copy()
    eblup[in_sample] = eblup_s
    mse = np.empty(len(y_all))
    mse[in_sample], mse[~in_sample] = comp["mse"], comp["mse_new"]
    gamma = np.zeros(len(y_all))
    gamma[in_sample] = gamma_s
    std_res = np.full(len(y_all), np.nan)
    std_res[in_sample] = resid * np.sqrt(w)
    is_synth = ~in_sample | (sigma2 <= 0)
    if sigma2 <= 0:
        notes.append(f"σ²_u estimated at 0 ({method}): with {m} areas the data cannot tell the areas' own "
                     "effects from sampling noise, so every EBLUP is the synthetic estimate x'β̂ (no weight on "
                     "the direct estimates) and its MSE has no σ²_u term; an adjusted likelihood (method AMRL, "
                     "AMRL_YL, AMPL or AMPL_YL) never estimates 0 and keeps that uncertainty in the MSE")
    if (~in_sample).any():
        notes.append(f"{int((~in_sample).sum())} area(s) without a direct estimate get the synthetic "
                     f"estimate x'β̂: {name_areas(mod.labels, ~in_sample)}")

    est = pd.DataFrame({"direct": y_all, "variance": psi_all, "synthetic": synthetic, "gamma": gamma,
                        "eblup": eblup, "mse": mse, "in_sample": in_sample, "is_synthetic": is_synth,
                        "std_residual": std_res}, index=data.index)
    se = np.sqrt(np.diag(Q))
    tval = beta / se
    coefs = pd.DataFrame({"term": mod.terms, "estimate": beta, "se": se, "t": tval,
                          "p_value": 2 * stats.norm.sf(np.abs(tval))})
    # sae: loglike <- -0.5 * sum(log(2*pi*(A+vardir)) + resid^2/(A+vardir)), for every method
    loglik = float(-0.5 * np.sum(np.log(2 * np.pi * (sigma2 + psi)) + resid**2 * w))
    sw = stats.shapiro(std_res[in_sample]) if m >= 3 else (np.nan, np.nan)
    return FayHerriotResult(
        estimates=est, sigma2_u=sigma2, coefficients=coefs, converged=fit["converged"],
        iterations=fit["iterations"], method=method, loglik=loglik,
        aic=-2 * loglik + 2 * (p + 1), bic=-2 * loglik + (p + 1) * np.log(m), kic=-2 * loglik + 3 * (p + 1),
        shapiro_wilk=(float(sw[0]), float(sw[1])), var_sigma2_u=float(comp["var_sigma2"]), notes=notes, X=X_all)
