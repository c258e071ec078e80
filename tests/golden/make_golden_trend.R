# Golden values of the linear trend across independent rounds (literacy.assessment.trend.linear_trend):
# a fixed-effect meta-regression of the round estimates on the year with their design variances
# (metafor::rma(method = "FE"): weighted least squares with known variances), its slope, SE, z, p and the
# residual heterogeneity QE (the departure from linearity, k - 2 df).
# Run in tests/golden (as the other scripts): Rscript make_golden_trend.R   (writes trend_wls.csv)
library(metafor)
sets <- list(
  list(group = 0, year = c(2020, 2023, 2025), y = c(0.090, 0.104, 0.130), se = c(0.005, 0.006, 0.004)),
  list(group = 1, year = c(2018, 2020, 2022, 2025), y = c(0.0847, 0.1056, 0.1293, 0.1537),
       se = c(0.004, 0.0035, 0.005, 0.0045)),
  list(group = 2, year = c(2020, 2021, 2022, 2023, 2024), y = c(0.31, 0.35, 0.33, 0.38, 0.36),
       se = c(0.02, 0.015, 0.03, 0.01, 0.025))
)
rows <- list(); est <- list()
for (s in sets) {
  fit <- rma(yi = s$y, vi = s$se^2, mods = ~ s$year, method = "FE")
  rows[[length(rows) + 1]] <- data.frame(group = s$group, n_rounds = length(s$y), slope = fit$beta[2],
                                         slope_se = fit$se[2], z = fit$zval[2], p_value = fit$pval[2],
                                         slope_ci_low = fit$ci.lb[2], slope_ci_high = fit$ci.ub[2],
                                         nonlinearity_chi2 = fit$QE, nonlinearity_df = length(s$y) - 2,
                                         nonlinearity_p = fit$QEp)
  est[[length(est) + 1]] <- data.frame(group = s$group, year = s$year, y = s$y, se = s$se)
}
out <- merge(do.call(rbind, est), do.call(rbind, rows), by = "group")
write.csv(out, "trend_wls.csv", row.names = FALSE)
cat(sprintf("metafor %s\n", packageVersion("metafor")))
