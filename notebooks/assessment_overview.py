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
# # 评估总览 · Assessment overview
#
# The headline share of residents with scientific literacy (具备科学素质的公民比例) for the
# city, each district and the plan's five key groups, per survey round, with 95% confidence
# intervals against the plan's target and the national rate; the change since the baseline;
# and the verdicts against the target.
#
# Everything here is read from the assessment's outputs folder (`processed_dir`): the
# estimates, change and verdict tables and `manifest.json` (which holds the config that made
# them). Nothing is re-estimated. Cells suppressed for small size are shown as
# **suppressed / 已抑制**, never as values.

# %% tags=["parameters"]
processed_dir = "../data/processed"  # the assessment's outputs folder, relative to this notebook
seed = 20250101                      # random seed (nothing random in this notebook)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

# Shared setup (flows/notebook_support.py): CJK font and figure style; manifest, its config, rounds, estimates.
from literacy_flows.notebook_support import notebook_style, pct, pp, read_outputs, suppressed
from literacy_flows.report.trend_figure import trend_figure   # every round's share and the linear trend

FONT = notebook_style()

P, manifest, config, rounds, estimates = read_outputs(processed_dir)
round_label = {str(r["id"]): f"{r.get('label_zh', r['id'])} · {r.get('label_en', r['id'])}" for r in config["rounds"]}
level = config["scoring"]["headline"]
level_zh, level_en = next((lv.get("zh", level), lv.get("en", level)) for lv in config["scoring"]["levels"]
                          if lv["code"] == level)
target = float(config["targets"]["headline"])
national = {rid: config["targets"]["national"].get(rid) for rid in rounds}

every_change = pd.read_parquet(P / "assessment" / "change.parquet")   # every pair of rounds (issue 23)
verdicts = pd.read_parquet(P / "assessment" / "verdicts.parquet")
headline = pd.read_csv(P / "assessment" / "headline.csv", dtype=str, keep_default_na=False).set_index("key")
# the headline pair: the baseline and the assessed round (the endline, or a mid-term's latest round)
change = every_change[(every_change["from_round"].astype(str) == headline.loc["baseline_round", "value"])
                      & (every_change["to_round"].astype(str) == headline.loc["endline_round", "value"])]
trend = pd.read_parquet(P / "assessment" / "trend.parquet") if (P / "assessment" / "trend.parquet").is_file() else None


def flagged(df: pd.DataFrame) -> np.ndarray:
    """Rows shown but flagged as statistically unreliable (the `reliability` column, when present)."""
    if "reliability" not in df.columns:
        return np.zeros(len(df), dtype=bool)
    ok = {"", "reliable", "ok", "presented", "present", "meets_standard"}
    return ~df["reliability"].fillna("").astype(str).str.lower().isin(ok).to_numpy()


print(f"{config['assessment']['name_zh']}\n{config['assessment']['name_en']}")
print(f"headline level: {level_zh} / {level_en}; target {pct(target)}; rounds {', '.join(rounds)}; font {FONT}")

# %% [markdown]
# ## 结论 · Headline

# %%
display(Markdown(f"**{headline.loc['summary_zh', 'value']}**\n\n{headline.loc['summary_en', 'value']}"))

# %% [markdown]
# ## 分区与重点人群 · Districts and key groups, per round
#
# Points are the weighted shares at the headline level; bars are 95% confidence intervals
# (logit, design degrees of freedom). Dashed red line: the plan's target; dotted grey line:
# the national rate used for that round. Hollow points are flagged as unreliable by the NCHS
# standards (when the estimates carry the `reliability` column).

# %%
ORDER = {"city": 0, "district": 1, "group": 2}


def forest_rows(rid: str) -> pd.DataFrame:
    est = estimates[(estimates["round"].astype(str) == rid) & (estimates["level"] == level)
                    & estimates["breakdown"].isin(list(ORDER))].copy()
    est["_order"] = est["breakdown"].map(ORDER)
    return est.sort_values("_order", kind="stable").reset_index(drop=True)


