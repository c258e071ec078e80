"""GLM families as R's ``stats`` package computes them (link, variance, deviance, start, AIC).

The logit link clamps as R's C code (``logit_linkinv``: eta beyond +-30 gives eps or 1 - eps) and
the log link floors at machine epsilon, so IRLS takes R's steps (McCullagh & Nelder 1989, 2.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import special, stats

EPS = np.finfo(float).eps
FAMILIES = ("gaussian", "binomial", "quasibinomial", "poisson")


@dataclass(frozen=True)
class Family:
    name: str
    linkinv: Callable
    mu_eta: Callable
    variance: Callable
    dev_resids: Callable
    mustart: Callable          # (y, prior weights) -> starting mu, as family$initialize
    aic: Callable | None       # (y, mu, wt, dev, rank) -> AIC, None for quasi families
    binary: bool = False


def _logit_linkinv(eta):
    tmp = np.where(eta < -30, EPS, np.where(eta > 30, 1.0 / EPS, np.exp(np.clip(eta, -30, 30))))
    return tmp / (1.0 + tmp)


def _logit_mu_eta(eta):
    opexp = 1.0 + np.exp(np.clip(eta, -30, 30))
    return np.where((eta > 30) | (eta < -30), EPS, np.exp(np.clip(eta, -30, 30)) / (opexp * opexp))


def _ylogy(y, mu):
    """y log(y / mu), 0 where y = 0 (R's y_log_y)."""
    return special.xlogy(y, y / mu)


def _binomial_dev(y, mu, wt):
    return 2.0 * wt * (_ylogy(y, mu) + _ylogy(1.0 - y, 1.0 - mu))


def _binomial_aic(y, mu, wt, dev, rank):
    """R: -2 sum (wt/m) dbinom(round(m y), round(m), mu, log=TRUE) + 2 rank, with m = wt."""
    keep = wt > 0
    m, k, p = np.round(wt[keep]), np.round(wt[keep] * y[keep]), mu[keep]
    ll = (special.gammaln(m + 1) - special.gammaln(k + 1) - special.gammaln(m - k + 1)
          + special.xlogy(k, p) + special.xlog1py(m - k, -p))
    return -2.0 * np.sum(ll) + 2 * rank


def _poisson_dev(y, mu, wt):
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(y > 0, wt * (y * np.log(y / mu) - (y - mu)), mu * wt)
    return 2.0 * r


def _poisson_aic(y, mu, wt, dev, rank):
    return -2.0 * np.sum(stats.poisson.logpmf(y, mu) * wt) + 2 * rank


def _gaussian_aic(y, mu, wt, dev, rank):
    nobs = len(y)
    with np.errstate(divide="ignore"):
        return nobs * (np.log(2 * np.pi * dev / nobs) + 1) + 2 - np.sum(np.log(wt)) + 2 * rank


def family(name: str) -> Family:
    if name == "gaussian":
        return Family(name, lambda e: e, lambda e: np.ones_like(e), lambda m: np.ones_like(m),
                      lambda y, m, w: w * (y - m) ** 2, lambda y, w: y.copy(), _gaussian_aic)
    if name in ("binomial", "quasibinomial"):
        return Family(name, _logit_linkinv, _logit_mu_eta, lambda m: m * (1 - m), _binomial_dev,
                      lambda y, w: (w * y + 0.5) / (w + 1.0),
                      _binomial_aic if name == "binomial" else None, binary=True)
    if name == "poisson":
        return Family(name, lambda e: np.maximum(np.exp(e), EPS), lambda e: np.maximum(np.exp(e), EPS),
                      lambda m: m, _poisson_dev, lambda y, w: y + 0.1, _poisson_aic)
    raise ValueError(name)


def linkfun(fam: Family, mu: np.ndarray) -> np.ndarray:
    if fam.name == "gaussian":
        return mu
    if fam.binary:
        return np.log(mu / (1.0 - mu))
    return np.log(mu)
