"""Plausible values: draws of each respondent's proficiency from its posterior distribution.

With item parameters fixed (a 2PL calibration), each person's proficiency is a latent
variable with a normal prior centred on a regression on background ("conditioning")
variables, theta_i ~ N(x_i' beta, sigma^2) -- the latent regression, or conditioning,
model. Plausible values (PVs) are random draws from the posterior

    p(theta | y_i, x_i) ∝ L(y_i | theta) phi((theta - x_i' beta) / sigma),

and population statistics computed on each draw, then combined by Rubin's rules, are
unbiased for the population quantity where point estimates of theta (EAP, WLE) are not
(Mislevy 1991, Psychometrika 56, 177-196; Mislevy, Beaton, Kaplan & Sheehan 1992, JEM 29,
133-161; von Davier, Gonzalez & Mislevy 2009, "What are plausible values and why are they
useful?", IERI Monograph Series 2, 9-36; OECD 2020, PISA 2018 Technical Report, ch. 9
"Scaling PISA data").

Three steps, all vectorised over persons:

* :func:`response_loglik`: the n x Q log-likelihood of the 0/1 answers at quadrature
  nodes, two masked matrix products;
* :func:`latent_regression`: beta and sigma by EM on a fixed quadrature grid (the
  approach of NAEP's and PISA's conditioning programs, with a univariate latent);
* :func:`draw_plausible_values`: exact-enough draws from each person's posterior on a
  fine person-specific grid, by inverting the CDF of the piecewise-linear posterior
  density. By default each PV also draws beta from its approximate posterior
  (``N(beta_hat, V)``), so the PVs carry the uncertainty in the latent regression
  (Mislevy 1991, sec. 4; von Davier et al. 2009, p. 21; PISA 2018 TR ch. 9).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.linalg

__all__ = ["response_loglik", "conditioning_matrix", "latent_regression", "LatentRegression",
           "draw_plausible_values"]

_DEFAULT_NODES = np.linspace(-6.0, 6.0, 121)
_CHUNK = 4096                 # persons per block in draw_plausible_values (cache-sized temporaries)
_PASS1_POINTS = 61            # points of the grids that locate each posterior
_PASS1_WIDTH = 8.0            # half-width of those grids in prior / posterior SDs


# ---------------------------------------------------------------------------------- helpers
def _softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + exp(z)) without overflow."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _responses(responses01) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(answers with NaN as 0, observed mask, correct mask) as float arrays; checks the coding."""
    y = np.asarray(responses01.to_numpy(dtype=float, na_value=np.nan) if isinstance(responses01, pd.DataFrame)
                   else responses01, dtype=float)
    if y.ndim != 2:
        raise ValueError("responses01 must be an n x J matrix (persons x items)")
    obs = ~np.isnan(y)
    bad = obs & (y != 0) & (y != 1)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(f"responses01 must hold 0, 1 or NaN (not administered); row {i}, item {j} is {y[i, j]!r}")
    correct = np.where(obs, y, 0.0)
    return correct, obs, obs.astype(float)


def _item_parameters(a, d, J: int) -> tuple[np.ndarray, np.ndarray]:
    a = np.atleast_1d(np.asarray(a, dtype=float))
    d = np.atleast_1d(np.asarray(d, dtype=float))
    if a.shape != (J,) or d.shape != (J,):
        raise ValueError(f"a and d must have one value per item ({J}); got {a.shape} and {d.shape}")
    if not (np.isfinite(a).all() and np.isfinite(d).all()):
        raise ValueError("item parameters must be finite")
    return a, d


def _weights(weights, n: int) -> np.ndarray:
    """Weights rescaled to sum to n (the information then has the scale of the sample size)."""
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be n finite non-negative values with a positive sum")
    return w * (n / w.sum())


