"""The fast engine: reductions and reduced-cost fixing vs the plain model, greedy start, time limit, solver
choice and progress display.

Random scenarios are small (≤ 20 communities × 28 buildings) and built to trigger every reduction: communities at
the same spot (identical reach), buildings far from everyone (reach nobody), buildings next to a cheaper one
(dominated sites). Each is planned through the whole pipeline (reductions on, the independent evaluator checks
the plan) and its optimum compared with the plain model's (reductions off), with every installed solver.
"""

from __future__ import annotations

import dataclasses
import io
import json

import numpy as np
import pytest
from conftest import REPO, make_scenario, run_cli, run_main

from siting import pipeline
from siting.model import formulation, greedy
from siting.model.choose import choose_solver, integer_only_possible
from siting.model.index import model_data, model_spec
from siting.model.objectives import objective_vector
from siting.model.reduce import reduce
from siting.model.solve import NoPlanError, solve, trivial_bound
from siting.progress import Display, bar_line, final_line
from siting.scenario.load import load_scenario
from siting.solvers import SolveOptions, Status, available_solvers
from siting.solvers.base import ProgressEvent

SOLVERS = available_solvers()
TINY = REPO / "scenarios" / "tiny" / "scenario.yaml"
UNCAPACITATED = {
    "elderly_care": {"population": "elderly", "radius_m": 600, "uptake": 1.0, "min_area_m2": 100, "weight": 1.0},
    "childcare": {"population": "infant", "radius_m": 400, "uptake": 1.0, "min_area_m2": 100, "weight": 1.5},
}
VARIANTS = (
    "plain",
    "shares",
    "districts",
    "must",
    "must_as",
    "complex",
    "existing",
    "by_mode",
    "capacities",
    "p_sites",
)


def random_scenario(folder, seed: int, variant: str):
    """A random district of 14–20 communities and 22–28 buildings with the rules `variant` switches on."""
    rng = np.random.default_rng(seed)
    n_c, n_b = int(rng.integers(14, 21)), int(rng.integers(22, 29))
    cxy = rng.uniform(0, 1_600, (n_c, 2))
    cxy[1::5] = cxy[0::5][: len(cxy[1::5])]  # communities at the same spot: identical reach
    bxy = rng.uniform(0, 1_600, (n_b, 2))
    bxy[-3:] = rng.uniform(6_000, 7_000, (3, 2))  # far from everyone: reach nobody
    bxy[1:10:3] = bxy[0:9:3] + rng.normal(0, 20, (3, 2))  # next to another building: nested reach
    communities = [
        {
            "id": f"C{i:02d}",
            "name": f"社区{i}",
            "x": float(cxy[i, 0]),
            "y": float(cxy[i, 1]),
            "population": 5000,
            "elderly": int(rng.integers(20, 120)),
            "infant": int(rng.integers(5, 40)),
            "district": ["东", "西"][int(cxy[i, 0] > 1_000)],
        }
        for i in range(n_c)
    ]
    area = rng.uniform(150, 700, n_b).round()
    buildings = [
        {"id": f"B{j:02d}", "name": f"楼{j}", "x": float(bxy[j, 0]), "y": float(bxy[j, 1]), "floor_area_m2": area[j]}
        for j in range(n_b)
    ]
    options = []
    for j in range(n_b):
        for mode in rng.choice(["renovate", "buy", "rent"], size=int(rng.integers(1, 4)), replace=False):
            options.append(
                {
                    "building": f"B{j:02d}",
                    "mode": str(mode),
                    "capex": int(rng.integers(50, 400)) * 1_000,
                    "annual_cost": int(rng.integers(0, 60)) * 1_000,
                }
            )
    services = {k: dict(v) for k, v in UNCAPACITATED.items()}
    model: dict = {"policy": {}}
    extra: dict = {}
    if variant == "shares":
        services["elderly_care"]["min_share"] = 0.2
    if variant == "districts":
        model["policy"] = {"district_min_share": {"elderly_care": 0.1}, "district_requires": {"东": ["childcare"]}}
    if variant == "must":
        model["policy"] = {"must_choose": ["B05"], "must_not_choose": ["B06"]}
    if variant == "complex":
        services["meals"] = {"population": "elderly", "radius_m": 400, "uptake": 0.5, "min_area_m2": 50}
        model["complex"] = {"min_area_m2": 400, "min_services": 3, "core": ["elderly_care", "meals"], "min_count": 1}
    if variant == "existing":
        existing = [
            {
                "id": "E1",
                "name": "站1",
                "x": float(cxy[0, 0]),
                "y": float(cxy[0, 1]),
                "services": "elderly_care",
                "capacity": "",
                "annual_cost": 20_000,
                "closable": "true",
                "asset": "",
            },
        ]
        extra["existing"] = existing
    if variant == "by_mode":
        model["policy"] = {"max_by_mode": {"buy": 2}}
    if variant == "capacities":
        services["elderly_care"]["area_per_unit_m2"] = 4
    if variant == "must_as":  # a nested frontier's kept buildings: one reaches nobody, one may be dominated
        kept = {f"B{n_b - 1:02d}": None, "B04": None}
        for o in options:
            if o["building"] in kept and kept[o["building"]] is None:
                kept[o["building"]] = o["mode"]
                o["capex"] = 60_000  # both fit in any budget drawn
        model["policy"] = {"must_choose_as": kept}
    if variant == "p_sites":  # p-facility covering: no costs, exactly 3 sites
        options = [{**o, "capex": 0, "annual_cost": 0} for o in options]
        model["objectives"] = ["max_coverage"]
        model["policy"] = {"min_facilities": 3, "max_facilities": 3}
    return make_scenario(
        folder,
        communities=communities,
        buildings=buildings,
        options=options,
        services=services,
        budget={"capex": int(rng.integers(600, 1_200)) * 1_000, "annual": 150_000},
        model=model,
        **extra,
    )


