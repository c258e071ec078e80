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
# # 模拟真值检验 · Estimates against the simulated truth
#
# On a simulated delivery the population is known: every estimate can be set beside the
# true population share (`assessment/truth_check.csv`, written only for simulated data).
# About 95% of the 95% confidence intervals should cover the truth; far fewer means the
# standard errors are too small (or the estimates biased), far more that they are too wide.
# The standardised errors (estimate − truth) / SE should look roughly standard normal.
#
# The intervals of one round are not independent (the domains share PSUs and the levels are
# nested), so the coverage count varies more than a binomial count would; the binomial range
# below is a rough guide, not a test.

# %% tags=["parameters"]
processed_dir = "../data/processed"  # the assessment's outputs folder, relative to this notebook
seed = 20250101                      # random seed (nothing random in this notebook)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from scipy import stats

# Shared setup (flows/notebook_support.py): CJK font and figure style; manifest, its config, rounds, estimates.
from literacy_flows.notebook_support import notebook_style, read_outputs, show, suppressed

FONT = notebook_style()

P, manifest, config, rounds, estimates = read_outputs(processed_dir)
level = config["scoring"]["headline"]
conf = float(config["estimation"]["level"])

check = pd.read_csv(P / "assessment" / "truth_check.csv", dtype={"round": str, "domain": str})
keys = ["round", "breakdown", "domain", "level"]
extra = [c for c in ("se", "suppressed", "reliability") if c in estimates.columns]
check = check.merge(estimates[keys + extra].astype({k: str for k in keys}), on=keys, how="left", validate="one_to_one")
hidden = suppressed(check)  # blank or flagged suppressed: not shown
shown = check[~hidden].copy()
shown["z"] = shown["error"] / shown["se"]
display(Markdown(f"{len(check)} estimates with a simulated truth; {int(hidden.sum())} suppressed (not shown). "
                 f"模拟真值 {len(check)} 个估计，其中 {int(hidden.sum())} 个已抑制（不显示）。"))

# %% [markdown]
# ## 估计与真值 · Estimate against truth (headline level)
#
# Each point is one domain's estimate with its 95% CI against the true population share;
# on the diagonal the estimate equals the truth. Red points: the CI misses the truth.

# %%
fig, axes = plt.subplots(1, len(rounds), figsize=(5.4 * len(rounds), 5), squeeze=False)
for ax, rid in zip(axes[0], rounds):
    r = shown[(shown["round"] == rid) & (shown["level"] == level)]
    for covered, colour in ((True, "C0"), (False, "C3")):
        s = r[r["covered"].astype(bool) == covered]
        est = 100 * s["estimate"].to_numpy(dtype=float)
        ax.errorbar(100 * s["truth"], est,
                    yerr=np.vstack([est - 100 * s["ci_low"].to_numpy(dtype=float), 100 * s["ci_high"].to_numpy(dtype=float) - est]),
                    fmt="o", ms=4, color=colour, alpha=0.8, capsize=2, lw=1,
                    label=f"{'覆盖 covered' if covered else '未覆盖 missed'} ({len(s)})")
    lim = [0, 100 * float(max(r["ci_high"].max(), r["truth"].max())) * 1.05]
    ax.plot(lim, lim, color="0.4", lw=1, ls="--")
    ax.set_xlim(lim)
    ax.set_ylim(lim)
    ax.set_aspect("equal")
    ax.set_xlabel("模拟真值 simulated truth (%)")
    ax.set_ylabel("估计 estimate (%)")
    ax.set_title(f"{rid}: '{level}' share, {len(r)} domains", fontsize=11)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 覆盖率 · Coverage of the confidence intervals
#
# Share of the CIs that contain the truth, by round and level and by breakdown; `expected
# range` is the central 95% range of the number covered if each interval covered with
# probability 0.95 independently.

# %%
def coverage(group: pd.DataFrame) -> pd.Series:
    n = len(group)
    k = int(group["covered"].astype(bool).sum())
    lo, hi = stats.binom.ppf([0.025, 0.975], n, conf)
    return pd.Series({"intervals": n, "covered": k, "coverage": f"{100 * k / n:.1f}%" if n else "",
                      "expected range": f"{int(lo)}–{int(hi)}" if n else "",
                      "mean error (pp)": f"{100 * group['error'].mean():+.2f}",
                      "RMSE (pp)": f"{100 * np.sqrt(np.mean(group['error'] ** 2)):.2f}"})


