"""The profile-likelihood interval of a share, as R's ``svyciprop(method="likelihood")``.

R fits the intercept-only quasibinomial ``svyglm`` of the 0/1 variable on the domain's rows (the
weights rescaled to mean one) and profiles its deviance (``confint(..., method="likelihood")``,
survey's copy of MASS's ``profile.glm``), with the Rao–Scott scaling of Rao & Scott (1984): the
interval is the model-based profile interval at the level whose normal quantile is the design's
t quantile times ``sqrt(lambda)``, ``lambda`` being the design-based variance of the logit over
its model-based (unscaled) variance. MASS evaluates the signed root deviance on a grid of at most
nine steps each side of the estimate, fits an interpolating cubic spline (Forsythe, Malcolm &
Moler, R's ``spline(method="fmm")``) on 3 x (points) equally spaced values and reads the bounds
off it by linear interpolation (R's ``approx``): this module does the same, so the bounds are R's
to the precision R prints, not the exact roots of the profile equation.

For one intercept the profile is closed-form: with ``p`` the domain's weighted share, ``n`` its
rows and ``mu = expit(b)``, the deviance rises by ``2 n (p log(p/mu) + (1 - p) log((1-p)/(1-mu)))``,
scaled by the Pearson dispersion ``sum w (y - p)^2 / (p (1 - p)) / (n - 1)``; every domain is
profiled at once (arrays of domains x grid points). The grid's step is ``zmax / 5`` times the
logit's standard error as ``summary.svyglm`` prints it (the design-based one).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["likelihood_interval", "glm_naive_variance", "fmm_spline", "fmm_evaluate"]

_MAXSTEPS = 10          # MASS's maxsteps: at most 9 profile points on each side


def fmm_spline(x: np.ndarray, y: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients ``b, c, d`` of R's ``spline(method="fmm")`` for each row of ``x, y``.

    Rows are padded: row ``j`` uses its first ``n[j]`` points (``n >= 2``). The end conditions
    match the third derivative of the cubic through the first (last) four points (Forsythe,
    Malcolm & Moler 1977), as R's ``fmm_spline``.
    """
    D, M = x.shape
    rows = np.arange(D)
    b = np.zeros((D, M))
    c = np.zeros((D, M))
    d = np.zeros((D, M))
    nm1 = n - 1
    two = n < 3
    with np.errstate(invalid="ignore", divide="ignore"):
        # set up the tridiagonal system: b diagonal, d off-diagonal, c right-hand side
        d[:, 0] = x[:, 1] - x[:, 0]
        c[:, 1] = (y[:, 1] - y[:, 0]) / d[:, 0]
        for i in range(1, M - 1):
            on = i < nm1
            d_i = x[:, i + 1] - x[:, i]
            d[:, i] = np.where(on, d_i, d[:, i])
            b[:, i] = np.where(on, 2.0 * (d[:, i - 1] + d_i), b[:, i])
            nxt = (y[:, i + 1] - y[:, i]) / d_i
            c_next = np.where(on, nxt, c[:, i + 1])
            c[:, i] = np.where(on, c_next - c[:, i], c[:, i])
            c[:, i + 1] = c_next
        # end conditions
        at = lambda a, k: a[rows, np.clip(k, 0, M - 1)]       # noqa: E731
        b[:, 0] = -d[:, 0]
        b[rows, nm1] = -at(d, n - 2)
        c0 = np.zeros(D)
        cl = np.zeros(D)
        four = n > 3
        c0f = at(c, 2 * np.ones_like(n)) / (x[:, 3 % M] - x[:, 1]) - c[:, 1] / (x[:, 2 % M] - x[:, 0])
        clf = at(c, n - 2) / (at(x, nm1) - at(x, n - 3)) - at(c, n - 3) / (at(x, n - 2) - at(x, n - 4))
        c0 = np.where(four, c0f * d[:, 0] * d[:, 0] / (x[:, 3 % M] - x[:, 0]), c0)
        cl = np.where(four, -clf * at(d, n - 2) * at(d, n - 2) / (at(x, nm1) - at(x, n - 4)), cl)
        c[:, 0] = c0
        c[rows, nm1] = cl
        # Gaussian elimination
        for i in range(1, M):
            on = i <= nm1
            t = d[:, i - 1] / b[:, i - 1]
            b[:, i] = np.where(on, b[:, i] - t * d[:, i - 1], b[:, i])
            c[:, i] = np.where(on, c[:, i] - t * c[:, i - 1], c[:, i])
        # backward substitution
        c[rows, nm1] = at(c, nm1) / at(b, nm1)
        for i in range(M - 2, -1, -1):
            on = i <= n - 2
            c[:, i] = np.where(on, (c[:, i] - d[:, i] * c[:, i + 1]) / b[:, i], c[:, i])
        # polynomial coefficients
        b_last = (at(y, nm1) - at(y, n - 2)) / at(d, n - 2) + at(d, n - 2) * (at(c, n - 2) + 2.0 * at(c, nm1))
        for i in range(M - 1):
            on = i < nm1
            b[:, i] = np.where(on, (y[:, i + 1] - y[:, i]) / d[:, i] - d[:, i] * (c[:, i + 1] + 2.0 * c[:, i]),
                               b[:, i])
            d[:, i] = np.where(on, (c[:, i + 1] - c[:, i]) / d[:, i], d[:, i])
            c[:, i] = np.where(on, 3.0 * c[:, i], c[:, i])
        b[rows, nm1] = b_last
        c[rows, nm1] = 3.0 * at(c, nm1)
        d[rows, nm1] = at(d, n - 2)
        # two points: a straight line
        slope = (y[:, 1] - y[:, 0]) / (x[:, 1] - x[:, 0])
        b[two, :2] = slope[two, None]
        c[two, :2] = 0.0
        d[two, :2] = 0.0
    return b, c, d


