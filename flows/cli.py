"""The ``literacy`` command line.

    literacy run      [--config F] [--raw DIR] [--out DIR] [--no-notebooks]   the assessment flow on a delivery
    literacy run-province [--config F] [--raw DIR] [--out DIR] [--dask-address A] [--workers N]  many cities on Dask
    literacy simulate [--config F] [--seed N] [--out DIR] [--force | --if-missing]  write the simulated default delivery
    literacy validate [--config F] [--raw DIR] [--write DIR]  check a delivery, print the quarantine summary
    literacy config   show [--config F] | schema [--out F]  the resolved config; the config's JSON Schema
    literacy plan     [--config F] [--out DIR] [--target-neff N | --half-width H]  the next plan's sample
    literacy estimate FILE --y Y --weights W [design options] one design-based table from any survey file

Mistakes in the input (a missing file, a bad config, data that breaks its schema) are
reported as one line on stderr with exit status 2, never a traceback. Prefect is imported
only by ``run``, so ``--help`` and ``simulate`` start fast.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

__all__ = ["main", "DEFAULT_CONFIG", "PREFECT_DEFAULTS"]

#: flows/ sits at the repository root, beside config/.
DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml"
#: The embedded province example.
DEFAULT_PROVINCE = Path(__file__).resolve().parents[1] / "config" / "inner-mongolia.yaml"

#: Prefect settings for a local run without a server: the ephemeral API (no PREFECT_API_URL),
#: a generous startup time for slow machines, nothing sent anywhere. Set only when unset.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "600",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
    "PREFECT_TELEMETRY_ENABLE_RESOURCE_METRICS": "false",
}

EXIT_USER_ERROR = 2


def _error(message: str) -> int:
    first = str(message).strip().splitlines()[0] if str(message).strip() else "unknown error"
    print(f"literacy: error: {first}", file=sys.stderr)
    return EXIT_USER_ERROR


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

    run = sub.add_parser(
        "run", formatter_class=fmt,
        help="run the assessment flow (ingest, validate, score, weight, estimate, compare, report)",
        description="Run the assessment flow on a delivery and write the output tables.\n\n"
                    "Reads <raw>/instrument.csv (or a form per round, <raw>/<round>/instrument.csv) and\n"
                    "<raw>/<round>/{responses,sample,margins}.csv for every round of the config; writes <out>/<round>/estimates.csv|.parquet, weights_diagnostics.csv,\n"
                    "<out>/assessment/{change,verdicts,headline}.csv, assessment.xlsx and <out>/manifest.json,\n"
                    "then executes the reviewer notebooks into <out>/notebooks/ (.ipynb and .html).\n"
                    "Prefect runs with its ephemeral API (no server to start).",
    )
    run.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="F",
                     help=f"assessment config (YAML); default: {_shown(DEFAULT_CONFIG)}")
    run.add_argument("--raw", type=Path, default=None, metavar="DIR",
                     help="delivery folder; default: the config's paths.raw")
    run.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help="output folder; default: the config's paths.processed")
    run.add_argument("--keep-work", action="store_true",
                     help="keep the intermediate Parquet files in <out>/_work/")
    run.add_argument("--no-notebooks", action="store_true",
                     help="skip executing the reviewer notebooks into <out>/notebooks/ (faster)")

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
        "simulate", formatter_class=fmt,
        help="write the simulated survey programme (the embedded default data)",
        description="Simulate the config's survey programme and write it as a delivery:\n"
                    "<out>/instrument.csv (or <out>/<round>/instrument.csv when the rounds have different\n"
                    "forms), <out>/<round>/{responses,sample,margins,truth}.csv and <out>/simulation_items.csv.\n"
                    "Deterministic: the same config and seed give the same files.",
    )
    sim.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="F",
                     help=f"assessment config (YAML); default: {_shown(DEFAULT_CONFIG)}")
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
        "validate", formatter_class=fmt,
        help="check a delivery without running the assessment; print the quarantine summary",
        description="Read a delivery as 'literacy run' does (every format, identifiers dropped, rows screened)\n"
                    "and print, per file, the format, encoding and rows read / kept / quarantined, then the\n"
                    "quarantined rows by rule. No Prefect, nothing written unless --write is given.\n\n"
                    "Exit status: 0 when every file is within ingest.max_quarantine_share; 2 when a file is\n"
                    "over it or has a file-level problem (one line on stderr naming the file).",
    )
    val.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="F",
                     help=f"assessment config (YAML); default: {_shown(DEFAULT_CONFIG)}")
    val.add_argument("--raw", type=Path, default=None, metavar="DIR",
                     help="delivery folder; default: the config's paths.raw")
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
    show = conf_sub.add_parser("show", help="print the resolved config (every default filled)")
    show.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="F",
                      help=f"assessment config (YAML); default: {_shown(DEFAULT_CONFIG)}")
    schema = conf_sub.add_parser("schema", help="write the JSON Schema of an assessment config")
    schema.add_argument("--out", type=Path, default=None, metavar="F",
                        help="write it to F (default: standard output)")
    schema.add_argument("--province", action="store_true", help="the province config's schema instead")
    plan = sub.add_parser(
        "plan", formatter_class=fmt,
        help="the next plan's survey: respondents, sampled adults and PSUs per reporting domain",
        description="Recompute the next round's sample from an assessment's outputs\n"
                    "(<out>/assessment/sample_plan.csv holds the end-of-period round's inputs: each reporting\n"
                    "domain's share, design effect, respondents, PSUs and response rate) for another target:\n"
                    "an effective sample size (default the config's planning.target_neff, 400) or a CI\n"
                    "half-width, and the smallest change two such rounds detect (power, alpha).\n"
                    "Prints the table (CSV) or writes it with -o. No Prefect.",
    )
    plan.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="F",
                      help=f"assessment config (YAML); default: {_shown(DEFAULT_CONFIG)}")
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
    plan.add_argument("-o", "--output", type=Path, default=None, metavar="FILE", help="write the table here (CSV)")
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
    est.add_argument("-o", "--output", type=Path, default=None, metavar="OUT.csv",
                     help="write the table here (CSV); default: print it")
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("literacy")
    except PackageNotFoundError:
        return "unknown"


def _shown(path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


class _NoUserErrorTraceback(logging.Filter):
    """Drop the traceback Prefect logs for a failed task or flow when the cause is a user error."""

    def filter(self, record: logging.LogRecord) -> bool:
        from literacy.errors import LiteracyError

        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, (LiteracyError, OSError)):
            record.exc_info = None
            record.exc_text = None
        return True


def _quiet_user_errors() -> None:
    flt = _NoUserErrorTraceback()
    for name in ("prefect.task_runs", "prefect.flow_runs", "prefect.engine", "prefect"):
        logging.getLogger(name).addFilter(flt)


def _print_headline(result: dict, config: dict, elapsed: float) -> None:
    from literacy_flows.report import headline_lines

    lines = ["", f"{config['assessment']['name_en']}", *headline_lines(result["headline"], config)]
    lines.append(f"Tables in {_shown(Path(result['out_dir']))}/ (manifest.json lists every file); "
                 f"{elapsed:.0f} s")
    print("\n".join(lines))


def _cmd_run(args: argparse.Namespace) -> int:
    from literacy.errors import LiteracyError
    from literacy_flows import io as fio

    started = time.monotonic()
    try:
        # Checked before Prefect starts: a bad config or a missing file fails in a second.
        loaded = fio.load_config(args.config, args.raw, args.out)
        loaded.check_roles()                    # the baseline and endline rounds, before Prefect starts
        loaded.check_raw_dir()
        files = fio.delivery_files(loaded.raw_dir, loaded.config)
        missing = [p for p in fio.expected_files(files) if not p.is_file()]
        if missing:
            more = f" ({len(missing) - 1} more missing)" if len(missing) > 1 else ""
            return _error(f"{fio.shown(missing[0])}: file not found{more} (run 'literacy simulate' for the "
                          f"simulated default, or pass --raw DIR)")
    except (LiteracyError, OSError) as exc:
        return _error(str(exc))

    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    from literacy_flows.assessment import assessment_flow  # imports Prefect

    _quiet_user_errors()
    try:
        result = assessment_flow(loaded.path, raw_dir=loaded.raw_dir, out_dir=loaded.processed_dir,
                                 keep_work=args.keep_work, with_notebooks=not args.no_notebooks)
    except (LiteracyError, OSError) as exc:
        return _error(str(exc))
    _print_headline(result, loaded.config, time.monotonic() - started)
    return 0


def _cmd_run_province(args: argparse.Namespace) -> int:
    from literacy.errors import LiteracyError

    started = time.monotonic()
    for key, value in PREFECT_DEFAULTS.items():  # before anything imports Prefect (it reads them once)
        os.environ.setdefault(key, value)
    try:
        from literacy_flows.province import load_province, province_folders

        path, cfg, _ = load_province(args.config)
        raw, _ = province_folders(path, cfg, args.raw, args.out)
        if args.workers is not None and args.workers < 1:
            return _error("--workers must be at least 1")
        # as make run: a province folder holding no member's round yet gets the simulated example
        from literacy_flows.simulate import has_round_data

        if not any(has_round_data(raw / c["id"]) for c in cfg["members"]):
            from literacy_flows.province import simulate_province

            print(f"No member delivery in {_shown(raw)}/: simulating the province's deliveries first "
                  f"(literacy simulate --province)")
            simulate_province(path, raw)
    except (LiteracyError, OSError) as exc:
        return _error(str(exc))
    from literacy_flows.province import run_province

    _quiet_user_errors()
    try:
        result = run_province(path, raw_dir=args.raw, out_dir=args.out, address=args.dask_address,
                              workers=args.workers, with_notebooks=args.notebooks, sequential=args.sequential)
    except (LiteracyError, OSError) as exc:
        return _error(str(exc))
    s = result["summary"]
    lines = ["", f"{cfg['province']['name_en']} ({cfg['province']['name_zh']})"]
    if "endline" in s:
        from literacy_flows.report import fmt_pct, fmt_pp

        lines.append(f"Province {s['endline_round']}: {fmt_pct(s['endline'])} (95% CI {fmt_pct(s['endline_ci_low'])}"
                     f"–{fmt_pct(s['endline_ci_high'])}), n = {s['endline_n']:,}; target {fmt_pct(s['target'])}: "
                     f"{s['verdict']}")
        if "change" in s:
            lines.append(f"Change since {s['baseline_round']}: {fmt_pp(s['change'])} percentage points "
                         f"(95% CI {fmt_pp(s['change_ci_low'])} to {fmt_pp(s['change_ci_high'])})")
    done = [c for c in result["cities"] if c["status"] != "failed"]
    lines.append(f"{len(done)} of {len(result['cities'])} cities in the roll-up; outputs in "
                 f"{_shown(Path(result['out_dir']))}/ ({time.monotonic() - started:.0f} s)")
    print("\n".join(lines))
    failed = [c for c in result["cities"] if c["status"] == "failed"]
    for c in failed:
        print(f"literacy: error: city {c['id']}: {c['error']}", file=sys.stderr)
    return EXIT_USER_ERROR if failed else 0


def _cmd_simulate_province(args: argparse.Namespace) -> int:
    from literacy.errors import LiteracyError
    from literacy_flows.province import simulate_province
    from literacy_flows.simulate import has_round_data

    started = time.monotonic()
    try:
        from literacy_flows.province import load_province, province_folders

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
    from literacy_flows import io as fio
    from literacy_flows.simulate import has_round_data, simulate_to_folder

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
    import json

    import yaml

    from literacy.errors import LiteracyError
    from literacy_flows import io as fio

    if args.config_command == "schema":
        from literacy.settings import json_schema
        from literacy.settings.province import ProvinceConfig

        schema = json_schema() if not args.province else {
            "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "literacy province config",
            **ProvinceConfig.model_json_schema(by_alias=True, mode="validation")}
        text = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
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
        path, _, _, config = fio.read_config(args.config)
    except (LiteracyError, OSError) as exc:
        return _error(str(exc))
    resolved = json.loads(json.dumps(config, ensure_ascii=False))   # tuples as lists
    print(f"# {_shown(path)}, resolved: every default filled (literacy {_version()})")
    sys.stdout.write(yaml.safe_dump(resolved, allow_unicode=True, sort_keys=False, width=100))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from literacy.errors import LiteracyError
    from literacy_flows import delivery as dlv
    from literacy_flows import io as fio

    try:
        # the output folder is not used: any value satisfies the config loader
        loaded = fio.load_config(args.config, args.raw, out_dir=Path.cwd())
        loaded.check_raw_dir()
        delivery = dlv.load_delivery(loaded.config, loaded.raw_dir)
        names, shown = {}, {}
        for info in delivery.files:
            key = info.role if info.round is None else f"{info.round}/{info.role}"
            names[key], shown[key] = info.rel, fio.shown(info.path)
        dlv.check_schemas(loaded.config, delivery.instrument, delivery.rounds, delivery.scorecard, names,
                          delivery.lines, delivery.units, shown, instruments=delivery.instruments)
    except (LiteracyError, OSError) as exc:
        return _error(str(exc))
    print(f"Delivery {_shown(loaded.raw_dir)}/ checked against {_shown(loaded.path)}:")
    print("\n".join(dlv.summary_lines(delivery)))
    if args.write is not None:
        try:
            for rid, table in delivery.quarantine.items():
                path = fio.write_csv(table, Path(args.write) / rid / "quarantine.csv")
                print(f"wrote {_shown(path)} ({len(table)} rows)")
        except OSError as exc:
            return _error(str(exc))
    try:
        dlv.check_quarantine_share(delivery, listed="the summary above counts them by rule" + (
            "" if args.write is not None else "; --write DIR writes each round's rows to DIR/<round>/quarantine.csv"))
    except LiteracyError as exc:
        return _error(str(exc))
    print(f"OK: every file within ingest.max_quarantine_share ({100 * delivery.max_share:g}%).")
    try:   # a delivery of one round validates; the assessment itself needs a baseline and an endline
        loaded.check_roles()
    except LiteracyError as exc:
        print(f"Note: 'literacy run' will stop here: {exc}")
    return 0


def _split(text: str) -> list[str]:
    return [t.strip() for t in str(text).split(",") if t.strip()]


#: Cells read as missing by ``literacy estimate`` besides blank ones: the default missing
#: markers of pandas' ``read_csv`` (R writes ``NA``), which the command used before it read
#: files through the delivery readers.
NA_TOKENS = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                       "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
_TRUE, _FALSE = frozenset({"True", "TRUE", "true"}), frozenset({"False", "FALSE", "false"})


def _typed_column(table, name: str, numeric: bool):
    """One text column of a :class:`~literacy_flows.readers.TableRead` with the type ``read_csv`` would give.

    All non-missing cells numbers: int64 (whole numbers, nothing missing) or float64;
    all ``True``/``False``: bool; otherwise text, kept as it is. Whole numbers too long
    for a float (more than 15 digits, as long identifiers) stay text rather than lose digits.

    Parameters
    ----------
    table : TableRead
        The file as the readers give it (text cells, blank as missing).
    name : str
        The column.
    numeric : bool
        The estimate computes with the column (Y, weights, fpc, denominator, replicate weights).

    Returns
    -------
    Series

    Raises
    ------
    InputError
        ``numeric`` (a column the estimate computes with) and a cell is not a number: the
        message names the file, the column, the cell and its line / row / case.
    """
    import numpy as np
    import pandas as pd

    from literacy_flows.readers import InputError, shown

    text = table.data[name]
    text = text.mask(text.isin(NA_TOKENS))
    present = text.notna().to_numpy()
    if not present.any():
        return pd.Series(np.nan, index=text.index, dtype="float64")
    values = text[present].astype(str)
    if values.isin(_TRUE | _FALSE).all():
        flags = text.map(lambda v: v in _TRUE if isinstance(v, str) else pd.NA)
        return flags.astype(bool if present.all() else "boolean")
    number = pd.to_numeric(text.astype(object).where(text.notna(), None), errors="coerce")
    bad = present & number.isna().to_numpy()
    if bad.any():
        if numeric:
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{shown(table.path)}: column '{name}' is not numeric: {text.iloc[i]!r} at "
                             f"{table.where(i)}")
        return text
    if number.dtype.kind == "f" and values.str.fullmatch(r"[+-]?\d{16,}").any() and not numeric:
        return text
    return number


def _read_estimate_data(args: argparse.Namespace):
    """The survey file of ``literacy estimate`` as a typed DataFrame, read by the delivery readers.

    SPSS / Stata value labels are applied by the readers to every column except those the
    design or the statistic computes with (Y, weights, denominator, strata, PSUs, fpc,
    replicate weights), which keep their codes; user-missing codes are read as missing.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``estimate`` options (the file and the columns it names).

    Returns
    -------
    DataFrame
        One row per record of the file, columns typed as :func:`_typed_column` says.

    Raises
    ------
    InputError
        The file cannot be read (missing, unknown extension, damaged, ...), or a cell of a
        column the estimate computes with is not a number.
    """
    import re

    import pandas as pd

    from literacy_flows.readers import read_table

    numeric = {*_split(args.y), args.weights, *_split(args.fpc)} | ({args.denominator} if args.denominator else set())
    codes = numeric | {*_split(args.psu)} | ({args.strata} if args.strata else set())
    table = read_table(args.file, keep_codes=codes, user_missing=False)
    if args.replicate_weights:
        try:
            pattern = re.compile(args.replicate_weights)
        except re.error:
            pattern = None  # the design reports the bad pattern
        replicates = {c for c in table.data.columns if pattern is not None and pattern.search(str(c))}
        numeric |= replicates
        if replicates & set(table.value_labels):
            # labels were applied to a replicate weight column: read again keeping its codes
            table = read_table(args.file, keep_codes=codes | replicates, user_missing=False)
    return pd.DataFrame({c: _typed_column(table, c, c in numeric) for c in table.data.columns},
                        index=table.data.index)


def _cmd_plan(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from literacy.errors import LiteracyError
    from literacy.planning import sample_plan
    from literacy_flows import io as fio

    try:
        loaded = fio.load_config(args.config, None, args.out)
        path = Path(loaded.processed_dir) / "assessment" / "sample_plan.csv"
        if not path.is_file():
            return _error(f"{fio.shown(path)}: file not found (run 'literacy run' first: it writes the plan's inputs)")
        try:
            inputs = pd.read_csv(path, dtype={"round": str, "domain": str}).rename(columns={"p": "estimate"})
        except (ValueError, pd.errors.ParserError) as exc:
            return _error(f"{fio.shown(path)}: not a readable CSV table ({exc})")
        keep = ["round", "breakdown", "domain", "label_zh", "label_en", "level", "n", "psus_with_respondents",
                "estimate", "deff", "respondents_per_psu", "response_rate"]
        missing = [c for c in keep if c not in inputs.columns]
        if missing:
            return _error(f"{fio.shown(path)}: column '{missing[0]}' is missing (an output of another version?)")
        for col in ("n", "psus_with_respondents", "estimate", "deff", "respondents_per_psu", "response_rate"):
            values = pd.to_numeric(inputs[col], errors="coerce")
            bad = (values.isna() & inputs[col].notna()) | (values < 0)
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                return _error(f"{fio.shown(path)}: line {row + 2}, column '{col}': {inputs[col].iloc[row]!r} is not a "
                              f"non-negative number")
            inputs[col] = values
        table = sample_plan(inputs[keep], loaded.config, target_neff=args.target_neff, half_width=args.half_width,
                            planned_per_psu=args.planned_per_psu, alpha=args.alpha, power=args.power)
    except (LiteracyError, OSError, ValueError) as exc:
        return _error(str(exc))
    if args.output is not None:
        fio.write_csv(table, args.output)
        print(f"wrote {fio.shown(args.output)} ({len(table)} domains)")
    else:
        print(table.to_csv(index=False), end="")
    return 0


def _cmd_estimate(args: argparse.Namespace) -> int:
    import warnings

    from literacy.errors import LiteracyError
    from literacy.estimate import EstimateSpec, estimate_table
    from literacy_flows import io as fio

    try:
        data = _read_estimate_data(args)
        spec = EstimateSpec(
            y=_split(args.y), weights=args.weights, by=_split(args.by), statistic=args.stat,
            denominator=args.denominator, strata=args.strata, psu=_split(args.psu), fpc=_split(args.fpc),
            nest=args.nest, lonely_psu=args.lonely_psu, replicate_weights=args.replicate_weights,
            replicate_method=args.replicate_method, rho=args.rho, scale=args.scale, mse=args.mse, ci=args.ci,
            level=args.level, na_rm=args.na_rm)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = estimate_table(data, spec)
        for w in caught:
            print(f"literacy: warning: {w.message}", file=sys.stderr)
        text = table.to_csv(index=False, float_format="%.17g", lineterminator="\n")
        if args.output is None:
            sys.stdout.write(text)
        else:
            fio.atomic_write_bytes(args.output, text.encode("utf-8"))
    except (LiteracyError, OSError) as exc:
        return _error(f"{fio.shown(args.file)}: {exc}" if not str(exc).startswith(fio.shown(args.file)) else str(exc))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``literacy`` console script; returns the exit status."""
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
