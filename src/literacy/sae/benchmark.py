"""Ratio benchmarking of cell estimates to their district's direct estimate.

Model-based cell estimates need not add up to the (reliable) direct estimate of the
district they partition. Ratio benchmarking (Pfeffermann 2013; Rao & Molina 2015,
sec. 6.3.2) rescales the cells of district d by one factor so that, weighted by the
cells' population shares W_c (Σ_c W_c = 1 in each district),

``Σ_c W_c θ̂^b_c = θ̂_d``, ``θ̂^b_c = θ̂_c f_d``, ``f_d = θ̂_d / Σ_c W_c θ̂_c``.

The MSE column, when given, is carried over as ``f_d² mse_c`` (the factor treated as
fixed): this omits the variability of f_d, a first-order approximation that can
understate the benchmarked estimate's MSE. The small-area proportions carry the factor's
own uncertainty instead (:func:`benchmark_replicates`, used by the parametric bootstrap of
:func:`literacy.sae.fay_herriot_proportion` when given a :class:`Benchmark`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from literacy.errors import DataError

__all__ = ["ratio_benchmark", "Benchmark", "benchmark_replicates"]


@dataclass(frozen=True)
class Benchmark:
    """What to ratio-benchmark small-area cells to: see :func:`ratio_benchmark`.

    Attributes
    ----------
    group : str
        Column naming each cell's district.
    share : str
        Column of the cells' population shares within their district (adding to 1).
    target : dict
        The district's direct estimate, by district.
    """

    group: str
    share: str
    target: dict


def benchmark_replicates(p_hat: np.ndarray, p_true: np.ndarray, direct_error: np.ndarray,
                         share: np.ndarray, group_codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Benchmarked bootstrap estimates: every replicate benchmarked to its own district estimate.

    In bootstrap replicate b the district's direct estimate is its true share plus the
    share-weighted sum of its cells' direct sampling errors,
    ``p̂*_d = Σ_c W_c (p*_c + e*_c)``: the post-stratified form of a district's direct
    estimate, so the district's error is made of the same sampling errors as its cells'
    direct estimates (the correlation the data have). The cells' model-based estimates are
    then ratio-benchmarked to it, ``p̂^b*_c = p̂*_c p̂*_d / Σ_c W_c p̂*_c``. The mean squared
    difference from ``p*_c`` over the replicates is the MSE of the benchmarked estimator with the
    benchmark's own uncertainty (Pfeffermann & Tiller 2006; Rao & Molina 2015, sec. 6.3.2).

    Parameters
    ----------
    p_hat : ndarray (B, M)
        Model-based estimates of the M cells in each replicate.
    p_true : ndarray (B, M)
        The replicates' true cell shares.
    direct_error : ndarray (B, M)
        Each replicate's direct-estimate error of each cell (0 for a cell without a sample).
    share : ndarray (M,)
        Population shares W_c within the district.
    group_codes : ndarray (M,)
        District of each cell, 0..n_groups-1.
    n_groups : int

    Returns
    -------
    ndarray (B, M)
        The benchmarked replicate estimates ``p̂^b*``.
    """
    ind = np.zeros((p_hat.shape[1], n_groups))
    ind[np.arange(p_hat.shape[1]), group_codes] = 1.0        # cell x district indicator
    target = ((p_true + direct_error) * share) @ ind         # (B, G)
    weighted = (p_hat * share) @ ind
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(weighted > 0, target / weighted, 1.0)
    return p_hat * factor[:, group_codes]


