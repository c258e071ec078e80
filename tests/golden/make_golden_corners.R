# Golden values for the survey package's corners (issue 21): lonely strata in JKn replicates,
# certainty PSUs, svyciprop's every method on Taylor and replicate designs, design effects against
# SRS with replacement, and calibration with weights constant within clusters (aggregate=).
# Regenerate: cd tests/golden && Rscript make_golden_corners.R   (Debian: apt-get install r-cran-survey)
# The data are R's own `api` samples; apistrat_psu.csv (make_golden.R) is the stratified sample with
# pseudo-clusters nested in strata. No random numbers are drawn.
suppressMessages(library(survey))
options(digits = 17)
wr <- function(x, f) write.csv(x, f, row.names = FALSE)
s <- read.csv("apistrat_psu.csv", colClasses = c(cds = "character"))
s$sch.wide <- factor(s$sch.wide)

## 1. a stratum left with one PSU (stratum H keeps its psu 0 only), JKn under each lonely.psu option
lon <- s[!(s$stype == "H" & s$psu != 0), ]
wr(lon, "corners_lonely_data.csv")
rows <- list()
for (opt in c("remove", "adjust", "average", "certainty")) {
  options(survey.lonely.psu = opt)
  d <- svydesign(id = ~psu, strata = ~stype, weights = ~pw, data = lon, nest = TRUE)
  r <- as.svrepdesign(d, type = "JKn")
  m <- svymean(~high, r)
  by <- svyby(~high, ~sch.wide, r, svymean)
  rows[[opt]] <- data.frame(lonely_psu = opt, domain = c("all", as.character(by$sch.wide)),
                            estimate = c(coef(m), by$high), se = c(SE(m), by$se),
                            degf = degf(r), replicates = ncol(r$repweights$weights))
}
wr(do.call(rbind, rows), "corners_lonely_jkn.csv")
options(survey.lonely.psu = "fail")

## 2. a certainty stratum: H keeps one PSU and its fpc is 1 (that PSU is the whole stratum);
## the other strata have fpc = 10 x their PSU count. lonely.psu = "fail" throughout.
cert <- lon
npsu <- tapply(cert$psu, cert$stype, function(p) length(unique(p)))
cert$fpc <- ifelse(cert$stype == "H", 1, 10 * npsu[cert$stype])
wr(cert, "corners_certainty_data.csv")
dc <- svydesign(id = ~psu, strata = ~stype, weights = ~pw, fpc = ~fpc, data = cert, nest = TRUE)
out <- list()
add <- function(name, des) {
  m <- svymean(~high, des)
  by <- svyby(~high, ~sch.wide, des, svymean)
  data.frame(design = name, domain = c("all", as.character(by$sch.wide)), estimate = c(coef(m), by$high),
             se = c(SE(m), by$se), degf = degf(des))
}
out$taylor <- add("taylor", dc)
out$jkn <- add("jkn", as.svrepdesign(dc, type = "JKn"))
wr(do.call(rbind, out), "corners_certainty.csv")

## 3 and 6. svyciprop, every method, on Taylor and replicate designs (overall and by domain)
ds <- svydesign(id = ~psu, strata = ~stype, weights = ~pw, data = s, nest = TRUE)
designs <- list(taylor = ds, jkn = as.svrepdesign(ds, type = "JKn"),
                jkn_mse = as.svrepdesign(ds, type = "JKn", mse = TRUE))
fay <- read.csv("apistrat_fay_repweights.csv", colClasses = c(cds = "character"))
designs$fay <- svrepdesign(data = fay, repweights = "repw[0-9]+", weights = ~pw, type = "Fay", rho = 0.3)
c1 <- read.csv("apiclus1.csv", colClasses = c(cds = "character"))
designs$jk1 <- as.svrepdesign(svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = c1), type = "JK1")
vars <- list(taylor = "high", jkn = "high", jkn_mse = "high", fay = "high", jk1 = "awards_yes")
byv <- list(taylor = "sch.wide", jkn = "sch.wide", jkn_mse = "sch.wide", fay = "sch.wide", jk1 = "stype")
ci <- list()
for (dn in names(designs)) {
  des <- designs[[dn]]
  f <- as.formula(paste0("~", vars[[dn]]))
  for (meth in c("logit", "likelihood", "asin", "beta", "mean", "xlogit")) {
    for (lev in c(0.95, 0.9)) {
      p <- svyciprop(f, des, method = meth, level = lev)
      b <- svyby(f, as.formula(paste0("~", byv[[dn]])), des, svyciprop, vartype = "ci", method = meth, level = lev)
      ci[[length(ci) + 1]] <- data.frame(design = dn, method = meth, level = lev,
                                         domain = c("all", as.character(b[[1]])),
                                         estimate = c(as.numeric(p), b[[2]]),
                                         ci_low = c(attr(p, "ci")[1], b[[3]]), ci_high = c(attr(p, "ci")[2], b[[4]]),
                                         degf = degf(des))
    }
  }
}
wr(do.call(rbind, ci), "corners_ciprop.csv")

## 4. design effects against SRS with and without replacement (svymean / svytotal deff=)
dd <- list()
for (dn in c("taylor", "jkn")) {
  des <- designs[[dn]]
  for (kind in c("replace", "noreplace")) {
    dflag <- if (kind == "noreplace") TRUE else "replace"
    m <- svymean(~high + api00, des, deff = dflag)
    t <- svytotal(~high, des, deff = dflag)
    b <- svyby(~high, ~sch.wide, des, svymean, deff = dflag)
    dd[[length(dd) + 1]] <- data.frame(design = dn, deff_kind = kind, statistic = c("mean", "mean", "total", "mean", "mean"),
                                       variable = c("high", "api00", "high", "high", "high"),
                                       domain = c("all", "all", "all", as.character(b$sch.wide)),
                                       estimate = c(coef(m), coef(t), b$high), deff = c(deff(m), deff(t), b[[grep("DEff", names(b))]]))
  }
}
wr(do.call(rbind, dd), "corners_deff.csv")

## 7. calibration with weights constant within clusters: calibrate(..., aggregate.stage = 1) on the
## two-stage apiclus2 (districts, then schools): linear (GREG), bounded linear, raking
c2 <- read.csv("apiclus2.csv", colClasses = c(cds = "character"))
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = c2)
pop2 <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018)
agg <- list(linear = calibrate(dclus2, ~stype, pop2, aggregate.stage = 1),
            linear_bounded = calibrate(dclus2, ~stype, pop2, aggregate.stage = 1, bounds = c(0.5, 2)),
            raking = calibrate(dclus2, ~stype, pop2, aggregate.stage = 1, calfun = "raking"))
aw <- data.frame(cds = c2$cds)
ae <- list()
for (nm in names(agg)) {
  aw[[nm]] <- weights(agg[[nm]])
  m <- svymean(~api00 + awards_yes, agg[[nm]])
  t <- svytotal(~enroll, agg[[nm]], na.rm = TRUE)
  ae[[nm]] <- data.frame(calibration = nm, statistic = c("mean", "mean", "total"),
                         variable = c("api00", "awards_yes", "enroll"),
                         estimate = c(coef(m), coef(t)), se = c(SE(m), SE(t)))
}
wr(aw, "corners_aggregate_weights.csv")
wr(do.call(rbind, ae), "corners_aggregate_estimates.csv")
