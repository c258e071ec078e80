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
# # 测评与等值 · Measurement: comparable rounds
#
# The two survey rounds answered different questionnaire forms. This notebook shows how the
# forms were put on one scale and how far to trust the comparison: the items of each form, the
# item review, differential item functioning (DIF), the drift of the anchor items, the IRT
# scale with its cut points, the plausible values, the linked shares against the official
# raw-score shares, and the error budget of the linked change.
#
# **Method, in brief.**
#
# * *Forms and anchors.* Items are matched across forms by `item_id`; an item on both forms is
#   an **anchor** (same part, points and correct answer). Linking needs enough anchors (the
#   config's `measurement.min_anchor_items` and `min_anchor_share`); otherwise the rounds are
#   declared not comparable and no linked figure is made.
# * *Item review* (per round, final weights): share correct, item–rest correlation within the
#   part, "don't know" and skipped shares; Cronbach's alpha and McDonald's omega per part.
# * *DIF*: weighted Mantel–Haenszel (Holland & Thayer 1988), matched on the rest score,
#   Δ-MH = −2.35 ln α-MH (positive: the item favours the focal group), with the ETS classes
#   A (|Δ| < 1 or not significant), B, C (|Δ| ≥ 1.5 and significantly above 1; Zwick 2012).
#   The same statistic with the round as the grouping is the **anchor drift** review.
# * *Concurrent calibration*: one multiple-group 2PL model, P(correct | θ) = logistic(aθ + d),
#   b = −d/a, fitted by marginal maximum likelihood on both rounds at once; the baseline
#   round's population is fixed at N(0, 1) and the endline round's mean and SD are estimated
#   through the anchors' shared parameters. An anchor that drifts (ETS class C for the round
#   grouping) or misfits (RMSD above 0.12 in a round, the PISA 2015 rule; OECD 2017, ch. 9) is
#   **freed**: it gets round-specific parameters and no longer carries the link. This is the
#   approach of PISA and NAEP (concurrent calibration with common items; Mazzeo & von Davier
#   2008; NAEP Technical Documentation, "Linking").
# * *Cut points*: each level's θ* is where the **baseline form's** test characteristic curve
#   (expected points out of 100) equals the level's threshold (55 / 70 / 85), so the official
#   standard keeps its meaning on the baseline form and carries over to the new form.
# * *Plausible values* (Mislevy 1991): for each respondent, draws from the posterior of θ
#   given the answers and a latent regression on the conditioning variables. Each share is
#   the weighted share of plausible values above θ*, combined over the draws by Rubin's rules:
#   sampling variance (the design's) plus imputation variance (between draws).
# * *Linking error*: a jackknife over the anchors (drop one anchor, recalibrate, recompute the
#   change), as PISA's linking error (OECD 2017, ch. 12). The change's total standard error
#   is √(se²_sampling + se²_imputation + se²_linking).
#
# Read from the outputs folder only (`processed_dir`): `<round>/items.csv`,
# `<round>/reliability.csv`, `assessment/dif.csv`, `assessment/irt_items.csv`,
# `assessment/irt_scale.csv`, `assessment/pv_distribution.csv`, `<round>/estimates_linked.*`,
# `<round>/estimates.parquet` (the official raw-score shares), `assessment/change_linked.*`
# and, on simulated data, `assessment/truth_check_linked.csv`. Nothing is re-estimated; a table
# that is missing is named, and its section skipped. Suppressed cells are shown as
# **suppressed / 已抑制**, never as values.

# %% tags=["parameters"]
processed_dir = "../data/processed"  # the assessment's outputs folder, relative to this notebook
seed = 20250101                      # random seed (nothing random in this notebook)

# %%
import inspect

import matplotlib.pyplot as plt
from literacy.catalog import p_value_text
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

# Shared setup (flows/notebook_support.py): CJK font and figure style; manifest, its config, rounds, estimates.
from literacy_flows.notebook_support import missing, notebook_style, pct, pp, read_outputs, show, suppressed
from literacy.measurement.items import item_analysis
from literacy.measurement.scale import test_characteristic_curve

FONT = notebook_style()

P, manifest, config, rounds, estimates = read_outputs(processed_dir)
round_label = {str(r["id"]): f"{r.get('label_zh', r['id'])} · {r.get('label_en', r['id'])}" for r in config["rounds"]}
parts = {code: (v[1], v[2]) for code, v in config["scoring"]["parts"].items()}  # code -> (zh, en)
part_colour = {p: f"C{i}" for i, p in enumerate(parts)}
levels = sorted(config["scoring"]["levels"], key=lambda lv: float(lv["threshold"]))  # lowest first
level_name = {lv["code"]: f"{lv.get('zh', lv['code'])} {lv.get('en', '')}".strip() for lv in levels}
headline = config["scoring"]["headline"]
max_score = float(config["scoring"]["max_score"])
STR_COLUMNS = ("round", "group", "forms", "item", "domain", "baseline_round", "endline_round", "reference", "focal")


def read(rel: str) -> pd.DataFrame | None:
    """A table of the outputs folder (the Parquet copy when there is one, else the CSV), or None."""
    stem = rel[: -len(".csv")] if rel.endswith(".csv") else rel
    for path in (P / f"{stem}.parquet", P / f"{stem}.csv"):
        if path.is_file():
            df = (pd.read_parquet(path) if path.suffix == ".parquet"
                  else pd.read_csv(path, dtype={c: str for c in STR_COLUMNS}, keep_default_na=False, na_values=[""]))
            for c in STR_COLUMNS:
                if c in df.columns:
                    df[c] = pd.Series([None if pd.isna(v) else str(v) for v in df[c]], index=df.index, dtype=object)
            return df
    return None


