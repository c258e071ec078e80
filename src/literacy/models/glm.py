"""Design-based generalised linear models: R's ``svyglm`` (survey 4.1-1).

The coefficients solve the weighted estimating equations sum_i w_i x_i (y_i - mu_i) mu'_i / V(mu_i)
= 0 (Binder 1983), found by R's ``glm.fit`` IRLS with the weights rescaled to mean one. Standard
errors:

* Taylor designs: the sandwich ``A^-1 var(sum U_i) A^-1`` with ``U_i`` the estimating functions
  ``x_i r_i w_i`` (working residual times working weight) and ``var`` the design variance of
  their totals (``svy.varcoef``: ``svyrecvar(estfun %*% Ainv)``; Binder 1983; Lumley 2010, 5.2),
  calibration-aware through the design's ``covariance_of_totals``;
* replicate designs: the model is refitted with every replicate's weights (each normalised to sum
  one, IRLS started at the full-sample estimate as R), all replicates at once; the variance is
  ``svrVar`` of the replicate coefficients (Lumley 2010, 2.3).

As R, ``glm.fit`` returns the working weights of its last iteration, computed before the last
update of the coefficients; the sandwich uses them, so we take the same IRLS steps from the same
start (``family$initialize``) and stop on the same deviance criterion.

Which of the two applies is the design's business: the fit hands a :class:`ModelFit` to the design's
``coefficient_covariance``, which forms the sandwich (:class:`literacy.survey.SurveyDesign`) or
refits on every replicate (:class:`literacy.survey.ReplicateDesign`).

Speed (``benchmarks/bench_glm.py``): the model matrix is built once as a p x n array (no
DataFrame, indicator columns straight from the design's cached factor codes); each IRLS sweep
reads it once, by blocks of rows that stay in cache, computing eta, mu, the deviance and the next
X'WX (BLAS ``syrk``) and X'Wr together; the p x p systems are solved by LAPACK's Cholesky;
every length-n vector lives in one preallocated block, reused by the next fit. The iterates
are R's, so the coefficients and SEs are unchanged (to rounding) and so is the iteration count.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import numpy as np
import pandas as pd
from scipy import special
from scipy.linalg import lapack
from threadpoolctl import ThreadpoolController

from literacy.errors import DesignError
from literacy.models.families import (EPS, FAMILIES, Family, deviance, family as get_family,
                                       linkinv_mu_eta, logit_deviance, start_eta, variance)
from literacy.models.formula import ModelFrame, model_frame

__all__ = ["svyglm", "GLM_COLUMNS", "ModelFit"]

GLM_COLUMNS = ["term", "estimate", "se", "t", "p_value", "df", "ci_low", "ci_high"]
EPSILON = 1e-8      # glm.control()
MAXIT = 25


def subset_mask(design, subset) -> np.ndarray | None:
    """Boolean row mask from ``subset``: None, a boolean array/Series, or a ``DataFrame.eval`` string."""
    if subset is None:
        return None
    if isinstance(subset, str):
        try:
            m = design.data.eval(subset)
        except Exception as exc:  # pandas raises many types for a bad expression
            raise DesignError(f"subset: cannot evaluate {subset!r} ({type(exc).__name__}: {exc})".splitlines()[0])
    else:
        m = subset
    m = pd.Series(m).to_numpy() if not isinstance(m, np.ndarray) else m
    if m.shape != (design.n,):
        raise DesignError(f"subset: expected {design.n} values, got {m.shape[0] if m.ndim else 0}")
    if m.dtype != bool:
        if pd.isna(pd.Series(m)).any():
            raise DesignError("subset: must not contain missing values")
        m = m.astype(bool)
    if not m.any():
        raise DesignError("subset: no row is in the subset")
    return m


BLOCK_BYTES = 1 << 20   # row blocks of an IRLS sweep: p x block doubles (1 MB: fastest here)


class _Cholesky:
    """The Cholesky factor of the equilibrated G / (d d'), d = sqrt(diag(G)) (LAPACK, no checks).

    Equilibration keeps columns of X on very different scales (a 0/1 indicator next to a school
    enrolment) from costing digits.
    """

    def __init__(self, G: np.ndarray):
        d = np.sqrt(np.diag(G))
        self.d = np.where(d > 0, d, 1.0)
        self.C = G / np.outer(self.d, self.d)
        self.U, self.info = lapack.dpotrf(self.C, lower=0, clean=1)

    def solve(self, b: np.ndarray) -> np.ndarray:
        if self.info != 0:
            raise np.linalg.LinAlgError("glm: the weighted cross-product matrix is not positive definite")
        dd = self.d if b.ndim == 1 else self.d[:, None]
        x, info = lapack.dpotrs(self.U, b / dd, lower=0)
        return x / dd

    def inverse(self) -> np.ndarray:
        """G^-1, symmetric."""
        ainv = self.solve(np.eye(len(self.d)))
        return (ainv + ainv.T) / 2


def _check_aliased(chol: _Cholesky, terms: list[str]) -> None:
    """Raise if a column is (numerically) a combination of the columns before it.

    R's ``glm.fit`` QR (LINPACK ``dqrdc2``, tolerance 1e-7 on |R_jj| relative to the column norm)
    would drop it and report NA; we name it instead. |R_jj|^2 / ||x_j||^2 is the share of column
    j left after projecting it on the columns before it: the squared diagonal of the Cholesky
    factor of the equilibrated weighted Gram matrix (the Schur complements, column by column; a
    factorisation that stops at column j has a non-positive one there). The Gram matrix is the
    first IRLS step's X'WX: R's QR is of sqrt(W) X with those working weights, positive where the
    prior weights are (for the Gaussian family they are the prior weights).
    """
    d = np.sqrt(np.diag(chol.C)) * chol.d          # the column norms (0 for an all-zero column)
    for j in range(len(d)):
        if not d[j] > 0:
            raise DesignError(f"glm: term '{terms[j]}' is zero on every row used (constant or empty level)")
    ok = len(d) if chol.info == 0 else chol.info - 1   # pivots computed before LAPACK stopped
    resid = np.diag(chol.U)[:ok] ** 2
    small = np.flatnonzero(resid < 1e-7 ** 2 * 10)
    j = int(small[0]) if small.size else (None if chol.info == 0 else ok)
    if j is not None and j > 0:
        raise DesignError(f"glm: term '{terms[j]}' is aliased (constant or a combination of the terms "
                          "before it)")


N_WORK = 7       # length-n work vectors of _irls


def _irls(fam: Family, Xt: np.ndarray, y: np.ndarray, pw: np.ndarray, terms: list[str],
          y1: np.ndarray | None = None, work: np.ndarray | None = None):
    """R's ``glm.fit`` on one set of prior weights: coefficients, lagged working weights, etc.

    ``Xt`` is the p x n design matrix X'; ``y1`` the mask y == 1 when a logit family's outcome is
    0/1. The same iterates as R's QR steps: the first from R's starting values, the next in
    increment form beta + (X'WX)^-1 X'W (z - X beta) (equal to R's (X'WX)^-1 X'W z when
    eta = X beta, and better conditioned), each solved on the equilibrated Gram matrix; R's
    convergence test on the deviance.

    The work is done in sweeps over blocks of rows (see :class:`_Sweep`): a sweep at new
    coefficients computes eta = X beta, mu, mu.eta and the deviance and, in the same read of X,
    the next step's X'WX and X'Wr. That Gram matrix is wasted on the sweep that finds
    convergence, so a sweep leaves it out when the last step's relative deviance change c was
    below 1e-4 (IRLS converges quadratically: the next change is about c^2, under R's 1e-8;
    a Gaussian fit is exact after one step and R stops after its second); a wrong guess costs
    one more sweep, never a different result. Every length-n vector lives in ``work``
    (``N_WORK`` rows, allocated here when None).

    Returns the coefficients, the working weights of the last step (computed before the last
    update, as R), the working residuals at the final fit, (X'WX)^-1 with those weights, mu, eta,
    the deviance, the iterations and whether it converged.
    """
    p, n = Xt.shape
    if work is None:
        work = np.empty((N_WORK, n))
    mu, eta, me, w_a, w_b, r, wy = work[:N_WORK]
    B = max(1, min(n, max(4096, BLOCK_BYTES // (8 * p))))
    blk = np.empty((p + 2, B))                               # Z, sqrt(w) and a scratch row, per block
    logit01 = fam.binary and y1 is not None
    sw = _Sweep(fam, Xt, y, pw, y1, logit01, mu, eta, me, r, wy, blk)
    # R's start (eta = linkfun(mustart), mu = linkinv(eta)), its deviance and the first step's
    # X'WX and X'Wz, z = eta + (y - mu) / mu.eta, in one sweep
    devold, G, rhs = sw(None, w_a, start=True)
    w_lag, w_next = w_a, w_b                                 # weights of the step taken / of the next
    conv = False
    coef = None
    change = None
    for it in range(1, MAXIT + 1):
        chol = _Cholesky(G)
        if coef is None:
            _check_aliased(chol, terms)
            coef = chol.solve(rhs)
        else:
            coef = coef + chol.solve(rhs)
        guess_done = change is not None and (change < 1e-4 or fam.name == "gaussian")
        dev, G, rhs = sw(coef, None if guess_done else w_next)
        if not np.isfinite(dev):
            raise DesignError("glm: the fit diverged (infinite deviance); check the outcome and terms")
        change = abs(dev - devold) / (abs(dev) + 0.1)
        if change < EPSILON:
            conv = True
            break
        if G is None:                                        # guessed wrong: the next step's Gram
            _, G, rhs = sw(None, w_next)
        w_lag, w_next = w_next, w_lag
        devold = dev
    ainv = chol.inverse()                                    # (X'WX)^-1 with the last working weights
    np.subtract(y, mu, out=r)                                # working residuals at the final fit
    r /= me
    return coef, w_lag, r, ainv, mu, eta, dev, it, conv


class _Sweep:
    """One pass of IRLS over the rows, block by block (a few dozen blocks, each vectorised).

    ``sweep(coef, w)``: with ``coef``, eta = X coef, mu and mu.eta (into the full-length vectors)
    and the deviance; with ``w`` (a length-n vector to fill) also the working weights and
    X'WX and X'Wt with t the working residuals r (or z = eta + r for the start), as
    Z Z' (one BLAS ``syrk``) and Z (sqrt(w) t) of each block's Z = X_b' diag(sqrt(w_b)), formed
    in a buffer that stays in cache: X is read once per sweep and no n x p product is written.
    Returns (deviance or None, X'WX or None, X'Wt or None).
    """

    def __init__(self, fam, Xt, y, pw, y1, logit01, mu, eta, me, r, wy, blk):
        self.fam, self.Xt, self.y, self.pw, self.y1, self.logit01 = fam, Xt, y, pw, y1, logit01
        self.mu, self.eta, self.me, self.r, self.wy, self.blk = mu, eta, me, r, wy, blk

    def __call__(self, coef, w, start: bool = False):
        fam, Xt, y, pw, mu, eta, me, r = self.fam, self.Xt, self.y, self.pw, self.mu, self.eta, self.me, self.r
        p, n = Xt.shape
        blk = self.blk
        B = blk.shape[1]
        Zb, sb, tb = blk[:p], blk[p], blk[p + 1]
        dev = 0.0 if (start or coef is not None) else None
        G = np.zeros((p, p)) if w is not None else None
        rhs = np.zeros(p) if w is not None else None
        for a in range(0, n, B):
            b = min(a + B, n)
            m, sl, X = b - a, slice(a, b), Xt[:, a:b]
            if start or coef is not None:
                if start:
                    e = start_eta(fam, y[sl], pw[sl], eta[sl], tb[:m])
                    if self.logit01:
                        np.multiply(pw[sl], y[sl], out=self.wy[sl])
                else:
                    e = np.matmul(coef, X, out=eta[sl])
                _, _, canonical = linkinv_mu_eta(fam, e, mu[sl], me[sl], tb[:m])
                if self.logit01 and canonical:               # tb holds 1 + exp(eta)
                    dev += logit_deviance(e, tb[:m], pw[sl], self.wy[sl])
                else:
                    dev += deviance(fam, y[sl], mu[sl], pw[sl], None if self.y1 is None else self.y1[sl], tb[:m])
            else:
                canonical = None                             # mu, mu.eta as left before: check eta
            if w is None:
                continue
            ws, mes = w[sl], me[sl]
            if canonical is None:
                canonical = _canonical(fam, eta[sl])
            if canonical:                                    # mu.eta^2 / variance(mu) = mu.eta
                np.multiply(pw[sl], mes, out=ws)
            else:                                            # R: weights * mu.eta^2 / variance(mu)
                v = variance(fam, mu[sl], tb[:m])
                np.multiply(mes, mes, out=ws)
                ws *= pw[sl]
                ws /= v
            t = np.subtract(y[sl], mu[sl], out=r[sl])        # working residual (y - mu) / mu.eta
            t /= mes
            if start:
                t = np.add(eta[sl], t, out=tb[:m])           # z = eta + (y - mu) / mu.eta
            sq = np.sqrt(ws, out=sb[:m])
            Z = np.multiply(X, sq, out=Zb[:, :m])
            G += Z @ Z.T
            sq *= t
            rhs += Z @ sq
        return dev, G, rhs


def _canonical(fam: Family, eta: np.ndarray) -> bool:
    """Whether mu.eta^2 / variance(mu) = mu.eta holds at ``eta`` (not for R's clamped logit)."""
    return not (fam.binary and eta.size and max(float(eta.max()), -float(eta.min())) > 30)


def _irls_replicates(fam: Family, X: np.ndarray, y: np.ndarray, W: np.ndarray, beta0: np.ndarray) -> np.ndarray:
    """R x p coefficients of every replicate fit, all at once (each column of W a weight vector).

    Each replicate takes R's ``glm.fit`` steps from ``start = beta0`` with its own convergence
    test; converged replicates are frozen. Steps are solved in increment form
    (beta + G^-1 X' W (z - eta)), which has R's iterates up to rounding.
    """
    n, p = X.shape
    R = W.shape[1]
    beta = np.tile(beta0, (R, 1))
    eta = X @ beta.T
    mu = fam.linkinv(eta)
    devold = fam.dev_resids(y[:, None], mu, W).sum(axis=0)
    active = np.ones(R, dtype=bool)
    XX = (X[:, :, None] * X[:, None, :]).reshape(n, p * p)
    for _ in range(MAXIT):
        a = np.flatnonzero(active)
        if a.size == 0:
            break
        e, m, Wa = eta[:, a], mu[:, a], W[:, a]
        me = fam.mu_eta(e)
        ww = Wa * me * me / fam.variance(m)
        G = (XX.T @ ww).T.reshape(a.size, p, p)
        rhs = (X.T @ (ww * ((y[:, None] - m) / me))).T
        # equilibrate before solving (columns of X on very different scales)
        d = np.sqrt(np.einsum("rii->ri", G))
        d = np.where(d > 0, d, 1.0)
        step = np.linalg.solve(G / (d[:, :, None] * d[:, None, :]), (rhs / d)[:, :, None])[:, :, 0] / d
        beta[a] = beta[a] + step
        eta[:, a] = X @ beta[a].T
        mu[:, a] = fam.linkinv(eta[:, a])
        dev = fam.dev_resids(y[:, None], mu[:, a], Wa).sum(axis=0)
        done = np.abs(dev - devold[a]) / (np.abs(dev) + 0.1) < EPSILON
        devold[a] = dev
        active[a[done]] = False
    if active.any():
        raise DesignError(f"glm: {int(active.sum())} replicate fit(s) did not converge in {MAXIT} iterations")
    return beta


class _BufferCache:
    """The large float arrays of the last fits (X' and the work vectors), kept for the next fit.

    Each fit of 200,000 rows x 10 terms needs about 30 MB of scratch memory. Allocated afresh,
    it comes as new pages from the system (the allocator hands large blocks back when they are
    freed), and on a virtual machine faulting them in costs more than the arithmetic done in
    them. Fits in a loop (rounds, outcomes, a benchmark) reuse the arrays instead. Bounded: an
    array over ``max_each`` bytes is never kept, and the oldest go beyond ``max_total`` bytes;
    :meth:`clear` frees them. Thread-safe: an array is handed to one fit at a time.
    """

    def __init__(self, max_each: int = 64 << 20, max_total: int = 128 << 20):
        self.max_each, self.max_total = max_each, max_total
        self._free: list[np.ndarray] = []
        self._lock = threading.Lock()

    def empty(self, shape: tuple[int, ...]) -> np.ndarray:
        """An uninitialised float64 array of ``shape``: a kept one if there is one."""
        shape = tuple(int(k) for k in shape)
        with self._lock:
            for i, a in enumerate(self._free):
                if a.shape == shape:
                    return self._free.pop(i)
        return np.empty(shape)

    def give(self, *arrays: np.ndarray) -> None:
        """Keep ``arrays`` (no longer used by the caller) for later fits."""
        with self._lock:
            for a in arrays:
                if a.base is None and a.dtype == np.float64 and a.nbytes <= self.max_each \
                        and not any(a is b for b in self._free):
                    self._free.append(a)
            while sum(a.nbytes for a in self._free) > self.max_total:
                self._free.pop(0)

    def clear(self) -> None:
        with self._lock:
            self._free.clear()


_buffers = _BufferCache()

_blas_lock = threading.Lock()
_blas_state: dict = {"controller": None, "depth": 0, "limiter": None}


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """One BLAS thread while the enclosed block runs (re-entrant, safe across threads).

    IRLS's BLAS calls are matrix-vector products and dot products over blocks of rows and p x p
    ``syrk``s: too little work per call for a second thread to pay, and a threaded level-1/2
    call spins waiting for its helper, which on a busy two-core machine can take a scheduler
    time slice (milliseconds per call). The threadpoolctl controller is built once (building
    it scans the loaded libraries); the first entrant pins, the last to leave restores.
    """
    with _blas_lock:
        st = _blas_state
        if st["depth"] == 0:
            try:
                if st["controller"] is None:
                    st["controller"] = ThreadpoolController()
                st["limiter"] = st["controller"].limit(limits=1, user_api="blas")
            except Exception:  # pragma: no cover - no BLAS found: nothing to pin
                st["limiter"] = None
        st["depth"] += 1
    try:
        yield
    finally:
        with _blas_lock:
            st["depth"] -= 1
            if st["depth"] == 0 and st["limiter"] is not None:
                st["limiter"].restore_original_limits()
                st["limiter"] = None


def svyglm(design, formula: str, family: str = "gaussian", subset=None, level: float = 0.95) -> pd.DataFrame:
    """Fit a design-weighted GLM (R: ``svyglm(formula, design, family=, subset=)``).

    See :meth:`literacy.survey.DesignEstimators.glm` for the parameters and the result.
    """
    if design.has_replicate_weights:                         # replicate refits are BLAS-3: not pinned
        return _svyglm(design, formula, family, subset, level)
    with _one_blas_thread():                                 # matrix-vector work and p x p products
        return _svyglm(design, formula, family, subset, level)


class ModelFit:
    """A full-sample GLM fit, as a design's ``coefficient_covariance`` reads it.

    Parameters
    ----------
    fam : Family
        The model family.
    X : ndarray
        n_used x p model matrix (``Xt`` is its p x n_used transpose, possibly the same memory).
    Xt : ndarray
        p x n_used model matrix, overwritten by :meth:`estimating_functions`.
    y : ndarray
        The outcome on the rows used.
    coef : ndarray
        The p coefficients.
    ainv : ndarray
        (X'WX)^-1 with the last working weights.
    resid, wt : ndarray
        Working residuals and working weights on the rows used.
    rows : ndarray
        The design rows used.
    mask : ndarray or None
        The subset (None: no subset).
    n : int
        Rows of the design.
    """

    def __init__(self, fam: Family, X: np.ndarray, Xt: np.ndarray, y: np.ndarray, coef: np.ndarray,
                 ainv: np.ndarray, resid: np.ndarray, wt: np.ndarray, rows: np.ndarray, mask, n: int):
        self.fam, self.X, self.Xt, self.y = fam, X, Xt, y
        self.coef, self.ainv, self.resid, self.wt = coef, ainv, resid, wt
        self.rows, self.mask, self.n = rows, mask, n

    def estimating_functions(self) -> np.ndarray:
        """The n x p estimating functions ``x_i r_i w_i`` (zero off the rows used).

        svyrecvar(estfun %*% Ainv) = Ainv' var(totals of estfun) Ainv: the design covariance is
        linear in the values (calibration residualising included), so the n x p product is not
        needed. The estimating functions overwrite X' (p x n, no longer needed: no new n x p
        array), handed over as its n x p transpose. Call once.

        Returns
        -------
        ndarray
            n x p (a transposed view).
        """
        v = np.multiply(self.resid, self.wt, out=self.resid)
        estfun_t = np.multiply(self.Xt, v, out=self.Xt)
        if self.rows.size != self.n:
            full = np.zeros((estfun_t.shape[0], self.n))
            full[:, self.rows] = estfun_t
            estfun_t = full
        return estfun_t.T

    def refit(self, weights: np.ndarray) -> np.ndarray:
        """Coefficients refitted with each column of ``weights`` (R's ``glm.fit`` from ``coef``).

        Parameters
        ----------
        weights : ndarray
            n_used x R prior weights, one column per replicate.

        Returns
        -------
        ndarray
            R x p coefficients.
        """
        return _irls_replicates(self.fam, self.X, self.y, weights, self.coef)


def _svyglm(design, formula: str, family: str, subset, level: float) -> pd.DataFrame:
    if family not in FAMILIES:
        raise DesignError(f"glm: family must be one of {FAMILIES}, not {family!r}")
    fam = get_family(family)
    mask = subset_mask(design, subset)
    mf: ModelFrame = model_frame(design, formula, mask, empty=_buffers.empty)
    X, y, rows = mf.X, mf.y, mf.rows
    Xt = np.ascontiguousarray(X.T)                        # p x n (a view of model_frame's array)
    p = X.shape[1]
    if p == 0:
        raise DesignError("glm: the model has no terms")
    y1 = None
    if fam.binary:
        if ((y == 0) | (y == 1)).all():
            y1 = y == 1
        elif ((y < 0) | (y > 1)).any():
            raise DesignError(f"glm: the outcome '{mf.response}' must be 0/1 (or a share) for family {family!r}")
    if family == "poisson" and (y < 0).any():
        raise DesignError(f"glm: the outcome '{mf.response}' must be non-negative for family 'poisson'")
    w_all = design.weights
    # R rescales the weights to mean one over the design's rows before glm() drops missing values:
    # the subset's rows (an uncalibrated design is subset), all rows with zeros outside the subset
    # for a calibrated design (R sets their probability to Inf)
    calibrated = bool(getattr(design, "calibration", ()))       # (replicate designs have none)
    if mask is None:
        mean_w = w_all.sum() / design.n
    else:
        mean_w = w_all[mask].sum() / (design.n if calibrated else mask.sum())
    every = rows.size == design.n
    work = _buffers.empty((N_WORK + 1, rows.size))         # _irls's vectors + the prior weights
    pw = np.divide(w_all if every else w_all[rows], mean_w, out=work[N_WORK])

    with _one_blas_thread():                                 # (replicate refits are BLAS-3: not pinned)
        coef, wt, resid, ainv, mu, eta, dev, iters, conv = _irls(fam, Xt, y, pw, mf.terms, y1, work)
    if not conv:
        raise DesignError(f"glm: IRLS did not converge in {MAXIT} iterations"
                          + (" (perfect separation?)" if fam.binary else ""))
    if fam.binary and (mu.min() < 10 * EPS or mu.max() > 1 - 10 * EPS):
        raise DesignError("glm: fitted probabilities of 0 or 1 (perfect separation: a term predicts the "
                          "outcome exactly; its coefficient diverges)")

    fit = ModelFit(fam, X, Xt, y, coef, ainv, resid, wt, rows, mask, design.n)
    vcov, design_df = design.coefficient_covariance(fit)
    df = design_df + 1 - p

    se = np.sqrt(np.diag(vcov))
    with np.errstate(invalid="ignore", divide="ignore"):
        tval = coef / se
        if df > 0:
            pval = 2 * special.stdtr(df, -np.abs(tval))      # stats.t.sf / ppf without the wrappers
            q = float(special.stdtrit(df, 1 - (1 - level) / 2))
        else:
            pval = np.full(p, np.nan)
            q = np.nan
    ci_low, ci_high = coef - q * se, coef + q * se
    cols = {"term": mf.terms, "estimate": coef, "se": se, "t": tval, "p_value": pval,
            "df": np.full(p, float(df)), "ci_low": ci_low, "ci_high": ci_high}
    if fam.binary:
        cols.update({"odds_ratio": np.exp(coef), "or_ci_low": np.exp(ci_low), "or_ci_high": np.exp(ci_high)})
    out = pd.DataFrame(cols)
    # model facts, as R's glm object (deviances with the rescaled weights)
    sum_pw, sum_pwy = float(np.sum(pw)), float(pw @ y)
    wtdmu = sum_pwy / sum_pw if mf.intercept else float(fam.linkinv(np.zeros(1))[0])
    if y1 is not None:          # 0/1 outcome, constant mu: -2 (sum(w y) log(mu) + sum(w (1 - y)) log(1 - mu))
        null_dev = -2.0 * float(special.xlogy(sum_pwy, wtdmu) + special.xlogy(sum_pw - sum_pwy, 1.0 - wtdmu))
    else:
        null_dev = deviance(fam, y, wtdmu, pw, None, eta)
    aic = np.nan
    if fam.aic is not None:
        aic = float(fam.aic(y, mu, pw, dev, p))
        if calibrated and mask is not None and not mask.all():
            aic = np.inf if family == "gaussian" else aic   # R's glm sees the zero weights: log(0)
    out.attrs.update({
        "formula": formula, "family": family, "n": int(rows.size), "deviance": dev, "null_deviance": null_dev,
        "aic": aic, "iterations": int(iters), "df_residual": int(df), "design_df": int(design_df),
        "r_terms": list(mf.r_terms), "variables": list(mf.variables), "levels": list(mf.levels),
        "vcov": vcov, "rows": rows,
    })
    _buffers.give(X.base if X.base is not None else X, work)   # nothing returned is a view of them
    return out
