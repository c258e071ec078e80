"""Model matrices of an area-level model from a patsy formula, with checks naming areas."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import patsy

from literacy.errors import DataError

__all__ = ["AreaModel", "area_model", "area_labels", "name_areas"]


@dataclass
class AreaModel:
    """Response and covariates of every row of the input (rows kept in order)."""

    y: np.ndarray            # (n,) NaN where the area has no direct estimate
    X: np.ndarray            # (n, p)
    terms: list[str]
    labels: pd.Index         # area names, for messages
    response: str


def area_labels(data: pd.DataFrame, area: str | None) -> pd.Index:
    """The names used for areas in messages and notes: ``data[area]`` or the index."""
    if area is None:
        return pd.Index(data.index.astype(str))
    if area not in data.columns:
        raise DataError(f"area column {area!r} is not in the data")
    return pd.Index(data[area].astype(str))


def name_areas(labels: pd.Index, mask: np.ndarray, limit: int = 10) -> str:
    """A short list of the areas where ``mask`` is true, for a message."""
    names = list(labels[np.asarray(mask, dtype=bool)])
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def area_model(data: pd.DataFrame, formula: str, area: str | None = None) -> AreaModel:
    """Evaluate ``formula`` on ``data``: the response may be missing, the covariates may not.

    Parameters
    ----------
    data : DataFrame
        One row per area.
    formula : str
        patsy formula ``"y ~ C(district) + share_rural"``; categorical terms use treatment
        contrasts with the first level as reference (as R's ``as.factor`` in ``sae``).
    area : str, optional
        Column naming the areas in messages (default: the index).

    Raises
    ------
    DataError
        A covariate missing for an area (named), no response, or a formula patsy cannot read.
    """
    if not isinstance(data, pd.DataFrame) or len(data) == 0:
        raise DataError("the area data must be a non-empty DataFrame")
    labels = area_labels(data, area)
    frame = data.reset_index(drop=True)
    try:
        desc = patsy.ModelDesc.from_formula(formula)
    except patsy.PatsyError as exc:
        raise DataError(f"cannot read the formula {formula!r}: {exc}") from None
    if len(desc.lhs_termlist) != 1:
        raise DataError(f"the formula {formula!r} needs exactly one response on its left side")
    try:
        X_df = patsy.dmatrix(patsy.ModelDesc([], desc.rhs_termlist), frame, NA_action="drop",
                             return_type="dataframe")
        y_df = patsy.dmatrix(patsy.ModelDesc([], desc.lhs_termlist), frame,
                             NA_action=patsy.NAAction(NA_types=[]), return_type="dataframe")
    except patsy.PatsyError as exc:
        raise DataError(f"cannot evaluate the formula {formula!r}: {exc}") from None
    if y_df.shape[1] != 1:
        raise DataError(f"the response of {formula!r} must be one numeric column")
    missing = ~np.isin(np.arange(len(frame)), X_df.index.to_numpy())
    if missing.any():
        raise DataError(f"a covariate of {formula!r} is missing for area(s) "
                        f"{name_areas(labels, missing)}: the model cannot predict them")
    return AreaModel(y=y_df.iloc[:, 0].to_numpy(dtype=float), X=X_df.to_numpy(dtype=float),
                     terms=list(X_df.columns), labels=labels, response=y_df.columns[0])