def txt(s: pd.Series) -> pd.Series:
    """A column as text, blanks as "" (whatever its dtype)."""
    return pd.Series(["" if pd.isna(v) else str(v) for v in s], index=s.index, dtype=object)


def dif_bands(ax, vertical: bool = False) -> None:
    """The ETS A/B/C bands of Δ-MH: |Δ| < 1 (A), 1 to 1.5 (B at most), 1.5 and beyond (C possible)."""
    span, line = (ax.axvspan, ax.axvline) if vertical else (ax.axhspan, ax.axhline)
    span(-1, 1, color="C2", alpha=0.08, lw=0)
    for lo, hi in ((1, 1.5), (-1.5, -1)):
        span(lo, hi, color="C1", alpha=0.12, lw=0)
    for v in (-1.5, 1.5):
        line(v, color="C3", ls="--", lw=0.9)
    for v in (-1, 1):
        line(v, color="C1", ls=":", lw=0.9)
    line(0, color="0.4", lw=0.8)


items = {rid: read(f"{rid}/items.csv") for rid in rounds}
items = {rid: t for rid, t in items.items() if t is not None}
reliability = {rid: read(f"{rid}/reliability.csv") for rid in rounds}
reliability = {rid: t for rid, t in reliability.items() if t is not None}
dif = read("assessment/dif.csv")
irt_items = read("assessment/irt_items.csv")
irt_scale = read("assessment/irt_scale.csv")
pv = read("assessment/pv_distribution.csv")
change_linked = read("assessment/change_linked.csv")
# several comparisons (three or more rounds): the figures below show the first round's change to the last
if change_linked is not None and "from_round" in change_linked.columns:
    last = change_linked[change_linked["from_round"].astype(str) == str(change_linked["from_round"].iloc[0])]
    change_linked = last[last["to_round"].astype(str) == str(last["to_round"].astype(str).max())]
linked = {rid: read(f"{rid}/estimates_linked.csv") for rid in rounds}
linked = {rid: t for rid, t in linked.items() if t is not None}
truth = read("assessment/truth_check_linked.csv")

if change_linked is None:
    comparable, reason = False, ("this folder has no `assessment/change_linked.csv` (the measurement stage was "
                                 "switched off, or the outputs predate it)")
else:
    comparable = bool(change_linked["comparable"].astype(bool).any())
    reason = str(change_linked["note"].dropna().iloc[0]) if change_linked["note"].notna().any() else ""
LINKED = comparable and irt_items is not None and irt_scale is not None
cuts = ({lv["code"]: float(irt_scale[f"cut_{lv['code']}"].iloc[0]) for lv in levels
         if f"cut_{lv['code']}" in irt_scale.columns} if irt_scale is not None else {})

display(Markdown(f"调查轮次 Rounds {', '.join(rounds)}; item tables for {', '.join(items) or 'none'}; "
                 f"comparable: {'yes' if comparable else 'no'}. A dash (—) in a table is a cell with no value."))

# %% [markdown]
# ## 可比性 · Are the rounds comparable?

# %%
if comparable:
    display(Markdown(f"**两轮可比 · The rounds are on one scale.** {reason}"))
    if LINKED:
        sc = irt_scale.copy()
        show(pd.DataFrame({
            "轮次 round": [round_label.get(g, g) for g in sc["group"]],
            "mean θ": sc["mean"], "se(mean)": sc["se_mean"], "SD θ": sc["sd"], "se(SD)": sc["se_sd"], "n": sc["n"],
        }), {"mean θ": "{:.3f}", "se(mean)": "{:.3f}", "SD θ": "{:.3f}", "se(SD)": "{:.3f}", "n": "{:,.0f}"})
        display(Markdown("The baseline round's mean and SD are fixed at 0 and 1 (they define the scale): no standard "
                         "error (—)."))
        show(pd.DataFrame({
            "水平 level": [level_name[c] for c in cuts],
            "threshold 分数线": [float(lv["threshold"]) for lv in levels if lv["code"] in cuts],
            "θ* (baseline form)": list(cuts.values()),
        }), {"θ* (baseline form)": "{:.3f}", "threshold 分数线": "{:g}"})
        display(Markdown(f"Calibration converged 校准收敛: {'yes 是' if bool(irt_scale['converged'].iloc[0]) else 'no 否'}; "
                         f"log-likelihood {float(irt_scale['loglik'].iloc[0]):,.1f}."))
    else:
        missing("assessment/irt_items.csv or irt_scale.csv", "the IRT sections")
else:
    display(Markdown(
        "### 两轮不可比 · The rounds are NOT comparable\n\n"
        f"> **{reason}**\n\n"
        "The linked sections below (item–person map, test characteristic curves, plausible values, linked "
        "shares, change and its error budget, truth panel) are skipped. The change since the baseline in the "
        "other notebooks compares raw scores on different forms and must not be read as a change in literacy."))

# %% [markdown]
# ## 问卷版本 · The forms
#
# Items per part on each round's form, and the anchors (items on both forms). An anchor that
# was **freed** carries round-specific parameters: it no longer links the scales.

# %%
if not items:
    missing("<round>/items.csv", "the forms")
