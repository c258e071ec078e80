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
# # 方法与诊断 · Methods and diagnostics
#
# How far to trust the figures: sample sizes and response, the weights at each stage, the
# raking margins, design effects, how the questionnaire's items behave (difficulty,
# item-rest correlation, Cronbach's alpha per part), the score distribution against the
# level thresholds, the small-area (model-based) figures of small cells, and the determinants
# of literacy when the run modelled them.
#
# Read from the outputs folder only: `manifest.json`, `<round>/weights_diagnostics.csv`,
# `<round>/nonresponse_classes.csv` (and `propensity_model.csv` with propensity classes),
# `<round>/weights_margins.csv` (when the run wrote it), `<round>/estimates.parquet` and
# `<round>/item_responses.parquet` (per respondent and item: weights, score, 0/1 correct; no
# identifiers); when the run wrote them, `assessment/small_area.csv` (small-area figures) and
# `assessment/determinants.csv` / `associations.csv` (a logistic regression's odds ratios and
# Rao–Scott tests). The IRT linking of the rounds has its own notebook, `measurement`.

# %% tags=["parameters"]
processed_dir = "../data/processed"  # the assessment's outputs folder, relative to this notebook
seed = 20250101                      # seeds the jitter of the design-effect strip plot

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

# Shared setup (flows/notebook_support.py): CJK font and figure style; manifest, its config, rounds, estimates.
from literacy_flows.notebook_support import notebook_style, read_outputs, show, suppressed
from literacy.catalog import p_value_text
from literacy_flows.report.notebook_tables import TableLabels, number_text

FONT = notebook_style()
rng = np.random.default_rng(seed)

P, manifest, config, rounds, estimates = read_outputs(processed_dir)
LABELS = TableLabels(config)   # codes -> zh/en labels, as the tables show them
level = config["scoring"]["headline"]
parts = {code: (v[1], v[2]) for code, v in config["scoring"]["parts"].items()}  # code -> (zh, en)
levels = sorted(config["scoring"]["levels"], key=lambda lv: float(lv["threshold"]))
inclusive = bool(config["scoring"]["inclusive"])
diagnostics = pd.concat([pd.read_csv(P / rid / "weights_diagnostics.csv", dtype={"round": str}) for rid in rounds],
                        ignore_index=True)
items = {rid: pd.read_parquet(P / rid / "item_responses.parquet") for rid in rounds if (P / rid / "item_responses.parquet").is_file()}


def wmean(x, w):
    return float(np.sum(w * x) / np.sum(w))


display(Markdown(f"调查轮次 Rounds {', '.join(rounds)}; item tables for {', '.join(items) or 'none'}. "
                 f"A dash (—) in a table is a cell with no value."))

# %% [markdown]
# ## 样本与无回答 · Sample and nonresponse
#
# Sampled adults, respondents and the unweighted response rate by district (from the weight
# diagnostics: the `base` stage counts every sampled adult, the later stages the
# respondents), and the city's weighted response rate (respondents' base weights over all
# sampled adults' base weights).

# %%
rows = []
for rid in rounds:
    d = diagnostics[diagnostics["round"] == rid]
    base = d[d["stage"] == "base"].set_index("domain")
    resp = d[d["stage"] == "nonresponse"].set_index("domain")
    for dom in base.index:
        rows.append({"round": rid, "子总体 domain": f"{base.loc[dom, 'label_zh']} {base.loc[dom, 'label_en']}",
                     "sampled 抽中": int(base.loc[dom, "n"]), "respondents 应答": int(resp.loc[dom, "n"]),
                     "response rate 应答率": resp.loc[dom, "n"] / base.loc[dom, "n"]})
    if rid in items:
        case_w = items[rid].groupby("case", sort=False)["weight_base"].first()
        rows[-1]["weighted response rate 加权应答率"] = float(case_w.sum() / base.loc["all", "sum_weights"])
sample = pd.DataFrame(rows)
show(sample, {"response rate 应答率": "{:.1%}", "weighted response rate 加权应答率": "{:.1%}"})
display(Markdown("The weighted response rate is computed for the city as a whole: a dash (—) in the district rows."))

# %% [markdown]
# ### 无回答调整类 · Nonresponse adjustment classes
#
# From `<round>/nonresponse_classes.csv`: with weighting classes, each class's sample,
# respondents, weighted response rate and factor, and the class it was pooled into when it
# had too few respondents; with response-propensity classes, the propensity range of each
# class and its factor, and the logistic model of responding (`<round>/propensity_model.csv`).
# The factors are 1 / the weighted response rate of the (pooled) class: a large factor
# means a class whose few respondents stand for many nonrespondents.

