"""The estimators every design has: means, shares, totals, ratios, models and tests by domain.

The estimators reproduce R's ``survey`` package (Lumley 2004, 2010): ``svymean``, ``svytotal``,
``svyratio`` and ``svyciprop`` with ``svyby`` domains, and hand ``svyglm``, ``svyquantile``,
``svychisq``, ``svyttest`` and the calibrations to :mod:`literacy.models` and
:mod:`literacy.weighting`, which use only the design's public variance API. Domains are
estimated on the full design (the domain indicator zeroes the rows outside the domain; nothing is
subset), from cell sums over the whole sample.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import sparse

from literacy.errors import DesignError, not_in_data
from literacy.models.glm import svyglm
from literacy.models.quantile import svyquantile
from literacy.models.tests import svychisq, svyttest
from literacy.profile_interval import likelihood_interval
from literacy.survey.codes import as_list, dense, factorize
from literacy.survey.intervals import CI_METHODS, confidence_interval
from literacy.weighting.designs import calibrate_design, poststratify_design, rake_design, trim_design

__all__ = ["DesignEstimators", "DEFF_KINDS", "srs_variance_of_mean"]

#: Design effects against simple random sampling without ("noreplace") or with ("replace") replacement.
DEFF_KINDS = ("noreplace", "replace")
_RESULT_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "df", "n", "deff", "cv"]


class DesignEstimators:
    """Estimators shared by Taylor-linearisation and replicate-weight designs.

    Subclasses provide ``data``, ``weights`` (float array aligned to rows) and the variance API
    every estimator, model and test uses, so that no client asks which kind of design it holds:
    ``estimator_variance``, ``domain_degf``, ``subset_degf``, ``totals_covariance``,
    ``totals_basis``, ``cross_covariance``, ``coefficient_covariance`` and ``degf``
    (:class:`literacy.survey.SurveyDesign` by linearisation,
    :class:`literacy.survey.ReplicateDesign` by replicates).
    """

    #: Whether variances come from replicate weights (R's ``svyrep.design``): R offers other
    #: options there (quantile interval types), and model refits are heavy matrix work.
    has_replicate_weights: bool = False

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
        for col in as_list(y):
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
        out = svyquantile(self, variable, q, ci=ci, by=by, level=level, qrule=qrule,
                          interval_type=interval_type, df=df)
        cols = as_list(by) + ["quantile", "estimate"] + (["se", "ci_low", "ci_high"] if ci else [])
        return out[cols]

    def chisq(self, a: str, b: str, statistic: str = "F") -> dict:
        """Test of association in the two-way table of ``a`` and ``b`` (R: ``svychisq``).

        ``statistic``: "F" (Rao–Scott second order, default), "Chisq" (first order; ``statistic``
        is Pearson's X^2 as R prints it, the p-value from X^2 / mean eigenvalue), "Wald",
        "adjWald". Returns a dict ``statistic, ndf, ddf, p_value`` (``ddf`` inf for "Chisq").
        """
        return svychisq(self, a, b, statistic)

    def ttest(self, variable: str, group: str, level: float = 0.95) -> dict:
        """Difference in means between the two levels of ``group`` (R: ``svyttest(y ~ g)``).

        Returns a dict ``difference`` (second level minus first, in sorted order), ``t``, ``df``,
        ``p_value`` (and ``se, ci_low, ci_high, groups``).
        """
        return svyttest(self, variable, group, level)

    # ------------------------------------------------------------------ machinery
    # ------------------------------------------------------------------ calibration
    # On a SurveyDesign the result carries the calibration for its linearisation SEs; on a
    # ReplicateDesign every replicate is calibrated again (literacy.weighting.replicates).
    def rake(self, targets: dict, **kwargs):
        """Rake to population margins (see ``literacy.weighting.rake_design``)."""
        return rake_design(self, targets, **kwargs)

    def poststratify(self, targets: dict, **kwargs):
        """Post-stratify to population counts (see ``literacy.weighting.poststratify_design``)."""
        return poststratify_design(self, targets, **kwargs)

    def calibrate(self, totals: dict, **kwargs):
        """Calibrate to population totals (see ``literacy.weighting.calibrate_design``)."""
        return calibrate_design(self, totals, **kwargs)

    def trim(self, upper=None, lower=None, **kwargs):
        """Trim the weights, keeping calibration (see ``literacy.weighting.trim_design``)."""
        return trim_design(self, upper=upper, lower=lower, **kwargs)

    def _column(self, col: str) -> pd.Series:
        if col not in self.data.columns:
            raise DesignError(not_in_data(col, self.data.columns))
        return self.data[col]

    def numeric_column(self, col: str) -> np.ndarray:
        """The values of column ``col`` as floats (NaN for missing; booleans as 0/1).

        Parameters
        ----------
        col : str
            A column of ``data``.

        Returns
        -------
        ndarray
            One float per row.

        Raises
        ------
        DesignError
            The column is missing or holds a value that is not a number.
        """
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

    def factor_codes(self, col: str) -> tuple[np.ndarray, np.ndarray | pd.Index]:
        """Codes 0..k-1 of the sorted distinct values of ``col`` (-1 missing) and the values, cached.

        Parameters
        ----------
        col : str
            A column of ``data``.

        Returns
        -------
        (ndarray, ndarray or Index)
            Per row the level code (-1 for a missing value), and the levels in sorted order.

        Notes
        -----
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
            hit = factorize(self._column(col))   # categorical columns: from their codes, no hashing
            cache[1][col] = hit
        return hit

    def domain_index(self, by) -> tuple[np.ndarray, pd.DataFrame]:
        """Per-row domain code (-1 outside every domain) and the table of domain keys.

        Parameters
        ----------
        by : str, list of str or None
            Domain column(s); each combination of values present is a domain, in sorted order
            (as ``groupby(sort=True)``). None: one domain of every row.

        Returns
        -------
        (ndarray, DataFrame)
            Per row the domain code 0..D-1 (-1 with a missing ``by`` value), and the D domain keys
            (the ``by`` values; a one-row frame without columns for None).
        """
        cols = as_list(by)
        n = self.n
        if not cols:
            return np.zeros(n, dtype=np.int64), pd.DataFrame(index=[0])
        if len(cols) == 1:
            # one variable: factorize (sorted levels, -1 for missing) once per design, cached
            codes, uniques = self.factor_codes(cols[0])
            return codes, pd.DataFrame({cols[0]: uniques})
        # each column factorised once per design (cached), the codes combined in mixed radix: the
        # combined keys sort as (col1, col2, ...) do, as groupby(sort=True) orders the domains
        parts = [self.factor_codes(c) for c in cols]
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
            if dense(size, len(observed)):
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
        ys = as_list(y)
        domain, table = self.domain_index(by)
        D = len(table)
        frames = []
        for col in ys:   # a handful of variables; each is vectorised over all domains
            res = self._estimate_one(kind, col, denominator, domain, D, na_rm, ci, level, deff)
            part = pd.concat([table.reset_index(drop=True), res], axis=1) if as_list(by) else res
            if len(ys) > 1 or not isinstance(y, str):
                part.insert(len(as_list(by)), "variable", col)
            frames.append(part)
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=_RESULT_COLUMNS)
        return out

    def _estimate_one(self, kind, col, denominator, domain, D, na_rm, ci, level, deff_kind="noreplace"
                      ) -> pd.DataFrame:
        w = self.weights
        yv = self.numeric_column(col)
        bv = self.numeric_column(denominator) if kind == "ratio" else None
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
            var = self.estimator_variance(kind, rows, d, yu, bu, est, W_d, B_d, D)

        se = np.sqrt(var)
        df_d = self.domain_degf(domain, D)
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
            low, high = confidence_interval(ci, est, se, df_d, n_d, rows_d, level, logit_se=logit_se)
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





def srs_variance_of_mean(d: np.ndarray, w: np.ndarray, v: np.ndarray, n_d: np.ndarray, W_d: np.ndarray,
                         D: int, replace: bool = False) -> np.ndarray:
    """Variance of each domain's weighted mean under simple random sampling, a design effect's denominator.

    R's ``svymean(deff=TRUE)``: ``s2_w / n (W - n) / W`` with ``s2_w`` the weighted variance times
    ``n / (n - 1)``; with ``replace`` (R's ``deff="replace"``), sampling with replacement: ``s2_w / n``.

    Parameters
    ----------
    d : ndarray
        The rows' domains, 0..D-1.
    w : ndarray
        Their weights.
    v : ndarray
        Their values: (n,) for one variable, or (n, K) for K variables sharing the domains.
    n_d, W_d : ndarray
        Rows and weight total per domain.
    D : int
        Number of domains.
    replace : bool
        Against sampling with replacement.

    Returns
    -------
    ndarray
        (D,) for one variable, (K, D) for K.
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
