# Golden values for literacy.models (svyglm, svyquantile, svychisq, svyttest) from R's survey 4.1-1.
# Regenerate: cd tests/golden && Rscript make_golden_models.R   (Debian: apt-get install r-cran-survey)
# Writes models_*.csv. One random draw (the bootstrap replicate weights, set.seed below), which is
# written out and used by the tests as delivered replicate weights, so nothing depends on R's RNG.
suppressMessages(library(survey))
options(digits = 17)
wr <- function(x, f) write.csv(x, f, row.names = FALSE)
data(api)

## ------------------------------------------------------------------ data and designs
c1 <- apiclus1
c1$awards_yes <- as.numeric(c1$awards == "Yes")
c1$stype <- as.character(c1$stype); c1$sch.wide <- as.character(c1$sch.wide)
c1$awards <- as.character(c1$awards); c1$comp.imp <- as.character(c1$comp.imp)
c1$meals_band <- as.character(cut(c1$meals, c(-1, 30, 60, 101), labels = c("low", "mid", "high")))
keep1 <- c("cds", "dnum", "pw", "fpc", "stype", "sch.wide", "awards", "comp.imp", "meals_band", "awards_yes",
           "api00", "api99", "ell", "meals", "mobility", "enroll", "avg.ed")
wr(c1[, keep1], "models_apiclus1.csv")

s1 <- apistrat
s1$awards_yes <- as.numeric(s1$awards == "Yes")
s1$stype <- as.character(s1$stype); s1$sch.wide <- as.character(s1$sch.wide)
s1$awards <- as.character(s1$awards); s1$comp.imp <- as.character(s1$comp.imp)
s1$meals_band <- as.character(cut(s1$meals, c(-1, 30, 60, 101), labels = c("low", "mid", "high")))
keeps <- c("cds", "snum", "pw", "fpc", "stype", "sch.wide", "awards", "comp.imp", "meals_band", "awards_yes",
           "api00", "api99", "ell", "meals", "mobility", "enroll")
wr(s1[, keeps], "models_apistrat.csv")

c2 <- apiclus2
c2$awards_yes <- as.numeric(c2$awards == "Yes")
c2$stype <- as.character(c2$stype); c2$sch.wide <- as.character(c2$sch.wide)
c2$awards <- as.character(c2$awards)
c2$meals_band <- as.character(cut(c2$meals, c(-1, 30, 60, 101), labels = c("low", "mid", "high")))
c2$fpc2 <- as.numeric(c2$fpc2)
keep2 <- c("cds", "dnum", "snum", "fpc1", "fpc2", "stype", "sch.wide", "awards", "meals_band", "awards_yes",
           "api00", "api99", "ell", "meals", "mobility", "enroll")
wr(c2[, keep2], "models_apiclus2.csv")

dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = c1, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = s1, fpc = ~fpc)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = c2)
rclus1 <- as.svrepdesign(dclus1, type = "JK1")
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
raked <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))
raked_jk1 <- rake(rclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))
# bootstrap replicate weights for apistrat, written out and read back as delivered weights
set.seed(20240611)
b0 <- as.svrepdesign(dstrat, type = "bootstrap", replicates = 40)
bw <- weights(b0, "analysis"); colnames(bw) <- paste0("bw", seq_len(ncol(bw)))
bdata <- cbind(s1[, keeps], bw)
wr(bdata, "models_apistrat_bootstrap.csv")
boot <- svrepdesign(data = bdata, repweights = "bw[0-9]+", weights = ~pw, type = "bootstrap",
                    scale = b0$scale, rscales = b0$rscales, combined.weights = TRUE)
wr(data.frame(scale = b0$scale, degf = degf(boot)), "models_bootstrap_scale.csv")

designs <- list(clus1 = dclus1, strat = dstrat, clus2 = dclus2, jk1 = rclus1, boot = boot,
                raked = raked, raked_jk1 = raked_jk1)

