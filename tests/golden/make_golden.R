# Extra golden values from R's survey package for cases make_reference.R (beside this file) does not cover.
# Regenerate: cd tests/golden && Rscript make_golden.R   (Debian: apt-get install r-cran-survey)
suppressMessages(library(survey))
options(digits = 17)
wr <- function(x, f) write.csv(x, f, row.names = FALSE)
data(api)
s <- apistrat; s$awards_yes <- as.numeric(s$awards == "Yes")
s$psu <- s$snum %% 7          # pseudo-clusters inside strata, nested
s$high <- as.numeric(s$api00 > 700)
ds <- svydesign(id = ~psu, strata = ~stype, weights = ~pw, data = s, nest = TRUE)
wr(s[, c("cds", "snum", "stype", "psu", "pw", "awards_yes", "high", "sch.wide", "api00", "api99", "enroll")], "apistrat_psu.csv")
## JKn by domain
rj <- as.svrepdesign(ds, type = "JKn")
m <- svyby(~high, ~sch.wide, rj, svymean)
wr(data.frame(sch.wide = m$sch.wide, estimate = m$high, se = m$se), "apistrat_jkn_by_schwide.csv")
## Taylor ratio and total by domain, wilson-free CI methods
r <- svyby(~api00, ~stype, ds, svyratio, denominator = ~api99, deff = TRUE)
wr(data.frame(stype = r$stype, estimate = r[, 2], se = r[, 3], deff = r[, 4]), "apistrat_ratio_by_stype.csv")
t <- svyby(~enroll, ~stype, ds, svytotal, deff = TRUE)
wr(data.frame(stype = t$stype, estimate = t$enroll, se = t$se, deff = t$DEff), "apistrat_total_by_stype.csv")
## delivered replicate weights: Fay BRR from a two-PSU-per-stratum design, as a data file
s2 <- s[order(s$stype, s$snum), ]
s2$half <- ave(seq_len(nrow(s2)), s2$stype, FUN = function(i) rep(1:2, length.out = length(i)))
d2 <- svydesign(id = ~half, strata = ~stype, weights = ~pw, data = s2, nest = TRUE)
rf <- as.svrepdesign(d2, type = "Fay", fay.rho = 0.3)
rw <- weights(rf, "analysis")
colnames(rw) <- paste0("repw", seq_len(ncol(rw)))
out <- cbind(s2[, c("cds", "stype", "sch.wide", "half", "pw", "high", "api00")], rw)
wr(out, "apistrat_fay_repweights.csv")
delivered <- svrepdesign(data = out, repweights = "repw[0-9]+", weights = ~pw, type = "Fay", rho = 0.3)
f <- svyby(~high, ~sch.wide, delivered, svymean)
wr(data.frame(sch.wide = f$sch.wide, estimate = f$high, se = f$se), "apistrat_fay_by_schwide.csv")
o <- svymean(~api00, delivered)
wr(data.frame(estimate = coef(o), se = SE(o), degf = degf(delivered)), "apistrat_fay_overall.csv")

# =============================================================================================
# Weighting (issue 4): bounded calibration, trimming, response-propensity classes.
# Added after the sections above, which are unchanged (no random numbers are drawn anywhere).
# =============================================================================================
c1 <- apiclus1; c1$awards_yes <- as.numeric(c1$awards == "Yes")
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = c1, fpc = ~fpc)
pop.totals <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069)
## calibration of apiclus1 to N, school type and the api99 total: linear (GREG, R's regcalibrate),
## bounded (truncated) linear, logit and raking (grake), raking with R's trim argument
cals <- list(
  linear = calibrate(dclus1, ~stype + api99, pop.totals),
  linear_bounded = calibrate(dclus1, ~stype + api99, pop.totals, bounds = c(0.7, 1.7)),
  logit = calibrate(dclus1, ~stype + api99, pop.totals, bounds = c(0.7, 1.7), calfun = "logit"),
  raking = calibrate(dclus1, ~stype + api99, pop.totals, calfun = "raking"),
  raking_trim = suppressMessages(calibrate(dclus1, ~stype + api99, pop.totals, calfun = "raking",
                                           trim = c(0.6, 1.5))))
