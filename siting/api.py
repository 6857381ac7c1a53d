"""The Python API for notebooks and scripts: the same steps as the command line, results as DataFrames.

    >>> import siting
    >>> scenario = siting.load_scenario("scenarios/demo/scenario.yaml", overrides=["more_money"])
    >>> result = siting.run(scenario, time_limit=60)
    >>> result.status, result.objective
    >>> result.selected                # one row per acquired building (as selected.csv)
    >>> result.coverage                # one row per community × service (as coverage.csv)
    >>> result.plan["cost"]            # plan.json, as a dict
    >>> result.report("runs/demo")     # the folder `siting run` writes
    >>> siting.frontier(scenario, points=12).table
    >>> siting.compare(["runs/a", "runs/b"]).buildings

Every plan returned has passed the independent check, as on the command line; errors are the same
`siting.errors` exceptions (InputError, InfeasibleError, PlanViolation) the command line turns into exit codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from siting import pipeline
from siting.scenario.load import Scenario, load_scenario
from siting.solvers import SolveOptions

__all__ = ["Result", "compare", "frontier", "load_scenario", "run"]


@dataclass(frozen=True)
class Result:
    """One verified plan and the tables the command line writes.

    Attributes:
        raw: everything the pipeline computed (scenario, demand, model data, solution, evaluation).
    """

    raw: pipeline.RunResult

    @property
    def status(self) -> str:
        """Optimal (proven) or feasible (time limit reached; see `gap`)."""
        return self.raw.solution.status.value

    @property
    def objective(self) -> float:
        """The first objective's value, recomputed by the independent check."""
        return self.raw.evaluation.objectives[self.raw.solution.first.objective]

    @property
    def gap(self) -> float | None:
        """Proven relative gap of the first objective (0 when optimal)."""
        return self.raw.solution.gap

    @cached_property
    def plan(self) -> dict[str, Any]:
        """plan.json as a dict: status, objectives, costs, buildings, coverage per service, demand, model."""
        from siting.report.tables import plan_document

        return plan_document(self.raw)

    @cached_property
    def selected(self) -> pd.DataFrame:
        """One row per acquired building, with its mode, services, costs, area and use (selected.csv)."""
        from siting.report.tables import selected_table

        return selected_table(self.raw)

    @cached_property
    def coverage(self) -> pd.DataFrame:
        """One row per community × service: demand, persons, covered share, serving building (coverage.csv)."""
        from siting.report.tables import coverage_table

        return coverage_table(self.raw)

    def report(self, out: str | Path, lang: str = "both") -> Path:
        """Write the run folder (plan.json, CSV tables, report.md/.html/.xlsx, scenario.yaml) atomically."""
        from siting.report.folder import write_run_folder

        write_run_folder(self.raw, Path(out), lang)
        return Path(out)

    def _repr_html_(self) -> str:  # a notebook shows the buildings chosen
        head = f"<p>{self.raw.scenario.name}: {self.status}, {len(self.selected)} buildings</p>"
        return head + self.selected.to_html(index=False)


def _scenario(scenario: Scenario | str | Path, overrides: Iterable[str], sets: Iterable[str]) -> Scenario:
    if isinstance(scenario, Scenario):
        if tuple(overrides) or tuple(sets):
            raise ValueError("overrides and sets apply when loading: pass a path, or use load_scenario")
        return scenario
    return load_scenario(scenario, overrides, sets)


def _options(time_limit: float | None, gap: float, threads: int) -> SolveOptions:
    return SolveOptions(time_limit_s=time_limit, mip_rel_gap=gap, threads=threads)


def run(
    scenario: Scenario | str | Path,
    *,
    overrides: Iterable[str] = (),
    sets: Iterable[str] = (),
    solver: str | None = None,
    time_limit: float | None = None,
    gap: float = 1e-6,
    threads: int = 1,
) -> Result:
    """Plan a scenario (a loaded one, or a path with optional overrides and `key=value` sets) and check the plan.

    Args:
        scenario: a Scenario from load_scenario, or the path of a scenario file.
        overrides: named overrides of the scenario file to merge (paths only).
        sets: `key.path=value` changes to merge (paths only).
        solver: solver registry name (default: the command line's default).
        time_limit: seconds for the whole solve; the best plan found is returned with its gap.
        gap: relative optimality gap at which to stop.
        threads: solver threads (1 keeps results reproducible).

    Raises:
        siting.errors.InputError, InfeasibleError, PlanViolation, NoPlanError: as the command line reports them.
    """
    loaded = _scenario(scenario, overrides, sets)
    kwargs = {} if solver is None else {"solver": solver}
    return Result(pipeline.run(loaded, options=_options(time_limit, gap, threads), **kwargs))


def frontier(
    scenario: Scenario | str | Path,
    *,
    points: int = 12,
    budgets: Sequence[float] | None = None,
    budget: str = "capex",
    nested: bool = False,
    targets: Sequence[float] | None = None,
    solver: str | None = None,
    time_limit: float | None = None,
):
    """The budget frontier (or, with `targets`, the cost of each coverage target); see `siting frontier`.

    Returns:
        siting.study.frontier.Frontier: `.table` (one row per point: budget, status, objective, costs,
        shares, marginal_per_wan, knee, …) and `.points` (each with its verified run).
    """
    from siting.study import frontier as study

    loaded = _scenario(scenario, (), ())
    kwargs: dict[str, Any] = {"options": _options(time_limit, 1e-6, 1)}
    if solver is not None:
        kwargs["solver"] = solver
    if targets is not None:
        return study.target_frontier(loaded, list(targets), **kwargs)
    return study.budget_frontier(loaded, kind=budget, budgets=budgets, points=points, nested=nested, **kwargs)


def compare(runs: Sequence[str | Path]):
    """Two or more run folders side by side; see `siting compare`.

    Returns:
        siting.study.compare.Comparison: `.buildings` (added / dropped / changed / same), `.communities`,
        `.summary`, `.cost_by_mode`, `.coverage_by_service`, `.coverage_by_district`, `.scenario_differences`.
    """
    from siting.study.compare import compare as compare_runs
    from siting.study.compare import read_runs

    return compare_runs(read_runs([Path(r) for r in runs]))
