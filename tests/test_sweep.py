"""siting sweep: spec checks, serial = local pool = dask LocalCluster, resume after a crash, failures isolated."""

from __future__ import annotations

import io
import json
import os
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import make_scenario, run_main
from sweep_workers import sleep_then, square_or_die_once

from siting.errors import InputError
from siting.report.sweep_report import write_reports
from siting.solvers import SolveOptions
from siting.study import task as task_module
from siting.study.executors import DaskExecutor, Executor, LocalExecutor, make_executor
from siting.study.sweep import run_sweep
from siting.study.sweep_spec import expand, parse_budget, read_spec

COMMUNITIES = [
    {"id": "C1", "name": "甲社区", "x": 0, "y": 0, "population": 6000},
    {"id": "C2", "name": "乙社区", "x": 900, "y": 0, "population": 4000},
    {"id": "C3", "name": "丙社区", "x": 1800, "y": 0, "population": 5000},
]
BUILDINGS = [
    {"id": "B1", "name": "一号楼", "x": 100, "y": 0, "floor_area_m2": 500},
    {"id": "B2", "name": "二号楼", "x": 1000, "y": 0, "floor_area_m2": 500},
    {"id": "B3", "name": "三号楼", "x": 1700, "y": 0, "floor_area_m2": 500},
]
OPTIONS = [
    {"building": "B1", "mode": "rent", "capex": 400_000, "annual_cost": 100_000},
    {"building": "B2", "mode": "renovate", "capex": 900_000, "annual_cost": 50_000},
    {"building": "B3", "mode": "buy", "capex": 1_300_000, "annual_cost": 20_000},
]
SERVICES = {
    "elderly_care": {
        "label": {"zh": "养老服务站", "en": "Elderly care"},
        "population": "elderly",
        "radius_m": 500,
        "uptake": 0.04,
        "min_area_m2": 300,
    }
}


def city(folder: Path, name: str, **changes) -> Path:
    """A three-community city whose elderly are projected to 2030, so that the demand variants differ."""
    return make_scenario(
        folder / name,
        name=name,
        communities=changes.pop("communities", COMMUNITIES),
        buildings=BUILDINGS,
        options=changes.pop("options", OPTIONS),
        services=SERVICES,
        budget={"capex": 1_500_000},
        demand={"year": 2030},
        **changes,
    )


def spec(folder: Path, **doc) -> Path:
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump({"name": "test", **doc}, allow_unicode=True), encoding="utf-8")
    return path


def sweep(spec_path: Path, out: Path, executor: Executor, **kwargs):
    tasks, bundles = expand(read_spec(spec_path), spec_path, solver="highs", options=SolveOptions(), lang="en")
    return run_sweep(tasks, bundles, out, executor, lang="en", **kwargs)


