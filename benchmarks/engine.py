"""One command per row of issue 9's table: size, build s, solve s, status, objective, proven gap, peak MB.

    python benchmarks/engine.py demo                                   # whole `siting run` on the demo
    python benchmarks/engine.py demo --override phased --time-limit 600  # the 3-year roll-out (benchmarks/phased.py)
    python benchmarks/engine.py district --communities 500 --buildings 2000
    python benchmarks/engine.py city                                   # city_scale default (5,000 × 20,000 × 4)
    python benchmarks/engine.py city --budget-share 0.0014             # budget for ~40 % coverage
    python benchmarks/engine.py city --communities 10000 --buildings 30000 --budget-share 0.001
    python benchmarks/engine.py city --communities 2000 --buildings 5000 --capacitated
    python benchmarks/engine.py city --capacitated                     # 5,000 × 20,000 × 4 capacitated
    python benchmarks/engine.py spopt                                  # p = 42 maximal covering vs pysal/spopt
    python benchmarks/engine.py published --set orlib-pmed             # pmed1–40 (or --set orlib-cap / sjc-cpmp)

Every row prints one line per solve in the same columns. Times are wall-clock seconds on whatever the machine
is doing; run twice and keep the better when the machine is shared. `--solver`, `--threads`, `--time-limit`,
`--gap` and `--no-reduce` apply to every row. Peak MB is the process's max RSS (children included for `demo`).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from city_scale import MODES, city, city_model_data  # noqa: E402

from siting.access.walking import reach_pairs  # noqa: E402
from siting.model.data import from_arrays  # noqa: E402
from siting.model.solve import Solution, solve  # noqa: E402
from siting.model.spec import ModelSpec  # noqa: E402
from siting.solvers import SolveOptions  # noqa: E402

HEADER = f"{'row':<34} {'size':>26} {'build s':>8} {'solve s':>8} {'status':>9} {'objective':>18} {'gap':>9} {'MB':>6}"


def peak_mb(children: bool = False) -> float:
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def line(row: str, size: str, build: float, solve_s: float, status: str, objective, gap, mb: float) -> str:
    obj = "—" if objective is None else f"{objective:,.2f}"
    gap_text = "—" if gap is None else f"{gap:.3%}"
    return f"{row:<34} {size:>26} {build:>8.2f} {solve_s:>8.2f} {status:>9} {obj:>18} {gap_text:>9} {mb:>6.0f}"


def options(args) -> SolveOptions:
    return SolveOptions(time_limit_s=args.time_limit, mip_rel_gap=args.gap, threads=args.threads)


def solution_line(row: str, size: str, build: float, sol: Solution, solve_s: float) -> str:
    return line(row, size, build, solve_s, sol.status.value, sol.objective, sol.gap, peak_mb())


def stages_text(sol: Solution) -> str:
    """Each stage's objective, seconds, status, solver and gap."""
    return ", ".join(
        f"{s.objective} {s.result.time_s:.2f} s {s.result.status.value} ({s.result.solver}, gap "
        + ("—" if s.result.gap is None else f"{s.result.gap:.3%}")
        + ")"
        for s in sol.stages
    )


# --- rows ------------------------------------------------------------------------------------------------------


def row_demo(args) -> None:
    """The whole command, as a user runs it (import, read, solve, settle, check, write)."""
    scenario = REPO / "scenarios" / "demo" / "scenario.yaml"
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "siting", "run", str(scenario), "--out", out, "--quiet"]
        command += ["--solver", args.solver, "--gap", repr(args.gap), "--threads", str(args.threads)]
        command += ["--override", args.override] if args.override else []
        if args.time_limit:
            command += ["--time-limit", str(args.time_limit)]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode:
            print(done.stderr, file=sys.stderr)
            raise SystemExit(done.returncode)
        manifest = json.loads((Path(out) / "manifest.json").read_text())
        plan = json.loads((Path(out) / "plan.json").read_text())
    stages = manifest["solver"]["stages"]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = usage.ru_utime + usage.ru_stime
    status = "optimal" if all(s["status"] == "optimal" for s in stages) else "feasible"
    solve_s = manifest["timings_s"].get("solve_s", float("nan"))
    objective = plan["objectives"].get("max_coverage")
    print(
        line(
            "demo: whole command" + (f" ({args.override})" if args.override else ""),
            "40 × 150 × 3 services",
            wall - solve_s,
            solve_s,
            status,
            objective,
            plan.get("gap"),
            peak_mb(children=True),
        )
    )
    print(
        f"  whole command {wall:.2f} s wall, {cpu_s:.2f} s CPU (solve {solve_s:.2f} s); stages: "
        + ", ".join(f"{s['objective']} {s['time_s']:.2f} s {s['status']}" for s in stages)
    )


