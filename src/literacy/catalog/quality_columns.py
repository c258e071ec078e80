"""The fieldwork-quality tables' columns (issue 26): response rates, nonresponse bias, interview
checks and interviewers, as the arguments of :class:`literacy.catalog.columns.Column` (code, zh,
en, number format, description; this module imports nothing of the catalog's lists, so it makes
no import circle). Added to :data:`literacy.catalog.columns.COLUMNS` in one line; codes other tables
already define (``round``, ``breakdown``, ``domain``, ``variable``, ``statistic``, ``p_value``,
``sd``, ``kind``, ``category``, ``se``, ``respondent_id``, ``skipped_share``, ``dont_know_share``) keep their
entries there.
"""

from __future__ import annotations

from literacy.catalog.formats import COEFFICIENT, COEFFICIENT_3, COUNT, COUNT_1, P_VALUE, SCORE, SHARE_1

__all__ = ["QUALITY_COLUMNS"]

_RATES = {
    "RR1": ("应答率RR1", "Response rate RR1",
            "complete / (interviews + eligible non-interviews + unknown eligibility)"),
    "RR2": ("应答率RR2", "Response rate RR2", "as RR1 with partial interviews counted as respondents"),
    "RR3": ("应答率RR3", "Response rate RR3", "as RR1 with only the share e of the unknown-eligibility cases"),
    "RR4": ("应答率RR4", "Response rate RR4", "as RR3 with partial interviews counted as respondents"),
    "RR5": ("应答率RR5", "Response rate RR5", "as RR1 without the unknown-eligibility cases"),
    "RR6": ("应答率RR6", "Response rate RR6", "as RR5 with partial interviews counted as respondents"),
    "COOP1": ("合作率COOP1", "Cooperation rate COOP1", "complete / (interviews + refusals + other)"),
    "COOP2": ("合作率COOP2", "Cooperation rate COOP2", "(complete + partial) / (interviews + refusals + other)"),
    "COOP3": ("合作率COOP3", "Cooperation rate COOP3", "complete / (interviews + refusals)"),
    "COOP4": ("合作率COOP4", "Cooperation rate COOP4", "(complete + partial) / (interviews + refusals)"),
    "REF1": ("拒访率REF1", "Refusal rate REF1", "refusals and break-offs over RR1's denominator"),
    "REF2": ("拒访率REF2", "Refusal rate REF2", "refusals and break-offs over RR3's denominator"),
    "REF3": ("拒访率REF3", "Refusal rate REF3", "refusals and break-offs over RR5's denominator"),
    "CON1": ("接触率CON1", "Contact rate CON1", "contacted cases over RR1's denominator"),
    "CON2": ("接触率CON2", "Contact rate CON2", "contacted cases over RR3's denominator"),
    "CON3": ("接触率CON3", "Contact rate CON3", "contacted cases over RR5's denominator"),
}
_STAGES = {"base": ("抽样权数", "sampling weights"),
           "nonresponse": ("无应答调整后", "after the nonresponse adjustment"),
           "calibrated": ("校准后", "after calibration")}