else:
    on = pd.DataFrame({rid: pd.Series(True, index=pd.Index(t["item"], name="item")) for rid, t in items.items()})
    on = on.fillna(False).astype(bool)
    part_of = pd.concat([t.set_index("item")["part"] for t in items.values()])
    part_of = part_of[~part_of.index.duplicated()]
    anchor = on.all(axis=1) if len(items) > 1 else pd.Series(False, index=on.index)
    rows = []
    for p in list(parts) + ["total"]:
        sel = part_of.index if p == "total" else part_of.index[part_of == p]
        row = {"部分 part": "全卷 total" if p == "total" else f"{parts[p][0]} {parts[p][1]}"}
        for rid in items:
            row[f"{rid} items 题数"] = int(on.loc[sel, rid].sum())
        row["anchors 共同题"] = int(anchor.loc[sel].sum())
        rows.append(row)
    show(pd.DataFrame(rows))
    anchors = list(anchor.index[anchor])
    display(Markdown(f"共同题 anchors ({len(anchors)}): {', '.join(anchors) or 'none'}"))
    if irt_items is not None:
        anc = irt_items[irt_items["anchor"].astype(bool)]
        freed = anc[anc["freed_reason"].notna()]
        rmsd_cols = [c for c in irt_items.columns if c.startswith("rmsd_")]
        tab = anc.assign(parameters=np.where(anc["group"].isna(), "shared 共同", "round " + txt(anc["group"])))
        show(tab[["item", "part", "points", "parameters", "a", "b", "se_b"] + rmsd_cols + ["freed_reason"]],
             {"a": "{:.2f}", "b": "{:.2f}", "se_b": "{:.2f}", **{c: "{:.3f}" for c in rmsd_cols}})
        if len(freed):
            display(Markdown("**Freed anchors 释放的共同题:** " + "; ".join(
                f"`{i}` ({r})" for i, r in freed.drop_duplicates("item")[["item", "freed_reason"]].itertuples(index=False))))
        else:
            display(Markdown("No anchor was freed: every anchor carries the link."))

# %% [markdown]
# ## 题目审查 · Item review, per round
#
# Weighted share correct (`p_correct`) against the item–rest correlation within the part.
# Dotted lines: the flag thresholds of the item review (item–rest r below the line: low
# discrimination; p outside the band: extreme). Anchors have a black edge. Then the flagged
# items and the reliabilities (Cronbach's alpha, McDonald's omega) per part and for the test.

# %%
defaults = inspect.signature(item_analysis).parameters
R_MIN = float(defaults["min_item_rest_r"].default)
P_LOW, P_HIGH = float(defaults["p_low"].default), float(defaults["p_high"].default)
if items:
    fig, axes = plt.subplots(1, len(items), figsize=(5.6 * len(items), 4.2), squeeze=False, sharey=True, sharex=True)
    for ax, (rid, t) in zip(axes[0], items.items()):
        is_anchor = t["item"].isin(anchors).to_numpy()
        for p in parts:
            sel = (t["part"] == p).to_numpy()
            ax.scatter(t.loc[sel, "p_correct"], t.loc[sel, "item_rest_r"], s=36, color=part_colour[p],
                       edgecolors=np.where(is_anchor[sel], "black", "none"), linewidths=1.0,
                       label=f"{parts[p][0]} {parts[p][1]}")
        flagged_rows = t[txt(t["flags"]) != ""]
        for r in flagged_rows.itertuples():
            ax.annotate(r.item, (r.p_correct, r.item_rest_r), fontsize=7, xytext=(3, 3), textcoords="offset points")
        ax.axhline(R_MIN, color="C3", ls=":", lw=1)
        for v in (P_LOW, P_HIGH):
            ax.axvline(v, color="C3", ls=":", lw=1)
        ax.set_xlim(0, 1)
        ax.set_title(f"{round_label.get(rid, rid)}: {len(t)} items, {len(flagged_rows)} flagged", fontsize=10)
        ax.set_xlabel("答对率 share correct (weighted)")
    axes[0, 0].set_ylabel("题-余相关 item-rest r")
    axes[0, 0].legend(fontsize=8, frameon=False, loc="lower center")
    fig.tight_layout()
    plt.show()

    flagged_all = pd.concat([t[txt(t["flags"]) != ""] for t in items.values()], ignore_index=True)
    if len(flagged_all):
        show(flagged_all[["round", "item", "part", "n", "p_correct", "item_rest_r", "dont_know_share", "skipped_share",
                          "flags"]],
             {"p_correct": "{:.3f}", "item_rest_r": "{:.3f}", "dont_know_share": "{:.1%}", "skipped_share": "{:.1%}"})
    else:
        display(Markdown(f"No item is flagged in any round (item–rest r ≥ {R_MIN:g}, share correct between "
                         f"{P_LOW:g} and {P_HIGH:g})."))
else:
    missing("<round>/items.csv", "the item review")

if reliability:
    rel = pd.concat(reliability.values(), ignore_index=True)
    rel["部分 part"] = [("全卷 total" if s == "total" else f"{parts[s][0]} {parts[s][1]}" if s in parts else s)
                      for s in rel["scale"]]
    wide = rel.pivot_table(index=["部分 part"], columns="round", values=["items", "alpha", "omega"], sort=False)
    wide = wide.reindex(columns=[(v, rid) for rid in reliability for v in ("items", "alpha", "omega")])
    wide.columns = [f"{rid} {v}" for v, rid in wide.columns]
    order = list(dict.fromkeys(rel["部分 part"]))
    wide = wide.reindex(order).reset_index()
    show(wide, {c: ("{:.0f}" if c.endswith("items") else "{:.3f}") for c in wide.columns if c != "部分 part"})
else:
    missing("<round>/reliability.csv", "the reliabilities")

# %% [markdown]
# ## 项目功能差异 · Differential item functioning (DIF)
#
# Δ-MH of every item for each grouping (one panel per grouping and round; a district is
# compared with the rest of the city). Positive: at equal rest scores the focal group (the
# first one named in the comparison) does better on the item. Green band: |Δ| < 1 (class A);
# orange: 1 to 1.5; beyond the dashed red lines an item can be class C. Items of class B and C
# are labelled; the C items are listed below the figure.