def plan_files(out: Path) -> dict[str, bytes]:
    """Every result file under out/plans (manifest.json holds timings, so it is left out)."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted((out / "plans").rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def two_cities(folder: Path) -> Path:
    """A sweep of two cities × two variants × two budgets."""
    city(folder / "cities", "north")
    city(folder / "cities", "south", communities=[{**c, "population": c["population"] * 2} for c in COMMUNITIES])
    return spec(folder, scenarios=["cities"], variants=["low", "high"], budgets=[400_000, 1_300_000])


@pytest.fixture(scope="module")
def cities(tmp_path_factory) -> Path:
    """One city × two variants × two budgets: four plans (each ~1 s with its reports)."""
    folder = tmp_path_factory.mktemp("cities")
    city(folder, "north")
    return spec(folder, scenarios=["north"], variants=["low", "high"], budgets=[400_000, 1_300_000])


@pytest.fixture(scope="module")
def serial_run(cities, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial") / "out"
    return out, sweep(cities, out, Executor())


# --- the sweep file -------------------------------------------------------------------------------------------


def test_budgets_are_values_and_inclusive_ranges():
    assert parse_budget("1000000:3000000:1000000") == [1e6, 2e6, 3e6]
    assert parse_budget("0:10:4") == [0.0, 4.0, 8.0]
    assert parse_budget(5) == [5.0]
    for bad in ("1:2", "3:1:1", "1:2:0", "-1", "x", "1:2:x", "0:1:1e-320", "2e12", "0:2e12:1e12", "1e308:1e308:1"):
        with pytest.raises(ValueError):
            parse_budget(bad)


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"scenarios": ["a.yaml"], "budget": [1]}, "budget"),
        ({"scenarios": ["a.yaml"], "variants": ["medium"]}, "variants.0"),
        ({"scenarios": ["a.yaml"], "budgets": ["1:2"]}, "budgets"),
        ({"scenarios": ["a.yaml"], "budgets": []}, "budgets"),
        ({"scenarios": []}, "scenarios"),
        ({"scenarios": ["a.yaml"], "overrides": [[], []]}, "overrides"),
    ],
)
def test_a_bad_sweep_file_names_the_file_and_the_field(tmp_path, doc, field):
    path = spec(tmp_path, **doc)
    with pytest.raises(InputError) as err:
        read_spec(path)
    assert err.value.file == str(path) and f"field '{field}'" in str(err.value)


def test_the_cli_refuses_a_bad_sweep_file_with_exit_2(tmp_path):
    path = spec(tmp_path, scenarios=["missing.yaml"])
    result = run_main("sweep", path, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert "sweep.yaml" in result.stderr and "scenarios.0" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_folder_of_scenarios_holding_the_sweep_file_leaves_it_out(tmp_path):
    city(tmp_path, "north")
    path = spec(tmp_path, scenarios=["."])
    tasks, _ = expand(read_spec(path), path, solver="highs", options=SolveOptions(), lang="en")
    assert [t.scenario for t in tasks] == ["north"]  # not 'sweep', a task that could only fail


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("description: " + "9" * 5000 + "\n", "too large"),
        ("description: " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
    ],
)
def test_a_scenario_yaml_no_reader_takes_fails_its_task_with_the_reason(tmp_path, text, expected):
    # The sweep read each scenario with yaml.safe_load to find its tables: a ValueError or RecursionError traceback.
    path = city(tmp_path, "north")
    path.write_text(text + path.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_main("sweep", spec(tmp_path, scenarios=[str(path)]), "--out", tmp_path / "out")
    assert result.returncode == 1 and "failed: north" in result.stderr and expected in result.stderr, result.stderr


def test_tasks_are_every_combination_in_a_fixed_order(tmp_path):
    cities = two_cities(tmp_path)
    tasks, bundles = expand(read_spec(cities), cities, solver="highs", options=SolveOptions(), lang="en")
    assert [(t.scenario, t.variant, t.budget) for t in tasks] == [
        (s, v, b) for s in ("north", "south") for v in ("low", "high") for b in (400_000.0, 1_300_000.0)
    ]
    assert len({t.key for t in tasks}) == 8 and len(bundles) == 2
    assert tasks[0].folder == "plans/north/base/low/400000"
    # The key follows the bytes of every table, not the file's name or time.
    table = cities.parent / "cities" / "north" / "options.csv"
    table.write_text(table.read_text(encoding="utf-8").replace("400000", "400001"), encoding="utf-8")
    again, _ = expand(read_spec(cities), cities, solver="highs", options=SolveOptions(), lang="en")
    assert [t.key == u.key for t, u in zip(tasks, again)] == [False] * 4 + [True] * 4


def test_executors_refuse_more_solver_threads_than_cores():
    with pytest.raises(InputError, match="cores"):
        make_executor("local", workers=os.cpu_count() + 1)
    with pytest.raises(InputError, match="--executor dask"):
        make_executor("local", scheduler="tcp://127.0.0.1:8786")


# --- what the sweep computes ----------------------------------------------------------------------------------


def test_each_task_plans_its_variant_and_budget(serial_run):
    out, result = serial_run
    table = result.table
    assert list(table.columns[:11]) == [
        "scenario",
        "overrides",
        "variant",
        "budget",
        "status",
        "gap",
        "objective",
        "capex",
        "annual",
        "npv",
        "buildings",
    ]
    assert "share.elderly_care" in table and (table["status"] == "optimal").all()
    assert (table["capex"] <= table["budget"]).all()
    north = table.set_index(["variant", "budget"])
    assert north.loc[("low", 1_300_000), "objective"] > north.loc[("low", 400_000), "objective"]
    elderly = {}
    for _, row in table.iterrows():
        plan = json.loads((out / row["folder"] / "plan.json").read_text(encoding="utf-8"))
        assert plan["objective"] == row["objective"] and plan["demand"]["variant"] == row["variant"]
        assert plan["budget"]["capex"] == row["budget"]
        assert plan["coverage"]["elderly_care"]["share"] == row["share.elderly_care"]
        elderly[row["variant"]] = plan["coverage"]["elderly_care"]["persons"]
    # The high variant projects more elderly to 2030 than the low one.
    assert elderly["high"] > elderly["low"] > 0


def test_the_sweep_reports_are_bilingual_with_units_and_names(serial_run, tmp_path):
    _, result = serial_run
    assert write_reports(tmp_path, result.table, result.labels, "both", "test") == (
        "sweep.md",
        "report.html",
        "report.xlsx",
    )
    text = (tmp_path / "sweep.md").read_text(encoding="utf-8")
    for part in ("方案扫描 / Sweep: test", "养老服务站 Elderly care: 覆盖率 covered share", "(万元)", "最优 optimal"):
        assert part in text, part
    assert "低方案 low" in text and "130.00" in text  # 1,300,000 元 shown as 万元
    assert "养老服务站" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_a_local_pool_and_a_dask_cluster_of_two_workers_give_the_serial_results(cities, serial_run, tmp_path):
    serial_out, serial = serial_run
    with LocalExecutor(2) as local:
        local_result = sweep(cities, tmp_path / "local", local)
    with DaskExecutor(None, 2) as dask:
        dask_result = sweep(cities, tmp_path / "dask", dask)
        assert len(dask.client.scheduler_info()["workers"]) == 2
        # A worker killed in the middle of a task: dask starts another and runs the task again.
        assert finished(dask, tmp_path / "marker") == EXPECTED
    for result, out in ((local_result, tmp_path / "local"), (dask_result, tmp_path / "dask")):
        assert result.solved == 4 and not result.failures
        pd.testing.assert_frame_equal(result.table, serial.table)
        assert plan_files(out) == plan_files(serial_out)


def test_an_interrupted_sweep_solves_only_the_missing_tasks_when_run_again(cities, serial_run, tmp_path, monkeypatch):
    solved = []
    real_run = task_module.pipeline.run

    def counting_run(scenario, **kwargs):
        solved.append((scenario.name, scenario.config.demand.variant, scenario.config.budget.capex))
        return real_run(scenario, **kwargs)

    monkeypatch.setattr(task_module.pipeline, "run", counting_run)

    class Crashing(Executor):
        """Dies (as on Ctrl-C or a killed driver) after two tasks have finished."""

        def run(self, fn, calls):
            for n, done in enumerate(super().run(fn, calls), start=1):
                yield done
                if n == 2:
                    raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        sweep(cities, out, Crashing())
    first = list(solved)
    assert len(first) == 2 and len(list((out / "cache").glob("*.json"))) == 2
    assert not list(out.rglob(".*tmp*"))  # nothing half-written
    solved.clear()
    stream = io.StringIO()
    result = sweep(cities, out, Executor(), progress=stream)
    assert result.cached == 2 and result.solved == 2 and len(solved) == 2
    assert not set(solved) & set(first)
    pd.testing.assert_frame_equal(result.table, serial_run[1].table)
    solved.clear()
    assert sweep(cities, out, Executor()).solved == 0 and solved == []
    # A plan folder replaced by another sweep's (or deleted) is solved again.
    first_folder = out / result.table["folder"][0]
    (first_folder / "manifest.json").unlink()
    assert sweep(cities, out, Executor()).solved == 1 and len(solved) == 1
    # So is one whose cache record or plan folder's manifest.json is mangled (nested too deep to read).
    (out / "cache" / f"{result.tasks[1].key}.json").write_text("[" * 100_000, encoding="utf-8")
    (out / result.table["folder"][2] / "manifest.json").write_text("[" * 100_000, encoding="utf-8")
    assert sweep(cities, out, Executor()).solved == 2
    # Progress: done (with those found done), running, failed and the time left, one line per task.
    lines = stream.getvalue().splitlines()
    assert lines[0] == "sweep: 4 tasks (2 already done), 1 at once" and len(lines) == 3
    assert lines[1].startswith("sweep 3/4: north base high 400000: optimal")
    assert "1 running, 0 failed, about" in lines[1]
    assert lines[-1].startswith("sweep 4/4: north base high 1300000: optimal")
    assert lines[-1].endswith("0 running, 0 failed, about 0 s left")


def test_overrides_apply_and_a_failing_task_is_reported_while_the_others_go_on(tmp_path):
    no_rent = {"no_rent": {"model": {"policy": {"max_by_mode": {"rent": 0}}}}}
    good = city(tmp_path, "good", overrides=no_rent)
    bad = city(tmp_path, "bad", options=[*OPTIONS, {"building": "B9", "mode": "rent", "capex": 1, "annual_cost": 1}])
    path = spec(tmp_path, scenarios=[str(good), str(bad)], overrides=[[], ["no_rent"]], budgets=[400_000])
    out = tmp_path / "out"
    result = run_main("sweep", path, "--out", out, "--lang", "en")
    assert result.returncode == 1, result.stderr
    table = pd.read_csv(out / "sweep.csv", encoding="utf-8-sig").set_index(["scenario", "overrides"])
    assert list(table.index) == [("bad", "base"), ("bad", "no_rent"), ("good", "base"), ("good", "no_rent")]
    # 400,000 元 rents B1; without renting nothing is affordable.
    assert table.loc[("good", "base"), "status"] == "optimal" and table.loc[("good", "base"), "buildings"] == 1
    assert table.loc[("good", "no_rent"), "buildings"] == 0
    plan = json.loads((out / table.loc[("good", "no_rent"), "folder"] / "plan.json").read_text(encoding="utf-8"))
    assert plan["overrides"] == ["no_rent"] and plan["sets"] == ["budget.capex=400000"]
    # A sweep's plan folder is a run folder: `siting verify` re-checks it against the scenario it names.
    checked = run_main("verify", out / table.loc[("good", "base"), "folder"])
    assert checked.returncode == 0 and "the plan holds" in checked.stdout, checked.stderr
    # The bad city's options name an unknown building: both its tasks fail, with the reason.
    assert (table.loc["bad", "status"] == "failed").all()
    note = table.loc[("bad", "base"), "note"]
    assert "options.csv" in note and "B9" in note and "siting-task-" not in note  # not a worker's temporary copy
    assert "failed: bad base" in result.stderr and "Traceback" not in result.stderr
    for name in ("sweep.md", "report.html", "report.xlsx", "manifest.json"):
        assert (out / name).is_file()
    # The next run tries again only the failed tasks.
    again = run_main("sweep", path, "--out", out, "--lang", "en")
    assert again.returncode == 1 and "2 already done" in again.stdout and "0 solved now" in again.stdout


EXPECTED = {f"t{i}": (i * i, "") for i in range(5)}


def finished(executor: Executor, marker: Path) -> dict:
    """Run five tasks, the third of which kills its worker once; (value, error) by key."""
    calls = [(f"t{i}", (str(marker) if i == 2 else "", i)) for i in range(5)]
    return {d.key: (d.value, d.error) for d in executor.run(square_or_die_once, calls)}


class PoolThatDies:
    """Runs each task at once in this process; the `dies_at`-th submission finds the pool broken (a worker died
    between the executor's wait and its next submission: a race a loaded machine makes likely)."""

    def __init__(self, dies_at: int | None) -> None:
        self.submitted, self.dies_at = 0, dies_at

    def submit(self, fn, *args):
        self.submitted += 1
        if self.submitted == self.dies_at:
            raise BrokenProcessPool("a child process terminated abruptly")
        future = Future()
        future.set_result(fn(*args))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Nothing to stop."""


def test_an_interrupted_pool_ends_its_workers_instead_of_waiting_for_their_tasks():
    """SIGTERM to `siting frontier --executor local` waited for the plans in flight (4.4 s on the demo)."""
    import signal
    import time

    from siting.interrupts import Interrupted

    def alarm(signum, frame):
        raise Interrupted(signal.SIGTERM)

    previous = signal.signal(signal.SIGALRM, alarm)
    try:
        with pytest.raises(Interrupted), LocalExecutor(2) as pool:
            pool.warm_up("sweep_workers")
            signal.setitimer(signal.ITIMER_REAL, 0.3)
            started = time.perf_counter()
            list(pool.run(sleep_then, [("a", (30.0, 1)), ("b", (30.0, 2))]))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.perf_counter() - started < 10


def test_a_pool_found_broken_when_submitting_is_replaced_and_no_task_is_lost(monkeypatch):
    pools = iter([PoolThatDies(dies_at=3), PoolThatDies(dies_at=None)])
    monkeypatch.setattr(LocalExecutor, "_start", lambda self, module: next(pools))
    calls = [(f"t{i}", ("", i)) for i in range(5)]
    assert {d.key: (d.value, d.error) for d in LocalExecutor(2).run(square_or_die_once, calls)} == EXPECTED


def test_a_killed_pool_worker_loses_no_finished_result_and_its_task_is_retried(tmp_path):
    with LocalExecutor(2) as pool:
        assert finished(pool, tmp_path / "marker") == EXPECTED
        assert (tmp_path / "marker").is_file()
