"""The independent evaluator catches broken plans, `run` refuses to return one, `verify` refuses an edited run."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pandas as pd
import pytest
from conftest import REPO, make_scenario, rehash, run_main
from test_model_tiny import ELDERLY, MEALS, building, community, option

from siting import pipeline
from siting.errors import PlanViolation
from siting.plan import Plan, Selection
from siting.scenario.load import load_scenario
from siting.verify.evaluate import evaluate


@pytest.fixture
def scenario(tmp_path):
    path = make_scenario(
        tmp_path,
        communities=[community("C1", 0, 100), community("C2", 2000, 60)],
        buildings=[building("B1", 0, 400), building("B2", 2000, 400)],
        options=[option("B1", "buy", 100), option("B1", "rent", 10, 20), option("B2", "renovate", 60)],
        services={"elderly_care": ELDERLY, "meals": MEALS},
        budget={"capex": 150, "annual": 10},
    )
    return load_scenario(path)


@pytest.fixture
def demand(scenario):
    return pipeline.compute_demand(scenario).units


def violations(scenario, demand, *selections):
    return evaluate(scenario, Plan.of(selections), demand).violations


def test_a_valid_plan_has_no_violations_and_its_coverage_is_recomputed(scenario, demand):
    ev = evaluate(scenario, Plan.of([Selection("B2", "renovate", ("elderly_care",))]), demand)
    assert ev.violations == ()
    assert ev.objective == pytest.approx(37.5)  # share basis: 60 of 160 elderly-care units = 37.5 %, weight 1
    assert ev.capex == pytest.approx(60)
    row = ev.coverage[(ev.coverage["community"] == "C1") & (ev.coverage["service"] == "elderly_care")].iloc[0]
    assert not row["covered"] and row["distance_m"] == pytest.approx(2000) and row["nearest_building"] == "B2"


@pytest.mark.parametrize(
    ("basis", "service", "value"),
    [("share", "meals", 150.0), ("persons", "meals", 240.0), ("units", "elderly_care", 160.0)],
)
def test_the_objective_basis_counts_shares_persons_or_units(scenario, basis, service, value):
    # Budget 200 buys B1 (covers C1: 100 elderly) and B2 (C2: 60 elderly); 400 m² fits one service each.
    # Elderly care: 1 place per person, weight 1; meals: 0.1 per person, weight 1.5. Each building hosting
    # the same service X: share = w_X x 100 %; persons = w_X x 160; units = w_X x 160 x uptake_X. So meals win
    # on shares (150 > 100) and persons (240 > 160), elderly care on units (160 > 24); the mixed plans are
    # worse on every basis (share 118.75 and 131.25, persons 190 and 210, units 109 and 75).
    loaded = load_scenario(
        scenario.path,
        sets=[
            f"model.objective_basis={basis}",
            "services.meals.uptake=0.1",
            "services.meals.weight=1.5",
            "budget.capex=200",
        ],
    )
    plan = Plan.of([Selection("B1", "buy", (service,)), Selection("B2", "renovate", (service,))])
    ev = evaluate(loaded, plan, pipeline.compute_demand(loaded).units)
    assert ev.violations == ()
    assert ev.objective == pytest.approx(value)
    assert ev.by_service.loc["elderly_care", "persons"] == pytest.approx(160)
    assert ev.by_service.loc["meals", "persons"] == pytest.approx(160)  # 16 meals a day, 0.1 per person
    assert ev.by_service.loc[service, "persons_covered"] == pytest.approx(160)
    result = pipeline.run(loaded)
    assert [(s.building, s.mode, s.services) for s in result.solution.plan.selected] == [
        (s.building, s.mode, s.services) for s in plan.selected
    ]
    assert result.solution.objective == pytest.approx(value)


def test_a_required_share_of_a_service_without_demand_is_met(scenario):
    # The model reads σ·0 ≥ σ·0 as met; the check said "meals covers 0.00%; requires 50.00%" and run exited 4.
    loaded = load_scenario(scenario.path, sets=["services.meals.uptake=0", "services.meals.min_share=0.5"])
    assert pipeline.run(loaded).evaluation.violations == ()


@pytest.mark.parametrize(
    "rules",
    [["services.meals.min_share=0.5"], ["model.policy.group_by=name", "model.policy.district_min_share={meals: 0.5}"]],
)
def test_a_required_share_of_a_tiny_demand_is_checked_to_the_solvers_tolerance(scenario, rules):
    # 1.6e-8 demand units: the solver meets a share within its absolute tolerance (about 1e-6 units) by covering
    # nothing; the check, relative on shares alone, said "meals covers 0.00%; requires 50.00%" and run exited 4.
    loaded = load_scenario(scenario.path, sets=["services.meals.uptake=1e-10", "model.objectives=[min_cost]", *rules])
    assert pipeline.run(loaded).evaluation.violations == ()


def test_over_the_one_off_budget(scenario, demand):
    found = violations(
        scenario, demand, Selection("B1", "buy", ("elderly_care",)), Selection("B2", "renovate", ("elderly_care",))
    )
    assert any("one-off cost 160 元 exceeds the budget 150 元" in v for v in found), found


def test_over_the_yearly_budget(scenario, demand):
    found = violations(scenario, demand, Selection("B1", "rent", ("elderly_care",)))
    assert any("yearly cost 20 元 exceeds the budget 10 元" in v for v in found), found


def test_two_modes_on_one_building(scenario, demand):
    found = violations(scenario, demand, Selection("B1", "buy", ("elderly_care",)), Selection("B1", "rent", ("meals",)))
    assert any("building B1 is acquired 2 times (modes buy, rent)" in v for v in found), found


def test_area_exceeded(scenario, demand):
    found = violations(scenario, demand, Selection("B2", "renovate", ("elderly_care", "meals")))
    assert any("building B2 gives 450 m² to elderly_care, meals but has 400 m²" in v for v in found), found


def test_unknown_option_and_service(scenario, demand):
    found = violations(scenario, demand, Selection("B2", "buy", ("yoga",)))
    assert any("building B2 has no 'buy' option" in v for v in found)
    assert any("service 'yoga' is not defined" in v for v in found)


def test_run_refuses_a_broken_plan_from_the_model(scenario, monkeypatch):
    real_solve = pipeline.solve

    def broken_solve(*args, **kwargs):
        solution = real_solve(*args, **kwargs)
        extra = Selection("B1", "buy", ("elderly_care", "meals"))
        return dataclasses.replace(solution, plan=Plan.of([*solution.plan.selected, extra]))

    monkeypatch.setattr(pipeline, "solve", broken_solve)
    with pytest.raises(PlanViolation, match="exceeds the budget"):
        pipeline.run(scenario)


def test_run_refuses_a_plan_that_covers_less_than_the_solver_claims(scenario, monkeypatch):
    real_solve = pipeline.solve

    def optimistic_solve(*args, **kwargs):
        solution = real_solve(*args, **kwargs)
        claims = {**solution.values, solution.first.objective: solution.objective + 50}
        return dataclasses.replace(solution, values=claims)

    monkeypatch.setattr(pipeline, "solve", optimistic_solve)
    with pytest.raises(PlanViolation, match="the solver claims"):
        pipeline.run(scenario)


# ------------------------------------------------------------------ saved run folders (siting verify)

TINY = REPO / "scenarios" / "tiny" / "scenario.yaml"


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    """A run folder of the tiny scenario (optimal: B001 rented for childcare, B003 swapped for both services)."""
    out = tmp_path_factory.mktemp("saved") / "run"
    assert run_main("run", TINY, "--out", out, "--quiet").returncode == 0
    return out


@pytest.fixture
def copy(saved_run, tmp_path):
    """A copy of the saved run to edit."""
    return shutil.copytree(saved_run, tmp_path / "run")


def edit_plan(folder, change) -> None:
    document = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    change(document)
    (folder / "plan.json").write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def edit_csv(folder, name: str, line: int, column: str, value: str) -> None:
    """Set one cell of a CSV siting wrote (line 1 is the header), every other cell kept as written."""
    table = pd.read_csv(folder / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table.loc[line - 2, column] = value
    table.to_csv(folder / name, index=False, encoding="utf-8-sig", lineterminator="\n")


def refused(folder, *expected: str) -> None:
    result = run_main("verify", folder)
    assert result.returncode == 4, result.stdout + result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr


def test_an_untouched_run_passes_with_its_files_checked(saved_run):
    result = run_main("verify", saved_run)
    assert result.returncode == 0 and "its files as siting wrote them" in result.stdout, result.stderr
    assert result.stderr == ""
    files = json.loads((saved_run / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert [f["name"] for f in files] == sorted(p.name for p in saved_run.iterdir() if p.name != "manifest.json")


def test_a_file_changed_or_removed_after_the_run_is_named(copy):
    # Whitespace only: every figure is the same, but it is not the file siting wrote.
    (copy / "plan.json").write_text(json.dumps(json.loads((copy / "plan.json").read_text("utf-8"))), "utf-8")
    (copy / "report.md").unlink()
    refused(copy, "plan.json was changed after siting wrote it", "report.md is missing")


def bound_far_off(document) -> None:
    # A feasible plan 5 % from its bound, relabelled: the bound and gap as a time-limited run states them.
    document.update(status="optimal", bound=document["objective"] * 1.05, gap=0.05)


def second_stage_unproven(document, status: str = "feasible") -> None:
    # The time limit hit in the min_cost stage: the plan is feasible, its cost 5 % from the stage's bound.
    stage = document["solver"]["stages"][1]
    stage.update(status=status, bound=round(stage["value"] * 0.95, 6), gap=0.052632)
    document["status"] = "feasible"


def test_a_feasible_run_passes(copy):
    edit_plan(copy, second_stage_unproven)
    rehash(copy)
    assert run_main("verify", copy).returncode == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(status="proven"), "plan.json says status 'proven'"),
        (bound_far_off, "plan.json says optimal, but its bound 157.500000 is 7.5 from max_coverage"),
        (
            lambda d: (second_stage_unproven(d), d.update(status="optimal")),
            "plan.json says optimal, but its min_cost stage ended feasible",
        ),
        (
            lambda d: (second_stage_unproven(d, "optimal"), d.update(status="optimal")),
            "plan.json says its min_cost stage is optimal, but its value 5,312,081.134710 and bound 5,046,477.077974",
        ),
        (lambda d: d.update(objectives={}), "plan.json's objectives omit max_coverage, min_cost"),
        (lambda d: d.update(objective=153.0), "plan.json says objective = 153.000000; the plan, re-checked, gives 150"),
        (lambda d: d["coverage"].pop("childcare"), "plan.json's coverage leaves out childcare"),
        (lambda d: d["cost"].pop("npv"), "plan.json's cost omits npv"),
        (lambda d: d.update(cost=None), "plan.json's cost omits capex, annual, annual_freed, npv"),
    ],
    ids=[
        "status",
        "optimal-with-a-gap",
        "feasible-relabelled",
        "feasible-stage-relabelled",
        "objectives-emptied",
        "objective",
        "coverage-dropped",
        "cost-field-dropped",
        "no-cost",
    ],
)
def test_an_edited_claim_is_refused_even_with_its_hashes_written_anew(copy, change, expected):
    edit_plan(copy, change)
    refused(copy, "plan.json was changed after siting wrote it", expected)
    rehash(copy)
    refused(copy, expected)


@pytest.mark.parametrize(
    ("name", "line", "column", "value", "expected"),
    [
        (
            "selected.csv",
            2,
            "mode",
            "renovate",
            "selected.csv, line 2 (B001): mode is 'renovate'; plan.json has 'rent'",
        ),
        ("selected.csv", 3, "services", "childcare", "selected.csv, line 3 (B003): services is 'childcare'"),
        ("selected.csv", 2, "area_by_service_m2", "400.00", "area_by_service_m2 is '400.00'; plan.json has '300.00'"),
        ("selected.csv", 2, "building", "B002", "selected.csv: rows not in the plan (building) B002"),
        ("coverage.csv", 3, "covered_share", "0.5", "coverage.csv, line 3 (C001 / childcare): covered_share is '0.5'"),
    ],
)
def test_a_csv_row_that_is_not_the_plans_is_named(copy, name, line, column, value, expected):
    edit_csv(copy, name, line, column, value)
    rehash(copy)
    refused(copy, expected)


def test_an_older_run_without_file_hashes_is_verified_with_a_warning(copy):
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = [f["name"] for f in manifest["files"]]  # as runs before the hashes wrote it
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = run_main("verify", copy)
    assert result.returncode == 0, result.stderr
    assert (
        result.stderr == f"siting: warning: {copy}: the files' integrity could not be checked: manifest.json "
        "lists no file hashes (a run older than them)\n"
    )
    edit_csv(copy, "selected.csv", 2, "mode", "renovate")
    refused(copy, "selected.csv, line 2 (B001): mode is 'renovate'")
    (copy / "coverage.csv").unlink()
    refused(copy, "coverage.csv is missing")


def claim_a_larger_budget(document) -> None:
    # The optimum at 210 万元 (objective 150) passed off as the plan for 300 万元, where 210 is possible.
    document["sets"] = ["budget.capex=3000000"]
    document["budget"]["capex"] = 3000000.0


def test_a_plan_passed_off_for_another_budget_is_refused_by_its_scenario_hash(copy):
    edit_plan(copy, claim_a_larger_budget)
    rehash(copy)
    refused(copy, "plan.json's scenario_sha256 is not the hash of the scenario as planned", "budget.capex=3000000")


def test_resolve_refuses_an_optimum_that_planning_again_beats(copy):
    # Even with the scenario hash written anew, every claim is self-consistent: only a new solve can tell.
    from siting.scenario.load import load_scenario
    from siting.scenario.overrides import document_sha256, effective_document

    larger = load_scenario(TINY, sets=["budget.capex=3000000"])
    edit_plan(copy, claim_a_larger_budget)
    edit_plan(copy, lambda d: d.update(scenario_sha256=document_sha256(effective_document(larger.config))))
    rehash(copy)
    assert run_main("verify", copy).returncode == 0  # every rule and figure holds at 300 万元
    result = run_main("verify", copy, "--resolve")
    assert result.returncode == 4
    assert "plan.json says its objective 150.000000 is optimal; re-planned with highs: 210.000000" in result.stderr


def test_resolve_confirms_an_untouched_optimum(saved_run):
    result = run_main("verify", saved_run, "--resolve", "cbc")
    assert result.returncode == 0, result.stderr
    assert "re-planned with cbc: 150 (optimal, agrees)" in result.stdout
