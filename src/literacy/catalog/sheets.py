"""The workbook's sheets as a reader sees them: bilingual names, titles and descriptions, frozen columns.

Every sheet of ``assessment/assessment.xlsx`` shows one output table (or one round of a
round table). :data:`SHEET_TITLES` gives each table a short Chinese and English name (the
sheet's tab, at most 31 characters with the round) and a one-line Chinese and English
description (the contents sheet's). :func:`sheet_name` makes the tab's text; :data:`LABEL_COLUMNS`
are the columns that name a row, which the workbook keeps in view (frozen) as it scrolls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SheetTitle", "SHEET_TITLES", "CONTENTS", "CODEBOOK", "LABEL_COLUMNS", "sheet_title", "sheet_name",
           "frozen_columns"]

#: The longest sheet name Excel accepts.
MAX_SHEET_NAME = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class SheetTitle:
    """A sheet's short names and descriptions; ``{round}`` stands for a round id.

    Attributes
    ----------
    zh, en : str
        The short Chinese and English names (the tab's text).
    about_zh, about_en : str
        What the sheet holds, one line each (the contents sheet's).
    """

    zh: str
    en: str
    about_zh: str
    about_en: str


#: The contents sheet (the workbook's first).
CONTENTS = SheetTitle("目录", "Contents", "本工作簿各工作表的名称、说明和行数（点击名称跳转）",
                      "every sheet of this workbook with what it holds and its rows (click a name to go there)")
#: The codebook sheet (the workbook's last).
CODEBOOK = SheetTitle("数据字典", "Codebook", "每个输出表每一列的含义、单位、类型、取值代码和数字格式",
                      "every column of every output table: meaning, unit, type, codes and number format")

#: Output table (catalog key) -> its sheet's names and descriptions.
SHEET_TITLES: dict[str, SheetTitle] = {
    "codebook": CODEBOOK,
    "headline": SheetTitle("主要结果", "Headline", "全市主要指标：末期比例、变化、目标判定（每行一个指标）",
                           "the city's headline figures: end-of-period share, change, verdict (one a row)"),
    "headline_levels": SheetTitle("各素质水平", "Levels", "全市各素质水平两轮比例、变化及目标判定",
                                  "the city at every literacy level, both rounds, change and verdict"),
    "districts": SheetTitle("各区", "Districts", "各区两轮比例、变化及目标判定",
                            "the districts, both rounds side by side, change and verdict"),
    "key_groups": SheetTitle("重点人群", "Key groups", "规划五类重点人群（含牵头部门）两轮比例、变化及目标判定",
                             "the plan's key groups with their lead departments: both rounds, change, verdict"),
    "demographics": SheetTitle("人口分组", "Demographics", "按性别、年龄组、受教育程度、城乡的两轮比例及变化",
                               "by sex, age band, education and residence: both rounds and change"),
    "district_groups": SheetTitle("区内重点人群", "District groups", "各区内重点人群两轮比例及变化（样本量小）",
                                  "key groups within each district, both rounds and change (small samples)"),
    "decomposition": SheetTitle("变化分解", "Decomposition", "全市变化分解为人口结构贡献和组内比例变化贡献",
                                "the city's change split into composition and rate effects"),
    "decomposition_detail": SheetTitle("分解明细", "Decomposition detail", "变化分解按受教育程度和年龄组的明细",
                                       "the decomposition's parts by education and age band"),
    "part_scores": SheetTitle("各部分得分", "Part scores", "问卷各部分及总分的加权平均分和分位数",
                              "weighted mean and quartiles of each questionnaire part's score"),
    "scorecard": SheetTitle("部门指标", "Scorecard", "规划中由部门报告的其他量化指标：目标值与实际值",
                            "the plan's department-reported targets against the reported actuals"),
    "methodology": SheetTitle("方法说明", "Methodology", "样本量、应答率、加权、设计效应和评分规则（每行一项）",
                              "sample sizes, response rates, weighting, design effects, rules (one fact a row)"),
    "determinants": SheetTitle("影响因素", "Determinants", "具备科学素质的加权logistic回归（比值比）",
                               "survey-weighted logistic regression of literacy (odds ratios)"),
    "associations": SheetTitle("关联检验", "Associations", "素质水平与各分类变量的Rao–Scott关联检验",
                               "Rao-Scott tests of literacy level against each breakdown"),
    "small_area": SheetTitle("小区域估计", "Small area", "Fay–Herriot模型估计与直接估计及发布值",
                             "Fay-Herriot model estimates beside the direct ones, and the figure to publish"),
    "sample_plan": SheetTitle("下轮样本设计", "Sample plan", "下一轮调查达到目标精度所需样本量",
                              "the next survey's sample sizes for the target precision"),
    "change_linked": SheetTitle("等值变化", "Linked change", "等值量表上的变化（含抽样、测量和等值误差）",
                                "the change on the linked scale with sampling, measurement and linking errors"),
    "irt_items": SheetTitle("项目参数", "IRT items", "项目反应理论（2PL）题目参数及拟合",
                            "the IRT (2PL) item parameters and fit"),
    "irt_scale": SheetTitle("潜在量表", "IRT scale", "各轮潜在能力分布及各水平合格线",
                            "each round's latent distribution and the levels' cuts"),
    "dif": SheetTitle("项目功能差异", "DIF", "Mantel–Haenszel项目功能差异检验",
                      "Mantel-Haenszel differential item functioning"),
    "pv_distribution": SheetTitle("合理值分布", "PV distribution", "各轮合理值（潜在能力）的加权分布",
                                  "each round's weighted distribution of plausible values"),
    "estimates": SheetTitle("估计{round}", "Estimates {round}", "{round}轮各分组、子总体、素质水平的比例估计",
                            "round {round}: the share by breakdown, domain and level, with SE, CI, reliability"),
    "change": SheetTitle("变化", "Change", "各子总体、各素质水平末期减基线的变化",
                         "end-of-period minus baseline for every domain and level"),
    "verdicts": SheetTitle("目标判定", "Verdicts", "全市、各区、重点人群对照目标的判定",
                           "the city, districts and key groups against the target"),
    "weights_diagnostics": SheetTitle("加权诊断", "Weighting", "各加权阶段的权数诊断（各区及全市）",
                                      "the weights at each weighting stage, by district and for the city"),
    "estimates_linked": SheetTitle("等值估计{round}", "Linked {round}", "{round}轮等值量表（合理值）上的比例估计",
                                   "round {round}: the shares on the linked (IRT) scale"),
    "items": SheetTitle("题目分析{round}", "Items {round}", "{round}轮问卷的经典题目分析",
                        "round {round}: classical item analysis of the form"),
    "reliability": SheetTitle("信度{round}", "Reliability {round}", "{round}轮问卷的信度（α、ω系数）",
                              "round {round}: the form's reliability (alpha, omega)"),
    "truth_check": SheetTitle("模拟真值核对", "Truth check", "仅模拟数据：各估计与模拟真值对照",
                              "simulation only: each estimate beside the simulated truth"),
    "trend": SheetTitle("趋势", "Trend", "各子总体各水平在所有轮次上的线性趋势（每年百分点）及偏离线性检验",
                        "every domain and level: the linear trend over all rounds (points a year), departure from linearity"),
    "response_rates": SheetTitle("应答率", "Response rates", "各轮、各区和各层的AAPOR应答率、合作率、拒访率与接触率",
                                 "AAPOR response, cooperation, refusal and contact rates by round, district and stratum"),
    "nonresponse_bias": SheetTitle("无回答偏差", "Nonresponse bias", "受访者与全样本在各抽样框变量上的比较及各加权阶段的偏差",
                                   "respondents against the full sample on every frame variable; the bias at each "
                                   "weighting stage"),
    "data_quality": SheetTitle("访问质量", "Interview quality", "被标记的访问：过快、直线作答、重复记录（供复核）",
                               "flagged interviews: speeders, straight-liners, duplicates (for review)"),
    "interviewers": SheetTitle("访问员", "Interviewers", "各访问员的访问数、调整后差异与离群标记",
                               "each interviewer's interviews, composition-adjusted difference and outlier flag"),
    "truth_check_linked": SheetTitle("等值真值核对", "Linked truth check", "仅模拟数据：等值估计与模拟真值对照",
                                     "simulation only: the linked estimates beside the simulated truth"),
    "weights_margins": SheetTitle("校准边际{round}", "Margins {round}", "{round}轮各校准维度加权合计与普查控制数",
                                  "round {round}: each raking margin against its census total"),
    "nonresponse_classes": SheetTitle("无回答调整{round}", "Nonresponse {round}", "{round}轮无回答调整组",
                                      "round {round}: the nonresponse adjustment's classes"),
    "province_summary": SheetTitle("全区摘要", "Summary", "全区（省）主要结果：末期比例、目标判定、变化、完成城市",
                                   "the province's headline: end-of-period share, verdict, change, cities finished"),
    "province_cities": SheetTitle("各盟市状态", "Cities", "各成员盟市及其运行是否完成",
                                  "every member city and whether its run finished"),
    "province_estimates": SheetTitle("全区估计", "Estimates", "全区及各盟市各轮、各素质水平的比例（合并设计）",
                                     "the province's and each city's share by round and level (pooled design)"),
    "province_league_table": SheetTitle("盟市排名", "League table", "各盟市比例排名及与全区比较",
                                        "the cities ranked by share, each against the province"),
    "province_change": SheetTitle("全区变化", "Change", "全区及各盟市末期减基线的变化",
                                  "end-of-period minus baseline for the province and each city"),
    "quarantine": SheetTitle("剔除记录{round}", "Quarantine {round}", "{round}轮未纳入分析的记录及原因",
                             "round {round}: the rows left out, with the rule they broke"),
}

#: Columns that name a row: the workbook freezes the columns up to the last of these among a
#: sheet's first :data:`MAX_FROZEN` columns, so a row's name stays in view.
LABEL_COLUMNS: frozenset[str] = frozenset({
    "label_zh", "label_en", "level_zh", "level_en", "indicator_zh", "indicator_en", "part_zh", "part_en",
    "stage_zh", "stage_en", "term", "item", "key", "city", "domain", "column"})
#: The most columns frozen.
MAX_FROZEN = 7


def sheet_title(table: str) -> SheetTitle | None:
    """The names and descriptions of a table's sheet (None for a table without one here).

    Parameters
    ----------
    table : str
        The output table's catalog key.

    Returns
    -------
    SheetTitle or None
    """
    return SHEET_TITLES.get(table)


def sheet_name(title: SheetTitle, round_id: str | None = None, taken: set[str] | frozenset = frozenset()) -> str:
    """A sheet's tab text: '各区 Districts', or the Chinese name alone where both exceed 31 characters.

    Parameters
    ----------
    title : SheetTitle
    round_id : str, optional
        The round of a round table (fills ``{round}``).
    taken : set of str
        Names already used in the workbook (compared case-insensitively, as Excel does): a
        clash gets a number appended.

    Returns
    -------
    str
        At most 31 characters, none of ``[]:*?/\\``.
    """
    rid = "" if round_id is None else str(round_id)
    zh, en = (_FORBIDDEN.sub("-", s.format(round=rid)).strip() for s in (title.zh, title.en))
    name = f"{zh} {en}".strip() if len(zh) + 1 + len(en) <= MAX_SHEET_NAME else zh[:MAX_SHEET_NAME]
    used = {t.lower() for t in taken}
    base, k = name, 2
    while name.lower() in used:
        suffix = f" ({k})"
        name = base[:MAX_SHEET_NAME - len(suffix)] + suffix
        k += 1
    return name


def frozen_columns(columns: list[str], widths: list[float] | None = None, max_width: float | None = None) -> int:
    """How many leading columns to freeze: through the last row-naming column among the first few.

    Parameters
    ----------
    columns : list of str
        The sheet's column codes in order.
    widths : list of float, optional
        The columns' widths; with ``max_width``, the frozen columns are at most that wide
        together (an earlier label column is chosen, else the first column alone).
    max_width : float, optional

    Returns
    -------
    int
        0 to :data:`MAX_FROZEN`; 1 (the first column) when none names the row.
    """
    marks = [j + 1 for j, c in enumerate(columns[:MAX_FROZEN]) if c in LABEL_COLUMNS]
    if widths is not None and max_width is not None:
        marks = [k for k in marks if sum(widths[:k]) <= max_width]
    if marks:
        return marks[-1]
    return 1 if columns else 0
