"""Test characteristic curve and the ability (theta) at a cut score.

The test characteristic curve (TCC; Lord 1980, sec. 4.3) is the expected number of points at
ability theta: ``T(theta) = sum_j points_j * P_j(theta)`` with the 2PL
``P_j(theta) = 1 / (1 + exp(-(a_j theta + d_j)))``. With every slope positive it increases from
0 to ``sum(points)``, so each score strictly inside that range has exactly one theta.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from literacy.errors import DataError

__all__ = ["test_characteristic_curve", "theta_cut"]


def _items(a, d, points):
    a = np.atleast_1d(np.asarray(a, dtype=float))
    d = np.atleast_1d(np.asarray(d, dtype=float))
    if a.shape != d.shape or a.ndim != 1:
        raise DataError(f"a and d must be 1-d arrays of the same length, got {a.shape} and {d.shape}")
    pts = np.ones_like(a) if points is None else np.broadcast_to(np.asarray(points, dtype=float), a.shape).copy()
    if not (np.isfinite(a).all() and np.isfinite(d).all() and np.isfinite(pts).all()):
        raise DataError("item parameters and points must be finite")
    if (pts < 0).any():
        raise DataError(f"item {int(np.flatnonzero(pts < 0)[0])} has negative points")
    return a, d, pts


def test_characteristic_curve(theta, a, d, points=None):
    """Expected points at each theta.

    Parameters
    ----------
    theta : float or array-like
    a, d : array-like
        Slopes and intercepts (slope–intercept 2PL form).
    points : array-like, optional
        Points of each item (default 1 each).

    Returns
    -------
    ndarray (float for a scalar theta), same shape as ``theta``.
    """
    a, d, pts = _items(a, d, points)
    th = np.asarray(theta, dtype=float)
    out = expit(th[..., None] * a + d) @ pts
    return float(out) if out.ndim == 0 else out


# keep pytest from collecting the public name as a test
test_characteristic_curve.__test__ = False


def theta_cut(a, d, points, score):
    """Theta at which the test characteristic curve equals each cut score.

    Parameters
    ----------
    a, d : array-like
        Slopes (positive for a well-fitting item; a non-positive one only bends the curve) and
        intercepts.
    points : array-like or None
        Points of each item (None: 1 each).
    score : float or array-like
        Cut score(s) in points, e.g. ``[70, 85, 55]`` on a 100-point test.

    Returns
    -------
    ndarray (float for a scalar score) of theta values, solved to 1e-10 by safeguarded
    Newton–bisection.

    Raises
    ------
    DataError
        A score is not strictly between 0 and the total points (the TCC's range: it reaches
        neither end at finite theta), or the curve does not cross it.
    """
    a, d, pts = _items(a, d, points)
    # An item with a slope <= 0 (a misfitting item, seen in small samples) bends the curve; the
    # cut is then still the root the safeguarded bisection brackets, as long as the curve runs
    # from below the score to above it over the bracket (checked below).
    total = float(pts.sum())
    s = np.asarray(score, dtype=float)
    flat = np.atleast_1d(s).ravel()
    bad = ~np.isfinite(flat) | (flat <= 0) | (flat >= total)
    if bad.any():
        raise DataError(f"cut score {flat[bad][0]:g} is outside the test characteristic curve's range (0, {total:g})")
    lo = np.full(flat.shape, -10.0)
    hi = np.full(flat.shape, 10.0)
    for _ in range(60):   # widen the bracket until it holds every score
        low_bad = test_characteristic_curve(lo, a, d, pts) > flat
        high_bad = test_characteristic_curve(hi, a, d, pts) < flat
        if not (low_bad.any() or high_bad.any()):
            break
        lo = np.where(low_bad, lo * 2, lo)
        hi = np.where(high_bad, hi * 2, hi)
    if ((test_characteristic_curve(lo, a, d, pts) > flat) | (test_characteristic_curve(hi, a, d, pts) < flat)).any():
        raise DataError("the test characteristic curve does not cross the cut score (items with negative slopes "
                        "dominate it)")
    x = 0.5 * (lo + hi)
    for _ in range(200):
        p = expit(x[:, None] * a + d)
        f = p @ pts - flat
        fp = (p * (1 - p) * a) @ pts
        lo = np.where(f < 0, x, lo)
        hi = np.where(f > 0, x, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            xn = x - f / fp
        inside = np.isfinite(xn) & (xn > lo) & (xn < hi)
        xn = np.where(inside, xn, 0.5 * (lo + hi))
        if np.abs(xn - x).max() < 1e-12:
            x = xn
            break
        x = xn
    return float(x[0]) if s.ndim == 0 else x.reshape(s.shape)