def row_district(args) -> None:
    """A generated district through the whole pipeline (demand, reach, model, solve, independent check)."""
    from district import write_district

    from siting import pipeline
    from siting.scenario.load import load_scenario

    with tempfile.TemporaryDirectory() as folder:
        path = write_district(Path(folder), args.communities, args.buildings, seed=args.seed)
        started = time.perf_counter()
        scenario = load_scenario(path)
        result = pipeline.run(scenario, solver=args.solver, options=options(args))
        wall = time.perf_counter() - started
    sol, t = result.solution, result.timings
    size = f"{args.communities:,} × {args.buildings:,} × {len(scenario.config.services)} s"
    solve_s = t.get("solve_s", float("nan"))
    print(solution_line("district (whole pipeline)", size, wall - solve_s, sol, solve_s))
    print(
        f"  {len(result.data.arc_pair):,} reach arcs; {sol.n_cols:,} columns; stages: "
        + stages_text(sol)
        + f"; settle {sol.settle_s:.2f} s; covered {result.evaluation.by_service['share'].round(3).to_dict()}"
    )


def city_data(args):
    comm_xy, bldg_xy, demand, table, budget = city(args.communities, args.buildings, budget_share=args.budget_share)
    reach = reach_pairs(comm_xy, bldg_xy, 1_000.0, detour_factor=1.3)
    data = city_model_data(reach, demand, table, budget, args.buildings, args.capacitated)
    return data, demand


def row_city(args) -> None:
    """The clustered city of benchmarks/city_scale.py, uncapacitated or capacitated, through siting.model.solve."""
    started = time.perf_counter()
    data, demand = city_data(args)
    build = time.perf_counter() - started
    spec = ModelSpec(capacitated=args.capacitated)
    started = time.perf_counter()
    sol = solve(data, spec, solver=args.solver, options=options(args), reduce=not args.no_reduce)
    solve_s = time.perf_counter() - started
    kind = "capacitated" if args.capacitated else "uncapacitated"
    size = f"{args.communities:,} × {args.buildings:,} × {len(MODES)}"
    print(solution_line(f"city {kind}, budget {args.budget_share:g}", size, build, sol, solve_s))
    share = sol.objective / demand.sum()
    print(
        f"  covered {share:.1%} of demand; {len(data.arc_pair):,} reach arcs; {sol.n_cols:,} columns; stages: "
        + stages_text(sol)
        + f"; settle {sol.settle_s:.2f} s"
    )


