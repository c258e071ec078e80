# Golden values for literacy.measurement.rubin: Rubin's rules with the Barnard-Rubin (1999)
# degrees of freedom as computed by mice::pool (van Buuren & Groothuis-Oudshoorn 2011), on
# mice's own `nhanes` example (van Buuren 2018, Flexible Imputation of Missing Data, 2nd ed.,
# sec. 1.4 / 5.1: lm(chl ~ age + bmi) on m = 5 imputations).
# Regenerate: cd tests/golden && Rscript make_golden_mice.R   (Debian: apt-get install r-cran-mice)
suppressMessages(library(mice))
options(digits = 17)
imp <- mice(nhanes, m = 5, seed = 20240611, printFlag = FALSE)
fit <- with(imp, lm(chl ~ age + bmi))
# the M x K inputs: each imputation's estimates and their squared standard errors
rows <- do.call(rbind, lapply(seq_along(fit$analyses), function(i) {
  cf <- summary(fit$analyses[[i]])$coefficients
  data.frame(imputation = i, term = rownames(cf), estimate = cf[, 1], variance = cf[, 2]^2)
}))
write.csv(rows, "mice_nhanes_per_imputation.csv", row.names = FALSE)
# the pooled result (dfcom = n - p = 25 - 3 = 22, taken by pool from the lm fits)
p <- pool(fit)$pooled
write.csv(data.frame(term = as.character(p$term), m = p$m, estimate = p$estimate, ubar = p$ubar,
                     b = p$b, t = p$t, dfcom = p$dfcom, df = p$df, riv = p$riv, lambda = p$lambda,
                     fmi = p$fmi),
          "mice_nhanes_pooled.csv", row.names = FALSE)
cat("mice", as.character(packageVersion("mice")), "\n")