# %%
if dif is None:
    missing("assessment/dif.csv", "DIF")
else:
    groupings = [g for g in dict.fromkeys(dif["grouping"]) if g != "round"]
    dif_rounds = [rid for rid in rounds if (dif["round"] == rid).any()]
    if groupings and dif_rounds:
        fig, axes = plt.subplots(len(groupings), len(dif_rounds), figsize=(6.4 * len(dif_rounds), 2.9 * len(groupings)),
                                 squeeze=False, sharey=True)
        lim = max(2.0, float(np.nanmax(np.abs(dif["delta_mh"].to_numpy(dtype=float)))) + 0.2)
        for i, g in enumerate(groupings):
            for j, rid in enumerate(dif_rounds):
                ax = axes[i, j]
                d = dif[(dif["grouping"] == g) & (dif["round"] == rid)]
                order = list(dict.fromkeys(d["item"]))
                x = pd.Series(np.arange(len(order), dtype=float), index=order)
                comps = list(dict.fromkeys(d["comparison"]))
                dif_bands(ax)
                for k, comp in enumerate(comps):
                    c = d[d["comparison"] == comp]
                    off = (k - (len(comps) - 1) / 2) * 0.18
                    ax.scatter(x.loc[c["item"]].to_numpy() + off, c["delta_mh"], s=16, color=f"C{(k + 4) % 10}",
                               label=comp, zorder=3)
                    for r in c[c["ets_class"].isin(["B", "C"])].itertuples():
                        ax.annotate(f"{r.item} ({r.ets_class})", (x[r.item] + off, r.delta_mh), fontsize=7,
                                    xytext=(3, 2), textcoords="offset points", color="C3")
                ax.set_xticks(x.to_numpy(), order, rotation=90, fontsize=6)
                ax.set_ylim(-lim, lim)
                ax.set_title(f"{g} · {round_label.get(rid, rid)}", fontsize=10)
                ax.legend(fontsize=7, frameon=False, ncol=len(comps), loc="upper left")
            axes[i, 0].set_ylabel("Δ-MH")
        fig.tight_layout()
        plt.show()
    counts = (dif.assign(ets_class=txt(dif["ets_class"]).replace("", "undefined"))
              .pivot_table(index=["round", "grouping", "comparison"], columns="ets_class", values="item",
                           aggfunc="count", fill_value=0, sort=False))
    counts = counts.reindex(columns=[c for c in ("A", "B", "C", "undefined") if c in counts.columns]).reset_index()
    display(Markdown("Items per ETS class (the grouping `round` is the anchor drift review):"))
    show(counts)
    cols = ["round", "grouping", "comparison", "item", "delta_mh", "se_delta", "p_value", "ets_class", "favours",
            "n_reference", "n_focal"]
    c_items = dif[dif["ets_class"] == "C"]
    if len(c_items):
        display(Markdown(f"**Class C items ({len(c_items)}) · C类题目:**"))
        show(c_items[cols], {"delta_mh": "{:+.2f}", "se_delta": "{:.2f}", "p_value": p_value_text})
    else:
        display(Markdown("No item is of class C in any grouping."))

# %% [markdown]
# ## 共同题漂移 · Anchor drift
#
# Each anchor's Δ-MH between the rounds (reference: the baseline round; positive: the item is
# relatively easier in the later round at equal rest score), with its 95% interval and the
# same bands. Red: anchors freed in the calibration (given round-specific parameters).

# %%
drift = dif[dif["grouping"] == "round"] if dif is not None else None
if drift is None:
    missing("assessment/dif.csv", "the anchor drift review")
elif drift.empty:
    display(Markdown("No anchor drift review in this folder"
                     + (": the rounds were not linked." if not comparable else " (one form for every round).")))
else:
    freed_items = (set(irt_items.loc[irt_items["freed_reason"].notna(), "item"]) if irt_items is not None else set())
    dd = drift.reset_index(drop=True)
    y = np.arange(len(dd))[::-1].astype(float)
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(dd) + 1.6))
    dif_bands(ax, vertical=True)
    is_freed = dd["item"].isin(freed_items).to_numpy()
    for mask, colour, label in ((~is_freed, "C0", "shared 共同参数"), (is_freed, "C3", "freed 已释放")):
        if mask.any():
            r = dd[mask]
            ax.errorbar(r["delta_mh"], y[mask], xerr=1.96 * r["se_delta"].to_numpy(dtype=float), fmt="o",
                        color=colour, ms=5, capsize=2, label=label)
    ax.set_yticks(y, [f"{i} ({c})" for i, c in zip(dd["item"], txt(dd["ets_class"]))], fontsize=8)
    ax.set_xlabel(f"Δ-MH, {dd['comparison'].iloc[0]} (95% CI)")
    ax.set_title("共同题漂移 · Anchor drift between rounds", fontsize=11)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    fig.tight_layout()
    plt.show()
    tab = dd[["item", "delta_mh", "se_delta", "p_value", "ets_class", "favours"]].copy()
    if irt_items is not None:
        rmsd_cols = [c for c in irt_items.columns if c.startswith("rmsd_")]
        first = irt_items.drop_duplicates("item").set_index("item")
        for c in rmsd_cols:
            # a freed anchor has one row per round: take each round's RMSD from its own row
            tab[c] = [irt_items.loc[(irt_items["item"] == i) & irt_items[c].notna(), c].max() for i in tab["item"]]
        tab["freed_reason"] = tab["item"].map(first["freed_reason"])
    show(tab, {"delta_mh": "{:+.2f}", "se_delta": "{:.2f}", "p_value": p_value_text,
               **{c: "{:.3f}" for c in tab.columns if c.startswith("rmsd_")}})

