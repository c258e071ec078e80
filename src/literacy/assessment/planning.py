"""The next plan's survey, from the end-of-period round: the inputs per reporting domain and the plan.

The reporting domains are the city, each district and each key group. For each, the
end-of-period round gives the share at the headline level, its design effect, its
respondents and the PSUs they came from (so m̄, the respondents per PSU within the domain,
and ρ = (deff − 1)/(m̄ − 1); Kish 1965, 5.4), and the response rate (the district's, or the
city's for a key group). :func:`literacy.planning.required_sample` turns them into
respondents, sampled adults and PSUs for an effective sample size of 400 (TIMSS's precision
standard) or a CI half-width, and the smallest change two such rounds detect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from literacy.assessment.config import check_planning, planning_config
from literacy.planning.sample_size import PLAN_COLUMNS, intra_psu_correlation, required_sample

__all__ = ["domain_takes", "plan_inputs", "sample_plan", "SAMPLE_PLAN_COLUMNS"]

_INPUTS = ["round", "breakdown", "domain", "label_zh", "label_en", "level", "n", "psus_with_respondents"]
SAMPLE_PLAN_COLUMNS = _INPUTS + PLAN_COLUMNS






def domain_takes(data: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Respondents and PSUs (with at least one respondent) of the city, each district and key group.

    Parameters
    ----------
    data : DataFrame
        A round's analysis data (the design columns, ``district`` and the ``group_<code>``
        indicators).
    config : dict
        The validated config (``design.psu``, ``groups``).

    Returns
    -------
    DataFrame
        ``breakdown, domain, n, psus_with_respondents``.
    """
    psu = data[config["design"]["psu"]].astype(str).to_numpy()
    rows = [("city", "all", np.ones(len(data), dtype=bool))]
    district = data["district"].astype(str).to_numpy()
    rows += [("district", d, district == d) for d in sorted(set(district))]
    for g in config["groups"]:
        col = f"group_{g['code']}"
        if col in data.columns:
            rows.append(("group", str(g["code"]), data[col].to_numpy(dtype=float) == 1))
    # distinct PSUs per domain: one factorisation, then counts of distinct (domain, psu) pairs
    codes, _ = pd.factorize(psu)
    out = []
    for breakdown, domain, m in rows:   # a dozen domains
        out.append({"breakdown": breakdown, "domain": domain, "n": int(m.sum()),
                    "psus_with_respondents": int(np.unique(codes[m]).size)})
    return pd.DataFrame(out)


def plan_inputs(estimates: pd.DataFrame, takes: pd.DataFrame, rates: pd.DataFrame, config: dict,
                round_id: str) -> tuple[pd.DataFrame, list[str]]:
    """One row per reporting domain: the headline share, deff, n, PSUs and response rate.

    Parameters
    ----------
    estimates : DataFrame
        The round's estimates *before* suppression (planning needs the share and design effect
        of a small group too: it is the group the next sample must cover).
    takes : DataFrame
        :func:`domain_takes`.
    rates : DataFrame
        :func:`literacy.assessment.deliverables.response_rates` of the round's sample
        (``domain`` all or a district).
    config : dict
        The validated config (``scoring.headline``).
    round_id : str
        The round planned from.

    Returns
    -------
    inputs : DataFrame
        One row per domain with a share and design effect to plan from.
    notes : list of str
        The domains left out (no respondents, or a share of 0 or 1), one line each.
    """
    level = config["scoring"]["headline"]
    est = estimates[(estimates["round"].astype(str) == str(round_id)) & (estimates["level"] == level)
                    & estimates["breakdown"].isin(["city", "district", "group"])]
    est = est[["round", "breakdown", "domain", "label_zh", "label_en", "level", "estimate", "deff"]]
    out = est.merge(takes, on=["breakdown", "domain"], how="left", validate="one_to_one")
    rate = rates.set_index("domain")["response_rate"]
    city_rate = float(rate.get("all", np.nan))
    out["response_rate"] = [float(rate.get(d, city_rate)) if b == "district" else city_rate
                            for b, d in zip(out["breakdown"], out["domain"])]
    out["respondents_per_psu"] = out["n"] / out["psus_with_respondents"]
    bad = (out["estimate"].isna() | out["deff"].isna() | ~(out["deff"] > 0)).to_numpy()
    notes = [f"sample plan: round {round_id}, {r.breakdown} {r.domain} has no share or design effect to plan from; "
             f"left out" for r in out[bad].itertuples()]
    return out[~bad].reset_index(drop=True), notes


def sample_plan(inputs: pd.DataFrame, config: dict, **overrides) -> pd.DataFrame:
    """The next round's sample per reporting domain.

    :func:`literacy.planning.required_sample` on :func:`plan_inputs`, with the ``planning``
    config.

    Parameters
    ----------
    inputs : DataFrame
        :func:`plan_inputs`.
    config : dict
        The validated config (``planning``).
    **overrides
        Replace keys of the ``planning`` section (None: keep the configured value); an explicit
        ``target_neff`` without ``half_width`` drops a configured half-width.

    Returns
    -------
    DataFrame
        :data:`SAMPLE_PLAN_COLUMNS`.
    """
    p = {**planning_config(config), **{k: v for k, v in overrides.items() if v is not None}}
    # a domain with one respondent per PSU (a certainty stratum's adults are its PSUs) shows no
    # clustering to estimate rho from; rho = 0 there (with m = 1 the planned deff is 1 anyway)
    inputs = inputs.assign(_rho=np.nan_to_num(intra_psu_correlation(inputs["deff"], inputs["respondents_per_psu"]),
                                              nan=0.0))
    if overrides.get("target_neff") is not None and overrides.get("half_width") is None:
        p["half_width"] = None   # an explicit effective size replaces a configured half-width
    check_planning(p, "plan")
    res = required_sample(inputs, estimate="estimate", deff="deff", respondents_per_psu="respondents_per_psu", rho="_rho",
                          response_rate="response_rate", planned_per_psu=p["planned_per_psu"],
                          target_neff=p["target_neff"], half_width=p["half_width"], alpha=p["alpha"],
                          power=p["power"])
    return res[SAMPLE_PLAN_COLUMNS].reset_index(drop=True)
