"""The reviewer notebooks: the per-item table they read, the CJK font, and their execution.

The notebooks live in ``notebooks/`` as jupytext percent-format ``.py`` files (reviewable
diffs in git). :func:`execute_notebooks` converts each with jupytext, runs it with papermill
on the venv's own Python, and writes the executed ``.ipynb``, an HTML rendering (nbconvert)
and a clean web report without the code cells (``<name>_report.html``, nbconvert's
``exclude_input``) into ``<processed>/notebooks/``. The notebooks read ``<processed>/`` only: the
delivery is never opened, and the per-item data the item analysis needs comes from
``<round>/item_responses.parquet`` (:func:`item_table`, written by the flow's ``report`` task).

Reproducibility: the executed notebooks hold no timestamps, durations, absolute paths or
random cell ids, so a rerun on the same outputs gives the same bytes. The notebooks are
executed with ``<processed>/notebooks/`` as working directory and ``processed_dir = ".."``,
so an executed notebook opened from its folder reruns as it stands.

Heavy imports (papermill, jupytext, nbconvert, matplotlib) happen inside the functions: the
flow imports this module for :func:`item_table` without paying for them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from literacy.errors import DataError
from literacy_flows import PROJECT_ROOT
from literacy_flows.ingest import io as fio

__all__ = ["NOTEBOOKS", "NOTEBOOKS_DIR", "NotebookError", "item_table", "cjk_font_path", "use_cjk_font",
           "execute_notebooks"]

#: notebooks/ sits at the repository root, beside flows/ (as config/ does).
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"

#: The notebooks in execution order: (name, file under <processed>/ that must exist for it to run).
NOTEBOOKS: tuple[tuple[str, str | None], ...] = (
    ("assessment_overview", None),
    ("methods_diagnostics", None),
    ("measurement", None),  # comparable rounds; a table the run did not write is named, its section skipped
    ("simulation_truth", "assessment/truth_check.csv"),  # simulated deliveries only
    ("fieldwork_quality", "quality/response_rates.csv"),  # issue 26
)

#: Font families tried, in order, when the font package is not installed (e.g. Debian's fonts-noto-cjk).
_SYSTEM_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                        "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans CJK JP")

_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
"""

#: The evaluators' web report (``<name>_report.html``): no code cells, no prompts, and tables that
#: stay readable in a 1280 px window (wide tables scroll inside their own box; the page never does).
_REPORT_TEMPLATE = _OFFLINE_TEMPLATE + """{%- block extra_css -%}
<style>
body { max-width: 1240px; margin: 0 auto; padding: 0 16px; box-sizing: border-box; }
.jp-Cell { padding-left: 0; padding-right: 0; }
.jp-OutputArea-output { max-width: 100%; overflow-x: auto; }
.jp-RenderedHTMLCommon table { font-size: 13px; border-collapse: collapse; margin: 6px 0 14px 0; }
.jp-RenderedHTMLCommon th, .jp-RenderedHTMLCommon td { padding: 4px 10px; white-space: nowrap; }
.jp-RenderedHTMLCommon tbody tr:nth-child(odd) { background: #f4f6fa; }
.jp-RenderedHTMLCommon thead th { background: #dde5f2; position: sticky; top: 0; }
.jp-OutputArea-output.jp-RenderedHTMLCommon td:first-child, .jp-OutputArea-output.jp-RenderedHTMLCommon th:first-child { text-align: left; }
.jp-RenderedImage img { max-width: 100%; height: auto; }
.jp-OutputArea-output pre { white-space: pre-wrap; }
</style>
{%- endblock extra_css -%}
"""

_KERNEL_NAME = "python3"  # recorded in the executed notebooks: what Jupyter opens them with
_CELL_TIMEOUT = 600       # seconds per cell
_START_TIMEOUT = 120      # seconds for the kernel to start (slow CI machines)


class NotebookError(RuntimeError):
    """A reviewer notebook failed to execute (names the notebook, the cell and the error)."""


