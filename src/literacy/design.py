"""Design-based estimation by Taylor linearisation for stratified multistage samples.

The estimators reproduce R's ``survey`` package (Lumley 2004, 2010): ``svymean``,
``svytotal``, ``svyratio`` and ``svyciprop`` on ``svydesign(id=, strata=, weights=, fpc=)``,
with ``svyby`` domains. Variances follow ``svyrecvar``: linearised values are summed to
cluster totals, centred within strata and scaled by ``(1 - f) n / (n - 1)``; with a finite
population correction at later stages the within-cluster variance of each stage is added,
multiplied by the sampling fraction of the stages above (Wolter 2007, ch. 1; Lumley 2010,
sec. 2.2 and appendix C).

Domains are estimated on the full design (the domain indicator zeroes the rows outside the
domain; nothing is subset), and everything is computed from cell sums: the weighted sums
of a variable in each (cluster, domain) cell, obtained with ``np.bincount`` over the whole
sample. The n x domains matrix of linearised values is never built unless the design has
been calibrated (calibration residualises row-level values, as ``svyrecvar`` does).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import sparse, stats

from literacy.errors import DesignError, not_in_data
from literacy.profile_interval import likelihood_interval

__all__ = ["SurveyDesign", "DesignEstimators", "LONELY_PSU", "CI_METHODS", "DEFF_KINDS"]

LONELY_PSU = ("fail", "remove", "adjust", "average", "certainty")
#: Proportion and mean intervals: R's svyciprop methods ("logit", "likelihood", "asin", "beta", "mean",
#: "xlogit"), "wald" (= "mean") and the Wilson score interval.
CI_METHODS = ("logit", "likelihood", "asin", "beta", "mean", "xlogit", "wald", "wilson")
#: Design effects against simple random sampling without ("noreplace") or with ("replace") replacement.
DEFF_KINDS = ("noreplace", "replace")
_RESULT_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "df", "n", "deff", "cv"]


def _as_list(x: str | Sequence[str] | None) -> list[str]:
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return list(x)


def _factorize(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray | pd.Index]:
    """Integer codes 0..k-1 of the distinct values in sorted order (-1 for missing), and the values.

    Non-negative integer columns with a dense range (PSU and stratum numbers, coded domains)
    take an O(n) path through ``np.bincount``; everything else goes to ``pd.factorize``.
    """
    if isinstance(values, pd.Series):
        # only plain numpy integers take the bincount path; strings (pyarrow-backed or object)
        # go straight to pd.factorize without a conversion to a numpy object array
        is_int = isinstance(values.dtype, np.dtype) and values.dtype.kind in "iu"
        arr = values.to_numpy() if is_int else None
    else:
        arr = np.asarray(values)
        is_int = arr.dtype.kind in "iu"
    if is_int and arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo >= 0 and _dense(hi + 1, arr.size):
            present = np.bincount(arr, minlength=hi + 1) > 0
            mapping = np.cumsum(present) - 1
            return mapping[arr], np.flatnonzero(present).astype(arr.dtype)
    if isinstance(values, pd.Series) and hasattr(values.array, "__arrow_array__") \
            and not isinstance(values.dtype, pd.CategoricalDtype):
        arrow = _factorize_arrow(values)
        if arrow is not None:
            return arrow
    codes, uniques = pd.factorize(pd.Series(values) if not isinstance(values, pd.Series) else values, sort=True)
    return codes.astype(np.int64, copy=False), uniques


def _factorize_arrow(values: pd.Series) -> tuple[np.ndarray, pd.Index] | None:
    """Sorted codes of an Arrow-backed column (pandas 3 strings, ``ArrowDtype``) from pyarrow's
    dictionary encoding: one hash pass in C over the Arrow buffers, then the few distinct values
    sorted (about twice as fast as ``pd.factorize`` on the same array). None for types pyarrow
    cannot sort (the caller falls back to ``pd.factorize``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = values.array.__arrow_array__()
        enc = pc.dictionary_encode(arr)
        if isinstance(enc, pa.ChunkedArray):
            enc = enc.combine_chunks() if enc.num_chunks != 1 else enc.chunk(0)
        order = np.asarray(pc.array_sort_indices(enc.dictionary), dtype=np.int64)
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid, TypeError):
        return None
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    idx = enc.indices
    raw = idx.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64, copy=False) if idx.null_count \
        else idx.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    if not len(rank):                                   # every value missing
        codes = np.full(len(raw), -1, dtype=np.int64)
    else:
        codes = np.where(raw >= 0, rank[np.maximum(raw, 0)], -1) if idx.null_count else rank[raw]
    uniques = pd.Index(pd.array(enc.dictionary.take(pa.array(order)).to_pylist(), dtype=values.dtype))
    return codes, uniques