def forest(ax, rows: pd.DataFrame, title: str, nat: dict | None, show_labels: bool) -> None:
    y = np.arange(len(rows))[::-1].astype(float)
    hidden = suppressed(rows)
    weak = flagged(rows) & ~hidden
    for mask, face, label in ((~hidden & ~weak, "C0", None), (weak, "white", "不可靠，需复核 flagged unreliable (NCHS)")):
        if mask.any():
            r = rows[mask]
            est = 100 * r["estimate"].to_numpy(dtype=float)
            err = np.vstack([est - 100 * r["ci_low"].to_numpy(dtype=float), 100 * r["ci_high"].to_numpy(dtype=float) - est])
            ax.errorbar(est, y[mask], xerr=err, fmt="o", color="C0", mfc=face, ms=6, capsize=3, lw=1.5, label=label)
    for yi in y[hidden]:
        ax.text(0.02, yi, "已抑制 suppressed", transform=ax.get_yaxis_transform(), va="center", color="0.45",
                style="italic", fontsize=9)
    ax.axvline(100 * target, color="C3", ls="--", lw=1.2, label=f"规划目标 target {pct(target)}")
    if nat:
        ax.axvline(100 * float(nat["rate"]), color="0.4", ls=":", lw=1.2,
                   label=f"全国 national {pct(float(nat['rate']), 2)} ({nat.get('year', '')})")
    for b in range(len(rows) - 1):  # a rule between city, districts and groups
        if rows["breakdown"].iloc[b] != rows["breakdown"].iloc[b + 1]:
            ax.axhline(y[b] - 0.5, color="0.85", lw=0.8)
    if show_labels:  # the panels share the y axis: label it once
        ax.set_yticks(y, [f"{z}  {e}" for z, e in zip(rows["label_zh"], rows["label_en"])])
    ax.set_xlabel(f"{level_zh} {level_en} (%)")
    ax.set_title(title, fontsize=11)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=8, frameon=False)


panels = [forest_rows(rid) for rid in rounds]
fig, axes = plt.subplots(1, len(rounds), figsize=(5.2 * len(rounds) + 2.5, 0.42 * max(map(len, panels)) + 1.6),
                         sharey=True, squeeze=False)
for j, (rid, rows) in enumerate(zip(rounds, panels)):
    forest(axes[0, j], rows, round_label[rid], national.get(rid), show_labels=(j == 0))
xmax = max(ax.get_xlim()[1] for ax in axes[0])
for ax in axes[0]:
    ax.set_xlim(0, xmax)
fig.suptitle(f"{level_zh}的公民比例 · Share with scientific literacy (95% CI)", fontsize=12)
fig.tight_layout()
plt.show()

# %% [markdown]
# The same figures as a table (suppressed cells left blank, with the reason when given).

# %%
def rate_table(rows: pd.DataFrame) -> pd.DataFrame:
    hidden = suppressed(rows)
    out = pd.DataFrame({
        "子总体 domain": rows["label_zh"] + " " + rows["label_en"],
        "估计 estimate": [("已抑制 suppressed" if h else pct(v)) for h, v in zip(hidden, rows["estimate"])],
        "95% CI": [("" if h else f"{pct(lo)} – {pct(hi)}") for h, lo, hi in zip(hidden, rows["ci_low"], rows["ci_high"])],
        "n": rows["n"].astype("Int64"),
        "deff": [("" if h else f"{d:.2f}") for h, d in zip(hidden, rows["deff"])],
    })
    if "n_effective" in rows.columns:
        out["n_eff"] = [("" if h or pd.isna(v) else f"{v:,.0f}") for h, v in zip(hidden, rows["n_effective"])]
    for col in ("reliability", "reliability_reason", "suppression_reason"):  # NCHS flags, when the run made them
        if col in rows.columns:
            out[col] = rows[col].astype("string").fillna("").astype(str)
    return out


for rid, rows in zip(rounds, panels):
    display(Markdown(f"**{round_label[rid]}**"))
    display(rate_table(rows))

# %% [markdown]
# ## 重点人群与牵头部门 · Key groups and their lead departments

# %%
leads = pd.DataFrame([{"group": g["code"], "人群 group": f"{g.get('zh', '')} {g.get('en', '')}",
                       "牵头部门 lead department": f"{g.get('lead_zh', '')} · {g.get('lead_en', '')}"}
                      for g in config["groups"]])
if len(leads):
    wide = []
    for rid in rounds:
        g = estimates[(estimates["round"].astype(str) == rid) & (estimates["level"] == level)
                      & (estimates["breakdown"] == "group")]
        hidden = suppressed(g)
        wide.append(pd.Series([("已抑制 suppressed" if h else f"{pct(v)} ({pct(lo)}–{pct(hi)})")
                               for h, v, lo, hi in zip(hidden, g["estimate"], g["ci_low"], g["ci_high"])],
                              index=g["domain"].astype(str).to_numpy(), name=rid))
    display(leads.set_index("group").join(pd.concat(wide, axis=1)).reset_index(drop=True))

# %% [markdown]
# ## 变化 · Change since the baseline
#
# End-of-period share minus baseline share, in percentage points, with its 95% CI (the two
# rounds are independent samples: their variances add; Welch–Satterthwaite degrees of
# freedom). A CI that excludes zero is a change that is unlikely to be sampling noise.

