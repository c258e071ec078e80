# Golden values for tests/test_item_analysis.py and tests/test_dif.py, made with R and psych,
# never with the literacy package. Run from the repository root:
#
#   Rscript tests/golden/make_golden_items.R
#
# R 4.x, psych 2.2.9 and GPArotation (Debian: r-cran-psych, r-cran-gparotation); stats is base R.
#
# Data (both public and shipped with R):
#   * psych's bock.table: the LSAT-6 and LSAT-7 sections (5 dichotomous items each, 1000
#     examinees each) as 32 response patterns with their frequencies Ob6 / Ob7 (Bock &
#     Lieberman 1970; Bock & Aitkin 1981). psych's lsat6 / lsat7 are the same data expanded to
#     1000 rows: the golden values are computed on psych's expanded copies, the test feeds the
#     32 patterns with their frequencies as weights.
#   * datasets::UCBAdmissions (Bickel, Hammel & O'Connell 1975): a 2 x 2 x 6 table, admitted /
#     rejected by gender within each of six departments.
#
# Outputs (tests/golden/):
#   bock_lsat_patterns.csv   the 32 patterns, Ob6, Ob7
#   items_lsat_golden.csv    scale, weighting, statistic, item, value
#   ucb_admissions.csv       UCBAdmissions as a long frequency table
#   mh_ucb_golden.csv        mantelhaen.test() on it: estimate, var_log_estimate, statistic, p_value
suppressPackageStartupMessages({library(psych); library(GPArotation)})
out <- "tests/golden"
data(bock, package = "psych")
write.csv(bock.table[, c("index", "Q1", "Q2", "Q3", "Q4", "Q5", "Ob6", "Ob7")],
          file.path(out, "bock_lsat_patterns.csv"), row.names = FALSE)

rows <- list()
add <- function(scale, weighting, statistic, item, value) {
  rows[[length(rows) + 1]] <<- data.frame(scale = scale, weighting = weighting, statistic = statistic,
                                          item = item, value = value)
}

# weighted: each pattern's frequency times a fixed, deliberately unequal factor
pattern_factor <- 1 + (bock.table$index %% 5) / 4

for (s in c("lsat6", "lsat7")) {
  x <- as.matrix(if (s == "lsat6") lsat6 else lsat7)
  items <- colnames(x)
  # --- unweighted, on psych's own 1000-row expansion ---
  a <- psych::alpha(x, warnings = FALSE)
  add(s, "unweighted", "alpha_raw", "", a$total$raw_alpha)
  add(s, "unweighted", "alpha_std", "", a$total$std.alpha)
  for (j in items) {
    add(s, "unweighted", "p_correct", j, mean(x[, j]))
    add(s, "unweighted", "item_rest_r", j, a$item.stats[j, "r.drop"])
  }
  om <- suppressMessages(suppressWarnings(psych::omega(x, nfactors = 1, fm = "minres", plot = FALSE)))
  add(s, "unweighted", "omega_total", "", om$omega.tot)
  add(s, "unweighted", "omega_alpha_std", "", om$alpha)
  f <- psych::fa(cor(x), nfactors = 1, fm = "minres")
  for (j in items) add(s, "unweighted", "loading_minres", j, f$loadings[j, 1])

  # --- weighted: the 32 patterns with weight = frequency x factor (stats::cov.wt) ---
  pat <- as.matrix(bock.table[, items])
  freq <- bock.table[[if (s == "lsat6") "Ob6" else "Ob7"]]
  w <- freq * pattern_factor
  keep <- w > 0
  pat <- pat[keep, ]; w <- w[keep]
  cw <- cov.wt(pat, wt = w / sum(w))
  aw <- psych::alpha(cw$cov, warnings = FALSE)          # a covariance matrix: raw alpha from it
  add(s, "weighted", "alpha_raw", "", aw$total$raw_alpha)
  add(s, "weighted", "alpha_std", "", aw$total$std.alpha)
  for (j in items) {
    add(s, "weighted", "p_correct", j, weighted.mean(pat[, j], w))
    rest <- rowSums(pat) - pat[, j]
    add(s, "weighted", "item_rest_r", j, cov.wt(cbind(pat[, j], rest), wt = w / sum(w), cor = TRUE)$cor[1, 2])
  }
  omw <- suppressMessages(suppressWarnings(psych::omega(cov2cor(cw$cov), nfactors = 1, fm = "minres", plot = FALSE)))
  add(s, "weighted", "omega_total", "", omw$omega.tot)
}
write.csv(do.call(rbind, rows), file.path(out, "items_lsat_golden.csv"), row.names = FALSE)

# --- Mantel-Haenszel on UCBAdmissions: Admit x Gender x Dept ---
ucb <- as.data.frame(UCBAdmissions)            # Admit, Gender, Dept, Freq
write.csv(ucb, file.path(out, "ucb_admissions.csv"), row.names = FALSE)
mh <- mantelhaen.test(UCBAdmissions, correct = TRUE, exact = FALSE)
# R's interval is exp(log(est) +/- qnorm(0.975) sqrt(var)) with the Robins-Breslow-Greenland
# variance of log(est): recover that variance from the interval.
var_log <- ((log(mh$conf.int[2]) - log(mh$estimate)) / qnorm(0.975))^2
# the same with Male and Female swapped (the odds ratio inverts)
mh2 <- mantelhaen.test(UCBAdmissions[, 2:1, ], correct = TRUE, exact = FALSE)
var_log2 <- ((log(mh2$conf.int[2]) - log(mh2$estimate)) / qnorm(0.975))^2
gold <- data.frame(
  reference = c("Male", "Female"), focal = c("Female", "Male"),
  estimate = c(unname(mh$estimate), unname(mh2$estimate)),
  var_log_estimate = c(var_log, var_log2),
  statistic = c(unname(mh$statistic), unname(mh2$statistic)),
  p_value = c(mh$p.value, mh2$p.value))
write.csv(gold, file.path(out, "mh_ucb_golden.csv"), row.names = FALSE)