def _codes(values: pd.Series | np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes 0..k-1 of the distinct values (sorted), and k."""
    codes, uniques = _factorize(values)
    return codes, len(uniques)


def _recode(key: np.ndarray, n_keys: int) -> tuple[np.ndarray, int]:
    """Integer keys in [0, n_keys) relabelled 0..k-1 in sorted order, and k (O(n) when dense)."""
    if _dense(n_keys, len(key)):
        present = np.bincount(key, minlength=n_keys) > 0
        mapping = np.cumsum(present) - 1
        return mapping[key], int(present.sum())
    uniq, inv = np.unique(key, return_inverse=True)
    return inv.astype(np.int64), len(uniq)


def _dense(n_keys: int, n_rows: int) -> bool:
    """Count keys with a dense bincount (O(n)) when the key space is not much larger than the data."""
    return n_keys <= max(4 * n_rows, 1 << 16)


def _cell_sums(key: np.ndarray, n_keys: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(keys with a nonzero sum, their sums) of ``values`` grouped by integer ``key``.

    Cells with a zero sum are left out: they add nothing to the sums and sums of squares
    the variance is made of.
    """
    if _dense(n_keys, len(key)):
        t = np.bincount(key, weights=values, minlength=n_keys)
        nz = np.flatnonzero(t)
        return nz, t[nz]
    uniq, inv = np.unique(key, return_inverse=True)
    return uniq, np.bincount(inv, weights=values)


def _distinct(key: np.ndarray, n_keys: int) -> np.ndarray:
    """The distinct integer keys present, sorted."""
    if _dense(n_keys, len(key)):
        return np.flatnonzero(np.bincount(key, minlength=n_keys))
    return np.unique(key)


@dataclass(frozen=True)
class _Stage:
    """One sampling stage, with clusters and strata coded globally (nested in earlier stages)."""

    cluster: np.ndarray          # per row: cluster code at this stage, 0..n_clusters-1
    n_clusters: int
    cluster_stratum: np.ndarray  # per cluster: stratum code at this stage
    n_strata: int
    stratum_n: np.ndarray        # per stratum: sampled clusters (in the full design)
    stratum_f: np.ndarray        # per stratum: 1 - sampling fraction, or 1 without fpc
    stratum_fraction: np.ndarray  # per stratum: sampling fraction n/N (0 without fpc)
    stratum_multiplier: np.ndarray  # per stratum: product of sampling fractions of the stages above


class DesignEstimators:
    """Estimators shared by Taylor-linearisation and replicate-weight designs.

    Subclasses provide ``data``, ``weights`` (float array aligned to rows),
    ``_estimator_variance(kind, rows, d, yu, bu, est, W_d, B_d, D)`` and
    ``_domain_df(domain, D)``.
    """

    data: pd.DataFrame
    weights: np.ndarray

    @property
    def n(self) -> int:
        """Number of rows."""
        return len(self.data)

    def mean(self, y: str | list[str], by=None, na_rm: bool = False, ci: str = "wald",
             level: float = 0.95, deff: str = "noreplace") -> pd.DataFrame:
        """Weighted mean of ``y`` overall or by domain (R: ``svyby(~y, ~by, design, svymean)``).

        Parameters
        ----------
        y : str or list of str
            Numeric column(s). With a list, the result has a ``variable`` column.
        by : str or list of str, optional
            Domain column(s); each combination of values present is a domain. Rows with a
            missing ``by`` value belong to no domain.
        na_rm : bool
            Leave out rows with missing ``y`` (as outside the domain). Without it, a
            domain with a missing ``y`` gets NaN.
        ci : {"wald", "mean", "logit", "likelihood", "asin", "xlogit", "beta", "wilson"}
            Confidence interval. "wald" (= R's "mean"): est -+ t se. The others are for shares
            (a 0/1 variable), as R's ``svyciprop(method=)``: "logit" the Wald interval of the
            logit in an intercept-only quasibinomial ``svyglm`` (on a replicate design, the
            replicate variance of the replicates' logits), "likelihood" its Rao–Scott scaled
            profile likelihood, "asin" and "xlogit" the delta method on the arcsine-square-root
            and logit scales, "beta" Korn–Graubard; "wilson" the Wilson score interval on the
            effective sample size (not in R).
        level : float
            Confidence level.
        deff : {"noreplace", "replace"}
            Design effect against simple random sampling without replacement (R's
            ``deff=TRUE``: the SRS variance times (N - n)/N) or with replacement (R's
            ``deff="replace"``).

        Returns
        -------
        DataFrame with the ``by`` columns, then estimate, se, ci_low, ci_high, df, n, deff, cv.
        """
        return self._estimate("mean", y, None, by, na_rm, ci, level, deff)

    def proportion(self, y: str | list[str], by=None, na_rm: bool = False, ci: str = "logit",
                   level: float = 0.95, deff: str = "noreplace") -> pd.DataFrame:
        """Share of rows with ``y`` true (0/1 or boolean), with a proportion CI.

        As ``svyby(~y, ~by, design, svyciprop, method=ci)`` for the interval and
        ``svymean(deff=TRUE)`` for the standard error and design effect. The t quantiles use
        each domain's degrees of freedom: PSUs minus strata among rows with positive weight in
        the domain (``degf`` of the domain subset, as ``svyby`` + ``svyciprop``).
        See :meth:`mean` for the parameters.
        """
        for col in _as_list(y):
            s = self._column(col)
            if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iufb":      # plain numpy: no parsing
                v = s.to_numpy(dtype=float)
                ok = bool(((v == 0) | (v == 1) | np.isnan(v)).all())
            else:
                v = pd.to_numeric(s, errors="coerce")
                ok = bool(v.dropna().isin([0, 1]).all())
            if not ok:
                raise DesignError(f"proportion: column '{col}' must be 0/1 or boolean")
        return self._estimate("mean", y, None, by, na_rm, ci, level, deff)

    def total(self, y: str | list[str], by=None, na_rm: bool = False, level: float = 0.95,
              deff: str = "noreplace") -> pd.DataFrame:
        """Weighted total of ``y`` (R: ``svytotal``), Wald CI on the domain degrees of freedom;
        ``deff`` as in :meth:`mean`."""
        return self._estimate("total", y, None, by, na_rm, "wald", level, deff)

    def ratio(self, numerator: str, denominator: str, by=None, na_rm: bool = False,
              level: float = 0.95, deff: str = "noreplace") -> pd.DataFrame:
        """Ratio of weighted totals (R: ``svyratio``); ``deff`` as ``svyratio(deff=TRUE)``
        (or against SRS with replacement)."""
        return self._estimate("ratio", numerator, denominator, by, na_rm, "wald", level, deff)

    # ------------------------------------------------------------------ models and tests
    def glm(self, formula: str, family: str = "gaussian", subset=None, level: float = 0.95) -> pd.DataFrame:
        """Design-weighted generalised linear model (R: ``svyglm``).

        Parameters
        ----------
        formula : str
            ``"outcome ~ terms"``: column names, ``C(x)`` for categorical, ``a:b`` and ``a*b``
            interactions, ``- 1`` for no intercept. String, boolean and categorical columns are
            categorical with levels in sorted order, the first the reference (R's ``factor``).
        family : {"gaussian", "binomial", "quasibinomial", "poisson"}
            Identity, logit or log link. binomial and quasibinomial give the same estimates and
            SEs (the design-based SEs use no dispersion); only binomial has an AIC.
        subset : str, boolean array, optional
            A domain (R: ``svyglm(..., subset=)``): a ``DataFrame.eval`` expression or a mask. The
            design keeps its structure; rows outside get no weight.
        level : float
            Confidence level.

        Returns
        -------
        DataFrame with one row per coefficient in R's order: ``term, estimate, se, t, p_value, df,
        ci_low, ci_high`` (+ ``odds_ratio, or_ci_low, or_ci_high`` for the logit families). ``df``
        is R's residual df, design df + 1 - coefficients (design df of the rows used: with missing
        values left out for Taylor designs, of the subset for replicate designs, as R); t tests
        and Wald intervals use it. ``.attrs`` holds the model facts (deviance, null_deviance, aic,
        iterations, n, r_terms, vcov, ...). Rows with a missing value in a model column are left
        out of the fit and contribute zero to the variance (R's na.omit + design subset).
        See :mod:`literacy.models.glm`.
        """
        from literacy.models.glm import svyglm
        return svyglm(self, formula, family, subset, level)

    def quantile(self, variable: str, q=(0.25, 0.5, 0.75), ci: bool = True, by=None,
                 level: float = 0.95, qrule: str = "math", interval_type: str = "mean",
                 df=None) -> pd.DataFrame:
        """Quantiles with confidence intervals (R: ``svyquantile``, survey 4.1-1).

        Parameters
        ----------
        variable : str
            Numeric column.
        q : float or sequence of float
            Probabilities in [0, 1] (R: ``quantiles``).
        ci : bool
            Add ``se, ci_low, ci_high``.
        by : str or list of str, optional
            Domain column(s), estimated as ``svyby`` (each domain's subset).
        level : float
            Confidence level (R: ``alpha = 1 - level``).
        qrule : {"math", "school", "shahvaish", "hf1", ..., "hf9"}
            How the weighted distribution function is inverted (R: ``qrule``): "math" = "hf1"
            (inverse of the distribution function, default), "school" = "hf2" (average at an
            exact hit), "hf3" (nearest even order statistic), "hf4" ... "hf9" (the interpolating
            definitions of Hyndman & Fan 1996, weighted as R), "shahvaish" (Shah & Vaish 2006).
        interval_type : str
            R's ``interval.type``. Taylor designs: "mean" (Woodruff 1952, default), "beta",
            "xlogit", "asin" (Woodruff with a Korn–Graubard, logit or arcsine interval for the
            share below the estimate) and "score" (Francisco & Fuller 1991, R's ``ffullerCI``).
            Replicate designs: "mean", "quantile" (the quantile on every replicate, replicate
            variance), and "beta", "xlogit", "asin", which R 4.1-1 accepts there but computes
            as "mean" (its replicate method passes no type on), and so do we.
        df : float, optional
            Degrees of freedom of the t quantiles (R: ``df``); None: R's ``degf`` of each
            domain's subset; ``numpy.inf``: normal quantiles.

        Returns
        -------
        DataFrame ``[by...], quantile, estimate, se, ci_low, ci_high``, one row per domain and
        quantile. ``se`` is R's: interval width / (2 t_df) (Dorfman & Valliant 1993). An interval
        R cannot compute (a share bound outside [0, 1], a score test without a sign change) is
        NaN. See :mod:`literacy.models.quantile` for the formulas.

        Raises
        ------
        DesignError
            An unknown ``qrule`` or ``interval_type`` (or one the design type does not have), a
            bad ``df``, ``q`` or ``level``.

        References
        ----------
        Hyndman & Fan (1996), Am. Stat. 50; Woodruff (1952), JASA 47; Francisco & Fuller (1991),
        Ann. Stat. 19; Shah & Vaish (2006), ASA SRMS; Dorfman & Valliant (1993), ASA SRMS;
        checked against R's survey 4.1-1 (``tests/test_quantile_rules.py``).
        """
        from literacy.models.quantile import svyquantile
        out = svyquantile(self, variable, q, ci=ci, by=by, level=level, qrule=qrule,
                          interval_type=interval_type, df=df)
        cols = _as_list(by) + ["quantile", "estimate"] + (["se", "ci_low", "ci_high"] if ci else [])
        return out[cols]

    def chisq(self, a: str, b: str, statistic: str = "F") -> dict:
        """Test of association in the two-way table of ``a`` and ``b`` (R: ``svychisq``).

        ``statistic``: "F" (Rao–Scott second order, default), "Chisq" (first order; ``statistic``
        is Pearson's X^2 as R prints it, the p-value from X^2 / mean eigenvalue), "Wald",
        "adjWald". Returns a dict ``statistic, ndf, ddf, p_value`` (``ddf`` inf for "Chisq").
        """
        from literacy.models.tests import svychisq
        return svychisq(self, a, b, statistic)

    def ttest(self, variable: str, group: str, level: float = 0.95) -> dict:
        """Difference in means between the two levels of ``group`` (R: ``svyttest(y ~ g)``).

        Returns a dict ``difference`` (second level minus first, in sorted order), ``t``, ``df``,
        ``p_value`` (and ``se, ci_low, ci_high, groups``).
        """
        from literacy.models.tests import svyttest
        return svyttest(self, variable, group, level)

    # ------------------------------------------------------------------ machinery
    # ------------------------------------------------------------------ calibration
    # On a SurveyDesign the result carries the calibration for its linearisation SEs; on a
    # ReplicateDesign every replicate is calibrated again (literacy.weighting.replicates).
    def rake(self, targets: dict, **kwargs):
        """Rake to population margins (see ``literacy.weighting.rake_design``)."""
        from literacy.weighting import rake_design
        return rake_design(self, targets, **kwargs)

    def poststratify(self, targets: dict, **kwargs):
        """Post-stratify to population counts (see ``literacy.weighting.poststratify_design``)."""
        from literacy.weighting import poststratify_design
        return poststratify_design(self, targets, **kwargs)

    def calibrate(self, totals: dict, **kwargs):
        """Calibrate to population totals (see ``literacy.weighting.calibrate_design``)."""
        from literacy.weighting import calibrate_design
        return calibrate_design(self, totals, **kwargs)

    def trim(self, upper=None, lower=None, **kwargs):
        """Trim the weights, keeping calibration (see ``literacy.weighting.trim_design``)."""
        from literacy.weighting import trim_design
        return trim_design(self, upper=upper, lower=lower, **kwargs)

    def _column(self, col: str) -> pd.Series:
        if col not in self.data.columns:
            raise DesignError(not_in_data(col, self.data.columns))
        return self.data[col]

    def _numeric(self, col: str) -> np.ndarray:
        s = self._column(col)
        if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iuf":   # plain numpy numbers: no parsing
            return s.to_numpy(dtype=float)
        if s.dtype == bool or str(s.dtype) == "boolean":
            s = s.astype("Float64")
        v = pd.to_numeric(s, errors="coerce")
        bad = v.isna() & s.notna()
        if bad.any():
            raise DesignError(f"column '{col}' is not numeric (row {int(np.flatnonzero(bad.to_numpy())[0])}: "
                              f"{s[bad].iloc[0]!r})")
        return v.to_numpy(dtype=float, na_value=np.nan)

    def _factor(self, col: str) -> tuple[np.ndarray, np.ndarray | pd.Index]:
        """Codes 0..k-1 of the sorted distinct values of ``col`` (-1 missing) and the values, cached.

        A column is factorised once per design (strings cost a hash per row; categorical and
        integer columns are cheaper) and its codes are reused by every domain estimate, model and
        test. The cache is keyed by column name and by the identity of ``data``: designs are
        immutable in practice, and changing ``data`` in place after building a design is not
        supported (build a new design instead).
        """
        cache = self.__dict__.get("_factor_cache")
        if cache is None or cache[0] is not self.data:
            cache = (self.data, {})
            self.__dict__["_factor_cache"] = cache
        hit = cache[1].get(col)
        if hit is None:
            hit = _factorize(self._column(col))   # categorical columns: from their codes, no hashing
            cache[1][col] = hit
        return hit

    def _domains(self, by) -> tuple[np.ndarray, pd.DataFrame]:
        """Per-row domain code (-1 outside every domain) and the table of domain keys."""
        cols = _as_list(by)
        n = self.n
        if not cols:
            return np.zeros(n, dtype=np.int64), pd.DataFrame(index=[0])
        if len(cols) == 1:
            # one variable: factorize (sorted levels, -1 for missing) once per design, cached
            codes, uniques = self._factor(cols[0])
            return codes, pd.DataFrame({cols[0]: uniques})
        # each column factorised once per design (cached), the codes combined in mixed radix: the
        # combined keys sort as (col1, col2, ...) do, as groupby(sort=True) orders the domains
        parts = [self._factor(c) for c in cols]
        key = np.zeros(n, dtype=np.int64)
        missing = np.zeros(n, dtype=bool)
        size = 1
        for codes_c, uniques_c in parts:
            k = max(len(uniques_c), 1)
            missing |= codes_c < 0
            key = key * k + np.maximum(codes_c, 0)
            size *= k
        if size < (1 << 62):                   # the combined key fits an int64
            observed = key if not missing.any() else key[~missing]
            if _dense(size, len(observed)):
                counts = np.bincount(observed, minlength=size)
                present = np.flatnonzero(counts)
                mapping = np.full(size, -1, dtype=np.int64)
                mapping[present] = np.arange(len(present))
                codes = mapping[key]
            else:
                present, inv = np.unique(observed, return_inverse=True)
                codes = inv.astype(np.int64)
            if missing.any():
                full = np.full(n, -1, dtype=np.int64)
                full[~missing] = codes if len(codes) == len(observed) else codes[~missing]
                codes = full
            table = {}
            rest = present.copy()
            digits = []
            for codes_c, uniques_c in reversed(parts):
                k = max(len(uniques_c), 1)
                digits.append(rest % k)
                rest = rest // k
            for (codes_c, uniques_c), col, dig in zip(parts, cols, reversed(digits)):
                table[col] = pd.Series(uniques_c).take(dig).reset_index(drop=True) if len(dig) else \
                    pd.Series(uniques_c[:0])
            return codes, pd.DataFrame(table)
        keys = pd.DataFrame({c: self._column(c) for c in cols}).reset_index(drop=True)
        codes = keys.groupby(cols, sort=True, dropna=True, observed=True).ngroup().to_numpy()
        codes = np.where(np.isnan(codes.astype(float)), -1, codes).astype(np.int64)
        first = np.full(codes.max() + 1 if codes.size and codes.max() >= 0 else 0, -1, dtype=np.int64)
        order = np.arange(n)[::-1]
        valid = codes[order] >= 0
        first[codes[order][valid]] = order[valid]
        table = keys.iloc[first].reset_index(drop=True)
        return codes, table

    def _estimate(self, kind, y, denominator, by, na_rm, ci, level, deff="noreplace"):
        if ci not in CI_METHODS:
            raise DesignError(f"ci must be one of {CI_METHODS}, not {ci!r}")
        if deff not in DEFF_KINDS:
            raise DesignError(f"deff must be one of {DEFF_KINDS}, not {deff!r}")
        if not 0 < level < 1:
            raise DesignError("level must be between 0 and 1")
        ys = _as_list(y)
        domain, table = self._domains(by)
        D = len(table)
        frames = []
        for col in ys:   # a handful of variables; each is vectorised over all domains
            res = self._estimate_one(kind, col, denominator, domain, D, na_rm, ci, level, deff)
            part = pd.concat([table.reset_index(drop=True), res], axis=1) if _as_list(by) else res
            if len(ys) > 1 or not isinstance(y, str):
                part.insert(len(_as_list(by)), "variable", col)
            frames.append(part)
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=_RESULT_COLUMNS)
        return out

    def _estimate_one(self, kind, col, denominator, domain, D, na_rm, ci, level, deff_kind="noreplace"
                      ) -> pd.DataFrame:
        w = self.weights
        yv = self._numeric(col)
        bv = self._numeric(denominator) if kind == "ratio" else None
        missing = np.isnan(yv) if bv is None else (np.isnan(yv) | np.isnan(bv))
        in_domain = domain >= 0
        # domains with a missing value and no na_rm give NaN (R returns NA)
        nan_domain = np.zeros(D, dtype=bool)
        if missing.any() and not na_rm:
            nan_domain[np.unique(domain[in_domain & missing])] = True
        use = in_domain & ~missing
        if use.all():
            # every row is in a domain and observed (the common case): views, no gathers
            rows, d, wu, yu = slice(None), domain, w, yv
        else:
            rows = np.flatnonzero(use)
            d, wu, yu = domain[rows], w[rows], yv[rows]
        n_d = np.bincount(d, minlength=D).astype(float)
        W_d = np.bincount(d, weights=wu, minlength=D)
        Y_d = np.bincount(d, weights=wu * yu, minlength=D)
        bu = bv[rows] if kind == "ratio" else None
        B_d = None
        if kind == "ratio":
            B_d = np.bincount(d, weights=wu * bu, minlength=D)
            with np.errstate(invalid="ignore", divide="ignore"):
                est = Y_d / B_d
        elif kind == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                est = Y_d / W_d
        else:
            est = Y_d

        # rows: the positions used, or slice(None) for all of them
        logit_se = None
        if ci in ("logit", "likelihood") and kind == "mean":
            # the Wald interval of the logit: on a replicate design R refits it on each replicate
            var, logit_se = self._variance_with_logit(rows, d, yu, est, W_d, D)
        else:
            var = self._estimator_variance(kind, rows, d, yu, bu, est, W_d, B_d, D)

        se = np.sqrt(var)
        df_d = self._domain_df(domain, D)
        rows_d = n_d if isinstance(rows, slice) else np.bincount(domain[in_domain], minlength=D).astype(float)

        # design effect against SRS without replacement (svymean deff=TRUE):
        # vsrs = s2_w / n * (W - n) / W with s2_w the weighted variance times n/(n-1);
        # a total scales it by W^2; a ratio is the deff of the total of its residuals
        # r = (a - R b) / B (R's svyratio: deff(svytotal(r, design))).
        with np.errstate(invalid="ignore", divide="ignore"):
            if kind == "ratio":
                v = (yu - np.where(np.isfinite(est), est, 0)[d] * bu) / B_d[d]
            else:
                v = yu
            vsrs = srs_variance_of_mean(d, wu, v, n_d, W_d, D, replace=deff_kind == "replace")
            if kind != "mean":
                vsrs = vsrs * W_d ** 2
            deff = np.where(W_d >= n_d, var / vsrs, np.nan)
            cv = se / est

        if ci == "likelihood" and kind == "mean":
            self._likelihood_interval_supported()
            low, high = likelihood_interval(est, logit_se, n_d, wu, yu, d, df_d, level)
        else:
            low, high = _confidence_interval(ci, est, se, df_d, n_d, rows_d, level, logit_se=logit_se)
        if (n_d == 1).any():
            warnings.warn("a domain has a single observation: its standard error is not defined (NaN)",
                          RuntimeWarning, stacklevel=4)
            single = n_d == 1
            se = np.where(single, np.nan, se)
            low = np.where(single, np.nan, low)
            high = np.where(single, np.nan, high)
            deff = np.where(single, np.nan, deff)
            cv = np.where(single, np.nan, cv)
        empty = n_d == 0
        blank = nan_domain | empty
        est, se, low, high, deff, cv = (np.where(blank, np.nan, a) for a in (est, se, low, high, deff, cv))
        res = pd.DataFrame({
            "estimate": est, "se": se, "ci_low": low, "ci_high": high,
            "df": df_d.astype(float), "n": n_d.astype(np.int64), "deff": deff, "cv": cv,
        })
        return res



