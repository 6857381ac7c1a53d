"""What running a sweep's tasks through an executor costs, and what a cluster would do for a province.

    python benchmarks/sweep_overhead.py                       # 200 tiny plans with serial, local and dask
    python benchmarks/sweep_overhead.py --tasks 50 --executors local,dask --machines 10 --cores 16

Measured, on this machine (`--workers` processes for local and dask, one solver thread each):

- 200 small tasks: the tiny scenario at 200 one-off budgets, each a whole sweep task (unpack the scenario's bytes,
  load, plan, verify, render the run folder, return it; the driver writes it and its cache record);
- per executor: startup (pool or LocalCluster up, planning code imported in every worker), wall time of the
  200 tasks after startup, Σ task time (wall time inside the workers), Σ task CPU time (when it is well below
  Σ task time, the workers waited for cores other processes held), and
      overhead per task = (wall − Σ task time / slots) / tasks,
  the wall time a task costs beyond its own work when `slots` tasks run at once: the driver's work (receiving,
  writing files, progress), scheduling and serialisation, and slots left idle. Work slowed by sharing cores
  (the driver and the workers on the same 2 cores) counts as task time, not overhead;
- the dask scheduler alone: `--null-tasks` empty tasks through the same cluster, (wall / tasks);
- a city-sized task: the demo scenario (40 communities, 150 buildings, existing facilities, swaps) at
  `--demo-tasks` budgets, serially: task time, solve time and the driver's time to store one result.

From these, the wall time of `--cities` × `--variants` × `--budgets` city-sized tasks on `--machines` machines of
`--cores` cores (one task per core): startup + tasks × demo task time / slots, plus either nothing (the driver's
per-task work overlaps the workers', the lower estimate) or tasks × dask overhead per task (no overlap at all,
the upper estimate), and the driver's own serial floor tasks × store time. Every sweep's sweep.csv is checked to be
identical across executors.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from siting.solvers import SolveOptions
from siting.study.cache import Store
from siting.study.executors import DaskExecutor, make_executor
from siting.study.sweep import run_sweep
from siting.study.sweep_spec import expand, read_spec
from siting.study.task import Request, solve_task

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "scenarios" / "tiny" / "scenario.yaml"
DEMO = REPO / "scenarios" / "demo" / "scenario.yaml"
MODULE = solve_task.__module__


def write_spec(folder: Path, scenario: Path, budgets: list[float]) -> Path:
    path = folder / f"{scenario.parent.name}-sweep.yaml"
    doc = {"name": path.stem, "scenarios": [str(scenario)], "budgets": budgets}
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def tasks_of(spec: Path):
    return expand(read_spec(spec), spec, solver="highs", options=SolveOptions(), lang="both")


def small_solves(kind: str, spec: Path, out: Path, workers: int) -> dict:
    tasks, bundles = tasks_of(spec)
    started = time.perf_counter()
    with make_executor(kind, workers=workers) as executor:
        executor.warm_up(MODULE)
        startup = time.perf_counter() - started
        result = run_sweep(tasks, bundles, out, executor)
        slots = executor.slots
    assert not result.failures, result.failures
    n = len(tasks)
    solve = sum(r.solve_seconds for r in result.records.values())
    return {
        "executor": kind,
        "slots": slots,
        "tasks": n,
        "startup_s": startup,
        "wall_s": result.seconds,
        "task_sum_s": result.task_seconds,
        "task_cpu_sum_s": result.task_cpu_seconds,
        "solve_sum_s": solve,
        "overhead_per_task_s": (result.seconds - result.task_seconds / slots) / n,
        "table": result.table,
    }


def null_tasks(workers: int, n: int) -> float:
    """Seconds per empty task through a LocalCluster that is already up (the scheduler's own cost)."""
    with DaskExecutor(None, workers) as executor:
        executor.warm_up("operator")
        started = time.perf_counter()
        done = list(executor.run(abs, [(str(i), (i,)) for i in range(n)]))
        wall = time.perf_counter() - started
    assert len(done) == n and not any(d.error for d in done)
    return wall / n


def city_task(folder: Path, k: int) -> dict:
    """Task time, solve time and the driver's store time of k demo tasks (serially)."""
    spec = write_spec(folder, DEMO, [30e6 + 5e6 * i for i in range(k)])
    tasks, bundles = tasks_of(spec)
    outcomes = [solve_task(bundles[t.bundle], Request(t.key, budget=t.budget)) for t in tasks]
    store = Store(folder / "demo-out")
    started = time.perf_counter()
    for task, outcome in zip(tasks, outcomes):
        store.save(task, outcome)
    return {
        "tasks": k,
        "task_s": statistics.mean(o.seconds for o in outcomes),
        "task_cpu_s": statistics.mean(o.cpu_seconds for o in outcomes),
        "solve_s": statistics.mean(o.solve_seconds for o in outcomes),
        "store_s": (time.perf_counter() - started) / k,
        "plan_folder_bytes": sum(p.stat().st_size for p in (folder / "demo-out" / "plans").rglob("*") if p.is_file())
        / k,
        "statuses": sorted({o.status for o in outcomes}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200, help="small tasks per executor (default 200)")
    parser.add_argument("--executors", default="serial,local,dask")
    parser.add_argument("--workers", type=int, default=2, help="processes of local and dask (default 2)")
    parser.add_argument("--null-tasks", type=int, default=1000)
    parser.add_argument("--demo-tasks", type=int, default=3)
    parser.add_argument("--machines", type=int, default=10)
    parser.add_argument("--cores", type=int, default=16, help="cores per machine of the cluster estimate")
    parser.add_argument("--cities", type=int, default=50)
    parser.add_argument("--variants", type=int, default=3)
    parser.add_argument("--budgets", type=int, default=20)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    try:
        spec = write_spec(folder, TINY, [float(20_000 * i) for i in range(args.tasks)])
        kinds = args.executors.split(",") if args.tasks else []
        runs = [small_solves(kind, spec, folder / kind, args.workers) for kind in kinds]
        for run in runs[1:]:
            assert run["table"].equals(runs[0]["table"]), f"{run['executor']} differs from {runs[0]['executor']}"
        per_null = null_tasks(args.workers, args.null_tasks) if args.null_tasks else float("nan")
        city = city_task(folder, args.demo_tasks)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"## {args.tasks} small tasks (tiny scenario, one per budget), {args.workers} workers, 1 solver thread\n")
    print(
        "| executor | slots | startup s | wall s | Σ task s | Σ task CPU s | Σ solve s | overhead/task ms "
        "| speed-up vs serial |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    serial_wall = next((r["wall_s"] for r in runs if r["executor"] == "serial"), None)
    dask = next((r for r in runs if r["executor"] == "dask"), None)
    for r in runs:
        speed = f"{serial_wall / r['wall_s']:.2f}×" if serial_wall else "—"
        print(
            f"| {r['executor']} | {r['slots']} | {r['startup_s']:.1f} | {r['wall_s']:.1f} | {r['task_sum_s']:.1f} | "
            f"{r['task_cpu_sum_s']:.1f} | {r['solve_sum_s']:.1f} | {1000 * r['overhead_per_task_s']:.0f} | {speed} |"
        )
    print(f"\ndask scheduler alone: {1000 * per_null:.2f} ms per empty task ({args.null_tasks} tasks)")
    print(
        f"city-sized task (demo, {city['tasks']} budgets, {', '.join(city['statuses'])}): task {city['task_s']:.2f} s "
        f"wall, {city['task_cpu_s']:.2f} s CPU (solve {city['solve_s']:.2f} s), driver store "
        f"{1000 * city['store_s']:.0f} ms, plan folder "
        f"{city['plan_folder_bytes'] / 1e6:.2f} MB"
    )

    n = args.cities * args.variants * args.budgets
    slots = args.machines * args.cores
    startup = dask["startup_s"] if dask else 0.0
    overhead = max(dask["overhead_per_task_s"], 0.0) if dask else per_null
    print(
        f"\n## Estimate: {args.cities} cities × {args.variants} variants × {args.budgets} budgets = {n} tasks on "
        f"{args.machines} machines × {args.cores} cores ({slots} tasks at once)\n"
    )
    estimate = {"tasks": n, "slots": slots}
    for name, per_task in (("CPU", city["task_cpu_s"]), ("wall", city["task_s"])):
        compute = n * per_task / slots
        lower = startup + max(compute, n * city["store_s"])
        upper = startup + compute + n * overhead
        estimate[name] = {"compute_s": compute, "lower_s": lower, "upper_s": upper}
        print(
            f"- demo task {per_task:.2f} s ({name} time here): compute {n} × {per_task:.2f} s / {slots} = "
            f"{compute / 60:.1f} min; with startup {startup:.0f} s and the driver's work overlapped "
            f"{lower / 60:.1f} min, not overlapped (+ {1000 * overhead:.0f} ms per task) {upper / 60:.1f} min"
        )
    print(f"- driver floor (stores one result at a time): {n} × {city['store_s']:.3f} s = {n * city['store_s']:.0f} s")
    print(f"- one core, serially: {n * city['task_cpu_s'] / 3600:.1f} h")
    if args.json:
        figures = {
            "runs": [{k: v for k, v in r.items() if k != "table"} for r in runs],
            "null_task_s": per_null,
            "city": city,
            "estimate": estimate,
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
