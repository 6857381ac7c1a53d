"""The closure check of `siting run`: each closed facility re-planned kept open, within the run's time limit."""

from __future__ import annotations

import time

import pytest
from conftest import make_scenario
from test_model_tiny import ELDERLY, building, community, option

from siting import pipeline
from siting.cli.run import closure_text
from siting.report.study_markdown import closures_section
from siting.scenario.load import load_scenario
from siting.study import closures


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    # B1's rent (100 a year) fits the yearly budget (50) only with both far-away facilities (40 a year each) closed
    far = {"x": 9000, "y": 0, "services": "elderly_care", "annual_cost": 40, "closable": "true"}
    path = make_scenario(
        tmp_path_factory.mktemp("closures"),
        communities=[community("C1", 0, 100)],
        buildings=[building("B1", 0)],
        options=[option("B1", "rent", 0, 100)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 10, "annual": 50},
        existing=[{"id": "E1", "name": "甲站", **far}, {"id": "E2", "name": "乙站", **far}],
    )
    run = pipeline.run(load_scenario(path))
    assert run.solution.plan.closed == ("E1", "E2")
    return run


def test_without_a_deadline_each_closure_is_re_planned_to_optimality(result):
    table = closures.closure_costs(result)
    assert list(table["status_kept_open"]) == ["optimal", "optimal"]
    assert list(table["objective_lost"]) == [100.0, 100.0]  # kept open, B1 cannot be paid: nothing covered
    assert "would be 100.000 lower" in closure_text(table.iloc[0])


def test_the_re_plans_share_the_time_left_and_stop_when_none_is(result, monkeypatch):
    # `siting run --time-limit 60` took 473 s on 400 communities: nine re-plans of 45 s each after the 56 s solve
    limits = []
    real = pipeline.run

    def recording(scenario, **kwargs):
        limits.append(kwargs["options"].time_limit_s)
        return real(scenario, **kwargs)

    monkeypatch.setattr(closures.pipeline, "run", recording)
    table = closures.closure_costs(result, deadline=time.monotonic() + 10)
    assert 4.5 < limits[0] <= 5.0 and limits[1] <= 10.0  # half of the time left each, then what remains
    assert list(table["status_kept_open"]) == ["optimal", "optimal"]
    limits.clear()
    table = closures.closure_costs(result, deadline=time.monotonic() + 0.5)
    assert limits == [] and list(table["status_kept_open"]) == [closures.NOT_CHECKED] * 2
    assert "no time left" in closure_text(table.iloc[0])
    assert "not re-planned within the time limit" in closures_section(table, result.scenario)
