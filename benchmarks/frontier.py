"""Time a budget frontier against one solve of the same scenario (wall and CPU seconds, peak memory).

    python benchmarks/frontier.py [SCENARIO] [--points 12] [--nested] [--repeat 3] [--time-limit S]
                                  [--override NAME] [--set K=V] [--workers 2] [--gap G]

One solve is `pipeline.run` of the scenario as it is (the median of --repeat runs). The frontier is
`siting.study.frontier.budget_frontier` with the ends found by the program and --points budgets (free plans;
with --nested also the nested ones). Prints one line per measurement and the ratio frontier / one solve. CPU
seconds are the process's own (the solvers run with one thread), so they are less disturbed than wall
seconds when other work shares the machine. `--workers N` plans the free points on a local pool of N processes
(`siting frontier --executor local`); CPU seconds then include the workers' (their resource usage on exit).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path

from siting import pipeline
from siting.scenario.load import load_scenario
from siting.solvers import SolveOptions
from siting.study.executors import LocalExecutor
from siting.study.frontier import budget_frontier

DEMO = Path(__file__).resolve().parents[1] / "scenarios" / "demo" / "scenario.yaml"


def cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have ended (a pool's workers, once shut down)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(work):
    """(result, wall seconds, CPU seconds) of work()."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = work()
    return result, time.perf_counter() - wall, cpu_seconds() - cpu


def sweep(scenario, args, options):
    """The frontier, on a local pool of --workers processes when asked (the pool's start-up included)."""
    if not args.workers:
        return budget_frontier(scenario, kind=args.budget, points=args.points, nested=args.nested, options=options)
    with LocalExecutor(args.workers) as pool:
        return budget_frontier(
            scenario, kind=args.budget, points=args.points, nested=args.nested, options=options, executor=pool
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", type=Path, default=DEMO)
    parser.add_argument("--points", type=int, default=12)
    parser.add_argument("--nested", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budget", choices=("capex", "annual"), default="capex")
    parser.add_argument("--override", action="append", default=[])
    parser.add_argument("--set", action="append", default=[], dest="sets")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per solve (points then state a gap)")
    parser.add_argument("--workers", type=int, default=0, help="plan the free points on a local pool of N processes")
    parser.add_argument("--gap", type=float, default=SolveOptions().mip_rel_gap, help="relative gap of every solve")
    args = parser.parse_args()
    options = SolveOptions(time_limit_s=args.time_limit, mip_rel_gap=args.gap)

    scenario = load_scenario(args.scenario, args.override, args.sets)
    singles = [timed(lambda: pipeline.run(scenario, options=options)) for _ in range(args.repeat)]
    wall = statistics.median(s[1] for s in singles)
    cpu = statistics.median(s[2] for s in singles)
    first = singles[0][0]
    print(
        f"{scenario.name}: one solve {wall:.2f} s wall, {cpu:.2f} s CPU (median of {args.repeat}); "
        f"{first.solution.n_cols:,} variables, objective {first.solution.objective:,.4f}"
    )
    frontier, f_wall, f_cpu = timed(lambda: sweep(scenario, args, options))
    table = frontier.table
    proven = int((table["status"] == "optimal").sum())
    ends_cpu = "" if not frontier.ends else f"; ends {frontier.ends_seconds:.1f} s wall"
    sweeps = ("free + nested" if args.nested else "free") + (f", {args.workers} workers" if args.workers else "")
    print(
        f"frontier ({sweeps}, {args.points} points, {len(table)} plans, {proven} proven optimal{ends_cpu}): "
        f"{f_wall:.1f} s wall, {f_cpu:.1f} s CPU = {f_wall / wall:.1f}x one solve (wall), {f_cpu / cpu:.1f}x (CPU)"
    )
    free = [p for p in frontier.points if p.sweep == "free"]
    print("  free points, wall s: " + ", ".join(f"{p.seconds:.1f}" for p in free))
    for (part, label), row in table.iterrows():
        print(
            f"    {part} {label}: budget {row['budget'] / 1e4:,.0f} 万元, {row['status']}, gap {row['gap']:.3%}, "
            f"objective {row['objective']:,.4f}, capex {row['capex'] / 1e4:,.0f} 万元"
        )
    first_nested = {("nested", "p00")}  # the same scenario as free p00: never solved twice
    reused = [
        f"{p.sweep} {p.label}"
        for p in frontier.points
        if p.note.startswith("= ") and (p.sweep, p.label) not in first_nested
    ]
    print(f"  answered by another point's plan (not solved): {len(reused)} {reused}")
    gaps = table["gap"].fillna(0.0)
    print(f"  largest gap {gaps.max():.3%} ({(gaps > 1e-6).sum()} points not proven within the time limit)")
    knee = table.index[table["knee"].astype(bool)].tolist()
    print(f"  knee: {knee}; peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
