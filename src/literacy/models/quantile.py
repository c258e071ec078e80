"""Design-based quantiles: R's ``svyquantile`` (survey 4.x) with ``qrule="math"``, ``interval.type="mean"``.

The estimate is the inverse of the weighted distribution function (``qrule_math``: the smallest
value whose cumulative weight share reaches p, the lower one when the share equals p exactly).
The interval is Woodruff's (1952): the confidence interval of the estimated share of values at or
below the estimate, ``svymean(x <= q)`` with its design SE (Taylor or replicate) and t quantiles on
the design df, mapped back through the weighted distribution function. The SE is R's: the width of
that interval divided by ``2 t_{df, 1 - alpha/2}`` (Lumley 2010, 2.4.2; Dorfman & Valliant 1993).

Domains are estimated on the full design as ``svyby``: the estimate uses the domain's rows, the
share's variance the domain (zero outside) on the whole design, the df the domain's.
All domains and quantiles are computed together: one sort by (domain, value), cumulative weights
accumulated in extended precision as R's ``cumsum`` (long double), comparisons per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from literacy.errors import DesignError

__all__ = ["svyquantile"]


def _domain_mean_se(design, ind: np.ndarray, rows: np.ndarray, d: np.ndarray, D: int):
    """Domain means of ``ind`` over ``rows`` and their design SE (Taylor or replicate)."""
    w = design.weights[rows]
    W_d = np.bincount(d, weights=w, minlength=D)
    Y_d = np.bincount(d, weights=w * ind, minlength=D)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = Y_d / W_d
    var = design._estimator_variance("mean", rows, d, ind, None, est, W_d, None, D)
    return est, np.sqrt(var)


class _Sorted:
    """Rows sorted by (domain, value) with the within-domain cumulative weight as R computes it."""

    def __init__(self, x: np.ndarray, w: np.ndarray, d: np.ndarray, D: int):
        order = np.lexsort((x, d))                 # by domain, then value (stable, as R's order)
        self.x, self.w, self.d = x[order], w[order], d[order]
        # R: cumsum() and sum() accumulate in long double; rounding to double at the end
        lw = self.w.astype(np.longdouble)
        c = np.cumsum(lw)
        start = np.searchsorted(self.d, np.arange(D))
        offset = c[np.maximum(start - 1, 0)] if len(c) else np.zeros(D, dtype=np.longdouble)
        offset = np.where(start > 0, offset, np.longdouble(0))
        self.cumw = (c - offset[self.d]).astype(float)
        sums = np.zeros(D, dtype=np.longdouble)
        np.add.at(sums, self.d, lw) if D > 1 else sums.__setitem__(0, lw.sum())
        self.total = sums.astype(float)
        self.start = start
        self.count = np.bincount(self.d, minlength=D)

    def rule(self, p: np.ndarray) -> np.ndarray:
        """qrule_math for one probability per domain (NaN where p is NaN)."""
        D = len(self.total)
        thr = p * self.total
        with np.errstate(invalid="ignore"):
            le = self.cumw <= thr[self.d]
        pos = np.bincount(self.d, weights=le, minlength=D).astype(np.int64)   # 1-based last position
        # R's last(): pos 0 when no cumulative weight is below (p below the first share) -> first value
        pos_c = np.maximum(pos, 1)
        posnext = np.where(pos_c == self.count, pos_c, pos_c + 1)
        idx_low = self.start + pos_c - 1
        idx_up = self.start + posnext - 1
        safe = self.count > 0
        idx_low = np.where(safe, idx_low, 0)
        idx_up = np.where(safe, idx_up, 0)
        wlow = p - self.cumw[idx_low] / self.total
        out = np.where(wlow == 0, self.x[idx_low], self.x[idx_up])
        return np.where(np.isnan(p) | ~safe, np.nan, out)


def svyquantile(design, variable: str, q, ci: bool = True, by=None, level: float = 0.95) -> pd.DataFrame:
    """Quantiles of ``variable`` overall or by domain; see :meth:`DesignEstimators.quantile`."""
    qs = np.atleast_1d(np.asarray(q, dtype=float))
    if ((qs < 0) | (qs > 1)).any() or np.isnan(qs).any():
        raise DesignError("quantile: q must be between 0 and 1")
    if not 0 < level < 1:
        raise DesignError("quantile: level must be between 0 and 1")
    x_all = design._numeric(variable)
    domain, table = design._domains(by)
    D = len(table)
    ok = (domain >= 0) & ~np.isnan(x_all)
    # R without na.rm returns NA for a domain with a missing value
    nan_dom = np.zeros(D, dtype=bool)
    miss = (domain >= 0) & np.isnan(x_all)
    if miss.any():
        nan_dom[np.unique(domain[miss])] = True
    rows = np.flatnonzero(ok)
    x, d, w = x_all[rows], domain[rows], design.weights[rows]
    srt = _Sorted(x, w, d, D)
    df = design._domain_df(np.where(ok, domain, -1), D).astype(float)
    alpha = 1 - level
    with np.errstate(invalid="ignore"):
        tq = stats.t.ppf(1 - alpha / 2, np.where(df > 0, df, np.nan))
    frames = []
    for p in qs:                       # a few probabilities; each is vectorised over domains
        est = srt.rule(np.full(D, p))
        res = {"quantile": p, "estimate": est}
        if ci:
            ind = (x <= est[d]).astype(float)
            pm, pse = _domain_mean_se(design, ind, rows, d, D)
            lo_p, hi_p = pm - tq * pse, pm + tq * pse
            low = srt.rule(np.where((lo_p < 0) | np.isnan(lo_p), np.nan, lo_p))
            high = srt.rule(np.where((hi_p > 1) | np.isnan(hi_p), np.nan, hi_p))
            res.update({"se": (high - low) / (2 * tq), "ci_low": low, "ci_high": high})
        part = pd.DataFrame(res)
        for c in part.columns[1:]:
            part[c] = np.where(nan_dom, np.nan, part[c])
        if by is not None:
            part = pd.concat([table.reset_index(drop=True), part], axis=1)
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    # rows by domain, then quantile (frames are by quantile, then domain)
    order = (np.arange(len(qs))[None, :] * D + np.arange(D)[:, None]).ravel()
    return out.iloc[order].reset_index(drop=True)