# --------------------------------------------------------------------------- the item table
def item_table(data: pd.DataFrame, responses: pd.DataFrame, instrument: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Per-respondent, per-item correctness for the item analysis (``<round>/item_responses.parquet``).

    Parameters
    ----------
    data : DataFrame
        The round's weighted respondents: the respondent id column, the selection
        probability, ``weight_nonresponse``, ``weight`` and ``score``.
    responses : DataFrame
        The round's responses (respondent id and one column per item, answer codes).
    instrument : DataFrame
        ``item_id``, ``part``, ``points``, ``correct``.
    config : dict
        The assessment config (``design.respondent_id``, ``design.selection_prob``).

    Returns
    -------
    DataFrame
        Long format, one row per respondent and item, in the order of ``data`` then of the
        instrument: ``case`` (1..n, an anonymous number grouping a respondent's rows; not the
        respondent id, which is left out), ``weight_base`` (1 / selection probability),
        ``weight_nonresponse``, ``weight`` (final), ``score`` (total), ``part``, ``item_id``,
        ``points``, ``correct`` (1 when the answer is the correct code, else 0: wrong,
        don't know and skipped all score zero, as in the scoring).
    """
    design = config["design"]
    id_col = design["respondent_id"]
    prob_col = design["selection_prob"]
    items = instrument["item_id"].astype(str).tolist()
    missing = [c for c in [id_col] + items if c not in responses.columns]
    if missing:
        raise DataError(f"responses: column '{missing[0]}' is missing")
    for col in (id_col, prob_col, "weight_nonresponse", "weight", "score"):
        if col not in data.columns:
            raise DataError(f"weighted data: column '{col}' is missing")
    # Align the responses to the weighted rows by respondent id (never by position).
    pos = pd.Index(responses[id_col].astype(str)).get_indexer(data[id_col].astype(str))
    if (pos < 0).any():
        bad = data[id_col].astype(str).iloc[int(np.flatnonzero(pos < 0)[0])]
        raise DataError(f"responses: respondent {bad!r} of the weighted data has no responses")
    codes = responses[items].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)[pos]
    right = (codes == instrument["correct"].to_numpy(dtype=float)[None, :]).astype(np.int8)  # NaN != anything

    n, k = right.shape

    def per_case(col: str) -> np.ndarray:
        return np.repeat(data[col].to_numpy(dtype=float), k)

    return pd.DataFrame({
        "case": np.repeat(np.arange(1, n + 1, dtype=np.int64), k),
        "weight_base": np.repeat(1.0 / data[prob_col].to_numpy(dtype=float), k),
        "weight_nonresponse": per_case("weight_nonresponse"),
        "weight": per_case("weight"),
        "score": per_case("score"),
        "part": pd.array(np.tile(instrument["part"].astype(str).to_numpy(), n), dtype="string"),
        "item_id": pd.array(np.tile(np.asarray(items, dtype=object), n), dtype="string"),
        "points": np.tile(instrument["points"].to_numpy(dtype=float), n),
        "correct": right.reshape(-1),
    })


# --------------------------------------------------------------------------- the CJK font
def cjk_font_path() -> Path:
    """The file of a font with Simplified Chinese glyphs.

    First Noto Sans SC from the ``pylopdf-fonts-zh-cn`` package (a project dependency, so a
    fresh machine has it), else an installed system font (Noto Sans CJK, Source Han Sans,
    WenQuanYi). Raises ``FileNotFoundError`` with what to install when there is none.
    """
    try:
        import pylopdf_fonts_zh_cn

        path = Path(pylopdf_fonts_zh_cn.sans_path())
        if path.is_file():
            return path
    except ImportError:
        pass
    from matplotlib import font_manager as fm   # slow to import: only when a font is looked up

    for family in _SYSTEM_CJK_FAMILIES:
        try:
            found = fm.findfont(fm.FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue
        return Path(found)
    raise FileNotFoundError("no font with Chinese glyphs: install the project's dependencies "
                            "(pip install -e .) or Debian's fonts-noto-cjk")


def use_cjk_font() -> str:
    """Register the CJK font with matplotlib and make it the default family; returns its name.

    DejaVu Sans stays as the fallback for glyphs the CJK font lacks.
    """
    import matplotlib as mpl   # as in cjk_font_path
    from matplotlib import font_manager as fm

    path = cjk_font_path()
    fm.fontManager.addfont(str(path))
    name = fm.FontProperties(fname=str(path)).get_name()
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
    mpl.rcParams["axes.unicode_minus"] = False  # the ASCII hyphen-minus renders in every font
    return name


# --------------------------------------------------------------------------- execution
def notebook_workers() -> int:
    """Notebooks executed at the same time: one per core this process may use (at most 4)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def _kernel_manager_class():
    """A kernel manager that starts ipykernel on this very interpreter (the venv's Python).

    No kernelspec is looked up or installed: a user's or a system ``python3`` kernelspec
    pointing at another Python cannot be picked up by mistake, and a fresh machine needs no
    ``ipykernel install``. The executed notebooks still record the standard ``python3``
    kernel name, which is what Jupyter opens them with.
    """
    # the Jupyter stack (jupyter_client, papermill, nbconvert, jupytext) takes seconds to import and
    # only executing the notebooks needs it: a run with --no-notebooks never loads it
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec

    # No IPython history database in the user's home; the kernel application's own log (e.g.
    # "running over TCP without encryption", an interrupt at shutdown) stays out of the flow's
    # output: errors in the notebooks' cells are recorded in the notebooks and raised here.
    # PYTHONHASHSEED fixes set and dict-of-str iteration order for byte-identical outputs.
    spec = KernelSpec(
        argv=[sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}",
              "--HistoryManager.enabled=False", "--IPKernelApp.log_level=CRITICAL"],
        display_name="Python 3 (ipykernel)", language="python",
        env={"PYTHONHASHSEED": "0", "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
    )

    class VenvKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self):  # the base class would look the name up among installed kernelspecs
            return spec

    return VenvKernelManager


def _normalise(nb, name: str) -> None:
    """Drop what changes from run to run: times, durations, paths and random cell ids."""
    meta = nb.metadata.get("papermill", {})
    nb.metadata["papermill"] = {k: meta[k] for k in ("default_parameters", "parameters") if k in meta}
    nb.metadata.pop("widgets", None)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name}-{i:03d}"
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)