HEADS = {"intervals": "区间数 intervals", "covered": "覆盖真值数 covering the truth", "coverage": "覆盖率 coverage",
         "expected range": "期望范围 expected range", "mean error (pp)": "平均误差 mean error (pp)"}
by_level = shown.groupby(["round", "level"], sort=False)[["covered", "error"]].apply(coverage).reset_index()
display(by_level.rename(columns=HEADS))
by_breakdown = shown.groupby(["breakdown"], sort=False)[["covered", "error"]].apply(coverage).reset_index()
display(by_breakdown.rename(columns=HEADS))
total = coverage(shown)
display(Markdown(f"**All rounds and levels: {total['covered']} of {total['intervals']} intervals cover the truth "
                 f"({total['coverage']}; expected range {total['expected range']}).**"))

# %% [markdown]
# ## 标准化误差 · Standardised errors
#
# (estimate − truth) / SE against the standard normal density. A spread much wider than
# the curve means the standard errors understate the uncertainty.

# %%
fig, ax = plt.subplots(figsize=(7, 3.6))
z = shown["z"].replace([np.inf, -np.inf], np.nan).dropna()
ax.hist(z, bins=np.linspace(-4.5, 4.5, 37), density=True, color="C0", alpha=0.6, label=f"{len(z)} estimates")
grid = np.linspace(-4.5, 4.5, 200)
ax.plot(grid, stats.norm.pdf(grid), color="C3", lw=1.5, label="N(0, 1)")
ax.set_xlabel("(估计 − 真值) / 标准误 · (estimate − truth) / SE")
ax.legend(frameon=False, fontsize=8)
fig.tight_layout()
plt.show()
display(Markdown(f"标准化误差 Standardised errors: mean {z.mean():+.2f}, SD {z.std(ddof=1):.2f}, |z| > 1.96: "
                 f"{100 * (z.abs() > 1.96).mean():.1f}% (a standard normal: mean 0, SD 1, 5%). What the SD says "
                 f"beside the coverage is read out below the tail table."))

# %% [markdown]
# ### 哪些估计构成尾部 · Which estimates carry the tail
#
# The spread of the standardised errors by level, and every estimate with |z| > 3. Near a share
# of 0 the standard error of an estimated share is itself small (it shrinks with √(p̂(1 − p̂)/n)),
# so a domain whose estimate falls below its truth also gets a small SE and a z far in the tail,
# while its logit interval, which is asymmetric, may still cover the truth; an estimate of
# exactly 0 has SE 0 and no z at all (left out above). The yardstick that suits such shares is
# the error on the logit scale, (logit p̂ − logit p) · p̂(1 − p̂) / SE, shown beside it.

# %%
def _logit(x):
    x = np.clip(np.asarray(x, dtype=float), 1e-9, 1 - 1e-9)
    return np.log(x / (1 - x))


est_p = shown["estimate"].to_numpy(dtype=float)
shown["z_logit"] = (_logit(est_p) - _logit(shown["truth"])) * est_p * (1 - est_p) / shown["se"]
finite = np.isfinite(shown["z"]) & np.isfinite(shown["z_logit"])
spread = (shown[finite].groupby("level", sort=False)
          .agg(estimates=("z", "size"), mean_truth=("truth", "mean"), sd_z=("z", "std"), sd_z_logit=("z_logit", "std"),
               beyond_3=("z", lambda v: int((v.abs() > 3).sum())))
          .reset_index())
zero_se = int((shown["se"] <= 0).sum())
show(spread.rename(columns={"estimates": "估计数 estimates", "mean_truth": "平均真值 mean true share",
                            "sd_z": "z的标准差 SD of z", "sd_z_logit": "logit尺度z的标准差 SD of z (logit scale)",
                            "beyond_3": "|z| > 3"}),
     {"平均真值 mean true share": "{:.1%}", "z的标准差 SD of z": "{:.2f}", "logit尺度z的标准差 SD of z (logit scale)": "{:.2f}"})