# %%
for rid in rounds:
    path = P / rid / "nonresponse_classes.csv"
    if not path.is_file():
        display(Markdown(f"_{rid}: this run wrote no `nonresponse_classes.csv`._"))
        continue
    classes = pd.read_csv(path, dtype={"round": str}, keep_default_na=False, na_values=[""])
    f = classes["factor"].to_numpy(dtype=float)
    method = {"classes": "weighting classes 加权调整组", "propensity": "response-propensity classes 应答倾向组"}.get(
        str(classes["method"].iloc[0]), str(classes["method"].iloc[0]))
    display(Markdown(f"**{rid}**: {len(classes)} classes ({method}); factor min {np.nanmin(f):.2f}, "
                     f"median {np.nanmedian(f):.2f}, max {np.nanmax(f):.2f}. The 12 largest factors:"))
    keys = [c for c in ("district", "residence", "sex", "age_band") if c in classes.columns]

    def pooled(code):
        """'wuda|rural|male|*' as labels ('*': every category of that variable)."""
        if not isinstance(code, str) or code.count("|") != len(keys) - 1:
            return code
        return " · ".join("全部 all" if c == "*" else LABELS.value(k, c) for k, c in zip(keys, code.split("|")))

    table = classes.sort_values("factor", ascending=False).head(12)
    table = table.assign(adjustment_class=table["adjustment_class"].map(pooled),
                         collapsed_into=table["collapsed_into"].map(pooled))
    shown_cols = [c for c in table.columns if c not in ("round", "method", "class")]
    show(table[shown_cols].rename(columns={"respondents": "应答 respondents"}),
         {"weighted_response_rate": "{:.1%}", "factor": "{:.2f}", "response_rate": "{:.1%}"})
    model = P / rid / "propensity_model.csv"
    if model.is_file():
        show(pd.read_csv(model, dtype={"round": str}), {"estimate": "{:.3f}", "se": "{:.3f}", "p_value": p_value_text,
                                                         "odds_ratio": "{:.2f}"})

# %% [markdown]
# ## 权数 · Weights at each stage
#
# `base` = 1 / selection probability; `nonresponse` = after the nonresponse adjustment;
# `final` = raked to the census margins (and trimmed and raked again, when the config trims). Distributions of the respondents' weights
# (log scale), then the diagnostics table: Kish's weighting design effect 1 + CV² and the
# effective sample size n / deff (Kish 1965; Lohr 2022, 7.5), the range of the weights.

# %%
STAGES = [("weight_base", "基础权数 base"), ("weight_nonresponse", "无回答调整后 nonresponse"), ("weight", "最终权数 final")]
if items:
    fig, axes = plt.subplots(1, len(items), figsize=(6 * len(items), 3.6), squeeze=False, sharey=True)
    for ax, (rid, it) in zip(axes[0], items.items()):
        per_case = it.groupby("case", sort=False)[[c for c, _ in STAGES]].first()
        lo, hi = float(per_case.min().min()), float(per_case.max().max())
        bins = np.geomspace(lo * 0.95, hi * 1.05, 40)
        for j, (col, label) in enumerate(STAGES):
            ax.hist(per_case[col], bins=bins, histtype="step", lw=1.6, color=f"C{j}", label=label)
        ax.set_xscale("log")
        ax.set_title(f"{rid}: {len(per_case):,} respondents", fontsize=11)
        ax.set_xlabel("权数 weight (log scale)")
        ax.legend(fontsize=8, frameon=False)
    axes[0, 0].set_ylabel("respondents 应答人数")
    fig.tight_layout()
    plt.show()
else:
    display(Markdown("_No `<round>/item_responses.parquet` in this folder: weight distributions skipped._"))

cols = ["round", "stage", "domain", "label_en", "n", "sum_weights", "population", "deff_weighting", "n_effective", "cv",
        "min", "max", "max_min_ratio"]
show(diagnostics[[c for c in cols if c in diagnostics.columns]],
     {"sum_weights": "{:,.0f}", "population": "{:,.0f}", "deff_weighting": "{:.2f}", "n_effective": "{:,.0f}",
      "cv": "{:.2f}", "min": "{:.1f}", "max": "{:.1f}", "max_min_ratio": "{:.1f}"})

