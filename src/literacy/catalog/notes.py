"""The notes rows of the workbook's sheets: each output table's definitions and sources, zh and en.

The workbook writes a table's notes as two rows below it (注 / Notes). The verdict rule is the
vocabulary's (:data:`literacy.catalog.vocabulary.VERDICT_NOTE`).
"""

from __future__ import annotations

from literacy.catalog.rounds_columns import ROUNDS_NOTES
from literacy.catalog.quality_tables import QUALITY_NOTES
from literacy.catalog.vocabulary import VERDICT_NOTE

__all__ = ["TABLE_NOTES"]

_SUPPRESSION_EN = ("Reliability: NCHS Data Presentation Standards for Proportions (Parker et al. 2017, Vital Health "
                   "Stat 2(175)) on the Korn–Graubard 95% CI: present / review (present, flagged for statistical "
                   "review: df < 8, a share of 0% or 100%, or the complement's relative CI width > 130%) / suppress "
                   "(effective sample size < 30, CI width >= 0.30, or CI width above 0.05 with relative width > 130%). "
                   "Cells with fewer respondents than reporting.min_n are suppressed: values left blank, "
                   "suppressed = true, reason in suppression_reason.")
_SUPPRESSION_ZH = ("可靠性：按美国国家卫生统计中心《比例数据发布标准》（Parker等，2017）以Korn–Graubard 95%置信区间判定："
                   "present 可发布 / review 可发布但需统计审查（自由度<8、比例为0或100%、或互补比例相对区间宽度>130%）/ "
                   "suppress 不予发布（有效样本量<30、区间宽度≥0.30、或宽度>0.05且相对宽度>130%）。"
                   "样本量低于最小发布样本量（reporting.min_n）的单元格一律抑制：数值留空，suppressed 为 true，原因见 suppression_reason。")
_SHARES_EN = ("Shares are proportions (0.121 = 12.1%), weighted, with design-based (Taylor linearisation, strata and "
              "PSUs, raking accounted for) standard errors and 95% CIs on the domain's design degrees of freedom; "
              "change = end-of-period minus baseline (independent samples: variances add; Welch–Satterthwaite df).")
_SHARES_ZH = ("比例为加权估计（0.121即12.1%），标准误按复杂抽样设计（泰勒线性化，考虑分层、初级抽样单元和事后加权）计算，"
              "95%置信区间使用子总体设计自由度；变化=末期减基线（两轮为独立样本，方差相加）。")
_VERDICT_ZH, _VERDICT_EN = VERDICT_NOTE