# %% [markdown]
# ## 题目-人员图 · Item–person map
#
# Top: the weighted distribution of the plausible values of each round on the common scale
# (the baseline population is N(0, 1)). Bottom: the difficulty b of each item, one row per
# form (items of a part on their own line). Filled: anchors with shared parameters; hollow:
# items of one form only; red crosses: freed anchors (their round's b). Vertical lines: the
# cut points θ* of the levels.

# %%
def form_items(rid: str) -> pd.DataFrame:
    """Item parameters of a form: rows whose group is empty or this round, and whose forms include it."""
    on_form = irt_items["forms"].astype(str).str.split(";").map(lambda f: rid in f)
    mine = irt_items["group"].isna() | (irt_items["group"] == rid)
    return irt_items[on_form & mine].reset_index(drop=True)


def cut_lines(ax, labels: bool) -> None:
    """The cuts θ* as dashed vertical lines (with legend entries when ``labels``)."""
    for k, (code, th) in enumerate(cuts.items()):
        ax.axvline(th, color=f"C{k + 1}", ls="--", lw=1.1, label=f"θ* = {th:.2f}: {level_name[code]}" if labels else None)


if not LINKED:
    display(Markdown("_Skipped: the rounds are not on a common scale (see above)._"))
elif pv is None:
    missing("assessment/pv_distribution.csv", "the item–person map")
else:
    forms_in = [rid for rid in rounds if len(form_items(rid))]
    fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(11, 3.2 + 0.9 * len(forms_in) + 1), sharex=True,
                                   gridspec_kw={"height_ratios": [2.2, 0.9 * len(forms_in) + 0.4]})
    for k, rid in enumerate(r for r in rounds if (pv["round"] == r).any()):
        d = pv[pv["round"] == rid]
        edges = np.r_[d["theta_low"].to_numpy(dtype=float), float(d["theta_high"].iloc[-1])]
        ax0.stairs(100 * d["share"].to_numpy(dtype=float), edges, color=f"C{k}", lw=1.6, fill=False,
                   label=round_label.get(rid, rid))
    cut_lines(ax0, labels=True)
    ax0.set_ylabel("% of adults 成年人占比\n(per 0.25 θ, weighted)")
    ax0.legend(fontsize=8, frameon=False, loc="upper left")
    ax0.set_title("题目-人员图 · Item–person map on the common scale", fontsize=11)
    offsets = {p: (i - (len(parts) - 1) / 2) * 0.16 for i, p in enumerate(parts)}
    for j, rid in enumerate(forms_in):
        f = form_items(rid)
        yj = len(forms_in) - 1 - j
        anchor_f = f["anchor"].astype(bool).to_numpy()
        freed_f = f["freed_reason"].notna().to_numpy()
        for p in parts:
            sel = (f["part"] == p).to_numpy()
            yy = np.full(sel.sum(), yj + offsets[p])
            kinds = ((anchor_f & ~freed_f)[sel], (~anchor_f)[sel], freed_f[sel])
            ax1.scatter(f.loc[sel, "b"][kinds[0]], yy[kinds[0]], s=30, color=part_colour[p],
                        label=f"{parts[p][0]} {parts[p][1]}" if j == 0 else None)
            ax1.scatter(f.loc[sel, "b"][kinds[1]], yy[kinds[1]], s=30, facecolors="white", edgecolors=part_colour[p])
            ax1.scatter(f.loc[sel, "b"][kinds[2]], yy[kinds[2]], s=46, marker="x", color="C3")
        for r in f[freed_f].itertuples():
            ax1.annotate(r.item, (r.b, yj + offsets[r.part]), fontsize=7, color="C3", xytext=(3, 3),
                         textcoords="offset points")
    cut_lines(ax1, labels=False)
    ax1.set_yticks(np.arange(len(forms_in))[::-1], [f"{rid} form 问卷" for rid in forms_in])
    ax1.set_ylim(-0.6, len(forms_in) - 0.4)
    ax1.set_xlabel("θ (能力 proficiency; item difficulty b 题目难度)")
    ax1.legend(fontsize=7, frameon=False, ncol=len(parts), loc="upper center", bbox_to_anchor=(0.5, -0.32))
    fig.tight_layout()
    plt.show()

# %% [markdown]
# ## 测验特征曲线 · Test characteristic curves of the forms
#
# Expected points out of the maximum at each θ, for each form: Σ points · logistic(aθ + d)
# over the form's items (with the round's own parameters for a freed anchor). Horizontal lines:
# the thresholds of the levels; vertical lines: the cuts θ*. The baseline form's curve
# crosses each threshold exactly at its cut (that is how the cuts are set); where the other
# form's curve lies below it, the same proficiency earns fewer points on that form — the raw
# scores of the two rounds are then not comparable, the linked shares are.

# %%
if not LINKED:
    display(Markdown("_Skipped: the rounds are not on a common scale (see above)._"))