class SurveyDesign(DesignEstimators):
    """A stratified multistage survey design for Taylor-linearisation estimates.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    weights : str, array or None
        Sampling weight column (or values). When None, weights are the inverse of the
        product of the per-stage sampling fractions given by ``fpc`` (as ``svydesign``
        does without ``weights=``).
    strata : str or list of str, optional
        Stratum column for the first stage, or one per stage. None: unstratified.
    psu : str or list of str, optional
        Cluster column(s), one per stage (``svydesign(id=~a+b)``). None: each row is its
        own PSU (``id=~1``).
    fpc : str or list of str, optional
        Finite population correction per stage, as a population size (number of clusters
        in the stratum at that stage) or as a sampling fraction (all values <= 1). None:
        sampling with replacement at the first stage (later stages are then ignored, as
        in R).
    nest : bool
        PSU ids repeat across strata and are relabelled within strata. Without it a PSU
        id in two strata is an error.
    lonely_psu : {"fail", "remove", "adjust", "average", "certainty"}
        What to do with a stratum holding a single PSU, with R's meanings
        (``options(survey.lonely.psu=)``): "remove" and "certainty" give it no variance
        contribution, "adjust" centres it at the grand mean instead of the stratum mean,
        "average" replaces its contribution by the average of the other strata.

    Notes
    -----
    ``weights`` is the current weight per row as a float array aligned to ``data``'s
    rows; ``calibration`` holds the residualising steps of a calibrated design (see
    ``literacy.weighting``), applied to linearised values before cluster totals, as the
    ``postStrata`` loop of R's ``svyrecvar``.
    """

    def __init__(self, data: pd.DataFrame, weights=None, strata=None, psu=None, fpc=None,
                 nest: bool = False, lonely_psu: str = "fail"):
        if not isinstance(data, pd.DataFrame):
            raise DesignError("design: data must be a DataFrame")
        if lonely_psu not in LONELY_PSU:
            raise DesignError(f"design: lonely_psu must be one of {LONELY_PSU}, not {lonely_psu!r}")
        self.data = data
        self.strata_columns = _as_list(strata)
        self.psu_columns = _as_list(psu)
        self.fpc_columns = _as_list(fpc)
        self.nest = bool(nest)
        self.lonely_psu = lonely_psu
        self.calibration: tuple = ()
        n = len(data)
        if n == 0:
            raise DesignError("design: the data has no rows")
        for col in self.strata_columns + self.psu_columns + self.fpc_columns:
            if col not in data.columns:
                raise DesignError("design: " + not_in_data(col, data.columns))
            if data[col].dtype.kind in "iub":        # numpy integers cannot be missing
                continue
            bad = data[col].isna().to_numpy()
            if bad.any():
                raise DesignError(f"design: column '{col}' has missing values (first at row {int(np.flatnonzero(bad)[0])})")
        n_stages = max(1, len(self.psu_columns))
        if len(self.strata_columns) > n_stages:
            raise DesignError("design: more strata columns than sampling stages")
        if len(self.fpc_columns) > n_stages:
            raise DesignError("design: more fpc columns than sampling stages")

        fractions = self._stage_fractions(n_stages)   # list of per-row sampling fractions or None
        self._stages = self._build_stages(n_stages, fractions)

        if weights is None:
            if not fractions or any(f is None for f in fractions[:n_stages]) or len(fractions) < n_stages:
                raise DesignError("design: no weights given and no fpc for every stage to derive them from")
            prob = np.prod(np.vstack(fractions[:n_stages]), axis=0)
            w = 1.0 / prob
        elif isinstance(weights, str):
            if weights not in data.columns:
                raise DesignError("design: " + not_in_data(weights, data.columns, "weight column"))
            col = data[weights]
            if col.dtype.kind in "iuf":
                w = col.to_numpy(dtype=float)
            else:
                w = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        else:
            w = np.asarray(weights, dtype=float)
            if w.shape != (n,):
                raise DesignError(f"design: {w.shape[0] if w.ndim else 0} weights for {n} rows")
        bad = ~np.isfinite(w) | (w <= 0)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise DesignError(f"design: weights must be positive and finite; {int(bad.sum())} are not "
                              f"(first at row {first}: {w[first]!r})")
        self.weights = w

    # ------------------------------------------------------------------ construction
    def _stage_fractions(self, n_stages: int) -> list[np.ndarray | None]:
        """Per-row sampling fraction n/N at each stage with an fpc (None without)."""
        out: list[np.ndarray | None] = []
        for s in range(n_stages):
            if s >= len(self.fpc_columns):
                out.append(None)
                continue
            col = self.fpc_columns[s]
            v = pd.to_numeric(self.data[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            if np.isnan(v).any() or (v <= 0).any():
                raise DesignError(f"design: fpc column '{col}' must be positive and not missing")
            # R's rule: all values <= 1 are sampling fractions, otherwise population sizes.
            # Population sizes are stored negated and turned into fractions in _build_stages,
            # once the number of sampled clusters per stratum is known.
            out.append(v if (v <= 1).all() else -v)
        return out

    def _build_stages(self, n_stages: int, fractions: list) -> list[_Stage]:
        data = self.data
        n = len(data)
        stages: list[_Stage] = []
        parent = np.zeros(n, dtype=np.int64)         # cluster code of the stage above (all rows one at stage 0)
        parent_multiplier = np.ones(1)               # per parent cluster: product of fractions above
        for s in range(n_stages):
            # stratum at this stage: nested within the cluster of the stage above
            if s < len(self.strata_columns):
                h_raw, n_h_raw = _codes(data[self.strata_columns[s]])
            else:
                h_raw, n_h_raw = np.zeros(n, dtype=np.int64), 1
            if s == 0:                               # one parent: the codes are already 0..k-1
                stratum, n_strata = h_raw, n_h_raw
            else:
                stratum, n_strata = _recode(parent * n_h_raw + h_raw, (int(parent.max()) + 1) * n_h_raw)
            # cluster at this stage
            if s < len(self.psu_columns):
                c_raw, n_c_raw = _codes(data[self.psu_columns[s]])
            else:
                c_raw, n_c_raw = np.arange(n, dtype=np.int64), n
            if s == 0 and not self.nest and self.strata_columns:
                # a PSU id must not appear in two strata unless nest=True
                pairs = _distinct(c_raw * n_strata + stratum, n_c_raw * n_strata) // n_strata
                per_psu = np.bincount(pairs, minlength=n_c_raw)
                if (per_psu > 1).any():
                    bad = int(np.flatnonzero(per_psu > 1)[0])
                    psu_value = data[self.psu_columns[0]].iloc[int(np.flatnonzero(c_raw == bad)[0])] \
                        if self.psu_columns else "?"
                    raise DesignError(f"design: PSU '{psu_value}' is in more than one stratum; "
                                      "relabel PSUs, or say PSU ids repeat across strata (nest=True; "
                                      "'literacy estimate --nest'; design.nest: true in a config)")
            cluster, n_clusters = _recode(stratum * n_c_raw + c_raw, n_strata * n_c_raw)
            cluster_stratum = np.zeros(n_clusters, dtype=np.int64)
            cluster_stratum[cluster] = stratum
            stratum_n = np.bincount(cluster_stratum, minlength=n_strata).astype(float)

            frac = fractions[s] if s < len(fractions) else None
            if frac is None:
                f_row = np.zeros(n)
                has_fpc = False
            elif (frac > 0).all():
                f_row = frac
                has_fpc = True
            else:                                    # population sizes (stored negated)
                popsize = -frac
                n_row = stratum_n[stratum]
                if (popsize < n_row - 1e-9).any():
                    first = int(np.flatnonzero(popsize < n_row - 1e-9)[0])
                    raise DesignError(f"design: fpc column '{self.fpc_columns[s]}' gives a population size "
                                      f"smaller than the sample at row {first}")
                f_row = n_row / popsize
                has_fpc = True
                fractions[s] = f_row
            # the fraction must be constant within a stratum
            stratum_fraction = np.zeros(n_strata)
            stratum_fraction[stratum] = f_row
            if has_fpc and not np.allclose(stratum_fraction[stratum], f_row, rtol=1e-12, atol=0):
                raise DesignError(f"design: fpc column '{self.fpc_columns[s]}' varies within a stratum")
            stratum_f = 1.0 - stratum_fraction if has_fpc else np.ones(n_strata)
            stratum_parent = np.zeros(n_strata, dtype=np.int64)
            stratum_parent[stratum] = parent
            stages.append(_Stage(cluster, n_clusters, cluster_stratum, n_strata, stratum_n, stratum_f,
                                 stratum_fraction if has_fpc else np.zeros(n_strata),
                                 parent_multiplier[stratum_parent]))
            if not has_fpc:
                break                                # later stages add nothing without an fpc (R's multistage)
            # multiplier for the next stage's strata: fraction of this stage's cluster's stratum
            parent_multiplier = (parent_multiplier[stratum_parent] * stratum_fraction)[cluster_stratum]
            parent = cluster
        if self.lonely_psu == "fail":
            st = stages[0]
            lonely = np.flatnonzero((st.stratum_n == 1) & (st.stratum_f > 1e-7))
            if lonely.size:
                name = "the only stratum"
                if self.strata_columns:
                    row = int(np.flatnonzero(np.isin(st.cluster, np.flatnonzero(np.isin(st.cluster_stratum, lonely))))[0])
                    name = f"stratum '{self.data[self.strata_columns[0]].iloc[row]}'"
                raise DesignError(f"design: {name} has only one PSU; choose lonely_psu "
                                  "('remove', 'adjust', 'average' or 'certainty')")
        return stages

    def _replace(self, weights=None, calibration=None) -> "SurveyDesign":
        """A copy of this design with new weights and/or calibration steps."""
        new = object.__new__(SurveyDesign)
        new.__dict__.update(self.__dict__)
        if weights is not None:
            w = np.asarray(weights, dtype=float)
            if w.shape != self.weights.shape:
                raise DesignError("design: replacement weights have the wrong length")
            new.weights = w
        if calibration is not None:
            new.calibration = tuple(calibration)
        return new

    # ------------------------------------------------------------------ public facts
    def cluster_codes(self, stage: int = 1) -> np.ndarray:
        """Integer codes (0..k-1) of each row's cluster at a sampling stage (1 = the PSUs), unique
        across strata, as R's ``design$cluster[[stage]]`` identifies them."""
        if isinstance(stage, bool) or not isinstance(stage, (int, np.integer)) or \
                not 1 <= stage <= len(self._stages):
            raise DesignError(f"stage must be a sampling stage, 1 to {len(self._stages)}, not {stage!r}")
        return self._stages[int(stage) - 1].cluster

    def degf(self) -> int:
        """Design degrees of freedom: PSUs minus strata (R's ``degf``)."""
        st = self._stages[0]
        return int(st.n_clusters - st.n_strata)

    def replicate(self, method: str, replicates: int | None = None, rho: float | None = None,
                  seed: int | None = None, mse: bool = False):
        """Replicate-weight version of this design (see ``literacy.replicate.replicate_design``)."""
        from literacy.replicate import replicate_design
        return replicate_design(self, method, replicates=replicates, rho=rho, seed=seed, mse=mse)

    def _estimator_variance(self, kind, rows, d, yu, bu, est, W_d, B_d, D) -> np.ndarray:
        """Taylor variance from the weighted linearised values (R's x in svyrecvar):
        mean ``w (y - ybar_d) / W_d``; total ``w y``; ratio ``w (a - R b) / B_d``."""
        wu = self.weights[rows]
        est0 = np.where(np.isfinite(est), est, 0.0)
        if kind == "mean":
            z = (yu - est0[d]) * _safe_inverse(W_d)[d]
        elif kind == "total":
            z = yu
        else:
            z = (yu - est0[d] * bu) * _safe_inverse(B_d)[d]
        return self._variance(rows, d, wu * z, D)

    def _likelihood_interval_supported(self) -> None:
        """Taylor designs have R's profile-likelihood interval (replicate designs raise)."""

    def _variance_with_logit(self, rows, d, yu, est, W_d, D) -> tuple[np.ndarray, np.ndarray]:
        """The variance of each domain's share and the standard error of its logit: the delta
        method on a Taylor design (the sandwich of an intercept-only quasibinomial svyglm is
        exactly that). Replicate designs refit the logit on each replicate."""
        var = self._estimator_variance("mean", rows, d, yu, None, est, W_d, None, D)
        with np.errstate(invalid="ignore", divide="ignore"):
            return var, np.sqrt(var) / (est * (1 - est))

    def _domain_df(self, domain: np.ndarray, D: int) -> np.ndarray:
        """PSUs minus strata among rows with positive weight in each domain (R's degf on the subset)."""
        st = self._stages[0]
        rows = domain >= 0
        d, c = (domain, st.cluster) if rows.all() else (domain[rows], st.cluster[rows])
        # distinct (domain, psu) pairs from the rows; the (domain, stratum) pairs from those pairs
        pairs = _distinct(d * st.n_clusters + c, D * st.n_clusters)
        pair_domain = pairs // st.n_clusters
        n_psu = np.bincount(pair_domain, minlength=D)
        strata = pair_domain * st.n_strata + st.cluster_stratum[pairs % st.n_clusters]
        n_str = np.bincount(_distinct(strata, D * st.n_strata) // st.n_strata, minlength=D)
        return (n_psu - n_str).astype(np.int64)

    def _variance(self, rows: np.ndarray, d: np.ndarray, xz: np.ndarray, D: int) -> np.ndarray:
        """Variance of each domain's estimator from its linearised values.

        ``rows`` are the row positions used, ``d`` their domain, ``xz`` their weighted
        linearised value (zero elsewhere). Uncalibrated designs work on (cluster, domain)
        cell sums; calibrated designs first residualise the n x D matrix of values.
        """
        if self.calibration:
            if isinstance(rows, slice):
                rows = np.arange(self.n)
            x = np.zeros((self.n, D))
            x[rows, d] = xz
            for step in self.calibration:
                x = step.residualize(x)
            return self._variance_dense(x)
        present = None
        if self.lonely_psu == "average":    # which strata hold each domain (only "average" asks)
            present = np.zeros((self._stages[0].n_strata, D), dtype=bool)
            present[self._stages[0].cluster_stratum[self._stages[0].cluster[rows]], d] = True
        total = np.zeros(D)
        for s, st in enumerate(self._stages):
            # cluster totals per (cluster, domain) cell
            uniq, t = _cell_sums(st.cluster[rows] * D + d, st.n_clusters * D, xz)
            cl, dom = uniq // D, uniq % D
            total += self._stage_sum(st, cl, dom, t, D, present if s == 0 else None)
        return total

    def _variance_dense(self, x: np.ndarray) -> np.ndarray:
        K = x.shape[1]
        total = np.zeros(K)
        for s, st in enumerate(self._stages):
            S = sparse.csr_matrix((np.ones(self.n), (st.cluster, np.arange(self.n))),
                                  shape=(st.n_clusters, self.n))
            t = np.asarray(S @ x)                   # n_clusters x K cluster totals
            cl = np.repeat(np.arange(st.n_clusters), K)
            dom = np.tile(np.arange(K), st.n_clusters)
            # a calibrated design keeps every row in the domain subset (R sets prob to Inf)
            present = np.ones((st.n_strata, K), dtype=bool) if s == 0 else None
            total += self._stage_sum(st, cl, dom, t.ravel(), K, present)
        return total

    def _residualize(self, x: np.ndarray) -> np.ndarray:
        """The weighted linearised values ``x`` (n x K) after the design's calibration steps."""
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        for step in self.calibration:
            x = step.residualize(x)
        return x

    def _covariance_dense(self, x: np.ndarray, y: np.ndarray | None = None,
                          residualized: bool = False) -> np.ndarray:
        """K x K covariance of the estimated totals of the n x K linearised values ``x``.

        The matrix form of :meth:`_variance_dense` (R's ``svyrecvar`` on a matrix): calibration
        residualises ``x`` first; at each stage the cluster totals are centred within strata and
        their cross-products scaled by ``(1 - f) n_h / (n_h - 1)`` times the sampling fractions of
        the stages above (Binder 1983; Lumley 2010, appendix C). Lonely PSUs as in ``_stage_sum``.
        With ``y`` (n x L) the K x L cross-covariance of the totals of ``x`` and ``y``;
        ``residualized``: both were already passed through :meth:`_residualize` (so a block
        used many times is residualised once).
        """
        if not residualized:
            x = self._residualize(x)
            y = None if y is None else self._residualize(y)
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        cross = y is not None
        y = x if y is None else (np.asarray(y, dtype=float)[:, None] if np.ndim(y) == 1 else np.asarray(y, float))
        K, L = x.shape[1], y.shape[1]
        total = np.zeros((K, L))
        for s, st in enumerate(self._stages):
            t = self._cluster_totals(s, x)                              # clusters x K totals
            u = self._cluster_totals(s, y) if cross else t              # clusters x L totals
            h = st.cluster_stratum
            sums = np.zeros((st.n_strata, K))
            np.add.at(sums, h, t) if st.n_strata > 1 else sums.__setitem__(0, t.sum(axis=0))
            if cross:
                sums_u = np.zeros((st.n_strata, L))
                np.add.at(sums_u, h, u) if st.n_strata > 1 else sums_u.__setitem__(0, u.sum(axis=0))
            else:
                sums_u = sums
            n_h = st.stratum_n
            lonely = n_h == 1
            with np.errstate(invalid="ignore", divide="ignore"):
                scale = st.stratum_f * np.where(n_h > 1, n_h / (n_h - 1), 1.0)
            scale = np.where(st.stratum_f < 1e-7, 0.0, scale) * st.stratum_multiplier
            centre = np.where(lonely & (self.lonely_psu == "adjust"), 0.0, 1.0 / n_h)
            bad = lonely & (st.stratum_f >= 1e-7)
            if self.lonely_psu == "average" and s == 0 and bad.any():
                scale = np.where(bad, 0.0, scale)
            a_c = scale[h]
            cov = (t * a_c[:, None]).T @ u - (sums * (scale * centre)[:, None]).T @ sums_u
            if self.lonely_psu == "average" and s == 0 and bad.any():
                n_ok = st.n_strata - int(bad.sum())
                cov = cov * (st.n_strata / n_ok if n_ok > 0 else np.nan)
            total += cov
        return total

    def _cluster_totals(self, stage: int, x: np.ndarray) -> np.ndarray:
        """Clusters x K totals of the n x K values ``x`` at a stage. Rows sorted by cluster (files
        usually come sorted by PSU) and ``x`` held column by column (the GLM's estimating functions)
        take ``np.add.reduceat`` over contiguous runs; otherwise one sparse product."""
        starts = self._sorted_starts(stage)
        if starts is not None and x.flags.f_contiguous and not x.flags.c_contiguous:
            return np.add.reduceat(x.T, starts, axis=1).T
        return np.asarray(self._cluster_indicator(stage) @ x)

    def _sorted_starts(self, stage: int) -> np.ndarray | None:
        """First row of each cluster when the rows are sorted by cluster (else None), cached."""
        cache = self.__dict__.setdefault("_sorted_cache", {})
        if stage not in cache:
            cl = self._stages[stage].cluster
            ok = len(cl) > 0 and bool(np.all(cl[1:] >= cl[:-1]))
            cache[stage] = np.flatnonzero(np.r_[True, cl[1:] != cl[:-1]]) if ok else None
        return cache[stage]

    def _cluster_indicator(self, stage: int) -> sparse.csr_matrix:
        """The clusters x rows 0/1 indicator of a stage, built once per design (cluster totals of
        many columns are then one sparse product)."""
        cache = self.__dict__.setdefault("_indicator_cache", {})
        S = cache.get(stage)
        if S is None:
            st = self._stages[stage]
            # CSR built directly: rows sorted by cluster (a stable argsort), one entry per row
            order = np.argsort(st.cluster, kind="stable")
            indptr = np.concatenate([[0], np.cumsum(np.bincount(st.cluster, minlength=st.n_clusters))])
            S = sparse.csr_matrix((np.ones(self.n), order, indptr), shape=(st.n_clusters, self.n))
            cache[stage] = S
        return S

    def _stage_sum(self, st: _Stage, cl: np.ndarray, dom: np.ndarray, t: np.ndarray, D: int,
                   present: np.ndarray | None) -> np.ndarray:
        """Sum over strata of (1-f) n/(n-1) sum_c (t_c - tbar)^2, per domain (R's onestrat)."""
        h = st.cluster_stratum[cl]
        key = h * D + dom
        HD = st.n_strata * D
        s1 = np.bincount(key, weights=t, minlength=HD).reshape(st.n_strata, D)
        s2 = np.bincount(key, weights=t * t, minlength=HD).reshape(st.n_strata, D)
        n_h = st.stratum_n[:, None]
        lonely = (st.stratum_n == 1)[:, None]
        # centred sum of squares over all n_h clusters (clusters without the domain count as 0)
        centred = s2 - s1 * s1 / n_h
        if self.lonely_psu == "adjust":
            centred = np.where(lonely, s2, centred)  # centre at the grand mean, i.e. not at all
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = st.stratum_f * np.where(st.stratum_n > 1, st.stratum_n / (st.stratum_n - 1), 1.0)
        self_representing = (st.stratum_f < 1e-7)[:, None]
        contrib = np.where(self_representing, 0.0, scale[:, None] * np.maximum(centred, 0.0))
        contrib = contrib * st.stratum_multiplier[:, None]
        if self.lonely_psu == "average" and present is not None:
            # lonely strata are NA; the sum over the others is scaled by strata / ok strata
            bad = lonely & ~self_representing & present
            n_strat = present.sum(axis=0)
            n_ok = n_strat - bad.sum(axis=0)
            out = np.where(bad, 0.0, contrib).sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                return out * np.where(n_ok > 0, n_strat / n_ok, np.nan)
        return contrib.sum(axis=0)


def srs_variance_of_mean(d: np.ndarray, w: np.ndarray, v: np.ndarray, n_d: np.ndarray, W_d: np.ndarray,
                         D: int, replace: bool = False) -> np.ndarray:
    """Variance of each domain's weighted mean under simple random sampling without replacement,
    the denominator of a design effect (R's ``svymean(deff=TRUE)``): ``s2_w / n (W - n) / W`` with
    ``s2_w`` the weighted variance times ``n / (n - 1)``; with ``replace`` (R's ``deff="replace"``),
    sampling with replacement: ``s2_w / n``.

    ``d`` are the rows' domains, ``w`` their weights, ``v`` their values: (n,) for one variable,
    giving (D,), or (n, K) for K variables sharing the domains, giving (K, D).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        if v.ndim == 1:
            mean_d = np.bincount(d, weights=w * v, minlength=D) / W_d
            ss = np.bincount(d, weights=w * (v - np.where(np.isfinite(mean_d), mean_d, 0)[d]) ** 2, minlength=D)
        else:
            ind = sparse.csr_matrix((w, (d, np.arange(len(d)))), shape=(D, len(d)))
            mean_d = np.asarray(ind @ v).T / W_d                                       # K x D
            centred = v - np.where(np.isfinite(mean_d), mean_d, 0.0).T[d]
            ss = np.asarray(ind @ centred ** 2).T
        s2 = ss / W_d * n_d / (n_d - 1)
        return s2 / n_d if replace else s2 / n_d * (W_d - n_d) / W_d


def _safe_inverse(x: np.ndarray) -> np.ndarray:
    """1/x where x is nonzero, 0 elsewhere."""
    nz = x != 0
    return np.where(nz, 1.0 / np.where(nz, x, 1.0), 0.0)


def _confidence_interval(method, est, se, df, n, rows, level, logit_se=None):
    """Confidence bounds per domain.

    logit: expit(logit(p) -+ t se_logit), the Wald interval of an intercept-only quasibinomial
      svyglm (R's svyciprop method="logit"); ``logit_se`` is its standard error (the delta
      method se / (p (1 - p)) on a Taylor design, the replicate logits' on a replicate design).
    xlogit: expit(logit(p) -+ t se / (p (1 - p))) on every design (R's method="xlogit").
    asin: sin(asin(sqrt(p)) -+ t se / (2 sqrt(p (1 - p))))^2 (R's method="asin", squared sine of
      the bounds as R computes it).
    beta: Korn & Graubard (1998): Clopper-Pearson with the effective sample size
      p (1 - p) / var, scaled by (t_{rows-1} / t_df)^2 (R's svyciprop method="beta").
    wilson: the Wilson score interval on the effective sample size with t_df quantiles
      (Kish-style; R's svyciprop has no Wilson method).
    wald: est -+ t_df se (R's svyciprop method="mean" for proportions).
    Where the variance is zero (a share of 0 or 1) the effective sample size is the
    domain's unweighted n (NCHS Data Presentation Standards for Proportions, 2017).
    """
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        dfc = np.where(df > 0, df, np.nan)
        t = stats.t.ppf(1 - alpha / 2, dfc)
        if method in ("wald", "mean"):
            return est - t * se, est + t * se
        p = est
        var = se * se
        if method == "asin":
            centre = np.arcsin(np.sqrt(p))
            half = t * se / (2 * np.sqrt(p * (1 - p)))
            return np.sin(centre - half) ** 2, np.sin(centre + half) ** 2
        if method in ("logit", "xlogit"):
            logit = np.log(p / (1 - p))
            half = t * (logit_se if (method == "logit" and logit_se is not None) else se / (p * (1 - p)))
            low = 1 / (1 + np.exp(-(logit - half)))
            high = 1 / (1 + np.exp(-(logit + half)))
            degenerate = (p <= 0) | (p >= 1)
            if degenerate.any():
                bl, bh = _confidence_interval("beta", est, se, df, n, rows, level)
                low = np.where(degenerate, bl, low)
                high = np.where(degenerate, bh, high)
            return low, high
        n_eff = np.where(var > 0, p * (1 - p) / var, n)
        if method == "beta":
            ratio = stats.t.ppf(alpha / 2, rows - 1) / stats.t.ppf(alpha / 2, dfc)
            n_eff = np.where(var > 0, n_eff * ratio ** 2, n_eff)
            x = n_eff * p
            low = np.where(p > 0, stats.beta.ppf(alpha / 2, x, n_eff - x + 1), 0.0)
            high = np.where(p < 1, stats.beta.ppf(1 - alpha / 2, x + 1, n_eff - x), 1.0)
            return low, high
        # wilson
        z2 = t * t
        centre = (p + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
        half = t * np.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff ** 2)) / (1 + z2 / n_eff)
        return centre - half, centre + half
