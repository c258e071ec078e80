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
# **suppressed / 已抑制**, never as values; a dash (—) in a table is a cell with no value.

# %% tags=["parameters"]
processed_dir = "../data/processed"  # the assessment's outputs folder, relative to this notebook
seed = 20250101                      # random seed (nothing random in this notebook)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

# Shared setup (flows/notebook_support.py): CJK font and figure style; manifest, its config, rounds, estimates.
from literacy.catalog import RELIABILITY_LABELS, VERDICT_LABELS, VERSUS_NATIONAL
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


display(Markdown(f"**{config['assessment']['name_zh']}** · {config['assessment']['name_en']}  \n"
                 f"指标 Indicator: {level_zh} · {level_en}; 规划目标 target {pct(target)}; "
                 f"调查轮次 rounds: {', '.join(round_label[r] for r in rounds)}"))

# %% [markdown]
# ## 结论 · Headline

# %%
display(Markdown(f"**{headline.loc['summary_zh', 'value']}**\n\n{headline.loc['summary_en', 'value']}"))

# %% [markdown]
# ## 两种口径 · The raw-score share and the linked scale
#
# When the rounds answered different questionnaire forms, two figures describe the change and
# they answer different questions. The **raw-score share** is the official definition: the
# share of residents scoring above the threshold on the questionnaire of their own round; it is
# the figure the plan's target is judged on. A raw-score change between two forms mixes the
# change in literacy with the change of form (a harder form lowers the scores of the same
# people). The **linked scale** puts both rounds on the baseline form's scale through the items
# the forms share (anchors: an IRT calibration of both rounds at once, cut points from the
# baseline form, plausible values); its change compares like with like, and its standard error
# includes the linking error. The measurement notebook shows how the link was made.

# %%
def _form(rid: str) -> set[str]:
    path = P / rid / "items.csv"
    return set(pd.read_csv(path, dtype=str)["item"]) if path.is_file() else set()


hv = headline["value"]
base_round, end_round = hv.get("baseline_round", rounds[0]), hv.get("endline_round", rounds[-1])
forms = {rid: _form(rid) for rid in (base_round, end_round)}
forms_differ = bool(forms[base_round]) and bool(forms[end_round]) and forms[base_round] != forms[end_round]
has_linked = str(hv.get("linked_comparable", "")).lower() == "true" and hv.get("linked_change", "") != ""


def num(key: str) -> float:
    return float(hv[key]) if hv.get(key, "") != "" else float("nan")


if not forms_differ:
    display(Markdown(f"两轮使用同一问卷，原始得分比例即可直接比较。 · Both rounds answered the same questionnaire "
                     f"form: the raw-score shares compare directly (change {pp(num('change'))} points)."))
elif not has_linked:
    display(Markdown(f"**两轮问卷不同，且无法建立等值量表。** 原始得分变化（{pp(num('change'))}个百分点）混合了素质变化与问卷变化，"
                     f"不宜解读为素质提升幅度。 · **The rounds answered different forms and no linked scale could be "
                     f"made**: the raw-score change ({pp(num('change'))} points) mixes the change in literacy with the "
                     f"change of form and is not a measure of progress."))