def prepared(path):
    scenario = load_scenario(path)
    demand = pipeline.compute_demand(scenario)
    data = model_data(scenario, demand.units, pipeline.compute_reach(scenario))
    return scenario, data, model_spec(scenario, data)


@pytest.mark.parametrize("variant", VARIANTS)
def test_reductions_keep_the_optimum_of_every_stage_with_every_solver(tmp_path, variant):
    """Reduced (with the evaluator's check) and plain models give the same value for every objective."""
    removed = 0
    for seed in (VARIANTS.index(variant), 10 + VARIANTS.index(variant)):
        path = random_scenario(tmp_path / f"{variant}{seed}", seed, variant)
        scenario, data, spec = prepared(path)
        removed += sum(
            getattr(reduce(data, spec), k)
            for k in ("dropped_options", "unreachable_buildings", "dominated_buildings", "merged_pairs")
        )
        cover = integer_only_possible(data, spec)
        for solver in SOLVERS:
            if solver == "ortools-cpsat" and not cover:
                continue
            reduced = pipeline.run(scenario, solver=solver)  # reductions on; the evaluator re-checks the plan
            plain = solve(data, spec, solver=solver, reduce=False, fixing=False)
            assert reduced.solution.status is Status.OPTIMAL and plain.status is Status.OPTIMAL
            for name, value in plain.values.items():
                assert reduced.solution.values[name] == pytest.approx(value, rel=2e-6, abs=1e-6), (solver, name)
        if variant == "capacities":
            break  # one capacitated instance: only unreachable buildings go, and capacities are slow for CBC
    assert removed > 0, "the random scenarios should give the reductions something to remove"


def test_site_dominance_drops_a_dearer_building_with_nested_reach():
    from siting.access.walking import ReachPairs
    from siting.model.data import from_arrays
    from siting.model.spec import ModelSpec

    # B0 reaches communities 0 and 1, B1 only community 1 and costs more: B1 is dominated. B2 reaches nobody.
    reach = ReachPairs(np.array([0, 1, 1]), np.array([0, 0, 1]), np.array([10.0, 10.0, 10.0]))
    data = from_arrays(
        services=["s"],
        demand=np.array([[5.0], [7.0]]),
        arcs=[reach],
        building_ids=["B0", "B1", "B2"],
        option_building=np.arange(3),
        capex=np.array([1.0, 2.0, 0.5]),
        budget_capex=2.0,
    )
    reduction = reduce(data, ModelSpec())
    assert reduction.dominated_buildings == 1 and reduction.unreachable_buildings == 1
    assert list(reduction.data.option_building) == [0]
    # With a minimum facility count, dropping a building could make the count unreachable: nothing is dropped.
    counted = reduce(data, ModelSpec(min_facilities=2))
    assert counted.dominated_buildings == 0 and counted.unreachable_buildings == 0
    # p-facility covering at no cost: an unused kept building can always replace a dropped one, while at least
    # p_max buildings stay.
    free = dataclasses.replace(data, capex=np.zeros(3), npv=np.zeros(3))
    assert reduce(free, ModelSpec(min_facilities=1, max_facilities=1)).dominated_buildings == 1
    assert reduce(free, ModelSpec(min_facilities=2, max_facilities=2)).dominated_buildings == 0


