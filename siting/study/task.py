"""One task of a sweep, as a worker runs it: scenario bytes + overrides + variant + budget -> verified plan summary.

`solve_task` is a pure function of its arguments (the bundle's bytes and the request): it writes the bundle
into a private temporary folder, loads the scenario with the task's changes, plans it with `pipeline.run`
(independent check included), renders the run folder exactly as `siting run` writes it, and returns the
folder's files as bytes with the plan's figures. The worker writes nothing that outlives the call; the driver
writes the files (siting.study.cache), so a worker that dies loses nothing already returned.

An infeasible scenario and a solve stopped before any plan are answers (a row without a plan); every other
error propagates, and the executor reports it as the task's failure.
"""

from __future__ import annotations

import dataclasses
import platform
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siting import __version__, pipeline
from siting.errors import InfeasibleError, InputError, SitingError
from siting.model.solve import NoPlanError
from siting.report.folder import write_run_folder
from siting.report.tables import plan_document, service_label
from siting.scenario.load import Scenario, load_scenario
from siting.solvers import SolveOptions
from siting.study.bundle import Bundle, unpack
from siting.study.executors import TaskError
from siting.study.summary import plan_summary
from siting.study.sweep_spec import budget_text

FIGURES = ("status", "gap", "objective", "capex", "annual", "npv", "buildings")
"""The plan's figures a sweep keeps (siting.study.summary.plan_summary), with share.<service>."""


@dataclass(frozen=True)
class Request:
    """What a task changes in its scenario, and how it is solved.

    Attributes:
        key: the task's cache key (siting.study.sweep_spec.task_key).
        overrides: named overrides of the scenario, applied in order ([] = the base).
        variant: demand projection variant (demand.variant); None keeps the scenario's.
        budget: one-off budget in 元 (budget.capex); None keeps the scenario's.
        solver: MILP solver name.
        options: solver options.
        lang: report language of the plan folder (zh, en, both).
        allow_outside: the scenario may name files outside its folder.
    """

    key: str
    overrides: tuple[str, ...] = ()
    variant: str | None = None
    budget: float | None = None
    solver: str = "highs"
    options: SolveOptions = field(default_factory=SolveOptions)
    lang: str = "both"
    allow_outside: bool = False


@dataclass(frozen=True)
class Outcome:
    """What a task gives back to the driver.

    Attributes:
        key: the task's cache key.
        status: optimal, feasible, infeasible or no_solution.
        figures: variant and budget planned with (asked), then the plan's FIGURES and share.<service> when it has
            a plan.
        labels: service key -> (zh, en) label; empty without a plan.
        files: the run folder's files as (name, zlib-compressed bytes: report.html is mostly script that
            compresses ~3×, and crosses the network to the driver); empty without a plan.
        note: why there is no plan.
        seconds: wall time of the task inside the worker (unpack, load, plan, check, render).
        solve_seconds: wall time of pipeline.run alone.
        cpu_seconds: CPU time of the worker process during the task (below `seconds` when cores are shared).
    """

    key: str
    status: str
    figures: dict[str, Any]
    labels: dict[str, tuple[str, str]]
    files: tuple[tuple[str, bytes], ...]
    note: str
    seconds: float
    solve_seconds: float
    cpu_seconds: float = 0.0


def solve_task(bundle: Bundle, request: Request) -> Outcome:
    """Plan one task in a private temporary folder; see the module docstring.

    Raises:
        TaskError: bad input or a plan that failed its independent check, with the error's message (naming the
            original files, not the temporary copies) and exit code.
    """
    started, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="siting-task-") as tmp:
        try:
            outcome = _solve(unpack(bundle, Path(tmp)), request, started, str(Path(bundle.root) / bundle.scenario))
        except SitingError as err:
            raise TaskError(str(err).replace(str(Path(tmp)), bundle.root), err.exit_code) from None
    return dataclasses.replace(outcome, cpu_seconds=time.process_time() - cpu)


