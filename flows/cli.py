"""The ``literacy`` command line: argument parsing and dispatch to the rooms.

    literacy run      [--config F] [--raw DIR] [--out DIR] [--no-notebooks]   the assessment flow on a delivery
    literacy run-province [--config F] [--raw DIR] [--out DIR] [--dask-address A] [--workers N]  many cities on Dask
    literacy simulate [--config F] [--seed N] [--out DIR] [--force | --if-missing]  write the simulated default delivery
    literacy validate [--config F] [--raw DIR] [--write DIR]  check a delivery, print the quarantine summary
    literacy config   show [--config F] | schema [--out F]  the resolved config; the config's JSON Schema
    literacy plan     [--config F] [--out DIR] [--target-neff N | --half-width H]  the next plan's sample
    literacy estimate FILE --y Y --weights W [design options] one design-based table from any survey file

Each command's work is a function of ``literacy_flows.ingest``, ``literacy_flows.pipeline`` or
``literacy_flows.report`` (or of the ``literacy`` package); this module parses the arguments,
calls it and turns a user error into one line. Mistakes in the input (a missing file, a bad
config, data that breaks its schema) are reported as one line on stderr with exit status 2,
never a traceback.

Each command imports the modules it dispatches to when it runs, not at the top of this module:
the ``literacy`` package takes a second or more to import (scipy), and ``--help`` starts at
once; Prefect is imported only by ``run`` and ``run-province``, so ``simulate`` and ``validate``
never wait for it (tests/test_cli.py checks both). These are the only function-local imports
of project modules in ``literacy_flows``, and they are not there to break an import circle.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from literacy_flows import PROJECT_ROOT, progress
from literacy_flows.pipeline.prefect_env import PREFECT_DEFAULTS, apply_prefect_defaults

__all__ = ["main", "DEFAULT_CONFIG", "PREFECT_DEFAULTS"]

#: flows/ sits at the repository root, beside config/.
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "wuhai.yaml"
#: The embedded province example.
DEFAULT_PROVINCE = PROJECT_ROOT / "config" / "inner-mongolia.yaml"

EXIT_USER_ERROR = 2
#: ``--format`` of estimate and plan (literacy_flows.report.console.FORMATS, which imports pandas: not at --help).
FORMATS = ("table", "csv", "json")


def _error(message: str) -> int:
    first = str(message).strip().splitlines()[0] if str(message).strip() else "unknown error"
    print(f"literacy: error: {first}", file=sys.stderr)
    return EXIT_USER_ERROR


def _config_option() -> argparse.ArgumentParser:
    """The parent parser of ``--config``: the assessment config, shared by run, simulate, validate,
    config show and plan."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="F",
                        help=f"assessment config (YAML); default: {_shown(DEFAULT_CONFIG)}")
    return parent


