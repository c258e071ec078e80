"""A simulated survey programme: every configured round's delivery files and the population truth
behind them (:func:`simulate_programme`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from literacy.assessment.config import validate_config
from literacy.assessment.estimates import population_rates
from literacy.errors import ConfigError
from literacy.scoring import level_indicators
from literacy.simulation.configured import baseline_round, required, round_years
from literacy.simulation.fieldwork import simulate_fieldwork
from literacy.simulation.forms import round_forms
from literacy.simulation.population import build_frame, census_margins, person_columns, synthetic_adults
from literacy.simulation.questionnaire import instrument_rows
from literacy.simulation.responses import ItemModel, calibrate_shift, expit, true_theta_cut
from literacy.simulation.sampling import draw_sample, response_logit

__all__ = ["RoundData", "Programme", "simulate_programme"]

_SOURCE_BASE = ("Illustrative approximation of the {year} census (simulated); "
                "replace with official census tables")
_SOURCE_PROJECTED = ("Illustrative approximation projected from the {year} census to {round} (simulated); "
                     "replace with official census tables or population estimates")


@dataclass
class RoundData:
    """One simulated round: the delivery files and the population behind them.

    Attributes
    ----------
    responses, sample, margins, truth : DataFrame
        ``<round>/responses.csv``, ``sample.csv``, ``margins.csv`` and ``truth.csv`` of the data
        contract. ``truth`` has, per breakdown, domain and level, the official ``rate`` (share
        whose raw score on the round's form clears the level's threshold) and ``rate_linked``
        (share whose latent literacy is above the level's cut on the linked scale, see
        :attr:`Programme.theta_cuts`).
    population : DataFrame
        The synthetic population frame (one row per adult; not part of a delivery): district,
        residence, stratum, psu, sex, age, education, occupation, theta (latent literacy on the
        reporting scale: the baseline round's population has mean 0 and SD 1), the part scores,
        score, the 0/1 level columns (raw score on the round's form), and respondent_id (the
        sample's id for sampled adults, missing otherwise).
    latent_shift : float
        The round's calibrated shift of latent literacy, on the simulation's internal scale
        (the within-group gain between rounds is the difference of the shifts).
    form : str
        The questionnaire form the round answers (``baseline`` or the round id of a form of
        ``simulation.forms``).
    fieldwork_truth : DataFrame or None
        ``<round>/fieldwork_truth.csv``: which interviews were planted as speeders,
        straight-liners, exact or near duplicates, and which interviewers inflate their
        respondents' scores (:mod:`~literacy.simulation.fieldwork`).
    """

    responses: pd.DataFrame
    sample: pd.DataFrame
    margins: pd.DataFrame
    truth: pd.DataFrame
    population: pd.DataFrame
    latent_shift: float = 0.0
    form: str = "baseline"
    fieldwork_truth: pd.DataFrame | None = None


@dataclass
class Programme:
    """A simulated survey programme: the forms and one :class:`RoundData` per round id.

    Attributes
    ----------
    instrument : DataFrame
        The baseline form (``instrument.csv``; the form of every round without one of its own).
    instruments : dict
        ``{round: DataFrame}``: the form each round answers.
    items : DataFrame
        The true item parameters (``simulation_items.csv``, simulation only), one row per round
        and item of its form: ``round, item_id, part, points, a, d, b, anchor, drift``. The
        response model is P(right) = 1 / (1 + exp(-(a theta + d))), b = -d / a, theta on the
        reporting scale; ``anchor`` is True for an item on the baseline form and another
        round's form; ``drift`` is the change of b against the baseline form (0 except for the
        drifting anchors).
    drifting_anchors : list of str
        The anchor items whose difficulty changes in a later round (see ``items.drift``).
    theta_cuts : dict
        ``{level code: theta*}``: where the baseline form's test characteristic curve (true
        parameters) equals the level's threshold; ``truth.rate_linked`` is the share above it.
    notes : list of str
        Sentences about the simulation (forms, drift), printed by ``literacy simulate``.
    """

    instrument: pd.DataFrame
    rounds: dict[str, RoundData] = field(default_factory=dict)
    instruments: dict[str, pd.DataFrame] = field(default_factory=dict)
    items: pd.DataFrame | None = None
    drifting_anchors: list[str] = field(default_factory=list)
    theta_cuts: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def simulate_programme(config: dict, seed: int | None = None) -> Programme:
    """Simulate a survey programme: the questionnaire forms and every configured round.

    Parameters
    ----------
    config : dict
        The assessment config (parsed YAML). Uses ``simulation`` (population, scale, target
        rates, respondents per round, sampled PSUs per stratum, forms), ``survey``, ``rounds``
        and ``scoring``.
    seed : int, optional
        Defaults to ``config["assessment"]["seed"]``. The same config and seed give identical
        DataFrames.

    Returns
    -------
    Programme
        ``instrument`` (the baseline form), ``instruments`` (each round's form), ``items`` (the
        true item parameters), ``drifting_anchors``, ``theta_cuts`` and ``rounds[round_id]``
        holding responses, sample, margins, truth and the population frame.

    Notes
    -----
    Every round is an independent stratified two-stage sample (strata district x residence):
    PSUs by systematic PPS without replacement (certainty PSUs taken with probability 1), then a
    fixed number of adults by SRS in each sampled PSU, so ``selection_prob`` is exactly
    pi_i * m_i / M_i (Lohr 2022, ch. 6). Answers follow a 2PL model (:class:`~literacy.simulation.responses.ItemModel`) on the
    round's form. The latent literacy of each round is shifted so the true city share whose raw
    score on the round's own form clears the headline threshold equals
    ``simulation.target_rates[round]``; later rounds are older and more educated (composition)
    and the remaining change is a within-group gain. Latent literacy is reported on the scale
    where the baseline round's population has mean 0 and SD 1 (the metric of an IRT fit with
    theta ~ N(0, 1) in the baseline); the item parameters of :attr:`Programme.items` are on it.
    The true cut theta* of a level is where the baseline form's test characteristic curve equals
    the level's threshold, and ``truth.rate_linked`` is the share above it: the rate a correctly
    linked scale shows, whichever form a round answered.
    """
    cfg = validate_config(config)
    sim = required(cfg, "simulation", "")
    scale = float(sim["population_scale"])
    targets = {str(k): float(v) for k, v in required(sim, "target_rates", "simulation.").items()}
    if seed is None:
        seed = int(required(cfg["assessment"], "seed", "assessment."))
    scoring = cfg["scoring"]
    headline = scoring["headline"]
    threshold = float(next(lv["threshold"] for lv in scoring["levels"] if lv["code"] == headline))
    inclusive = bool(scoring["inclusive"])
    parts = list(scoring["parts"])

    round_ids = [r["id"] for r in cfg["rounds"]]
    missing = [r for r in round_ids if r not in targets]
    if missing:
        raise ConfigError(f"config: simulation.target_rates has no rate for round(s) {missing}")
    baseline = baseline_round(cfg)
    forms = round_forms(sim, parts, round_ids, baseline)
    instruments = {rid: instrument_rows(f.items) for rid, f in forms.items()}
    for rid, instrument in instruments.items():
        totals = instrument.groupby("part")["points"].sum()
        for part, spec in scoring["parts"].items():
            if abs(float(totals.get(part, 0.0)) - float(spec[0])) > 1e-9:
                raise ConfigError(f"config: scoring.parts.{part} is {spec[0]} points but the simulated form of "
                                  f"round {rid} has {float(totals.get(part, 0.0))}")
    pop_cfg = required(sim, "population", "simulation.")
    census_year = pop_cfg["census_year"] if pop_cfg["census_year"] is not None else round_ids[0]
    years = round_years(cfg["rounds"], census_year)

    # One stream for the PSU frame (the same communities in every round), one per round.
    root = np.random.SeedSequence(int(seed))
    frame_seq, *round_seqs = root.spawn(1 + len(round_ids))
    frame = build_frame(sim, scale, np.random.default_rng(frame_seq))
    seqs = dict(zip(round_ids, round_seqs))

    out = Programme(instrument=instruments[baseline], instruments=instruments)
    metric: tuple[float, float] | None = None    # the baseline population's latent mean and SD
    cuts: dict[str, float] = {}
    item_rows = []
    # the baseline round first: its population fixes the reporting scale the others are put on
    for rid in [baseline] + [r for r in round_ids if r != baseline]:
        form, instrument = forms[rid], instruments[rid]
        s_pop, s_items, s_answers, s_sample, s_resp, s_field = (np.random.default_rng(x) for x in seqs[rid].spawn(6))
        people = synthetic_adults(frame, sim, cfg, years[rid], s_pop)
        n = len(people["psu"])
        a_raw = np.array([it[6] for it in form.items], dtype=float)
        b_raw = np.array([it[5] for it in form.items], dtype=float)
        if metric is not None:        # drift is given on the reporting scale
            b_raw = b_raw + form.drift * metric[1]
        model = ItemModel(instrument, a_raw, b_raw)
        item_parts = pd.Categorical(instrument["part"], categories=parts).codes
        part_matrix = np.zeros((len(instrument), len(parts)), dtype=np.float32)
        part_matrix[np.arange(len(instrument)), item_parts] = model.points
        u = s_items.random((n, len(model.items)), dtype=np.float32)
        crit = model.critical_shifts(people["theta"], u)
        shift = calibrate_shift(model.points, crit, targets[rid], threshold, inclusive)
        theta_raw = people["theta"] + shift
        if metric is None:
            metric = (float(theta_raw.mean()), float(theta_raw.std()))
        mu, sd = metric
        theta = (theta_raw - mu) / sd
        right = crit < shift
        del crit
        part_scores = (right.astype(np.float32) @ part_matrix).astype(float)
        score = part_scores.sum(axis=1)

        # the true item parameters on the reporting scale: P = expit(a theta + d), b = -d / a
        a_std = a_raw * sd
        b_std = (b_raw - mu) / sd
        d_std = -a_std * b_std
        item_rows.append(pd.DataFrame({
            "round": rid, "item_id": instrument["item_id"], "part": instrument["part"], "points": instrument["points"],
            "a": a_std, "d": d_std, "b": b_std, "anchor": form.anchor, "drift": form.drift}))
        if not cuts:   # theta*: the baseline form's test characteristic curve at each threshold
            cuts = {str(lv["code"]): true_theta_cut(a_std, d_std, model.points, float(lv["threshold"]))
                    for lv in scoring["levels"]}

        population = person_columns(people, frame)
        population["theta"] = theta
        for j, part in enumerate(parts):
            population[f"score_{part}"] = part_scores[:, j]
        population["score"] = score
        for code, ind in level_indicators(score, scoring["levels"], inclusive).items():
            population[code] = ind.astype(np.int64)

        # The sample and unit nonresponse.
        persons, prob, certain = draw_sample(people, frame, sim, scale, s_sample)
        responded = (s_resp.random(len(persons)) < expit(response_logit(people, persons))).astype(np.int64)
        cols = person_columns(people, frame, persons)
        ids = pd.Series(np.arange(1, len(persons) + 1)).astype("str").str.zfill(5)
        sample = pd.DataFrame({"respondent_id": (f"{rid}-" + ids).astype("str")})
        for c in ("district", "residence", "stratum", "psu"):
            sample[c] = cols[c]
        # A PSU taken with certainty is not sampled at the first stage: it is its own
        # (self-representing) variance stratum, and its adults, drawn by SRS, are the PSUs
        # (Lohr 2022, 6.4; Wolter 2007, 1.6). The delivery says so in stratum and psu.
        if certain.any():
            cert_psu = sample.loc[certain, "psu"].astype(str)
            sample.loc[certain, "stratum"] = sample.loc[certain, "stratum"].astype(str) + "-" + cert_psu
            sample.loc[certain, "psu"] = cert_psu + "-" + sample.loc[certain, "respondent_id"].astype(str)
        sample["selection_prob"] = prob
        sample["sex"] = cols["sex"]
        sample["age"] = cols["age"]
        sample["responded"] = responded
        linked = np.full(len(population), None, dtype=object)
        linked[persons] = sample["respondent_id"].to_numpy(dtype=object)
        population["respondent_id"] = pd.array(linked, dtype="str")

        # Respondents' answers: the population's right/not right, then blank, don't know or a wrong code.
        got = responded == 1
        resp_idx = persons[got]
        codes = model.codes(right[resp_idx], theta[resp_idx], b_std, s_answers)
        responses = sample.loc[got, list(sample.columns[:-1])].reset_index(drop=True)
        responses["education"] = cols["education"][got].reset_index(drop=True)
        responses["occupation"] = cols["occupation"][got].reset_index(drop=True)
        blank = np.isnan(codes)
        filled = np.where(blank, 0, codes).astype(np.int64)
        items = pd.DataFrame({item: pd.arrays.IntegerArray(filled[:, j], blank[:, j])
                              for j, item in enumerate(model.items)})
        responses = pd.concat([responses, items], axis=1)
        del right
        # dispositions, interviewers, durations and the planted fieldwork problems (issue 26)
        sample, responses, fieldwork = simulate_fieldwork(sample, responses, instrument, cols["psu"].to_numpy(),
                                                          s_field, plant=bool(sim.get("fieldwork_errors", True)))

        source = (_SOURCE_BASE.format(year=census_year) if years[rid] <= 0
                  else _SOURCE_PROJECTED.format(year=census_year, round=rid))
        margins = census_margins(people, frame, cfg, source)

        # the truth: raw-score rates and, as extra levels of one census, the shares above theta*
        tagged = {code: f"{code}\x00linked" for code in cuts}
        census = population.assign(**{tag: (theta > cuts[code]).astype(np.int64) for code, tag in tagged.items()})
        both = {**cfg, "scoring": {**scoring, "levels": [*scoring["levels"],
                                                         *({"code": tag} for tag in tagged.values())]}}
        rates = population_rates(census, both, rid)
        is_linked = rates["level"].isin(list(tagged.values())).to_numpy()
        keys = ["round", "breakdown", "domain", "level"]
        truth = rates[~is_linked].reset_index(drop=True)
        linked_rates = rates[is_linked].rename(columns={"rate": "rate_linked"})
        linked_rates["level"] = linked_rates["level"].str.removesuffix("\x00linked")
        truth = truth.merge(linked_rates[keys + ["rate_linked"]], on=keys, how="left", validate="one_to_one")
        out.rounds[rid] = RoundData(responses=responses, sample=sample, margins=margins, truth=truth,
                                    population=population, latent_shift=float(shift), form=form.name,
                                    fieldwork_truth=fieldwork)
    out.rounds = {rid: out.rounds[rid] for rid in round_ids}
    out.items = _items_table(item_rows, round_ids)
    out.theta_cuts = cuts
    drifting = out.items[out.items["drift"] != 0]
    out.drifting_anchors = list(dict.fromkeys(drifting["item_id"].astype(str)))
    distinct = {f.name for f in forms.values()}
    if len(distinct) > 1:
        for rid, f in forms.items():
            if f.name == rid:
                out.notes.append(f"round {rid} answers its own form: {int(f.anchor.sum())} anchor items of the "
                                 f"baseline form and {int((~f.anchor).sum())} new, harder items")
    for _, row in drifting.iterrows():
        out.notes.append(f"anchor {row['item_id']} drifts in round {row['round']}: difficulty b "
                         f"{'+' if row['drift'] > 0 else '-'}{abs(row['drift']):.2f} (reporting scale) against the "
                         f"baseline form")
    return out


def _items_table(frames: list[pd.DataFrame], round_ids: list[str]) -> pd.DataFrame:
    """The item parameters of every round, in the config's round order."""
    table = pd.concat(frames, ignore_index=True)
    order = {rid: i for i, rid in enumerate(round_ids)}
    table = table.iloc[np.argsort(table["round"].map(order).to_numpy(), kind="stable")].reset_index(drop=True)
    table["round"] = table["round"].astype(str)
    # an anchor is on the forms of two or more rounds (as literacy.measurement.forms.compare_forms)
    table["anchor"] = (table.groupby("item_id", sort=False)["round"].transform("size") > 1).to_numpy(dtype=bool)
    return table