# %% [markdown]
# ## 校准边际 · Margins before and after raking
#
# Each raking margin level's weighted total at every stage of the weighting chain against
# its census target, as a % difference, from `<round>/weights_margins.csv`: the base and
# nonresponse-adjusted weights show how far the sample is from the census before raking;
# after raking every margin should sit on zero.

# %%
margin_files = {rid: P / rid / "weights_margins.csv" for rid in rounds if (P / rid / "weights_margins.csv").is_file()}
NEEDED = {"stage", "margin", "level", "target", "achieved"}
if not margin_files:
    display(Markdown("_This run wrote no `weights_margins.csv`: margins before and after raking are not shown. "
                     "The weight diagnostics above give each stage's weighted totals by district._"))
else:
    margins = {rid: pd.read_csv(path, dtype={"round": str, "level": str}, keep_default_na=False, na_values=[""])
               for rid, path in margin_files.items()}
    if not all(NEEDED <= set(m.columns) for m in margins.values()):
        for rid, m in margins.items():
            display(Markdown(f"**{rid}** (columns not as expected: shown as delivered)"))
            display(m)
    else:
        n_rows = max(m[["margin", "level"]].drop_duplicates().shape[0] for m in margins.values())
        fig, axes = plt.subplots(1, len(margins), figsize=(6.2 * len(margins) + 2, 0.2 * n_rows + 1.8), sharey=True,
                                 squeeze=False)
        for j, (ax, (rid, m)) in enumerate(zip(axes[0], margins.items())):
            m = m.assign(diff=100 * (m["achieved"] / m["target"] - 1))
            keys = m[["margin", "level"]].drop_duplicates().reset_index(drop=True)
            y = pd.Series(np.arange(len(keys))[::-1], index=pd.MultiIndex.from_frame(keys))
            stages = list(dict.fromkeys(m["stage"]))
            for k, stage in enumerate(stages):
                st = m[m["stage"] == stage]
                label = f"{st['stage_zh'].iloc[0]} {st['stage_en'].iloc[0]}" if "stage_zh" in st else stage
                ax.scatter(st["diff"], y.loc[list(zip(st["margin"], st["level"]))].to_numpy(),
                           marker="o" if k < len(stages) - 1 else "|", s=22 if k < len(stages) - 1 else 140,
                           color=f"C{k}", label=label, zorder=3)
            ax.axvline(0, color="0.3", lw=1)
            if j == 0:
                ax.set_yticks(y.to_numpy(), [f"{a}: {b}" for a, b in y.index], fontsize=7)
            ax.set_xlabel("加权总数与普查数之差 weighted total vs census (%)")
            ax.set_title(f"{rid}: raking margins", fontsize=11)
            ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=3)
        fig.tight_layout()
        plt.show()
        gaps = []
        for rid, m in margins.items():
            final = list(dict.fromkeys(m["stage"]))[-1]
            gap = (100 * (m["achieved"] / m["target"] - 1)).abs()
            gaps.append({"round": rid, "margin levels": len(m[["margin", "level"]].drop_duplicates()),
                         "largest gap before raking (%)": float(gap[m["stage"] != final].max()),
                         f"largest gap after ({final}, %)": float(gap[m["stage"] == final].max())})
        gaps = pd.DataFrame(gaps)
        show(gaps.rename(columns={"margin levels": "边际类别数 margin levels"}),
             {c: ("{:.1f}" if "before" in c else "{:.4f}") for c in gaps.columns if c.startswith("largest")})

# %% [markdown]
# ## 设计效应 · Design effects by breakdown
#
# The design effect of each headline-level share (its variance over the variance under
# simple random sampling of the same size; Kish 1965): clustering in communities and
# villages and unequal weights make it larger than 1, and the effective sample size is
# n / deff. Suppressed cells are left out (and counted).

# %%
est = estimates[estimates["level"] == level].copy()
hidden = suppressed(est) | est["deff"].isna().to_numpy()
shown = est[~hidden]
order = list(dict.fromkeys(est["breakdown"]))
fig, axes = plt.subplots(1, len(rounds), figsize=(5.5 * len(rounds), 3.8), squeeze=False, sharey=True)
for ax, rid in zip(axes[0], rounds):
    r = shown[shown["round"].astype(str) == rid]
    for i, b in enumerate(order):
        vals = r.loc[r["breakdown"] == b, "deff"].to_numpy(dtype=float)
        ax.scatter(i + rng.uniform(-0.18, 0.18, len(vals)), vals, s=14, alpha=0.7, color=f"C{i % 10}")
        if len(vals):
            ax.hlines(np.median(vals), i - 0.3, i + 0.3, color="0.2", lw=1.5)
    ax.axhline(1, color="0.5", ls=":", lw=1)
    ax.set_xticks(range(len(order)), order, rotation=35, ha="right")
    ax.set_title(f"{rid}: deff of the '{level}' share (line: median)", fontsize=11)