else:
    theta = np.linspace(-4, 5, 361)
    fig, ax = plt.subplots(figsize=(9, 5))
    at_cut = {}
    for k, rid in enumerate(rounds):
        f = form_items(rid)
        if f.empty:
            continue
        a, d, pts = (f[c].to_numpy(dtype=float) for c in ("a", "d", "points"))
        ax.plot(theta, test_characteristic_curve(theta, a, d, pts), color=f"C{k}", lw=2,
                label=f"{rid} form 问卷 ({len(f)} items, {pts.sum():g} points)")
        at_cut[f"{rid} form: expected points at θ*"] = [test_characteristic_curve(th, a, d, pts) for th in cuts.values()]
    for k, lv in enumerate(levels):
        ax.axhline(float(lv["threshold"]), color="0.5", ls=":", lw=1)
        ax.text(theta[0], float(lv["threshold"]), f" {float(lv['threshold']):g}", va="bottom", fontsize=8, color="0.3")
    cut_lines(ax, labels=True)
    ax.set_ylim(0, max_score)
    ax.set_xlabel("θ (能力 proficiency)")
    ax.set_ylabel(f"期望得分 expected points (of {max_score:g})")
    ax.set_title("测验特征曲线 · Test characteristic curves", fontsize=11)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    fig.tight_layout()
    plt.show()
    show(pd.DataFrame({"水平 level": [level_name[c] for c in cuts],
                       "threshold 分数线": [float(lv["threshold"]) for lv in levels if lv["code"] in cuts],
                       "θ*": list(cuts.values()), **at_cut}),
         {"θ*": "{:.3f}", "threshold 分数线": "{:g}", **{c: "{:.1f}" for c in at_cut}})

# %% [markdown]
# ## 合理值分布 · Plausible values by round
#
# Each round's weighted distribution of plausible values (all draws pooled), coloured by the
# level each θ falls in. The legend gives the linked city share at each level with its 95% CI
# (from `<round>/estimates_linked`: the shares are cumulative, as the official ones).

# %%
if not LINKED:
    display(Markdown("_Skipped: the rounds are not on a common scale (see above)._"))
elif pv is None:
    missing("assessment/pv_distribution.csv", "the plausible value distributions")
else:
    pv_rounds = [rid for rid in rounds if (pv["round"] == rid).any()]
    fig, axes = plt.subplots(1, len(pv_rounds), figsize=(6 * len(pv_rounds), 3.8), squeeze=False, sharey=True)
    bounds = [-np.inf] + list(cuts.values()) + [np.inf]
    region = ["低于基本 below basic"] + [level_name[c] for c in cuts]
    for ax, rid in zip(axes[0], pv_rounds):
        d = pv[pv["round"] == rid]
        mid = d["theta_mid"].to_numpy(dtype=float)
        width = float((d["theta_high"] - d["theta_low"]).iloc[0])
        est = linked.get(rid)
        for k in range(len(bounds) - 1):
            sel = (mid > bounds[k]) & (mid <= bounds[k + 1])
            label = region[k]
            if k > 0 and est is not None:
                row = est[(est["breakdown"] == "city") & (est["level"] == list(cuts)[k - 1])]
                if len(row) and not suppressed(row).any():
                    r = row.iloc[0]
                    label += f": {pct(r['estimate'])} ({pct(r['ci_low'])}–{pct(r['ci_high'])})"
            ax.bar(mid[sel], 100 * d["share"].to_numpy(dtype=float)[sel], width=width * 0.95,
                   color="0.7" if k == 0 else f"C{k}", label=label)
        if irt_scale is not None and (irt_scale["group"] == rid).any():
            s = irt_scale[irt_scale["group"] == rid].iloc[0]
            ax.set_title(f"{round_label.get(rid, rid)}: mean {s['mean']:.2f}, SD {s['sd']:.2f}", fontsize=10)
        ax.set_xlabel("θ (合理值 plausible values)")
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    axes[0, 0].set_ylabel("% of adults 成年人占比 (weighted)")
    fig.tight_layout()
    plt.show()

# %% [markdown]
# ## 等值比例与官方比例 · Linked shares against the official raw-score shares
#
# At the headline level, for each breakdown (the cross-classified cells are in the tables of
# `estimates_linked`): the official share (raw score above the threshold on the round's own
# form; grey squares) and the linked share (plausible values above θ*; blue circles), with
# 95% CIs (the linked interval includes the imputation variance). They need not agree even on the
# baseline round, whose form defines the cuts: the official share counts raw scores above the
# threshold, and a raw score carries measurement error, while the linked share counts
# proficiencies above θ* (with the measurement error modelled). In the upper tail, where the
# headline level sits, measurement error moves more adults over the threshold than under it.
# On the later round the raw scores also carry the change of form (see the test characteristic
# curves), which the linked shares remove.

# %%
ORDER = ["city", "district", "group", "sex", "residence", "age_band", "education"]


