"""The codes of the data contract the simulation writes (residence, sex, education, occupation,
"don't know"), and integer codes turned into those strings."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["RESIDENCE", "SEX", "EDUCATION", "OCCUPATION", "DONT_KNOW", "code_strings"]

#: ``residence`` codes (integer code 0 urban, 1 rural).
RESIDENCE = ("urban", "rural")
#: ``sex`` codes.
SEX = ("male", "female")
#: ``education`` codes, lowest first.
EDUCATION = ("primary_or_less", "junior_high", "senior_high", "junior_college", "bachelor_plus")
#: ``occupation`` codes.
OCCUPATION = ("farmer_herder", "industrial_worker", "civil_servant_cadre", "professional",
              "commerce_service", "student", "not_working", "other")
#: The answer code of "don't know".
DONT_KNOW = 8


def code_strings(labels, codes: np.ndarray) -> pd.Series:
    """A string Series from integer codes into ``labels``.

    Parameters
    ----------
    labels : sequence
        The codes' labels (position = integer code).
    codes : ndarray
        Integer codes, one per row.

    Returns
    -------
    Series
        ``labels[codes]`` as strings (pandas ``str`` dtype).
    """
    return pd.Series(pd.array([str(x) for x in labels], dtype="str").take(np.asarray(codes, dtype=np.int64)))