## ------------------------------------------------------------------ svyglm
# case, design, formula, family, subset (an R expression as text or "")
glms <- list(
  list("clus1_gauss", "clus1", api00 ~ ell + meals + mobility + stype, "gaussian", ""),
  list("clus1_logit", "clus1", awards_yes ~ stype + meals + ell, "quasibinomial", ""),
  list("clus1_binom", "clus1", awards_yes ~ stype + meals + ell, "binomial", ""),
  list("clus1_pois", "clus1", enroll ~ stype + meals, "poisson", ""),
  list("clus1_na", "clus1", api00 ~ avg.ed + stype, "gaussian", ""),
  list("clus1_subset", "clus1", api00 ~ ell + meals + sch.wide, "gaussian", "stype == 'E'"),
  list("clus1_inter", "clus1", api00 ~ ell * stype + meals_band, "gaussian", ""),
  list("strat_gauss", "strat", api00 ~ ell + meals + mobility + stype, "gaussian", ""),
  list("strat_logit", "strat", awards_yes ~ stype + meals + ell, "quasibinomial", ""),
  list("strat_pois", "strat", enroll ~ stype + meals, "poisson", ""),
  list("strat_subset_logit", "strat", awards_yes ~ meals + ell, "quasibinomial", "stype != 'H'"),
  list("clus2_gauss", "clus2", api00 ~ ell + meals + enroll, "gaussian", ""),
  list("clus2_logit", "clus2", awards_yes ~ stype + meals, "quasibinomial", ""),
  list("jk1_gauss", "jk1", api00 ~ ell + meals + mobility + stype, "gaussian", ""),
  list("jk1_logit", "jk1", awards_yes ~ stype + meals + ell, "quasibinomial", ""),
  list("jk1_na", "jk1", api00 ~ avg.ed + stype, "gaussian", ""),
  list("jk1_subset", "jk1", awards_yes ~ meals + ell, "quasibinomial", "stype == 'E'"),
  list("boot_logit", "boot", awards_yes ~ stype + meals + ell, "quasibinomial", ""),
  list("boot_pois", "boot", enroll ~ stype + meals, "poisson", ""),
  list("raked_gauss", "raked", api00 ~ ell + meals + stype, "gaussian", ""),
  list("raked_logit", "raked", awards_yes ~ stype + meals + ell, "quasibinomial", ""),
  list("raked_subset", "raked", api00 ~ ell + meals, "gaussian", "sch.wide == 'Yes'"),
  list("raked_jk1_logit", "raked_jk1", awards_yes ~ stype + meals + ell, "quasibinomial", "")
)
fams <- list(gaussian = gaussian(), quasibinomial = quasibinomial(), binomial = binomial(), poisson = poisson())
res <- NULL; info <- NULL
for (gl in glms) {
  d <- designs[[gl[[2]]]]
  if (gl[[5]] != "") d <- d[with(d$variables, eval(parse(text = gl[[5]]))), ]
  fam <- fams[[gl[[4]]]]; fml <- gl[[3]]
  m <- suppressWarnings(svyglm(fml, design = d, family = fam))
  s <- summary(m)$coefficients
  ci <- confint(m)
  res <- rbind(res, data.frame(case = gl[[1]], design = gl[[2]], formula = deparse(gl[[3]]), family = gl[[4]],
                               subset = gl[[5]], term = rownames(s), estimate = s[, 1], se = s[, 2], t = s[, 3],
                               p_value = s[, 4], df = m$df.residual, ci_low = ci[, 1], ci_high = ci[, 2]))
  info <- rbind(info, data.frame(case = gl[[1]], deviance = deviance(m), null_deviance = m$null.deviance,
                                 aic = if (is.null(m$aic)) NA else m$aic, iterations = m$iter, df = m$df.residual))
}
wr(res, "models_glm.csv")
wr(info, "models_glm_info.csv")

## ------------------------------------------------------------------ svyttest
tts <- list(list("clus1", api00 ~ awards), list("strat", api00 ~ sch.wide), list("clus2", enroll ~ sch.wide),
            list("jk1", api00 ~ awards), list("boot", api00 ~ awards), list("raked", api00 ~ comp.imp))
res <- NULL
for (t in tts) {
  r <- svyttest(t[[2]], designs[[t[[1]]]])
  res <- rbind(res, data.frame(design = t[[1]], formula = deparse(t[[2]]), difference = unname(r$estimate),
                               t = unname(r$statistic), df = unname(r$parameter), p_value = r$p.value,
                               ci_low = r$conf.int[1], ci_high = r$conf.int[2]))
}
wr(res, "models_ttest.csv")

## ------------------------------------------------------------------ svychisq
chis <- list(list("clus1", ~sch.wide + stype), list("clus1", ~meals_band + stype), list("strat", ~sch.wide + stype),
             list("strat", ~meals_band + awards), list("clus2", ~sch.wide + meals_band), list("jk1", ~sch.wide + stype),
             list("boot", ~meals_band + stype), list("raked", ~awards + meals_band))
res <- NULL
for (ch in chis) {
  for (st in c("F", "Chisq", "Wald", "adjWald")) {
    r <- svychisq(ch[[2]], designs[[ch[[1]]]], statistic = st)
    p <- r$parameter
    res <- rbind(res, data.frame(design = ch[[1]], a = all.vars(ch[[2]])[1], b = all.vars(ch[[2]])[2],
                                 statistic_type = st, statistic = unname(r$statistic),
                                 ndf = if (st == "Chisq") unname(p[1]) else unname(p[1]),
                                 ddf = if (st == "Chisq") NA else unname(p[2]), p_value = r$p.value))
  }
}
wr(res, "models_chisq.csv")

## ------------------------------------------------------------------ svyquantile (qrule="math", interval.type="mean")
qs <- c(0.25, 0.5, 0.75)
qcases <- list(list("clus1", "api00", ""), list("clus1", "enroll", "stype"), list("strat", "api00", ""),
               list("strat", "api00", "sch.wide"), list("clus2", "api00", ""), list("clus2", "api00", "stype"),
               list("jk1", "api00", ""), list("jk1", "enroll", "stype"), list("boot", "api00", ""),
               list("boot", "meals", "sch.wide"), list("raked", "api00", ""), list("raked", "api00", "stype"))
res <- NULL
for (qc in qcases) {
  d <- designs[[qc[[1]]]]
  f <- as.formula(paste0("~", qc[[2]]))
  doms <- if (qc[[3]] == "") "" else sort(unique(d$variables[[qc[[3]]]]))
  for (dom in doms) {
    dd <- if (dom == "") d else d[d$variables[[qc[[3]]]] == dom, ]
    q <- svyquantile(f, dd, qs, ci = TRUE)[[1]]
    res <- rbind(res, data.frame(design = qc[[1]], variable = qc[[2]], by = qc[[3]], domain = dom, quantile = qs,
                                 estimate = q[, 1], ci_low = q[, 2], ci_high = q[, 3], se = q[, 4]))
  }
}
wr(res, "models_quantile.csv")
# svyby gives the same numbers as the subsets above (checked here, so the tests can use either)
b <- svyby(~api00, ~stype, dclus1, svyquantile, quantiles = 0.5, ci = TRUE)
chk <- sapply(c("E", "H", "M"), function(l) svyquantile(~api00, subset(dclus1, stype == l), 0.5, ci = TRUE)[[1]][1, 4])
stopifnot(isTRUE(all.equal(as.numeric(SE(b)), as.numeric(chk))))
