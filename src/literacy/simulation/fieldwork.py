"""The simulated fieldwork: final dispositions, interviewers, modes and durations, and the planted
problems the quality checks must find (issue 26).

* **Dispositions**: respondents are complete interviews; a nonrespondent is a non-contact, a
  refusal, a break-off, another non-interview or of unknown eligibility, with odds that depend on
  the frame variables (the young, men and urban residents are harder to reach; older urban
  residents refuse more), so the nonresponse is informative about what the frame records.
* **Interviewers**: each works the sampled PSUs of one district, about three PSUs each; most
  interviews are face to face, some completed by telephone.
* **Planted problems** (listed in ``fieldwork_truth.csv``): interviewers whose respondents score
  higher than they should (a share of their wrong, don't-know and skipped answers turned into
  right ones), speeders (a duration far below the mode's usual), straight-liners (one code to
  every true/false item), exact duplicates (a record copied with the respondent's
  characteristics) and near duplicates (a record copied within an interviewer, one or two
  answers changed).

The respondents stay the same people: only their answers (planted cases) and the new columns
change. Pure: arrays in, DataFrames out, one random stream.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["FIELDWORK_TRUTH_COLUMNS", "simulate_fieldwork"]

#: Columns of ``<round>/fieldwork_truth.csv``.
FIELDWORK_TRUTH_COLUMNS = ["respondent_id", "interviewer_id", "speeder", "straightliner", "exact_duplicate",
                           "near_duplicate", "duplicate_of", "inflating_interviewer"]

_NONINTERVIEW = ("non_contact", "refusal", "break_off", "other", "unknown_eligibility")
# multinomial logits of a nonrespondent's disposition: intercept, young (< 35), man, urban, older (>= 50)
_DISPOSITION_LOGIT = np.array([[0.0, 0.9, 0.5, 0.6, -0.3],     # non-contact
                               [0.4, -0.3, 0.0, 0.3, 0.5],     # refusal
                               [-2.2, 0.0, 0.0, 0.0, 0.0],     # break-off
                               [-1.6, 0.0, 0.0, -0.2, 0.4],    # other (illness, language)
                               [-1.5, 0.2, 0.0, 0.5, 0.0]])    # unknown eligibility
_PSUS_PER_INTERVIEWER = 3
_TELEPHONE_SHARE = 0.10
_MEDIAN_SECONDS = {"face_to_face": 1500.0, "telephone": 1100.0}
_DURATION_SIGMA = 0.25
_INFLATING = 0.08              # share of the interviewers (at least one) whose respondents score too high
_INFLATE_SHARE = 0.20          # of their respondents' wrong / don't-know / skipped answers made right
_SPEEDERS = 0.02
_STRAIGHTLINERS = 0.01
_EXACT_DUPLICATES = 0.003
_NEAR_DUPLICATES = 0.003


def _dispositions(sample: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    age = sample["age"].to_numpy(dtype=float)
    x = np.column_stack([np.ones(len(sample)), age < 35, sample["sex"].astype(str).to_numpy() == "male",
                         sample["residence"].astype(str).to_numpy() == "urban", age >= 50]).astype(float)
    logits = x @ _DISPOSITION_LOGIT.T
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    pick = (rng.random(len(sample))[:, None] > cum).sum(axis=1)
    out = np.array(_NONINTERVIEW, dtype=object)[np.minimum(pick, len(_NONINTERVIEW) - 1)]
    return np.where(sample["responded"].to_numpy(dtype=int) == 1, "complete", out)


def _interviewers(district: np.ndarray, psu: np.ndarray) -> np.ndarray:
    """Interviewer ids: the sampled PSUs of each district in order, about three per interviewer."""
    frame = pd.DataFrame({"district": district, "psu": psu}).drop_duplicates().sort_values(["district", "psu"])
    rank = frame.groupby("district", sort=True).cumcount().to_numpy() // _PSUS_PER_INTERVIEWER
    frame["interviewer"] = pd.factorize(frame["district"].astype(str) + ":" + rank.astype(str))[0] + 1
    key = pd.Series(frame["interviewer"].to_numpy(), index=pd.MultiIndex.from_frame(frame[["district", "psu"]]))
    codes = key.reindex(pd.MultiIndex.from_arrays([district, psu])).to_numpy(dtype=np.int64)
    return np.char.add("INT", np.char.zfill(codes.astype(str), 3)).astype(object)


def simulate_fieldwork(sample: pd.DataFrame, responses: pd.DataFrame, instrument: pd.DataFrame,
                       frame_psu: np.ndarray, rng: np.random.Generator, plant: bool = True
                       ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Dispositions, paradata and planted problems for one simulated round.

    Parameters
    ----------
    sample : DataFrame
        The round's sample (``responded``, ``sex``, ``age``, ``residence``, ``district``).
    responses : DataFrame
        The respondents' rows, in the sample's order of the respondents, with one column per item.
    instrument : DataFrame
        The round's form (``item_id``, ``item_type``, ``correct``, ``valid_codes``).
    frame_psu : ndarray
        Each sampled person's community / village on the frame (the certainty PSUs' too), in the
        sample's rows: interviewers are assigned by it.
    rng : numpy.random.Generator
        The round's fieldwork stream.
    plant : bool
        Plant the fieldwork errors (``simulation.fieldwork_errors``); False gives the dispositions,
        interviewers and durations only.

    Returns
    -------
    (sample, responses, truth) : tuple of DataFrame
        The sample with ``disposition``; the responses with ``interviewer_id``,
        ``duration_seconds`` and ``mode`` (and the planted answers); and the truth
        (:data:`FIELDWORK_TRUTH_COLUMNS`, one row per respondent).
    """
    sample = sample.copy()
    sample["disposition"] = _dispositions(sample, rng)
    got = sample["responded"].to_numpy(dtype=int) == 1
    interviewer = _interviewers(sample["district"].astype(str).to_numpy(), np.asarray(frame_psu).astype(str))[got]
    n = len(responses)
    items = instrument["item_id"].astype(str).tolist()
    answers = responses[items].to_numpy(dtype=float, na_value=np.nan)
    correct = instrument["correct"].to_numpy(dtype=float)

    # interviewers whose respondents score higher than they should
    names = np.unique(interviewer)
    inflating = (rng.choice(names, size=max(1, int(round(_INFLATING * len(names)))), replace=False) if plant
                 else names[:0])
    inflated = np.isin(interviewer, inflating)
    wrong = answers != correct[None, :]                      # NaN (skipped) is wrong too
    fix = inflated[:, None] & wrong & (rng.random(answers.shape) < _INFLATE_SHARE)
    answers = np.where(fix, correct[None, :], answers)

    # speeders, straight-liners and duplicates, each on its own respondents
    order = rng.permutation(n)
    counts = [int(round(share * n)) if plant else 0
              for share in (_SPEEDERS, _STRAIGHTLINERS, _EXACT_DUPLICATES, _NEAR_DUPLICATES)]
    bounds = np.cumsum([0, *counts])
    planted = [np.zeros(n, dtype=bool) for _ in counts]
    for k in range(len(counts)):
        planted[k][order[bounds[k]:bounds[k + 1]]] = True
    speeder, straight, exact, near = planted
    tf = (instrument["item_type"].astype(str) == "true_false").to_numpy()
    rows = np.flatnonzero(straight)
    answers[np.ix_(rows, np.flatnonzero(tf))] = rng.integers(1, 3, size=len(rows))[:, None]

    # a duplicate copies another record of the same interviewer (an untouched one)
    clean = ~(speeder | straight | exact | near | inflated)
    out = responses.copy()
    ids = out["respondent_id"].astype(str).to_numpy()
    duplicate_of = np.full(n, "", dtype=object)
    for target_mask, is_exact in ((exact, True), (near, False)):
        targets = np.flatnonzero(target_mask)
        same = pd.Series(np.flatnonzero(clean)).groupby(interviewer[clean]).apply(list).to_dict()
        sources = np.array([rng.choice(same[interviewer[t]]) if interviewer[t] in same else t for t in targets],
                           dtype=np.int64)
        answers[targets] = answers[sources]
        duplicate_of[targets] = ids[sources]
        if is_exact:
            for col in ("sex", "age", "education", "occupation"):
                out.loc[targets, col] = out[col].to_numpy()[sources]
        else:   # one or two answers changed to another valid code
            for t in targets:
                for j in rng.choice(len(items), size=int(rng.integers(1, 3)), replace=False):
                    valid = [int(v) for v in str(instrument["valid_codes"].iloc[j]).split(";")]
                    others = [v for v in valid if v != answers[t, j]]
                    answers[t, j] = float(rng.choice(others))

    blank = np.isnan(answers)
    for j, item in enumerate(items):
        out[item] = pd.arrays.IntegerArray(np.where(blank[:, j], 0, answers[:, j]).astype(np.int64), blank[:, j])
    mode = np.where(rng.random(n) < _TELEPHONE_SHARE, "telephone", "face_to_face")
    median = np.where(mode == "telephone", _MEDIAN_SECONDS["telephone"], _MEDIAN_SECONDS["face_to_face"])
    duration = median * np.exp(_DURATION_SIGMA * rng.standard_normal(n))
    duration = np.where(speeder, median * rng.uniform(0.08, 0.22, n), duration)
    out["interviewer_id"] = interviewer
    out["duration_seconds"] = np.round(duration).astype(np.int64)
    out["mode"] = mode
    truth = pd.DataFrame({"respondent_id": out["respondent_id"].astype(str).to_numpy(), "interviewer_id": interviewer,
                          "speeder": speeder, "straightliner": straight, "exact_duplicate": exact,
                          "near_duplicate": near, "duplicate_of": duplicate_of, "inflating_interviewer": inflated})
    return sample, out, truth[FIELDWORK_TRUTH_COLUMNS]
