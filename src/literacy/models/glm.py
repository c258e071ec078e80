"""Design-based generalised linear models: R's ``svyglm`` (survey 4.1-1).

The coefficients solve the weighted estimating equations sum_i w_i x_i (y_i - mu_i) mu'_i / V(mu_i)
= 0 (Binder 1983), found by R's ``glm.fit`` IRLS with the weights rescaled to mean one. Standard
errors:

* Taylor designs: the sandwich ``A^-1 var(sum U_i) A^-1`` with ``U_i`` the estimating functions
  ``x_i r_i w_i`` (working residual times working weight) and ``var`` the design variance of
  their totals (``svy.varcoef``: ``svyrecvar(estfun %*% Ainv)``; Binder 1983; Lumley 2010, 5.2),
  calibration-aware through :meth:`SurveyDesign._covariance_dense`;
* replicate designs: the model is refitted with every replicate's weights (each normalised to sum
  one, IRLS started at the full-sample estimate as R), all replicates at once; the variance is
  ``svrVar`` of the replicate coefficients (Lumley 2010, 2.3).

As R, ``glm.fit`` returns the working weights of its last iteration, computed before the last
update of the coefficients; the sandwich uses them, so we take the same IRLS steps from the same
start (``family$initialize``) and stop on the same deviance criterion.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import linalg, stats

from literacy.errors import DesignError
from literacy.models.families import EPS, FAMILIES, Family, family as get_family, linkfun
from literacy.models.formula import ModelFrame, model_frame

__all__ = ["svyglm", "GLM_COLUMNS"]

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


def _gram(X: np.ndarray, ww: np.ndarray) -> np.ndarray:
    """X' diag(ww) X."""
    return X.T @ (X * ww[:, None])


