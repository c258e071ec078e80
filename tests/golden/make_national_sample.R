# Golden values of the roll-up over a sample of the national benchmark's cities
# (tests/test_province_national.py). national_sample_stacked.csv: four prefecture-level members of
# the national config (benchmarks/national_config.py), simulated at 1,000 interviews a round,
# weighted by the single-city flow; each city's respondents in round 2025 with their stratum
# (district x residence), PSU, final weight and the 0/1 headline level. The province's design has
# the cities as strata: stratum = city x stratum, PSUs nested within them (as make_province.R).
library(survey)
d <- read.csv("national_sample_stacked.csv", stringsAsFactors = FALSE, colClasses = c(stratum = "character", psu = "character"))
d$pstratum <- paste(d$city, d$stratum, sep = "|")
d$ppsu <- paste(d$city, d$psu, sep = "|")
d$one <- 1
for (c in unique(d$city)) d[[paste0("in_", make.names(c))]] <- as.numeric(d$city == c)  # city ids hold "-"
des <- svydesign(id = ~ppsu, strata = ~pstratum, weights = ~weight, data = d, nest = TRUE)
all <- svymean(~literate, des)
by <- svyby(~literate, ~city, des, svymean)
out <- data.frame(domain = c("all", as.character(by$city)),
                  estimate = c(coef(all), by$literate),
                  se = c(SE(all), by$se),
                  df = c(degf(des), rep(NA, nrow(by))))
ci <- svyciprop(~literate, des, method = "logit")
out$ci_low <- c(confint(ci)[1], rep(NA, nrow(by)))
out$ci_high <- c(confint(ci)[2], rep(NA, nrow(by)))
diffs <- sapply(as.character(by$city), function(c) {
  v <- paste0("in_", make.names(c))
  t <- svytotal(as.formula(paste0("~I(literate * ", v, ") + ", v, " + literate + one")), des)
  N <- coef(t)
  p_c <- N[1] / N[2]; p <- N[3] / N[4]
  g <- c(1 / N[2], -p_c / N[2], -1 / N[4], p / N[4])
  c(p_c - p, sqrt(as.numeric(t(g) %*% vcov(t) %*% g)))
})
out$difference <- c(NA, diffs[1, ])
out$difference_se <- c(NA, diffs[2, ])
write.csv(out, row.names = FALSE, "national_sample_rollup.csv")
