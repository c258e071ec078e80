# Golden values of the provincial roll-up (tests/test_province_rollup.py).
# province_stacked.csv: three cities' respondents with their own strata and PSU codes (the same
# codes repeat across cities), final weights and a 0/1 outcome. The province's design has the
# cities as strata: stratum = city x stratum, PSUs nested within them.
library(survey)
d <- read.csv("province_stacked.csv", stringsAsFactors = FALSE)
d$pstratum <- paste(d$city, d$stratum, sep = "|")
d$ppsu <- paste(d$city, d$psu, sep = "|")
d$one <- 1
for (c in unique(d$city)) d[[paste0("in_", c)]] <- as.numeric(d$city == c)
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
# each city minus the province: the contrast of the city's mean and the overall mean
diffs <- sapply(as.character(by$city), function(c) {
  t <- svytotal(as.formula(paste0("~I(literate * in_", c, ") + in_", c, " + literate + one")), des)
  N <- coef(t)
  p_c <- N[1] / N[2]; p <- N[3] / N[4]
  g <- c(1 / N[2], -p_c / N[2], -1 / N[4], p / N[4])
  c(p_c - p, sqrt(as.numeric(t(g) %*% vcov(t) %*% g)))
})
out$difference <- c(NA, diffs[1, ])
out$difference_se <- c(NA, diffs[2, ])
write.csv(out, row.names = FALSE, "province_rollup.csv")
