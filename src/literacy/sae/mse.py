"""Analytic MSE of the Fay–Herriot EBLUP, as R's ``sae::mseFH``.

For area i with ``B_i = ψ_i / (σ²_u + ψ_i)`` (one minus the shrinkage γ_i) and
``Q = (X'V^{-1}X)^{-1}`` (Prasad & Rao 1990; Rao & Molina 2015, sec. 6.2.1):

* ``g1 = ψ_i (1 - B_i) = γ_i ψ_i``: the MSE of the BLUP with every parameter known;
* ``g2 = B_i² x_i'Q x_i``: the cost of estimating β;
* ``g3 = B_i² V(σ̂²_u) / (σ²_u + ψ_i)``: the cost of estimating σ²_u, with the asymptotic
  variance ``V(σ̂²_u) = 2 / Σ (σ²_u + ψ_j)^{-2}`` for REML and ML and
  ``2 m / (Σ (σ²_u + ψ_j)^{-1})²`` for the FH moment estimator.

REML (Prasad–Rao, Datta–Lahiri 2000): ``mse = g1 + g2 + 2 g3``. ML and FH are biased to
order 1/m, corrected as in Datta & Lahiri (2000) and Datta, Rao & Smith (2005):
``mse = g1 + g2 + 2 g3 - b B_i²`` with the bias ``b`` of σ̂²_u
(``b_ML = -tr(Q X'V^{-2}X) / Σ(σ²_u+ψ_j)^{-2}``,
``b_FH = 2 (m Σ(σ²_u+ψ_j)^{-2} - (Σ(σ²_u+ψ_j)^{-1})²) / (Σ(σ²_u+ψ_j)^{-1})³``).

The adjusted likelihoods of :mod:`literacy.sae.adjusted` (AMRL, AMPL and their
Yoshimori–Lahiri forms) use the same expression with their own bias ``b`` of σ̂²_u.

Areas without a direct estimate get the synthetic predictor ``x_i'β̂``; their MSE is the
same expression in the limit ψ_i → ∞ (B_i → 1, g3 → 0): ``σ²_u + x_i'Q x_i`` (minus ``b``
for ML and FH). This is the second-order MSE of ``x_i'β̂`` for θ_i = x_i'β + u_i
(Rao & Molina 2015, sec. 6.2.3 on non-sampled areas).
"""

from __future__ import annotations

import numpy as np

from literacy.sae.adjusted import ADJUSTED_METHODS, adjusted_bias

__all__ = ["mse_components"]


def mse_components(sigma2: float, psi: np.ndarray, X: np.ndarray, Q: np.ndarray, method: str,
                   X_new: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Prasad–Rao / Datta–Lahiri MSE of the EBLUP for every sampled (and new) area.

    Parameters
    ----------
    sigma2 : float
        Estimated σ²_u (truncated at 0).
    psi : ndarray (m,)
        Sampling variances of the m sampled areas.
    X : ndarray (m, p)
        Covariates of the sampled areas.
    Q : ndarray (p, p)
        ``(X'V^{-1}X)^{-1}`` at ``sigma2``.
    method : {"REML", "ML", "FH", "AMRL", "AMRL_YL", "AMPL", "AMPL_YL"}
        The adjusted estimators take the bias ``b`` of :func:`literacy.sae.adjusted.adjusted_bias`
        (emdi's ``li_lahiri`` / ``yoshimori_lahiri`` MSE).
    X_new : ndarray (k, p), optional
        Covariates of areas without a sample.

    Returns
    -------
    dict
        ``g1, g2, g3, mse`` for the sampled areas, ``mse_new`` for the others, and the
        scalars ``var_sigma2`` and ``bias_sigma2``.
    """
    m, p = X.shape
    w = 1.0 / (sigma2 + psi)
    Bd = psi * w
    sum_w, sum_w2 = w.sum(), (w**2).sum()
    xQx = np.einsum("ij,jk,ik->i", X, Q, X)
    g1 = psi * (1.0 - Bd)
    g2 = Bd**2 * xQx
    if method == "FH":
        var_a = 2.0 * m / sum_w**2
        bias = 2.0 * (m * sum_w2 - sum_w**2) / sum_w**3
    else:
        var_a = 2.0 / sum_w2
        if method in ADJUSTED_METHODS:
            bias = adjusted_bias(method, sigma2, psi, X, Q)
        else:
            bias = 0.0 if method == "REML" else -np.trace(Q @ ((X * (w**2)[:, None]).T @ X)) / sum_w2
    g3 = Bd**2 * var_a * w
    mse = g1 + g2 + 2.0 * g3 - bias * Bd**2
    out = {"g1": g1, "g2": g2, "g3": g3, "mse": mse, "var_sigma2": var_a, "bias_sigma2": bias}
    if X_new is not None:
        out["mse_new"] = sigma2 + np.einsum("ij,jk,ik->i", X_new, Q, X_new) - bias
    return out