#: Output table -> (zh, en) notes row of its workbook sheet: definitions and sources.
TABLE_NOTES: dict[str, tuple[str, str]] = {
    "headline_levels": (
        "全市各素质水平（累计：各比例包含更高水平）两轮估计、变化及目标判定。" + _SHARES_ZH + _VERDICT_ZH + _SUPPRESSION_ZH,
        "City shares at every literacy level (cumulative: each includes the higher levels) by round, change and "
        "verdict. " + _SHARES_EN + " " + _VERDICT_EN + " " + _SUPPRESSION_EN),
    "districts": ("各区两轮估计、变化及目标判定。" + _SHARES_ZH + _VERDICT_ZH + _SUPPRESSION_ZH,
                  "Districts by round, change and verdict. " + _SHARES_EN + " " + _VERDICT_EN + " " + _SUPPRESSION_EN),
    "key_groups": ("规划五类重点人群（含牵头部门）两轮估计、变化及目标判定；人群定义见配置文件。" + _SHARES_ZH + _VERDICT_ZH
                   + _SUPPRESSION_ZH,
                   "The plan's five key groups with their lead departments, by round, change and verdict; group "
                   "membership is the config's rule on survey variables. " + _SHARES_EN + " " + _VERDICT_EN + " "
                   + _SUPPRESSION_EN),
    "demographics": ("按性别、年龄组、受教育程度、城乡分组的两轮估计及变化。" + _SHARES_ZH + _SUPPRESSION_ZH,
                     "By sex, age band, education and urban/rural residence, by round, and change. " + _SHARES_EN
                     + " " + _SUPPRESSION_EN),
    "district_groups": ("各区内重点人群（全样本设计下的子总体估计）两轮估计及变化，样本量小，请重点查看可靠性标识。"
                        + _SHARES_ZH + _SUPPRESSION_ZH,
                        "Key groups within districts (domains of the full design), by round, and change; small "
                        "samples: read the reliability flags. " + _SHARES_EN + " " + _SUPPRESSION_EN),
    "decomposition": (
        "全市变化的Kitagawa分解（Kitagawa 1955，对称两因素形式）：以受教育程度×年龄组为单元，"
        "composition＝人口结构变化的贡献，rate＝单元内比例变化的贡献，二者之和等于变化；share为各自占变化的比例。"
        "单元人口结构为加权人口（已校准至普查边际），无标准误。",
        "Kitagawa decomposition (Kitagawa 1955, symmetric two-factor form) of the city's change over education x "
        "age band cells: composition = the change in the population mix, rate = the change of the rates within "
        "the cells; they add up to the change; shares are of the change. Population shares are weighted (raked "
        "to the census margins); point estimates, no standard errors."),
    "decomposition_detail": (
        "分解的两项按受教育程度、年龄组汇总（对另一因素的单元求和）；每一因素的各类别之和等于总分解。"
        "任一轮样本量低于最小发布样本量的类别留空。",
        "The decomposition's components summed by education and by age band (over the other factor's cells); "
        "for each factor they add up to the city's. Categories with fewer respondents than reporting.min_n in a "
        "round are blank."),
    "part_scores": (
        "问卷各部分（科学知识、科学方法、科学精神与思维、应用科学能力）及总分的加权平均分，按全市、各区和重点人群；"
        "mean_share＝平均分/该部分满分，difference_from_city＝与全市同一部分平均分之差。标准误按复杂抽样设计计算，"
        "置信区间为t区间。样本量低于最小发布样本量的单元格留空。",
        "Weighted mean score of each questionnaire part (knowledge, methods, spirit and thinking, application) and "
        "of the total, for the city, districts and key groups; mean_share = mean / the part's points, "
        "difference_from_city = mean minus the city's mean of the part. Design-based SEs, t intervals. Cells "
        "with fewer respondents than reporting.min_n are blank."),
    "scorecard": (
        "规划其他量化指标（由部门报告，非调查测得）：目标值来自配置文件（规划），实际值来自交付的 scorecard.csv；"
        "状态：met 达标、not_met 未达标、no_report 未报告。模拟数据的实际值仅为示例（见 note）。",
        "The plan's other quantified targets, reported by departments rather than measured by the survey: targets "
        "from the config (the plan), actuals from the delivery's scorecard.csv; status met / not met / no report. "
        "With simulated data the actuals are illustrative (see note)."),
    "methodology": (
        "方法说明：样本量、应答率（加权应答率以抽中概率倒数加权）、加权诊断（最终阶段）、设计效应、自由度、评分规则和可靠性规则。",
        "Methods: sample sizes, response rates (the weighted rate weights sampled adults by the inverse selection "
        "probability), weighting diagnostics (final stage), design effects, degrees of freedom, the scoring rule "
        "and the reliability rules."),
    "estimates": (_SHARES_ZH + _SUPPRESSION_ZH + "ci_width 为Korn–Graubard区间宽度（用于可靠性判定），"
                  "ci_low/ci_high 为配置的区间方法。",
                  _SHARES_EN + " " + _SUPPRESSION_EN + " ci_width is the Korn–Graubard interval's width (the "
                  "reliability criterion); ci_low / ci_high use the configured interval method."),
    "determinants": (
        "影响科学素质的因素：各轮以“具备科学素质”为因变量的设计加权logistic回归（与R survey包svyglm一致，"
        "泰勒线性化标准误），odds_ratio为比值比及其95%置信区间；各分类变量以reference所列类别为参照。"
        "比值比是在其他变量不变时的关联，不是因果效应。",
        "What drives literacy: per round, the design-based logistic regression of having scientific literacy (as R "
        "survey's svyglm, linearisation SEs); odds_ratio with its 95% CI, each categorical variable against the "
        "level in reference. An odds ratio is an association with the other variables held fixed, not a causal "
        "effect."),
    "associations": (
        "素质水平（低、基本、具备、高阶）与各分类变量的关联检验：Rao–Scott二阶校正F检验（R survey包svychisq默认），"
        "p_value_bh为同一轮内的Benjamini–Hochberg校正P值。",
        "Tests of association of the literacy level (low, basic, literate, advanced) with each breakdown: Rao-Scott "
        "second-order corrected F test (R survey's svychisq default); p_value_bh is the Benjamini-Hochberg "
        "adjusted p-value within the round."),
    "small_area": (
        "小区域估计（Fay–Herriot面积水平模型，反正弦平方根变换，有效样本量，广义方差函数平滑抽样方差，参数自助法均方误差）："
        "direct 为直接估计（全样本设计），model_estimate 为模型估计（模型估计），published 为发布值："
        "NCHS标准判定为“可发布”的单元格发布直接估计，否则发布标注为“模型估计”的模型估计。"
        "区内按性别×年龄组的单元格已按区直接估计比例基准化。",
        "Small-area estimates (area-level Fay–Herriot model on the arcsine-square-root scale with the effective "
        "sample size, sampling variances smoothed by a generalised variance function, parametric-bootstrap MSE): "
        "direct = the direct estimate (full design), model_estimate = the model-based estimate, published = the "
        "figure to publish: the direct estimate where the NCHS standard says present, else the model-based one, "
        "labelled model-based (模型估计). Sex x age-band cells within a district are ratio-benchmarked to the "
        "district's direct estimate."),
    "sample_plan": (
        "下一轮调查样本设计：各报告子总体（全市、各区、重点人群）为达到有效样本量400（或配置的置信区间半宽）所需的应答人数、"
        "抽样人数和初级抽样单位数，以及两轮间以80%把握度（α＝0.05）可检测的最小变化；输入与假设见各列"
        "（末期调查的设计效应、群内相关、应答率）。",
        "The next round's sample: for each reporting domain (city, districts, key groups) the respondents, sampled "
        "adults and PSUs needed for an effective sample size of 400 (or the configured CI half-width), and the "
        "smallest change between two such rounds detectable with 80% power at alpha = 0.05; the inputs and "
        "assumptions (the end-of-period round's design effects, intra-PSU correlation, response rates) are "
        "columns."),
    "change_linked": (
        "等值量表上的变化（项目反应理论2PL模型，两轮问卷通过锚题同时校准，合格线θ*取基线问卷测验特征曲线等于70/85/55分处；"
        "每名受访者20个合理值，按鲁宾规则合并）。se_sampling＝抽样误差（含项目参数、等值和合格线由同一样本估计带来的校准误差），"
        "se_imputation＝合理值（测量）误差，"
        "se_linking＝等值误差（逐一剔除锚题的刀切法），se_total为三者平方和的平方根；raw_change为官方原始分变化。"
        "comparable为假时两轮问卷锚题不足，不能等值，变化不可比。官方比例仍以各轮问卷原始分为准。"
        "多轮调查时每对比较一组行（from_round→to_round，comparison为相邻轮次或相对基线）；各轮通过锚题链与基线量表相连，"
        "se_linking为该变化本身的刀切等值误差，se_linking_from/se_linking_to为两轮比例各自的等值误差（仅供参考，不计入se_total）。",
        "The change on the linked scale (2PL IRT, both forms calibrated together through their anchor items; the cut "
        "theta* is where the baseline form's test characteristic curve equals 70 / 85 / 55 points; 20 plausible values "
        "per respondent combined by Rubin's rules). se_sampling = sampling error (including the calibration's: the item "
        "parameters, the link and the cut are estimated from the same samples), se_imputation = measurement "
        "(plausible-value) error, se_linking = linking error (jackknife over the anchor items), se_total = the square "
        "root of the sum of their squares; raw_change is the official raw-score change. comparable false: the forms "
        "share too few anchors to be linked and the change is not comparable. The official rates remain the "
        "raw-score rates of each round's own form. With more rounds, one block of rows per comparison (from_round to "
        "to_round; comparison: consecutive or since_baseline); every round is on the baseline's scale through a chain "
        "of anchor links, se_linking is the jackknife linking error of that change itself, and se_linking_from / "
        "se_linking_to are each round's share's own linking error (shown, not in se_total)."),
    "irt_items": (
        "项目参数（2PL斜率—截距形式：P＝1/(1+exp(−(aθ+d)))，b＝−d/a），及其标准误；rmsd_<轮次>为项目拟合（RMSD）。"
        "group为空表示两轮共用参数（锚题）；freed_reason说明锚题为何改为各轮单独估计（漂移或拟合不佳）。",
        "Item parameters (2PL, slope-intercept: P = 1/(1+exp(-(a theta + d))), b = -d/a) with standard errors; "
        "rmsd_<round> is the item's fit (RMSD). A blank group means the parameters are shared by both rounds (an "
        "anchor); freed_reason says why an anchor got round-specific parameters (drift or misfit)."),
    "irt_scale": (
        "各轮潜在能力分布（基线固定为均值0、标准差1）及各素质水平在潜在量表上的合格线θ*（基线问卷的测验特征曲线）。",
        "Each round's latent distribution (the baseline fixed at mean 0, SD 1) and the cut theta* of each level on "
        "the latent scale (from the baseline form's test characteristic curve)."),
    "dif": (
        "项目功能差异（Mantel–Haenszel，以剩余分匹配，加权）：delta_mh＝−2.35 ln(alpha_mh)，ETS分类A（可忽略）、"
        "B（中等）、C（较大）；grouping为round时是锚题在两轮间的漂移。",
        "Differential item functioning (Mantel-Haenszel, matched on the rest score, weighted): delta_mh = -2.35 "
        "ln(alpha_mh), ETS classes A (negligible), B (moderate), C (large); grouping 'round' is the anchors' drift "
        "between the rounds."),
    "pv_distribution": (
        "各轮合理值（潜在能力）的加权分布（全部抽取合并），区间宽0.25。",
        "Each round's weighted distribution of plausible values (all draws pooled), in bins of 0.25 on the latent "
        "scale."),
    "change": ("末期减基线；任一轮被抑制则变化留空。" + _SHARES_ZH,
               "End-of-period minus baseline; blank when either round's value is suppressed. " + _SHARES_EN),
    "verdicts": (_VERDICT_ZH + "末期估计被抑制时判定为“不予发布”。",
                 _VERDICT_EN + " A suppressed end-of-period estimate reads 'suppressed'."),
}
TABLE_NOTES.update(ROUNDS_NOTES)   # issue 23: the trend
TABLE_NOTES.update(QUALITY_NOTES)   # the fieldwork-quality tables (issue 26)
