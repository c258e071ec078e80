"""The simulated survey's sample: a stratified two-stage design (PSUs by systematic PPS without
replacement with certainty units, then SRS of adults within each sampled PSU) and the unit
nonresponse that depends on covariates."""

from __future__ import annotations

import numpy as np

from literacy.errors import ConfigError, DesignError
from literacy.simulation.codes import RESIDENCE
from literacy.simulation.configured import required
from literacy.simulation.population import PsuFrame

__all__ = ["pps_inclusion", "pps_systematic", "draw_sample", "response_logit"]

_EXPECTED_RESPONSE = 0.78      # used to size the within-PSU sample

# Unit nonresponse: young people, men and the less educated respond less (logit scale).
_RESP_INTERCEPT = 1.60
_RESP_AGE = 0.036              # per year of age above 45
_RESP_MALE = -0.30
_RESP_EDU = np.array([-1.00, -0.50, 0.0, 0.35, 0.70])   # strong enough to bias unweighted shares up
_RESP_RURAL = 0.40


def pps_inclusion(sizes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Inclusion probabilities of PPS sampling of ``n`` units, with certainty units.

    Units whose size share times n reaches 1 are taken with certainty (probability 1) and
    removed, repeatedly; the rest get ``n' M_i / M'``.

    Parameters
    ----------
    sizes : array of int or float
        Measures of size M_i (> 0).
    n : int
        Number of units to draw; capped at the number of units.

    Returns
    -------
    (pi, certain) : tuple of ndarray
        Every unit's inclusion probability, and whether it is taken with certainty.

    Raises
    ------
    DesignError
        A measure of size that is not positive and finite.
    """
    sizes = np.asarray(sizes, dtype=float)
    if np.any(~np.isfinite(sizes)) or np.any(sizes <= 0):
        raise DesignError("pps_systematic: every measure of size must be positive and finite")
    k = len(sizes)
    n = int(min(n, k))
    pi = np.zeros(k)
    certain = np.zeros(k, dtype=bool)
    while True:
        rest = ~certain
        n_rest = n - int(certain.sum())
        pi[rest] = n_rest * sizes[rest] / sizes[rest].sum() if n_rest > 0 else 0.0
        new = rest & (pi >= 1.0 - 1e-12)
        if not new.any():
            break
        certain |= new
    pi[certain] = 1.0
    return pi, certain


def pps_systematic(sizes: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Systematic PPS sampling without replacement, with certainty units.

    Units whose size share times n reaches 1 are taken with certainty (inclusion
    probability 1) and removed, repeatedly; the remaining n' units are drawn by systematic
    sampling on the cumulated sizes (in frame order) from a random start, which gives each
    unit the exact inclusion probability n' M_i / M' (Lohr 2022, sec. 6.2; Sarndal, Swensson
    and Wretman 1992, sec. 3.6).

    Parameters
    ----------
    sizes : array of int or float
        Measures of size M_i (> 0), in frame order.
    n : int
        Number of units to draw; capped at the number of units.
    rng : numpy.random.Generator
        Source of the random start.

    Returns
    -------
    (selected, pi) : selected unit positions (sorted) and every unit's inclusion probability.
    """
    sizes = np.asarray(sizes, dtype=float)
    n = int(min(n, len(sizes)))
    pi, certain = pps_inclusion(sizes, n)
    rest_idx = np.flatnonzero(~certain)
    n_rest = n - int(certain.sum())
    chosen = [np.flatnonzero(certain)]
    if n_rest > 0:
        cum = np.cumsum(sizes[rest_idx])
        step = cum[-1] / n_rest
        points = rng.uniform(0.0, step) + step * np.arange(n_rest)
        # unit i is hit when cum[i-1] < point <= cum[i]; each is hit at most once since M_i < step
        hit = np.searchsorted(cum, points, side="left")
        chosen.append(rest_idx[np.minimum(hit, len(rest_idx) - 1)])
    return np.sort(np.concatenate(chosen)), pi


def draw_sample(people: dict, frame: PsuFrame, sim: dict, scale: float, rng: np.random.Generator):
    """Stratified two-stage sample: PPS systematic PSUs, then SRS of m adults per PSU.

    Strata are district x residence; each stratum gets ``simulation.sampled_psus`` PSUs (scaled,
    at least two, and at least two drawn without certainty); m is sized so the completed
    interviews land near ``simulation.respondents_per_round``.

    Parameters
    ----------
    people : dict
        :func:`~literacy.simulation.population.synthetic_adults`.
    frame : PsuFrame
        The PSU frame.
    sim : dict
        The config's ``simulation`` section.
    scale : float
        ``simulation.population_scale``.
    rng : numpy.random.Generator
        The round's sample stream.

    Returns
    -------
    (persons, prob, certain) : tuple of ndarray
        The person positions sampled (sorted), their overall inclusion probabilities
        pi_i * min(m, M_i) / M_i, and whether their PSU was taken with certainty.

    Raises
    ------
    ConfigError
        A stratum without an entry in ``simulation.sampled_psus``.
    """
    n_psu_cfg = required(sim, "sampled_psus", "simulation.")
    respondents = float(required(sim, "respondents_per_round", "simulation."))
    size = people["size"]
    stratum_of_psu = frame.district * 2 + frame.residence
    strata = np.unique(stratum_of_psu)
    alloc = {}
    for h in strata:
        name = f"{frame.districts[h // 2]}-{RESIDENCE[h % 2]}"
        if name not in n_psu_cfg:
            raise ConfigError(f"config: simulation.sampled_psus has no entry for stratum '{name}'")
        sizes_h = size[stratum_of_psu == h]
        k = len(sizes_h)
        n_h = min(k, max(2, int(round(float(n_psu_cfg[name]) * scale))))
        # keep at least two PSUs drawn without certainty, so the stratum has a variance
        # (certainty PSUs become variance strata of their own, see simulate_programme)
        while n_h < k and 0 < n_h - int(pps_inclusion(sizes_h, n_h)[1].sum()) < 2:
            n_h += 1
        alloc[h] = n_h
    total_psus = sum(alloc.values())
    # Fixed take per PSU, sized so completed interviews land near the configured number.
    m = max(2, int(np.ceil(respondents * scale / (total_psus * _EXPECTED_RESPONSE))))

    psu_pi = np.zeros(len(size))
    chosen = []
    for h in strata:  # one systematic PPS draw per stratum
        idx = np.flatnonzero(stratum_of_psu == h)
        sel, pi = pps_systematic(size[idx], alloc[h], rng)
        psu_pi[idx] = pi
        chosen.append(idx[sel])
    chosen = np.concatenate(chosen)
    in_sample_psu = np.zeros(len(size), dtype=bool)
    in_sample_psu[chosen] = True

    # Within each sampled PSU, SRS of min(m, M_i) adults: rank random keys within the PSU.
    cand = np.flatnonzero(in_sample_psu[people["psu"]])
    psu = people["psu"][cand]
    key = rng.random(len(cand))
    order = np.lexsort((key, psu))
    cand, psu = cand[order], psu[order]
    start = np.r_[0, np.flatnonzero(np.diff(psu)) + 1]
    rank = np.arange(len(cand)) - np.repeat(start, np.diff(np.r_[start, len(cand)]))
    take = rank < m
    persons = np.sort(cand[take])
    p_psu = people["psu"][persons]
    within = np.minimum(m, size[p_psu]) / size[p_psu]
    return persons, psu_pi[p_psu] * within, psu_pi[p_psu] >= 1.0


def response_logit(people: dict, persons: np.ndarray) -> np.ndarray:
    """The logit of each sampled person's response propensity.

    Young people, men and the less educated respond less; rural residents more.

    Parameters
    ----------
    people : dict
        :func:`~literacy.simulation.population.synthetic_adults`.
    persons : ndarray
        Positions of the sampled persons.

    Returns
    -------
    ndarray
        One logit per sampled person.
    """
    return (_RESP_INTERCEPT + _RESP_AGE * (people["age"][persons] - 45) + _RESP_MALE * people["male"][persons]
            + _RESP_EDU[people["edu"][persons]] + _RESP_RURAL * people["rural"][persons])
