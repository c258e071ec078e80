# Golden values for svyquantile: every qrule x every interval.type, Taylor and replicate designs,
# from R's survey 4.1-1 (R 4.2.2). Regenerate: cd tests/golden && Rscript make_golden_quantile.R
# (Debian: apt-get install r-cran-survey).
#
# Writes
#   quantile_apistrat.csv, quantile_apiclus1.csv   the data (apistrat sorted by stype, snum, with
#                                                 `half`: two pseudo-PSUs per stratum, for BRR/Fay)
#   quantile_bootstrap_repweights.csv              50 bootstrap replicates of apistrat drawn here once
#   quantile_bootstrap_scale.csv                   (set.seed below) and used by the tests as delivered
#                                                 weights, so no test depends on R's random numbers
#   quantile_toy.csv                               six values with integer weights (p * total hits a
#                                                 cumulative weight exactly: the ties of every rule)
#   quantile_rules.csv                             the answers: one row per design, variable, domain,
#                                                 qrule, interval.type, alpha, df and probability
# Every design is built from the CSVs as read back, so R and the tests see the same numbers.
# A call R refuses (e.g. uniroot without a sign change for interval.type="score") is written with
# its error message and NA values.
suppressMessages(library(survey))
options(digits = 17)
wr <- function(x, f) write.csv(x, f, row.names = FALSE)
rd <- function(f) read.csv(f, stringsAsFactors = FALSE)
data(api)

## ------------------------------------------------------------------ data
s <- apistrat[order(apistrat$stype, apistrat$snum), ]
s$stype <- as.character(s$stype); s$sch.wide <- as.character(s$sch.wide)
s$half <- ave(seq_len(nrow(s)), s$stype, FUN = function(i) rep(1:2, length.out = length(i)))
wr(s[, c("cds", "snum", "stype", "sch.wide", "half", "pw", "fpc", "api00", "meals", "enroll")],
   "quantile_apistrat.csv")
c1 <- apiclus1
c1$stype <- as.character(c1$stype); c1$sch.wide <- as.character(c1$sch.wide)
wr(c1[, c("cds", "dnum", "stype", "sch.wide", "pw", "fpc", "api00", "meals", "enroll")], "quantile_apiclus1.csv")
wr(data.frame(x = c(1, 2, 2, 3, 5, 8), w = c(1, 1, 2, 1, 2, 1)), "quantile_toy.csv")
s <- rd("quantile_apistrat.csv")
c1 <- rd("quantile_apiclus1.csv")
toy <- rd("quantile_toy.csv")

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = s)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = c1)
dhalf <- svydesign(id = ~half, strata = ~stype, weights = ~pw, data = s, nest = TRUE)
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
raked <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))
dtoy <- svydesign(id = ~1, weights = ~w, data = toy)

set.seed(20250301)
b0 <- as.svrepdesign(dstrat, type = "bootstrap", replicates = 50)
bw <- weights(b0, "analysis"); colnames(bw) <- paste0("bw", seq_len(ncol(bw)))
wr(cbind(s, bw), "quantile_bootstrap_repweights.csv")
wr(data.frame(scale = b0$scale), "quantile_bootstrap_scale.csv")
bdata <- rd("quantile_bootstrap_repweights.csv")
bscale <- rd("quantile_bootstrap_scale.csv")$scale
boot <- svrepdesign(data = bdata, repweights = "bw[0-9]+", weights = ~pw, type = "bootstrap",
                    scale = bscale, rscales = rep(1, 50), combined.weights = TRUE)

designs <- list(strat = dstrat, clus1 = dclus1, raked = raked, toy = dtoy,
                jk1 = as.svrepdesign(dclus1, type = "JK1"),
                jkn = as.svrepdesign(dstrat, type = "JKn"),
                jkn_mse = as.svrepdesign(dstrat, type = "JKn", mse = TRUE),
                raked_jk1 = rake(as.svrepdesign(dclus1, type = "JK1"), list(~stype, ~sch.wide),
                                 list(pop.types, pop.schwide)),
                brr = as.svrepdesign(dhalf, type = "BRR"),
                fay = as.svrepdesign(dhalf, type = "Fay", fay.rho = 0.3),
                boot = boot)