def _raw_option() -> argparse.ArgumentParser:
    """The parent parser of ``--raw``: the delivery folder, shared by run and validate."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--raw", type=Path, default=None, metavar="DIR",
                        help="delivery folder; default: the config's paths.raw")
    return parent


def _parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="literacy",
        description="Civic science-literacy survey assessment: simulate a delivery, or run the assessment on one.",
        epilog="Run 'literacy <command> --help' for a command's options.",
        formatter_class=fmt,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    config, raw = _config_option(), _raw_option()

    run = sub.add_parser(
        "run", formatter_class=fmt, parents=[config, raw],
        help="run the assessment flow (ingest, validate, score, weight, estimate, compare, report)",
        description="Run the assessment flow on a delivery and write the output tables.\n\n"
                    "Reads <raw>/instrument.csv (or a form per round, <raw>/<round>/instrument.csv) and\n"
                    "<raw>/<round>/{responses,sample,margins}.csv for every round of the config; writes <out>/<round>/estimates.csv|.parquet, weights_diagnostics.csv,\n"
                    "<out>/assessment/{change,verdicts,headline}.csv, assessment.xlsx and <out>/manifest.json,\n"
                    "then executes the reviewer notebooks into <out>/notebooks/ (.ipynb and .html).\n"
                    "Prefect runs with its ephemeral API (no server to start).",
    )
    run.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help="output folder; default: the config's paths.processed")
    run.add_argument("--keep-work", action="store_true",
                     help="keep the intermediate Parquet files in <out>/_work/")
    run.add_argument("--no-notebooks", action="store_true",
                     help="skip executing the reviewer notebooks into <out>/notebooks/ (faster)")
    run.add_argument("-q", "--quiet", action="store_true",
                     help="no progress lines on stderr (they are printed only when stderr is a terminal)")

    prov = sub.add_parser(
        "run-province", formatter_class=fmt,
        help="run every member city's assessment on Dask, then the provincial roll-up",
        description="Run a province: every member's assessment (the 'run' flow, one Dask task per city) and\n"
                    "the roll-up pooled from the cities' samples (cities as strata).\n\n"
                    "Reads <raw>/<city>/ for every member; writes <out>/<city>/ (exactly what 'literacy run' writes\n"
                    "for that city) and <out>/province/. A city that fails does not stop the others: the roll-up\n"
                    "uses the cities that finished, and the command exits with status 2 and one line per failed city.",
    )
    prov.add_argument("--config", type=Path, default=DEFAULT_PROVINCE, metavar="F",
                      help=f"province config (YAML); default: {_shown(DEFAULT_PROVINCE)}")
    prov.add_argument("--raw", type=Path, default=None, metavar="DIR",
                      help="folder with one delivery folder per city (named by its id); default: the config's paths.raw")
    prov.add_argument("--out", type=Path, default=None, metavar="DIR",
                      help="output folder (one folder per city and province/); default: the config's paths.processed")
    prov.add_argument("--dask-address", default=None, metavar="tcp://host:port",
                      help="an existing Dask scheduler; default: a local cluster on this machine")
    prov.add_argument("--workers", type=int, default=None, metavar="N",
                      help="worker processes of the local cluster (default: one per core)")
    prov.add_argument("--notebooks", action="store_true",
                      help="also execute each city's reviewer notebooks (slower)")
    prov.add_argument("--sequential", action="store_true",
                      help="no Dask: the cities one after another in this process")

    sim = sub.add_parser(
        "simulate", formatter_class=fmt, parents=[config],
        help="write the simulated survey programme (the embedded default data)",
        description="Simulate the config's survey programme and write it as a delivery:\n"
                    "<out>/instrument.csv (or <out>/<round>/instrument.csv when the rounds have different\n"
                    "forms), <out>/<round>/{responses,sample,margins,truth}.csv and <out>/simulation_items.csv.\n"
                    "Deterministic: the same config and seed give the same files.",
    )
    sim.add_argument("--seed", type=int, default=None, metavar="N",
                     help="random seed; default: the config's assessment.seed")
    sim.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help="delivery folder to write; default: the config's paths.raw")
    sim.add_argument("--province", type=Path, default=None, metavar="F",
                     help="a province config: write one delivery per member city, <out>/<city>/ (default --out: "
                          "the province config's paths.raw)")
    once = sim.add_mutually_exclusive_group()
    once.add_argument("--force", action="store_true",
                      help="write even if the folder already holds round data (overwrites those files)")
    once.add_argument("--if-missing", action="store_true",
                      help="simulate only when the folder holds no round yet (a <round>/responses file in any "
                           "format the ingest reads), else do nothing and exit 0: what 'make run' does")
    val = sub.add_parser(
        "validate", formatter_class=fmt, parents=[config, raw],
        help="check a delivery without running the assessment; print the quarantine summary",
        description="Read a delivery as 'literacy run' does (every format, identifiers dropped, rows screened)\n"
                    "and print, per file, the format, encoding and rows read / kept / quarantined, then the\n"
                    "quarantined rows by rule. No Prefect, nothing written unless --write is given.\n\n"
                    "Exit status: 0 when every file is within ingest.max_quarantine_share; 2 when a file is\n"
                    "over it or has a file-level problem (one line on stderr naming the file).",
    )
    val.add_argument("--write", type=Path, default=None, metavar="DIR",
                     help="also write each round's quarantine listing to DIR/<round>/quarantine.csv")
    conf = sub.add_parser(
        "config", formatter_class=fmt,
        help="show a config with every default filled, or write the config's JSON Schema",
        description="literacy config show [--config F]   print the resolved config (YAML): every section and key,\n"
                    "                                    each default filled, as the assessment reads it\n"
                    "literacy config schema [--out F]    write the JSON Schema of an assessment config (for editors:\n"
                    "                                    '# yaml-language-server: $schema=schema.json' at the top of a\n"
                    "                                    config lets VS Code and others check it as it is typed)\n\n"
                    "A config mistake is one line naming the file and the key (exit status 2).",
    )
    conf_sub = conf.add_subparsers(dest="config_command", metavar="<show | schema>")
    conf_sub.add_parser("show", parents=[config], help="print the resolved config (every default filled)")
    schema = conf_sub.add_parser("schema", help="write the JSON Schema of an assessment config")
    schema.add_argument("--out", type=Path, default=None, metavar="F",
                        help="write it to F (default: standard output)")
    schema.add_argument("--province", action="store_true", help="the province config's schema instead")
    plan = sub.add_parser(
        "plan", formatter_class=fmt, parents=[config],
        help="the next plan's survey: respondents, sampled adults and PSUs per reporting domain",
        description="Recompute the next round's sample from an assessment's outputs\n"
                    "(<out>/assessment/sample_plan.csv holds the end-of-period round's inputs: each reporting\n"
                    "domain's share, design effect, respondents, PSUs and response rate) for another target:\n"
                    "an effective sample size (default the config's planning.target_neff, 400) or a CI\n"
                    "half-width, and the smallest change two such rounds detect (power, alpha).\n"
                    "Prints a table (--format csv|json for machines) or writes it with -o. No Prefect.",
    )
    plan.add_argument("--out", type=Path, default=None, metavar="DIR",
                      help="the assessment's output folder; default: the config's paths.processed")
    target = plan.add_mutually_exclusive_group()
    target.add_argument("--target-neff", type=float, default=None, metavar="N",
                        help="effective sample size to reach in every domain")
    target.add_argument("--half-width", type=float, default=None, metavar="H",
                        help="CI half-width to reach instead, on the share scale (0.02 = 2 points)")
    plan.add_argument("--planned-per-psu", type=float, default=None, metavar="M",
                      help="respondents per PSU in the next round (default: as in the last round)")
    plan.add_argument("--alpha", type=float, default=None, help="test level of the detectable change")
    plan.add_argument("--power", type=float, default=None, help="power of the detectable change")
    plan.add_argument("--format", default=None, choices=FORMATS,
                      help="table (default on screen: labels, shares in %%), csv (every column, full precision) or "
                           "json (records); with -o, default by the file's suffix (.json json, .txt table, else csv)")
    plan.add_argument("-o", "--output", type=Path, default=None, metavar="FILE",
                      help="write the table to FILE (atomically) instead of printing it")
    est = sub.add_parser(
        "estimate", formatter_class=fmt,
        help="one design-based estimate table from any survey file (CSV, Excel, SPSS, Stata or Parquet)",
        description="Design-based estimates from any survey file, as R's survey package computes them:\n"
                    "Taylor linearisation with strata, PSUs (one per stage) and fpc, or replicate weights.\n"
                    "A 0/1 variable gives a proportion with the chosen CI; others a mean.\n\n"
                    "FILE is read as the delivery readers read it: .csv (UTF-8, with or without BOM, GB18030/GBK,\n"
                    "UTF-16), .xlsx (the sheet named like the file, else the first), .sav/.zsav (SPSS), .dta\n"
                    "(Stata) or .parquet. SPSS/Stata value labels are applied to the --by columns (and the\n"
                    "columns not used), never to Y, weights, strata, PSUs, fpc or replicate weights; SPSS\n"
                    "user-missing and Stata .a-.z codes are missing, as are blank, NA and NaN cells.\n\n"
                    "Prints the design (strata, PSUs, observations, population size, design df) and a table;\n"
                    "--format csv keeps every digit (17 significant) for machines, --format json gives records.\n\n"
                    "example: literacy estimate apiclus1.csv --y awards_yes --by stype --weights pw \\\n"
                    "           --psu dnum --fpc fpc --ci beta -o awards.csv",
    )
    est.add_argument("file", type=Path, metavar="FILE",
                     help="survey data (.csv, .xlsx, .sav, .zsav, .dta or .parquet)")
    est.add_argument("--y", required=True, metavar="Y[,Y2]", help="variable(s) to estimate")
    est.add_argument("--by", default="", metavar="A[,B]", help="domain variable(s); crossing when several")
    est.add_argument("--weights", required=True, metavar="W", help="sampling weight column")
    est.add_argument("--stat", default="auto", choices=["auto", "mean", "proportion", "total", "ratio"],
                     help="statistic (auto: proportion for 0/1 variables, else mean)")
    est.add_argument("--denominator", default=None, metavar="D", help="denominator column for --stat ratio")
    est.add_argument("--strata", default=None, metavar="S", help="stratum column (first stage)")
    est.add_argument("--psu", default="", metavar="P[,P2]", help="cluster column per stage (default: each row)")
    est.add_argument("--fpc", default="", metavar="F[,F2]",
                     help="finite population correction per stage: population size or sampling fraction")
    est.add_argument("--nest", action="store_true", help="PSU ids repeat across strata")
    est.add_argument("--lonely-psu", default="fail", choices=["fail", "remove", "adjust", "average", "certainty"],
                     help="strata with one PSU (R's survey.lonely.psu)")
    est.add_argument("--replicate-weights", default=None, metavar="PATTERN",
                     help="regular expression matching the replicate weight columns")
    est.add_argument("--replicate-method", default=None, choices=["jk1", "jkn", "brr", "fay", "bootstrap", "other"],
                     help="how the replicate weights were made")
    est.add_argument("--rho", type=float, default=None, metavar="R", help="Fay's rho")
    est.add_argument("--scale", type=float, default=None, metavar="S", help="replicate variance scale")
    est.add_argument("--mse", action="store_true", help="centre replicates at the full-sample estimate")
    est.add_argument("--ci", default="logit", choices=["logit", "beta", "wilson", "wald"],
                     help="confidence interval for proportions (default logit)")
    est.add_argument("--level", type=float, default=0.95, metavar="L", help="confidence level (default 0.95)")
    est.add_argument("--na-rm", action="store_true", help="leave out rows with a missing value of Y")
    est.add_argument("--format", default=None, choices=FORMATS,
                     help="table (default on screen: the design header, rounded figures), csv (full precision) or "
                          "json (records); with -o, default by the file's suffix (.json json, .txt table, else csv)")
    est.add_argument("-o", "--output", type=Path, default=None, metavar="FILE",
                     help="write the table to FILE (atomically) and say what was written; default: print it")
    return parser


def _version() -> str:
    try:
        return version("literacy")
    except PackageNotFoundError:
        return "unknown"


def _shown(path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _cmd_run(args: argparse.Namespace) -> int:
    from literacy.errors import LiteracyError
    from literacy_flows.ingest.checks import check_run_inputs
    from literacy_flows.pipeline.quiet_errors import quiet_user_errors
    from literacy_flows.report.midterm_text import midterm_statement
    from literacy_flows.report.workbook import headline_lines

    started = time.monotonic()
    progress.enable(quiet=args.quiet)
    progress.step(f"checking {_shown(args.config)} and its delivery")
    try:
        # Checked before Prefect starts: a bad config or a missing file fails in a second.
        loaded = check_run_inputs(args.config, args.raw, args.out)
    except (LiteracyError, OSError) as exc:
        return _error(str(exc))
    if loaded.rounds_note():
        print(f"Note: {loaded.rounds_note()}")
    apply_prefect_defaults()
    progress.step("starting Prefect (its ephemeral API: up to a minute on a first run)")
    from literacy_flows.pipeline.assessment import assessment_flow   # imports Prefect: only now

    quiet_user_errors()
    try:
        result = assessment_flow(loaded.path, raw_dir=loaded.raw_dir, out_dir=loaded.processed_dir,
                                 keep_work=args.keep_work, with_notebooks=not args.no_notebooks)
    except (LiteracyError, OSError) as exc:
        return _error(str(exc))
    lines = ["", f"{loaded.config['assessment']['name_en']}", *headline_lines(result["headline"], loaded.config)]
    midterm = midterm_statement(result["headline"], loaded.config, "en")   # '' for an endline assessment
    if midterm:
        lines.append(midterm)
    lines.append(f"Tables in {_shown(Path(result['out_dir']))}/ (manifest.json lists every file); "
                 f"{time.monotonic() - started:.0f} s")
    print("\n".join(lines))
    return 0


def _province_lines(result: dict, cfg: dict, elapsed: float) -> list[str]:
    from literacy_flows.report.workbook import fmt_pct, fmt_pp

    s = result["summary"]
    lines = ["", f"{cfg['province']['name_en']} ({cfg['province']['name_zh']})"]
    if "endline" in s:
        lines.append(f"Province {s['endline_round']}: {fmt_pct(s['endline'])} (95% CI {fmt_pct(s['endline_ci_low'])}"
                     f"–{fmt_pct(s['endline_ci_high'])}), n = {s['endline_n']:,}; target {fmt_pct(s['target'])}: "
                     f"{s['verdict']}")
        if "change" in s:
            lines.append(f"Change since {s['baseline_round']}: {fmt_pp(s['change'])} percentage points "
                         f"(95% CI {fmt_pp(s['change_ci_low'])} to {fmt_pp(s['change_ci_high'])})")
    done = [c for c in result["cities"] if c["status"] != "failed"]
    lines.append(f"{len(done)} of {len(result['cities'])} cities in the roll-up; outputs in "
                 f"{_shown(Path(result['out_dir']))}/ ({elapsed:.0f} s)")
    return lines


def _cmd_run_province(args: argparse.Namespace) -> int:
    from literacy.errors import LiteracyError
    from literacy_flows.pipeline.members import load_province, province_folders, simulate_province
    from literacy_flows.pipeline.quiet_errors import quiet_user_errors
    from literacy_flows.pipeline.simulate import has_round_data

    started = time.monotonic()
    apply_prefect_defaults()  # before anything imports Prefect (it reads them once)
    try:
        path, cfg, _ = load_province(args.config)
        raw, _ = province_folders(path, cfg, args.raw, args.out)
        if args.workers is not None and args.workers < 1:
            return _error("--workers must be at least 1")
        # as make run: a province folder holding no member's round yet gets the simulated example
        if not any(has_round_data(raw / c["id"]) for c in cfg["members"]):
            print(f"No member delivery in {_shown(raw)}/: simulating the province's deliveries first "
                  f"(literacy simulate --province)")
            simulate_province(path, raw)
    except (LiteracyError, OSError) as exc:
        return _error(str(exc))
    from literacy_flows.pipeline import province   # imports Prefect and Dask: only now

    quiet_user_errors()
    try:
        result = province.run_province(path, raw_dir=args.raw, out_dir=args.out, address=args.dask_address,
                                       workers=args.workers, with_notebooks=args.notebooks,
                                       sequential=args.sequential)
    except (LiteracyError, OSError) as exc:
        return _error(str(exc))
    print("\n".join(_province_lines(result, cfg, time.monotonic() - started)))
    failed = [c for c in result["cities"] if c["status"] == "failed"]
    for c in failed:
        print(f"literacy: error: city {c['id']}: {c['error']}", file=sys.stderr)
    return EXIT_USER_ERROR if failed else 0


def _cmd_simulate_province(args: argparse.Namespace) -> int:
    from literacy.errors import LiteracyError
    from literacy_flows.pipeline.members import load_province, province_folders, simulate_province
    from literacy_flows.pipeline.simulate import has_round_data

    started = time.monotonic()
    try:
        path, cfg, _ = load_province(args.province)
        raw, _ = province_folders(path, cfg, args.out, Path.cwd())
        held = [c["id"] for c in cfg["members"] if has_round_data(raw / c["id"])]
        if held and not args.force:
            if args.if_missing and len(held) == len(cfg["members"]):
                return 0
            if not args.if_missing:
                return _error(f"{_shown(raw / held[0])}: already holds round data; pass --force to overwrite it "
                              "or --out DIR for another folder")
        only = None if args.force else [c["id"] for c in cfg["members"] if c["id"] not in held]
        raw, written = simulate_province(path, raw, only=only)
    except (LiteracyError, OSError) as exc:
        return _error(str(exc))
    print(f"Simulated deliveries of {len(written)} cities written to {_shown(raw)}/ "
          f"({sum(map(len, written.values()))} files, {time.monotonic() - started:.0f} s)")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from literacy.errors import LiteracyError
    from literacy_flows.ingest import io as fio
    from literacy_flows.pipeline.simulate import has_round_data, simulate_to_folder

    if args.province is not None:
        return _cmd_simulate_province(args)
    started = time.monotonic()
    try:
        loaded = fio.load_config(args.config, raw_dir=args.out)
        if has_round_data(loaded.raw_dir) and not args.force:
            if args.if_missing:
                return 0
            return _error(f"{fio.shown(loaded.raw_dir)}: already holds round data; pass --force to overwrite it "
                          "or --out DIR for another folder")
        if args.if_missing:
            print(f"no round data in {_shown(loaded.raw_dir)}/: simulating the default programme", flush=True)
        raw, written, notes = simulate_to_folder(loaded.path, seed=args.seed, out_dir=loaded.raw_dir,
                                                 with_notes=True)
    except (LiteracyError, OSError) as exc:
        return _error(str(exc))
    print(f"Simulated delivery written to {_shown(raw)}/ ({len(written)} files, "
          f"{time.monotonic() - started:.0f} s):")
    for p in written:
        print(f"  {_shown(p)}")
    for note in notes:
        print(f"Note: {note}")
    return 0


def _cmd_config(args: argparse.Namespace) -> int:
    from literacy.errors import LiteracyError
    from literacy_flows.ingest import io as fio
    from literacy_flows.ingest.config_text import config_schema_text, resolved_config_text

    if args.config_command == "schema":
        text = config_schema_text(province=args.province)
        if args.out is None:
            sys.stdout.write(text)
            return 0
        try:
            fio.write_text(text, args.out)
        except OSError as exc:
            return _error(str(exc))
        print(f"wrote {_shown(args.out)}")
        return 0
    if args.config_command != "show":
        return _error("config: say 'literacy config show' or 'literacy config schema'")
    try:
        path, text = resolved_config_text(args.config)
    except (LiteracyError, OSError) as exc:
        return _error(str(exc))
    print(f"# {_shown(path)}, resolved: every default filled (literacy {_version()})")
    sys.stdout.write(text)
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from literacy.errors import LiteracyError
    from literacy_flows.ingest.checks import validate_delivery, write_quarantine
    from literacy_flows.ingest.delivery import check_quarantine_share, summary_lines

    try:
        loaded, delivery = validate_delivery(args.config, args.raw)
    except (LiteracyError, OSError) as exc:
        return _error(str(exc))
    print(f"Delivery {_shown(loaded.raw_dir)}/ checked against {_shown(loaded.path)}:")
    if loaded.rounds_note():
        print(f"Note: {loaded.rounds_note()}")
    print("\n".join(summary_lines(delivery)))
    if args.write is not None:
        try:
            for path, rows in write_quarantine(delivery, args.write):
                print(f"wrote {_shown(path)} ({rows} rows)")
        except OSError as exc:
            return _error(str(exc))
    try:
        check_quarantine_share(delivery, listed="the summary above counts them by rule" + (
            "" if args.write is not None else "; --write DIR writes each round's rows to DIR/<round>/quarantine.csv"))
    except LiteracyError as exc:
        return _error(str(exc))
    print(f"OK: every file within ingest.max_quarantine_share ({100 * delivery.max_share:g}%).")
    try:   # a delivery of one round validates; the assessment itself needs a baseline and a later round
        loaded.check_roles()
    except LiteracyError as exc:
        print(f"Note: 'literacy run' will stop here: {exc}")
    return 0


def _split(text: str) -> list[str]:
    return [t.strip() for t in str(text).split(",") if t.strip()]


def _emit(text: str, output: Path | None, rows: int, fmt: str, what: str) -> None:
    """Print ``text``, or write it to ``output`` atomically and say what was written (path, rows, format)."""
    from literacy_flows.ingest import io as fio

    if output is None:
        sys.stdout.write(text)
        return
    fio.atomic_write_bytes(output, text.encode("utf-8"))
    print(f"wrote {fio.shown(output)} ({rows} {what}{'' if rows == 1 else 's'}, {fmt})")


def _plan_header(table, loaded, args) -> list[str]:
    """What the plan was computed for: the target, the test, the outputs it read."""
    row = table.iloc[0] if len(table) else {}
    target = (f"a 95% CI half-width of {100 * args.half_width:g} points" if args.half_width is not None
              else f"an effective sample size of {float(row['n_eff_required']):,.0f}" if len(table) else "")
    lines = [f"Next round's sample per reporting domain, for {target}" if target else "Next round's sample",
             f"(from {_shown(loaded.processed_dir)}/assessment/sample_plan.csv, round "
             f"{', '.join(sorted(set(table['round'].astype(str))))}; detectable change at alpha "
             f"{float(row['alpha']):g}, power {float(row['power']):g})" if len(table) else ""]
    return [line for line in lines if line]


def _cmd_plan(args: argparse.Namespace) -> int:
    from literacy.errors import LiteracyError
    from literacy.assessment import sample_plan
    from literacy_flows.ingest import io as fio
    from literacy_flows.ingest.plan_inputs import plan_inputs_path, read_plan_inputs
    from literacy_flows.report.console import infer_format, plan_text, render

    try:
        loaded = fio.load_config(args.config, None, args.out)
        inputs = read_plan_inputs(plan_inputs_path(loaded.processed_dir))
        table = sample_plan(inputs, loaded.config, target_neff=args.target_neff, half_width=args.half_width,
                            planned_per_psu=args.planned_per_psu, alpha=args.alpha, power=args.power)
        fmt = infer_format(args.format, args.output)
        text = render(table, fmt, lambda: plan_text(table, _plan_header(table, loaded, args)))
        _emit(text, args.output, len(table), fmt, "domain")
    except (LiteracyError, OSError, ValueError) as exc:
        return _error(str(exc))
    return 0


def _cmd_estimate(args: argparse.Namespace) -> int:
    from literacy.errors import LiteracyError
    from literacy.assessment import EstimateSpec, design_summary, estimate_design, estimate_table
    from literacy_flows.ingest import io as fio
    from literacy_flows.ingest.estimate_file import read_estimate_file
    from literacy_flows.report.console import estimate_text, infer_format, render

    numeric = {*_split(args.y), args.weights, *_split(args.fpc)} | ({args.denominator} if args.denominator else set())
    codes = numeric | {*_split(args.psu)} | ({args.strata} if args.strata else set())
    try:
        data = read_estimate_file(args.file, numeric, codes, args.replicate_weights)
        spec = EstimateSpec(
            y=_split(args.y), weights=args.weights, by=_split(args.by), statistic=args.stat,
            denominator=args.denominator, strata=args.strata, psu=_split(args.psu), fpc=_split(args.fpc),
            nest=args.nest, lonely_psu=args.lonely_psu, replicate_weights=args.replicate_weights,
            replicate_method=args.replicate_method, rho=args.rho, scale=args.scale, mse=args.mse, ci=args.ci,
            level=args.level, na_rm=args.na_rm)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            design = estimate_design(data, spec)
            table = estimate_table(data, spec, design)
        for w in caught:
            print(f"literacy: warning: {w.message}", file=sys.stderr)
        fmt = infer_format(args.format, args.output)
        text = render(table, fmt, lambda: estimate_text(table, design_summary(design), args.level, args.ci))
        _emit(text, args.output, len(table), fmt, "row")
    except (LiteracyError, OSError) as exc:
        return _error(f"{fio.shown(args.file)}: {exc}" if not str(exc).startswith(fio.shown(args.file)) else str(exc))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``literacy`` console script.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: the process's).

    Returns
    -------
    int
        The exit status: 0, or 2 for a user error (one line on stderr).
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USER_ERROR
    handlers = {"run": _cmd_run, "run-province": _cmd_run_province, "simulate": _cmd_simulate,
                "validate": _cmd_validate, "config": _cmd_config, "plan": _cmd_plan, "estimate": _cmd_estimate}
    return handlers[args.command](args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