## trimWeights (strict: repeated until no weight is outside) on a raked and on a calibrated design:
## the calibration stays in the design, so the SEs are those of the last calibration
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
rk <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))
cals$raked_trimmed <- trimWeights(rk, upper = 38, strict = TRUE)
cals$linear_trimmed <- trimWeights(cals$linear, lower = 20, upper = 40, strict = TRUE)
cals$linear_trimmed_once <- trimWeights(cals$linear, lower = 20, upper = 40, strict = FALSE)
w <- data.frame(cds = c1$cds)
for (k in names(cals)) w[[k]] <- weights(cals[[k]])
wr(w, "apiclus1_calibrated_weights.csv")
res <- NULL
for (k in names(cals)) {
  m <- svymean(~awards_yes + api00, cals[[k]])
  t <- svytotal(~enroll, cals[[k]])
  res <- rbind(res, data.frame(case = k, statistic = c("mean", "mean", "total"),
                               variable = c(names(coef(m)), names(coef(t))),
                               estimate = c(as.numeric(coef(m)), as.numeric(coef(t))),
                               se = c(as.numeric(SE(m)), as.numeric(SE(t)))))
}
wr(res, "apiclus1_calibrated_estimates.csv")

## response-propensity classes (Valliant, Dever & Kreuter 2018, 13.5): a design-weighted logistic
## model of responding (svyglm, quasibinomial), quintiles of the predicted propensity over the whole
## sample (type-7 quantiles, unweighted), the weighted response rate within each class
sp <- apistrat; sp$psu <- sp$snum %% 7
sp$resp <- as.numeric(sp$sch.wide == "Yes")
sp$enroll_band <- as.character(cut(sp$enroll, c(0, 300, 500, 800, Inf)))
dsp <- svydesign(id = ~psu, strata = ~stype, weights = ~pw, data = sp, nest = TRUE)
pm0 <- svyglm(resp ~ stype + yr.rnd + enroll_band + api99, design = dsp, family = quasibinomial(),
              control = glm.control(epsilon = 1e-14, maxit = 100))
# glm's working weights (hence svyglm's SEs) lag one IRLS step behind the coefficients; restarting
# at the solution makes that step negligible, so the SEs are those at the estimate
pm <- svyglm(resp ~ stype + yr.rnd + enroll_band + api99, design = dsp, family = quasibinomial(),
             control = glm.control(epsilon = 1e-14, maxit = 100), start = coef(pm0))
wr(data.frame(term = names(coef(pm)), estimate = as.numeric(coef(pm)), se = as.numeric(SE(pm)),
              df = pm$df.residual), "apistrat_propensity_model.csv")
p <- as.numeric(fitted(pm))
cls <- cut(p, quantile(p, seq(0, 1, 0.2)), include.lowest = TRUE, labels = FALSE)
f <- tapply(sp$pw, cls, sum) / tapply(sp$pw * sp$resp, cls, sum)
wr(data.frame(cds = sp$cds, stype = sp$stype, psu = sp$psu, pw = sp$pw, resp = sp$resp, yr.rnd = sp$yr.rnd,
              enroll_band = sp$enroll_band, api99 = sp$api99, propensity = p, class = cls,
              adjusted_weight = sp$pw * sp$resp * f[cls]),
   "apistrat_propensity_weights.csv")