def row_spopt(args) -> None:
    """p-facility maximal covering, one mode per site: ours end to end vs spopt's MCLP with CBC, same process."""
    comm_xy, bldg_xy, demand, _, _ = city(args.communities, args.buildings)
    weights = demand[:, 0]
    started = time.perf_counter()
    reach = reach_pairs(comm_xy, bldg_xy, 1_000.0, detour_factor=1.0)
    data = from_arrays(
        services=["s"],
        demand=demand,
        arcs=[reach],
        building_ids=[str(i) for i in range(args.buildings)],
        option_building=np.arange(args.buildings),
        capex=np.zeros(args.buildings),
    )
    spec = ModelSpec(objectives=("max_coverage",), min_facilities=args.p, max_facilities=args.p)
    build = time.perf_counter() - started
    sol = solve(data, spec, solver=args.solver, options=options(args), reduce=not args.no_reduce)
    ours = time.perf_counter() - started
    size = f"{args.communities:,} × {args.buildings:,}, p={args.p}"
    print(solution_line("p-facility MCLP: siting", size, build, sol, ours - build))

    import pulp
    from spopt.locate import MCLP

    started = time.perf_counter()
    cost = np.hypot(comm_xy[:, None, 0] - bldg_xy[None, :, 0], comm_xy[:, None, 1] - bldg_xy[None, :, 1])
    model = MCLP.from_cost_matrix(cost, weights, service_radius=1_000.0, p_facilities=args.p)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    theirs = time.perf_counter() - started
    chosen = [j for j in range(args.buildings) if model.fac_vars[j].value() > 0.5]
    covered = (cost[:, chosen] <= 1_000.0).any(axis=1)
    their_objective = float(weights[covered].sum())
    print(line("p-facility MCLP: spopt + CBC", size, float("nan"), theirs, "optimal", their_objective, None, peak_mb()))
    print(
        f"  siting {ours:.2f} s vs spopt {theirs:.2f} s: {theirs / ours:.1f}×; objectives {sol.objective:,.4f} vs "
        f"{their_objective:,.4f} (difference {sol.objective - their_objective:+.6f})"
    )


def row_published(args) -> None:
    """Every instance of a published set through siting.reproduce.runner (independent re-evaluation)."""
    from siting.reproduce.runner import run_case
    from siting.reproduce.sets import DEFAULT_GAP, cases, data_folder

    folder = data_folder(args.set, args.data)
    wanted = args.instances.split(",") if args.instances else None
    gap = args.gap if args.gap_given else DEFAULT_GAP[args.set]
    opts = SolveOptions(time_limit_s=args.time_limit, mip_rel_gap=gap, threads=args.threads)
    proven, total, started = 0, 0, time.perf_counter()
    for case in cases(args.set, folder, wanted):
        row = run_case(case, solver=args.solver, options=opts, reduce=not args.no_reduce)
        total += 1
        proven += row.status == "optimal" and not row.failure
        size = f"n={row.n:,} m={row.m:,}" + (f" p={row.p}" if row.p else "")
        print(
            line(
                f"{args.set} {row.instance}",
                size,
                row.seconds - row.solve_seconds,
                row.solve_seconds,
                row.status,
                row.ours,
                row.gap,
                peak_mb(),
            )
            + f"  {row.verdict}",
            flush=True,
        )
    print(f"  {proven} of {total} proven and matching in {time.perf_counter() - started:.1f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("row", choices=("demo", "district", "city", "spopt", "published"))
    parser.add_argument("--communities", type=int, default=None)
    parser.add_argument("--buildings", type=int, default=None)
    parser.add_argument("--budget-share", type=float, default=0.1, help="city: share of buildings the budget buys")
    parser.add_argument("--capacitated", action="store_true", help="city: capacities from floor area")
    parser.add_argument("--p", type=int, default=42, help="spopt: number of facilities")
    parser.add_argument("--seed", type=int, default=1, help="district: generator seed")
    parser.add_argument("--set", default="orlib-pmed", help="published: the set")
    parser.add_argument("--instances", default=None, help="published: comma-separated instance names")
    parser.add_argument("--data", type=Path, default=None, help="published: the set's folder")
    parser.add_argument("--solver", default="auto")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--gap", type=float, default=None)
    parser.add_argument("--no-reduce", action="store_true", help="skip the exact reductions")
    parser.add_argument("--override", default=None, help="demo: a named override of the demo scenario (e.g. phased)")
    args = parser.parse_args(argv)
    args.gap_given = args.gap is not None
    args.gap = 1e-6 if args.gap is None else args.gap
    defaults = {"district": (500, 2_000), "city": (5_000, 20_000), "spopt": (2_000, 5_000)}.get(args.row, (0, 0))
    args.communities = args.communities or defaults[0]
    args.buildings = args.buildings or defaults[1]
    print(HEADER)
    {"demo": row_demo, "district": row_district, "city": row_city, "spopt": row_spopt, "published": row_published}[
        args.row
    ](args)


if __name__ == "__main__":
    main()