def forest_pair(ax, raw: pd.DataFrame, lnk: pd.DataFrame, show_labels: bool, title: str) -> None:
    keys = lnk[["breakdown", "domain", "label_zh", "label_en"]].copy()
    keys["_o"] = keys["breakdown"].map({b: i for i, b in enumerate(ORDER)})
    keys = keys.dropna(subset=["_o"]).sort_values("_o", kind="stable").reset_index(drop=True)
    y = np.arange(len(keys))[::-1].astype(float)
    for tab, dy, marker, colour, label in ((raw, 0.17, "s", "0.45", "official raw score 官方（原始分）"),
                                          (lnk, -0.17, "o", "C0", "linked 等值（合理值）")):
        t = keys.merge(tab, on=["breakdown", "domain"], how="left", suffixes=("", "_t"))
        hidden = suppressed(t)
        est = 100 * t["estimate"].to_numpy(dtype=float)
        err = np.vstack([est - 100 * t["ci_low"].to_numpy(dtype=float), 100 * t["ci_high"].to_numpy(dtype=float) - est])
        ax.errorbar(est[~hidden], y[~hidden] + dy, xerr=err[:, ~hidden], fmt=marker, color=colour, ms=4.5, capsize=2,
                    lw=1.2, label=label)
        for yi in y[hidden]:
            ax.text(0.98, yi + dy, "已抑制 suppressed", transform=ax.get_yaxis_transform(), va="center", ha="right",
                    color="0.45", style="italic", fontsize=7)
    for b in range(len(keys) - 1):
        if keys["breakdown"].iloc[b] != keys["breakdown"].iloc[b + 1]:
            ax.axhline(y[b] - 0.5, color="0.85", lw=0.8)
    if show_labels:
        ax.set_yticks(y, [f"{z}  {e}" for z, e in zip(keys["label_zh"], keys["label_en"])], fontsize=8)
    ax.set_xlabel(f"{level_name[headline]} (%)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=2)


if not LINKED:
    display(Markdown("_Skipped: the rounds are not on a common scale (see above)._"))
elif not linked:
    missing("<round>/estimates_linked.csv", "the linked shares")
else:
    shown_rounds = [rid for rid in rounds if rid in linked]
    n_rows = max(int((linked[r]["level"] == headline).sum()) for r in shown_rounds)
    fig, axes = plt.subplots(1, len(shown_rounds), figsize=(5.4 * len(shown_rounds) + 2.6, 0.2 * n_rows + 2.2),
                             squeeze=False, sharey=True)
    for j, rid in enumerate(shown_rounds):
        raw = estimates[(estimates["round"].astype(str) == rid) & (estimates["level"] == headline)]
        lnk = linked[rid][linked[rid]["level"] == headline]
        forest_pair(axes[0, j], raw, lnk, show_labels=(j == 0), title=round_label.get(rid, rid))
    xmax = max(ax.get_xlim()[1] for ax in axes[0])
    for ax in axes[0]:
        ax.set_xlim(0, xmax)
    fig.suptitle(f"{level_name[headline]} · official vs linked shares (95% CI)", fontsize=11)
    fig.tight_layout()
    plt.show()
    rows = []
    for rid in shown_rounds:
        t = linked[rid]
        t = t[(t["level"] == headline) & t["breakdown"].isin(["city", "district", "group"])]
        hidden = suppressed(t)
        rows.append(pd.DataFrame({
            "round": rid, "子总体 domain": t["label_zh"] + " " + t["label_en"],
            "linked 等值": [("已抑制 suppressed" if h else pct(v)) for h, v in zip(hidden, t["estimate"])],
            "95% CI": [("" if h else f"{pct(lo)} – {pct(hi)}") for h, lo, hi in zip(hidden, t["ci_low"], t["ci_high"])],
            "se sampling (pp)": [("" if h else f"{100 * v:.2f}") for h, v in zip(hidden, t["se_sampling"])],
            "of which calibration (pp)": [("" if h or pd.isna(v) else f"{100 * v:+.2f}")
                                          for h, v in zip(hidden, t.get("se_calibration", pd.Series(np.nan, index=t.index)))],
            "se imputation (pp)": [("" if h else f"{100 * v:.2f}") for h, v in zip(hidden, t["se_imputation"])],
            "fmi": [("" if h else f"{v:.2f}") for h, v in zip(hidden, t["fmi"])],
            "PVs": t["pv_count"].astype("Int64"),
        }))
    display(pd.concat(rows, ignore_index=True))

# %% [markdown]
# ## 等值变化与误差预算 · The linked change and its error budget
#
# The change in the linked share since the baseline, with its 95% CI from the total standard
# error, against the raw-score change. The error budget splits the variance of the change
# into sampling (design; it includes the calibration's sampling error: the item parameters, the
# link and the cut are estimated from the same two samples), imputation (between plausible
# values) and linking (jackknife over the anchors) — shown for the city and the districts at the
# headline level, in squared percentage points.

# %%
if not LINKED or change_linked is None:
    display(Markdown("_Skipped: the rounds are not on a common scale (see above)._"))
else:
    ch = change_linked[(change_linked["level"] == headline) & change_linked["breakdown"].isin(ORDER)].copy()
    ch["_o"] = ch["breakdown"].map({b: i for i, b in enumerate(ORDER)})
    ch = ch.sort_values("_o", kind="stable").reset_index(drop=True)
    hidden = suppressed(ch, "change")
    # the error budget: city and districts
    eb = ch[ch["breakdown"].isin(["city", "district"]) & ~hidden].reset_index(drop=True)
    COMPONENTS = [("se_sampling", "抽样 sampling", "C0"), ("se_imputation", "插补 imputation", "C1"),
                  ("se_linking", "等值 linking", "C3")]
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(13, 0.55 * len(eb) + 1.9), sharey=True,
                                   gridspec_kw={"width_ratios": [1, 1.1]})
    y = np.arange(len(eb))[::-1].astype(float)
    d = 100 * eb["change"].to_numpy(dtype=float)
    err = np.vstack([d - 100 * eb["ci_low"].to_numpy(dtype=float), 100 * eb["ci_high"].to_numpy(dtype=float) - d])
    ax0.errorbar(d, y + 0.12, xerr=err, fmt="o", color="C0", capsize=3, label="linked change 等值变化 (95% CI)")
    ax0.scatter(100 * eb["raw_change"].to_numpy(dtype=float), y - 0.12, marker="s", color="0.45",
                label="raw-score change 原始分变化")
    ax0.axvline(0, color="0.3", lw=1)
    ax0.set_yticks(y, [f"{z}  {e}" for z, e in zip(eb["label_zh"], eb["label_en"])])
    ax0.set_xlabel("变化 change (百分点 percentage points)")
    ax0.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)
    left = np.zeros(len(eb))
    for col, label, colour in COMPONENTS:
        v = (100 * eb[col].fillna(0).to_numpy(dtype=float)) ** 2
        ax1.barh(y, v, left=left, color=colour, height=0.55, label=label)
        left += v
    for yi, tot, lnk in zip(y, left, (100 * eb["se_linking"].fillna(0).to_numpy(dtype=float)) ** 2):
        ax1.text(tot, yi, f"  se {np.sqrt(tot):.2f} pp; linking {100 * lnk / tot:.0f}%" if tot > 0 else "",
                 va="center", fontsize=8)
    ax1.set_xlim(0, left.max() * 1.45 if len(left) and left.max() > 0 else 1)
    ax1.set_xlabel("方差 variance of the change (pp²)")
    ax1.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3)
    base_round, end_round = ch["baseline_round"].iloc[0], ch["endline_round"].iloc[0]
    fig.suptitle(f"{level_name[headline]}: {base_round}→{end_round} change and its error budget", fontsize=11)
    fig.tight_layout()
    plt.show()

    def se_pp(v, h):
        return "" if h or pd.isna(v) else f"{100 * v:.2f}"

    table = pd.DataFrame({
        "子总体 domain": ch["label_zh"] + " " + ch["label_en"],
        base_round: [("" if h else pct(v)) for h, v in zip(hidden, ch["baseline"])],
        end_round: [("" if h else pct(v)) for h, v in zip(hidden, ch["endline"])],
        "linked change 等值变化 (pp)": [("已抑制 suppressed" if h else pp(v)) for h, v in zip(hidden, ch["change"])],
        "95% CI (pp)": [("" if h else f"{pp(lo)} to {pp(hi)}") for h, lo, hi in zip(hidden, ch["ci_low"], ch["ci_high"])],
        "raw change 原始分变化 (pp)": [("" if h else pp(v)) for h, v in zip(hidden, ch["raw_change"])],
        "se sampling": [se_pp(v, h) for v, h in zip(ch["se_sampling"], hidden)],
        "se imputation": [se_pp(v, h) for v, h in zip(ch["se_imputation"], hidden)],
        "se linking": [se_pp(v, h) for v, h in zip(ch["se_linking"], hidden)],
        "se total": [se_pp(v, h) for v, h in zip(ch["se_total"], hidden)],
        "p": [("" if h else f"{v:.4f}") for h, v in zip(hidden, ch["p_value"])],
        "p (BH)": [("" if h or pd.isna(v) else f"{v:.4f}") for h, v in zip(hidden, ch.get("p_value_bh", ch["p_value"]))],
    })
    display(Markdown("Standard errors in percentage points; `p (BH)`: Benjamini–Hochberg adjusted."))
    display(table)
    display(Markdown(f"Note 说明: {reason}"))

