"""`siting verify RUN_DIR`: re-check a saved plan against its scenario, from the raw tables; exit 0 or 4."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from siting.cli.options import add_outside_paths_flag
from siting.errors import InputError, PlanViolation
from siting.scenario.load import load_scenario
from siting.verify.saved import read_plan_document, verify_saved

NAME = "verify"
HELP = "re-check a saved plan (a folder written by `siting run`) against its scenario; exit 0 or 4"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `siting verify`."""
    parser.add_argument("run_dir", type=Path, help="a folder written by `siting run`")
    parser.add_argument(
        "--scenario", type=Path, default=None, help="the scenario file (default: the one named in manifest.json)"
    )
    add_outside_paths_flag(parser)


def main(args: argparse.Namespace) -> int:
    """Load the plan and its scenario, check the input hash, re-check every rule and figure."""
    document = read_plan_document(args.run_dir)
    # The plan was made with these overrides and --set values (a frontier point's budget, kept buildings).
    scenario = load_scenario(
        args.scenario or _scenario_of(args.run_dir),
        document.get("overrides", ()),
        document.get("sets", ()),
        allow_outside_paths=args.allow_outside_paths,
    )
    verdict = verify_saved(scenario, document)
    if verdict.problems:
        raise PlanViolation("the saved plan does not hold:\n  - " + "\n  - ".join(verdict.problems))
    ev = verdict.evaluation
    figures = ", ".join(f"{k} = {'—' if v is None else f'{v:,.6g}'}" for k, v in document["objectives"].items())
    print(
        f"{args.run_dir}: the plan holds: {len(ev.selected)} buildings, every rule of '{scenario.name}' met, "
        f"figures as in plan.json ({figures})"
    )
    return 0


def _scenario_of(run_dir: Path) -> Path:
    manifest = Path(run_dir) / "manifest.json"
    try:
        return Path(json.loads(manifest.read_text(encoding="utf-8"))["scenario_path"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        raise InputError(
            "cannot tell which scenario this plan was made from (no manifest.json with scenario_path); "
            "give it with --scenario",
            file=str(manifest),
        ) from None
