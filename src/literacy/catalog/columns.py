"""Every column of the output tables once: its zh and en labels, number format and description.

The workbook's header rows and number formats, the report documents' table headers and the
output reference (``docs/reference/outputs.md``) read these entries. A column code means the
same in every table it appears in (``estimate`` is always a share, ``n`` always respondents).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from literacy.catalog.rounds_columns import ROUNDS_COLUMNS
from literacy.catalog.formats import (AMOUNT, AMOUNT_CHANGE, CHANGE, COEFFICIENT, COEFFICIENT_1, COEFFICIENT_3, COUNT,
                                      COUNT_1, INTEGER, P_VALUE, SCORE, SCORE_CHANGE, SHARE, SHARE_0, SHARE_1,
                                      NumberFormat)
from literacy.catalog.measurement_columns import MEASUREMENT_COLUMNS
from literacy.catalog.quality_columns import QUALITY_COLUMNS
from literacy.catalog.kinds import COLUMN_FORMATS, NEW_COLUMNS

__all__ = ["Column", "COLUMNS", "column", "column_labels", "excel_formats"]


@dataclass(frozen=True)
class Column:
    """One output column.

    Attributes
    ----------
    code : str
        The column's name in the CSV and Parquet files.
    label_zh, label_en : str
        The header labels ('' where the workbook shows the code itself).
    number_format : NumberFormat or None
        How its numbers are shown (None: text, codes, flags, or numbers shown as they are).
    description : str
        What it holds ('' where the label says it).
    """

    code: str
    label_zh: str
    label_en: str
    number_format: NumberFormat | None = None
    description: str = ""


#: Every column of every output table, in a stable order.
COLUMNS: tuple[Column, ...] = (
    Column('round', '调查轮次', 'Round', None,
           'round id'),
    Column('breakdown', '分类', 'Breakdown', None,
           ('`city`, `district`, `sex`, `age_band`, `education`, `residence`, `district+sex`, '
            "`district+group` (the config's `breakdowns`; `group` in a crossing stands for each key "
            'group) or `group` (a key group)')),
    Column('domain', '子总体代码', 'Domain code', None,
           ('the domain code: `all` for the city, the category code (`haibowan`, `female`, `18-29`), '
            '`haibowan+male` for a crossing, `haibowan+youth` for a key group within a district '
            '(estimated on the full design, `by = [district, group_youth]`), the group code (`youth`, '
            '`rural`, `industrial_workers`, `elderly`, `cadres`)')),
    Column('label_zh', '子总体', 'Domain (zh)', None,
           'domain labels'),
    Column('label_en', '子总体（英文）', 'Domain', None,
           'domain labels'),
    Column('level', '素质水平', 'Literacy level', None,
           ('`advanced` (above 85), `literate` (above 70, the headline), `basic` (above 55); '
            'cumulative: each share includes the higher levels')),
    Column('estimate', '比例估计', 'Estimated share', SHARE,
           'weighted share at or above the level'),
    Column('se', '标准误', 'Standard error', SHARE,
           ('design-based standard error (Taylor linearisation, strata and PSUs, accounting for the '
            'raking; or replicate weights each raked again, with `estimation.method`)')),
    Column('ci_low', '95%置信区间下限', '95% CI lower', SHARE,
           "95% confidence interval (logit, t quantile on the domain's design degrees of freedom)"),
    Column('ci_high', '95%置信区间上限', '95% CI upper', SHARE,
           "95% confidence interval (logit, t quantile on the domain's design degrees of freedom)"),
    Column('df', '自由度', 'Degrees of freedom', INTEGER,
           ("design degrees of freedom (PSUs minus strata, among the domain's rows; with replicate "
            "variance the rank of the domain's replicate weights minus one)")),
    Column('n', '样本量', 'Respondents (n)', COUNT,
           'respondents in the domain (unweighted)'),
    Column('deff', '设计效应', 'Design effect', COEFFICIENT,
           'design effect (variance over the simple-random-sampling variance)'),
    Column('cv', '变异系数', 'Coefficient of variation', SHARE_1,
           'coefficient of variation, `se / estimate`'),
    Column('population', '推断人口数', 'Estimated population', COUNT,
           'estimated number of adults in the domain (sum of weights)'),
    Column('baseline_round', '基线轮次', 'Baseline round', None,
           "the baseline round's share, SE, 95% CI, respondents and NCHS reliability"),
    Column('endline_round', '末期轮次', 'End-of-period round', None,
           'the same for the end-of-period round'),
    Column('baseline', '基线比例', 'Baseline share', SHARE,
           "the baseline round's share, SE, 95% CI, respondents and NCHS reliability"),
    Column('baseline_se', '基线标准误', 'Baseline SE', SHARE,
           "the baseline round's share, SE, 95% CI, respondents and NCHS reliability"),
    Column('endline', '末期比例', 'End-of-period share', SHARE,
           'the same for the end-of-period round'),
    Column('endline_se', '末期标准误', 'End-of-period SE', SHARE,
           'the same for the end-of-period round'),
    Column('change', '变化（百分点）', 'Change', CHANGE,
           'end-of-period minus baseline (as in `change.csv`)'),
    Column('p_value', 'P值', 'p-value', P_VALUE),
    Column('target', '目标值', 'Target', SHARE_1,
           ("`headline_levels`, `districts`, `key_groups` only, on the headline level's rows (as in "
            '`verdicts.csv`)')),
    Column('verdict', '目标判定', 'Verdict', None,
           ("`headline_levels`, `districts`, `key_groups` only, on the headline level's rows (as in "
            '`verdicts.csv`)')),
    Column('verdict_zh', '目标判定（中文）', 'Verdict (zh)', None,
           ("`headline_levels`, `districts`, `key_groups` only, on the headline level's rows (as in "
            '`verdicts.csv`)')),
    Column('national_rate', '全国水平', 'National rate', SHARE,
           ("`headline_levels`, `districts`, `key_groups` only, on the headline level's rows (as in "
            '`verdicts.csv`)')),
    Column('national_year', '全国数据年份', 'National figure year', INTEGER,
           ("`headline_levels`, `districts`, `key_groups` only, on the headline level's rows (as in "
            '`verdicts.csv`)')),
    Column('gap_to_national', '与全国差距', 'Gap to national', CHANGE,
           ("`headline_levels`, `districts`, `key_groups` only, on the headline level's rows (as in "
            '`verdicts.csv`)')),
    Column('versus_national', '与全国比较', 'Versus national', None,
           ("`headline_levels`, `districts`, `key_groups` only, on the headline level's rows (as in "
            '`verdicts.csv`)')),
    Column('change_ci_low', '变化置信区间下限', 'Change CI lower', CHANGE,
           'end-of-period minus baseline (as in `change.csv`)'),
    Column('change_ci_high', '变化置信区间上限', 'Change CI upper', CHANGE,
           'end-of-period minus baseline (as in `change.csv`)'),
    Column('change_p_value', '变化P值', 'Change p-value', P_VALUE,
           'end-of-period minus baseline (as in `change.csv`)'),
    Column('p_value_bh', 'BH校正P值', 'BH-adjusted p-value', P_VALUE,
           ('the Benjamini–Hochberg p-value of the change and whether it is significant at the FDR '
            "level; whether the rounds' forms are one or linked")),
    Column('odds_ratio', '比值比', 'Odds ratio', None),
    Column('or_ci_low', '比值比95%置信区间下限', 'Odds ratio 95% CI lower', None),
    Column('or_ci_high', '比值比95%置信区间上限', 'Odds ratio 95% CI upper', None),
    Column('term', '模型项', 'Term', None),
    Column('variable', '变量', 'Variable', None),
    Column('reference', '参照类别', 'Reference level', None),
    Column('statistic', '统计量', 'Statistic', None),
    Column('ndf', '分子自由度', 'Numerator df', None),
    Column('ddf', '分母自由度', 'Denominator df', None),
    Column('outcome', '因变量', 'Outcome', None),
    Column('median', '总分中位数', 'Median total score', None),
    Column('median_ci_low', '中位数置信区间下限', 'Median CI lower', None),
    Column('median_ci_high', '中位数置信区间上限', 'Median CI upper', None),
    Column('p25', '总分下四分位数', 'Lower quartile of the total score', None),
    Column('p25_ci_low', '下四分位数置信区间下限', 'Lower quartile CI lower', None),
    Column('p25_ci_high', '下四分位数置信区间上限', 'Lower quartile CI upper', None),
    Column('p75', '总分上四分位数', 'Upper quartile of the total score', None),
    Column('p75_ci_low', '上四分位数置信区间下限', 'Upper quartile CI lower', None),
    Column('p75_ci_high', '上四分位数置信区间上限', 'Upper quartile CI upper', None),
    Column('significant_bh', 'BH校正后显著', 'Significant after BH', None,
           ('the Benjamini–Hochberg p-value of the change and whether it is significant at the FDR '
            "level; whether the rounds' forms are one or linked")),
    Column('baseline_model', '基线模型估计', 'Baseline model-based', SHARE),
    Column('baseline_model_ci_low', '基线模型估计区间下限', 'Baseline model CI lower', SHARE),
    Column('baseline_model_ci_high', '基线模型估计区间上限', 'Baseline model CI upper', SHARE),
    Column('baseline_published', '基线发布值', 'Baseline published', SHARE),
    Column('baseline_published_source', '基线发布值来源', 'Baseline published source', None),
    Column('endline_model', '末期模型估计', 'End-of-period model-based', SHARE),
    Column('endline_model_ci_low', '末期模型估计区间下限', 'End-of-period model CI lower', SHARE),
    Column('endline_model_ci_high', '末期模型估计区间上限', 'End-of-period model CI upper', SHARE),
    Column('endline_published', '末期发布值', 'End-of-period published', SHARE),
    Column('endline_published_source', '末期发布值来源', 'End-of-period published source', None),
    Column('direct', '直接估计', 'Direct estimate', SHARE),
    Column('direct_se', '直接估计标准误', 'Direct SE', SHARE),
    Column('direct_ci_low', '直接估计区间下限', 'Direct CI lower', SHARE),
    Column('direct_ci_high', '直接估计区间上限', 'Direct CI upper', SHARE),
    Column('deff_pooled', '合并设计效应', 'Pooled design effect', COEFFICIENT),
    Column('gamma', '收缩系数γ', 'Shrinkage gamma', COEFFICIENT_3),
    Column('model_estimate', '模型估计', 'Model-based estimate', SHARE),
    Column('model_rmse', '模型估计均方根误差', 'Model RMSE', SHARE),
    Column('model_cv', '模型估计变异系数', 'Model CV', SHARE_1),
    Column('model_ci_low', '模型估计区间下限', 'Model CI lower', SHARE),
    Column('model_ci_high', '模型估计区间上限', 'Model CI upper', SHARE),
    Column('is_synthetic', '合成估计', 'Synthetic', None),
    Column('benchmark_factor', '基准化系数', 'Benchmark factor', None),
    Column('published', '发布值', 'Published', SHARE),
    Column('published_ci_low', '发布值区间下限', 'Published CI lower', SHARE),
    Column('published_ci_high', '发布值区间上限', 'Published CI upper', SHARE),
    Column('source', '发布值来源', 'Source', None),
    Column('source_zh', '来源（中文）', 'Source (zh)', None),
    Column('source_en', '来源（英文）', 'Source (en)', None),
    Column('population_share', '区内人口占比', 'Population share in district', None),
    Column('psus_with_respondents', '有应答的初级抽样单位数', 'PSUs with respondents', None),
    Column('respondents_per_psu', '每个初级抽样单位应答人数', 'Respondents per PSU', None),
    Column('rho', '群内相关系数', 'Intra-PSU correlation', COEFFICIENT_3),
    Column('planned_per_psu', '计划每单位应答人数', 'Planned respondents per PSU', None),
    Column('deff_planned', '计划设计效应', 'Planned design effect', None),
    Column('response_rate', '应答率', 'Response rate', SHARE_1),
    Column('n_eff_required', '所需有效样本量', 'Effective sample size required', None),
    Column('respondents', '所需应答人数', 'Respondents required', None),
    Column('sampled_adults', '所需抽样人数', 'Adults to sample', None),
    Column('psus', '所需初级抽样单位数', 'PSUs required', None),
    Column('detectable_change', '可检测最小变化', 'Detectable change', SHARE),
    Column('stage', '加权阶段', 'Weighting stage', None,
           'round id, stage code and labels'),
    Column('stage_zh', '加权阶段（中文）', 'Stage (zh)', None,
           'round id, stage code and labels'),
    Column('stage_en', '加权阶段（英文）', 'Stage', None,
           'round id, stage code and labels'),
    Column('sum_weights', '权数之和', 'Sum of weights', COUNT,
           'sum of the weights'),
    Column('deff_weighting', '加权设计效应', 'Weighting design effect', COEFFICIENT,
           "Kish's design effect from unequal weighting, 1 + CV² = n Σw² / (Σw)²"),
    Column('n_effective', '有效样本量', 'Effective sample size', COUNT_1,
           'effective sample size `p(1−p)/se²`, capped at `n` (`n` where the share is 0 or 1)'),
    Column('min', '最小权数', 'Minimum weight', COUNT_1,
           'smallest and largest weight, and their ratio'),
    Column('max', '最大权数', 'Maximum weight', COUNT_1,
           'smallest and largest weight, and their ratio'),
    Column('max_min_ratio', '最大/最小权数比', 'Max/min weight ratio', COEFFICIENT_1,
           'smallest and largest weight, and their ratio'),
    Column('weights_to_population', '权数之和/人口数', 'Sum of weights / population', None,
           '`sum_weights / population`'),
    Column('n_trimmed', '修剪权数个数', 'Weights trimmed', None,
           'weights set to a cap at this stage (0 except at `trimmed` stages)'),
    Column('key', '指标代码', 'Key', None),
    Column('value', '数值', 'Value', None),
    Column('truth', '模拟真值', 'Simulated truth', SHARE),
    Column('covered', '置信区间覆盖真值', 'CI covers truth', None),
    Column('error', '估计误差', 'Estimation error', CHANGE),
    Column('ci_width', 'Korn–Graubard置信区间宽度', 'Korn–Graubard CI width', SHARE,
           ('width of the Korn–Graubard 95% interval (R\'s `svyciprop(method="beta")`), the NCHS '
            'criterion; `ci_low`/`ci_high` use the configured method')),
    Column('relative_ci_width', '相对置信区间宽度', 'Relative CI width', SHARE_0,
           '`ci_width / estimate` (blank where the estimate is 0)'),
    Column('reliability', '可靠性（NCHS标准）', 'Reliability (NCHS standard)', None,
           ('`present`, `review` (present, flagged for statistical review) or `suppress` (the standard'
            ' says not to present) — see Reliability and suppression '
            '(`../methods/core.md#reliability-and-suppression`)')),
    Column('reliability_reason', '可靠性说明', 'Reliability criteria not met', None,
           'the criteria the share fails, `; `-separated (empty when `present`)'),
    Column('suppressed', '是否抑制', 'Suppressed', None,
           ('`true` when the values are blanked: fewer than `reporting.min_n` respondents, or (with '
            '`reporting.suppress_unreliable`) `reliability = suppress`')),
    Column('suppression_reason', '抑制原因', 'Suppression reason', None,
           'why (blank when not suppressed)'),
    Column('verdict_en', '目标判定（英文）', 'Verdict (en)', None,
           ("`headline_levels`, `districts`, `key_groups` only, on the headline level's rows (as in "
            '`verdicts.csv`)')),
    Column('lead_zh', '牵头部门', 'Lead department (zh)', None,
           ("`key_groups` and `district_groups` only: the group's lead department(s) (config "
            '`groups[].lead_zh/lead_en`)')),
    Column('lead_en', '牵头部门（英文）', 'Lead department', None,
           ("`key_groups` and `district_groups` only: the group's lead department(s) (config "
            '`groups[].lead_zh/lead_en`)')),
    Column('level_zh', '素质水平（中文）', 'Level (zh)', None,
           'the literacy level and its labels'),
    Column('level_en', '素质水平（英文）', 'Level', None,
           'the literacy level and its labels'),
    Column('baseline_ci_low', '基线95%置信区间下限', 'Baseline 95% CI lower', SHARE,
           "the baseline round's share, SE, 95% CI, respondents and NCHS reliability"),
    Column('baseline_ci_high', '基线95%置信区间上限', 'Baseline 95% CI upper', SHARE,
           "the baseline round's share, SE, 95% CI, respondents and NCHS reliability"),
    Column('baseline_n', '基线样本量', 'Baseline respondents (n)', COUNT,
           "the baseline round's share, SE, 95% CI, respondents and NCHS reliability"),
    Column('baseline_reliability', '基线可靠性', 'Baseline reliability', None,
           "the baseline round's share, SE, 95% CI, respondents and NCHS reliability"),
    Column('endline_ci_low', '末期95%置信区间下限', 'End-of-period 95% CI lower', SHARE,
           'the same for the end-of-period round'),
    Column('endline_ci_high', '末期95%置信区间上限', 'End-of-period 95% CI upper', SHARE,
           'the same for the end-of-period round'),
    Column('endline_n', '末期样本量', 'End-of-period respondents (n)', COUNT,
           'the same for the end-of-period round'),
    Column('endline_reliability', '末期可靠性', 'End-of-period reliability', None,
           'the same for the end-of-period round'),
    Column('change_se', '变化标准误', 'Change SE', SHARE,
           'end-of-period minus baseline (as in `change.csv`)'),
    Column('composition', '人口结构贡献', 'Composition effect', CHANGE),
    Column('rate', '组内比例变化贡献', 'Rate effect', CHANGE),
    Column('composition_share', '人口结构贡献占比', 'Share explained by composition', SHARE_1),
    Column('rate_share', '组内变化贡献占比', 'Share explained by rates', SHARE_1),
    Column('cells', '分解单元数', 'Cells', INTEGER),
    Column('factors', '分解因素', 'Factors', None),
    Column('factor', '因素', 'Factor', None),
    Column('category', '类别代码', 'Category code', None),
    Column('baseline_population_share', '基线人口占比', 'Baseline population share', SHARE_1),
    Column('endline_population_share', '末期人口占比', 'End-of-period population share', SHARE_1),
    Column('part', '问卷部分代码', 'Part code', None),
    Column('part_zh', '问卷部分', 'Questionnaire part (zh)', None),
    Column('part_en', '问卷部分（英文）', 'Questionnaire part', None),
    Column('max_points', '满分', 'Points', INTEGER),
    Column('mean', '平均分', 'Mean score', SCORE),
    Column('mean_share', '得分率', 'Mean as share of points', SHARE_1),
    Column('difference_from_city', '与全市平均分之差', 'Difference from the city mean', SCORE_CHANGE),
    Column('indicator', '指标代码', 'Indicator code', None),
    Column('indicator_zh', '指标', 'Indicator (zh)', None),
    Column('indicator_en', '指标（英文）', 'Indicator', None),
    Column('reported_by_zh', '报告部门', 'Reported by (zh)', None),
    Column('reported_by_en', '报告部门（英文）', 'Reported by', None),
    Column('period', '期间', 'Period', None),
    Column('comparison', '比较方向', 'Comparison', None),
    Column('actual', '实际值', 'Actual', AMOUNT),
    Column('unit_zh', '单位', 'Unit (zh)', None),
    Column('unit_en', '单位（英文）', 'Unit', None),
    Column('gap', '与目标之差', 'Actual minus target', AMOUNT_CHANGE),
    Column('status', '完成情况代码', 'Status code', None),
    Column('status_zh', '完成情况', 'Status (zh)', None),
    Column('status_en', '完成情况（英文）', 'Status', None),
    Column('note', '备注', 'Note', None),
    Column('section', '类别', 'Section', None),
    Column('item', '项目代码', 'Item', None),
    Column('text', '说明', 'Text', None),
    Column('se_sampling', '抽样标准误', 'SE sampling', None),
    Column('se_calibration', '校准标准误', 'SE calibration', None),
    Column('se_imputation', '插补标准误', 'SE imputation', None),
    Column('se_linking', '等值标准误', 'SE linking', None),
    Column('fmi', '缺失信息比例', 'Fraction of missing information', None),
    Column('pv_count', '合理值个数', 'Plausible values', None),
    Column('p_correct', '答对率', 'Share correct', None),
    Column('item_rest_r', '题目-其余总分相关', 'Item-rest correlation', None),
    Column('dont_know_share', '“不知道”比例', "Share don't know", None),
    Column('skipped_share', '未作答比例', 'Share skipped', None),
    Column('flag_low_discrimination', '区分度偏低', 'Low discrimination', None),
    Column('flag_extreme', '难度极端', 'Extreme difficulty', None),
    Column('flags', '题目标记', 'Flags', None),
    Column('method', '调整方法', 'Method', None),
    Column('district', '区', 'District', None),
    Column('residence', '城乡', 'Residence', None),
    Column('sex', '性别', 'Sex', None),
    Column('age_band', '年龄组', 'Age band', None),
    Column('class', '调整组', 'Class', None),
    Column('sampled', '抽样人数', 'Sampled', None),
    Column('weighted_response_rate', '加权应答率', 'Weighted response rate', None),
    Column('adjustment_class', '合并后调整组', 'Adjustment class', None),
    Column('class_respondents', '调整组应答人数', 'Class respondents', None),
    Column('collapsed_into', '并入组', 'Collapsed into', None),
    Column('file', '文件', 'File', None),
    Column('line', '行号', 'Line', None),
    Column('respondent_id', '受访者编号', 'Respondent id', None),
    Column('column', '列', 'Column', None),
    Column('rule', '规则', 'Rule', None),
    Column('reason', '原因', 'Reason', None),
    Column('action', '处理', 'Action', None),
    Column('scale', '量表', 'Scale', None),
    Column('items', '题目数', 'Items', None),
    Column('alpha', 'α', 'Alpha', None,
           "Cronbach's alpha in `reliability`; the significance level of the test in `sample_plan`"),
    Column('alpha_std', '标准化α系数', 'Standardised alpha', None),
    Column('omega', 'ω系数', "McDonald's omega", None),
    Column('margin', '校准维度', 'Raking margin', None),
    Column('achieved', '加权合计', 'Weighted total', None),
    Column('abs_error', '绝对误差', 'Absolute error', None),
    Column('rel_error', '相对误差', 'Relative error', None),
    Column('se_total', '总标准误', 'SE total', None),
    Column('raw_change', '未等值变化', 'Unlinked change', None),
    Column('comparable', '两轮可比', 'Rounds comparable', None,
           ('the Benjamini–Hochberg p-value of the change and whether it is significant at the FDR '
            "level; whether the rounds' forms are one or linked")),
    Column('grouping', '分组变量', 'Grouping', None),
    Column('focal', '焦点组', 'Focal group', None),
    Column('alpha_mh', 'MH共同比值比', 'MH common odds ratio', None),
    Column('delta_mh', 'MH D-DIF', 'MH D-DIF', None),
    Column('se_delta', 'D-DIF标准误', 'SE of D-DIF', None),
    Column('chi2', 'MH卡方', 'MH chi-square', None),
    Column('ets_class', 'ETS分级', 'ETS class', None),
    Column('favours', '有利组', 'Favours', None),
    Column('n_reference', '参照组人数', 'Reference n', None),
    Column('n_focal', '焦点组人数', 'Focal n', None),
    Column('n_bands', '分层数', 'Score bands', None),
    Column('group', '题目组', 'Group', None),
    Column('points', '分值', 'Points', None),
    Column('forms', '问卷版本', 'Forms', None),
    Column('a', '区分度a', 'Discrimination a', None),
    Column('d', '截距d', 'Intercept d', None),
    Column('b', '难度b', 'Difficulty b', None),
    Column('se_a', 'a标准误', 'SE of a', None),
    Column('se_d', 'd标准误', 'SE of d', None),
    Column('se_b', 'b标准误', 'SE of b', None),
    Column('rmsd_2020', '2020年RMSD', 'RMSD 2020', None),
    Column('rmsd_2025', '2025年RMSD', 'RMSD 2025', None),
    Column('anchor', '锚题', 'Anchor', None),
    Column('freed_reason', '放开原因', 'Why freed', None),
    Column('sd', '标准差', 'Standard deviation', None),
    Column('se_mean', '均值标准误', 'SE of the mean', None),
    Column('se_sd', '标准差标准误', 'SE of the SD', None),
    Column('cut_advanced', '高水平分界', 'Cut: advanced', None),
    Column('cut_literate', '具备科学素质分界', 'Cut: literate', None),
    Column('cut_basic', '基础水平分界', 'Cut: basic', None),
    Column('loglik', '对数似然', 'Log-likelihood', None),
    Column('converged', '收敛', 'Converged', None),
    Column('theta_low', 'θ区间下限', 'Theta lower', None),
    Column('theta_high', 'θ区间上限', 'Theta upper', None),
    Column('theta_mid', 'θ区间中点', 'Theta midpoint', None),
    Column('share', '比例', 'Share', None),
    Column('p', '计划比例', 'Planning share', SHARE),
    Column('power', '检验效能', 'Power', None),
    Column('model_converged', '模型收敛', 'Model converged', None),
    Column('sigma2_u', '区域效应方差σ²ᵤ', 'Area-effect variance sigma2_u', None),
    Column('sigma2_method', 'σ²ᵤ估计方法', 'sigma2_u method', None),
    Column('mse_method', '均方误差方法', 'MSE method', None),
    Column('std_residual', '标准化残差', 'Standardised residual', None),
    Column('kind', '类型', 'Kind', None),
    *(Column(*entry) for entry in QUALITY_COLUMNS),   # the fieldwork-quality tables (issue 26)
) + tuple(Column(*spec) for spec in MEASUREMENT_COLUMNS)

COLUMNS += tuple(Column(*spec) for spec in ROUNDS_COLUMNS)   # issue 23: the rounds' pairs and trend

#: The numeric columns declared above without a format get theirs from literacy.catalog.kinds (issue 24).
COLUMNS = tuple(replace(c, number_format=COLUMN_FORMATS[c.code]) if c.number_format is None and c.code in COLUMN_FORMATS
                else c for c in COLUMNS) + tuple(Column(*row) for row in NEW_COLUMNS)

_BY_CODE = {c.code: c for c in COLUMNS}


def column(code: str) -> Column:
    """The catalog's entry of a column; an unlabelled entry for a code it does not know.

    Parameters
    ----------
    code : str

    Returns
    -------
    Column
    """
    return _BY_CODE.get(code, Column(code, "", ""))


def column_labels() -> dict[str, tuple[str, str]]:
    """Column code -> (zh, en) header labels, for every labelled column.

    Returns
    -------
    dict of str to (str, str)
    """
    return {c.code: (c.label_zh, c.label_en) for c in COLUMNS if c.label_zh or c.label_en}


def excel_formats() -> dict[str, str]:
    """Column code -> Excel number format, for every column with a number format.

    Returns
    -------
    dict of str to str
    """
    return {c.code: c.number_format.excel for c in COLUMNS if c.number_format is not None}
