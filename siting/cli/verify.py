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
    parser.add_argument(
        "--resolve",
        nargs="?",
        const="highs",
        default=None,
        metavar="SOLVER",
        help="also plan the scenario again (with SOLVER, default highs; --time-limit applies) and check plan.json's "
        "optimum against it: a plan said to be optimal must match the new optimum within the run's gap, a "
        "feasible one may not beat it",
    )
    parser.add_argument("--time-limit", type=float, default=None, metavar="S", help="seconds for --resolve")
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
    resolved = ""
    if args.resolve is not None and not problems:
        found, resolved = optimum_disagrees(scenario, document, args.resolve, args.time_limit, gap_tolerance(manifest))
        problems += found
    if problems:
        raise PlanViolation("the saved plan does not hold:\n  - " + "\n  - ".join(problems))
    ev = verdict.evaluation
    figures = ", ".join(f"{k} = {_figure(k, v)}" for k, v in document["objectives"].items())
    files = "its files as siting wrote them, " if changed is not None else ""
    print(
        f"{args.run_dir}: the plan holds: {len(ev.selected)} buildings, every rule of '{scenario.name}' met, "
        f"{files}figures as in plan.json ({figures}){resolved}"
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


def optimum_disagrees(
    scenario, document: dict, solver: str, time_limit_s: float | None, gap: float
) -> tuple[list[str], str]:
    """Plan the scenario again and hold plan.json's first objective against the new optimum and bound.

    Both solves stop within `gap` of their bound, so they may differ by about twice it (plus plan.json's rounding).
    A plan said to be optimal that the new plan beats, or any plan better than the new proven bound, is a problem.

    Returns:
        The problems, and a clause for the summary line.
    """
    from siting import pipeline
    from siting.errors import InfeasibleError
    from siting.model.objectives import MAXIMIZE
    from siting.model.solve import NoPlanError
    from siting.solvers import SolveOptions

    options = SolveOptions(time_limit_s=time_limit_s, mip_rel_gap=gap)
    try:
        rerun = pipeline.run(scenario, solver=solver, options=options, explain_infeasible=False)
    except InfeasibleError:
        return [f"re-planned with {solver}: no plan meets the rules, yet this one does (a solver fault)"], ""
    except NoPlanError:
        return [], f"; re-planned with {solver}: no plan in {time_limit_s:g} s, the optimum not confirmed"
    claimed, new, bound = document.get("objective"), rerun.evaluation.objective, rerun.solution.bound
    sense = 1.0 if MAXIMIZE[rerun.solution.first.objective] else -1.0
    tolerance = 2 * max(gap, 1e-9) * max(1.0, abs(new)) + 1e-6
    status = rerun.solution.status.value
    problems = []
    if bound is not None and sense * (claimed - bound) > tolerance:
        problems.append(f"plan.json's objective {claimed:,.6f} beats what re-planning proves possible: {bound:,.6f}")
    if document.get("status") == "optimal" and sense * (new - claimed) > tolerance:
        problems.append(f"plan.json says its objective {claimed:,.6f} is optimal; re-planned with {solver}: {new:,.6f}")
    if status != "optimal":
        proven = f"{status}, bound {bound:,.6g}: the optimum not confirmed"
    elif sense * (new - claimed) > tolerance:
        proven = f"optimal, {abs(new - claimed) / max(abs(new), 1e-9):.2%} better than this plan, which says feasible"
    else:
        proven = "optimal, agrees"
    return problems, f"; re-planned with {solver}: {new:,.6g} ({proven})"