# %% [markdown]
# ## 模拟真值 · Linked figures against the simulated truth
#
# Simulated data only (`assessment/truth_check_linked.csv`): each linked share and change
# against the simulated population's true value (the share of the population whose true θ is
# above θ*), with the 95% CI; and the coverage of the intervals.

# %%
if truth is None:
    display(Markdown("_No `assessment/truth_check_linked.csv` in this folder (real data, or the rounds are not "
                     "linked): no truth panel._"))
else:
    # covered is blank where the figure is suppressed: those rows are left out
    truth["_covered"] = truth["covered"].map({True: True, False: False, "True": True, "False": False})
    kinds = list(dict.fromkeys(truth["kind"]))
    fig, axes = plt.subplots(1, len(kinds), figsize=(5.4 * len(kinds), 4.6), squeeze=False)
    for ax, kind in zip(axes[0], kinds):
        t = truth[(truth["kind"] == kind) & truth["_covered"].notna()]
        for k, rid in enumerate(dict.fromkeys(t["round"])):
            r = t[t["round"] == rid]
            x, est = 100 * r["truth"].to_numpy(dtype=float), 100 * r["estimate"].to_numpy(dtype=float)
            ok = r["_covered"].astype(bool).to_numpy()
            ax.vlines(x, 100 * r["ci_low"].to_numpy(dtype=float), 100 * r["ci_high"].to_numpy(dtype=float),
                      color=f"C{k}", alpha=0.35, lw=1)
            ax.scatter(x[ok], est[ok], s=12, color=f"C{k}", label=f"{rid} ({ok.mean():.0%} covered)")
            ax.scatter(x[~ok], est[~ok], s=34, marker="x", color="C3")
        lo, hi = ax.get_xlim()
        ax.plot([lo, hi], [lo, hi], color="0.3", lw=0.8)
        ax.set_xlabel("真值 true value (%)" if kind == "share" else "真实变化 true change (pp)")
        ax.set_ylabel("估计 estimate (%)" if kind == "share" else "估计变化 estimated change (pp)")
        ax.set_title(f"{kind}: estimate vs truth (red x: CI misses)", fontsize=10)
        ax.legend(fontsize=8, frameon=False, loc="upper left")
    fig.tight_layout()
    plt.show()
    scored = truth[truth["_covered"].notna()].astype({"_covered": bool})
    cov = (scored.groupby(["kind", "round", "level"], sort=False)
           .agg(estimates=("_covered", "size"), covered=("_covered", "sum"),
                mean_error_pp=("error", lambda e: 100 * float(np.mean(e)))).reset_index())
    cov["coverage"] = cov["covered"] / cov["estimates"]
    show(cov.rename(columns={"kind": "类型 kind", "estimates": "估计数 estimates", "covered": "覆盖真值数 covering the truth",
                             "mean_error_pp": "平均误差 mean error (pp)", "coverage": "覆盖率 coverage"})
         .assign(**{"类型 kind": lambda t: t["类型 kind"].map({"share": "比例 share", "change": "变化 change"})
                    .fillna(t["类型 kind"])}),
         {"覆盖率 coverage": "{:.1%}", "平均误差 mean error (pp)": "{:+.2f}"})
    display(Markdown(f"{len(truth)} linked figures with a simulated truth, {len(scored)} with an interval (the others "
                     f"suppressed); {int(scored['_covered'].sum())} of these intervals cover the truth."))
