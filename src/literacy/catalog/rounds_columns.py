"""The catalog entries of the rounds (issue 23): the change's pair columns, the trend table, the
mid-term verdicts and headline figures.

Kept in one module so the lists of :mod:`literacy.catalog.columns`, :mod:`literacy.catalog.tables`
and :mod:`literacy.catalog.vocabulary` each gain them with one line.
"""

from __future__ import annotations

from literacy.catalog.formats import CHANGE, COEFFICIENT, INTEGER, P_VALUE, SHARE, NumberFormat

__all__ = ["ROUNDS_COLUMNS", "ROUNDS_TABLE_SPECS", "ROUNDS_HEADLINE_FIGURES", "MIDTERM_VERDICT_LABELS",
           "MIDTERM_VERDICT_SENTENCES", "MIDTERM_VERDICT_TERSE_EN", "MIDTERM_VERDICT_COUNTS", "MIDTERM_VERDICT_NOTE",
           "TREND_TABLE_COLUMNS", "ROUNDS_NOTES"]

#: The new columns as :class:`literacy.catalog.columns.Column` arguments (code, zh, en, format,
#: description), appended to :data:`literacy.catalog.columns.COLUMNS` (which builds them).
ROUNDS_COLUMNS: tuple[tuple, ...] = (
    ('from_round', '起始轮次', 'From round', None, 'the earlier round of the pair'),
    ('to_round', '对比轮次', 'To round', None, 'the later round of the pair'),
    ('n_rounds', '轮次数', 'Rounds', INTEGER, 'the rounds with a published estimate in the trend'),
    ('first_round', '首轮', 'First round', None),
    ('last_round', '末轮', 'Last round', None),
    ('first_year', '首轮年份', 'First year', INTEGER),
    ('last_year', '末轮年份', 'Last year', INTEGER),
    ('first_estimate', '首轮比例', 'First share', SHARE),
    ('last_estimate', '末轮比例', 'Last share', SHARE),
    ('slope', '年均变化', 'Change per year', CHANGE,
           'the weighted least squares slope of the round estimates on the year (weights 1/SE²)'),
    ('slope_se', '年均变化标准误', 'Change per year SE', CHANGE),
    ('slope_ci_low', '年均变化95%置信区间下限', 'Change per year 95% CI lower', CHANGE),
    ('slope_ci_high', '年均变化95%置信区间上限', 'Change per year 95% CI upper', CHANGE),
    ('nonlinearity_chi2', '非线性卡方', 'Departure from linearity chi-square', COEFFICIENT,
           'Σ w (estimate − fitted)², three rounds or more'),
    ('nonlinearity_df', '非线性自由度', 'Departure from linearity df', INTEGER),
    ('nonlinearity_p', '非线性P值', 'Departure from linearity p-value', P_VALUE),
)

#: The trend table's columns (as :data:`literacy.assessment.trend.TREND_COLUMNS`).
TREND_TABLE_COLUMNS = ('breakdown domain label_zh label_en level n_rounds first_round last_round first_year last_year '
                       'first_estimate last_estimate slope slope_se slope_ci_low slope_ci_high z p_value '
                       'nonlinearity_chi2 nonlinearity_df nonlinearity_p').split()


#: The new output tables as :class:`literacy.catalog.tables.OutputTable` keyword arguments, appended
#: to :data:`literacy.catalog.tables.OUTPUT_TABLES` (which builds them: no import circle).
ROUNDS_TABLE_SPECS: tuple[dict, ...] = (
    dict(key='trend', path='assessment/trend', files=('csv', 'parquet'), sheet='trend', schema='trend_schema',
         about='the linear trend of every domain over all rounds (weighted least squares on the year)',
         columns=list(TREND_TABLE_COLUMNS)),
)


#: Headline figures of a mid-term assessment (added to ``HEADLINE_FIGURES``).
ROUNDS_HEADLINE_FIGURES: dict[str, tuple[str, str, NumberFormat | None]] = {
    "assessment": ("评估类型", "Assessment (endline or midterm)", None),
    "target_year": ("目标年份", "Target year", INTEGER),
    "target_headline": ("规划终期目标", "Plan target at the target year", SHARE),
}

#: Mid-term verdict code -> (zh, en) label: the CI against the target's trajectory.
MIDTERM_VERDICT_LABELS: dict[str, tuple[str, str]] = {
    "ahead": ("超前于进度", "ahead of the trajectory"),
    "on_track": ("进度符合", "on track"),
    "behind": ("落后于进度", "behind the trajectory"),
}

#: Mid-term verdict code -> (zh, en) label with its rule.
MIDTERM_VERDICT_SENTENCES: dict[str, tuple[str, str]] = {
    "ahead": ("超前于进度（95%置信区间整体高于按期进度值）",
              "ahead of the trajectory (the whole 95% CI is above the share due by then)"),
    "on_track": ("进度符合（95%置信区间包含按期进度值）",
                 "on track (the 95% CI contains the share due by then)"),
    "behind": ("落后于进度（95%置信区间整体低于按期进度值）",
               "behind the trajectory (the whole 95% CI is below the share due by then)"),
}

#: Mid-term verdict code -> the command line's English wording.
MIDTERM_VERDICT_TERSE_EN: dict[str, str] = {
    "ahead": "ahead of the trajectory (the whole CI is above the share due by then)",
    "on_track": "on track (the CI contains the share due by then)",
    "behind": "behind the trajectory (the whole CI is below the share due by then)",
}

#: Mid-term verdict code -> wording of a count of domains with that verdict.
MIDTERM_VERDICT_COUNTS: dict[str, tuple[str, str]] = {
    "ahead": ("超前于进度", "ahead of the trajectory"),
    "on_track": ("进度符合", "on track"),
    "behind": ("落后于进度", "behind the trajectory"),
}

#: The mid-term rule, appended to the verdict note of the workbook (zh, en).
MIDTERM_VERDICT_NOTE: tuple[str, str] = (
    "中期评估（无末期轮次）对照按期进度值（基线至目标年份的直线上该年应达到的比例）：超前于进度（区间整体高于进度值）、"
    "进度符合（区间包含进度值）、落后于进度（区间整体低于进度值）。",
    " Mid-term assessment (no endline round): against the share due by then on a straight line from the "
    "baseline to the target: ahead (the whole CI above), on track (the CI contains it), behind (wholly below).")

#: The notes rows of the new tables' workbook sheets (zh, en), added to ``TABLE_NOTES``.
ROUNDS_NOTES: dict[str, tuple[str, str]] = {
    "trend": ("各轮估计值对调查年份的加权最小二乘线性趋势（权重为设计方差的倒数，各轮为独立样本；NCHS趋势分析方法）："
              "斜率为每年比例变化，z检验（方差视为已知）；三轮及以上另给出偏离线性的卡方检验（自由度=轮次数−2）。"
              "被抑制的估计不参与拟合。",
              "The weighted least squares line of the round estimates on the fieldwork year (weights 1 / design "
              "variance; the rounds are independent samples; the NCHS approach to trends): the slope is the change "
              "in the share per year, tested by z (variances taken as known); with three rounds or more, the "
              "departure from linearity is a chi-square on rounds − 2 df. Suppressed estimates are left out."),
}