def ratio_benchmark(data: pd.DataFrame, estimate: str, share: str, group: str | list[str],
                    target: str | pd.Series | dict, *, mse: str | None = None,
                    share_tol: float = 1e-6) -> pd.DataFrame:
    """Rescale cell estimates so that each group's share-weighted sum equals its target.

    Parameters
    ----------
    data : DataFrame
        One row per cell.
    estimate : str
        Column of the cell estimates (e.g. the EBLUP).
    share : str
        Column of the cells' population shares within their group (non-negative, adding
        to 1 in each group within ``share_tol``).
    group : str or list of str
        Column(s) naming the district of each cell.
    target : str, Series or dict
        The district's direct estimate: a column of ``data`` (constant within a group) or a
        mapping from the group value to it.
    mse : str, optional
        Column of the cells' MSE, rescaled by f_d².

    Returns
    -------
    DataFrame
        In the rows of ``data``: ``estimate, share, target, factor, benchmarked`` (and
        ``mse_benchmarked`` when ``mse`` is given), and ``exceeds_one`` (a benchmarked
        proportion above 1).

    Raises
    ------
    DataError
        Shares not adding to 1, a missing estimate or target, or a zero weighted sum, with
        the group named.
    """
    gcols = [group] if isinstance(group, str) else list(group)
    for c in [estimate, share, *gcols] + ([target] if isinstance(target, str) else []):
        if c not in data.columns:
            raise DataError(f"column {c!r} is not in the data")
    est = pd.to_numeric(data[estimate], errors="coerce").to_numpy(dtype=float)
    w = pd.to_numeric(data[share], errors="coerce").to_numpy(dtype=float)
    key = data[gcols[0]] if len(gcols) == 1 else pd.Series(list(zip(*(data[c] for c in gcols))), index=data.index)
    if isinstance(target, str):
        tgt = pd.to_numeric(data[target], errors="coerce").to_numpy(dtype=float)
    else:
        tgt = key.map(pd.Series(target) if isinstance(target, dict) else target).to_numpy(dtype=float)
    codes, uniques = pd.factorize(key, use_na_sentinel=False)
    G = len(uniques)

    def per_group(values):
        return np.bincount(codes, weights=values, minlength=G)

    def named(bad_groups):
        return ", ".join(str(uniques[g]) for g in np.flatnonzero(bad_groups)[:10])

    if np.any(~np.isfinite(w) | (w < 0)):
        raise DataError(f"population shares must be non-negative numbers; not so in group(s) "
                        f"{named(per_group((~np.isfinite(w) | (w < 0)).astype(float)) > 0)}")
    if np.any(~np.isfinite(est)):
        raise DataError(f"cell estimates are missing in group(s) {named(per_group((~np.isfinite(est)).astype(float)) > 0)}")
    sums = per_group(w)
    if np.any(np.abs(sums - 1) > share_tol):
        raise DataError(f"population shares must add to 1 within each group; not so for {named(np.abs(sums - 1) > share_tol)}")
    tgt_min = np.full(G, np.inf)
    tgt_max = np.full(G, -np.inf)
    np.minimum.at(tgt_min, codes, np.where(np.isfinite(tgt), tgt, np.inf))
    np.maximum.at(tgt_max, codes, np.where(np.isfinite(tgt), tgt, -np.inf))
    if np.any(~np.isfinite(tgt)) or np.any(tgt_min != tgt_max):
        bad = ~np.isfinite(tgt_min) | (tgt_min != tgt_max) | (per_group((~np.isfinite(tgt)).astype(float)) > 0)
        raise DataError(f"the target must be given, and one value, for each group; not so for {named(bad)}")
    weighted = per_group(w * est)
    if np.any(weighted == 0):
        raise DataError(f"the share-weighted sum of the cell estimates is 0 in group(s) {named(weighted == 0)}")
    factor = tgt_min / weighted
    out = pd.DataFrame({"estimate": est, "share": w, "target": tgt, "factor": factor[codes],
                        "benchmarked": est * factor[codes]}, index=data.index)
    if mse is not None:
        out["mse_benchmarked"] = pd.to_numeric(data[mse], errors="coerce").to_numpy(dtype=float) * factor[codes] ** 2
    out["exceeds_one"] = out["benchmarked"] > 1
    return out
