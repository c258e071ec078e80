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


def start_eta(fam: Family, y: np.ndarray, wt: np.ndarray, out: np.ndarray, work: np.ndarray) -> np.ndarray:
    """``linkfun(mustart(y, wt))`` (R: ``family$initialize`` then ``linkfun``) written into ``out``."""
    if fam.binary:                                  # mustart = (wt y + 0.5) / (wt + 1); logit
        np.multiply(wt, y, out=out)
        out += 0.5
        np.add(wt, 1.0, out=work)
        out /= work                                 # mu
        np.subtract(1.0, out, out=work)
        out /= work
        return np.log(out, out=out)
    if fam.name == "poisson":                       # mustart = y + 0.1; log
        np.add(y, 0.1, out=out)
        return np.log(out, out=out)
    out[...] = linkfun(fam, fam.mustart(y, wt))
    return out


def linkinv_mu_eta(fam: Family, eta: np.ndarray, mu: np.ndarray | None = None, me: np.ndarray | None = None,
                   work: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, bool]:
    """``(linkinv(eta), mu_eta(eta), canonical)`` in one pass: the logit and log links share one ``exp``.

    The same values as ``fam.linkinv`` and ``fam.mu_eta`` up to one rounding (R's logit
    ``exp(eta) / (1 + exp(eta))^2`` is computed as ``mu / (1 + exp(eta))``). ``mu``, ``me`` and
    ``work`` (arrays shaped as ``eta``) are written in place when given: IRLS reuses them every
    iteration instead of asking the allocator for fresh pages. ``canonical`` is False when R's
    logit clamping beyond |eta| = 30 applies (then both are computed exactly as R, by
    ``fam.linkinv`` and ``fam.mu_eta``); otherwise every family here has its canonical link, for
    which ``mu_eta^2 / variance(mu) = mu_eta``.
    """
    if mu is None:
        mu, me, work = np.empty_like(eta), np.empty_like(eta), np.empty_like(eta)
    if fam.binary:
        if eta.size and max(float(eta.max()), -float(eta.min())) > 30:
            mu[...] = fam.linkinv(eta)
            me[...] = fam.mu_eta(eta)
            return mu, me, False
        e = np.exp(eta, out=mu)
        opexp = np.add(e, 1.0, out=work)
        np.divide(e, opexp, out=mu)
        np.divide(mu, opexp, out=me)
        return mu, me, True
    if fam.name == "poisson":
        np.exp(eta, out=mu)
        np.maximum(mu, EPS, out=mu)
        me[...] = mu
        return mu, me, True
    mu[...] = fam.linkinv(eta)
    me[...] = fam.mu_eta(eta)
    return mu, me, True


def logit_deviance(eta: np.ndarray, opexp: np.ndarray, wt: np.ndarray, wy: np.ndarray) -> float:
    """The binomial deviance of a 0/1 outcome at ``eta`` (unclamped logit), given
    ``opexp`` = 1 + exp(eta) (left by :func:`linkinv_mu_eta`; overwritten) and ``wy`` = wt y.

    With mu = 1 / (1 + exp(-eta)), R's row term ``2 wt (y log(y/mu) + (1-y) log((1-y)/(1-mu)))`` is
    ``2 wt log(1 + exp(eta))`` for y = 0 and ``2 wt (log(1 + exp(eta)) - eta)`` for y = 1, so the
    deviance is ``2 (wt . log(1 + exp(eta)) - (wt y) . eta)``: one log per row and two dot products.
    Each row's error is a few units in the last place of log(1 + exp(eta)) (|eta| <= 30 here),
    far below the 1e-8 relative change R's convergence test resolves.
    """
    np.log(opexp, out=opexp)
    return 2.0 * (float(wt @ opexp) - float(wy @ eta))


def variance(fam: Family, mu: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``fam.variance(mu)``, written into ``out`` (the Poisson variance is ``mu`` itself)."""
    if fam.binary:
        np.subtract(1.0, mu, out=out)
        out *= mu
        return out
    if fam.name == "poisson":
        return mu
    if fam.name == "gaussian":
        out.fill(1.0)
        return out
    out[...] = fam.variance(mu)
    return out


def deviance(fam: Family, y: np.ndarray, mu: np.ndarray, wt: np.ndarray, y1: np.ndarray | None = None,
             work: np.ndarray | None = None) -> float:
    """``sum(dev_resids(y, mu, wt))``, in ``work`` when given; with ``y1`` (the mask y == 1 of a
    0/1 outcome) of a logit family one log per row.

    With y in {0, 1} R's ``2 wt (y log(y/mu) + (1-y) log((1-y)/(1-mu)))`` is ``-2 wt log(mu)`` or
    ``-2 wt log(1-mu)``: the same terms up to one rounding, without ``xlogy`` and two divisions.
    """
    if fam.binary and y1 is not None:
        q = np.subtract(1.0, mu, out=work)
        np.copyto(q, mu, where=y1)
        np.log(q, out=q)
        return -2.0 * float(wt @ q)
    if fam.name == "gaussian":
        r = np.subtract(y, mu, out=work)
        return float((wt * r) @ r)
    return float(np.sum(fam.dev_resids(y, mu, wt)))


def linkfun(fam: Family, mu: np.ndarray) -> np.ndarray:
    if fam.name == "gaussian":
        return mu
    if fam.binary:
        return np.log(mu / (1.0 - mu))
    return np.log(mu)
