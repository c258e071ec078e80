# Golden values for literacy.quality.interviewers (tests/test_quality_interviews.py).
# R 4.2.2, base R only: lm() for the composition adjustment, anova() for MSB / MSW of the
# residuals by interviewer, the ANOVA estimator of the intra-interviewer correlation with
# m0 = (N - sum(n_j^2) / N) / (J - 1), and per-interviewer z tests of the mean residual with
# p.adjust(method = "BH").
# Run in tests/golden: cd tests/golden && Rscript make_golden_interviewers.R
set.seed(7)
J <- 20
n_j <- sample(15:45, J, replace = TRUE)
interviewer <- rep(sprintf("I%02d", 1:J), n_j)
N <- length(interviewer)
sex <- sample(c("female", "male"), N, replace = TRUE)
age <- round(runif(N, 18, 70))
effect <- rnorm(J, 0, 2)
effect[7] <- 9                                    # an interviewer whose respondents score too high
score <- 50 + 3 * (sex == "male") - 0.2 * (age - 40) + effect[match(interviewer, sprintf("I%02d", 1:J))] +
  rnorm(N, 0, 8)
d <- data.frame(interviewer, sex, age, score = round(score, 3))
write.csv(d, "interviewers_sample.csv", row.names = FALSE)
fit <- lm(score ~ sex + age, data = d)
r <- resid(fit)
a <- anova(lm(r ~ factor(d$interviewer)))
msb <- a[1, "Mean Sq"]; msw <- a[2, "Mean Sq"]
m0 <- (N - sum(n_j^2) / N) / (J - 1)
icc <- (msb - msw) / (msb + (m0 - 1) * msw)
s <- sqrt(sum(r^2) / fit$df.residual)
dj <- tapply(r, d$interviewer, mean); nj <- tapply(r, d$interviewer, length)
z <- dj / (s / sqrt(nj)); p <- 2 * pnorm(-abs(z))
out <- data.frame(quantity = c("msb", "msw", "icc", "deff", "residual_sd", paste0("z_", names(z)),
                               paste0("padj_", names(z))),
                  value = c(msb, msw, icc, 1 + (N / J - 1) * max(icc, 0), s, z, p.adjust(p, "BH")))
write.csv(format(out, digits = 15), "interviewers_golden.csv", row.names = FALSE, quote = FALSE)
