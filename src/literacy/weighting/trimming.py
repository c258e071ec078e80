"""Weight trimming: caps on extreme weights, with the trimmed amount redistributed.

Extreme weights inflate variances (Kish's 1 + CV^2); trimming caps them and hands the
excess to the other weights so the total (of each group) is kept, trading a little bias
for variance (Potter 1990; Valliant, Dever & Kreuter 2018, 14.4; Lohr 2019, 8.6.4).

Two ways of redistributing:

* ``"proportional"`` (default): the final weights are ``clip(f * w, lower, upper)`` with one
  factor f per group solving ``sum clip(f * w) = sum w``. This is the fixed point of the
  usual loop "cap the weights outside the bounds, spread the excess over the others in
  proportion to their weights, repeat until none crosses a bound" (Potter 1990), solved
  exactly rather than by looping.
* ``"equal"``: R's ``trimWeights(design, lower, upper, strict=)`` (survey 4.1-1): the excess
  is spread *equally* (additively) over the weights that were inside the bounds, repeated
  while some weight is outside (``strict=TRUE``) up to ``max_iter`` passes; ``max_iter=1`` is
  ``strict=FALSE``.

Caps are an absolute value, a multiple of the median or mean weight, or a percentile of the
weights, computed from the weights being trimmed (within each group when ``by`` is given).
On a design, :func:`trim_design` keeps the design's calibration steps, as R's
``trimWeights`` keeps ``postStrata``: standard errors are those of the last calibration,
applied to the trimmed weights.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from literacy.weighting._common import WeightingError, as_float_vector, check_weights

__all__ = ["trim_weights", "resolve_caps", "CAP_KINDS"]

#: Ways of giving a cap: {"value": x}, {"median": k}, {"mean": k}, {"percentile": p}, and
#: {"groups": {group: x}} (an absolute cap per group of ``by``).
CAP_KINDS = ("value", "median", "mean", "percentile", "groups")
_BISECTIONS = 200


def _cap_spec(spec, side: str) -> tuple[str, float | dict] | None:
    """(kind, number) from a cap given as a number or a mapping; ("groups", {group: cap})."""
    if spec is None:
        return None
    if isinstance(spec, bool):
        raise WeightingError(f"trimming: '{side}' must be a number or one of {{{', '.join(CAP_KINDS)}}}: x")
    if isinstance(spec, (int, float, np.integer, np.floating)):
        kind, x = "value", float(spec)
    elif isinstance(spec, Mapping) and len(spec) == 1 and "groups" in spec:
        caps = spec["groups"]
        if not isinstance(caps, Mapping) or not caps:
            raise WeightingError(f"trimming: '{side}.groups' must map each group to its cap")
        out = {}
        for k, v in caps.items():
            try:
                out[str(k)] = float(v)
            except (TypeError, ValueError):
                raise WeightingError(f"trimming: '{side}.groups.{k}' must be a number, got {v!r}") from None
            if not np.isfinite(out[str(k)]) or out[str(k)] < 0:
                raise WeightingError(f"trimming: '{side}.groups.{k}' cap {v!r} must be finite and non-negative")
        return "groups", out
    elif isinstance(spec, Mapping) and len(spec) == 1:
        kind, x = next(iter(spec.items()))
        if kind not in CAP_KINDS:
            raise WeightingError(f"trimming: '{side}' cap kind {kind!r} is not one of {', '.join(CAP_KINDS)}")
        try:
            x = float(x)
        except (TypeError, ValueError):
            raise WeightingError(f"trimming: '{side}.{kind}' must be a number, got {x!r}") from None
    else:
        raise WeightingError(f"trimming: '{side}' must be a number or a one-key mapping "
                             f"{{{'|'.join(CAP_KINDS)}: x}}, got {spec!r}")
    if not np.isfinite(x) or x < 0:
        raise WeightingError(f"trimming: '{side}' cap {x!r} must be finite and non-negative")
    if kind == "percentile" and not 0 <= x <= 100:
        raise WeightingError(f"trimming: '{side}.percentile' must be between 0 and 100, got {x!r}")
    return str(kind), x


def _groups(by, n: int) -> tuple[np.ndarray, list[str]]:
    if by is None:
        return np.zeros(n, dtype=np.int64), ["all"]
    values = pd.Series(np.asarray(by, dtype=object))
    if len(values) != n:
        raise WeightingError(f"trimming: 'by' has {len(values)} values but there are {n} weights")
    na = np.flatnonzero(values.isna().to_numpy())
    if len(na):
        raise WeightingError(f"trimming: the group ('by') is missing at row position {int(na[0])}")
    codes, names = pd.factorize(values.astype(str), sort=True)
    return codes.astype(np.int64), [str(x) for x in names]


def resolve_caps(weights, lower=None, upper=None, by=None) -> pd.DataFrame:
    """The caps in weight units, per group, from their specifications.

    Parameters
    ----------
    weights : array-like
        Weights (zeros are ignored: they are not in the sample).
    lower, upper : float or mapping, optional
        A number (an absolute cap) or one of ``{"value": x}``, ``{"median": k}`` (k times the
        median weight), ``{"mean": k}`` (k times the mean weight), ``{"percentile": p}`` (the
        p-th percentile of the weights, linear interpolation as R's default ``quantile``), or
        ``{"groups": {group: x}}`` (an absolute cap per group of ``by``; the whole sample is
        the group ``"all"``).
    by : array-like, optional
        Group of each weight: caps are computed within groups.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``group``, ``lower_cap``, ``upper_cap`` (NaN where not given).
    """
    w = check_weights(weights, len(np.asarray(weights)), "weights to trim")
    codes, names = _groups(by, len(w))
    pos = w > 0
    g = pd.Series(w[pos]).groupby(codes[pos])
    out = pd.DataFrame({"group": names})
    for side, spec in (("lower", lower), ("upper", upper)):
        parsed = _cap_spec(spec, side)
        if parsed is None:
            cap = np.full(len(names), np.nan)
        else:
            kind, x = parsed
            if kind == "groups":
                missing = [nm for nm in names if nm not in x]
                if missing:
                    raise WeightingError(f"trimming: '{side}.groups' has no cap for group {missing[0]!r}")
                cap = np.array([x[nm] for nm in names], dtype=float)
            elif kind == "value":
                cap = np.full(len(names), x)
            elif kind == "median":
                cap = x * g.median().reindex(range(len(names))).to_numpy()
            elif kind == "mean":
                cap = x * g.mean().reindex(range(len(names))).to_numpy()
            else:
                cap = g.quantile(x / 100.0).reindex(range(len(names))).to_numpy()
        out[f"{side}_cap"] = cap
    bad = np.flatnonzero(out["lower_cap"].to_numpy() > out["upper_cap"].to_numpy())
    if len(bad):
        i = int(bad[0])
        raise WeightingError(f"trimming: group {names[i]!r} has lower cap {out['lower_cap'].iloc[i]:.6g} above "
                             f"its upper cap {out['upper_cap'].iloc[i]:.6g}")
    return out


def _caps_per_row(caps: pd.DataFrame, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lo = np.nan_to_num(caps["lower_cap"].to_numpy(dtype=float), nan=0.0)
    hi = np.nan_to_num(caps["upper_cap"].to_numpy(dtype=float), nan=np.inf)
    return lo[codes], hi[codes]


def _proportional(w: np.ndarray, pos: np.ndarray, codes: np.ndarray, ng: int, lo: np.ndarray, hi: np.ndarray,
                  names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """clip(f_g w, lo, hi) with f_g solving sum_g clip(f_g w) = sum_g w, for every group g.

    Returns the trimmed weights and the factor f_g of each group."""
    total = np.bincount(codes[pos], weights=w[pos], minlength=ng)
    npos = np.bincount(codes[pos], minlength=ng).astype(float)
    lo_sum = np.bincount(codes[pos], weights=lo[pos], minlength=ng)
    hi_sum = np.bincount(codes[pos], weights=hi[pos], minlength=ng)
    for g in np.flatnonzero(hi_sum < total * (1 - 1e-12)):
        raise WeightingError(f"trimming: group {names[g]!r} cannot keep its weight total {total[g]:.10g}: its "
                             f"{int(npos[g])} weights at their upper cap sum to {hi_sum[g]:.10g} (cap too low)")
    for g in np.flatnonzero(lo_sum > total * (1 + 1e-12)):
        raise WeightingError(f"trimming: group {names[g]!r} cannot keep its weight total {total[g]:.10g}: its "
                             f"{int(npos[g])} weights at their lower cap sum to {lo_sum[g]:.10g} (cap too high)")

    def clipped_sum(f: np.ndarray) -> np.ndarray:
        v = np.clip(f[codes] * w, lo, hi)
        return np.bincount(codes[pos], weights=v[pos], minlength=ng)

    # S_g(f) = sum clip(f w) is continuous and non-decreasing in f: bisection for all groups at
    # once, then the exact factor for the free weights given which weights sit at a cap.
    f_lo, f_hi = np.zeros(ng), np.ones(ng)
    for _ in range(1100):  # S_g(f_hi) >= total_g: double f_hi (bounded: 2^1100 overflows to inf)
        short = clipped_sum(f_hi) < total
        if not short.any():
            break
        f_lo, f_hi = np.where(short, f_hi, f_lo), np.where(short, f_hi * 2, f_hi)
    for _ in range(_BISECTIONS):
        mid = (f_lo + f_hi) / 2
        below = clipped_sum(mid) < total
        f_lo, f_hi = np.where(below, mid, f_lo), np.where(below, f_hi, mid)
        if np.all(f_hi - f_lo <= 1e-15 * f_hi):
            break
    f = (f_lo + f_hi) / 2
    v = f[codes] * w
    at_hi, at_lo = pos & (v >= hi), pos & (v <= lo)
    free = pos & ~at_hi & ~at_lo
    fixed = np.bincount(codes, weights=np.where(at_hi, hi, 0.0) + np.where(at_lo, lo, 0.0), minlength=ng)
    free_w = np.bincount(codes, weights=np.where(free, w, 0.0), minlength=ng)
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = np.where(free_w > 0, (total - fixed) / free_w, f)
    out = np.where(at_hi, hi, np.where(at_lo, lo, exact[codes] * w))
    return np.where(pos, out, 0.0), exact


def _equal(w: np.ndarray, pos: np.ndarray, codes: np.ndarray, ng: int, lo: np.ndarray, hi: np.ndarray,
           max_iter: int, names: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """R's trimWeights: cap, spread the excess equally over the weights inside; repeat (strict)."""
    outside = pos & ((w < lo) | (w > hi))
    none_inside = np.flatnonzero((np.bincount(codes[outside], minlength=ng) > 0)
                                 & (np.bincount(codes[pos & ~outside], minlength=ng) == 0))
    if len(none_inside):
        raise WeightingError(f"trimming: every weight of group {names[none_inside[0]]!r} is outside the caps; "
                             "there is no weight to take the excess")
    ever = np.zeros(len(w), dtype=bool)
    passes = 0
    for _ in range(max_iter):
        outside = pos & ((w < lo) | (w > hi))
        if not outside.any():
            break
        passes += 1
        ever |= outside
        new = np.where(pos, np.clip(w, lo, hi), 0.0)
        trimmings = new - w
        inside = pos & ~outside
        count = np.bincount(codes[inside], minlength=ng).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.bincount(codes, weights=trimmings, minlength=ng) / count
        new = np.where(inside, new - share[codes], new)
        w = new
    return w, ever, passes


def trim_weights(weights, upper=None, lower=None, by=None, redistribute: str = "proportional",
                 max_iter: int = 100, return_trimmed: bool = False):
    """Trim weights to caps, redistributing the trimmed amount so each group keeps its total.

    Parameters
    ----------
    weights : array-like
        Non-negative weights; zero weights (units not in the sample) stay zero.
    upper, lower : float or mapping, optional
        Caps (see :func:`resolve_caps`): a number, ``{"value": x}``, ``{"median": k}``,
        ``{"mean": k}``, ``{"percentile": p}`` or ``{"groups": {group: x}}``, computed from
        ``weights`` (per group).
    by : array-like, optional
        Group of each weight (e.g. the district): caps are computed and the excess
        redistributed within each group, so every group keeps its weight total.
    redistribute : {"proportional", "equal"}
        ``"proportional"``: final weights ``clip(f * w, lower, upper)``, f per group such that
        the total is kept (the fixed point of repeated trim-and-redistribute; Potter 1990).
        ``"equal"``: R's ``trimWeights``: the excess spread equally over the weights inside the
        bounds, repeated up to ``max_iter`` passes while a weight is outside
        (``strict=TRUE``; ``max_iter=1`` is ``strict=FALSE``, which may leave weights outside).
    max_iter : int
        Passes of the ``"equal"`` method.
    return_trimmed : bool
        Also return the boolean vector of trimmed weights.

    Returns
    -------
    weights : numpy.ndarray
        Trimmed weights.
    report : pandas.DataFrame
        One row per group: ``group, n, lower_cap, upper_cap, n_trimmed_lower,
        n_trimmed_upper, n_trimmed, sum_before, sum_after, factor`` (``factor``: the
        proportional method's f; NaN for "equal").
    trimmed : numpy.ndarray of bool
        Only with ``return_trimmed``: which weights were trimmed (set to a cap).

    Raises
    ------
    WeightingError
        Bad weights or caps, a lower cap above the upper one, or caps a group cannot meet
        while keeping its total (n * upper < total or n * lower > total).
    """
    w = check_weights(weights, len(as_float_vector(weights, "weights to trim")), "weights to trim")
    if redistribute not in ("proportional", "equal"):
        raise WeightingError(f"trimming: redistribute must be 'proportional' or 'equal', got {redistribute!r}")
    if isinstance(max_iter, bool) or int(max_iter) != max_iter or max_iter < 1:
        raise WeightingError(f"trimming: max_iter must be a positive integer, got {max_iter!r}")
    codes, names = _groups(by, len(w))
    ng = len(names)
    caps = resolve_caps(w, lower=lower, upper=upper, by=by)
    lo, hi = _caps_per_row(caps, codes)
    pos = w > 0
    if redistribute == "proportional":
        new, factor = _proportional(w, pos, codes, ng, lo, hi, names)
        # trimmed: the cap binds, i.e. f * w is beyond it (a weight exactly at its cap is not)
        v = factor[codes] * w
        at_lo = pos & (v < lo * (1 - 1e-12))
        at_hi = pos & (v > hi * (1 + 1e-12))
    else:
        new, ever, _ = _equal(w, pos, codes, ng, lo, hi, int(max_iter), names)
        # trimmed: outside the bounds at some pass; the side is where it ended (or started)
        at_hi = ever & ((new >= hi) | (w > hi))
        at_lo = ever & ~at_hi
        factor = np.full(ng, np.nan)
    before = np.bincount(codes[pos], weights=w[pos], minlength=ng)
    report = caps.copy()
    report.insert(1, "n", np.bincount(codes[pos], minlength=ng).astype(np.int64))
    report["n_trimmed_lower"] = np.bincount(codes[at_lo], minlength=ng).astype(np.int64)
    report["n_trimmed_upper"] = np.bincount(codes[at_hi], minlength=ng).astype(np.int64)
    report["n_trimmed"] = report["n_trimmed_lower"] + report["n_trimmed_upper"]
    report["sum_before"] = before
    report["sum_after"] = np.bincount(codes[pos], weights=new[pos], minlength=ng)
    report["factor"] = factor
    if return_trimmed:
        return new, report, at_lo | at_hi
    return new, report
