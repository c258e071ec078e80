"""Design-based quantiles: R's ``svyquantile`` (survey 4.1-1) with every ``qrule`` and ``interval.type``.

Estimate (``qrule``; R's ``survey:::qrule_*``, weighted versions of Hyndman & Fan 1996)
    Rows of zero weight are left out first (replicate weights of a deleted PSU). With the rows
    sorted by value, ``cumw`` the cumulative weights, ``W`` their total and R's ``qs`` the last
    position with ``cumw <= p W`` (the first when there is none) and the next one:

    * ``"math"`` = ``"hf1"`` (default): the inverse of the weighted distribution function, the
      value at ``qs`` when ``cumw`` equals ``p W`` exactly, else the next value;
    * ``"school"`` = ``"hf2"``: as "math", the average of the two values at an exact hit;
    * ``"hf3"``: tied values merged first (R's ``rowsum``); at an exact hit the lower value only
      when its position among the distinct values is even (nearest even order statistic);
    * ``"hf4"``: the two values interpolated by their weight shares;
    * ``"hf5"`` ... ``"hf9"``: linear interpolation (R's ``approx``, ends held constant) at the
      plotting positions ``(cumw - w/2)/W``, ``cumw/(W + w_n)``, ``cumw_{k-1}/cumw_{n-1}``,
      ``(cumw_{k-1}/3 + 2 cumw/3)/(W + w_n/3)``, ``(3 cumw_{k-1}/8 + 5 cumw/8)/(W + w_n/4)``;
    * ``"shahvaish"``: Shah & Vaish (2006), a step function at ``(S_k + 1/2 - w_k/2)/(n + 1)``
      with ``S`` the cumulative weights scaled to mean one. R subtracts the raw ``w_k/2``, so
      these positions need not increase with the value; ``approx`` sorts them (ties averaged)
      and so do we.

Interval (``interval_type``; R's ``interval.type``)
    * ``"mean"`` (default), ``"beta"``, ``"xlogit"``, ``"asin"``: Woodruff (1952). The share of
      values at or below the estimate, ``svymean(x <= q)``, gets a confidence interval from its
      design variance: Wald ("mean"), Korn–Graubard's beta on the effective sample size with
      R's ``(t_{n-1}/t_{degf})^2`` factor ("beta"; R uses the design df here whatever ``df``
      is), Wald on ``logit(p)`` ("xlogit") or ``asin(sqrt(p))`` ("asin") by the delta method
      (R's ``svycontrast`` and its ``deriv`` gradients). The bounds go back through the same
      ``qrule``; a bound outside [0, 1] or NaN gives NaN. On replicate designs R 4.1-1 calls
      ``woodruffCI`` without the type, so "beta", "xlogit" and "asin" are "mean" there; ours too.
    * ``"score"`` (Taylor designs): Francisco & Fuller (1991) as R's ``ffullerCI``: the roots of
      the score statistic ``svymean(x > theta) - (1 - p)`` over its SE at ``-+t``, found by R's
      ``uniroot`` (Brent's ``zeroin``, transcribed, run on every domain in step; tolerance
      ``1/(100 sqrt(n))`` on ``[min + IQR/100, max - IQR/100]``), then ``qrule`` at the
      *unweighted* share of values at or below each root, as R does. Where ``uniroot`` stops
      (no sign change at the ends) R gives no result; we give NaN bounds.
    * ``"quantile"`` (replicate designs): ``qrule`` on every replicate's weights, R's ``svrVar``
      (replicates giving NaN left out; centred at their mean, or at the estimate with ``mse``)
      and ``q -+ t SE``.

The SE is R's: the interval width over ``2 t_{df, 1 - alpha/2}`` (Dorfman & Valliant 1993;
Lumley 2010, 2.4.2). ``df`` is R's ``df`` argument: by default ``degf`` of the design, or of
each domain's subset; ``inf`` gives normal quantiles.

Domains are R's ``svyby`` subsets: the estimate uses the domain's rows, the share's variance the
domain (zero outside) on the whole design, the df the subset's ``degf``; for a replicate design
holding its N x R weights (delivered or calibrated) that is the rank of the domain's weights
minus one, as R recomputes it. On a calibrated Taylor design R's subset keeps every row (weight
zero), so there the row count of "beta" and the range, IQR, tolerance and unweighted shares of
"score" are the whole sample's, as in R; elsewhere they are the domain's.

One known difference: where the share below the estimate is 1 in exact arithmetic (the estimate
is the domain's maximum) and R's ``svymean`` lands one rounding step below 1 with a variance of
1e-35 (noise), R's "beta", "xlogit" and "asin" give an interval at the maximum; where R's share
is exactly 1 they give NA. Ours is exactly 1, so NaN, always.

All domains are computed together: one sort by (domain, value); cumulative weights in extended
precision as R's ``cumsum`` (long double); rows of zero weight handled with masks, so the same
code runs on a matrix of replicate weights (in blocks of columns).

References: Hyndman & Fan (1996) Sample quantiles in statistical packages, Am. Stat. 50;
Woodruff (1952) JASA 47; Francisco & Fuller (1991) Ann. Stat. 19; Shah & Vaish (2006) Proc.
Survey Research Methods Section, ASA; Dorfman & Valliant (1993) Proc. Survey Research Methods
Section, ASA; Lumley (2010) Complex Surveys. Checked against R's survey 4.1-1:
``tests/test_quantile_rules.py`` (``tests/golden/make_golden_quantile.R``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse, stats

from literacy.errors import DesignError

__all__ = ["svyquantile", "QRULES", "TAYLOR_INTERVALS", "REPLICATE_INTERVALS"]

QRULES = ("math", "school", "shahvaish", "hf1", "hf2", "hf3", "hf4", "hf5", "hf6", "hf7", "hf8", "hf9")
TAYLOR_INTERVALS = ("mean", "beta", "xlogit", "asin", "score")
REPLICATE_INTERVALS = ("mean", "beta", "xlogit", "asin", "quantile")
_BLOCK_CELLS = 1 << 21            # rows x replicate columns handled at once by interval "quantile"
_DBL_MAX = np.finfo(float).max


# ------------------------------------------------------------------------------ sorted rows
class _Sorted:
    """Rows sorted by (domain, value), stable as R's ``order``; domains are contiguous runs."""

    def __init__(self, x: np.ndarray, d: np.ndarray, D: int):
        self.order = np.lexsort((x, d))
        self.x, self.d, self.D = x[self.order], d[self.order], D
        self.count = np.bincount(self.d, minlength=D)
        self.end = np.cumsum(self.count)
        self.start = self.end - self.count
        self.n = len(x)

    def segsum(self, a: np.ndarray) -> np.ndarray:
        """Per-domain sums of an (n, K) array of counts (exact: integer cumulative sums)."""
        cs = np.cumsum(a, axis=0, dtype=np.int64)
        cs = np.concatenate([np.zeros((1,) + cs.shape[1:], dtype=np.int64), cs])
        return cs[self.end] - cs[self.start]

    def segreduce(self, ufunc, a: np.ndarray, empty: float) -> np.ndarray:
        """Per-domain ``ufunc.reduceat`` of an (n, K) array (``empty`` for empty domains)."""
        out = np.full((self.D,) + a.shape[1:], empty, dtype=float)
        full = self.count > 0
        if full.any():
            out[full] = ufunc.reduceat(a, self.start[full], axis=0)
        return out

    def cumsum_ld(self, a: np.ndarray) -> np.ndarray:
        """Within-domain cumulative sums of (n, K) values in long double (R's cumsum), as double."""
        c = np.cumsum(a.astype(np.longdouble), axis=0)
        c0 = np.concatenate([np.zeros((1,) + c.shape[1:], dtype=np.longdouble), c])
        return (c - c0[self.start][self.d]).astype(float)