class _DropAltText(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "Alternative text is missing" not in record.getMessage()


@contextlib.contextmanager
def _quiet_alt_text():
    """nbconvert warns that matplotlib's inline figures carry no alt text, on every run; the
    figures are described by the markdown around them, so the warning is dropped."""
    logger, flt = logging.getLogger("traitlets"), _DropAltText()
    logger.addFilter(flt)
    try:
        yield
    finally:
        logger.removeFilter(flt)


def execute_notebooks(processed_dir: str | os.PathLike, out_dir: str | os.PathLike,
                      notebooks_dir: str | os.PathLike = NOTEBOOKS_DIR, seed: int = 0,
                      names: Iterable[str] | None = None) -> list[Path]:
    """Execute the reviewer notebooks on an assessment's outputs.

    Parameters
    ----------
    processed_dir : path
        The outputs folder the notebooks read (``data/processed``).
    out_dir : path
        Where the executed ``<name>.ipynb`` and ``<name>.html`` go (``<processed>/notebooks``).
        It is also the notebooks' working directory; ``processed_dir`` is passed to them
        relative to it, so the executed notebooks carry no absolute path.
    notebooks_dir : path
        The jupytext percent-format sources (``notebooks/<name>.py``).
    seed : int
        Passed to every notebook (the papermill parameter ``seed``) for any random step.
    names : iterable of str, optional
        Execute only these notebooks (default: all of :data:`NOTEBOOKS`).

    Returns
    -------
    list of Path
        The files written, in order: per notebook ``<name>.ipynb``, ``<name>.html`` (the full
        rendering, for reviewers) and ``<name>_report.html`` (without the code, for
        evaluators). Notebooks whose precondition fails (the simulation
        notebook without ``assessment/truth_check.csv``) are skipped and any earlier copy of
        theirs is removed. Every file is written atomically, and only after every notebook
        has executed without error; a failing notebook raises :class:`NotebookError` and
        leaves the previous files in place.
    """
    # the Jupyter stack: see _kernel_manager_class
    import jinja2
    import jupytext
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    processed, out, sources = Path(processed_dir), Path(out_dir), Path(notebooks_dir)
    known = [n for n, _ in NOTEBOOKS]
    chosen = known if names is None else list(names)
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise ValueError(f"unknown notebook {unknown[0]!r}; the notebooks are {', '.join(known)}")
    out.mkdir(parents=True, exist_ok=True)
    relative = Path(os.path.relpath(processed.resolve(), out.resolve())).as_posix()
    # Build matplotlib's font cache here, not in the first kernel, whose notebook would
    # otherwise show the one-off "building the font cache" message.
    import matplotlib.font_manager  # noqa: F401

    manager = _kernel_manager_class()
    # JupyterLab's look, without the require.js and MathJax scripts it would load from a CDN
    # (the notebooks use neither): the HTML opens complete offline.
    exporter = HTMLExporter(template_name="lab", template_file="offline.html.j2",
                            extra_loaders=[jinja2.DictLoader({"offline.html.j2": _OFFLINE_TEMPLATE})])
    # the evaluators' copy: outputs and text only (nbconvert's --no-input)
    report_exporter = HTMLExporter(template_name="lab", template_file="report.html.j2", exclude_input=True,
                                   exclude_input_prompt=True, exclude_output_prompt=True,
                                   extra_loaders=[jinja2.DictLoader({"report.html.j2": _REPORT_TEMPLATE})])
    rendered: list[tuple[Path, bytes]] = []
    stale: list[Path] = []
    jobs = []
    for name, requires in NOTEBOOKS:
        if name not in chosen:
            continue
        if requires is not None and not (processed / requires).is_file():
            stale += [out / f"{name}.ipynb", out / f"{name}.html", out / f"{name}_report.html"]
            continue
        source = sources / f"{name}.py"
        if not source.is_file():
            raise FileNotFoundError(f"{fio.shown(source)}: notebook source not found")
        nb = jupytext.read(source, fmt="py:percent")
        nb.metadata["kernelspec"] = {"name": _KERNEL_NAME, "display_name": "Python 3 (ipykernel)",
                                     "language": "python"}
        nb.metadata.pop("jupytext", None)
        jobs.append((name, nb))

    def run(job):
        name, nb = job
        try:
            return name, pm.execute_notebook(nb, None, parameters={"processed_dir": relative, "seed": int(seed)},
                                             kernel_name=_KERNEL_NAME, cwd=str(out), progress_bar=False,
                                             log_output=False, start_timeout=_START_TIMEOUT,
                                             execution_timeout=_CELL_TIMEOUT, kernel_manager_class=manager,
                                             record_timing=False)
        except pm.PapermillExecutionError as exc:
            raise NotebookError(f"notebook {name}: cell In [{exc.exec_count}]: {exc.ename}: {exc.evalue}") from exc

    # The notebooks only read the outputs and each runs in its own kernel process: they execute
    # at the same time (one kernel per core), and are rendered afterwards in their fixed order,
    # so the files are the same bytes as one after the other.
    with ThreadPoolExecutor(max_workers=max(1, min(len(jobs), notebook_workers()))) as pool:
        done = list(pool.map(run, jobs))
    for name, nb in done:
        _normalise(nb, name)
        nbformat.validate(nb)
        rendered.append((out / f"{name}.ipynb", nbformat.writes(nb).encode("utf-8") + b"\n"))
        with _quiet_alt_text():
            html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
            report, _ = report_exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
        rendered.append((out / f"{name}.html", html.encode("utf-8")))
        rendered.append((out / f"{name}_report.html", report.encode("utf-8")))
    written = [fio.atomic_write_bytes(path, data) for path, data in rendered]
    for path in stale:
        path.unlink(missing_ok=True)
    return written