else:
    shared = len(forms[base_round] & forms[end_round])
    n_new = len(forms[end_round] - forms[base_round])
    display(Markdown(
        f"**两轮问卷不同：** {end_round}年问卷与{base_round}年问卷共有{shared}道共同题，另有{n_new}道新题。"
        f"“是否达到目标”看{end_round}年原始得分比例（{pct(num('endline'))}，目标{pct(target)}）；"
        f"“素质提高了多少”看等值量表的变化（{pp(num('linked_change'))}个百分点，95%置信区间 "
        f"{pp(num('linked_change_ci_low'))}至{pp(num('linked_change_ci_high'))}），而不是原始得分变化"
        f"（{pp(num('change'))}个百分点）。\n\n"
        f"**The forms differ:** the {end_round} questionnaire shares {shared} items with the {base_round} one and adds "
        f"{n_new} new items. *Was the target met?* Read the {end_round} raw-score share ({pct(num('endline'))} against "
        f"the {pct(target)} target). *How much did literacy change?* Read the linked change "
        f"({pp(num('linked_change'))} points, 95% CI {pp(num('linked_change_ci_low'))} to "
        f"{pp(num('linked_change_ci_high'))}), not the raw-score change ({pp(num('change'))} points)."))
    display(pd.DataFrame({
        "口径 figure": ["原始得分比例 Raw-score share (official)", "等值量表比例 Linked-scale share"],
        base_round: [pct(num("baseline")), pct(num("linked_baseline"))],
        end_round: [pct(num("endline")), pct(num("linked_endline"))],
        "变化 change (pp)": [f"{pp(num('change'))} ({pp(num('change_ci_low'))} to {pp(num('change_ci_high'))})",
                           f"{pp(num('linked_change'))} ({pp(num('linked_change_ci_low'))} to "
                           f"{pp(num('linked_change_ci_high'))})"],
        "回答的问题 answers": ["是否达到目标 Was the target met?", "素质提高了多少 How much did literacy change?"],
    }))
    display(Markdown(f"等值误差（标准误）· Linking error (SE): {100 * num('linked_se_linking'):.1f} points, included in the "
                     f"linked change's interval."))

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
        out["有效样本量 n_eff"] = [("" if h or pd.isna(v) else f"{v:,.0f}") for h, v in zip(hidden, rows["n_effective"])]
    if "reliability" in rows.columns:  # NCHS flags, when the run made them
        out["可靠性 reliability"] = [" ".join(RELIABILITY_LABELS.get(str(v), (str(v), ""))).strip() if pd.notna(v) else ""
                                  for v in rows["reliability"]]
    for col, head in (("reliability_reason", "可靠性说明 reliability note"),
                      ("suppression_reason", "抑制原因 suppression reason")):
        if col in rows.columns and rows[col].fillna("").astype(str).str.strip().ne("").any():  # only when any is given
            out[head] = rows[col].astype("string").fillna("").astype(str)
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
# **有把握达到目标 met with confidence**: the whole 95% CI is at or above the target; **未达到目标
# not met**: wholly below; **无法判定 inconclusive**: the CI contains the target. The comparison
# with the national rate reads the same way: above, below, or not distinguishable from it.
#
# A mid-term assessment (no endline round) reads the latest round's CI against the share due by
# then on the straight line from the baseline to the target (the `target` column): **超前于进度
# ahead** (wholly above), **落后于进度 behind** (wholly below), **进度符合 on track** (contains it).

# %%
v = verdicts.reset_index(drop=True)
hidden = suppressed(v)
if np.allclose(v["target"].to_numpy(dtype=float), target):
    display(Markdown(f"每个子总体均对照全市目标{pct(target)}判定（规划未给各区、各人群单独目标）。 · Every domain is judged "
                     f"against the city's target of {pct(target)}: the config gives no district or group target."))
display(pd.DataFrame({
    "子总体 domain": v["label_zh"] + " " + v["label_en"],
    "估计 estimate": [("已抑制 suppressed" if h else pct(x)) for h, x in zip(hidden, v["estimate"])],
    "95% CI": [("" if h else f"{pct(lo)} – {pct(hi)}") for h, lo, hi in zip(hidden, v["ci_low"], v["ci_high"])],
    "目标 target": v["target"].map(pct),
    "判定 verdict": [("" if h else " · ".join(VERDICT_LABELS.get(c, (zh, c)))) for h, zh, c in
                   zip(hidden, v["verdict_zh"], v["verdict"])],
    "与全国比较 vs national": [("" if h else f"{' · '.join(VERSUS_NATIONAL.get(s, (s, s)))} ({pct(r, 2)})") for h, s, r in
                            zip(hidden, v["versus_national"], v["national_rate"])],
    "变化 change (pp)": [("" if h else f"{pp(c)} ({pp(lo)} to {pp(hi)})") for h, c, lo, hi in
                       zip(hidden, v["change"], v["change_ci_low"], v["change_ci_high"])],
}))
