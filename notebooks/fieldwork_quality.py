# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 调查执行质量 · Fieldwork quality
#
# Can the figures be trusted? This notebook reads the fieldwork-quality tables the assessment
# wrote under `quality/` (docs/methods/quality.md): AAPOR's response rates, the nonresponse bias
# analysis of the frame variables at each weighting stage, the interviews flagged for review
# (speeders, straight-liners, duplicates) and the interviewers whose respondents score apart from
# their peers' once the respondents' composition is accounted for.

# %% tags=["parameters"]
processed_dir = "../data/processed"  # the assessment's outputs folder, relative to this notebook
seed = 20250101                      # random seed (nothing random in this notebook)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

# Shared setup (flows/notebook_support.py): CJK font and figure style; manifest, its config, rounds, estimates.
from literacy_flows.notebook_support import missing, notebook_style, pct, read_outputs, show

FONT = notebook_style()
P, manifest, config, rounds, estimates = read_outputs(processed_dir)
threshold = float(config.get("quality", {}).get("response_rate_threshold", 0.85))


def read(name):
    path = P / "quality" / f"{name}.csv"
    return pd.read_csv(path, dtype={"round": str, "domain": str, "interviewer": str}) if path.is_file() else None


rates, bias, flagged, interviewers = (read(n) for n in ("response_rates", "nonresponse_bias", "data_quality",
                                                        "interviewers"))
display(Markdown(f"The fieldwork-quality tables of rounds {', '.join(rounds)}; the response-rate threshold is "
                 f"{pct(threshold, 0)} (`quality.response_rate_threshold`)."))

# %% [markdown]
# ## 应答率 · Response rates
#
# AAPOR's Standard Definitions (2023), weighted by the sampling weights, for the city and each
# district. NCES Statistical Standard 4-4-1 asks for a nonresponse bias analysis when the unit
# response rate is below the threshold (`quality.response_rate_threshold`).

# %%
if rates is None:
    missing("quality/response_rates.csv", "the response rates")
else:
    w = rates[(rates["weighting"] == "weighted") & rates["breakdown"].isin(["all", "district"])]
    show(w[["round", "dispositions", "breakdown", "domain", "cases", "RR1", "RR3", "RR5", "COOP1", "REF1", "CON1"]],
         {c: "{:.1%}" for c in ("RR1", "RR3", "RR5", "COOP1", "REF1", "CON1")})
    city = w[w["breakdown"] == "all"].set_index("round")
    for rid, r in city.iterrows():
        rr = r["RR3"]
        display(Markdown(f"**{rid}**: weighted RR3 {pct(rr)} — "
                         + ("below" if rr < threshold else "not below") + f" the {pct(threshold, 0)} threshold."))

# %% [markdown]
# ## 无应答偏差 · Nonresponse bias by weighting stage
#
# For each frame variable, the respondents' share of each level minus the full sample's, in
# standard deviations, with the sampling weights, after the nonresponse adjustment and after
# calibration. Bars near zero after weighting mean the weighting removed what the frame shows.

# %%
if bias is None:
    missing("quality/nonresponse_bias.csv", "the nonresponse bias analysis")
else:
    shares = bias[bias["kind"].isin(["share", "mean"])].copy()
    for rid in shares["round"].unique():
        b = shares[shares["round"] == rid]
        labels = b["variable"] + ": " + b["category"].astype(str)
        y = np.arange(len(b))
        fig, ax = plt.subplots(figsize=(7, 0.28 * len(b) + 1))
        for k, (stage, colour) in enumerate((("base", "#c0504d"), ("nonresponse", "#f79646"),
                                             ("calibrated", "#4f81bd"))):
            ax.barh(y + (k - 1) * 0.27, b[f"std_bias_{stage}"], height=0.27, color=colour, label=stage)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlabel("standardised bias of the respondents (SD)")
        ax.set_title(f"{rid}: respondents against the full sample")
        ax.legend(loc="lower right", fontsize=8)
        plt.show()
    verdicts = shares.groupby(["round", "variable"], sort=False).agg(
        p_adjusted=("p_adjusted", "first"), worst_before=("std_bias_base", lambda s: s.abs().max()),
        worst_after=("std_bias_calibrated", lambda s: s.abs().max()), verdict=("bias_verdict", "first")).reset_index()
    show(verdicts, {"p_adjusted": "{:.4f}", "worst_before": "{:.3f}", "worst_after": "{:.3f}"})
    props = bias[bias["kind"] == "propensity"].pivot(index="round", columns="category", values="full_sample")
    show(props.reset_index(), {c: "{:.3f}" for c in props.columns})
    census = bias[bias["kind"] == "census"]
    if len(census):   # the respondents' weighted shares against the census margins, largest |standardised bias|
        worst = census.groupby(["round", "variable"], sort=False)[
            ["std_bias_base", "std_bias_nonresponse", "std_bias_calibrated"]].agg(lambda s: s.abs().max())
        show(worst.reset_index(), {c: "{:.3f}" for c in worst.columns})

# %% [markdown]
# ## 待复核访问 · Interviews flagged for review
#
# Flagged interviews are listed, not deleted (unless `quality.exclude` says so). Speeders are
# judged against their mode's median duration; straight-lining within items answered on the same
# codes; near duplicates within an interviewer's records.

# %%
if flagged is None:
    missing("quality/data_quality.csv", "the interview checks")
else:
    counts = flagged.assign(n=1).groupby("round")[["speeder", "straightliner", "near_duplicate"]].sum()
    counts["exact_duplicate"] = flagged.groupby("round")["exact_duplicate_of"].apply(lambda s: int(s.notna().sum()))
    counts["any"] = flagged.groupby("round").size()
    show(counts.reset_index())
    show(flagged.head(30), {"duration_ratio": "{:.2f}", "modal_share": "{:.0%}", "max_match": "{:.0%}"})

# %% [markdown]
# ## 访员效应 · Interviewers
#
# Each interviewer's mean score minus what their respondents' composition predicts (district,
# residence, sex, age band, education), against the spread of their peers (robust reference);
# outliers after Benjamini–Hochberg adjustment are flagged. The intra-interviewer correlation
# includes what the interviewers' communities share: interviewers are not randomised to areas.

# %%
if interviewers is None or not len(interviewers):
    missing("quality/interviewers.csv", "interviewer effects (no interviewer ids delivered)")
else:
    per = interviewers[interviewers["interviewer"] != "all"]
    for rid in per["round"].unique():
        d = per[per["round"] == rid].sort_values("difference")
        out = d["outlier"].astype(str).str.lower().eq("true").to_numpy()
        fig, ax = plt.subplots(figsize=(7, 3))
        ax.errorbar(np.arange(len(d)), d["difference"], yerr=1.96 * d["se"], fmt="none", ecolor="grey", lw=0.8)
        ax.scatter(np.arange(len(d)), d["difference"], c=np.where(out, "#c0504d", "#4f81bd"), s=14, zorder=3)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks([])
        ax.set_xlabel("interviewers, ordered")
        ax.set_ylabel("adjusted score difference")
        ax.set_title(f"{rid}: interviewers (red: flagged)")
        plt.show()
    outlying = interviewers["outlier"].astype(str).str.lower().eq("true")
    show(interviewers[interviewers["interviewer"].eq("all") | outlying],
         {"mean_score": "{:.1f}", "expected_score": "{:.1f}", "difference": "{:+.1f}", "p_adjusted": "{:.2g}",
          "icc": "{:.3f}", "deff_interviewer": "{:.2f}"})
