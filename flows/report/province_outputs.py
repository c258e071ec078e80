"""The province's workbook and league-table figure (``<out>/province/province.xlsx``, ``league_table.png``)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from literacy_flows.report.notebooks import use_cjk_font

__all__ = ["province_workbook", "league_figure"]


_LABELS = {
    "city": ("城市（盟市）", "City / league"), "status": ("状态", "Status"), "error": ("原因", "Reason"),
    "round": ("轮次", "Round"), "breakdown": ("分组", "Breakdown"), "domain": ("范围", "Domain"),
    "label_zh": ("名称（中文）", "Name (Chinese)"), "label_en": ("名称（英文）", "Name (English)"),
    "level": ("素质水平", "Level"), "estimate": ("比例", "Share"), "se": ("标准误", "Standard error"),
    "ci_low": ("95%置信区间下限", "95% CI low"), "ci_high": ("95%置信区间上限", "95% CI high"),
    "df": ("自由度", "Degrees of freedom"), "n": ("样本量", "Respondents"), "deff": ("设计效应", "Design effect"),
    "population": ("加权人口", "Weighted population"), "rank": ("排名", "Rank"),
    "province": ("全区比例", "Province share"), "difference": ("与全区之差", "Difference from province"),
    "difference_se": ("差值标准误", "SE of the difference"), "t": ("t值", "t"), "p_value": ("p值", "p-value"),
    "p_adjusted": ("BH校正p值", "BH-adjusted p-value"), "significant": ("显著", "Significant"),
    "family_size": ("检验族大小", "Tests in family"), "versus_province": ("与全区比较", "Versus province"),
    "versus_province_zh": ("与全区比较（中文）", "Versus province (Chinese)"),
    "baseline_round": ("基线轮次", "Baseline round"), "endline_round": ("末期轮次", "End-of-period round"),
    "baseline": ("基线比例", "Baseline share"), "baseline_se": ("基线标准误", "Baseline SE"),
    "endline": ("末期比例", "End-of-period share"), "endline_se": ("末期标准误", "End-of-period SE"),
    "change": ("变化", "Change"), "key": ("项目", "Item"), "value": ("值", "Value"),
}
_SHEETS = {"summary": "摘要 summary", "cities": "盟市状态 cities", "estimates": "估计 estimates",
           "league_table": "排名 league table", "change": "变化 change"}
_PCT_COLUMNS = {"estimate", "se", "ci_low", "ci_high", "province", "difference", "difference_se", "baseline",
                "baseline_se", "endline", "endline_se", "change"}


def province_workbook(tables: dict[str, pd.DataFrame]):
    """The provincial workbook: one sheet a table, three frozen header rows (中文, English, code)."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in tables.items():
        ws = wb.create_sheet(_SHEETS.get(name, name)[:31])
        cols = list(df.columns)
        ws.append([_LABELS.get(c, (c, c))[0] for c in cols])
        ws.append([_LABELS.get(c, (c, c))[1] for c in cols])
        ws.append(cols)
        for i in (1, 2):
            for cell in ws[i]:
                cell.font = Font(bold=True)
        for rec in df.itertuples(index=False, name=None):
            ws.append([None if (v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA) else
                       (v.item() if isinstance(v, np.generic) else v) for v in rec])
        for j, c in enumerate(cols, start=1):
            if c in _PCT_COLUMNS:
                for (cell,) in ws.iter_rows(min_row=4, max_row=3 + len(df), min_col=j, max_col=j):
                    cell.number_format = "0.00%"
        ws.freeze_panes = "A4"
    return wb


def league_figure(league: pd.DataFrame, province: pd.Series, target: float, prov: dict) -> bytes:
    """The league table as a forest plot (PNG bytes, no timestamps): cities' shares with 95% CIs,
    the province's share (band) and the target (dashed)."""
    # matplotlib is imported here, not at the top: it is slow to import, and the Agg backend
    # (no display) is chosen only when a figure is drawn, not when the module is imported
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    use_cjk_font()
    rows = league.sort_values("estimate").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(rows) + 1.6), dpi=100)
    y = np.arange(len(rows))
    colours = {"above": "#1b7837", "below": "#b2182b", "indistinguishable": "#404040"}
    for i, r in rows.iterrows():
        ax.errorbar(100 * r["estimate"], i, xerr=[[100 * (r["estimate"] - r["ci_low"])],
                                                 [100 * (r["ci_high"] - r["estimate"])]],
                    fmt="o", color=colours[r["versus_province"]], capsize=3)
    ax.axvspan(100 * province["ci_low"], 100 * province["ci_high"], color="#9ecae1", alpha=0.4,
               label=f"全区 province {100 * province['estimate']:.1f}%")
    ax.axvline(100 * province["estimate"], color="#3182bd")
    ax.axvline(100 * target, color="black", linestyle="--", label=f"目标 target {100 * target:.0f}%")
    ax.set_yticks(y, [f"{a} {b}" for a, b in zip(rows["label_zh"], rows["label_en"])])
    ax.set_xlabel("具备科学素质的比例 share with scientific literacy (%), 95% CI")
    ax.set_title(f"{prov['name_zh']} {province['round']}\n{prov['name_en']}", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


