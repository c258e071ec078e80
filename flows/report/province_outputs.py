"""The province's workbook and league-table figure (``<out>/province/province.xlsx``, ``league_table.png``)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from literacy_flows.report.excel import Sheet, write_book
from literacy_flows.report.notebooks import use_cjk_font

__all__ = ["province_workbook", "league_figure"]


def province_workbook(tables: dict[str, pd.DataFrame], codebook: pd.DataFrame | None = None):
    """The provincial workbook: a contents sheet, one sheet a table (three frozen header rows: 中文,
    English, code; number formats by column kind), and the codebook, as the city's
    (:func:`literacy_flows.report.excel.write_book`).

    Parameters
    ----------
    tables : dict of str to DataFrame
        ``summary``, ``cities``, ``estimates``, ``league_table``, ``change`` (those written).
    codebook : DataFrame, optional
        ``province/codebook.csv``'s table.

    Returns
    -------
    openpyxl.Workbook
    """
    return write_book(None, [Sheet(f"province_{name}", None, df) for name, df in tables.items()], codebook)


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


