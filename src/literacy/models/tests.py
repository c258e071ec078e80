"""Design-based tests: R's ``svychisq`` (Rao–Scott and Wald) and ``svyttest`` (survey 4.1-1).

``svychisq``: the Pearson X^2 of the weighted table scaled to the sample size, corrected with the
design effect matrix Delta = (C' D^-1 C / N)^-1 (C' D^-1 V D^-1 C) of the interaction contrasts C
(Rao & Scott 1984): "F" (second order, default) X^2 / tr(Delta) on F(d0, d0 nu) with
d0 = tr(Delta)^2 / tr(Delta^2); "Chisq" (first order) X^2 / mean eigenvalue on chi^2((r-1)(c-1)).
"Wald" and "adjWald" test the (r-1)(c-1) interaction cells of the table of totals minus their
products of margins with the design covariance (Koch, Freeman & Freeman 1975; Lumley 2010, 6.2).
V is the design covariance of the cell shares (Taylor, calibration-aware, or replicate).

``svyttest``: ``svyglm(y ~ group)`` and the t test of the group coefficient on its residual df.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from literacy.errors import DesignError
from literacy.models.glm import svyglm

__all__ = ["svychisq", "svyttest", "CHISQ_STATISTICS"]

CHISQ_STATISTICS = ("F", "Chisq", "Wald", "adjWald")


def _nu(design) -> int:
    """R's svychisq df: PSUs minus strata of the whole design (Taylor), degf() (replicate)."""
    return int(design.degf())


def svychisq(design, a: str, b: str, statistic: str = "F") -> dict:
    """Test of association of ``a`` and ``b``; see :meth:`literacy.survey.DesignEstimators.chisq`."""
    if statistic not in CHISQ_STATISTICS:
        raise DesignError(f"chisq: statistic must be one of {CHISQ_STATISTICS}, not {statistic!r}")
    if a == b:
        raise DesignError("chisq: the two variables must differ")
    ca, la = design.factor_codes(a)
    cb, lb = design.factor_codes(b)
    nr, nc = len(la), len(lb)
    if nr < 2 or nc < 2:
        raise DesignError(f"chisq: '{a if nr < 2 else b}' has fewer than two levels")
    N = design.n                                     # R: rows of the model matrix, missing included
    rows = np.flatnonzero((ca >= 0) & (cb >= 0))
    ia, ib = ca[rows], cb[rows]
    K = nr * nc
    cell = ia + nr * ib                              # R's interaction(): the first factor varies fastest
    nu = _nu(design)
    if statistic in ("Wald", "adjWald"):
        Y = np.zeros((len(rows), K + nr + nc + 1))
        Y[np.arange(len(rows)), cell] = 1.0
        Y[np.arange(len(rows)), K + ia] = 1.0
        Y[np.arange(len(rows)), K + nr + ib] = 1.0
        Y[:, -1] = 1.0
        cells, Vc = design.totals_covariance(Y, rows, mean=False)
        rt, ct, one = cells[K:K + nr], cells[K + nr:K + nr + nc], cells[-1]
        rr, cc = np.tile(np.arange(nr), nc), np.repeat(np.arange(nc), nr)
        J = np.zeros((K, Y.shape[1]))
        J[:, :K] = np.eye(K)
        J[np.arange(K), K + rr] = -ct[cc] / one
        J[np.arange(K), K + nr + cc] = -rt[rr] / one
        J[:, -1] = rt[rr] * ct[cc] / one ** 2
        Yd = cells[:K] - rt[rr] * ct[cc] / one
        V = J @ Vc @ J.T
        use = ((rr > 0) & (cc > 0))
        stat = float(Yd[use] @ np.linalg.solve(V[np.ix_(use, use)], Yd[use]))
        ndf = (nr - 1) * (nc - 1)
        if statistic == "Wald":
            stat, ddf = stat / ndf, float(nu)
        else:
            ddf = float(nu - ndf + 1)
            stat = stat * ddf / (ndf * nu)
        return {"statistic": stat, "ndf": float(ndf), "ddf": ddf, "p_value": float(stats.f.sf(stat, ndf, ddf))}

    Y = np.zeros((len(rows), K))
    Y[np.arange(len(rows)), cell] = 1.0
    mean2, V = design.totals_covariance(Y, rows, mean=True)
    # Pearson X^2 of the weighted table scaled to N (svytable(..., Ntotal = N))
    tab = np.bincount(cell, weights=design.weights[rows], minlength=K)
    tab = tab * N / tab.sum()
    T = tab.reshape(nc, nr).T
    E = np.outer(T.sum(axis=1), T.sum(axis=0)) / T.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        pearson = float(np.sum((T - E) ** 2 / E))
    # contrasts: the interaction columns of the saturated model, residualised on the main effects
    rr, cc = np.tile(np.arange(nr), nc), np.repeat(np.arange(nc), nr)
    X1 = np.column_stack([np.ones(K)] + [(rr == i).astype(float) for i in range(1, nr)]
                         + [(cc == j).astype(float) for j in range(1, nc)])
    X12 = np.column_stack([((rr == i) & (cc == j)).astype(float) for j in range(1, nc) for i in range(1, nr)])
    Cm = X12 - X1 @ np.linalg.lstsq(X1, X12, rcond=None)[0]
    with np.errstate(divide="ignore"):
        idm = np.where(mean2 == 0, 0.0, 1.0 / mean2)
    denom = Cm.T @ (idm[:, None] * Cm) / N
    numr = Cm.T @ (idm[:, None] * V * idm[None, :]) @ Cm
    Delta = np.linalg.solve(denom, numr)
    tr = np.trace(Delta)
    if statistic == "F":
        d0 = tr ** 2 / np.trace(Delta @ Delta)
        stat = pearson / tr
        return {"statistic": stat, "ndf": float(d0), "ddf": float(d0 * nu),
                "p_value": float(stats.f.sf(stat, d0, d0 * nu))}
    k = Delta.shape[1]
    return {"statistic": pearson, "ndf": float(k), "ddf": np.inf,
            "p_value": float(stats.chi2.sf(pearson / (tr / k), k))}


def svyttest(design, variable: str, group: str, level: float = 0.95) -> dict:
    """Two-group t test of ``variable`` by ``group``; see :meth:`literacy.survey.DesignEstimators.ttest`."""
    if group not in design.data.columns:
        raise DesignError(f"ttest: column '{group}' is not in the data")
    codes, levels = design.factor_codes(group)
    y = design.numeric_column(variable)
    used = (codes >= 0) & ~np.isnan(y)
    present = np.unique(codes[used])
    if len(present) != 2:
        raise DesignError(f"ttest: group '{group}' must have exactly two levels among the rows used, "
                          f"it has {len(present)}")
    fit = svyglm(design, f"{variable} ~ C({group})", "gaussian", level=level)
    row = fit.iloc[1]
    return {"difference": float(row["estimate"]), "t": float(row["t"]), "df": float(row["df"]),
            "p_value": float(row["p_value"]), "se": float(row["se"]), "ci_low": float(row["ci_low"]),
            "ci_high": float(row["ci_high"]),
            "groups": (str(levels[present[0]]), str(levels[present[1]]))}