# =============================================================================================
# Replicate designs calibrated again (issue 4): each replicate is post-stratified, raked or
# calibrated to the same targets (postStratify / rake / calibrate on an svyrep.design).
# JK1 and JKn are deterministic; no random numbers are drawn.
# =============================================================================================
rj1 <- as.svrepdesign(dclus1, type = "JK1")
sw <- apistrat; sw$psu <- sw$snum %% 7
dsw <- svydesign(id = ~psu, strata = ~stype, weights = ~pw, data = sw, nest = TRUE)
rjn <- as.svrepdesign(dsw, type = "JKn")
pop.awards <- data.frame(awards = c("No", "Yes"), Freq = as.vector(table(apipop$awards)))
pop.schwide.all <- data.frame(sch.wide = c("No", "Yes"), Freq = as.vector(table(apipop$sch.wide)))
repcals <- list(
  jk1_poststratify = postStratify(rj1, ~stype, pop.types),
  jk1_rake = rake(rj1, list(~stype, ~sch.wide), list(pop.types, pop.schwide)),
  jk1_linear = calibrate(rj1, ~stype + api99, pop.totals),
  # bounds wide enough for every replicate to converge (with c(0.7, 1.7) R warns that some
  # replicates fail and goes on with their unconverged weights; we stop with an error)
  jk1_linear_bounded = calibrate(rj1, ~stype + api99, pop.totals, bounds = c(0.4, 2.5)),
  jk1_logit = calibrate(rj1, ~stype + api99, pop.totals, bounds = c(0.4, 2.5), calfun = "logit"),
  jk1_raking = calibrate(rj1, ~stype + api99, pop.totals, calfun = "raking"),
  jk1_raking_trim = suppressMessages(calibrate(rj1, ~stype + api99, pop.totals, calfun = "raking",
                                               trim = c(0.6, 1.5))),
  jkn_rake = rake(rjn, list(~sch.wide, ~awards), list(pop.schwide.all, pop.awards)))
res <- NULL
for (k in names(repcals)) {
  d <- repcals[[k]]
  m <- svymean(~api00, d); t <- svytotal(~enroll, d)
  b <- svyby(~api00, ~sch.wide, d, svymean)
  res <- rbind(res, data.frame(case = k, statistic = c("mean", "total", "mean", "mean"),
                               variable = c("api00", "enroll", "api00", "api00"),
                               domain = c("", "", paste0("sch.wide=", b$sch.wide)),
                               estimate = c(coef(m), coef(t), b$api00),
                               se = c(SE(m), SE(t), b$se), degf = degf(d)))
}
wr(res, "replicate_calibrated_estimates.csv")
rw <- weights(repcals$jk1_rake, "analysis"); colnames(rw) <- paste0("rep", seq_len(ncol(rw)))
wr(data.frame(cds = c1$cds, weight = weights(repcals$jk1_rake, "sampling"), rw), "apiclus1_jk1_raked_repweights.csv")
rw <- weights(repcals$jk1_logit, "analysis"); colnames(rw) <- paste0("rep", seq_len(ncol(rw)))
wr(data.frame(cds = c1$cds, weight = weights(repcals$jk1_logit, "sampling"), rw), "apiclus1_jk1_logit_repweights.csv")

# =============================================================================================
# Replicate designs by domain: svyby(..., svyciprop) recomputes degf() on each domain's subset
# (the rank of its replicate weights minus one), and the CI uses it.
# =============================================================================================
dom_df <- function(d, f, var) sapply(levels(factor(d$variables[[var]])),
                                     function(l) degf(d[d$variables[[var]] == l, ]))
res <- NULL
for (k in c("jk1_stype", "jk1_schwide", "jkn_schwide", "jkn_stype")) {
  d <- if (startsWith(k, "jk1")) rj1 else rjn
  var <- if (endsWith(k, "stype")) "stype" else "sch.wide"
  y <- ~I(awards == "Yes")
  b <- svyby(y, as.formula(paste0("~", var)), d, svyciprop, method = "beta", vartype = c("se", "ci"))
  res <- rbind(res, data.frame(case = k, domain = as.character(b[[var]]), estimate = b[[2]], se = b$se,
                               ci_low = b$ci_l, ci_high = b$ci_u, df = dom_df(d, NULL, var)))
}
wr(res, "replicate_domain_df.csv")
cat("golden written\n")