axes[0, 0].set_ylabel("设计效应 design effect")
fig.tight_layout()
plt.show()

summary = (shown.groupby(["round", "breakdown"], sort=False)["deff"]
           .agg(cells="size", median="median", min="min", max="max").reset_index())
summary["suppressed"] = [int(hidden[(est["round"].astype(str) == str(rd)).to_numpy()
                                    & (est["breakdown"] == b).to_numpy()].sum())
                         for rd, b in zip(summary["round"], summary["breakdown"])]
show(summary.rename(columns={"cells": "单元数 cells", "median": "中位数 median", "min": "最小 min", "max": "最大 max",
                             "suppressed": "已抑制 suppressed"}),
     {"中位数 median": "{:.2f}", "最小 min": "{:.2f}", "最大 max": "{:.2f}"})

# %% [markdown]
# ## 题目分析 · Item analysis
#
# Per item, with the final weights: **difficulty** = weighted share answering correctly
# (wrong, "don't know" and skipped all count as not correct, as in the scoring);
# **item-rest correlation** = weighted Pearson correlation between the item's score and the
# score on the other items of its part (low or negative values mark an item that does not
# measure what its part measures). **Cronbach's alpha** per part and for the whole
# questionnaire, on the items' point scores:
# α = k/(k−1) · (1 − Σ var(item) / var(part score)) (Cronbach 1951), weighted variances.
# Flags: difficulty below 0.10 or above 0.95, item-rest correlation below 0.15.