#: Every column of the fieldwork-quality tables that no other table defines.
QUALITY_COLUMNS: tuple[tuple, ...] = (
    ('dispositions', '个案结果来源', 'Dispositions', None,
           '`delivered` (the sample\'s `disposition` column) or `from responded` (only 0/1: the cooperation, '
           'refusal and contact rates are then blank)'),
    ('weighting', '加权', 'Weighting', None, '`unweighted` (cases) or `weighted` (sampling weights)'),
    ('cases', '个案数', 'Cases', COUNT, 'sampled cases in the domain'),
    ('I', '完成访问', 'Complete (I)', COUNT_1, "AAPOR's complete interviews (weighted: sum of weights)"),
    ('P', '部分完成', 'Partial (P)', COUNT_1, 'partial interviews'),
    ('R', '拒访与中断', 'Refusal and break-off (R)', COUNT_1, 'refusals and break-offs'),
    ('NC', '未接触', 'Non-contact (NC)', COUNT_1, 'non-contacts'),
    ('O', '其他未访问', 'Other (O)', COUNT_1, 'other eligible non-interviews'),
    ('U', '资格未知', 'Unknown eligibility (U)', COUNT_1, 'cases of unknown eligibility'),
    ('NE', '不符合资格', 'Not eligible (NE)', COUNT_1, 'cases found not eligible'),
    ('e', '资格估计比例e', 'Eligibility rate e', SHARE_1,
           "the share of the unknown-eligibility cases taken as eligible (`quality.eligibility_e`, or estimated "
           "as the eligible share of the cases whose eligibility was determined)"),
    *((code, zh, en, SHARE_1, about) for code, (zh, en, about) in _RATES.items()),
    ('full_sample', '全样本', 'Full sample', COEFFICIENT_3,
           "the base-weighted share (or mean) in the full sample, respondents and nonrespondents; on the "
           "`propensity` rows the summary's value; on the `census` rows the census share of the cell"),
    ('test', '检验', 'Test', None, 'Rao–Scott F (categorical) or the design-based t test (numeric)'),
    ('p_adjusted', 'BH校正P值', 'BH-adjusted p', P_VALUE, "Benjamini–Hochberg within each table's families (the variables, the interviewers, the cities of a round and level)"),
    *((f"{p}_{s}", f"{zh}{lab}", f"{en} ({sen})", fmt, '')
      for s, (zh, sen) in _STAGES.items()
      for p, lab, en, fmt in (("estimate", "应答者估计", "Respondent estimate", COEFFICIENT_3),
                              ("bias", "偏差", "Bias", COEFFICIENT_3),
                              ("std_bias", "标准化偏差", "Standardised bias", COEFFICIENT_3))),
    ('bias_verdict', '偏差判定', 'Bias verdict', None,
           'no evidence of nonresponse bias / respondents differ; weighting removes it / bias remains after weighting'),
    ('bias_verdict_zh', '偏差判定（中文）', 'Bias verdict (zh)', None),
    ('interviewer_id', '访员编号', 'Interviewer', None),
    ('mode', '访问方式', 'Mode', None),
    ('duration_seconds', '访问时长（秒）', 'Duration (s)', COUNT),
    ('duration_ratio', '时长/同方式中位数', 'Duration / mode median', COEFFICIENT),
    ('speeder', '过快', 'Speeder', None, "duration below `quality.speeder_share` of its mode's median"),
    ('modal_share', '同一答案比例', 'Modal answer share', SHARE_1,
           'the most frequent answer code\'s share of the answered items of one kind'),
    ('straightliner', '直线作答', 'Straight-liner', None),
    ('exact_duplicate_of', '完全重复于', 'Exact duplicate of', None),
    ('max_match', '最高答案一致比例', 'Maximum percent match', SHARE_1),
    ('match_with', '最相似记录', 'Most similar record', None),
    ('near_duplicate', '近似重复', 'Near duplicate', None),
    ('checks', '触发的检查', 'Checks flagged', None, '`;`-separated: speeder, straightliner, exact_duplicate, '
           'near_duplicate'),
    ('interviewer', '访员', 'Interviewer', None, 'interviewer id; `all` for the round'),
    ('interviews', '访问数', 'Interviews', COUNT),
    ('mean_score', '平均得分', 'Mean score', SCORE),
    ('expected_score', '按构成预期得分', 'Expected score', SCORE,
           "the mean fitted score of the interviewer's respondents (district, residence, sex, age band, education)"),
    ('difference', '差异', 'Difference', None, 'a difference (its table says of what; see the codebook)'),
    ('z', 'z统计量', 'z statistic', COEFFICIENT, 'an estimate divided by its SE, against the normal distribution'),
    ('outlier', '异常访员', 'Outlying interviewer', None),
    ('speeders', '过快访问数', 'Speeders', COUNT),
    ('straightliners', '直线作答数', 'Straight-liners', COUNT),
    ('duplicates', '重复记录数', 'Duplicates', COUNT),
    ('icc', '访员内相关系数', 'Intra-interviewer correlation', COEFFICIENT_3),
    ('deff_interviewer', '访员设计效应', 'Interviewer design effect', COEFFICIENT),
)
