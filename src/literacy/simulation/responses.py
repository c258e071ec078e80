"""The simulated answers: a 2PL item-response model written as critical shifts, so one set of
uniforms gives every person's score under any latent shift (common random numbers); the shift that
hits a target rate; the answer codes of the answers that are not right; theta* of a level."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from literacy.errors import DesignError
from literacy.simulation.codes import DONT_KNOW
from literacy.simulation.questionnaire import TRUE_FALSE

__all__ = ["ItemModel", "clearing_shifts", "calibrate_shift", "true_theta_cut", "expit", "logit_inplace"]

# Answers that are not right (theta and difficulty on the reporting scale: the baseline
# population's theta has mean 0 and SD 1): a few per cent left blank (skipped), more often by low
# scorers; of the rest, "don't know" more likely when the item is beyond the person, else a wrong code.
_SKIP_INTERCEPT, _SKIP_SLOPE = -2.9, -0.4      # logit P(skip | not right) = a + b theta
_DK_INTERCEPT, _DK_SLOPE = -0.6, -0.9          # logit P(dk | not right, not skipped) = a + b (theta - difficulty)


def expit(x):
    """The logistic function 1 / (1 + exp(-x)).

    Parameters
    ----------
    x : float or ndarray

    Returns
    -------
    float or ndarray
    """
    return 1.0 / (1.0 + np.exp(-x))


def logit_inplace(x: np.ndarray) -> None:
    """x <- logit(x), clipping to (1e-7, 1 - 1e-7) first (float32 uniforms can be 0).

    Parameters
    ----------
    x : ndarray
        float32 probabilities, overwritten by their logits.
    """
    np.clip(x, np.float32(1e-7), np.float32(1 - 1e-7), out=x)
    one_minus = np.subtract(np.float32(1.0), x)
    np.divide(x, one_minus, out=x)
    np.log(x, out=x)


class ItemModel:
    """Item responses under a 2-parameter logistic model, in the form of critical shifts.

    Item j is answered right with probability P = expit(a_j (theta - b_j)) on the simulation's
    internal latent scale (Lord 1980; Baker and Kim 2004): no guessing asymptote, so the model
    is the one an IRT fit estimates and the simulated parameters can be checked against it.
    With one uniform u_ij per cell, "right" happens exactly when theta exceeds
    C_ij = b_j + logit(u_ij) / a_j. A person's score under a latent shift s is therefore
    sum_j points_j 1[s > C_ij - theta_i]: a non-decreasing step function of s with fixed random
    numbers (common random numbers), and each person has a critical shift above which they
    clear the headline threshold. Answers that are not right are split afterwards into
    skipped, "don't know" and a wrong code (:meth:`codes`).
    """

    def __init__(self, instrument: pd.DataFrame, a: np.ndarray, b: np.ndarray):
        """The model of a form.

        Parameters
        ----------
        instrument : DataFrame
            The form (``instrument.csv`` layout).
        a, b : ndarray
            Discrimination and difficulty of each item (simulation's internal scale).
        """
        self.items = instrument["item_id"].tolist()
        self.points = instrument["points"].to_numpy(dtype=np.float32)
        self.correct = instrument["correct"].to_numpy(dtype=np.int64)
        self.a = np.asarray(a, dtype=np.float32)
        self.b = np.asarray(b, dtype=np.float32)
        self.n_codes = np.array([2 if t == TRUE_FALSE else 4 for t in instrument["item_type"]], dtype=np.int64)

    def critical_shifts(self, theta: np.ndarray, u: np.ndarray) -> np.ndarray:
        """D_ij: item j of person i is right when the shift exceeds D_ij.

        Overwrites ``u`` (it becomes D, which is returned), to keep the memory of a full-size
        population small.

        Parameters
        ----------
        theta : ndarray
            Latent literacy per person, before the shift.
        u : ndarray
            Persons x items float32 uniforms (overwritten).

        Returns
        -------
        ndarray
            ``u``, now D.
        """
        # right  <=>  u < expit(a (t - b))  <=>  t > b + logit(u) / a
        logit_inplace(u)
        u /= self.a
        u += self.b
        u -= theta.astype(np.float32)[:, None]
        return u

    def codes(self, right: np.ndarray, theta: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Answer codes (float, NaN = skipped): the right code, blank, 8 = don't know, or a wrong code.

        ``theta`` and ``b`` on the reporting scale. An answer that is not right is skipped with
        probability expit(-2.9 - 0.4 theta); otherwise "don't know" with probability
        expit(-0.6 - 0.9 (theta - b_j)), more likely when the item is beyond the person; otherwise
        one of the wrong codes, equally likely.

        Parameters
        ----------
        right : ndarray
            Persons x items, True where the answer is right.
        theta : ndarray
            Latent literacy per person (reporting scale).
        b : ndarray
            Item difficulties (reporting scale).
        rng : numpy.random.Generator
            Source of the uniforms.

        Returns
        -------
        ndarray
            Persons x items answer codes, NaN where skipped.
        """
        n, k = right.shape
        v = rng.random((n, k, 3))
        skipped = v[:, :, 0] < expit(_SKIP_INTERCEPT + _SKIP_SLOPE * theta[:, None])
        p_dk = expit(_DK_INTERCEPT + _DK_SLOPE * (theta[:, None] - np.asarray(b)[None, :]))
        dk = v[:, :, 1] < p_dk
        w = np.floor(v[:, :, 2] * (self.n_codes - 1)[None, :]).astype(np.int64)   # which wrong code
        wrong = w + 1 + (w + 1 >= self.correct[None, :])                           # skip the right one
        out = np.where(right, self.correct[None, :], np.where(dk, DONT_KNOW, wrong)).astype(float)
        out[skipped & ~right] = np.nan
        return out


def clearing_shifts(points: np.ndarray, crit: np.ndarray, threshold: float, inclusive: bool) -> np.ndarray:
    """Each person's critical shift S_i: their score clears ``threshold`` exactly when shift > S_i.

    With items grouped by their points value v_g and each group's critical shifts sorted, a
    person has at least c_g right answers in every group when the shift exceeds the c_g-th
    smallest; so S_i is the minimum, over count vectors whose points clear the threshold, of
    the largest of those order statistics. Enumerating the counts of all groups but the last
    (the last takes the fewest that clear) is a handful of vector operations.

    Parameters
    ----------
    points : ndarray
        Points of each item.
    crit : ndarray
        Persons x items critical shifts (:meth:`ItemModel.critical_shifts`).
    threshold : float
        The score to clear.
    inclusive : bool
        Whether a score equal to ``threshold`` clears it.

    Returns
    -------
    ndarray
        S_i per person (float32; inf when no shift clears).
    """
    values = np.unique(points)
    groups = [np.sort(crit[:, points == v], axis=1) for v in values]
    sizes = [g.shape[1] for g in groups]
    last_v = float(values[-1])

    def clears(total: float) -> bool:
        return total >= threshold if inclusive else total > threshold

    best = np.full(len(crit), np.inf, dtype=np.float32)
    for counts in itertools.product(*[range(k + 1) for k in sizes[:-1]]):
        got = float(sum(c * float(v) for c, v in zip(counts, values[:-1])))
        k = max(0, int(np.floor((threshold - got) / last_v)))
        while k > 0 and clears(got + (k - 1) * last_v):
            k -= 1
        while not clears(got + k * last_v):
            k += 1
        if k > sizes[-1]:
            continue
        s_i = np.full(len(crit), -np.inf, dtype=np.float32)
        for g, c in zip(groups, (*counts, k)):
            if c > 0:
                np.maximum(s_i, g[:, c - 1], out=s_i)
        np.minimum(best, s_i, out=best)
    return best


def calibrate_shift(points: np.ndarray, crit: np.ndarray, target: float, threshold: float,
                     inclusive: bool) -> float:
    """The latent shift that makes the population share above the headline threshold ``target``.

    Each person's score is a step function of the shift (see :class:`ItemModel`) and they
    clear the threshold exactly when the shift exceeds their critical shift S_i. The
    population share at shift s is mean(S_i < s), so the calibrated shift is the midpoint
    between the order statistics around the target quantile: exact to 1/N, deterministic,
    no iteration (the limit of bisection with common random numbers).

    Parameters
    ----------
    points, crit, threshold, inclusive
        As :func:`clearing_shifts`.
    target : float
        The share wanted above the threshold.

    Returns
    -------
    float
        The shift.
    """
    s_crit = np.sort(clearing_shifts(points, crit, threshold, inclusive).astype(float))
    n = len(s_crit)
    k = int(round(target * n))
    if k <= 0:
        return float(s_crit[0] - 1.0)
    if k >= n:
        return float(s_crit[-1] + 1.0)
    return 0.5 * (s_crit[k - 1] + s_crit[k])


# TODO(integrate): use literacy.measurement.scale.theta_cut
def true_theta_cut(a: np.ndarray, d: np.ndarray, points: np.ndarray, score: float) -> float:
    """theta where the test characteristic curve sum_j points_j expit(a_j theta + d_j) equals ``score``.

    Bisection; the curve increases from 0 to the maximum score when every a_j > 0.

    Parameters
    ----------
    a, d, points : ndarray
        The items' slopes, intercepts and points (reporting scale).
    score : float
        The expected score wanted.

    Returns
    -------
    float
        theta*.

    Raises
    ------
    DesignError
        No theta in [-20, 20] gives the score.
    """
    a, d, points = (np.asarray(x, dtype=float) for x in (a, d, points))

    def tcc(t: float) -> float:
        return float(points @ expit(a * t + d))

    lo, hi = -20.0, 20.0
    if not tcc(lo) < score < tcc(hi):
        raise DesignError(f"simulation: no theta gives an expected score of {score}")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if tcc(mid) < score:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return 0.5 * (lo + hi)