@pytest.mark.parametrize(
    "variant", ("plain", "shares", "districts", "must", "must_as", "complex", "existing", "capacities")
)
def test_greedy_start_is_feasible_and_meets_lower_bound_rules(tmp_path, variant):
    path = random_scenario(tmp_path, 3, variant)
    _, data, spec = prepared(path)
    model, v = formulation.build(data, spec)
    problem = model.problem(objective_vector(spec.objectives[0], data, spec, v, model.n_cols), maximize=True)
    start = greedy.greedy_start(data, spec, v, problem)
    assert start is not None
    assert problem.max_violation(start.x) <= 1e-6
    assert start.objective > 0
    optimum = solve(data, spec).values[spec.objectives[0]]
    assert start.objective <= optimum * (1 + 1e-6) + 1e-6


def test_time_limit_returns_the_greedy_plan_with_its_gap_on_tiny(tmp_path):
    out = tmp_path / "out"
    result = run_cli("run", TINY, "--out", out, "--time-limit", "0.01", "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["status"] == "feasible" and plan["gap"] is not None and plan["gap"] >= 0


@pytest.mark.parametrize("variant", ("plain", "capacities"))
def test_a_start_plan_that_reaches_a_proven_bound_answers_the_first_stage(tmp_path, variant):
    """solve(bound=...): the first stage is not solved when the start reaches the bound; the answer is unchanged."""
    scenario, data, spec = prepared(random_scenario(tmp_path, 4, variant))
    plain = solve(data, spec)
    known = solve(data, spec, start=plain.plan, bound=plain.bound)
    assert known.stages[0].result.solver.startswith("start plan") and known.status is Status.OPTIMAL
    assert known.values == pytest.approx(plain.values, rel=1e-9, abs=1e-9)
    assert known.plan == plain.plan
    far = solve(data, spec, start=plain.plan, bound=plain.bound * 1.01 + 1)  # not reached: the solver runs
    assert far.stages[0].result.solver == "highs" and far.values == pytest.approx(plain.values, abs=1e-9)


def test_time_limit_returns_a_plan_on_the_uncapacitated_city():
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    from engine import city_data

    args = type("Args", (), {"communities": 300, "buildings": 900, "budget_share": 0.01, "capacitated": False})
    data, _ = city_data(args)
    from siting.model.spec import ModelSpec

    solution = solve(data, ModelSpec(), options=SolveOptions(time_limit_s=0.01))
    assert solution.status is Status.FEASIBLE and solution.gap is not None and solution.plan.selected
    assert solution.stages[0].result.solver.startswith("greedy")


def test_no_start_and_no_time_is_exit_5(tmp_path):
    """With full assignment (walking distance first) serving nobody is not allowed: no greedy plan, no plan."""
    path = random_scenario(tmp_path, 4, "plain")
    _, data, spec = prepared(path)
    from dataclasses import replace

    spec = replace(spec, objectives=("min_distance", "min_cost"), full_assignment=True, min_facilities=None)
    assert not greedy.applicable(spec)
    with pytest.raises(NoPlanError):
        solve(data, spec, options=SolveOptions(time_limit_s=1e-9))


def test_the_time_limit_covers_every_stage_together():
    scenario = load_scenario(REPO / "scenarios" / "demo" / "scenario.yaml")
    limit = 0.6
    result = pipeline.run(scenario, options=SolveOptions(time_limit_s=limit))
    solve_s = sum(s.result.time_s for s in result.solution.stages)
    assert solve_s <= limit + 0.25  # HiGHS stops at the deadline by callback; the rest is set-up
    assert result.solution.plan.selected


def test_trivial_bound_and_solver_choice(tmp_path):
    path = random_scenario(tmp_path, 5, "plain")
    _, data, spec = prepared(path)
    model, v = formulation.build(data, spec)
    problem = model.problem(objective_vector("max_coverage", data, spec, v, model.n_cols), maximize=True)
    assert trivial_bound(problem) == pytest.approx(float(problem.c.clip(min=0).sum()))
    assert choose_solver(data, spec, SolveOptions(threads=1)) == "highs"
    capacitated = prepared(random_scenario(tmp_path / "cap", 5, "capacities"))
    assert not integer_only_possible(capacitated[1], capacitated[2])


def test_progress_display_draws_a_bar_on_a_terminal_and_lines_otherwise():
    running = ProgressEvent(incumbent=90.0, bound=100.0, elapsed_s=1.5, stage="max_coverage", index=0, count=2)
    assert "[##################--]" in bar_line(running) and "gap 11.11%" in bar_line(running)
    done = ProgressEvent(
        incumbent=100.0,
        bound=100.0,
        final=True,
        status=Status.OPTIMAL,
        stage="min_cost",
        index=1,
        count=2,
        solver="highs",
    )
    assert final_line(done) == "stage 2/2 min_cost: optimal, 0.01 万元, gap 0.00%, 0.0 s (highs)"
    plain, terminal = io.StringIO(), io.StringIO()
    for stream, interactive in ((plain, False), (terminal, True)):
        display = Display(stream, interactive=interactive)
        display(running)
        display(done)
    assert plain.getvalue() == final_line(done) + "\n"
    assert terminal.getvalue().startswith(bar_line(running)) and terminal.getvalue().endswith(final_line(done) + "\n")


def test_run_prints_one_line_per_stage_unless_quiet(tmp_path):
    shown = run_main("run", TINY, "--out", tmp_path / "a")
    quiet = run_main("run", TINY, "--out", tmp_path / "b", "--quiet")
    assert shown.returncode == 0 and quiet.returncode == 0
    assert [line.split(":")[0] for line in shown.stderr.splitlines()] == [
        "stage 1/2 max_coverage",
        "stage 2/2 min_cost",
    ]
    assert quiet.stderr == ""


@pytest.mark.parametrize("seed", range(3))
def test_radius_formulation_gives_the_p_median_optimum_with_every_solver(seed, monkeypatch):
    from siting.model import radius
    from siting.model.data import from_arrays
    from siting.model.spec import ModelSpec
    from siting.reproduce.models import all_pairs, euclidean

    rng = np.random.default_rng(seed)
    n = 25
    xy = rng.integers(0, 30, (n, 2)).astype(float)  # integer grid: many equal distances (shared radii)
    data = from_arrays(
        services=["s"],
        demand=rng.integers(1, 4, (n, 1)).astype(float),
        arcs=[all_pairs(euclidean(xy))],
        building_ids=[str(i) for i in range(n)],
        option_building=np.arange(n),
        capex=np.zeros(n),
    )
    spec = ModelSpec(objectives=("min_distance",), full_assignment=True, min_facilities=4, max_facilities=4)
    assert radius.applicable(data, spec)
    for solver in [s for s in SOLVERS if s != "ortools-cpsat"]:
        by_radius = solve(data, spec, solver=solver)
        monkeypatch.setattr(radius, "applicable", lambda data, spec: False)
        plain = solve(data, spec, solver=solver)
        monkeypatch.undo()
        assert by_radius.status is Status.OPTIMAL and plain.status is Status.OPTIMAL
        assert by_radius.objective == pytest.approx(plain.objective, rel=1e-9), solver
        assert len(by_radius.plan.selected) == 4
        assert by_radius.stages[0].result.message.startswith("radius formulation")


def test_time_limit_returns_a_plan_on_the_published_maximal_covering_instances():
    """sjc-mclp (uncapacitated, exactly p sites) through the reproduce runner with 0.01 s: a plan with its gap."""
    import os
    from pathlib import Path

    from conftest import SHARED_BENCHMARKS

    from siting.reproduce.runner import run_case
    from siting.reproduce.sets import cases

    folder = Path(os.environ.get("SITING_BENCHMARKS", SHARED_BENCHMARKS)) / "sjc-mclp"
    if not folder.is_dir():
        pytest.skip(f"published benchmark folder not found at {folder}")
    for case in cases("sjc-mclp", folder, ["SJC324", "SJC818"], radius=800.0, p=10):
        row = run_case(case, options=SolveOptions(time_limit_s=0.01))
        assert row.status == "feasible" and row.gap is not None and not row.failure, row