# ---------------------------------------------------------------------------------- likelihood
def response_loglik(responses01, a, d, nodes) -> np.ndarray:
    """Log-likelihood of each person's 0/1 answers at quadrature nodes under a 2PL model.

    ``P(y_ij = 1 | theta) = 1 / (1 + exp(-(a_j theta + d_j)))``; items not administered
    (NaN) contribute nothing (ignorable missingness by design, as in a booklet design).

    Parameters
    ----------
    responses01 : array or DataFrame, shape (n, J)
        0/1 answers, NaN where the item was not administered.
    a, d : array, shape (J,)
        Slopes and intercepts of the items, in the responses' column order.
    nodes : array, shape (Q,)
        Proficiency values at which to evaluate the likelihood.

    Returns
    -------
    ndarray, shape (n, Q)
        ``sum_j [y_ij log P_j(theta_q) + (1 - y_ij) log(1 - P_j(theta_q))]`` over the
        administered items: two matrix products, ``Y1 @ log P + Y0 @ log(1 - P)``, with
        ``Y1``/``Y0`` the masks of correct/incorrect answers.
    """
    correct, _, observed = _responses(responses01)
    a, d = _item_parameters(a, d, correct.shape[1])
    q = np.atleast_1d(np.asarray(nodes, dtype=float))
    z = a[:, None] * q[None, :] + d[:, None]                 # J x Q logits
    log_p = -_softplus(-z)                                   # log P
    log_q = -_softplus(z)                                    # log (1 - P)
    return correct @ log_p + (observed - correct) @ log_q


