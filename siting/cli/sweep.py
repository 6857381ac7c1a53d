"""`siting sweep SPEC.yaml --out DIR`: every scenario × overrides × variant × budget, on one machine or a cluster.

    siting sweep province.yaml --out runs/province
    siting sweep province.yaml --out runs/province --executor local
    siting sweep province.yaml --out runs/province --executor dask --scheduler tcp://10.0.0.1:8786

Writes DIR/plans/<scenario>/<overrides>/<variant>/<budget>/ (each a run folder as `siting run` writes it) and
DIR/cache/<key>.json as each task finishes, then DIR/sweep.csv (one row per task, siting.study.sweep),
DIR/sweep.md, DIR/report.html, DIR/report.xlsx and DIR/manifest.json (the only file with timings). Running
the same command again solves only the tasks without an answer (after a crash, or those that failed).
Progress goes to stderr. Exit code 0 when every task has an answer (a plan, or proof that there is none),
1 when some failed (listed in sweep.csv and on stderr; run again to retry them), 2 for a bad sweep file.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from siting import __version__
from siting.cli.options import (
    add_executor_options,
    add_outside_paths_flag,
    add_report_options,
    add_solver_options,
    default_out,
    make_executor_from,
    solve_options,
)
from siting.report.sweep_report import write_reports
from siting.report.write import check_out, write_csv, write_manifest
from siting.study.progress import duration
from siting.study.sweep import SweepResult, describe_task, run_sweep
from siting.study.sweep_spec import SweepSpec, expand, read_spec

NAME = "sweep"
HELP = "plan every combination of scenarios, overrides, demand variants and budgets (resumable; local or dask)"
EXIT_SOME_FAILED = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `siting sweep`."""
    parser.add_argument("spec", type=Path, help="sweep file (YAML: scenarios, overrides, variants, budgets)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: runs/<sweep name>)")
    add_outside_paths_flag(parser)
    add_executor_options(parser)
    add_solver_options(parser)
    add_report_options(parser)


def main(args: argparse.Namespace) -> int:
    """Expand the sweep, solve what is missing, write the tables."""
    spec = read_spec(args.spec)
    options = solve_options(args)
    outside = args.allow_outside_paths
    tasks, bundles = expand(spec, args.spec, solver=args.solver, options=options, lang=args.lang, allow_outside=outside)
    out = args.out or default_out(spec.name)
    check_out(out, keep=[args.spec, *(Path(b.root) / b.scenario for b in bundles.values())], adds=True)
    with make_executor_from(args) as executor:
        for warning in executor.warnings:
            print(f"siting: warning: {warning}", file=sys.stderr)
        result = run_sweep(
            tasks,
            bundles,
            out,
            executor,
            solver=args.solver,
            options=options,
            lang=args.lang,
            allow_outside=outside,
            progress=sys.stderr,
        )
        where = {"executor": executor.name, "slots": executor.slots, "scheduler": args.scheduler}
    names = write_sweep_files(out, result, spec, args.lang, manifest(result, args, where))
    for task in result.tasks:
        if task.key in result.failures:
            print(f"failed: {describe_task(task)}: {result.failures[task.key]}", file=sys.stderr)
    counts = result.table["status"].value_counts()
    print(
        f"{spec.name}: {len(tasks)} tasks ({result.solved} solved now, {result.cached} already done, "
        f"{len(result.failures)} failed) in {duration(result.seconds)}; "
        + ", ".join(f"{n} {status}" for status, n in counts.items())
    )
    print(f"wrote {out}/ ({', '.join(names)}, plans/)")
    return EXIT_SOME_FAILED if result.failures else 0


def write_sweep_files(out: Path, result: SweepResult, spec: SweepSpec, lang: str, manifest: dict) -> tuple[str, ...]:
    """sweep.csv, the reports and manifest.json, each replacing its old version whole (written aside, renamed)."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".sweep.tmp-", dir=out))
    try:
        write_csv(tmp / "sweep.csv", result.table)
        names = ("sweep.csv", *write_reports(tmp, result.table, result.labels, lang, spec.name, spec.description))
        names = write_manifest(tmp, manifest, names)
        for name in names:
            os.replace(tmp / name, out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return names


def manifest(result: SweepResult, args: argparse.Namespace, executor: dict) -> dict:
    """Provenance and timings of the run (the only file with timestamps)."""
    return {
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": ["siting", *getattr(args, "argv", sys.argv[1:])],
        "spec_file": str(args.spec),
        "spec_sha256": hashlib.sha256(Path(args.spec).read_bytes()).hexdigest(),
        "siting_version": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "executor": executor,
        "allow_outside_paths": args.allow_outside_paths,
        "solver": {"name": args.solver, "time_limit_s": args.time_limit, "gap": args.gap, "threads": args.threads},
        "tasks": len(result.tasks),
        "solved": result.solved,
        "already_done": result.cached,
        "failed": len(result.failures),
        "timings_s": {"wall": round(result.seconds, 3), "tasks_total": round(result.task_seconds, 3)},
        "failures": [
            {"task": describe_task(t), "error": result.failures[t.key]}
            for t in result.tasks
            if t.key in result.failures
        ],
    }
