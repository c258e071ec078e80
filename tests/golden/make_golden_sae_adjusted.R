# Golden values for the adjusted likelihood estimators of the Fay-Herriot sigma2_u
# (literacy.sae.adjusted): Li & Lahiri (2010) AMRL / AMPL and Yoshimori & Lahiri (2014)
# AMRL_YL / AMPL_YL, with their MSE (emdi's li_lahiri / yoshimori_lahiri formulas).
#
# Base R only (R 4.2.2): each criterion is written out with dense matrices as in emdi's
# R/estim_sigmau2.R (the V, P, Q of the model) and maximised with optimize() at a tight
# tolerance; AMRL_YL uses the paper's factor atan(tr(I - B))^(1/m) (emdi's amrl_yl takes its
# reciprocal; see the module notes). The MSE: Prasad-Rao g1 + g2 + 2 g3 minus B_d^2 b, with b as
# in emdi's R/mse_estimation.R (li_lahiri, yoshimori_lahiri).
#
# Data: tests/golden/sae_milk.csv (sae 1.3's milk data), formula yi ~ as.factor(MajorArea),
# psi = SD^2. Cases: all 43 areas; the first 15; the 43 areas with psi multiplied by 6 (REML
# truncates sigma2_u at 0 there).
#
# Run in tests/golden: cd tests/golden && Rscript make_golden_sae_adjusted.R
milk <- read.csv("sae_milk.csv")
crit <- function(A, y, X, psi, method) {
  m <- length(y)
  V <- diag(A + psi, m); Vi <- solve(V)
  XVi <- t(X) %*% Vi; Q <- solve(XVi %*% X)
  P <- Vi - Vi %*% X %*% Q %*% XVi
  profile <- -(m / 2) * log(2 * pi) - 0.5 * sum(log(A + psi)) - 0.5 * drop(t(y) %*% P %*% y)
  residual <- profile - 0.5 * log(det(t(X) %*% Vi %*% X))
  yl <- (1 / m) * log(atan(sum(A / (A + psi))))
  switch(method,
         AMRL = log(A) + residual, AMPL = log(A) + profile,
         AMRL_YL = yl + residual, AMPL_YL = yl + profile,
         REML = residual, ML = profile)
}
fit <- function(y, X, psi, method) {
  upper <- 10 * (var(y) + max(psi))
  lower <- if (method %in% c("REML", "ML")) 0 else 1e-12 * upper
  A <- optimize(crit, c(lower, upper), y = y, X = X, psi = psi, method = method,
                maximum = TRUE, tol = 1e-13)$maximum
  m <- length(y); w <- 1 / (A + psi); B <- psi * w
  Vi <- diag(w, m); XVi <- t(X) %*% Vi; Q <- solve(XVi %*% X)
  beta <- Q %*% XVi %*% y
  P <- Vi - Vi %*% X %*% Q %*% XVi
  synthetic <- drop(X %*% beta)
  eblup <- synthetic + (1 - B) * (y - synthetic)
  g1 <- psi * (1 - B); g2 <- B^2 * rowSums((X %*% Q) * X); g3 <- B^2 * (2 / sum(w^2)) * w
  profile_bias <- sum(diag(P - Vi))
  b <- switch(method, AMRL = (2 / A) / sum(w^2), AMPL = (profile_bias + 2 / A) / sum(w^2),
              AMPL_YL = profile_bias / sum(w^2), AMRL_YL = 0, REML = 0,
              ML = -sum(diag(Q %*% (t(w^2 * X) %*% X))) / sum(w^2))
  mse <- g1 + g2 + 2 * g3 - B^2 * b
  data.frame(area = seq_along(y), method = method, sigma2_u = A, eblup = eblup, mse = mse)
}
cases <- list(milk = list(rows = 1:43, scale = 1), milk15 = list(rows = 1:15, scale = 1),
              milk_noisy = list(rows = 1:43, scale = 6))
out <- NULL
for (case in names(cases)) {
  d <- milk[cases[[case]]$rows, ]
  y <- d$yi; psi <- d$SD^2 * cases[[case]]$scale
  X <- model.matrix(~ as.factor(MajorArea), d)
  for (method in c("AMRL", "AMRL_YL", "AMPL", "AMPL_YL", "REML")) {
    out <- rbind(out, cbind(case = case, fit(y, X, psi, method)))
  }
}
write.csv(format(out, digits = 15), "sae_adjusted.csv", row.names = FALSE, quote = FALSE)
