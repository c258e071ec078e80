# Golden values for literacy.quality's nonresponse bias analysis (tests/test_quality_nonresponse.py).
#
# R 4.2.2, survey 4.1-1. A synthetic sample of 600 cases (30 PSUs in 3 strata) with informative
# nonresponse (response depends on district, sex and age), three weighting stages (base; the
# nonresponse adjustment within districts; a post-stratification to sex shares) and:
#   * glm(responded ~ district + sex + age, family = quasibinomial, weights = d): the propensities;
#   * the R-indicator 1 - 2 S (S the d-weighted SD with divisor sum(d) - 1) and CV = S / mean;
#   * svychisq(~responded + district) and svychisq(~responded + sex) (Rao-Scott F, the default),
#     svyttest(age ~ responded), on the stratified cluster design with the base weights;
#   * p.adjust(method = "BH");
#   * the respondents' weighted means at each stage.
# Run in tests/golden: cd tests/golden && Rscript make_golden_nonresponse.R
suppressMessages(library(survey))
set.seed(20261207)
n <- 600
psu <- rep(sprintf("P%02d", 1:30), each = 20)
stratum <- rep(c("S1", "S2", "S3"), each = 200)
district <- sample(c("east", "north", "west"), n, replace = TRUE, prob = c(0.5, 0.3, 0.2))
sex <- sample(c("female", "male"), n, replace = TRUE)
age <- round(runif(n, 18, 70))
d <- ifelse(stratum == "S1", 50, ifelse(stratum == "S2", 80, 120)) * runif(n, 0.9, 1.1)
eta <- 0.4 + 0.6 * (district == "east") - 0.5 * (sex == "male") + 0.02 * (age - 40)
responded <- rbinom(n, 1, plogis(eta))
smp <- data.frame(case = 1:n, stratum, psu, district, sex, age, d = round(d, 4), responded)
# stages: nonresponse adjustment within district, then post-stratification to sex shares 50/50
adj <- ave(smp$d, smp$district, FUN = sum) / ave(smp$d * smp$responded, smp$district, FUN = sum)
smp$w_nr <- ifelse(smp$responded == 1, smp$d * adj, 0)
tot <- sum(smp$w_nr)
ps <- ifelse(smp$sex == "female", 0.5 * tot / sum(smp$w_nr[smp$sex == "female"]),
             0.5 * tot / sum(smp$w_nr[smp$sex == "male"]))
smp$w_cal <- smp$w_nr * ps
write.csv(smp, "nonresponse_sample.csv", row.names = FALSE)

fit <- glm(responded ~ district + sex + age, family = quasibinomial, weights = d, data = smp)
rho <- fitted(fit)
N <- sum(smp$d); m <- sum(smp$d * rho) / N
S <- sqrt(sum(smp$d * (rho - m)^2) / (N - 1))
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~d, data = smp)
c_d <- svychisq(~responded + district, des)
c_s <- svychisq(~responded + sex, des)
t_a <- svyttest(age ~ responded, des)
p <- c(district = c_d$p.value, sex = c_s$p.value, age = t_a$p.value)
means <- function(w) {
  r <- smp$responded == 1
  c(sapply(c("east", "north", "west"), function(l) sum(w[r] * (smp$district[r] == l)) / sum(w[r])),
    sapply(c("female", "male"), function(l) sum(w[r] * (smp$sex[r] == l)) / sum(w[r])),
    mean = sum(w[r] * smp$age[r]) / sum(w[r]))
}
full <- c(sapply(c("east", "north", "west"), function(l) sum(smp$d * (smp$district == l)) / N),
          sapply(c("female", "male"), function(l) sum(smp$d * (smp$sex == l)) / N),
          mean = sum(smp$d * smp$age) / N)
out <- data.frame(
  quantity = c("r_indicator", "cv", "mean_propensity", "sd_propensity", "rho_1", "rho_2", "rho_600",
               "F_district", "p_district", "F_sex", "p_sex", "t_age", "p_age",
               "padj_district", "padj_sex", "padj_age",
               paste0("full_", names(full)), paste0("base_", names(full)), paste0("nr_", names(full)),
               paste0("cal_", names(full))),
  value = c(1 - 2 * S, S / m, m, S, rho[1], rho[2], rho[600],
            c_d$statistic, c_d$p.value, c_s$statistic, c_s$p.value, t_a$statistic, t_a$p.value,
            p.adjust(p, "BH"), full, means(smp$d), means(smp$w_nr), means(smp$w_cal)))
write.csv(format(out, digits = 15), "nonresponse_golden.csv", row.names = FALSE, quote = FALSE)
