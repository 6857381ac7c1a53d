"""`siting run SCENARIO --out DIR`: plan, re-check and write the run folder (siting.report.folder).

When the plan closes an existing facility, the scenario is planned again with it kept open, and report.md says
what the closure bought (siting.study.closures); `--no-closure-check` skips that.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from siting import __version__, pipeline
from siting.cli.options import (
    add_report_options,
    add_scenario_argument,
    add_solver_options,
    add_variant_options,
    default_out,
    load,
    solve_options,
)
from siting.report import schedule
from siting.report.folder import write_run_folder
from siting.report.lang import Text
from siting.report.markdown import wan
from siting.report.study_markdown import closures_section
from siting.report.write import check_out
from siting.study.closures import NOT_CHECKED, closure_costs

NAME = "run"
HELP = "plan a scenario and write the verified plan and its report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `siting run`."""
    add_scenario_argument(parser)
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: runs/<scenario name>)")
    parser.add_argument(
        "--no-closure-check",
        action="store_true",
        help="do not re-plan with each closed existing facility kept open (to say what keeping it would cost)",
    )
    add_variant_options(parser)
    add_solver_options(parser)
    add_report_options(parser)


def main(args: argparse.Namespace) -> int:
    """Run the pipeline and write its files atomically."""
    scenario = load(args)
    out = args.out or default_out(scenario.name)
    check_out(out, keep=[scenario.path])  # before solving: a bad --out is known at once
    started = time.monotonic()
    result = pipeline.run(scenario, solver=args.solver, options=solve_options(args))
    closures = pd.DataFrame()
    single = result.phases is None and result.robust is None  # (a closure check re-plans the whole schedule)
    if result.solution.plan.closed and not args.no_closure_check and single:
        deadline = None if args.time_limit is None else started + args.time_limit  # the re-plans share what is left
        closures = closure_costs(result, solver=args.solver, options=solve_options(args), deadline=deadline)
    notes = closures_section(closures, scenario)
    study = schedule.study(result, Text(args.lang))
    names = write_run_folder(result, out, args.lang, manifest=manifest(result, args), notes=notes, study=study)
    ev = result.evaluation
    print(
        f"{scenario.name}: {result.solution.status.value}, {len(ev.selected)} buildings, "
        f"one-off {wan(ev.capex)} 万元, yearly {wan(ev.annual)} 万元/年"
        + (f" ({wan(ev.annual - ev.freed)} net of {wan(ev.freed)} freed by closures)" if ev.freed else "")
    )
    for key, row in ev.by_service.iterrows():
        print(f"  {key}: {row.share:.1%} of {row.demand:,.1f} demand units covered")
    for facility, row in closures.iterrows():
        print(f"  closes {facility}: frees {wan(row.annual_cost)} 万元/年; {closure_text(row)}")
    print(f"wrote {out}/ ({', '.join(names)})")
    return 0


def closure_text(row: pd.Series) -> str:
    """What keeping a closed facility open would cost, as the re-plan found it."""
    if row.status_kept_open == NOT_CHECKED:
        return "not re-planned kept open: no time left within --time-limit"
    if row.status_kept_open == "infeasible":
        return "kept open, no plan meets the rules"
    bound = "at most " if row.status_kept_open == "feasible" else ""  # the re-plan's optimum was not proven
    return (
        f"kept open, the objective would be {bound}{row.objective_lost:,.3f} lower "
        f"({row.persons_lost:,.0f} weighted persons)"
    )


def manifest(result: pipeline.RunResult, args: argparse.Namespace) -> dict:
    """Provenance of the run: the only file with timestamps and timings."""
    return {
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": ["siting", *getattr(args, "argv", sys.argv[1:])],
        "scenario_file": str(args.scenario),
        "scenario_path": str(Path(args.scenario).resolve()),
        "input_sha256": result.scenario.input_sha256,
        "siting_version": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "solver": {
            "name": result.solver,
            "time_limit_s": args.time_limit,
            "gap": args.gap,
            "threads": args.threads,
            "stages": [
                {
                    "objective": s.objective,
                    "status": s.result.status.value,
                    "time_s": round(s.result.time_s, 3),
                    "version": s.result.version,
                }
                for s in result.solution.stages
            ],
        },
        "timings_s": {k: round(v, 3) for k, v in {**result.timings, "build_s": result.solution.build_s}.items()},
    }