# %%
def item_stats(it: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    meta = it.drop_duplicates("item_id").set_index("item_id")[["part", "points"]]
    X = it.pivot(index="case", columns="item_id", values="correct").loc[:, meta.index].to_numpy(dtype=float)
    w = it.groupby("case")["weight"].first().to_numpy(dtype=float)
    S = X * meta["points"].to_numpy(dtype=float)[None, :]  # item point scores
    W = w / w.sum()
    difficulty = W @ X
    C = (S - W @ S).T @ ((S - W @ S) * W[:, None])  # weighted covariance matrix of item scores
    part_codes = pd.Categorical(meta["part"], categories=list(parts)).codes
    M = np.zeros((len(meta), len(parts)))
    M[np.arange(len(meta)), part_codes] = 1.0  # item x part indicator
    cov_item_part = (C @ M)[np.arange(len(meta)), part_codes]  # cov(item, own part score)
    var_part = np.diag(M.T @ C @ M)
    var_item = np.diag(C)
    # rest = part score minus the item: cov(x, S - x) = cov(x, S) - var(x); var(S - x) = var(S) - 2cov(x, S) + var(x)
    cov_rest = cov_item_part - var_item
    var_rest = var_part[part_codes] - 2 * cov_item_part + var_item
    with np.errstate(invalid="ignore", divide="ignore"):
        item_rest = cov_rest / np.sqrt(var_item * var_rest)
    table = pd.DataFrame({"item": meta.index, "part": meta["part"].to_numpy(), "points": meta["points"].to_numpy(),
                          "difficulty": difficulty, "item_rest_r": item_rest})
    table["flag"] = np.where(difficulty < 0.10, "very hard",
                             np.where(difficulty > 0.95, "very easy", np.where(item_rest < 0.15, "low r", "")))
    alphas = []
    for j, p in enumerate(parts):
        k = int(M[:, j].sum())
        sum_var = float(M[:, j] @ var_item)
        alphas.append({"part": p, "部分": parts[p][0], "items": k,
                       "alpha": k / (k - 1) * (1 - sum_var / var_part[j]) if k > 1 else np.nan})
    k = len(meta)
    alphas.append({"part": "total", "部分": "全卷", "items": k, "alpha": k / (k - 1) * (1 - var_item.sum() / C.sum())})
    return table, pd.DataFrame(alphas)


stats = {rid: item_stats(it) for rid, it in items.items()}
if not stats:
    display(Markdown("_No `<round>/item_responses.parquet` in this folder: item analysis skipped._"))
else:
    fig, axes = plt.subplots(2, 1, figsize=(12, 6.5), sharex=True)
    width = 0.8 / len(stats)
    # rounds may answer different forms: one position per item of any round (matched by item id),
    # items in part order, then in order of first appearance
    union = pd.concat([t[["item", "part"]] for t, _ in stats.values()]).drop_duplicates("item")
    union = union.iloc[np.argsort(pd.Categorical(union["part"], categories=list(parts)).codes, kind="stable")]
    position = {item: i for i, item in enumerate(union["item"])}
    first = union
    part_colour = {p: f"C{i}" for i, p in enumerate(parts)}
    for r, (rid, (table, _)) in enumerate(stats.items()):
        colours = [part_colour.get(p, "0.5") for p in table["part"]]
        off = (r - (len(stats) - 1) / 2) * width
        x_r = np.array([position[i] for i in table["item"]], dtype=float)
        axes[0].bar(x_r + off, table["difficulty"], width, color=colours,
                    alpha=0.55 + 0.45 * r / max(1, len(stats) - 1), edgecolor="none")
        axes[1].bar(x_r + off, table["item_rest_r"], width, color=colours,
                    alpha=0.55 + 0.45 * r / max(1, len(stats) - 1), edgecolor="none")
    x = np.arange(len(union))
    axes[0].set_ylabel("难度 difficulty\n(share correct)")
    axes[1].set_ylabel("题-余相关\nitem-rest r")
    axes[1].axhline(0.15, color="C3", ls=":", lw=1)
    axes[1].set_xticks(x, first["item"], rotation=90, fontsize=8)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in part_colour.values()]
    axes[0].legend(handles, [f"{parts[p][0]} {parts[p][1]}" for p in parts], fontsize=8, ncol=len(parts),
                   frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    fig.suptitle(f"题目分析 · Items by part; bars per item: rounds {', '.join(stats)} (left to right, lighter = earlier)",
                 fontsize=11)
    fig.tight_layout()
    plt.show()

    alpha = pd.concat([a.assign(round=rid) for rid, (_, a) in stats.items()])
    display(alpha.pivot_table(index=["part", "部分", "items"], columns="round", values="alpha", sort=False).round(3)
            .rename_axis(columns="Cronbach's alpha, round"))
    wide = pd.concat([t.set_index(["item", "part", "points"])[["difficulty", "item_rest_r", "flag"]]
                      .add_prefix(f"{rid} ") for rid, (t, _) in stats.items()], axis=1).reset_index()
    show(wide, {c: "{:.3f}" for c in wide.columns if c.endswith(("difficulty", "item_rest_r"))})

# %% [markdown]
# ## 得分分布 · Score distribution and the level thresholds
#
# Weighted distribution of the total score (out of the config's maximum), with the level
# thresholds; levels are cumulative, and the config says whether a threshold is reached
# "above" (超过, score > threshold) or "at least" (及以上).

# %%
if items:
    max_score = float(config["scoring"]["max_score"])
    fig, axes = plt.subplots(1, len(items), figsize=(6 * len(items), 3.6), squeeze=False, sharey=True)
    for ax, (rid, it) in zip(axes[0], items.items()):
        per_case = it.groupby("case", sort=False)[["score", "weight"]].first()
        bins = np.arange(0, max_score + 2, 2) - 0.5
        ax.hist(per_case["score"], bins=bins, weights=per_case["weight"] / per_case["weight"].sum() * 100,
                color="C0", alpha=0.75)
        for i, lv in enumerate(levels):
            t = float(lv["threshold"])
            share = wmean((per_case["score"] >= t) if inclusive else (per_case["score"] > t), per_case["weight"])
            ax.axvline(t, color=f"C{i + 1}", ls="--", lw=1.3,
                       label=f"{t:g}: {lv.get('zh', lv['code'])} {lv.get('en', '')} ({100 * share:.1f}%)")
        ax.set_title(f"{rid}: weighted mean score {wmean(per_case['score'], per_case['weight']):.1f}", fontsize=11)
        ax.set_xlabel("总分 total score")
        ax.legend(fontsize=7.5, frameon=False, loc="upper left")
    axes[0, 0].set_ylabel("% of adults 成年人占比 (weighted)")
    fig.tight_layout()
    plt.show()
    display(Markdown(f"threshold rule: {'at least (及以上)' if inclusive else 'above (超过)'}; the shares in the legend "
                     "are weighted shares of respondents, as in the estimates."))

# %% [markdown]
# ## 小区域估计 · Small-area estimates
#
# Cells too small for a direct estimate (a key group within a district, a sex × age band
# within a district) are modelled with an area-level Fay–Herriot model on the arcsine scale
# (Fay & Herriot 1979; sampling variances from the pooled design effect, bootstrap MSE and
# intervals, benchmarked to the district's direct share), from `assessment/small_area.csv`.
# The figure published is the direct one where the NCHS standard says "present", the
# model-based one (模型估计) otherwise.
#
# Per modelled breakdown, one panel per round: the direct share (grey squares, 95% CI; blank
# when suppressed) and the model-based share (blue circles, bootstrap 95% CI; hollow where the
# cell is purely synthetic); the ring marks the figure that is published. Then the shrinkage
# factor γ = σ²_u / (σ²_u + ψ) (the weight on the direct estimate) against the cell's sample
# size, and the standardised residuals (y − x'β̂) / √(σ²_u + ψ) against N(0, 1).

# %%
sa_path = P / "assessment" / "small_area.csv"
sa = (pd.read_csv(sa_path, dtype={"round": str, "domain": str}, keep_default_na=False, na_values=[""])
      if sa_path.is_file() else None)
if sa is None:
    display(Markdown("_No `assessment/small_area.csv` in this folder (small-area estimation off, or outputs that "
                     "predate it): small-area figures skipped._"))
else:
    sa_rounds = [rid for rid in rounds if (sa["round"] == rid).any()]
    sa_breakdowns = list(dict.fromkeys(sa["breakdown"]))
    display(Markdown(f"小区域单元 Small-area cells: {len(sa)} ({', '.join(LABELS.breakdown(b) for b in sa_breakdowns)}; "
                     f"rounds {', '.join(sa_rounds)}); published model-based: {int((sa['source'] == 'model').sum())}, "
                     f"direct: {int((sa['source'] == 'direct').sum())}, none: {int((sa['source'] == 'none').sum())}."))
    for bd in sa_breakdowns:
        cells = sa[sa["breakdown"] == bd]
        keys = cells[["domain", "label_zh", "label_en"]].drop_duplicates("domain").reset_index(drop=True)
        y = pd.Series(np.arange(len(keys))[::-1].astype(float), index=keys["domain"])
        fig, axes = plt.subplots(1, len(sa_rounds), figsize=(5.4 * len(sa_rounds) + 2.8, 0.26 * len(keys) + 1.9),
                                 squeeze=False, sharey=True)
        for j, rid in enumerate(sa_rounds):
            ax = axes[0, j]
            c = cells[cells["round"] == rid]
            yc = y.loc[c["domain"]].to_numpy()
            hidden = c["suppressed"].astype(bool).to_numpy() | c["direct"].isna().to_numpy()
            d = 100 * c["direct"].to_numpy(dtype=float)
            err = np.vstack([d - 100 * c["direct_ci_low"].to_numpy(dtype=float),
                             100 * c["direct_ci_high"].to_numpy(dtype=float) - d])
            ax.errorbar(d[~hidden], yc[~hidden] + 0.17, xerr=err[:, ~hidden], fmt="s", color="0.45", ms=3.5,
                        capsize=2, lw=1, label="直接估计 direct")
            for yi in yc[hidden]:
                ax.text(0.98, yi + 0.17, "已抑制 suppressed", transform=ax.get_yaxis_transform(), ha="right",
                        va="center", color="0.45", style="italic", fontsize=7)
            m = 100 * c["model_estimate"].to_numpy(dtype=float)
            ok = np.isfinite(m)
            merr = np.vstack([m - 100 * c["model_ci_low"].to_numpy(dtype=float),
                              100 * c["model_ci_high"].to_numpy(dtype=float) - m])
            synth = c["is_synthetic"].astype(bool).to_numpy()
            ax.errorbar(m[ok], yc[ok] - 0.17, xerr=merr[:, ok], fmt="none", ecolor="C0", capsize=2, lw=1)
            ax.scatter(m[ok & ~synth], yc[ok & ~synth] - 0.17, s=18, color="C0", zorder=3, label="模型估计 model-based")
            if (ok & synth).any():
                ax.scatter(m[ok & synth], yc[ok & synth] - 0.17, s=18, facecolors="white", edgecolors="C0", zorder=3,
                           label="synthetic 合成估计 (γ = 0)")
            src = c["source"].astype(str).to_numpy()
            pub = 100 * c["published"].to_numpy(dtype=float)
            py = np.where(src == "direct", yc + 0.17, yc - 0.17)
            shown = np.isfinite(pub)
            ax.scatter(pub[shown], py[shown], s=70, facecolors="none", edgecolors="black", lw=0.9, zorder=4,
                       label="published 发布值")
            ax.set_title(f"{bd} · {rid}", fontsize=10)
            ax.set_xlabel(f"{level} share (%)")
            ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.5 / (0.26 * len(keys) + 1.9)),
                      ncol=2)
            if j == 0:
                ax.set_yticks(y.to_numpy(), [f"{z}  {e}" for z, e in zip(keys["label_zh"], keys["label_en"])], fontsize=7)
        xmax = max(ax.get_xlim()[1] for ax in axes[0])
        for ax in axes[0]:
            ax.set_xlim(0, xmax)
        fig.suptitle(f"小区域估计 · Direct and model-based shares: {bd}", fontsize=11)
        fig.tight_layout()
        plt.show()

    # shrinkage: gamma against the cell's sample size
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for k, bd in enumerate(sa_breakdowns):
        for r, rid in enumerate(sa_rounds):
            c = sa[(sa["breakdown"] == bd) & (sa["round"] == rid)]
            axes[0].scatter(c["n"], c["gamma"], s=18, color=f"C{k}", marker="os^D"[r % 4], alpha=0.8,
                            label=f"{bd} · {rid}")
    axes[0].set_xlabel("样本量 respondents in the cell (n)")
    axes[0].set_ylabel("收缩因子 γ (weight on the direct share)")
    axes[0].set_ylim(-0.03, 1.03)
    axes[0].set_title("收缩 · Shrinkage", fontsize=10)
    axes[0].legend(fontsize=7, frameon=False)
    # standardised residuals against N(0, 1)
    from scipy.stats import norm

    res = sa[np.isfinite(sa["std_residual"].to_numpy(dtype=float))]
    if len(res):
        for k, bd in enumerate(sa_breakdowns):
            for r, rid in enumerate(sa_rounds):
                e = np.sort(res.loc[(res["breakdown"] == bd) & (res["round"] == rid), "std_residual"].to_numpy(dtype=float))
                if len(e):
                    q = norm.ppf((np.arange(1, len(e) + 1) - 0.5) / len(e))
                    axes[1].scatter(q, e, s=14, color=f"C{k}", marker="os^D"[r % 4], label=f"{bd} · {rid}")
        lim = max(3.0, float(np.abs(res["std_residual"]).max()) + 0.3)
        axes[1].plot([-lim, lim], [-lim, lim], color="0.4", lw=0.8)
        axes[1].set_xlabel("N(0, 1) 分位数 quantile")
        axes[1].set_ylabel("标准化残差 standardised residual")
        axes[1].legend(fontsize=7, frameon=False)
    else:
        axes[1].text(0.5, 0.5, "std_residual 为空 blank in this run", ha="center", va="center",
                     transform=axes[1].transAxes, color="0.45", style="italic")
        axes[1].set_axis_off()
    axes[1].set_title("标准化残差 · Standardised residuals (QQ)", fontsize=10)
    fig.tight_layout()
    plt.show()
    if not len(res):
        display(Markdown("_`std_residual` is blank in every row of `assessment/small_area.csv`: no residual plot._"))

    if "sigma2_method" not in sa.columns:        # outputs of an older run
        sa["sigma2_method"] = ""
    summary = (sa.groupby(["round", "breakdown"], sort=False)
               .agg(cells=("domain", "size"), sigma2_u=("sigma2_u", "first"),
                    estimator=("sigma2_method", "first"), converged=("model_converged", "all"),
                    model_based=("source", lambda s: int((s == "model").sum())),
                    direct=("source", lambda s: int((s == "direct").sum())),
                    median_gamma=("gamma", "median"), median_cv_model=("model_cv", "median")).reset_index())
    show(summary.assign(sigma2_u=[number_text(v) for v in summary["sigma2_u"]]).rename(columns={"estimator": "估计方法 estimator", "model_based": "模型估计数 model-based", "direct": "直接估计数 direct",
                                 "median_gamma": "收缩因子中位数 median γ", "median_cv_model": "模型CV中位数 median model CV"}),
         {"收缩因子中位数 median γ": "{:.2f}", "模型CV中位数 median model CV": "{:.2f}"})
    if (summary["sigma2_u"] == 0).any():
        display(Markdown("σ²_u estimated at 0 for a breakdown: with this many cells the data cannot tell the "
                         "cells' own effects from sampling noise, so its model-based figures are purely synthetic "
                         "(x'β̂, γ = 0), they rest entirely on the covariates, and their MSE has no σ²_u term. "
                         "The adjusted likelihood `small_area.method: AMRL` (the default) never estimates 0 and "
                         "keeps that uncertainty; see the small-area coverage study in the methods docs."))
    else:
        display(Markdown("σ²_u is positive for every breakdown: each model-based figure combines the cell's direct "
                         "estimate with the synthetic one (γ above). The estimator of σ²_u is in the `estimator` "
                         "column (AMRL, Li and Lahiri's adjusted likelihood, unless configured otherwise); the "
                         "published figures' MSE is the parametric bootstrap (`mse_method` in "
                         "`assessment/small_area.csv`, with every replicate benchmarked where the cells are)."))