# %%
ch = change[(change["level"] == level) & change["breakdown"].isin(list(ORDER))].copy()
ch["_order"] = ch["breakdown"].map(ORDER)
ch = ch.sort_values("_order", kind="stable").reset_index(drop=True)
hidden = suppressed(ch, "change")
y = np.arange(len(ch))[::-1].astype(float)
fig, ax = plt.subplots(figsize=(8.5, 0.42 * len(ch) + 1.4))
shown = ~hidden
d = 100 * ch.loc[shown, "change"].to_numpy(dtype=float)
err = np.vstack([d - 100 * ch.loc[shown, "ci_low"].to_numpy(dtype=float), 100 * ch.loc[shown, "ci_high"].to_numpy(dtype=float) - d])
ax.errorbar(d, y[shown], xerr=err, fmt="s", color="C2", ms=5, capsize=3)
for yi in y[hidden]:
    ax.text(0.02, yi, "已抑制 suppressed", transform=ax.get_yaxis_transform(), va="center", color="0.45",
            style="italic", fontsize=9)
ax.axvline(0, color="0.3", lw=1)
base_round, end_round = headline.loc["baseline_round", "value"], headline.loc["endline_round", "value"]
ax.set_yticks(y, [f"{z}  {e}" for z, e in zip(ch["label_zh"], ch["label_en"])])
ax.set_xlabel(f"{base_round}→{end_round} 变化 change (百分点 percentage points)")
ax.set_title(f"{level_zh}比例的变化 · Change in the share, {base_round} to {end_round} (95% CI)", fontsize=11)
fig.tight_layout()
plt.show()

display(pd.DataFrame({
    "子总体 domain": ch["label_zh"] + " " + ch["label_en"],
    base_round: [("" if h else pct(v)) for h, v in zip(suppressed(ch, "baseline"), ch["baseline"])],
    end_round: [("" if h else pct(v)) for h, v in zip(suppressed(ch, "endline"), ch["endline"])],
    "变化 change (pp)": [("已抑制 suppressed" if h else pp(v)) for h, v in zip(hidden, ch["change"])],
    "95% CI (pp)": [("" if h else f"{pp(lo)} to {pp(hi)}") for h, lo, hi in zip(hidden, ch["ci_low"], ch["ci_high"])],
    "p": [("" if h else f"{p:.4f}") for h, p in zip(hidden, ch["p_value"])],
}))

# %% [markdown]
# ## 趋势 · Trend over every round
#
# Every round's share with its 95% CI, by fieldwork year, and the linear trend: the weighted least
# squares line of the round estimates on the year with weights 1/SE² (the rounds are independent
# samples; `assessment/trend.csv`: slope per year, its SE, z test, and with three rounds or more the
# departure from linearity). With two rounds the slope is the change divided by the years between them.

# %%
if trend is None:
    print("no assessment/trend.csv in this folder")
else:
    fig = trend_figure(estimates, trend, config, level, breakdowns=("city", "district"))
    if fig is not None:
        plt.show()
    t = trend[(trend["level"] == level) & trend["breakdown"].isin(["city", "district", "group"])]
    display(pd.DataFrame({
        "子总体 domain": t["label_zh"] + " " + t["label_en"],
        "轮次 rounds": t["n_rounds"],
        "年均变化 per year (pp)": [pp(v) for v in t["slope"]],
        "95% CI (pp)": [f"{pp(lo)} to {pp(hi)}" for lo, hi in zip(t["slope_ci_low"], t["slope_ci_high"])],
        "p": [("" if pd.isna(p) else f"{p:.4f}") for p in t["p_value"]],
        "偏离线性 nonlinearity p": [("" if pd.isna(p) else f"{p:.4f}") for p in t["nonlinearity_p"]],
    }))

# %% [markdown]
# ## 目标判定 · Verdicts against the target
#
# `met` (已达到): the whole 95% CI is at or above the target; `not_met` (未达到): wholly below;
# `inconclusive` (无法判定): the CI contains the target. The comparison with the national rate
# reads the same way. A mid-term assessment (no endline round) reads the latest round's CI against
# the share due by then on the straight line from the baseline to the target (`target`): `ahead`
# (超前于进度, wholly above), `behind` (落后于进度, wholly below), `on_track` (进度符合, contains it).

# %%
v = verdicts.reset_index(drop=True)
hidden = suppressed(v)
display(pd.DataFrame({
    "子总体 domain": v["label_zh"] + " " + v["label_en"],
    "估计 estimate": [("已抑制 suppressed" if h else pct(x)) for h, x in zip(hidden, v["estimate"])],
    "95% CI": [("" if h else f"{pct(lo)} – {pct(hi)}") for h, lo, hi in zip(hidden, v["ci_low"], v["ci_high"])],
    "目标 target": v["target"].map(pct),
    "判定 verdict": [("" if h else f"{zh} · {en}") for h, zh, en in zip(hidden, v["verdict_zh"], v["verdict"])],
    "与全国比较 vs national": [("" if h else f"{s} ({pct(r, 2)})") for h, s, r in
                            zip(hidden, v["versus_national"], v["national_rate"])],
    "变化 change (pp)": [("" if h else f"{pp(c)} ({pp(lo)} to {pp(hi)})") for h, c, lo, hi in
                       zip(hidden, v["change"], v["change_ci_low"], v["change_ci_high"])],
}))
