"""Sampling stages of a design: clusters and strata coded per stage, finite population corrections.

Clusters and strata are coded globally and nested in the clusters of the stage above, as R's
``svydesign(id=~a+b, strata=, fpc=)`` holds them; each stage carries what the variance of
``svyrecvar`` needs (sampled clusters, ``1 - f`` and the product of the sampling fractions of
the stages above, per stratum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from literacy.errors import DesignError, not_in_data
from literacy.survey.codes import distinct, level_codes, recode

__all__ = ["Stage", "LONELY_PSU", "design_stages", "stage_fractions", "build_stages"]

#: What a stratum with a single PSU does (R's ``options(survey.lonely.psu=)``).
LONELY_PSU = ("fail", "remove", "adjust", "average", "certainty")


@dataclass(frozen=True)
class Stage:
    """One sampling stage, with clusters and strata coded globally (nested in earlier stages)."""

    cluster: np.ndarray          # per row: cluster code at this stage, 0..n_clusters-1
    n_clusters: int
    cluster_stratum: np.ndarray  # per cluster: stratum code at this stage
    n_strata: int
    stratum_n: np.ndarray        # per stratum: sampled clusters (in the full design)
    stratum_f: np.ndarray        # per stratum: 1 - sampling fraction, or 1 without fpc
    stratum_fraction: np.ndarray  # per stratum: sampling fraction n/N (0 without fpc)
    stratum_multiplier: np.ndarray  # per stratum: product of sampling fractions of the stages above


def stage_fractions(data: pd.DataFrame, fpc_columns: list[str], n_stages: int) -> list[np.ndarray | None]:
    """Per-row sampling fraction n/N at each stage with an fpc (None without).

    Parameters
    ----------
    data : DataFrame
        The sample.
    fpc_columns : list of str
        Finite population correction column per stage.
    n_stages : int
        Number of sampling stages.

    Returns
    -------
    list
        Per stage: the sampling fractions, population sizes stored negated (turned into
        fractions by :func:`build_stages`), or None without an fpc.
    """
    out: list[np.ndarray | None] = []
    for s in range(n_stages):
        if s >= len(fpc_columns):
            out.append(None)
            continue
        col = fpc_columns[s]
        v = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if np.isnan(v).any() or (v <= 0).any():
            raise DesignError(f"design: fpc column '{col}' must be positive and not missing")
        # R's rule: all values <= 1 are sampling fractions, otherwise population sizes.
        # Population sizes are stored negated and turned into fractions in build_stages,
        # once the number of sampled clusters per stratum is known.
        out.append(v if (v <= 1).all() else -v)
    return out


def build_stages(data: pd.DataFrame, strata_columns: list[str], psu_columns: list[str], fpc_columns: list[str],
                 nest: bool, lonely_psu: str, n_stages: int, fractions: list) -> list[Stage]:
    """The sampling stages of a design, clusters and strata coded globally (R's ``svydesign``).

    Parameters
    ----------
    data : DataFrame
        The sample.
    strata_columns, psu_columns, fpc_columns : list of str
        Stratum, cluster and finite population correction columns per stage.
    nest : bool
        PSU ids repeat across strata.
    lonely_psu : str
        R's ``survey.lonely.psu`` ("fail" raises on a stratum with one PSU).
    n_stages : int
        Number of sampling stages.
    fractions : list
        From :func:`stage_fractions`; population sizes are replaced by fractions in place.

    Returns
    -------
    list of Stage
        One per stage up to the first without an fpc (later stages add nothing, as R).

    Raises
    ------
    DesignError
        A PSU in two strata without ``nest``, an fpc smaller than the sample or varying within
        a stratum, a lonely PSU with ``lonely_psu="fail"``.
    """
    n = len(data)
    stages: list[Stage] = []
    parent = np.zeros(n, dtype=np.int64)         # cluster code of the stage above (all rows one at stage 0)
    parent_multiplier = np.ones(1)               # per parent cluster: product of fractions above
    for s in range(n_stages):
        # stratum at this stage: nested within the cluster of the stage above
        if s < len(strata_columns):
            h_raw, n_h_raw = level_codes(data[strata_columns[s]])
        else:
            h_raw, n_h_raw = np.zeros(n, dtype=np.int64), 1
        if s == 0:                               # one parent: the codes are already 0..k-1
            stratum, n_strata = h_raw, n_h_raw
        else:
            stratum, n_strata = recode(parent * n_h_raw + h_raw, (int(parent.max()) + 1) * n_h_raw)
        # cluster at this stage
        if s < len(psu_columns):
            c_raw, n_c_raw = level_codes(data[psu_columns[s]])
        else:
            c_raw, n_c_raw = np.arange(n, dtype=np.int64), n
        if s == 0 and not nest and strata_columns:
            # a PSU id must not appear in two strata unless nest=True
            pairs = distinct(c_raw * n_strata + stratum, n_c_raw * n_strata) // n_strata
            per_psu = np.bincount(pairs, minlength=n_c_raw)
            if (per_psu > 1).any():
                bad = int(np.flatnonzero(per_psu > 1)[0])
                psu_value = data[psu_columns[0]].iloc[int(np.flatnonzero(c_raw == bad)[0])] \
                    if psu_columns else "?"
                raise DesignError(f"design: PSU '{psu_value}' is in more than one stratum; "
                                  "relabel PSUs, or say PSU ids repeat across strata (nest=True; "
                                  "'literacy estimate --nest'; design.nest: true in a config)")
        cluster, n_clusters = recode(stratum * n_c_raw + c_raw, n_strata * n_c_raw)
        cluster_stratum = np.zeros(n_clusters, dtype=np.int64)
        cluster_stratum[cluster] = stratum
        stratum_n = np.bincount(cluster_stratum, minlength=n_strata).astype(float)

        frac = fractions[s] if s < len(fractions) else None
        if frac is None:
            f_row = np.zeros(n)
            has_fpc = False
        elif (frac > 0).all():
            f_row = frac
            has_fpc = True
        else:                                    # population sizes (stored negated)
            popsize = -frac
            n_row = stratum_n[stratum]
            if (popsize < n_row - 1e-9).any():
                first = int(np.flatnonzero(popsize < n_row - 1e-9)[0])
                raise DesignError(f"design: fpc column '{fpc_columns[s]}' gives a population size "
                                  f"smaller than the sample at row {first}")
            f_row = n_row / popsize
            has_fpc = True
            fractions[s] = f_row
        # the fraction must be constant within a stratum
        stratum_fraction = np.zeros(n_strata)
        stratum_fraction[stratum] = f_row
        if has_fpc and not np.allclose(stratum_fraction[stratum], f_row, rtol=1e-12, atol=0):
            raise DesignError(f"design: fpc column '{fpc_columns[s]}' varies within a stratum")
        stratum_f = 1.0 - stratum_fraction if has_fpc else np.ones(n_strata)
        stratum_parent = np.zeros(n_strata, dtype=np.int64)
        stratum_parent[stratum] = parent
        stages.append(Stage(cluster, n_clusters, cluster_stratum, n_strata, stratum_n, stratum_f,
                             stratum_fraction if has_fpc else np.zeros(n_strata),
                             parent_multiplier[stratum_parent]))
        if not has_fpc:
            break                                # later stages add nothing without an fpc (R's multistage)
        # multiplier for the next stage's strata: fraction of this stage's cluster's stratum
        parent_multiplier = (parent_multiplier[stratum_parent] * stratum_fraction)[cluster_stratum]
        parent = cluster
    if lonely_psu == "fail":
        st = stages[0]
        lonely = np.flatnonzero((st.stratum_n == 1) & (st.stratum_f > 1e-7))
        if lonely.size:
            name = "the only stratum"
            if strata_columns:
                row = int(np.flatnonzero(np.isin(st.cluster, np.flatnonzero(np.isin(st.cluster_stratum, lonely))))[0])
                name = f"stratum '{data[strata_columns[0]].iloc[row]}'"
            raise DesignError(f"design: {name} has only one PSU; choose lonely_psu "
                              "('remove', 'adjust', 'average' or 'certainty')")
    return stages


def design_stages(data: pd.DataFrame, strata_columns: list[str], psu_columns: list[str], fpc_columns: list[str],
                  nest: bool, lonely_psu: str) -> tuple[list[Stage], list]:
    """Check a design's columns and build its sampling stages (R's ``svydesign`` checks).

    Parameters
    ----------
    data : DataFrame
        The sample.
    strata_columns, psu_columns, fpc_columns : list of str
        Stratum, cluster and finite population correction columns per stage.
    nest : bool
        PSU ids repeat across strata.
    lonely_psu : str
        One of :data:`LONELY_PSU`.

    Returns
    -------
    (list of Stage, list)
        The stages (:func:`build_stages`) and the per-stage sampling fractions
        (:func:`stage_fractions`, population sizes turned into fractions).

    Raises
    ------
    DesignError
        An unknown ``lonely_psu``, no rows, a missing column or value, more strata or fpc
        columns than stages, and what :func:`build_stages` raises.
    """
    if lonely_psu not in LONELY_PSU:
        raise DesignError(f"design: lonely_psu must be one of {LONELY_PSU}, not {lonely_psu!r}")
    if len(data) == 0:
        raise DesignError("design: the data has no rows")
    for col in strata_columns + psu_columns + fpc_columns:
        if col not in data.columns:
            raise DesignError("design: " + not_in_data(col, data.columns))
        if data[col].dtype.kind in "iub":        # numpy integers cannot be missing
            continue
        bad = data[col].isna().to_numpy()
        if bad.any():
            raise DesignError(f"design: column '{col}' has missing values (first at row {int(np.flatnonzero(bad)[0])})")
    n_stages = max(1, len(psu_columns))
    if len(strata_columns) > n_stages:
        raise DesignError("design: more strata columns than sampling stages")
    if len(fpc_columns) > n_stages:
        raise DesignError("design: more fpc columns than sampling stages")
    fractions = stage_fractions(data, fpc_columns, n_stages)   # per-row sampling fractions or None
    return build_stages(data, strata_columns, psu_columns, fpc_columns, nest, lonely_psu, n_stages,
                        fractions), fractions