# ---------------------------------------------------------------------------------- conditioning
def conditioning_matrix(df: pd.DataFrame, columns) -> tuple[pd.DataFrame, list[str]]:
    """Design matrix of the latent regression from conditioning variables.

    An intercept, then for each column in order: a numeric column as is (missing values
    replaced by the column mean, with a ``<col>:missing`` 0/1 column when any are
    missing); any other column (text, category, boolean) as treatment dummies
    ``<col>=<level>`` against a reference level -- the first category of a pandas
    Categorical, else the first sorted level, as R's ``contr.treatment`` -- with missing
    values a level of their own, ``(missing)``. Constant columns, and columns aliased with
    the columns before them (squared residual of the unit-scaled column on the kept
    columns before it below 1e-9, i.e. ``|R_jj|`` of a QR decomposition below 3e-5), are
    dropped with a note.

    Parameters
    ----------
    df : DataFrame
        One row per person.
    columns : list of str
        The conditioning variables.

    Returns
    -------
    X : DataFrame
        n x p float matrix, index of ``df``, first column ``(intercept)``.
    notes : list of str
        One line per dropped column.
    """
    cols = [columns] if isinstance(columns, str) else list(columns)
    parts: dict[str, np.ndarray] = {"(intercept)": np.ones(len(df))}
    for col in cols:
        if col not in df.columns:
            raise ValueError(f"conditioning_matrix: column '{col}' is not in the data")
        s = df[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            v = s.to_numpy(dtype=float, na_value=np.nan)
            miss = np.isnan(v)
            if miss.all():
                parts[col] = np.zeros(len(df))          # dropped below as constant
                continue
            parts[col] = np.where(miss, np.nanmean(v), v)
            if miss.any():
                parts[f"{col}:missing"] = miss.astype(float)
            continue
        if isinstance(s.dtype, pd.CategoricalDtype):
            levels = [str(c) for c in s.cat.categories]
            values = s.astype(object).where(s.notna(), None)
        else:
            values = s.astype(object).where(s.notna(), None)
            levels = sorted({str(v) for v in values if v is not None})
        text = np.array(["(missing)" if v is None else str(v) for v in values], dtype=object)
        if (text == "(missing)").any():
            levels = levels + ["(missing)"]
        present = [lv for lv in levels if (text == lv).any()]
        for lv in present[1:]:                           # the first present level is the reference
            parts[f"{col}={lv}"] = (text == lv).astype(float)
    names = list(parts)
    X = np.column_stack([parts[k] for k in names])
    notes: list[str] = []
    keep = np.ones(len(names), dtype=bool)
    spread = X.max(axis=0) - X.min(axis=0)
    for j in np.flatnonzero(spread[1:] == 0) + 1:          # column 0 is the intercept
        keep[j] = False
        notes.append(f"dropped '{names[j]}': constant")
    # aliasing: the squared residual of each unit-scaled column on the kept columns before it,
    # from the Gram matrix (a sequential Cholesky that skips aliased columns; columns, not rows)
    for j in np.flatnonzero(keep):
        if j == 0:
            continue
        before = [k for k in np.flatnonzero(keep) if k < j]
        xs = X[:, before + [j]]
        xs = xs / np.linalg.norm(xs, axis=0)
        gram = xs.T @ xs
        g_kk, g_kj = gram[:-1, :-1], gram[:-1, -1]
        resid = 1.0 - g_kj @ np.linalg.solve(g_kk, g_kj)
        if resid < 1e-9:                                    # |R_jj| < 3e-5 of the column norm
            keep[j] = False
            notes.append(f"dropped '{names[j]}': aliased with the columns before it")
    Xk = X[:, keep]
    kept = [nm for nm, k in zip(names, keep) if k]
    return pd.DataFrame(Xk, index=df.index, columns=kept), notes


# ---------------------------------------------------------------------------------- latent regression
@dataclass(frozen=True)
class LatentRegression:
    """Estimated latent regression ``theta_i ~ N(x_i' beta, sigma^2)``.

    Attributes
    ----------
    beta : ndarray (p,)
    sigma : float
    converged : bool
    iterations : int
    loglik : float
        Weighted marginal log-likelihood at the estimate (quadrature approximation).
    cov_beta : ndarray (p, p)
        Approximate covariance of ``beta``: the inverse observed information by Louis's
        (1982) formula, ``[sum_i w_i x_i x_i' (sigma^2 - v_i) / sigma^4]^-1`` with
        ``v_i`` the posterior variance of theta_i (complete-data information minus the
        missing information), with weights rescaled to sum to n.
    eap, posterior_sd : ndarray (n,)
        Posterior mean and SD of each theta at the estimate, on the quadrature grid.
    """

    beta: np.ndarray
    sigma: float
    converged: bool
    iterations: int
    loglik: float
    cov_beta: np.ndarray = field(repr=False)
    eap: np.ndarray = field(repr=False)
    posterior_sd: np.ndarray = field(repr=False)


def latent_regression(responses01, a, d, X, weights=None, nodes=None, max_iter: int = 1000,
                      tol: float = 1e-6) -> LatentRegression:
    """Estimate the latent regression by EM with the item parameters fixed.

    E-step: each person's posterior over the quadrature nodes, proportional to the
    likelihood of their answers times the normal prior density centred at ``x_i' beta``
    (evaluated at the nodes). M-step: ``beta`` is the weighted least-squares regression
    of the posterior means on X, and ``sigma^2`` the weighted mean of
    ``E[(theta_i - x_i' beta)^2 | y_i]`` = posterior variance + squared residual of the
    posterior mean (Mislevy 1991, sec. 3; Dempster, Laird & Rubin 1977). Each EM step
    does not decrease the (quadrature) marginal likelihood.

    Parameters
    ----------
    responses01 : array or DataFrame (n, J)
        0/1 answers, NaN = not administered.
    a, d : array (J,)
        2PL slopes and intercepts, fixed.
    X : array or DataFrame (n, p)
        Design matrix with an intercept (see :func:`conditioning_matrix`).
    weights : array (n,), optional
        Survey weights (a pseudo-likelihood); rescaled to sum to n.
    nodes : array, optional
        Quadrature nodes, default 121 equally spaced points on [-6, 6] (spacing 0.1, fit
        for a theta scale with SD near 1; pass a wider or finer grid otherwise).
    max_iter : int
        Maximum EM iterations.
    tol : float
        Convergence: the largest absolute change in ``beta`` and ``sigma`` in one step.

    Returns
    -------
    LatentRegression
        ``beta``, ``sigma``, ``converged``, ``iterations``, ``loglik``, ``cov_beta``,
        ``eap``, ``posterior_sd``.
    """
    Xm = np.asarray(X, dtype=float)
    q = _DEFAULT_NODES if nodes is None else np.asarray(nodes, dtype=float)
    ll = response_loglik(responses01, a, d, q)               # n x Q, computed once
    n = ll.shape[0]
    if Xm.shape[0] != n or Xm.ndim != 2:
        raise ValueError("X must have one row per person")
    w = _weights(weights, n)
    XtW = Xm.T * w
    XtWX = XtW @ Xm
    if np.linalg.matrix_rank(XtWX) < Xm.shape[1]:
        raise ValueError("X is rank deficient: drop aliased columns (conditioning_matrix does)")
    chol = scipy.linalg.cho_factor(XtWX)
    step = float(np.mean(np.diff(q))) if q.size > 1 else 1.0
    q2 = q * q

    def e_step(beta, sigma):
        mu = Xm @ beta
        lp = ll - 0.5 * ((q[None, :] - mu[:, None]) / sigma) ** 2
        mx = lp.max(axis=1)
        p = np.exp(lp - mx[:, None])
        s = p.sum(axis=1)
        p /= s[:, None]
        m1 = p @ q
        v = np.maximum(p @ q2 - m1 * m1, 0.0)
        # marginal log-likelihood: log of the Riemann sum of L(theta) phi(theta; mu, sigma)
        loglik = float(w @ (mx + np.log(s) + np.log(step / (np.sqrt(2 * np.pi) * sigma))))
        return m1, v, loglik

    # start: beta = 0 but the intercept, sigma = 1 (a standard-normal prior)
    beta = np.zeros(Xm.shape[1])
    sigma = 1.0
    converged = False
    it = 0
    for it in range(1, max_iter + 1):                       # EM iterations (not persons)
        m1, v, _ = e_step(beta, sigma)
        new_beta = scipy.linalg.cho_solve(chol, XtW @ m1)
        resid = m1 - Xm @ new_beta
        new_sigma = float(np.sqrt(w @ (v + resid * resid) / w.sum()))
        change = max(float(np.max(np.abs(new_beta - beta))), abs(new_sigma - sigma))
        beta, sigma = new_beta, new_sigma
        if change < tol:
            converged = True
            break
    m1, v, loglik = e_step(beta, sigma)
    cov = _louis_cov(Xm, w, v, sigma)
    return LatentRegression(beta=beta, sigma=sigma, converged=converged, iterations=it, loglik=loglik,
                            cov_beta=cov, eap=m1, posterior_sd=np.sqrt(v))


def _louis_cov(X: np.ndarray, w: np.ndarray, post_var: np.ndarray, sigma: float) -> np.ndarray:
    """Inverse observed information of beta (Louis 1982): complete minus missing information."""
    s2 = sigma * sigma
    info = (X.T * (w * np.maximum(s2 - post_var, 0.0) / (s2 * s2))) @ X
    return np.linalg.pinv(info, hermitian=True)


# ---------------------------------------------------------------------------------- draws
def _patterns(observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Code of each row's pattern of administered items, and the distinct patterns (P x J)."""
    n, J = observed.shape
    if J == 0:
        return np.zeros(n, dtype=np.int64), np.zeros((1, 0))
    packed = np.packbits(observed.astype(bool), axis=1)
    pad = (-packed.shape[1]) % 8
    if pad:
        packed = np.pad(packed, ((0, 0), (0, pad)))
    keys = np.ascontiguousarray(packed).view(np.uint64)
    if keys.shape[1] == 1:
        _, first, inv = np.unique(keys[:, 0], return_index=True, return_inverse=True)
    else:
        _, first, inv = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return inv.reshape(-1).astype(np.int64), observed[first]


class _PatternTable:
    """``h_R(theta) = sum_j R_j log(1 + exp(a_j theta + d_j))`` per administered-items pattern R.

    The 2PL log-likelihood is ``theta S_i + c_i - h_{R_i}(theta)`` with ``S_i = sum_j a_j
    y_ij`` over the administered items; only ``h`` needs evaluating on every person's grid.
    It is tabulated per pattern on a fine grid and read by cubic Hermite interpolation
    with its exact derivative ``h' = sum_j R_j a_j expit(a_j theta + d_j)`` (stored as the
    four Horner coefficients of each interval, one gather per evaluation). With the
    spacing ``delta = 0.08 / max|a|`` the interpolation error is below
    ``delta^4 / 384 * max|h^(4)| <= 0.08^4 / 384 * J / 8``, about 1e-6 per 60 items
    (the cubic Hermite error bound, e.g. Burden & Faires, Numerical Analysis, sec. 3.4;
    the fourth derivative of log(1 + e^z) is at most 1/8 in absolute value).
    """

    def __init__(self, patterns: np.ndarray, a: np.ndarray, d: np.ndarray, lo: float, hi: float):
        amax = float(np.max(np.abs(a))) if a.size else 1.0
        self.delta = 0.08 / max(amax, 1e-3)
        self.lo = lo - 2 * self.delta
        G = int(np.ceil((hi - self.lo) / self.delta)) + 3
        self.G = G
        self.hi = self.lo + self.delta * (G - 2)
        grid = self.lo + self.delta * np.arange(G)
        z = a[:, None] * grid[None, :] + d[:, None]         # J x G
        h = patterns @ _softplus(z)                          # P x G
        g = (patterns @ (a[:, None] / (1.0 + np.exp(-z)))) * self.delta
        h0, h1, g0, g1 = h[:, :-1], h[:, 1:], g[:, :-1], g[:, 1:]
        # p(t) = h0 H00 + g0 H10 + h1 H01 + g1 H11 in powers of t
        self.coef = np.stack([h0, g0, 3 * (h1 - h0) - 2 * g0 - g1, 2 * (h0 - h1) + g0 + g1],
                             axis=-1).reshape(-1, 4)        # (P * (G - 1)) x 4

    def covers(self, lo: float, hi: float) -> bool:
        return lo >= self.lo and hi <= self.hi

    def __call__(self, pattern: np.ndarray, theta: np.ndarray) -> np.ndarray:
        s = (theta - self.lo) * (1.0 / self.delta)
        k = np.clip(s.astype(np.int64), 0, self.G - 2)      # s >= 0 on the table's range
        t = s - k
        k += pattern[:, None] * (self.G - 1)
        c = self.coef[k]                                     # n x Q x 4
        out = c[..., 3] * t
        out += c[..., 2]
        out *= t
        out += c[..., 1]
        out *= t
        out += c[..., 0]
        return out


def _grid_moments(lp: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and variance from log-density values on equally spaced per-row grids."""
    p = np.exp(lp - lp.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    m = np.einsum("ij,ij->i", p, theta)
    dev = theta - m[:, None]
    return m, np.einsum("ij,ij->i", p, dev * dev)


def draw_plausible_values(responses01, a, d, X, beta, sigma, m: int = 20, seed=None, nodes: int = 121,
                          beta_uncertainty: bool = True, beta_cov=None, weights=None,
                          width: float = 6.0) -> np.ndarray:
    """Draw M plausible values per person from the posterior of the latent regression model.

    The posterior of person i is ``∝ L(y_i | theta) phi((theta - x_i' beta) / sigma)``.
    It is located on a grid of 61 points over the prior (``x_i' beta ± 8 sigma``), then
    again over the first posterior's mean ± 8 SDs; the draws use a person-specific grid
    of ``nodes`` points over the posterior mean ± ``width`` posterior SDs (widened by the
    largest shift of the prior mean among the beta draws). On that grid the density is
    taken as piecewise linear between the points and each uniform draw is inverted
    exactly (a quadratic within the interval it falls in). The mass beyond 6 SDs, about
    2e-9 for a normal posterior, is left out.

    Parameters
    ----------
    responses01 : array or DataFrame (n, J)
        0/1 answers, NaN = not administered. J may be 0 (the PVs are then draws from the
        prior N(x' beta, sigma^2)).
    a, d : array (J,)
        2PL slopes and intercepts in the responses' column order.
    X : array or DataFrame (n, p)
        The latent regression's design matrix.
    beta : array (p,), sigma : float
        The latent regression (e.g. from :func:`latent_regression`).
    m : int
        Number of plausible values per person.
    seed : int, SeedSequence or Generator, optional
        Seed of ``np.random.default_rng``: the same seed gives the same draws.
    nodes : int
        Points of the person-specific grid the draws are made on.
    beta_uncertainty : bool
        Draw ``beta_m ~ N(beta, beta_cov)`` for each plausible value (default), so that
        the PVs reflect the uncertainty of the latent regression (Mislevy 1991, sec. 4;
        PISA 2018 TR ch. 9). ``sigma`` is kept at its estimate (its sampling error is of
        a smaller order for the sample sizes of a survey). False: every PV uses ``beta``.
    beta_cov : array (p, p), optional
        Covariance of ``beta``; default the Louis (1982) inverse observed information
        computed here from the posterior variances (as ``LatentRegression.cov_beta``).
    weights : array (n,), optional
        Survey weights for that default covariance (rescaled to sum to n).
    width : float
        Half-width of the draw grid in posterior SDs.

    Returns
    -------
    ndarray (n, m)
        Plausible values; column k is the k-th draw for every person.

    Notes
    -----
    The random numbers (the M beta draws, n x M uniforms for the draws and n x M for the
    acceptance tests) come from one generator before any computation; the few rejected
    draws are redrawn from a stream seeded by the seed and the block. Persons are
    processed in blocks of 4096 (a cache-sized vectorisation, not a loop over persons).
    So the same seed gives the same draws; without beta uncertainty they do not depend on
    the block size either.
    """
    correct, observed, obs_f = _responses(responses01)
    n, J = correct.shape
    a, d = _item_parameters(a, d, J)
    Xm = np.asarray(X, dtype=float)
    if Xm.ndim != 2 or Xm.shape[0] != n:
        raise ValueError("X must have one row per person")
    beta = np.asarray(beta, dtype=float)
    sigma = float(sigma)
    if not sigma > 0:
        raise ValueError("sigma must be positive")
    if m < 1:
        raise ValueError("m must be at least 1")
    nodes = int(nodes)
    if nodes < 16:
        raise ValueError("nodes must be at least 16")
    rng = np.random.default_rng(seed)
    z_beta = rng.standard_normal((m, beta.size))
    uniforms = rng.random((n, m))
    accepts = rng.random((n, m)) if beta_uncertainty else None
    retry_seed = int(rng.integers(0, 2**63)) if beta_uncertainty else 0

    score = correct @ a                                      # S_i = sum_j a_j y_ij
    pattern, patterns = _patterns(observed)
    mu0 = Xm @ beta

    # pass 1: locate each posterior (mean, SD) under beta, in blocks of persons
    u1 = np.linspace(-_PASS1_WIDTH, _PASS1_WIDTH, _PASS1_POINTS)
    centre = np.empty(n)
    post_var = np.empty(n)
    blocks = [slice(s, min(s + _CHUNK, n)) for s in range(0, n, _CHUNK)]
    lo_all = float(mu0.min() - (_PASS1_WIDTH + 1) * sigma)
    hi_all = float(mu0.max() + (_PASS1_WIDTH + 1) * sigma)
    table = _PatternTable(patterns, a, d, lo_all, hi_all) if patterns.shape[0] <= 4096 else None
    for b in blocks:
        tab, pat = _block_table(table, pattern[b], observed[b], a, d, patterns,
                                float(mu0[b].min() - (_PASS1_WIDTH + 1) * sigma),
                                float(mu0[b].max() + (_PASS1_WIDTH + 1) * sigma))
        theta = mu0[b, None] + sigma * u1[None, :]
        lp = theta * score[b, None] - tab(pat, theta) - 0.5 * u1[None, :] ** 2
        c1, v1 = _grid_moments(lp, theta)
        sd1 = np.maximum(np.sqrt(v1), sigma * (u1[1] - u1[0]))
        theta = c1[:, None] + sd1[:, None] * u1[None, :]    # refine on the first posterior
        tab, pat = _block_table(table, pattern[b], observed[b], a, d, patterns,
                                float(theta.min()), float(theta.max()))
        lp = theta * score[b, None] - tab(pat, theta) - 0.5 * ((theta - mu0[b, None]) / sigma) ** 2
        centre[b], post_var[b] = _grid_moments(lp, theta)

    # the beta draws and the shift of each person's prior mean they imply
    if beta_uncertainty:
        cov = _louis_cov(Xm, _weights(weights, n), post_var, sigma) if beta_cov is None \
            else np.asarray(beta_cov, dtype=float)
        root = _psd_root(cov)
        shifts = Xm @ (root @ z_beta.T)                      # n x m: x_i'(beta_m - beta)
    else:
        shifts = np.zeros((n, m))

    # pass 2: the draws on a fine person-specific grid. The posterior under beta_m is the
    # posterior under beta tilted by exp(kappa theta), kappa = x_i'(beta_m - beta) / sigma^2
    # (the ratio of the two normal priors), so one CDF per person serves all M draws: a draw
    # from the beta posterior is accepted with probability exp(kappa (theta - theta_end)) <= 1
    # (rejection sampling, exact for the tilted density; von Neumann 1951).
    u = np.linspace(-1.0, 1.0, nodes)
    post_sd = np.sqrt(np.maximum(post_var, 0.0))
    post_sd = np.maximum(post_sd, 1e-6 * sigma)
    half = width * post_sd + np.abs(shifts).max(axis=1)
    kappa = shifts / (sigma * sigma)
    out = np.empty((n, m))
    inv2s2 = 0.5 / (sigma * sigma)
    for b in blocks:
        theta = centre[b, None] + half[b, None] * u[None, :]
        lo_b, hi_b = float(theta[:, 0].min()), float(theta[:, -1].max())
        tab, pat = _block_table(table, pattern[b], observed[b], a, d, patterns, lo_b, hi_b)
        dev = theta - mu0[b, None]
        lp = theta * score[b, None] - tab(pat, theta) - inv2s2 * dev * dev
        f = np.exp(lp - lp.max(axis=1, keepdims=True))
        cdf = _trapezoid_cdf(f)
        step = (2.0 * half[b]) / (nodes - 1)
        pos = _invert(f, cdf, uniforms[b])                   # n_b x m, in grid steps
        retry_rng = np.random.default_rng([retry_seed, b.start])   # the block's own stream
        if beta_uncertainty:
            # the tilt's largest value on the grid is at the end kappa points to
            span = np.where(kappa[b] > 0, nodes - 1 - pos, pos) * step[:, None]
            accept = accepts[b] <= np.exp(-np.abs(kappa[b]) * span)
            rounds = 0
            while not accept.all():                          # a geometric number of rounds
                rows, cols = np.nonzero(~accept)
                rounds += 1
                if rounds > 50:                              # very strong tilts: the exact tilted CDF
                    k_rc = kappa[b][rows, cols][:, None]
                    ends = np.where(k_rc > 0, theta[rows, -1:], theta[rows, :1])
                    tilt = f[rows] * np.exp(k_rc * (theta[rows] - ends))
                    pos[rows, cols] = _invert(tilt, _trapezoid_cdf(tilt), retry_rng.random((rows.size, 1)))[:, 0]
                    break
                u_new = retry_rng.random((rows.size, 2))
                p = _invert(f[rows], cdf[rows], u_new[:, :1])[:, 0]
                k_rc = kappa[b][rows, cols]
                sp = np.where(k_rc > 0, nodes - 1 - p, p) * step[rows]
                ok = u_new[:, 1] <= np.exp(-np.abs(k_rc) * sp)
                pos[rows[ok], cols[ok]] = p[ok]
                accept[rows[ok], cols[ok]] = True
        out[b] = theta[:, :1] + pos * step[:, None]
    return out


def _block_table(table, pattern_b, observed_b, a, d, patterns, lo, hi):
    """The pattern table for a block: the shared one when it covers [lo, hi], else the block's own."""
    if table is not None and table.covers(lo, hi):
        return table, pattern_b
    pat, pats = _patterns(observed_b)
    return _PatternTable(pats.astype(float), a, d, lo, hi), pat


def _trapezoid_cdf(f: np.ndarray) -> np.ndarray:
    """Cumulative mass at each grid point of the piecewise-linear density ``f`` (unit spacing), n x G."""
    cdf = np.empty_like(f)
    cdf[:, 0] = 0.0
    np.cumsum(0.5 * (f[:, 1:] + f[:, :-1]), axis=1, out=cdf[:, 1:])
    return cdf


def _invert(f: np.ndarray, cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Positions (in grid steps from the first point) of the u-quantiles of piecewise-linear densities.

    ``f`` holds each row's density at the grid points (n x G), ``cdf`` its cumulative
    masses (:func:`_trapezoid_cdf`), ``u`` n x K probabilities. Each row's CDF, scaled to
    [0, 1] and offset by twice the row number, makes one increasing array, so a single
    ``searchsorted`` finds every interval. Within interval k the mass up to fraction t is
    ``f_k t + (f_{k+1} - f_k) t^2 / 2``; it is solved for t in the cancellation-free form
    ``t = 2 r / (f_k + sqrt(f_k^2 + 2 (f_{k+1} - f_k) r))``.
    """
    n, G = f.shape
    total = cdf[:, -1]
    offset = 2.0 * np.arange(n)
    flat = (cdf / total[:, None] + offset[:, None]).ravel()
    K = u.shape[1]
    idx = np.searchsorted(flat, (u + offset[:, None]).ravel(), side="left").reshape(n, K)
    k = np.clip(idx - (np.arange(n) * G)[:, None] - 1, 0, G - 2)
    rows = np.arange(n)[:, None]
    rem = np.maximum(u * total[:, None] - cdf[rows, k], 0.0)
    f0 = f[rows, k]
    f1 = f[rows, k + 1]
    disc = np.maximum(f0 * f0 + 2.0 * (f1 - f0) * rem, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = 2.0 * rem / (f0 + np.sqrt(disc))
    t = np.clip(np.nan_to_num(t, nan=0.0), 0.0, 1.0)
    return k + t


def _psd_root(cov: np.ndarray) -> np.ndarray:
    """A matrix L with L L' = cov for a symmetric positive semi-definite cov (eigen-decomposition)."""
    cov = 0.5 * (cov + cov.T)
    vals, vecs = np.linalg.eigh(cov)
    if vals.min() < -1e-8 * max(vals.max(), 1e-300):
        raise ValueError("beta_cov is not positive semi-definite")
    return vecs * np.sqrt(np.maximum(vals, 0.0))