def fmm_evaluate(x, y, b, c, d, n, u):
    """The spline of each row at the row's points ``u`` (R's ``spline_eval``, method fmm)."""
    D, M = x.shape
    padded = np.where(np.arange(M)[None, :] < n[:, None], x, np.inf)
    i = (padded[:, None, :] <= u[:, :, None]).sum(axis=2) - 1
    i = np.clip(i, 0, (n - 1)[:, None])
    take = lambda a: np.take_along_axis(a, i, axis=1)       # noqa: E731
    dx = u - take(x)
    return take(y) + dx * (take(b) + dx * (take(c) + dx * take(d)))


def glm_naive_variance(w, y, d, D, epsilon: float = 1e-8, maxit: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """``(coefficient, unscaled model variance)`` of each domain's intercept-only binomial GLM as R's
    ``glm.fit`` leaves them: IRLS from ``mustart = (w y + 0.5) / (w + 1)`` until the deviance
    changes by less than ``epsilon`` relative, the variance from the working weights of the last
    iteration (computed before its update, as ``summary.glm``'s ``cov.unscaled``). The weights
    are rescaled to mean one within each domain (``svyglm``). Every domain iterates at once.
    """
    n = np.bincount(d, minlength=D).astype(float)
    W = np.bincount(d, weights=w, minlength=D)
    with np.errstate(invalid="ignore", divide="ignore"):
        pw = w * (n / W)[d]                                           # prior weights, mean one
        p = np.bincount(d, weights=pw * y, minlength=D) / n
        mu0 = (pw * y + 0.5) / (pw + 1.0)                             # binomial()$initialize
        eta0 = np.log(mu0 / (1 - mu0))

        def deviance(mu_rows):
            return -2 * np.bincount(d, weights=pw * (y * np.log(mu_rows) + (1 - y) * np.log(1 - mu_rows)),
                                    minlength=D)

        devold = deviance(mu0)
        # iteration 1: row-specific start, weighted least squares of the working response
        ww = pw * mu0 * (1 - mu0)
        z = eta0 + (y - mu0) / (mu0 * (1 - mu0))
        info = np.bincount(d, weights=ww, minlength=D)                # working information
        beta = np.bincount(d, weights=ww * z, minlength=D) / info
        done = np.zeros(D, dtype=bool)
        last_info = info.copy()
        for _ in range(maxit):
            mu = 1 / (1 + np.exp(-beta))
            dev = -2 * n * (p * np.log(mu) + (1 - p) * np.log(1 - mu))
            conv = np.abs(dev - devold) / (np.abs(dev) + 0.1) < epsilon
            done = done | conv
            if done.all():
                break
            # the next iteration (domains not yet converged): weights at the current mu
            info_next = n * mu * (1 - mu)
            beta_next = beta + (p - mu) / (mu * (1 - mu))             # the WLS update, one intercept
            beta = np.where(done, beta, beta_next)
            last_info = np.where(done, last_info, info_next)
            devold = np.where(done, devold, dev)
        return beta, 1.0 / last_info


def likelihood_interval(est, logit_se, n_d, w, y, d, df, level):
    """Bounds of each domain's share (R's ``svyciprop(method="likelihood")``; module docstring).

    Parameters
    ----------
    est : array (D,)
        The domains' weighted shares.
    logit_se : array (D,)
        Design-based standard error of their logits (Taylor or replicate).
    n_d : array (D,)
        Rows in each domain.
    w, y, d : arrays (n,)
        The domains' rows: weights, 0/1 values and domain codes.
    df : array (D,)
        Denominator degrees of freedom (the domain's design df).
    level : float
        Confidence level.
    """
    D = len(est)
    p = np.asarray(est, dtype=float)
    n = np.asarray(n_d, dtype=float)
    W_d = np.bincount(d, weights=w, minlength=D)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Pearson dispersion of the quasibinomial fit, weights rescaled to mean one in the domain
        ss = np.bincount(d, weights=w * (y - p[d]) ** 2, minlength=D) * n / W_d
        phi = ss / (p * (1 - p)) / (n - 1)
        # R profiles the fitted coefficient, and scales by the model variance glm.fit leaves
        beta, naive = glm_naive_variance(w, y, d, D)
        lam = logit_se ** 2 / naive                           # design over model (Rao-Scott)
        dfc = np.where(df > 0, df, np.nan)
        q = np.where(np.isinf(dfc), stats.norm.ppf((1 - level) / 2), stats.t.ppf((1 - level) / 2, dfc))
        alpha = stats.norm.cdf(q * np.sqrt(lam)) / 2
        zmax = np.sqrt(stats.f.isf(alpha, 1, n - 1))
        step = zmax / 5 * logit_se       # del x the standard error summary.svyglm prints (design-based)

        def z_at(b):
            mu = 1 / (1 + np.exp(-b))
            dev = 2 * n[:, None] * (p[:, None] * np.log(p[:, None] / mu)
                                    + (1 - p[:, None]) * np.log((1 - p[:, None]) / (1 - mu)))
            zz = dev / phi[:, None]
            return np.maximum(zz, 0.0)                      # MASS: tiny negatives are zero

        K = _MAXSTEPS - 1
        k = np.arange(1, K + 1)[None, :]
        sides = []
        for sgn in (-1.0, 1.0):
            b = beta[:, None] + sgn * k * step[:, None]
            z = sgn * np.sqrt(z_at(b))
            # MASS steps while |z| < zmax: the first point at or beyond zmax is the last one kept
            beyond = np.abs(z) >= zmax[:, None]
            first = np.where(beyond.any(axis=1), beyond.argmax(axis=1), K - 1)
            keep = np.arange(K)[None, :] <= first[:, None]
            sides.append((b, z, keep))
        # points in increasing order: the lower side reversed, the estimate, the upper side
        (bl, zl, kl), (bu, zu, ku) = sides
        nl, nu = kl.sum(axis=1), ku.sum(axis=1)
        npts = nl + nu + 1
        M = 2 * K + 1
        cols = np.arange(M)[None, :]
        # lower points go to positions nl-1 ... 0 (reversed), the estimate to nl, upper after it
        X = np.full((D, M), np.nan)
        Z = np.full((D, M), np.nan)
        rows = np.arange(D)[:, None]
        pos_l = nl[:, None] - 1 - np.arange(K)[None, :]
        okl = pos_l >= 0
        X[np.broadcast_to(rows, pos_l.shape)[okl], pos_l[okl]] = bl[okl]
        Z[np.broadcast_to(rows, pos_l.shape)[okl], pos_l[okl]] = zl[okl]
        X[np.arange(D), nl] = beta
        Z[np.arange(D), nl] = 0.0
        pos_u = nl[:, None] + 1 + np.arange(K)[None, :]
        oku = np.arange(K)[None, :] < nu[:, None]
        X[np.broadcast_to(rows, pos_u.shape)[oku], pos_u[oku]] = bu[oku]
        Z[np.broadcast_to(rows, pos_u.shape)[oku], pos_u[oku]] = zu[oku]
        fill = cols >= npts[:, None]
        X = np.where(fill, 0.0, X)
        Z = np.where(fill, 0.0, Z)
        # R: spline(x = parameter values, y = z), n = 3 x points, then approx(z, x) at the cutoffs
        bb, cc, dd = fmm_spline(X, Z, npts)
        U = 3 * M
        m_out = 3 * npts
        lo = X[:, 0]
        hi = np.take_along_axis(X, (npts - 1)[:, None], axis=1)[:, 0]
        frac = np.arange(U)[None, :] / np.maximum(m_out - 1, 1)[:, None]
        u = lo[:, None] + frac * (hi - lo)[:, None]
        valid = np.arange(U)[None, :] < m_out[:, None]
        u = np.where(valid, u, hi[:, None])
        v = fmm_evaluate(X, Z, bb, cc, dd, npts, u)
        cutoff = np.sqrt(lam) * q                       # qnorm(2 alpha): negative
        bounds = []
        for target in (cutoff, -cutoff):
            vv = np.where(valid, v, np.nan)
            order = np.argsort(np.where(valid, v, np.inf), axis=1, kind="stable")
            vs = np.take_along_axis(vv, order, axis=1)
            us = np.take_along_axis(u, order, axis=1)
            below = (vs <= target[:, None]) & valid
            j = below.sum(axis=1) - 1
            ok = (j >= 0) & (j < m_out - 1)
            jj = np.clip(j, 0, U - 2)
            v0 = np.take_along_axis(vs, jj[:, None], axis=1)[:, 0]
            v1 = np.take_along_axis(vs, (jj + 1)[:, None], axis=1)[:, 0]
            u0 = np.take_along_axis(us, jj[:, None], axis=1)[:, 0]
            u1 = np.take_along_axis(us, (jj + 1)[:, None], axis=1)[:, 0]
            at_end = ok & (v0 == target)
            xb = np.where(at_end, u0, u0 + (target - v0) * (u1 - u0) / (v1 - v0))
            # exactly at the largest value: R's approx returns its x
            top = (j == m_out - 1) & (np.take_along_axis(vs, (m_out - 1)[:, None], axis=1)[:, 0] == target)
            xb = np.where(ok, xb, np.where(top, np.take_along_axis(us, (m_out - 1)[:, None], axis=1)[:, 0], np.nan))
            bounds.append(1 / (1 + np.exp(-xb)))
        low, high = bounds
        bad = ~((p > 0) & (p < 1) & np.isfinite(lam) & (n > 1))
        return np.where(bad, np.nan, low), np.where(bad, np.nan, high)
