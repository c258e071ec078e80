"""Model formulas with R's semantics: ``"y ~ a + C(b) + x * c"`` to a design matrix.

Supported: ``+`` between terms, ``:`` (interaction), ``*`` (``a*b`` = ``a + b + a:b``), ``C(x)``
(treat ``x`` as categorical), ``- 1`` / ``+ 0`` (no intercept), ``1``. Column names may hold dots
(R's ``sch.wide``). String, boolean and pandas categorical columns are categorical; numeric columns
are numeric unless wrapped in ``C()``.

Coding follows R's ``model.matrix`` (Chambers & Hastie 1992, ch. 2; Lumley 2010, 5.2): terms are
ordered by their number of variables, stable in order of appearance; a categorical variable gets
treatment contrasts (levels in sorted order, the first the reference, as ``factor()``) when the
term without it is in the model (the empty term counts when there is an intercept), otherwise one
indicator per level; in an interaction the first variable varies fastest.

Column names: ``(Intercept)``; a numeric variable's name; ``var[level]`` for a level of a
categorical variable (R: ``varlevel``; with ``C(x)`` R writes ``C(x)level``, we write
``x[level]``); interactions joined by ``:`` as in R. :func:`r_name` gives R's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from literacy.errors import DesignError

__all__ = ["ModelFrame", "parse_formula", "model_frame", "r_name"]

_FACTOR = re.compile(r"^C\(\s*([^,()]+?)\s*\)$")


@dataclass(frozen=True)
class _Var:
    name: str
    forced: bool                      # C(name): categorical even if numeric


@dataclass
class ModelFrame:
    """The design matrix of a formula on the rows a model uses.

    ``rows`` are the positions (in the design's data) of the rows used: in the subset, with the
    outcome and every variable present. ``terms`` are our column names, ``r_terms`` R's;
    ``variables`` and ``levels`` give, per column, the variable(s) and level(s) it stands for.
    """

    response: str
    y: np.ndarray
    X: np.ndarray
    rows: np.ndarray
    terms: list[str]
    r_terms: list[str]
    variables: list[str]
    levels: list[str]
    term_of_column: list[str] = field(default_factory=list)
    intercept: bool = True


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _parse_var(text: str) -> _Var:
    t = text.strip()
    m = _FACTOR.match(t)
    if m:
        return _Var(m.group(1).strip(), True)
    if not t or any(c in t for c in "()~,"):
        raise DesignError(f"formula: cannot read the term {text.strip()!r} (use names, C(name), ':' and '*')")
    return _Var(t, False)


def parse_formula(formula: str) -> tuple[_Var, list[tuple[_Var, ...]], bool]:
    """Response, terms (tuples of variables, in R's order) and whether there is an intercept."""
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise DesignError(f"formula: expected 'outcome ~ terms', got {formula!r}")
    lhs, rhs = formula.split("~")
    response = _parse_var(lhs)
    intercept = True
    terms: list[tuple[_Var, ...]] = []
    # '-' only removes the intercept: "- 1"
    rhs = rhs.replace("\n", " ")
    pieces = []
    for chunk in _split_top(rhs, "+"):
        parts = _split_top(chunk, "-")
        if parts[0].strip():
            pieces.append(parts[0])
        for neg in parts[1:]:
            if neg.strip() in ("1", "0"):
                intercept = False
            else:
                raise DesignError(f"formula: only '- 1' can be subtracted, not '- {neg.strip()}'")
    for piece in pieces:
        p = piece.strip()
        if p == "1":
            continue
        if p == "0":
            intercept = False
            continue
        factors = [f for f in _split_top(p, "*")]
        if len(factors) > 1:
            groups = [tuple(_parse_var(v) for v in _split_top(f, ":")) for f in factors]
            for k in range(1, len(groups) + 1):
                for combo in combinations(groups, k):
                    terms.append(tuple(v for g in combo for v in g))
        else:
            terms.append(tuple(_parse_var(v) for v in _split_top(p, ":")))
    # drop repeats (same set of variables), then R's order: by number of variables, stable
    seen, unique = set(), []
    for t in terms:
        key = frozenset(v.name for v in t)
        if key not in seen:
            seen.add(key)
            unique.append(t)
    unique.sort(key=len)
    return response, unique, intercept


def _is_categorical(s: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s))


def model_frame(design, formula: str, mask: np.ndarray | None = None, numeric_response: bool = True,
                *, empty=np.empty) -> ModelFrame:
    """Design matrix of ``formula`` on the rows of ``design`` in ``mask`` with no missing value.

    Categorical variables are coded from the design's cached factor codes (levels in sorted
    order among the rows used, as ``factor()`` on them). The matrix is built column by column
    into one p x n C-ordered array (each column contiguous: what the IRLS products read), and
    ``ModelFrame.X`` is its n x p transpose (a view); no DataFrame, no dummy table. ``empty``
    allocates that array (``np.empty`` by default; the GLM passes its buffer cache). ``y`` is
    the design's numeric column itself when every row is used: read it, do not write to it.
    """
    response, terms, intercept = parse_formula(formula)
    data = design.data
    names = [response.name] + [v.name for t in terms for v in t]
    for nm in names:
        if nm not in data.columns:
            raise DesignError(f"formula: column '{nm}' is not in the data")
    n = len(data)
    ok = None if mask is None else np.asarray(mask, dtype=bool).copy()

    def keep(bad_fn) -> None:                        # drop the rows where bad_fn() is True
        nonlocal ok
        bad = bad_fn()
        if bad.any():
            ok = ~bad if ok is None else ok & ~bad

    y = design.numeric_column(response.name)
    if np.isnan(y.sum()):                            # a sum is NaN only if some value is (or inf - inf)
        keep(lambda: np.isnan(y))
    variables: dict[str, _Var] = {}
    for t in terms:
        for v in t:
            prev = variables.get(v.name)
            variables[v.name] = _Var(v.name, v.forced or (prev.forced if prev else False))
    coded: dict[str, tuple] = {}
    for nm, v in variables.items():
        s = data[nm]
        if v.forced or _is_categorical(s):
            codes, uniques = design.factor_codes(nm)
            if codes.size and codes.min() < 0:
                keep(lambda: codes < 0)
            coded[nm] = ("cat", codes, uniques)
        else:
            x = design.numeric_column(nm)
            if np.isnan(x.sum()):
                keep(lambda: np.isnan(x))
            coded[nm] = ("num", x, None)
    every = ok is None or bool(ok.all())
    rows = np.arange(n) if every else np.flatnonzero(ok)
    if rows.size == 0:
        raise DesignError(f"formula: no rows with every variable of {formula!r} present")

    def used(a: np.ndarray) -> np.ndarray:           # the values on the rows used (no copy for all rows)
        return a if every else a[rows]

    # levels present among the rows used, sorted (factor() on them)
    cat: dict[str, tuple[np.ndarray, list[str]]] = {}
    for nm, (kind, a, uniques) in coded.items():
        if kind == "cat":
            c = used(a)
            present = np.flatnonzero(np.bincount(c, minlength=len(uniques)))
            if present.size < len(uniques):
                remap = np.full(len(uniques), -1, dtype=np.int64)
                remap[present] = np.arange(len(present))
                c = remap[c]
            cat[nm] = (c, [level_label(uniques[i]) for i in present])
    term_sets = {frozenset(v.name for v in t) for t in terms}
    # column specifications first (names and factors), then one p x n array filled row by row;
    # a factor of a column is None (intercept), a numeric vector, or (codes, level) for an indicator
    specs: list[list] = []
    ours, rn, var_col, lev_col, term_col = [], [], [], [], []
    m = rows.size
    if intercept:
        specs.append([])
        ours.append("(Intercept)"); rn.append("(Intercept)"); var_col.append(""); lev_col.append("")
        term_col.append("(Intercept)")
    first_factor_full = not intercept
    for t in terms:
        names_t = [v.name for v in t]
        # per variable: list of (our label, R label, level, factor)
        per_var = []
        for v in t:
            kind = coded[v.name][0]
            if kind == "num":
                per_var.append([(v.name, v.name, "", coded[v.name][1])])
                continue
            codes, labels = cat[v.name]
            rest = frozenset(names_t) - {v.name}
            contrasts = (rest in term_sets) if rest else intercept
            if not rest and not intercept and not first_factor_full:
                contrasts = True
            if not rest and not intercept and first_factor_full:
                first_factor_full = False
            start = 1 if contrasts else 0
            rprefix = f"C({v.name})" if v.forced else v.name
            per_var.append([(f"{v.name}[{labels[k]}]", f"{rprefix}{labels[k]}", labels[k], (codes, k))
                            for k in range(start, len(labels))])
        # first variable varies fastest
        combos = [[]]
        for options in per_var:
            combos = [c + [o] for o in options for c in combos]
        for c in combos:
            specs.append([o[3] for o in c])
            ours.append(":".join(o[0] for o in c))
            rn.append(":".join(o[1] for o in c))
            var_col.append(":".join(names_t))
            lev_col.append(":".join(o[2] for o in c if o[2]))
            term_col.append(":".join(names_t))
    Xt = empty((len(specs), m))
    for j, factors in enumerate(specs):
        row = Xt[j]
        if not factors:
            row.fill(1.0)
            continue
        for i, f in enumerate(factors):
            if isinstance(f, tuple):                    # indicator of one level, straight into the row
                if i == 0:
                    np.equal(f[0], f[1], out=row, casting="unsafe")
                else:
                    row *= f[0] == f[1]
            elif i == 0:
                if every:
                    row[...] = f
                else:
                    np.take(f, rows, out=row)
            else:
                row *= f if every else f[rows]
    # y is only read: on every row it is the design's numeric column itself (no copy)
    return ModelFrame(response.name, used(y), Xt.T, rows, ours, rn, var_col, lev_col, term_col, intercept)


def level_label(value) -> str:
    """A factor level as R prints it in a term name (``2`` for 2.0, ``TRUE``/``FALSE`` for booleans).

    Parameters
    ----------
    value
        A level.

    Returns
    -------
    str
    """
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    return str(value)


def r_name(term: str) -> str:
    """R's coefficient name for one of our column names: ``stype[H]`` -> ``stypeH``."""
    return re.sub(r"\[([^\]]*)\]", r"\1", term)
