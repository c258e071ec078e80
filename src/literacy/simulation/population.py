"""The simulated city's adults: the PSU frame (communities and villages, the same in every round),
each round's population drawn from a generic behavioural model (age, sex, education, occupation,
latent literacy), the contract's person columns and the census margins of a round."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from literacy.domains import age_band
from literacy.simulation.codes import EDUCATION, OCCUPATION, RESIDENCE, SEX, code_strings
from literacy.simulation.configured import required

__all__ = ["PsuFrame", "build_frame", "synthetic_adults", "person_columns", "census_margins"]

# Behavioural model (generic, illustrative; ages and effects are on the scales noted).

# Relative density of single years of age among adults (China, 2020 census shape: the early-1960s
# and late-1980s birth cohorts are large), interpolated linearly between the knots.
_AGE_KNOTS = np.array([18, 22, 27, 32, 37, 42, 47, 52, 57, 62, 66, 69], dtype=float)
_AGE_DENSITY = np.array([0.80, 0.85, 0.95, 1.10, 1.00, 0.95, 1.05, 1.20, 1.10, 0.90, 0.80, 0.70])
_AGE_RURAL_TILT = 0.018        # rural villages are older: density x exp(tilt * (age - 43.5))
_AGE_TILT_PER_YEAR = 0.0008    # population ageing between rounds, per year since the census

# Education: ordered logit on a latent propensity (Agresti, categorical data, ch. 8).
_EDU_AGE = 0.060               # per year younger than 45
_EDU_URBAN = 1.30
_EDU_MALE = 0.12
_EDU_PSU_SD = 0.35             # communities differ in their education mix
_EDU_GAIN_PER_YEAR = _EDU_AGE     # cohort replacement: a cohort keeps its education as it ages
_EDU_CUTS = np.array([-0.55, 1.50, 2.55, 3.60])

# Occupation. Students: among 18-24 with senior high or more; not working: by age and sex
# (women's earlier retirement ages); everyone else from a table by residence x education over
# (farmer_herder, industrial_worker, civil_servant_cadre, professional, commerce_service, other),
# with industrial work prominent (a coal and chemical city) and a sex tilt.
_STUDENT_AGE = (np.array([18, 20, 22, 24, 25]), np.array([0.85, 0.70, 0.45, 0.12, 0.0]))
_NOT_WORKING_AGE = np.array([18, 45, 50, 55, 60, 69])
_NOT_WORKING = {  # (sex, residence) -> probability at the ages above
    ("male", "urban"): np.array([0.05, 0.06, 0.10, 0.35, 0.82, 0.95]),
    ("female", "urban"): np.array([0.12, 0.16, 0.45, 0.75, 0.90, 0.97]),
    ("male", "rural"): np.array([0.04, 0.04, 0.06, 0.10, 0.30, 0.50]),
    ("female", "rural"): np.array([0.08, 0.08, 0.12, 0.20, 0.45, 0.65]),
}
_WORK_CODES = ("farmer_herder", "industrial_worker", "civil_servant_cadre", "professional",
               "commerce_service", "other")
_WORK_TABLE = {
    "urban": np.array([
        [0.05, 0.44, 0.000, 0.01, 0.30, 0.20],   # primary or less
        [0.02, 0.52, 0.005, 0.02, 0.30, 0.135],  # junior high
        [0.01, 0.42, 0.025, 0.09, 0.31, 0.145],  # senior high
        [0.00, 0.25, 0.070, 0.30, 0.25, 0.13],   # junior college
        [0.00, 0.13, 0.150, 0.45, 0.16, 0.11],   # bachelor or more
    ]),
    "rural": np.array([
        [0.80, 0.08, 0.00, 0.00, 0.06, 0.06],
        [0.64, 0.16, 0.00, 0.01, 0.10, 0.09],
        [0.40, 0.22, 0.02, 0.06, 0.17, 0.13],
        [0.15, 0.20, 0.10, 0.25, 0.18, 0.12],
        [0.05, 0.10, 0.20, 0.35, 0.15, 0.15],
    ]),
}
_WORK_MALE_TILT = np.array([1.1, 1.5, 1.2, 0.9, 0.75, 1.0])   # relative odds for men

# Latent literacy (theta), before the round's calibrated shift.
_LIT_EDU = np.array([-0.60, -0.30, 0.00, 0.25, 0.50])
_LIT_AGE = -0.010              # per year of age above 45
_LIT_MALE = 0.12
_LIT_URBAN = 0.05
_LIT_PSU_SD = 0.15
_LIT_SD = 0.75                 # individual noise
_LIT_OCC = {"student": 0.25, "civil_servant_cadre": 0.15, "professional": 0.10}


@dataclass
class PsuFrame:
    """The PSU frame: the same communities and villages in every round (sizes drift between rounds).

    Attributes
    ----------
    district : ndarray
        District index per PSU.
    residence : ndarray
        0 urban, 1 rural.
    size : ndarray
        Adults at the census (int).
    psu_id : ndarray
        Object array of PSU ids.
    edu_u, lit_u : ndarray
        The PSU's effect on education and on literacy.
    districts : list of str
        District codes.
    """

    district: np.ndarray      # district index per PSU
    residence: np.ndarray     # 0 urban, 1 rural
    size: np.ndarray          # adults at the census (int)
    psu_id: np.ndarray        # object array of ids
    edu_u: np.ndarray         # PSU effect on education
    lit_u: np.ndarray         # PSU effect on literacy
    districts: list[str]      # district codes


def build_frame(sim: dict, scale: float, rng: np.random.Generator) -> PsuFrame:
    """The PSU frame of the configured city.

    Each district's urban and rural adults are split into communities and villages of about
    ``simulation.population.adults_per_psu`` (lognormal sizes, CV about 0.45, scaled to the total).

    Parameters
    ----------
    sim : dict
        The config's ``simulation`` section.
    scale : float
        ``simulation.population_scale``.
    rng : numpy.random.Generator
        The frame's stream.

    Returns
    -------
    PsuFrame
    """
    pop = required(sim, "population", "simulation.")
    districts = required(pop, "districts", "simulation.population.")
    adult_share = float(required(pop, "adult_share", "simulation.population."))
    per_psu = required(pop, "adults_per_psu", "simulation.population.")
    codes = list(districts)
    dist, res, size, ids = [], [], [], []
    for d_i, d in enumerate(codes):
        spec = districts[d]
        residents = float(required(spec, "residents", f"simulation.population.districts.{d}."))
        rural_share = float(required(spec, "rural_share", f"simulation.population.districts.{d}."))
        prefix = str(spec["psu_code"] or d[:3].upper())   # None: the first three letters
        for r_i, r in enumerate(RESIDENCE):
            share = rural_share if r == "rural" else 1.0 - rural_share
            adults = residents * share * adult_share * scale
            if adults < 1:
                continue
            mean = float(required(per_psu, r, "simulation.population.adults_per_psu."))
            k = max(2, int(round(adults / mean)))
            # Sizes vary around the mean (lognormal, CV about 0.45), then are scaled to the total.
            raw = rng.lognormal(0.0, 0.45, size=k)
            s = np.maximum(1, np.round(raw / raw.sum() * adults)).astype(np.int64)
            dist.append(np.full(k, d_i))
            res.append(np.full(k, r_i))
            size.append(s)
            letter = "U" if r == "urban" else "R"
            ids.append(np.array([f"{prefix}-{letter}-{j + 1:03d}" for j in range(k)], dtype=object))
    n_psu = sum(len(s) for s in size)
    return PsuFrame(district=np.concatenate(dist), residence=np.concatenate(res), size=np.concatenate(size),
                  psu_id=np.concatenate(ids), edu_u=rng.normal(0.0, _EDU_PSU_SD, n_psu),
                  lit_u=rng.normal(0.0, _LIT_PSU_SD, n_psu), districts=codes)


def synthetic_adults(frame: PsuFrame, sim: dict, config: dict, years: float, rng: np.random.Generator) -> dict:
    """The round's synthetic adults, ordered by PSU.

    Parameters
    ----------
    frame : PsuFrame
        The PSU frame.
    sim : dict
        The config's ``simulation`` section.
    config : dict
        The resolved config (``survey.age_min``, ``survey.age_max``).
    years : float
        Years since the census (ageing, education gains, PSU size drift).
    rng : numpy.random.Generator
        The round's population stream.

    Returns
    -------
    dict
        Arrays, one value per adult: psu, district, rural, age, male, edu, occ, theta (latent
        literacy before the round's shift); and ``size`` (adults per PSU this round).
    """
    pop_cfg = sim["population"]
    survey = config["survey"]
    age_min, age_max = int(survey["age_min"]), int(survey["age_max"])
    # PSU sizes drift a little between rounds (migration, new housing).
    if years > 0:
        size = np.maximum(1, np.round(frame.size * rng.lognormal(0.0, 0.06, len(frame.size)))).astype(np.int64)
    else:
        size = frame.size
    psu = np.repeat(np.arange(len(size)), size)
    n = len(psu)
    district = frame.district[psu]
    rural = frame.residence[psu]

    # Age: single years from the density, tilted older in villages and by ageing over the years.
    ages = np.arange(age_min, age_max + 1)
    base = np.interp(ages, _AGE_KNOTS, _AGE_DENSITY) * np.exp(_AGE_TILT_PER_YEAR * years * (ages - 43.5))
    age = np.empty(n, dtype=np.int64)
    for r_i in (0, 1):
        w = base * (np.exp(_AGE_RURAL_TILT * (ages - 43.5)) if r_i == 1 else 1.0)
        cdf = np.cumsum(w / w.sum())
        sel = rural == r_i
        age[sel] = ages[np.minimum(np.searchsorted(cdf, rng.random(int(sel.sum()))), len(ages) - 1)]

    sex_ratio = float(required(pop_cfg, "sex_ratio", "simulation.population."))
    male = rng.random(n) < sex_ratio / (100.0 + sex_ratio)

    d_edu = np.array([float(pop_cfg["districts"][d]["education"]) for d in frame.districts])
    d_lit = np.array([float(pop_cfg["districts"][d]["literacy"]) for d in frame.districts])

    # Education: ordered logit, e* = x'beta + logistic noise, cut at _EDU_CUTS.
    eta = (_EDU_AGE * (45 - age) + _EDU_URBAN * (rural == 0) + _EDU_MALE * male + d_edu[district]
           + frame.edu_u[psu] + _EDU_GAIN_PER_YEAR * years)
    u = rng.random(n)
    latent = eta + np.log(u / (1.0 - u))
    edu = np.searchsorted(_EDU_CUTS, latent).astype(np.int64)

    # Occupation.
    occ = np.full(n, -1, dtype=np.int64)
    p_student = np.interp(age, *_STUDENT_AGE) * (edu >= 2) * np.where(rural == 1, 0.7, 1.0)
    u_occ = rng.random((n, 3))
    student = u_occ[:, 0] < p_student
    occ[student] = OCCUPATION.index("student")
    p_nw = np.zeros(n)
    for (s, r), curve in _NOT_WORKING.items():
        sel = (male == (s == "male")) & (rural == RESIDENCE.index(r))
        p_nw[sel] = np.interp(age[sel], _NOT_WORKING_AGE, curve)
    not_working = ~student & (u_occ[:, 1] < p_nw)
    occ[not_working] = OCCUPATION.index("not_working")
    working = occ < 0
    table = np.stack([_WORK_TABLE["urban"], _WORK_TABLE["rural"]])      # residence x edu x job
    w = table[rural, edu] * np.where(male[:, None], _WORK_MALE_TILT[None, :], 1.0)
    cdf = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    job = (u_occ[:, 2:3] > cdf).sum(axis=1)
    job_codes = np.array([OCCUPATION.index(c) for c in _WORK_CODES])
    occ[working] = job_codes[np.minimum(job[working], len(_WORK_CODES) - 1)]

    # Latent literacy before the round's shift.
    occ_effect = np.array([_LIT_OCC.get(c, 0.0) for c in OCCUPATION])
    theta = (_LIT_EDU[edu] + _LIT_AGE * (age - 45) + _LIT_MALE * male + _LIT_URBAN * (rural == 0)
             + d_lit[district] + frame.lit_u[psu] + occ_effect[occ] + rng.normal(0.0, _LIT_SD, n))
    return {"psu": psu, "size": size, "district": district, "rural": rural, "age": age, "male": male,
            "edu": edu, "occ": occ, "theta": theta}


def person_columns(people: dict, frame: PsuFrame, idx: np.ndarray | None = None) -> pd.DataFrame:
    """The contract's person columns (string codes) for persons ``idx``.

    Parameters
    ----------
    people : dict
        :func:`synthetic_adults`.
    frame : PsuFrame
        The PSU frame.
    idx : ndarray, optional
        Positions of the persons wanted (all when None).

    Returns
    -------
    DataFrame
        district, residence, stratum, psu, sex, age, education, occupation.
    """
    take = (lambda x: x) if idx is None else (lambda x: x[idx])
    stratum_codes = [f"{d}-{r}" for d in frame.districts for r in RESIDENCE]

    def col(labels, codes):
        return code_strings(labels, take(np.asarray(codes)))

    return pd.DataFrame({
        "district": col(frame.districts, people["district"]),
        "residence": col(RESIDENCE, people["rural"]),
        "stratum": col(stratum_codes, people["district"] * 2 + people["rural"]),
        "psu": col(list(frame.psu_id), people["psu"]),
        "sex": col(SEX, np.where(people["male"], 0, 1)),
        "age": take(people["age"]),
        "education": col(EDUCATION, people["edu"]),
        "occupation": col(OCCUPATION, people["occ"]),
    })


def census_margins(people: dict, frame: PsuFrame, config: dict, source: str) -> pd.DataFrame:
    """Population counts of the round's adults in the long format of ``margins.csv``.

    Parameters
    ----------
    people : dict
        :func:`synthetic_adults`.
    frame : PsuFrame
        The PSU frame.
    config : dict
        The resolved config (``survey.age_bands``).
    source : str
        The ``source`` column's text.

    Returns
    -------
    DataFrame
        dimension, district, residence, sex, age_band, education, occupation, population, source
        (dimensions district+sex+age_band, district+education, district+residence,
        district+occupation).
    """
    bands = config["survey"]["age_bands"]
    band_codes = [str(b["code"]) for b in bands]
    band = pd.Categorical(age_band(pd.Series(people["age"]), bands), categories=band_codes).codes
    sex = np.where(people["male"], 0, 1)
    dims = [
        ("district+sex+age_band", [("district", frame.districts, people["district"]), ("sex", SEX, sex),
                                   ("age_band", band_codes, band)]),
        ("district+education", [("district", frame.districts, people["district"]),
                                ("education", EDUCATION, people["edu"])]),
        ("district+residence", [("district", frame.districts, people["district"]),
                                ("residence", RESIDENCE, people["rural"])]),
        ("district+occupation", [("district", frame.districts, people["district"]),
                                 ("occupation", OCCUPATION, people["occ"])]),
    ]
    columns = ["district", "residence", "sex", "age_band", "education", "occupation"]
    frames = []
    for name, parts in dims:
        shape = tuple(len(p[1]) for p in parts)
        codes = [np.asarray(p[2]) for p in parts]
        ok = np.all([c >= 0 for c in codes], axis=0)       # ages outside every band are not counted
        flat = np.ravel_multi_index(tuple(c[ok] for c in codes), shape)
        counts = np.bincount(flat, minlength=int(np.prod(shape)))
        cells = np.unravel_index(np.arange(counts.size), shape)
        df = pd.DataFrame({c: pd.Series([None] * counts.size, dtype="str") for c in columns})
        for (col, labels, _), idx in zip(parts, cells):
            df[col] = code_strings(labels, idx)
        df.insert(0, "dimension", name)
        df["population"] = counts.astype(np.int64)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out["source"] = source
    return out
