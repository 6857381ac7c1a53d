"""`siting frontier SCENARIO --out DIR`: the best plan at each budget (or coverage target), and where gains stop.

    siting frontier scenarios/demo/scenario.yaml --points 12 --nested --out runs/demo-frontier
    siting frontier scenarios/demo/scenario.yaml --budgets 20000000:60000000:5000000 --budget capex
    siting frontier scenarios/demo/scenario.yaml --targets 0.1:0.5:0.05

Writes DIR/frontier.csv (one row per point; columns in siting.study.frontier_table.frontier_table, plus folder),
DIR/frontier.md (bilingual table and knee), DIR/report.html and DIR/report.xlsx (the frontier charted, every
point tabulated), DIR/scenario.yaml (the base scenario as planned), one run folder per point with a plan
(DIR/free/p00/, DIR/nested/p03/, DIR/target/p02/: the files `siting run` writes but report.html and report.xlsx,
which `--point-reports` adds; they took most of the writing time) and DIR/manifest.json (timings). Progress
goes to stderr: a bar on a terminal, one line per point otherwise. `--executor local|dask` plans the free (or
target) points as independent tasks (siting.study.executors).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from siting.cli import run as run_command
from siting.cli.options import (
    add_executor_options,
    add_report_options,
    add_scenario_argument,
    add_solver_options,
    add_variant_options,
    default_out,
    load,
    make_executor_from,
    progress_stream,
    solve_options,
)
from siting.errors import InputError
from siting.report.folder import write_plan_files, write_study_reports
from siting.report.lang import Text
from siting.report.study_markdown import BUDGET_TEXT, render_frontier
from siting.report.tables import effective_yaml
from siting.report.views import Study, points_view
from siting.report.write import atomic_folder, check_out, write_csv, write_manifest
from siting.study import ranges
from siting.study.executors import Executor
from siting.study.frontier import Frontier, budget_frontier, one_plan_per_point, target_frontier
from siting.study.progress import Progress

NAME = "frontier"
HELP = "plan at a series of budgets (or coverage targets): what each extra 万元 buys and where it stops paying"
MAX_POINTS = 200


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `siting frontier`."""
    add_scenario_argument(parser)
    swept = parser.add_mutually_exclusive_group()
    swept.add_argument(
        "--budgets",
        metavar="FROM:TO:STEP",
        default=None,
        help="budgets to plan with, in 元 (e.g. 20000000:60000000:5000000)",
    )
    swept.add_argument(
        "--points",
        type=int,
        default=None,
        metavar="N",
        help="N budgets evenly spaced from the least budget any plan needs to the budget at which coverage "
        "stops rising, both found by the program (default 12)",
    )
    swept.add_argument(
        "--targets",
        metavar="FROM:TO:STEP",
        default=None,
        help="instead of budgets: covered shares of every service's demand (e.g. 0.5:1.0:0.05); each point is "
        "the least net present cost that reaches it, budgets lifted",
    )
    parser.add_argument(
        "--budget",
        choices=("capex", "annual"),
        default="capex",
        help="which budget to sweep: capex (one-off, default) or annual (yearly, net of closures)",
    )
    parser.add_argument(
        "--nested",
        action="store_true",
        help="also plan nested points: each keeps every building of the previous one (money in tranches)",
    )
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: runs/<name>-frontier)")
    parser.add_argument(
        "--point-reports",
        action="store_true",
        help="also write report.html and report.xlsx into every point's folder (the frontier's own report.html "
        "and report.xlsx show every point; each point's folder always has its plan, tables and report.md)",
    )
    add_variant_options(parser)
    add_executor_options(parser, auto=True)
    add_solver_options(parser)
    add_report_options(parser)


def parse_range(text: str, option: str) -> list[float]:
    """'FROM:TO:STEP' -> [FROM, FROM + STEP, ..., TO] (siting.study.ranges.parse_range).

    Raises:
        InputError: not three numbers, STEP <= 0, FROM > TO, or more than MAX_POINTS values.
    """
    try:
        return ranges.parse_range(text, MAX_POINTS)
    except ValueError as err:
        raise InputError(str(err), field=option) from None


def check_arguments(args: argparse.Namespace) -> None:
    """Reject combinations that mean nothing, before anything is solved."""
    if args.points is not None and not 1 <= args.points <= MAX_POINTS:
        raise InputError(f"expected 1 to {MAX_POINTS} points, got {args.points}", field="--points")
    if args.targets is not None:
        if args.nested:
            raise InputError("--nested applies to budget sweeps, not to --targets", field="--nested")
        bad = [t for t in parse_range(args.targets, "--targets") if not 0 < t <= 1]
        if bad:
            raise InputError(f"targets are shares in (0, 1]; got {bad[0]:g}", field="--targets")
    if args.budgets is not None and parse_range(args.budgets, "--budgets")[0] < 0:
        raise InputError("budgets must be >= 0 元", field="--budgets")


def sweep(args: argparse.Namespace, scenario, executor: Executor | None = None) -> Frontier:
    """Run the sweep the arguments ask for (its points as independent tasks on `executor` when given)."""
    options = solve_options(args)
    if args.targets is not None:
        targets = parse_range(args.targets, "--targets")
        progress = Progress(len(targets), "frontier", progress_stream(args))
        return target_frontier(
            scenario, targets, solver=args.solver, options=options, progress=progress, executor=executor
        )
    budgets = parse_range(args.budgets, "--budgets") if args.budgets is not None else None
    if budgets is None:
        print("frontier: finding the least budget and the budget at which coverage stops rising ...", flush=True)
    return budget_frontier(
        scenario,
        kind=args.budget,
        budgets=budgets,
        points=args.points or 12,
        nested=args.nested,
        solver=args.solver,
        options=options,
        progress=Progress(0, "frontier", progress_stream(args)),
        executor=executor,
    )


