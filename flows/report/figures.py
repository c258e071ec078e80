"""The evaluation report's figure: the city's, districts' and key groups' shares with their intervals."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from literacy_flows.report.document_text import Language, as_number, as_text, pct_text
from literacy_flows.report.notebooks import use_cjk_font

__all__ = ["forest_png"]


# --------------------------------------------------------------------------- figures
def forest_png(tables: Mapping[str, pd.DataFrame], level: str, config: dict, L: Language) -> bytes | None:
    """The end-of-period and baseline shares of the city, districts and key groups with their CIs."""
    # matplotlib is imported when a figure is drawn: it is slow to import, and the Agg backend
    # (no display) is chosen then, not when the module is imported
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    use_cjk_font()
    frames = [tables[n] for n in ("headline_levels", "districts", "key_groups") if n in tables]
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[rows["level"].astype(str) == level].reset_index(drop=True)
    if not len(rows):
        return None
    labels = [L.col(r, "label") for _, r in rows.iterrows()]
    y = np.arange(len(rows))[::-1].astype(float)
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(rows) + 1.4), dpi=150)
    colours = {"baseline": "#8FA9D6", "endline": "#1F3864"}
    first = rows.iloc[0]
    for k, (prefix, dy) in enumerate((("baseline", 0.17), ("endline", -0.17))):
        est = rows[prefix].map(as_number).to_numpy(dtype=float)
        lo = rows[f"{prefix}_ci_low"].map(as_number).to_numpy(dtype=float)
        hi = rows[f"{prefix}_ci_high"].map(as_number).to_numpy(dtype=float)
        ok = ~np.isnan(est)
        rid = as_text(first.get(f"{prefix}_round"))
        ax.errorbar(100 * est[ok], y[ok] + dy, xerr=[100 * (est[ok] - lo[ok]), 100 * (hi[ok] - est[ok])], fmt="o",
                    color=colours[prefix], ms=4, capsize=2, lw=1, label=L.t(f"{rid}年", rid))
        for yy in y[~ok]:
            ax.text(0.5, yy + dy, L.t("不予发布", "not published"), va="center", fontsize=7, color="#777777")
    target = as_number(config["targets"]["headline"])
    if not math.isnan(target):
        ax.axvline(100 * target, ls="--", color="#C00000", lw=1, label=L.t(f"规划目标 {pct_text(target)}",
                                                                          f"target {pct_text(target)}"))
    nat = as_number(first.get("national_rate")) if "national_rate" in rows.columns else math.nan
    if not math.isnan(nat):
        ax.axvline(100 * nat, ls=":", color="#555555", lw=1, label=L.t(f"全国水平 {pct_text(nat)}",
                                                                       f"national {pct_text(nat)}"))
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel(L.t("比例（%）", "Share (%)"), fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlim(left=0)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.05 - 0.5 / (0.42 * len(rows) + 1.4)),
              ncol=4, frameon=False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