tail = shown[finite & (shown["z"].abs() > 3)].sort_values("z")
display(tail[["round", "breakdown", "label_zh", "label_en", "level", "n", "estimate", "se", "truth", "z", "z_logit",
              "covered"]].rename(columns={"z_logit": "z (logit scale)"}).reset_index(drop=True))
level_names = {lv["code"]: f"{lv.get('zh', lv['code'])} {lv.get('en', '')}".strip() for lv in config["scoring"]["levels"]}
sd_core = shown.loc[finite & (shown["z"].abs() <= 3), "z"].std(ddof=1)
display(Markdown(f"{len(tail)} of {int(finite.sum())} estimates have |z| > 3, {int((tail['level'] != level).sum())} of "
                 f"them outside the headline level ({level_names.get(level, level)}); {zero_se} estimate(s) of exactly "
                 f"0 have SE 0 and no z. Without them the SD of z is {sd_core:.2f}."))

# %% [markdown]
# ### 解读 · Reading the diagnostics
#
# Coverage and the SD of the standardised errors measure different things: coverage counts the
# intervals that contain the truth (each a yes or no, whatever the distance), the SD weighs every
# error by its distance in standard errors, so a few estimates far in the tail raise it while
# barely moving coverage. The sentences below are computed from this run's numbers.

# %%
def reading() -> str:
    """The diagnostics in words, from the numbers above (coverage, SD of z overall and without the tail)."""
    k, n = int(total["covered"]), int(total["intervals"])
    lo, hi = (int(x) for x in stats.binom.ppf([0.025, 0.975], n, conf))
    sd_all = float(z.std(ddof=1))
    per_level = spread.set_index("level")
    worst = per_level["sd_z"].idxmax() if len(per_level) else level
    tail_levels = tail["level"].value_counts()
    main_level = tail_levels.index[0] if len(tail_levels) else worst
    if k < lo:
        cov = (f"Coverage is {100 * k / n:.1f}% ({k} of {n}), below the range expected of 95% intervals ({lo}–{hi}): "
               f"the intervals are too narrow for some estimates.")
    elif k > hi:
        cov = (f"Coverage is {100 * k / n:.1f}% ({k} of {n}), above the expected range ({lo}–{hi}): the intervals "
               f"are wider than they need to be.")
    else:
        cov = (f"Coverage is {100 * k / n:.1f}% ({k} of {n}), within the range expected of 95% intervals "
               f"({lo}–{hi}): the intervals hold what they claim.")
    if sd_all <= 1.2:
        sd = f"The SD of the standardised errors, {sd_all:.2f}, is close to 1: the standard errors are about right."
    elif sd_core <= 1.2:
        share = tail_levels.get(main_level, 0)
        sd = (f"The SD of the standardised errors is {sd_all:.2f}, not 1, because of the tail: {len(tail)} estimates "
              f"have |z| > 3, {share} of them at the level {level_names.get(main_level, main_level)} (mean true share "
              f"{100 * float(per_level.loc[main_level, 'mean_truth']):.1f}%, SD of z "
              f"{float(per_level.loc[main_level, 'sd_z']):.2f}). Near a share of 0 the standard error shrinks with the "
              f"estimate, so an estimate below its truth gets a small SE and a large |z|, while its asymmetric logit "
              f"interval may still cover the truth. Without those estimates the SD is {sd_core:.2f}, and on the "
              f"logit scale it is " + ", ".join(f"{float(r.sd_z_logit):.2f} ({level_names.get(i, i)})"
                                                for i, r in per_level.iterrows()) +
              ": the standard errors are right where the normal approximation holds; for small shares read the "
              "logit intervals, not ± 1.96 SE.")
    else:
        sd = (f"The SD of the standardised errors is {sd_all:.2f} and still {sd_core:.2f} without the tail: the "
              f"standard errors understate the uncertainty beyond a few small shares; check the design's variance "
              f"(strata, PSUs, the calibration) before reading the intervals at face value.")
    return cov + " " + sd


display(Markdown(reading()))

# %% [markdown]
# The intervals that miss the truth (headline level):

# %%
miss = shown[(~shown["covered"].astype(bool)) & (shown["level"] == level)]
display(miss[["round", "breakdown", "label_zh", "label_en", "n", "estimate", "ci_low", "ci_high", "truth"]]
        .reset_index(drop=True))