# Matrix-vector products with a tall X by einsum's own loop: BLAS gemv on n x p spreads over
# threads and stalls on a busy machine; the single-threaded loop is as fast and steady.
def _xb(X: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("ni,i->n", X, b)


def _xtv(X: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.einsum("ni,n->i", X, v)


def _solve_spd(G: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve G x = b for a positive definite G, equilibrated (columns of X on different scales)."""
    d = np.sqrt(np.diag(G))
    d = np.where(d > 0, d, 1.0)
    c = linalg.cho_factor(G / np.outer(d, d))
    return linalg.cho_solve(c, b / (d if b.ndim == 1 else d[:, None])) / (d if b.ndim == 1 else d[:, None])


def _check_aliased(X: np.ndarray, pw: np.ndarray, terms: list[str]) -> None:
    """Raise if a column is (numerically) a combination of the columns before it.

    R's ``glm.fit`` QR (LINPACK ``dqrdc2``, tolerance 1e-7 on |R_jj| relative to the column norm)
    would drop it and report NA; we name it instead. |R_jj|^2 / ||x_j||^2 is the share of column
    j left after projecting it on the columns before it, computed from the (scaled) weighted Gram
    matrix one column at a time (p columns, not rows).
    """
    G = _gram(X, pw)
    d = np.sqrt(np.diag(G))
    for j in range(len(d)):
        if d[j] == 0:
            raise DesignError(f"glm: term '{terms[j]}' is zero on every row used (constant or empty level)")
    C = G / np.outer(d, d)
    for j in range(1, len(d)):
        resid = C[j, j] - C[j, :j] @ np.linalg.solve(C[:j, :j], C[:j, j])
        if resid < 1e-7 ** 2 * 10:
            raise DesignError(f"glm: term '{terms[j]}' is aliased (constant or a combination of the terms "
                              "before it)")


def _irls(fam: Family, X: np.ndarray, y: np.ndarray, pw: np.ndarray):
    """R's ``glm.fit`` on one set of prior weights: coefficients, lagged working weights, etc.

    The same iterates as R's QR steps: the first from R's starting values, the next in increment
    form beta + (X'WX)^-1 X'W (z - X beta) (equal to R's (X'WX)^-1 X'W z when eta = X beta, and
    better conditioned), each solved on the equilibrated Gram matrix.
    """
    mu = fam.mustart(y, pw)
    eta = linkfun(fam, mu)
    mu = fam.linkinv(eta)
    devold = float(np.sum(fam.dev_resids(y, mu, pw)))
    conv = False
    coef = None
    for it in range(1, MAXIT + 1):
        me = fam.mu_eta(eta)
        ww = pw * me * me / fam.variance(mu)
        G = _gram(X, ww)
        if coef is None:
            z = eta + (y - mu) / me
            coef = _solve_spd(G, _xtv(X, ww * z))
        else:
            coef = coef + _solve_spd(G, _xtv(X, ww * ((y - mu) / me)))
        eta = _xb(X, coef)
        mu = fam.linkinv(eta)
        dev = float(np.sum(fam.dev_resids(y, mu, pw)))
        if not np.isfinite(dev):
            raise DesignError("glm: the fit diverged (infinite deviance); check the outcome and terms")
        if abs(dev - devold) / (abs(dev) + 0.1) < EPSILON:
            conv = True
            break
        devold = dev
    ainv = _solve_spd(G, np.eye(G.shape[0]))               # (X'WX)^-1 with the last working weights
    ainv = (ainv + ainv.T) / 2
    resid = (y - mu) / fam.mu_eta(eta)
    return coef, ww, resid, ainv, mu, eta, dev, it, conv


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


def svyglm(design, formula: str, family: str = "gaussian", subset=None, level: float = 0.95) -> pd.DataFrame:
    """Fit a design-weighted GLM (R: ``svyglm(formula, design, family=, subset=)``).

    See :meth:`literacy.design.DesignEstimators.glm` for the parameters and the result.
    """
    from literacy.replicate import ReplicateDesign, _rank

    if family not in FAMILIES:
        raise DesignError(f"glm: family must be one of {FAMILIES}, not {family!r}")
    fam = get_family(family)
    mask = subset_mask(design, subset)
    mf: ModelFrame = model_frame(design, formula, mask)
    X, y, rows = mf.X, mf.y, mf.rows
    p = X.shape[1]
    if p == 0:
        raise DesignError("glm: the model has no terms")
    if fam.binary and ((y < 0) | (y > 1)).any():
        raise DesignError(f"glm: the outcome '{mf.response}' must be 0/1 (or a share) for family {family!r}")
    if family == "poisson" and (y < 0).any():
        raise DesignError(f"glm: the outcome '{mf.response}' must be non-negative for family 'poisson'")
    replicate = isinstance(design, ReplicateDesign)
    w_all = design.weights
    # R rescales the weights to mean one over the design's rows before glm() drops missing values:
    # the subset's rows (an uncalibrated design is subset), all rows with zeros outside the subset
    # for a calibrated design (R sets their probability to Inf)
    in_sub = np.ones(design.n, dtype=bool) if mask is None else mask
    calibrated = bool(getattr(design, "calibration", ())) and not replicate
    mean_w = w_all[in_sub].sum() / (design.n if calibrated else in_sub.sum())
    pw = w_all[rows] / mean_w
    _check_aliased(X, pw, mf.terms)

    coef, wt, resid, ainv, mu, eta, dev, iters, conv = _irls(fam, X, y, pw)
    if not conv:
        raise DesignError(f"glm: IRLS did not converge in {MAXIT} iterations"
                          + (" (perfect separation?)" if fam.binary else ""))
    if fam.binary and ((mu < 10 * EPS) | (mu > 1 - 10 * EPS)).any():
        raise DesignError("glm: fitted probabilities of 0 or 1 (perfect separation: a term predicts the "
                          "outcome exactly; its coefficient diverges)")

    if replicate:
        W = design.replicate_weights()[rows]
        W = W / W.sum(axis=0, keepdims=True)
        betas = _irls_replicates(fam, X, y, W, coef)
        rs = design.rscales
        centre = coef if design.mse else betas[rs > 0].mean(axis=0)
        dev_r = (betas - centre) * np.sqrt(rs)[:, None]
        vcov = design.scale * dev_r.T @ dev_r
        if mask is None:
            design_df = design.degf()
        else:
            design_df = _rank(design.replicate_weights()[np.flatnonzero(mask)]) - 1
    else:
        # svyrecvar(estfun %*% Ainv) = Ainv' var(totals of estfun) Ainv: the design covariance is
        # linear in the values (calibration residualising included), so the n x p product is not needed
        estfun = X * (resid * wt)[:, None]
        if rows.size < design.n:
            full = np.zeros((design.n, p))
            full[rows] = estfun
            estfun = full
        vcov = ainv @ design._covariance_dense(estfun) @ ainv
        dom = np.full(design.n, -1, dtype=np.int64)
        dom[rows] = 0
        design_df = int(design._domain_df(dom, 1)[0])
    df = design_df + 1 - p

    se = np.sqrt(np.diag(vcov))
    with np.errstate(invalid="ignore", divide="ignore"):
        tval = coef / se
        if df > 0:
            pval = 2 * stats.t.sf(np.abs(tval), df)
            q = stats.t.ppf(1 - (1 - level) / 2, df)
        else:
            pval = np.full(p, np.nan)
            q = np.nan
    out = pd.DataFrame({"term": mf.terms, "estimate": coef, "se": se, "t": tval, "p_value": pval,
                        "df": float(df), "ci_low": coef - q * se, "ci_high": coef + q * se})
    if fam.binary:
        out["odds_ratio"] = np.exp(coef)
        out["or_ci_low"] = np.exp(out["ci_low"])
        out["or_ci_high"] = np.exp(out["ci_high"])
    # model facts, as R's glm object (deviances with the rescaled weights)
    if mf.intercept:
        wtdmu = np.sum(pw * y) / np.sum(pw)
    else:
        wtdmu = fam.linkinv(np.zeros(1))[0]
    null_dev = float(np.sum(fam.dev_resids(y, np.full_like(y, wtdmu), pw)))
    aic = np.nan
    if fam.aic is not None:
        aic = float(fam.aic(y, mu, pw, dev, p))
        if calibrated and mask is not None and not in_sub.all():
            aic = np.inf if family == "gaussian" else aic   # R's glm sees the zero weights: log(0)
    out.attrs.update({
        "formula": formula, "family": family, "n": int(rows.size), "deviance": dev, "null_deviance": null_dev,
        "aic": aic, "iterations": int(iters), "df_residual": int(df), "design_df": int(design_df),
        "r_terms": list(mf.r_terms), "variables": list(mf.variables), "levels": list(mf.levels),
        "vcov": vcov, "rows": rows,
    })
    return out