rules <- c("math", "school", "shahvaish", paste0("hf", 1:9))
taylor_types <- c("mean", "beta", "xlogit", "asin", "score")
rep_types <- c("mean", "beta", "xlogit", "asin", "quantile")
probs <- c(0.1, 0.25, 0.5, 0.75, 0.9)
extreme <- c(0, 0.001, 0.01, 0.125, 0.25, 0.3333, 0.5, 0.625, 0.75, 0.99, 0.999, 1)

## ------------------------------------------------------------------ cases
# design, variable, by ("" = whole sample), alpha, df (NA = R's default degf(design)), ci
cases <- list(
  list("strat", "api00", "", 0.05, NA, TRUE),
  list("strat", "meals", "sch.wide", 0.05, NA, TRUE),
  list("strat", "api00", "", 0.05, Inf, TRUE),
  list("clus1", "enroll", "", 0.05, NA, TRUE),
  list("clus1", "api00", "stype", 0.05, NA, TRUE),
  list("clus1", "api00", "", 0.10, 10, TRUE),
  list("raked", "api00", "", 0.05, NA, TRUE),
  list("raked", "api00", "stype", 0.05, NA, TRUE),
  list("jk1", "api00", "", 0.05, NA, TRUE),
  list("jk1", "enroll", "stype", 0.05, NA, TRUE),
  list("jkn", "api00", "", 0.05, NA, TRUE),
  list("jkn", "meals", "sch.wide", 0.05, NA, TRUE),
  list("jkn_mse", "api00", "sch.wide", 0.05, NA, TRUE),
  list("raked_jk1", "api00", "stype", 0.05, NA, TRUE),
  list("brr", "api00", "", 0.05, NA, TRUE),
  list("fay", "api00", "", 0.05, NA, TRUE),
  list("fay", "api00", "sch.wide", 0.05, NA, TRUE),
  list("boot", "api00", "", 0.05, NA, TRUE),
  list("boot", "meals", "sch.wide", 0.05, NA, TRUE),
  list("boot", "api00", "", 0.05, Inf, TRUE),
  # estimates only, at the edges of every rule
  list("toy", "x", "", 0.05, NA, FALSE),
  list("strat", "api00", "", 0.05, NA, FALSE),
  list("clus1", "enroll", "stype", 0.05, NA, FALSE)
)

# one probability per call: an error (R stops the whole call) then blanks only that probability
one <- function(f, dd, probs, rule, type, alpha, df, ci) do.call(rbind, lapply(probs, function(p) {
  args <- list(f, dd, p, alpha = alpha, qrule = rule, ci = ci)
  if (ci) args$interval.type <- type
  if (!is.na(df)) args$df <- df
  r <- tryCatch(suppressWarnings(suppressMessages(do.call(svyquantile, args))), error = function(e) e)
  if (inherits(r, "error")) {
    return(data.frame(quantile = p, estimate = NA, ci_low = NA, ci_high = NA, se = NA,
                      error = conditionMessage(r)))
  }
  q <- r[[1]]
  if (ci) data.frame(quantile = p, estimate = q[, 1], ci_low = q[, 2], ci_high = q[, 3], se = q[, 4], error = "")
  else data.frame(quantile = p, estimate = as.numeric(q[1, ]), ci_low = NA, ci_high = NA, se = NA, error = "")
}))

res <- NULL
for (cs in cases) {
  d <- designs[[cs[[1]]]]
  f <- as.formula(paste0("~", cs[[2]]))
  by <- cs[[3]]; alpha <- cs[[4]]; df <- cs[[5]]; ci <- cs[[6]]
  types <- if (!ci) "" else if (inherits(d, "svyrep.design")) rep_types else taylor_types
  p <- if (ci) probs else extreme
  doms <- if (by == "") "" else sort(unique(d$variables[[by]]))
  for (dom in doms) {
    # svyby takes exactly these subsets (checked in make_golden_models.R)
    dd <- if (dom == "") d else d[d$variables[[by]] == dom, ]
    for (rule in rules) for (type in types) {
      out <- one(f, dd, p, rule, type, alpha, df, ci)
      res <- rbind(res, data.frame(design = cs[[1]], variable = cs[[2]], by = by, domain = dom,
                                   qrule = rule, interval = type, alpha = alpha,
                                   df = if (is.na(df)) "" else as.character(df), out))
    }
  }
}
wr(res, "quantile_rules.csv")
cat(nrow(res), "rows;", sum(res$error != ""), "errors\n")