def main(args: argparse.Namespace) -> int:
    """Sweep, then write every file atomically."""
    check_arguments(args)
    scenario = load(args)
    one_plan_per_point(scenario)
    out = args.out or default_out(scenario.name, "-frontier")
    check_out(out, keep=[scenario.path])  # before solving: a bad --out is known at once
    started = time.perf_counter()
    with make_executor_from(args) as executor:  # serial: points in order, each warm-started from the last
        frontier = sweep(args, scenario, None if executor.name == "serial" else executor)
    seconds = time.perf_counter() - started
    table = frontier.table.reset_index()
    planned = [p.result is not None for p in frontier.points]
    table["folder"] = [f"{p.sweep}/{p.label}" if ok else "" for p, ok in zip(frontier.points, planned)]
    with atomic_folder(out) as tmp:
        for point in frontier.points:
            if point.result is not None:
                folder = tmp / point.sweep / point.label
                folder.mkdir(parents=True, exist_ok=True)
                names = write_plan_files(folder, point.result, args.lang, reports=args.point_reports)
                write_manifest(folder, run_command.manifest(point.result, args), names)
        write_csv(tmp / "frontier.csv", table)
        (tmp / "frontier.md").write_text(render_frontier(frontier, scenario), encoding="utf-8")
        write_reports(tmp, frontier, table, scenario, args.lang)
        (tmp / "scenario.yaml").write_text(effective_yaml(scenario), encoding="utf-8")
        names = ("frontier.csv", "frontier.md", "report.html", "report.xlsx", "scenario.yaml")
        write_manifest(tmp, manifest(frontier, args, seconds), names)
    print_summary(frontier, seconds)
    print(
        f"wrote {out}/ (frontier.csv, frontier.md, report.html, report.xlsx, scenario.yaml, manifest.json, "
        "a folder per plan)"
    )
    return 0


def write_reports(folder: Path, frontier: Frontier, table, scenario, lang: str) -> None:
    """report.html and report.xlsx of the sweep: the free frontier charted, every sweep as a table."""
    t = Text(lang)
    labels = {k: t(s.label.zh, s.label.en) if s.label else k for k, s in scenario.config.services.items()}
    nested_title = t("嵌套方案（资金分批到位，已选建筑保留）", "Nested plans (money in tranches, buildings kept)")
    parts = {sweep: part.drop(columns="sweep") for sweep, part in table.groupby("sweep", sort=False)}
    facilities = {str(k): str(v) for k, v in scenario.existing["name"].items()} if len(scenario.existing) else {}
    if frontier.kind == "target":
        title = t("覆盖目标", "Coverage targets")
        target = points_view(parts["target"], labels, t, "target", "target", title, facilities=facilities)
        study = Study(prepared=(target,))
    else:
        nested = tuple(
            points_view(part, labels, t, frontier.kind, sweep, nested_title, t("嵌套", "Nested"), facilities)
            for sweep, part in parts.items()
            if sweep == "nested"
        )
        zh, en, _ = BUDGET_TEXT[frontier.kind]
        free = points_view(parts["free"], labels, t, frontier.kind, facilities=facilities)
        study = Study(frontier=parts["free"], budget_label=(zh, en), kind=frontier.kind, prepared=(free, *nested))
    title = t(f"预算前沿：{scenario.name}", f"Budget frontier: {scenario.name}")
    write_study_reports(folder, title, study, labels, lang)


def manifest(frontier: Frontier, args: argparse.Namespace, seconds: float) -> dict:
    """Timings and provenance of the sweep (the only file with timings)."""
    return {
        "command": ["siting", *sys.argv[1:]],
        "scenario_file": str(args.scenario),
        "kind": frontier.kind,
        "ends": frontier.ends,
        "seconds": {
            "total": round(seconds, 3),
            "ends": round(frontier.ends_seconds, 3),
            "points": {f"{p.sweep}/{p.label}": round(p.seconds, 3) for p in frontier.points},
        },
        "solver": {"name": args.solver, "time_limit_s": args.time_limit, "gap": args.gap, "threads": args.threads},
        "executor": args.executor,
    }


def print_summary(frontier: Frontier, seconds: float) -> None:
    """One line per point and the knee, on stdout."""
    table = frontier.table.reset_index()
    swept = "target" if frontier.kind == "target" else "budget"
    for r in table.itertuples():
        value = f"{r.target:.0%}" if swept == "target" else f"{r.budget / 1e4:,.2f} 万元"
        if r.status not in ("optimal", "feasible"):
            print(f"  {r.sweep} {r.plan} {value}: {r.status}")
            continue
        knee = "  <- knee 拐点" if r.knee else ""
        objective = f"{r.objective:,.0f}" if abs(r.objective) >= 1e4 else f"{r.objective:.4g}"  # not 2.502e+04
        print(
            f"  {r.sweep} {r.plan} {value}: {r.status}, objective {objective}, {r.persons:,.0f} weighted "
            f"persons, {r.buildings:.0f} buildings{knee}"  # a float column where an infeasible point has none
        )
    print(f"{len(frontier.points)} points in {seconds:.1f} s")