class _Frame:
    """The rows of positive weight of every (domain, weight column) and their cumulative weights.

    ``W`` is (n, K) in sorted order. Row indices returned are positions in the sorted rows, -1
    where there is none.
    """

    def __init__(self, S: _Sorted, W: np.ndarray):
        self.S, self.W = S, W
        n, K = W.shape
        self.K = K
        self.kk = np.arange(K)[None, :]
        m = W > 0
        idx = np.arange(n)[:, None]
        start_r = S.start[S.d][:, None]
        end_r = S.end[S.d][:, None]
        prev = np.maximum.accumulate(np.where(m, idx, -1), axis=0) if n else np.zeros((0, K), np.int64)
        self.prev = np.where(prev >= start_r, prev, -1)         # last positive row at or before, in domain
        nxt = np.minimum.accumulate(np.where(m, idx, n)[::-1], axis=0)[::-1] if n else prev
        self.nxt = np.where(nxt < end_r, nxt, -1)               # first positive row at or after, in domain
        nonempty = (S.count > 0)[:, None]
        st = np.minimum(S.start, max(n - 1, 0))
        en = np.maximum(S.end - 1, 0)
        self.first = np.where(nonempty, self.nxt[st] if n else -1, -1)
        self.last = np.where(nonempty, self.prev[en] if n else -1, -1)
        cm = np.cumsum(m, axis=0, dtype=np.int64)
        cm0 = np.concatenate([np.zeros((1, K), dtype=np.int64), cm])
        self.n_eff = cm0[S.end] - cm0[S.start]
        self.rank = cm - cm0[S.start][S.d]                      # 1-based position among positive rows
        self.cumw = S.cumsum_ld(W)
        self.total = np.where(self.n_eff > 0, self.at(self.cumw, self.last), np.nan)

    def at(self, a: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """a[rows, k] for (D, K) row indices (NaN where -1)."""
        if not a.shape[0]:
            return np.full(rows.shape, np.nan)
        out = a[np.maximum(rows, 0), self.kk].astype(float)
        return np.where(rows >= 0, out, np.nan)

    def x_at(self, rows: np.ndarray) -> np.ndarray:
        out = self.S.x[np.maximum(rows, 0)] if self.S.n else np.zeros(rows.shape)
        return np.where(rows >= 0, out, np.nan)

    def after(self, rows: np.ndarray) -> np.ndarray:
        """The next positive row after ``rows`` in the same domain (-1 if none)."""
        n = self.S.n
        nxt_pos = np.minimum(rows + 1, max(n - 1, 0))
        out = self.nxt[nxt_pos, self.kk] if n else rows
        return np.where((rows >= 0) & (rows + 1 < n), out, -1)

    def last_le(self, vals: np.ndarray, P: np.ndarray) -> np.ndarray:
        """Last positive row with ``vals <= P`` in each domain (``vals`` increasing along the
        positive rows; -1 if none or P is NaN)."""
        S = self.S
        if not S.n:
            return np.full(P.shape, -1)
        vf = np.where(self.prev >= 0, np.take_along_axis(vals, np.maximum(self.prev, 0), axis=0), -np.inf)
        with np.errstate(invalid="ignore"):
            le = vf <= P[S.d]
        L = S.segsum(le)
        pos = np.clip(S.start[:, None] + L - 1, 0, S.n - 1)
        return np.where(L > 0, self.prev[pos, self.kk], -1)

    def prev_cumw(self) -> np.ndarray:
        """Cumulative weight of the previous positive row (0 for the first): R's c(0, cumw[-n])."""
        S = self.S
        shifted = np.concatenate([np.full((1, self.K), -1), self.prev[:-1]]) if S.n else self.prev
        ok = shifted >= S.start[S.d][:, None]
        return np.where(ok, np.take_along_axis(self.cumw, np.maximum(shifted, 0), axis=0), 0.0)

    def qs(self, P: np.ndarray) -> dict:
        """R's ``survey:::qs``: the values at and after the last ``cumw <= p W`` and their shares."""
        with np.errstate(invalid="ignore"):
            r = self.last_le(self.cumw, P * self.total)
        pos = np.where(r >= 0, r, self.first)                   # R's last(): 1 when none
        nxt = np.where(pos == self.last, pos, self.after(pos))
        with np.errstate(invalid="ignore", divide="ignore"):
            return {"qlow": self.x_at(pos), "qup": self.x_at(nxt),
                    "ilow": np.where(pos >= 0, self.rank[np.maximum(pos, 0), self.kk], 0) if self.S.n else pos,
                    "wlow": P - self.at(self.cumw, pos) / self.total,
                    "wup": self.at(self.cumw, nxt) / self.total - P}


def _r_mean_ld(S: _Sorted, frame: _Frame, W: np.ndarray) -> np.ndarray:
    """R's mean() of the positive weights per (domain, column): long double sum / n, corrected."""
    n = frame.n_eff.astype(np.longdouble)
    m = W > 0
    wl = W.astype(np.longdouble)
    c = np.cumsum(wl, axis=0)
    c0 = np.concatenate([np.zeros((1, W.shape[1]), dtype=np.longdouble), c])
    s = (c0[S.end] - c0[S.start]) / n
    dev = np.where(m, wl - s[S.d], np.longdouble(0))
    c = np.cumsum(dev, axis=0)
    c0 = np.concatenate([np.zeros((1, W.shape[1]), dtype=np.longdouble), c])
    t = c0[S.end] - c0[S.start]
    return (s + t / n).astype(float)


class _Rule:
    """One ``qrule`` on sorted rows and an (n, K) weight matrix; ``__call__(P)`` with P (D, K)."""

    def __init__(self, name: str, S: _Sorted, W: np.ndarray):
        self.name = name
        if name == "hf3":
            # R: w <- rowsum(w, x); x <- sort(unique(x)) -- tied values merged, sums in row order
            new = np.ones(S.n, dtype=bool)
            if S.n:
                new[1:] = (S.d[1:] != S.d[:-1]) | (S.x[1:] != S.x[:-1])
            gid = np.cumsum(new) - 1
            G = int(gid[-1]) + 1 if S.n else 0
            agg = sparse.csr_matrix((np.ones(S.n), np.arange(S.n), np.r_[np.flatnonzero(new), S.n]),
                                    shape=(G, S.n))
            Wg = np.asarray(agg @ W)
            Sg = object.__new__(_Sorted)
            Sg.x, Sg.d, Sg.D, Sg.n = S.x[new], S.d[new], S.D, G
            Sg.count = np.bincount(Sg.d, minlength=S.D)
            Sg.end = np.cumsum(Sg.count)
            Sg.start = Sg.end - Sg.count
            self.frame = _Frame(Sg, Wg)
        else:
            self.frame = _Frame(S, W)
        f = self.frame
        if name in ("shahvaish", "hf5", "hf6", "hf7", "hf8", "hf9"):
            Wf = f.W
            with np.errstate(invalid="ignore", divide="ignore"):
                total = f.total[f.S.d]
                w_last = f.at(Wf, f.last)
                if name == "shahvaish":
                    wbar = Wf / _r_mean_ld(f.S, f, Wf)[f.S.d]
                    Sw = f.S.cumsum_ld(np.where(Wf > 0, wbar, 0.0))
                    # R subtracts w/2, not wbar/2, so pk need not increase with x
                    self.pk = (Sw + 0.5 - Wf / 2) / (f.n_eff.astype(float) + 1)[f.S.d]
                elif name == "hf5":
                    self.pk = (f.cumw - Wf / 2) / total
                elif name == "hf6":
                    self.pk = f.cumw / (f.total + w_last)[f.S.d]
                elif name == "hf7":
                    second_last = np.where(f.n_eff >= 2, f.prev[np.maximum(f.last - 1, 0), f.kk], -1) \
                        if f.S.n else f.last
                    self.pk = f.prev_cumw() / f.at(f.cumw, second_last)[f.S.d]
                elif name == "hf8":
                    self.pk = (f.prev_cumw() * 1 / 3 + f.cumw * 2 / 3) / (f.total + w_last / 3)[f.S.d]
                else:
                    self.pk = (f.prev_cumw() * 3 / 8 + f.cumw * 5 / 8) / (f.total + w_last / 4)[f.S.d]

    def __call__(self, P: np.ndarray) -> np.ndarray:
        f, name = self.frame, self.name
        P = np.asarray(P, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            if name in ("math", "hf1", "school", "hf2", "hf3", "hf4"):
                q = f.qs(P)
                if name in ("math", "hf1"):
                    out = np.where(q["wlow"] == 0, q["qlow"], q["qup"])
                elif name in ("school", "hf2"):
                    out = np.where(q["wlow"] == 0, (q["qlow"] + q["qup"]) / 2, q["qup"])
                elif name == "hf3":
                    out = np.where((q["wlow"] == 0) & (q["ilow"] % 2 == 0), q["qlow"], q["qup"])
                else:
                    gamma = q["wlow"] / (q["wup"] + q["wlow"])
                    out = q["qlow"] * (1 - gamma) + q["qup"] * gamma
                ok = f.n_eff > 0
            elif name == "shahvaish":
                # approx(pk, x, p, method="constant", f=0, rule=2). R subtracts w/2, not wbar/2,
                # so pk need not increase with x; approx() sorts the points by pk and averages
                # the x of tied pk: the value at the largest pk <= p (below every pk, the value
                # at the smallest), found by segment max / min without sorting
                S, m = f.S, f.W > 0
                below = m & (self.pk <= P[S.d])
                top = S.segreduce(np.maximum, np.where(below, self.pk, -np.inf), -np.inf)
                bottom = S.segreduce(np.minimum, np.where(m, self.pk, np.inf), np.inf)
                target = np.where(top > -np.inf, top, bottom)
                hit = m & (self.pk == target[S.d])
                xs = np.broadcast_to(S.x[:, None], hit.shape)
                out = S.segreduce(np.add, np.where(hit, xs, 0.0), 0.0) / S.segsum(hit)
                ok = f.n_eff > 0
            else:
                # approx(pk, x, p, rule=2): linear, ends held constant; R needs two points
                r = f.last_le(self.pk, P)
                pk_first, pk_last = f.at(self.pk, f.first), f.at(self.pk, f.last)
                j = f.after(r)
                pk_i, pk_j = f.at(self.pk, r), f.at(self.pk, j)
                x_i, x_j = f.x_at(r), f.x_at(j)
                inner = x_i + (x_j - x_i) * ((P - pk_i) / (pk_j - pk_i))
                out = np.where(P == pk_i, x_i, inner)
                out = np.where(r == f.last, f.x_at(f.last), out)
                out = np.where(P > pk_last, f.x_at(f.last), out)
                out = np.where(P < pk_first, f.x_at(f.first), out)
                ok = f.n_eff >= 2
        return np.where(ok & ~np.isnan(P), out, np.nan)


# ------------------------------------------------------------------------------ helpers
def _domain_mean_var(design, ind: np.ndarray, rows: np.ndarray, d: np.ndarray, D: int):
    """Domain means of ``ind`` over ``rows`` and their design variance (Taylor or replicate)."""
    w = design.weights[rows]
    W_d = np.bincount(d, weights=w, minlength=D)
    Y_d = np.bincount(d, weights=w * ind, minlength=D)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = Y_d / W_d
    var = design.estimator_variance("mean", rows, d, ind, None, est, W_d, None, D)
    return est, var


def _crit(prob, df: np.ndarray, upper: bool = False) -> np.ndarray:
    """R's qt(prob, df) (qnorm where df is infinite; NaN where df <= 0 or NaN)."""
    df = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        good = df > 0
        dfc = np.where(good & np.isfinite(df), df, 1.0)
        t = stats.t.isf(prob, dfc) if upper else stats.t.ppf(prob, dfc)
        z = stats.norm.isf(prob) if upper else stats.norm.ppf(prob)
        out = np.where(np.isinf(df) & good, z, t)
    return np.where(good, out, np.nan)


def _r_pow_ld(x: np.ndarray, y: float) -> np.ndarray:
    """R's x^y on 64-bit Intel (powl, rounded to double)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.power(x.astype(np.longdouble), np.longdouble(y)).astype(float)


def _share_interval(kind, pm, var, qlo, qhi, alpha, n_ctx, degf_d):
    """Woodruff's interval for the share ``pm`` with variance ``var`` (R's woodruffCI)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if kind == "mean":
            se = np.sqrt(var)
            return pm + se * qlo, pm + se * qhi
        if kind == "xlogit":      # svycontrast(m, quote(log(pmed/(1 - pmed)))), deriv()'s gradient
            e1 = 1 - pm
            e2 = pm / e1
            val = np.log(e2)
            grad = (1 / e1 + pm / e1 ** 2) / e2
            se = np.sqrt(grad * var * grad)
            lo, hi = val + se * qlo, val + se * qhi
            return np.exp(lo) / (1 + np.exp(lo)), np.exp(hi) / (1 + np.exp(hi))
        if kind == "asin":        # svycontrast(m, quote(asin(sqrt(pmed))))
            e1 = np.sqrt(pm)
            val = np.arcsin(e1)
            grad = 0.5 * _r_pow_ld(pm, -0.5) / np.sqrt(1 - e1 ** 2)
            se = np.sqrt(grad * var * grad)
            return np.sin(val + se * qlo) ** 2, np.sin(val + se * qhi) ** 2
        # beta: Korn & Graubard with R's effective n and (t_{n-1}/t_degf)^2
        n_eff = pm * (1 - pm) / var
        ratio = _crit(alpha / 2, n_ctx - 1.0) / _crit(alpha / 2, degf_d)
        n_eff = n_eff * ratio ** 2
        lo = stats.beta.ppf(alpha / 2, n_eff * pm, n_eff * (1 - pm) + 1)
        hi = stats.beta.ppf(1 - alpha / 2, n_eff * pm + 1, n_eff * (1 - pm))
        return lo, hi


def _zeroin(fun, lower, upper, f_lower, f_upper, tol, maxiter: int = 1000) -> np.ndarray:
    """R's ``uniroot`` (C ``R_zeroin2``, Brent 1973) on every domain at once; NaN where R stops."""
    eps = np.finfo(float).eps
    a, b = lower.astype(float).copy(), upper.astype(float).copy()
    fa, fb = f_lower.astype(float).copy(), f_upper.astype(float).copy()
    with np.errstate(invalid="ignore", over="ignore"):
        ok = ~np.isnan(fa) & ~np.isnan(fb) & (lower < upper) & (np.sign(fa) * np.sign(fb) <= 0)
    root = np.full(a.shape, np.nan)
    c, fc = a.copy(), fa.copy()
    hit = ok & (fa == 0)
    root[hit] = a[hit]
    hit2 = ok & ~hit & (fb == 0)
    root[hit2] = b[hit2]
    active = ok & ~hit & ~hit2
    with np.errstate(all="ignore"):
        for _ in range(maxiter + 1):
            if not active.any():
                break
            prev_step = b - a
            swap = np.abs(fc) < np.abs(fb)
            a, b, c = np.where(swap, b, a), np.where(swap, c, b), np.where(swap, b, c)
            fa, fb, fc = np.where(swap, fb, fa), np.where(swap, fc, fb), np.where(swap, fb, fc)
            tol_act = 2 * eps * np.abs(b) + tol / 2
            new_step = (c - b) / 2
            conv = active & ((np.abs(new_step) <= tol_act) | (fb == 0))
            root[conv] = b[conv]
            active &= ~conv
            if not active.any():
                break
            interp = (np.abs(prev_step) >= tol_act) & (np.abs(fa) > np.abs(fb))
            cb = c - b
            lin = a == c
            t1 = fb / fa
            p_lin, q_lin = cb * t1, 1.0 - t1
            qq, t1q, t2 = fa / fc, fb / fc, fb / fa
            p_q = t2 * (cb * qq * (qq - t1q) - (b - a) * (t1q - 1.0))
            q_q = (qq - 1.0) * (t1q - 1.0) * (t2 - 1.0)
            p = np.where(lin, p_lin, p_q)
            q = np.where(lin, q_lin, q_q)
            pos = p > 0
            q = np.where(pos, -q, q)
            p = np.where(pos, p, -p)
            accept = interp & (p < (0.75 * cb * q - np.abs(tol_act * q) / 2)) & (p < np.abs(prev_step * q / 2))
            new_step = np.where(accept, p / q, new_step)
            small = np.abs(new_step) < tol_act
            new_step = np.where(small, np.where(new_step > 0, tol_act, -tol_act), new_step)
            a, fa = b, fb
            b = b + new_step
            fb = fun(np.where(active, b, np.nan))
            # R's fcn2: -Inf -> -DBL_MAX, NaN and Inf -> DBL_MAX
            fb = np.where(np.isnan(fb) | (fb == np.inf), _DBL_MAX, np.where(fb == -np.inf, -_DBL_MAX, fb))
            adj = ((fb > 0) & (fc > 0)) | ((fb < 0) & (fc < 0))
            c = np.where(adj, a, c)
            fc = np.where(adj, fa, fc)
    root[active] = b[active]          # not converged in maxiter: R warns and returns the last b
    return root


def _type7(xs: np.ndarray, start: np.ndarray, count: np.ndarray, prob: float) -> np.ndarray:
    """R's quantile(type=7) of the sorted runs ``xs[start:start+count]``."""
    with np.errstate(invalid="ignore"):
        index = 1 + np.maximum(count - 1, 0) * prob
        lo, hi = np.floor(index).astype(np.int64), np.ceil(index).astype(np.int64)
        n = len(xs)
        ok = (count > 0) & (n > 0)
        x_lo = np.where(ok, xs[np.clip(start + lo - 1, 0, max(n - 1, 0))] if n else 0.0, np.nan)
        x_hi = np.where(ok, xs[np.clip(start + hi - 1, 0, max(n - 1, 0))] if n else 0.0, np.nan)
        h = index - lo
        return np.where((index > lo) & (x_hi != x_lo), (1 - h) * x_lo + h * x_hi, x_lo)


def _r_mean_rows(v: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """R's mean() of each row of ``v`` over the columns ``keep`` (long double, corrected)."""
    n = keep.sum(axis=1).astype(np.longdouble)
    vl = np.where(keep, v, 0).astype(np.longdouble)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = vl.sum(axis=1) / n
        t = np.where(keep, vl - s[:, None], 0).sum(axis=1)
        return (s + t / n).astype(float)


def _check_options(qrule, interval_type, df, replicate: bool) -> None:
    """One-line DesignErrors naming the allowed values."""
    if not isinstance(qrule, str) or qrule not in QRULES:
        raise DesignError(f"quantile: qrule must be one of {', '.join(QRULES)}; not {qrule!r}")
    allowed = REPLICATE_INTERVALS if replicate else TAYLOR_INTERVALS
    if not isinstance(interval_type, str) or interval_type not in allowed:
        kind = "a replicate-weight design" if replicate else "a Taylor design"
        raise DesignError(f"quantile: interval_type on {kind} must be one of {', '.join(allowed)}; "
                          f"not {interval_type!r}")
    if df is not None:
        ok = isinstance(df, (int, float, np.integer, np.floating)) and not isinstance(df, bool)
        if not ok or not (float(df) > 0):
            raise DesignError(f"quantile: df must be a positive number, inf or None (the design df); not {df!r}")


# ------------------------------------------------------------------------------ main
def svyquantile(design, variable: str, q, ci: bool = True, by=None, level: float = 0.95,
                qrule: str = "math", interval_type: str = "mean", df=None) -> pd.DataFrame:
    """Quantiles of ``variable`` overall or by domain; see :meth:`literacy.survey.DesignEstimators.quantile`."""
    replicate = design.has_replicate_weights           # R offers other interval types there
    _check_options(qrule, interval_type, df, replicate)
    qs = np.atleast_1d(np.asarray(q, dtype=float))
    if ((qs < 0) | (qs > 1)).any() or np.isnan(qs).any():
        raise DesignError("quantile: q must be between 0 and 1")
    if not 0 < level < 1:
        raise DesignError("quantile: level must be between 0 and 1")
    x_all = design.numeric_column(variable)
    domain, table = design.domain_index(by)
    D = len(table)
    ok = (domain >= 0) & ~np.isnan(x_all)
    # R without na.rm returns NA for a domain with a missing value
    nan_dom = np.zeros(D, dtype=bool)
    miss = (domain >= 0) & np.isnan(x_all)
    if miss.any():
        nan_dom[np.unique(domain[miss])] = True
    rows = np.flatnonzero(ok)
    x, d, w = x_all[rows], domain[rows], design.weights[rows]
    S = _Sorted(x, d, D)
    rule = _Rule(qrule, S, w[S.order][:, None])

    alpha = 1 - level
    a = (1 - (1 - alpha)) / 2                                   # R's confint(level = 1 - alpha)
    # R's degf() of each domain's subset (of the whole design without domains)
    used = np.where(ok, domain, -1)
    degf_d = design.subset_degf(used, D) if by is not None else design.domain_degf(used, D).astype(float)
    df_use = degf_d if df is None else np.full(D, float(df))
    q_half = _crit(1 - alpha / 2, df_use)
    qlo, qhi = _crit(a, df_use), _crit(1 - a, df_use)

    # R's rows of the domain subset: the domain's, except a calibrated Taylor design (R keeps
    # every row with weight zero) and the whole sample
    whole = by is None or bool(getattr(design, "calibration", ()))     # (replicate designs have none)
    n_ctx = np.full(D, float(design.n)) if whole else np.bincount(domain[domain >= 0], minlength=D).astype(float)

    frames = []
    for p in qs:                       # a few probabilities; each is vectorised over domains
        est = rule(np.full((D, 1), p))[:, 0]
        res = {"quantile": p, "estimate": est}
        if ci:
            if interval_type == "quantile":
                low, high = _replicate_interval(design, qrule, S, rows, p, est, q_half)
            elif interval_type == "score":
                low, high = _score_interval(design, rule, S, x_all, rows, d, D, p, alpha, df_use, n_ctx,
                                            whole)
            else:
                ind = (x <= est[d]).astype(float)
                pm, var = _domain_mean_var(design, ind, rows, d, D)
                # R 4.1-1's svyquantile.svyrep.design calls woodruffCI without its method: every
                # Woodruff type is "mean" on replicate designs
                kind = "mean" if replicate else interval_type
                lo_p, hi_p = _share_interval(kind, pm, var, qlo, qhi, alpha, n_ctx, degf_d)
                with np.errstate(invalid="ignore"):
                    lo_p = np.where(np.isnan(lo_p) | (lo_p < 0), np.nan, lo_p)
                    hi_p = np.where(np.isnan(hi_p) | (hi_p > 1), np.nan, hi_p)
                low = rule(lo_p[:, None])[:, 0]
                high = rule(hi_p[:, None])[:, 0]
            with np.errstate(invalid="ignore"):
                se = (high - low) / (2 * q_half)
            res.update({"se": se, "ci_low": low, "ci_high": high})
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


def _replicate_interval(design, qrule, S, rows, p, est, q_half):
    """R's repCI: the quantile on every replicate, svrVar, est -+ t SE."""
    D = S.D
    R = len(design.rscales)
    r_sorted = rows[S.order]
    reps = np.empty((D, R))
    step = max(1, _BLOCK_CELLS // max(S.n, 1))
    for c0 in range(0, R, step):                 # blocks of replicate columns (memory), each vectorised
        cols = np.arange(c0, min(R, c0 + step))
        Wb = design.replicate_weight_columns(r_sorted, cols)
        # _Rule expects weights in sorted order: r_sorted already is
        reps[:, cols] = _Rule(qrule, S, Wb)(np.full((D, len(cols)), p))
    rscales = np.asarray(design.rscales, dtype=float)
    keep = ~np.isnan(reps)                          # svrVar: na.omit drops NA replicates
    with np.errstate(invalid="ignore", divide="ignore"):
        if design.mse:
            centre = est
        else:
            centre = _r_mean_rows(reps, keep & (rscales > 0)[None, :])
        dev = np.where(keep, reps - centre[:, None], 0.0)
        v = (np.where(keep, dev ** 2 * rscales[None, :], 0).astype(np.longdouble).sum(axis=1)).astype(float)
        v = v * design.scale
        v = np.where(keep.any(axis=1), v, np.nan)   # R stops: all replicates NA
        half = np.sqrt(v) * q_half
        return est + (-half), est + half


def _score_interval(design, rule, S, x_all, rows, d, D, p, alpha, df_use, n_ctx, whole):
    """R's ffullerCI: score-test roots by uniroot, then qrule at the unweighted shares below them."""
    x = x_all[rows]
    one_minus_p = 1 - p

    def score(theta):
        u = (x > theta[d]).astype(float) - one_minus_p
        m, var = _domain_mean_var(design, u, rows, d, D)
        with np.errstate(invalid="ignore", divide="ignore"):
            return m / np.sqrt(var)

    if whole:
        xs_all = np.sort(x_all)
        if np.isnan(xs_all).any():                  # R: IQR() of a vector with NA stops
            return np.full(D, np.nan), np.full(D, np.nan)
        xs, st, cnt = xs_all, np.zeros(D, dtype=np.int64), np.full(D, len(xs_all))
    else:
        xs, st, cnt = S.x, S.start, S.count
    with np.errstate(invalid="ignore"):
        iqr = _type7(xs, st, cnt, 0.75) - _type7(xs, st, cnt, 0.25)
        n = len(xs)
        xmin = np.where(cnt > 0, xs[np.clip(st, 0, max(n - 1, 0))] if n else np.nan, np.nan)
        xmax = np.where(cnt > 0, xs[np.clip(st + cnt - 1, 0, max(n - 1, 0))] if n else np.nan, np.nan)
        lowerT = xmin + iqr / 100
        upperT = xmax - iqr / 100
        tol = 1 / (100 * np.sqrt(n_ctx))
    g_lower, g_upper = score(lowerT), score(upperT)
    roots = []
    for qlimit in (_crit(alpha / 2, df_use, upper=True), _crit(alpha / 2, df_use)):
        with np.errstate(invalid="ignore"):
            roots.append(_zeroin(lambda th: score(th) - qlimit, lowerT, upperT, g_lower - qlimit,
                                 g_upper - qlimit, tol))
    failed = np.isnan(roots[0]) | np.isnan(roots[1])     # R stops: no interval at all
    out = []
    for root in roots:
        # mean(x <= root): the unweighted share among the subset's rows (long double / n, as R)
        if whole:
            count = np.searchsorted(xs, np.where(failed, -np.inf, root), side="right")
        else:
            with np.errstate(invalid="ignore"):
                count = np.bincount(S.d, weights=S.x <= root[S.d], minlength=D)
        share = (np.asarray(count, dtype=np.longdouble) / n_ctx.astype(np.longdouble)).astype(float)
        out.append(rule(np.where(failed, np.nan, share)[:, None])[:, 0])
    return out[0], out[1]
