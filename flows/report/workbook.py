"""The human-facing pieces of the report: headline table and text, Excel workbook, artifacts' tables.

Pure formatting of tables already computed (no estimation here). Every label is bilingual:
column headers carry a Chinese and an English row, headline figures a zh and an en label.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from literacy.catalog import HEADLINE_FIGURES, VERDICT_SENTENCES, column_labels, points_text, share_text
from literacy.catalog.vocabulary import SUPPRESSED_NOTE, VERDICT_LABELS, VERDICT_TERSE_EN
from literacy_flows.report.excel import Sheet, table_of_sheet, write_book

__all__ = ["COLUMN_LABELS", "headline_table", "headline_text", "markdown_headline", "build_workbook",
           "table_records", "fmt_pct"]

#: Column code -> (zh, en) header labels of every output table (from :mod:`literacy.catalog`).
COLUMN_LABELS: dict[str, tuple[str, str]] = column_labels()


def fmt_pct(x: float, digits: int = 1) -> str:
    """12.3% (a share as a percentage), 'NA' for a blank.

    Parameters
    ----------
    x : float
        The share.
    digits : int
        Decimals.

    Returns
    -------
    str
    """
    return share_text(x, digits, blank="NA")


def fmt_pp(x: float, digits: int = 1) -> str:
    """+3.1 (a change of shares in percentage points), 'NA' for a blank.

    Parameters
    ----------
    x : float
        The change on the share scale.
    digits : int
        Decimals.

    Returns
    -------
    str
    """
    return points_text(x, digits, blank="NA")


def _level_labels(config: dict, code: str) -> tuple[str, str]:
    for lv in config["scoring"]["levels"]:
        if lv["code"] == code:
            return str(lv["zh"]), str(lv["en"])
    return code, code


def headline_text(head: dict, config: dict, language: str = "en") -> str:
    """One or two sentences stating the headline (city rate, change, verdict)."""
    zh, en = _level_labels(config, head["level"])
    conf = int(round(100 * float(config["estimation"]["level"])))
    midterm = head.get("assessment") == "midterm"   # the share due by then on the target's trajectory
    if language == "zh":
        return (f"{head['endline_round']}年全市{zh}的公民比例为{fmt_pct(head['endline'])}"
                f"（{conf}%置信区间 {fmt_pct(head['endline_ci_low'])}–{fmt_pct(head['endline_ci_high'])}），"
                f"较{head['baseline_round']}年变化{fmt_pp(head['change'])}个百分点"
                f"（{fmt_pp(head['change_ci_low'])}至{fmt_pp(head['change_ci_high'])}）；"
                + (f"对照按规划进度应达到的{fmt_pct(head['target'])}：" if midterm else f"对照{fmt_pct(head['target'])}的规划目标：")
                + f"{VERDICT_SENTENCES.get(head['verdict'], (head['verdict'],) * 2)[0]}。")
    return (f"{en}, city {head['endline_round']}: {fmt_pct(head['endline'])} "
            f"({conf}% CI {fmt_pct(head['endline_ci_low'])} to {fmt_pct(head['endline_ci_high'])}); "
            f"change since {head['baseline_round']}: {fmt_pp(head['change'])} points "
            f"({fmt_pp(head['change_ci_low'])} to {fmt_pp(head['change_ci_high'])}); "
            + (f"against the {fmt_pct(head['target'])} due by then: " if midterm
               else f"against the {fmt_pct(head['target'])} target: ")
            + f"{VERDICT_SENTENCES.get(head['verdict'], (head['verdict'],) * 2)[1]}.")


def headline_lines(head: dict, config: dict) -> list[str]:
    """The headline as ``literacy run`` prints it (and the README shows it, tested), one line a fact."""
    zh, en = _level_labels(config, head["level"])
    conf = int(round(100 * float(config["estimation"]["level"])))
    lines = [
        f"{en} ({zh}), city {head['endline_round']}: {fmt_pct(head['endline'])} "
        f"({conf}% CI {fmt_pct(head['endline_ci_low'])}–{fmt_pct(head['endline_ci_high'])}), n = {head['endline_n']:,}",
        f"Change since {head['baseline_round']}: {fmt_pp(head['change'])} percentage points "
        f"({conf}% CI {fmt_pp(head['change_ci_low'])} to {fmt_pp(head['change_ci_high'])})",
        f"Target {fmt_pct(head['target'])}: {VERDICT_TERSE_EN.get(head['verdict'], head['verdict'])} ({head['verdict_zh']})",
    ]
    if head.get("linked_comparable") is True:
        lines.append(f"Linked scale (IRT, plausible values): {head['baseline_round']} {fmt_pct(head['linked_baseline'])}, "
                     f"{head['endline_round']} {fmt_pct(head['linked_endline'])}, change "
                     f"{fmt_pp(head['linked_change'])} points ({conf}% CI {fmt_pp(head['linked_change_ci_low'])} to "
                     f"{fmt_pp(head['linked_change_ci_high'])}, linking error included)")
    elif head.get("linked_comparable") is False:
        lines.append(f"Linked scale: the rounds are not comparable ({head.get('linked_reason', '')})")
    if "truth" in head:
        lines.append(f"Simulated truth {head['endline_round']}: {fmt_pct(head['truth'], 2)} "
                     f"({'inside' if head.get('truth_covered') else 'OUTSIDE'} the CI)")
    if "truth_linked_change" in head:
        lines.append(f"Simulated true change on the linked scale: {fmt_pp(head['truth_linked_change'], 2)} points "
                     f"({'inside' if head.get('truth_linked_change_covered') else 'OUTSIDE'} the CI)")
    return lines


def headline_table(head: dict, config: dict) -> pd.DataFrame:
    """headline.csv: key, label_zh, label_en, value (as text; floats at 12 significant digits)."""
    head = dict(head)
    head["summary_zh"] = headline_text(head, config, "zh")
    head["summary_en"] = headline_text(head, config, "en")
    rows = []
    for key, (zh, en, _fmt) in HEADLINE_FIGURES.items():
        if key not in head:
            continue
        v = head[key]
        if v is None or (isinstance(v, float) and math.isnan(v)):
            text = None
        elif isinstance(v, (bool, np.bool_)):
            text = "true" if v else "false"
        elif isinstance(v, (float, np.floating)):
            text = f"{float(v):.12g}"
        else:
            text = str(v)
        rows.append({"key": key, "label_zh": zh, "label_en": en, "value": text})
    return pd.DataFrame(rows, columns=["key", "label_zh", "label_en", "value"]).astype("string")


def markdown_headline(head: dict, config: dict, verdicts: pd.DataFrame) -> str:
    """The markdown artifact: headline sentences and the verdict table by district and group."""
    name_zh = config["assessment"]["name_zh"]
    name_en = config["assessment"]["name_en"]
    lines = [f"# {name_en}", f"**{name_zh}**", "", headline_text(head, config, "en"), "",
             headline_text(head, config, "zh"), ""]
    if "truth" in head:
        lines += [f"Simulated truth {head['endline_round']}: {fmt_pct(head['truth'])} "
                  f"({'inside' if head.get('truth_covered') else 'OUTSIDE'} the CI).", ""]
    lines += ["| Domain / 子总体 | Estimate / 估计 | 95% CI / 置信区间 | Verdict / 判定 | Change / 变化 (pp) |",
              "|---|---:|---|---|---:|"]
    sup_zh, sup_en = VERDICT_LABELS["suppressed"]
    for _, r in verdicts.iterrows():
        if r["verdict"] == "suppressed":   # a suppressed cell shows no value
            lines.append(f"| {r['label_en']} / {r['label_zh']} | — | — | {sup_en} / {sup_zh} | — |")
            continue
        verdict_en = r["verdict_en"] if "verdict_en" in r.index else r["verdict"]
        lines.append(f"| {r['label_en']} / {r['label_zh']} | {fmt_pct(r['estimate'])} | "
                     f"{fmt_pct(r['ci_low'])} – {fmt_pct(r['ci_high'])} | {verdict_en} / {r['verdict_zh']} | "
                     f"{fmt_pp(r['change'])} |")
    if "suppressed" in verdicts.columns and verdicts["suppressed"].any():
        lines += ["", "— suppressed: fewer respondents than the configured minimum, or a share the NCHS standard "
                  f"says not to present ({sup_zh}：{SUPPRESSED_NOTE[0]})."]
    return "\n".join(lines) + "\n"


def table_records(df: pd.DataFrame, columns: list[str] | None = None, digits: int = 6) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts for a Prefect table artifact (floats rounded, NaN as None)."""
    df = df if columns is None else df[columns]
    out = []
    for rec in df.to_dict(orient="records"):
        row = {}
        for k, v in rec.items():
            if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                row[k] = None
            elif isinstance(v, (float, np.floating)):
                row[k] = round(float(v), digits)
            elif isinstance(v, (np.integer,)):
                row[k] = int(v)
            else:
                row[k] = v if isinstance(v, (int, str, bool)) else str(v)
        out.append(row)
    return out


