"""`siting compare RUN_A RUN_B [...] --out DIR`: plans side by side (or `SCENARIO --override a,b` to plan them).

    siting compare runs/base runs/rent-only --out runs/compare
    siting compare scenarios/demo/scenario.yaml --override base,rent_only,no_swaps --out runs/compare

With run folders, reads each one's plan.json, coverage.csv and scenario.yaml. With a scenario file, plans one
variant per --override item (`base` = no override, `a+b` = a and b together; --set applies to all), writes
each run folder into DIR/plans/<item>/ and compares those. Writes DIR/buildings.csv (building, name,
mode_<run>, services_<run>, change), DIR/communities.csv (covered share per community × service per run and
the difference), DIR/compare.md and the long tables summary.csv, cost_by_mode.csv, coverage_by_service.csv,
coverage_by_district.csv and scenario_keys.csv (each with a plan column). `--executor local|dask` plans the
variants as independent tasks (siting.study.executors).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from siting.cli import run as run_command
from siting.cli.options import (
    add_executor_options,
    add_outside_paths_flag,
    add_report_options,
    add_solver_options,
    add_variant_options,
    make_executor_from,
    progress_stream,
    solve_options,
)
from siting.errors import InputError
from siting.report.compare_views import compare_views, compared_service_labels
from siting.report.folder import write_plan_files, write_study_reports
from siting.report.lang import Text
from siting.report.study_markdown import change_counts, render_compare
from siting.report.views import Study
from siting.report.write import atomic_folder, check_out, write_csv, write_manifest
from siting.scenario.load import load_scenario
from siting.scenario.overrides import split_names
from siting.study.compare import Comparison, compare, plan, read_run, read_runs
from siting.study.executors import run_all

NAME = "compare"
HELP = "compare plans side by side: buildings added, dropped and changed, coverage by service and district"
BASE = "base"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `siting compare`."""
    parser.add_argument(
        "runs",
        nargs="+",
        type=Path,
        metavar="RUN",
        help="run folders (written by `siting run`), or one scenario YAML file with --override a,b",
    )
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: runs/compare)")
    add_outside_paths_flag(parser)
    add_variant_options(parser)
    add_executor_options(parser)
    add_solver_options(parser)
    add_report_options(parser)


def plan_variants(args: argparse.Namespace, tmp: Path) -> list[Path]:
    """Plan the scenario once per --override item into tmp/plans/<item>/; return the folders."""
    items = split_names(args.override)
    if len(items) < 2:
        raise InputError(
            "give two or more variants to compare, e.g. --override base,rent_only (base = no override; a+b = both)",
            field="--override",
        )
    if len(set(items)) < len(items):
        raise InputError(f"a variant is named twice in {','.join(items)}", field="--override")
    scenarios = {}
    for item in items:  # load all first: a bad name stops us before anything is solved
        names = [n for n in item.split("+") if n and n != BASE]
        scenarios[item] = load_scenario(
            args.scenario_file, names, args.sets, allow_outside_paths=args.allow_outside_paths
        )
    options = solve_options(args)
    calls = [(item, (scenario, args.solver, options)) for item, scenario in scenarios.items()]
    shown = progress_stream(args)
    with make_executor_from(args) as executor:
        print(f"compare: planning {', '.join(scenarios)} ({executor.name})", file=shown, flush=True)
        results = run_all(executor, plan, calls, lambda item, _: print(f"compare: planned {item}", file=shown))
    folders = []
    for item in scenarios:
        result = results[item]
        folder = tmp / "plans" / item
        folder.mkdir(parents=True)
        args.scenario = args.scenario_file  # manifest() records the scenario file
        names = write_plan_files(folder, result, args.lang)
        write_manifest(folder, run_command.manifest(result, args), names)
        folders.append(folder)
    return folders


def write_tables(folder: Path, comparison: Comparison, lang: str) -> None:
    """Every table of the comparison, compare.md, report.html and report.xlsx."""
    write_csv(folder / "buildings.csv", comparison.buildings)
    write_csv(folder / "communities.csv", comparison.communities)
    write_csv(folder / "summary.csv", comparison.summary.reset_index())
    for name in ("cost_by_mode", "coverage_by_service", "coverage_by_district"):
        write_csv(folder / f"{name}.csv", getattr(comparison, name).reset_index())
    write_csv(folder / "scenario_keys.csv", comparison.scenario_differences)
    (folder / "compare.md").write_text(render_compare(comparison), encoding="utf-8")
    t = Text(lang)
    labels = {k: t(*v) for k, v in compared_service_labels(comparison).items()}
    title = t("方案对比", "Plans side by side") + ": " + " / ".join(r.label for r in comparison.runs)
    write_study_reports(folder, title, Study(prepared=tuple(compare_views(comparison, t))), labels, lang)


def main(args: argparse.Namespace) -> int:
    """Read (or plan) the runs, compare, write every file atomically."""
    from_scenario = len(args.runs) == 1 and args.runs[0].is_file()
    if not from_scenario and (args.override or args.sets):
        raise InputError("--override and --set apply when comparing variants of one scenario file", field="--override")
    out = args.out or Path("runs") / "compare"
    check_out(out, keep=[Path(r) for r in args.runs])  # before planning: a bad --out is known at once
    with atomic_folder(out) as tmp:
        if from_scenario:
            args.scenario_file = args.runs[0]
            runs = [read_run(folder) for folder in plan_variants(args, tmp)]
        else:
            runs = read_runs(args.runs)
        comparison = compare(runs)
        write_tables(tmp, comparison, args.lang)
    labels = [r.label for r in runs]
    print(f"compared {', '.join(labels)}; buildings against {labels[0]}:")
    for label, counts in change_counts(comparison.buildings, labels).items():
        print(f"  {label}: " + ", ".join(f"{k} {counts.get(k, 0)}" for k in ("added", "dropped", "changed", "same")))
    for key, row in comparison.coverage_by_service.groupby(level="service", sort=False):
        shares = ", ".join(f"{plan} {share:.1%}" for (plan, _), share in row["share"].items())
        print(f"  {key}: {shares}")
    print(f"wrote {out}/ (buildings.csv, communities.csv, compare.md, report.html, report.xlsx and the tables)")
    return 0
