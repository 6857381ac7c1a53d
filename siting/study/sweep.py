"""A sweep: many independent plans (scenario × overrides × variant × budget), on any executor, resumable.

`run_sweep` takes the tasks of a sweep file (siting.study.sweep_spec), skips those already finished under the
output folder (siting.study.cache), hands the rest to an executor (siting.study.executors) as calls of
`siting.study.task.solve_task`, and writes each answer the moment it arrives. `sweep_table` turns the answers
into one row per task, in the tasks' fixed order:

    scenario, overrides, variant, budget, status, gap, objective, capex, annual, npv, buildings,
    share.<service> ..., folder, note

status is optimal, feasible, infeasible, no_solution, or failed (the error in note; a failed task has no
record, so the next run tries it again). Amounts in 元; shares of each service's demand.
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pandas as pd

from siting.solvers import SolveOptions
from siting.study.bundle import Bundle
from siting.study.cache import Record, Store
from siting.study.executors import Executor
from siting.study.progress import Progress, duration
from siting.study.sweep_spec import Task, budget_text
from siting.study.task import Outcome, Request, solve_task

FIXED = ["scenario", "overrides", "variant", "budget", "status", "gap", "objective", "capex", "annual", "npv"]
FIXED += ["buildings"]
FAILED = "failed"


@dataclass(frozen=True)
class SweepResult:
    """What a sweep found.

    Attributes:
        tasks: every task, in order.
        records: cache key -> answer, for every task that has one.
        failures: cache key -> error, for the tasks that failed in this run.
        solved: tasks solved in this run (failures not counted).
        cached: tasks found finished before this run.
        seconds: wall time of this run's solving.
        task_seconds: Σ of the solved tasks' wall times inside their workers.
        task_cpu_seconds: Σ of their CPU times.
    """

    tasks: tuple[Task, ...]
    records: dict[str, Record]
    failures: dict[str, str] = field(default_factory=dict)
    solved: int = 0
    cached: int = 0
    seconds: float = 0.0
    task_seconds: float = 0.0
    task_cpu_seconds: float = 0.0

    @property
    def table(self) -> pd.DataFrame:
        """sweep.csv (see the module docstring)."""
        return sweep_table(self.tasks, self.records, self.failures)

    @property
    def labels(self) -> dict[str, tuple[str, str]]:
        """Service key -> (zh, en) label, over every plan (first seen wins)."""
        labels: dict[str, tuple[str, str]] = {}
        for task in self.tasks:
            record = self.records.get(task.key)
            for key, pair in (record.labels if record else {}).items():
                labels.setdefault(key, (pair[0], pair[1]))
        return labels


def run_sweep(
    tasks: Sequence[Task],
    bundles: dict[str, Bundle],
    out: Path,
    executor: Executor,
    *,
    solver: str = "highs",
    options: SolveOptions | None = None,
    lang: str = "both",
    allow_outside: bool = False,
    progress: TextIO | None = None,
) -> SweepResult:
    """Solve every task that has no answer under `out` yet and keep each answer as it arrives.

    Args:
        tasks: the sweep's tasks (siting.study.sweep_spec.expand), with keys made for these solver options.
        bundles: the scenarios' bytes by hash.
        out: the output folder (plans/ and cache/ under it).
        executor: where the tasks run.
        solver: MILP solver.
        options: solver options.
        lang: report language of the plan folders.
        allow_outside: scenarios may name files outside their folder (as the keys were made).
        progress: where to show progress (siting.study.progress); None shows nothing.
    """
    options = options or SolveOptions()
    store = Store(out)
    records = {t.key: r for t in tasks if (r := store.load(t)) is not None}
    todo = {t.key: t for t in tasks if t.key not in records}  # tasks with equal inputs are solved once
    if todo:
        executor.warm_up(solve_task.__module__)
    cached = len(tasks) - len(todo)
    shown = Progress(len(tasks), "sweep", progress or io.StringIO(), cached=cached, slots=executor.slots)
    shown.start()
    handles = {sha: executor.share(bundles[sha]) for sha in sorted({t.bundle for t in todo.values()})}
    calls = [
        (key, (handles[t.bundle], Request(key, t.overrides, t.variant, t.budget, solver, options, lang, allow_outside)))
        for key, t in todo.items()
    ]
    failures: dict[str, str] = {}
    started, task_seconds, cpu_seconds = time.perf_counter(), 0.0, 0.0
    for done in executor.run(solve_task, calls):
        task = todo[done.key]
        if done.error:
            failures[done.key] = done.error
            shown.step(f"{describe_task(task)}: {done.error}", ok=False)
            continue
        outcome: Outcome = done.value
        records[done.key] = store.save(task, outcome)
        task_seconds += outcome.seconds
        cpu_seconds += outcome.cpu_seconds
        shown.step(f"{describe_task(task)}: {outcome.status} ({duration(outcome.seconds)})")
    shown.close()
    seconds = time.perf_counter() - started
    solved = len(todo) - len(failures)
    return SweepResult(tuple(tasks), records, failures, solved, cached, seconds, task_seconds, cpu_seconds)


def describe_task(task: Task) -> str:
    """'demo base central 35000000' (what is not set shows as the scenario's)."""
    budget = "scenario-budget" if task.budget is None else budget_text(task.budget)
    return f"{task.scenario} {task.overrides_label} {task.variant or 'scenario-variant'} {budget}"


def sweep_table(tasks: Sequence[Task], records: dict[str, Record], failures: dict[str, str]) -> pd.DataFrame:
    """One row per task, in the tasks' order (see the module docstring)."""
    rows = []
    for task in tasks:
        record = records.get(task.key)
        row = {
            "scenario": task.scenario,
            "overrides": task.overrides_label,
            "variant": task.variant,
            "budget": task.budget,
        }
        if record is None:
            row.update(status=FAILED, folder="", note=failures.get(task.key, "not run"))
        else:
            row.update(record.figures)
            row.update(folder=record.folder, note=record.note)
            row["status"] = record.status
        rows.append(row)
    table = pd.DataFrame(rows)
    shares = [c for c in table.columns if c.startswith("share.")]
    return table.reindex(columns=[*FIXED, *shares, "folder", "note"])