# --------------------------------------------------------------------------- Excel
def build_workbook(headline: pd.DataFrame, estimates: dict[str, pd.DataFrame], change: pd.DataFrame,
                   verdicts: pd.DataFrame, weighting: pd.DataFrame, extra: dict[str, pd.DataFrame] | None = None,
                   tables: dict[str, pd.DataFrame] | None = None, notes: dict[str, tuple[str, str]] | None = None,
                   codebook: pd.DataFrame | None = None):
    """The assessment workbook: contents, headline, the evaluator tables, estimates per round, change,
    verdicts, weighting, the extra sheets and the codebook.

    ``tables`` (name -> table) are the evaluator tables, one sheet each after the headline;
    ``extra`` (sheet code -> table) further sheets, named by their catalog sheet code
    (``linked_2025``, ``items_2025``, ``truth_check``); ``notes`` (name -> (zh, en)) the notes
    rows of the sheets (``estimates`` for every round's estimates sheet); ``codebook`` the data
    dictionary (:func:`literacy.catalog.codebook.codebook_table`), the last sheet. Sheet names
    are bilingual (:func:`literacy.catalog.sheets.sheet_name`); the first sheet lists them all
    (docs/reference/outputs.md). Returns an openpyxl Workbook (write it with
    ``literacy_flows.ingest.io.write_excel`` for reproducible bytes).
    """
    notes = notes or {}
    sheets = [Sheet(name, None, df, notes.get(name)) for name, df in (tables or {}).items()]
    sheets += [Sheet("estimates", rid, est, notes.get("estimates")) for rid, est in estimates.items()]
    sheets += [Sheet("change", None, change, notes.get("change")), Sheet("verdicts", None, verdicts, notes.get("verdicts")),
               Sheet("weights_diagnostics", None, weighting)]
    for code, df in (extra or {}).items():
        table, rid = table_of_sheet(code)
        sheets.append(Sheet(table, rid, df, notes.get(table)))
    return write_book(headline, sheets, codebook)
