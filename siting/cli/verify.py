"""`siting verify RUN_DIR`: re-check a saved plan against its scenario, from the raw tables; exit 0 or 4.

Besides the plan's rules and figures: the files are those siting wrote (manifest.json's hashes), plan.json's claims
(status, optimum, objectives, costs, coverage) are backed, and selected.csv and coverage.csv tell the same plan.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from siting.cli.options import add_outside_paths_flag
from siting.errors import InputError, PlanViolation
from siting.scenario.load import load_scenario
from siting.verify.claims import gap_tolerance
from siting.verify.folder import UNCHECKED, changed_files, read_manifest, tables_disagree
from siting.verify.saved import read_plan_document, verify_saved

NAME = "verify"
HELP = "re-check a saved plan (a folder written by `siting run`) and its files against its scenario; exit 0 or 4"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `siting verify`."""
    parser.add_argument("run_dir", type=Path, help="a folder written by `siting run`")
    parser.add_argument(
        "--scenario", type=Path, default=None, help="the scenario file (default: the one named in manifest.json)"
    )
    add_outside_paths_flag(parser)


def main(args: argparse.Namespace) -> int:
    """Load the plan and its scenario, check the files and the input hash, re-check every rule, figure and claim."""
    document = read_plan_document(args.run_dir)
    manifest = read_manifest(args.run_dir)
    # The plan was made with these overrides and --set values (a frontier point's budget, kept buildings).
    scenario = load_scenario(
        args.scenario or _scenario_of(args.run_dir, manifest),
        document.get("overrides", ()),
        document.get("sets", ()),
        allow_outside_paths=args.allow_outside_paths,
    )
    changed = changed_files(args.run_dir, manifest)
    if changed is None:
        print(f"siting: warning: {args.run_dir}: {UNCHECKED}", file=sys.stderr)
    verdict = verify_saved(scenario, document, gap_tolerance(manifest))
    problems = [*(changed or ()), *verdict.problems]
    problems += tables_disagree(args.run_dir, verdict.evaluation, listed=changed is not None)
    if problems:
        raise PlanViolation("the saved plan does not hold:\n  - " + "\n  - ".join(problems))
    ev = verdict.evaluation
    figures = ", ".join(f"{k} = {_figure(k, v)}" for k, v in document["objectives"].items())
    files = "its files as siting wrote them, " if changed is not None else ""
    print(
        f"{args.run_dir}: the plan holds: {len(ev.selected)} buildings, every rule of '{scenario.name}' met, "
        f"{files}figures as in plan.json ({figures})"
    )
    return 0


def _scenario_of(run_dir: Path, manifest: dict | None) -> Path:
    path = (manifest or {}).get("scenario_path")
    if not isinstance(path, str) or not path:
        raise InputError(
            "cannot tell which scenario this plan was made from (no manifest.json with scenario_path); "
            "give it with --scenario",
            file=str(Path(run_dir) / "manifest.json"),
        )
    return Path(path)


def _figure(objective: str, value: float | None) -> str:
    """An objective's value for reading: costs in 万元, the others in full (176.686, not 1.76686e+02)."""
    if value is None:
        return "—"
    if objective in ("min_cost", "min_capex", "min_annual"):
        return f"{value / 1e4:,.2f} 万元" + ("/年" if objective == "min_annual" else "")
    return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