def _solve(path: Path, request: Request, started: float, origin: str) -> Outcome:
    scenario = load_variant(path, request.overrides, request.variant, request.budget, request.allow_outside)
    solve_started = time.perf_counter()
    try:
        result = pipeline.run(scenario, solver=request.solver, options=request.options, explain_infeasible=False)
    except (InfeasibleError, NoPlanError) as err:
        status = "infeasible" if isinstance(err, InfeasibleError) else "no_solution"
        now = time.perf_counter()
        return Outcome(request.key, status, asked(scenario), {}, (), str(err), now - started, now - solve_started)
    solve_seconds = time.perf_counter() - solve_started
    with tempfile.TemporaryDirectory(prefix="siting-plan-") as tmp:
        folder = Path(tmp) / "plan"
        names = write_run_folder(result, folder, request.lang, manifest=_manifest(result, request, origin))
        files = tuple((name, zlib.compress((folder / name).read_bytes(), 1)) for name in sorted(names))
    summary = plan_summary(plan_document(result))
    figures = {**asked(scenario), **{k: v for k, v in summary.items() if k in FIGURES or k.startswith("share.")}}
    labels = {key: service_label(result, key) for key in scenario.config.services}
    return Outcome(
        request.key, figures["status"], figures, labels, files, "", time.perf_counter() - started, solve_seconds
    )


def load_variant(
    path: Path, overrides: tuple[str, ...], variant: str | None, budget: float | None, allow_outside: bool = False
) -> Scenario:
    """The scenario at `path` with its named overrides merged, then the variant and the budget set.

    The variant and the budget are `--set` values (demand.variant=..., budget.capex=...), so plan.json, its input
    hash and the run folder's scenario.yaml record them as they would for `siting run --set`.

    Raises:
        InputError: an unknown override, a change the scenario refuses (named), or a variant or budget the
            scenario would not use (model.robust plans for its own variants; model.phases.capex sets the money).
    """
    sets = [f"demand.variant={variant}"] if variant is not None else []
    sets += [f"budget.capex={budget_text(budget)}"] if budget is not None else []
    scenario = load_scenario(path, overrides, sets, allow_outside_paths=allow_outside)
    model = scenario.config.model
    if variant is not None and model.robust is not None:  # else every variant would give the same plan
        raise InputError(
            "the sweep sets demand.variant, but the scenario plans for model.robust.variants; leave variants out",
            file=str(scenario.path),
            field="model.robust",
        )
    if budget is not None and model.phases is not None and model.phases.capex is not None:
        raise InputError(
            "the sweep sets budget.capex, but model.phases.capex gives each year's money; leave budgets out",
            file=str(scenario.path),
            field="model.phases.capex",
        )
    return scenario


def asked(scenario: Scenario) -> dict[str, Any]:
    """The variant and one-off budget the scenario was planned with (the task's own, or the scenario's)."""
    return {"variant": scenario.config.demand.variant, "budget": scenario.config.budget.capex}


def _manifest(result: pipeline.RunResult, request: Request, origin: str) -> dict[str, Any]:
    """Provenance of a task's plan folder (the one file with timings), as `siting run` writes it.

    scenario_path is the scenario file where the driver read it, so that `siting verify PLAN_FOLDER` finds it.
    """
    options = request.options
    return {
        "task_key": request.key,
        "scenario_path": origin,
        "overrides": list(request.overrides),
        "variant": request.variant,
        "budget": request.budget,
        "input_sha256": result.scenario.input_sha256,
        "siting_version": __version__,
        "python": platform.python_version(),
        "solver": {
            "name": result.solver,
            "time_limit_s": options.time_limit_s,
            "gap": options.mip_rel_gap,
            "threads": options.threads,
            "stages": [
                {"objective": s.objective, "status": s.result.status.value, "time_s": round(s.result.time_s, 3)}
                for s in result.solution.stages
            ],
        },
        "timings_s": {k: round(v, 3) for k, v in {**result.timings, "build_s": result.solution.build_s}.items()},
    }