# %% [markdown]
# ## 影响因素 · Determinants and associations
#
# When the run wrote them: the design-weighted logistic regression of the headline outcome
# (`assessment/determinants.csv`: odds ratios with 95% intervals on the residual degrees of
# freedom; each level of a categorical covariate against its reference level) and the
# Rao–Scott tests of the outcome against each breakdown (`assessment/associations.csv`).

# %%
det_path, assoc_path = P / "assessment" / "determinants.csv", P / "assessment" / "associations.csv"
if not det_path.is_file() and not assoc_path.is_file():
    display(Markdown("_No `assessment/determinants.csv` or `assessment/associations.csv` in this folder: the "
                     "regression views are skipped._"))
if det_path.is_file():
    det = pd.read_csv(det_path, dtype={"round": str}, keep_default_na=False, na_values=[""])
    NEEDED_OR = {"odds_ratio", "or_ci_low", "or_ci_high", "variable"}
    if not NEEDED_OR <= set(det.columns):
        display(Markdown("**determinants.csv** (columns not as expected: shown as delivered)"))
        display(det)
    else:
        det = det[det["variable"].astype(str) != "(Intercept)"].reset_index(drop=True)
        det_rounds = list(dict.fromkeys(det["round"])) if "round" in det.columns else [""]

        def term_label(r) -> str:
            lv = "" if "level" not in det.columns or pd.isna(r["level"]) else str(r["level"])
            ref = "" if "reference" not in det.columns or pd.isna(r["reference"]) else str(r["reference"])
            return f"{r['variable']}: {lv} (vs {ref})" if lv else str(r["variable"])

        det["_label"] = [term_label(r) for _, r in det.iterrows()]
        terms = list(dict.fromkeys(det["_label"]))
        y = pd.Series(np.arange(len(terms))[::-1].astype(float), index=terms)
        fig, ax = plt.subplots(figsize=(8.5, 0.3 * len(terms) + 1.6))
        for k, rid in enumerate(det_rounds):
            d = det if rid == "" else det[det["round"] == rid]
            off = (k - (len(det_rounds) - 1) / 2) * 0.2
            o = d["odds_ratio"].to_numpy(dtype=float)
            err = np.vstack([o - d["or_ci_low"].to_numpy(dtype=float), d["or_ci_high"].to_numpy(dtype=float) - o])
            ax.errorbar(o, y.loc[d["_label"]].to_numpy() + off, xerr=err, fmt="o", ms=4, capsize=2, color=f"C{k}",
                        label=rid or None)
        ax.axvline(1, color="0.3", lw=1)
        ax.set_xscale("log")
        ax.set_yticks(y.to_numpy(), terms, fontsize=8)
        ax.set_xlabel("比值比 odds ratio (95% CI, log scale)")
        ax.set_title(f"影响因素 · Determinants of '{level}'", fontsize=11)
        if det_rounds != [""]:
            ax.legend(fontsize=8, frameon=False)
        fig.tight_layout()
        plt.show()
        cols = [c for c in ("round", "variable", "level", "reference", "odds_ratio", "or_ci_low", "or_ci_high",
                            "p_value", "df") if c in det.columns]
        show(det[cols], {"odds_ratio": "{:.2f}", "or_ci_low": "{:.2f}", "or_ci_high": "{:.2f}", "p_value": p_value_text,
                         "df": "{:.0f}"})
if assoc_path.is_file():
    assoc = pd.read_csv(assoc_path, dtype={"round": str}, keep_default_na=False, na_values=[""])
    display(Markdown("**Rao–Scott tests 关联检验** (second-order F; outcome against each breakdown):"))
    show(assoc, {"statistic": "{:.2f}", "ndf": "{:.2f}", "ddf": "{:.1f}", "p_value": p_value_text})
