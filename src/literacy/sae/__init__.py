"""Small-area estimation: Fay–Herriot area-level models, proportions, GVF and benchmarking.

Pure computation (DataFrames and arrays in and out). ``fay_herriot`` reproduces R's
``sae::eblupFH`` / ``sae::mseFH``; ``fay_herriot_proportion`` fits the model on the
arcsine-square-root scale with a bias-corrected back-transformation and a parametric
bootstrap MSE; ``gvf_variances`` / ``pooled_deff`` smooth sampling variances;
``ratio_benchmark`` makes cells add up to their district's direct estimate.
"""

from literacy.sae.benchmark import Benchmark, ratio_benchmark
from literacy.sae.fay_herriot import FayHerriotResult, fay_herriot
from literacy.sae.gvf import gvf_variances, pooled_deff
from literacy.sae.proportions import ProportionResult, arcsin_expectation, fay_herriot_proportion

__all__ = ["fay_herriot", "FayHerriotResult", "fay_herriot_proportion", "ProportionResult",
           "arcsin_expectation", "gvf_variances", "pooled_deff", "ratio_benchmark", "Benchmark"]
