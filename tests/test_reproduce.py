"""`siting reproduce`: published benchmark instances solved by the planning model match their published optima.

Tests on the real instances read ../shared/benchmarks (relative to the repository root) and skip, saying so,
when it is absent. Tests on tiny synthetic instances check the model mapping against brute force and run
everywhere.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_BENCHMARKS, run_main
from scipy.optimize import linprog

from siting.cli.main import main as cli_main
from siting.errors import InputError
from siting.model.solve import solve
from siting.reproduce import evaluate, models, runner, sets
from siting.reproduce.instances import CapInstance, CpmpInstance, MclpInstance
from siting.reproduce.readers import read_pmed
from siting.reproduce.runner import Row, run_case
from siting.reproduce.sets import DEFAULT_GAP, Case, cases
from siting.solvers import SolveOptions, Status, available_solvers, get_solver

ISSUE_COLUMNS = ["instance", "n", "p", "published", "ours", "status", "gap", "seconds"]


@pytest.fixture
def bench() -> Path:
    if not SHARED_BENCHMARKS.is_dir():
        pytest.skip(f"published benchmark folder not found at {SHARED_BENCHMARKS} (expected ../shared/benchmarks)")
    return SHARED_BENCHMARKS


def reproduce(bench: Path, set_name: str, name: str) -> Row:
    (case,) = cases(set_name, bench / set_name, [name])
    return run_case(case, solver="highs", options=SolveOptions(mip_rel_gap=DEFAULT_GAP[set_name]))


# ---------------------------------------------------------------- published values, real instances

# Measured on 2 cores (HiGHS 1.16, one thread, quiet machine; about twice as long when the machine is shared):
# pmed6 27 s, SJC1 19 s, pmed1–5 and pmed7–10 0.5–3 s each, every cap instance < 0.2 s; this file 72 s in all.


@pytest.mark.parametrize("k", range(1, 11))
def test_pmed1_to_10_reproduce_the_published_optimum_exactly(bench: Path, k: int) -> None:
    row = reproduce(bench, "orlib-pmed", f"pmed{k}")
    assert row.status == "optimal", row
    assert row.ours == row.published, row  # integer optima: exact
    assert abs(row.solver_objective - row.ours) < 1e-6
    assert row.verdict == "match" and not row.failure


PUBLISHED = {"pmed1": 5819.0, "cap41": 1040444.375}  # pmedopt.txt and capopt.txt, for the every-solver test


@pytest.mark.parametrize("solver", available_solvers())
@pytest.mark.parametrize(("set_name", "name"), [("orlib-pmed", "pmed1"), ("orlib-cap", "cap41")])
def test_pmed1_and_cap41_with_every_installed_solver(bench: Path, set_name: str, name: str, solver: str) -> None:
    (case,) = cases(set_name, bench / set_name, [name])
    assert case.published == PUBLISHED[name]
    options = SolveOptions(mip_rel_gap=DEFAULT_GAP[set_name])
    if get_solver(solver).integer_only:
        # Both models assign clients by continuous shares: CP-SAT must refuse them, not solve another problem.
        with pytest.raises(InputError, match="takes integer variables only") as info:
            run_case(case, solver=solver, options=options)
        assert info.value.field == "--solver" and "use highs, cbc or ortools" in info.value.message
        return
    row = run_case(case, solver=solver, options=options)
    assert row.status == "optimal" and row.verdict == "match" and not row.failure, row
    assert abs(row.ours - PUBLISHED[name]) <= case.tolerance and abs(row.solver_objective - row.ours) < 1e-6, row


def test_cpsat_refusal_through_the_cli_exits_2(bench: Path, capsys) -> None:
    if "ortools-cpsat" not in available_solvers():
        pytest.skip("OR-Tools CP-SAT is not installed")
    code = cli_main(["reproduce", "orlib-pmed", "--instances", "pmed1", "--solver", "ortools-cpsat"])
    assert code == 2 and "takes integer variables only" in capsys.readouterr().err


CAPACITATED = [f"cap{n}" for n in (41, 42, 43, 44, 51, 61, 62, 63, 64, 71, 72, 73, 74)]


@pytest.mark.parametrize("name", CAPACITATED)
def test_capacitated_cap41_to_74_reproduce_capopt(bench: Path, name: str) -> None:
    row = reproduce(bench, "orlib-cap", name)
    assert row.status == "optimal", row
    assert abs(row.ours - row.published) <= 1e-3, row  # capopt is rounded to 3 decimals
    assert row.verdict == "match" and not row.failure


@pytest.mark.parametrize("name", ["cap71-uncap", "cap101-uncap", "cap134-uncap"])
def test_uncapacitated_small_instances_reproduce_uncapopt(bench: Path, name: str) -> None:
    row = reproduce(bench, "orlib-cap", name)
    assert row.status == "optimal" and abs(row.ours - row.published) <= 1e-3, row


@pytest.mark.slow
def test_sjc1_reproduces_the_published_cpmp_value(bench: Path) -> None:
    row = reproduce(bench, "sjc-cpmp", "SJC1")
    assert row.status == "optimal", row
    assert abs(row.ours - 17288.99) <= 0.005, row  # published to 2 decimals; ours 17288.9931
    assert row.verdict == "match"


def test_cli_writes_results_csv_for_pmed1(bench: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run_main("reproduce", "orlib-pmed", "--instances", "pmed1", "--out", out)
    assert done.returncode == 0, done.stderr
    assert "pmed1" in done.stdout and "match" in done.stdout
    with (out / "results.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:8] == ISSUE_COLUMNS
    assert len(rows) == 1
    row = rows[0]
    assert (row["instance"], row["n"], row["p"], row["status"]) == ("pmed1", "100", "5", "optimal")
    assert float(row["published"]) == 5819 and float(row["ours"]) == 5819 and float(row["difference"]) == 0
    assert float(row["gap"]) <= 1e-6 and float(row["seconds"]) > 0
    assert [p.name for p in out.iterdir()] == ["results.csv"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]  # no temporary folder left


def test_cap_set_names_capacities_and_published_values(bench: Path) -> None:
    names = sets.instance_names("orlib-cap")
    assert len(names) == 37 + 12 + 3 + 12
    by_name = {c.name: c for c in cases("orlib-cap", bench / "orlib-cap")}
    assert set(by_name) == set(names)
    assert by_name["cap41"].kind == "cap" and by_name["cap41"].published == 1040444.375
    assert by_name["capa"].kind == "uncap" and abs(by_name["capa"].published - 17156454.4783) < 1e-3
    assert by_name["cap71-uncap"].kind == "uncap" and by_name["cap71-uncap"].file.name == "cap71.txt"
    big = by_name["capb-6000"]
    assert (big.kind, big.capacity, big.published, big.file.name) == ("cap", 6000.0, 13361927.449, "capb.txt")
    assert float(big.read().capacity[0]) == 6000.0
    cpmp = {c.name: c.published for c in cases("sjc-cpmp", bench / "sjc-cpmp")}
    assert cpmp["SJC1"] == 17288.99 and len(cpmp) == 6
    mclp = cases("sjc-mclp", bench / "sjc-mclp", radius=1200, p=3)
    assert [c.name for c in mclp] == ["SJC324", "SJC402", "SJC500", "SJC708", "SJC818"]
    assert all(c.published is None and c.radius == 1200 and c.p == 3 for c in mclp)


def test_mclp_reports_ours_and_an_lp_bound(bench: Path) -> None:
    (case,) = cases("sjc-mclp", bench / "sjc-mclp", ["SJC708"], radius=800, p=6)
    row = run_case(case, options=SolveOptions(mip_rel_gap=1e-6))
    assert row.status == "optimal" and row.verdict == "no published value" and not row.failure
    assert row.ours is not None and row.lp_bound is not None and row.lp_bound >= row.ours - 1e-6
    assert row.ours <= 24192  # total demand of SJC708


# ---------------------------------------------------------------- tiny instances against brute force

PMED = """6 9 2
1 2 3
2 3 4
3 4 2
4 5 6
5 6 1
6 1 7
1 4 9
2 5 5
1 2 8
"""


def brute_pmedian(dist: np.ndarray, p: int) -> float:
    return min(dist[:, list(c)].min(axis=1).sum() for c in itertools.combinations(range(len(dist)), p))


def pmed_folder(tmp_path: Path, published: float | None = None) -> tuple[Path, float]:
    folder = tmp_path / "pmed"
    folder.mkdir(parents=True)
    (folder / "pmed1.txt").write_text(PMED)
    optimum = brute_pmedian(read_pmed(folder / "pmed1.txt").dist, 2)
    (folder / "pmedopt.txt").write_text(f"pmed1 {optimum if published is None else published:g}\n")
    return folder, optimum


def test_tiny_pmedian_matches_brute_force_through_the_cli(tmp_path: Path, capsys) -> None:
    folder, optimum = pmed_folder(tmp_path)
    code = cli_main(
        ["reproduce", "orlib-pmed", "--instances", "pmed1", "--data", str(folder), "--out", str(tmp_path / "out")]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "match" in text and "1 reproduced and proven optimal" in text
    with (tmp_path / "out" / "results.csv").open(encoding="utf-8-sig") as fh:
        (row,) = list(csv.DictReader(fh))
    assert float(row["ours"]) == optimum == float(row["published"])


def test_out_adds_results_csv_and_leaves_what_the_folder_holds(tmp_path: Path) -> None:
    # --out DIR replaced DIR whole: pointed at the data folder (or a folder of runs), it deleted the instances.
    folder, _ = pmed_folder(tmp_path)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    for _ in range(2):  # and again, replacing the earlier results.csv
        argv = ["reproduce", "orlib-pmed", "--instances", "pmed1", "--data", str(folder), "--out", str(folder)]
        assert cli_main([*argv, "--quiet"]) == 0
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "results.csv"} == before
    assert sorted(p.name for p in folder.iterdir()) == ["pmed1.txt", "pmedopt.txt", "results.csv"]


@pytest.mark.parametrize("offset, words", [(+1, "excludes the published value"), (-1, "better than the published")])
def test_a_wrong_published_value_fails_with_exit_1(tmp_path: Path, capsys, offset: int, words: str) -> None:
    _, optimum = pmed_folder(tmp_path / "probe")
    folder, _ = pmed_folder(tmp_path, published=optimum - offset)
    code = cli_main(["reproduce", "orlib-pmed", "--instances", "pmed1", "--data", str(folder)])
    captured = capsys.readouterr()
    assert code == 1
    assert "MISMATCH" in captured.out and words in captured.out
    assert "reproduction failed for pmed1" in captured.err


def test_a_plan_whose_recomputed_value_disagrees_exits_4(tmp_path: Path, capsys, monkeypatch) -> None:
    folder, _ = pmed_folder(tmp_path)
    real = evaluate.pmedian_cost

    def off_by_one(inst, plan):
        e = real(inst, plan)
        return evaluate.Evaluation(e.value + 1, e.facilities)

    monkeypatch.setattr(evaluate, "pmedian_cost", off_by_one)
    code = cli_main(["reproduce", "orlib-pmed", "--instances", "pmed1", "--data", str(folder)])
    assert code == 4
    assert "CHECK FAILED" in capsys.readouterr().out


def cap_instance(capacitated_tight: bool = True) -> CapInstance:
    rng = np.random.default_rng(3)
    m, n = 4, 7
    demand = rng.integers(5, 15, n).astype(float)
    per_unit = rng.integers(1, 20, (m, n)).astype(float)
    capacity = np.array([25.0, 30.0, 20.0, 40.0]) if capacitated_tight else np.full(m, 1e4)
    return CapInstance(
        name="tiny",
        m=m,
        n=n,
        capacity=capacity,
        fixed_cost=np.array([60.0, 45.0, 70.0, 90.0]),
        demand=demand,
        cost=per_unit * demand[None, :],
    )


def brute_cflp(inst: CapInstance, capacitated: bool) -> float:
    best = np.inf
    for k in range(1, inst.m + 1):
        for open_ in itertools.combinations(range(inst.m), k):
            o = list(open_)
            fixed = inst.fixed_cost[o].sum()
            if not capacitated:
                best = min(best, fixed + inst.cost[o].min(axis=0).sum())
                continue
            if inst.capacity[o].sum() < inst.demand.sum():
                continue
            # x[i, j] share of j served by open warehouse i: Σ_i x = 1, Σ_j d_j x_ij ≤ s_i.
            k_, n = len(o), inst.n
            a_eq = np.kron(np.ones(k_), np.eye(n))
            a_ub = np.kron(np.eye(k_), inst.demand[None, :])
            lp = linprog(
                inst.cost[o].ravel(),
                A_ub=a_ub,
                b_ub=inst.capacity[o],
                A_eq=a_eq,
                b_eq=np.ones(n),
                bounds=(0, 1),
                method="highs",
            )
            if lp.status == 0:
                best = min(best, fixed + lp.fun)
    return float(best)


@pytest.mark.parametrize("capacitated", [True, False])
def test_tiny_facility_location_matches_brute_force(capacitated: bool) -> None:
    inst = cap_instance()
    data, spec = models.cflp_model(inst, capacitated=capacitated)
    sol = solve(data, spec, options=SolveOptions(mip_rel_gap=0.0))
    ev = evaluate.cflp_cost(inst, sol.plan, capacitated=capacitated)
    assert sol.status is Status.OPTIMAL and ev.feasible, ev.problems
    expected = brute_cflp(inst, capacitated)
    assert ev.value == pytest.approx(expected, abs=1e-6)
    assert sol.objective == pytest.approx(expected, abs=1e-6)
    if capacitated:  # the capacities bind, so the two problems differ
        assert expected > brute_cflp(inst, False) + 1e-6


def brute_cpmp(inst: CpmpInstance) -> float:
    d = models.euclidean(inst.xy)
    best = np.inf
    for medians in itertools.combinations(range(inst.n), inst.p):
        for choice in itertools.product(range(inst.p), repeat=inst.n):
            target = np.asarray(medians)[list(choice)]
            load = np.bincount(target, weights=inst.demand, minlength=inst.n)
            if np.all(load <= inst.capacity):
                best = min(best, d[np.arange(inst.n), target].sum())
    return float(best)


def test_tiny_capacitated_p_median_matches_brute_force_unweighted_distances() -> None:
    xy = np.array([[0, 0], [3, 0], [0, 4], [10, 10], [11, 10], [10, 13], [5, 5]], float)
    demand = np.array([4, 3, 5, 2, 6, 3, 4], float)
    inst = CpmpInstance(name="tiny", n=7, p=2, xy=xy, capacity=np.full(7, 14.0), demand=demand)
    data, spec = models.cpmp_model(inst)
    sol = solve(data, spec, options=SolveOptions(mip_rel_gap=0.0))
    ev = evaluate.cpmp_cost(inst, sol.plan)
    assert sol.status is Status.OPTIMAL and ev.feasible, ev.problems
    expected = brute_cpmp(inst)
    assert ev.value == pytest.approx(expected, abs=1e-9) and sol.objective == pytest.approx(expected, abs=1e-9)
    # Weighting by demand would be a different problem: the unweighted optimum is what Lorena & Senne report.
    uncapacitated = brute_pmedian(models.euclidean(xy), 2)
    assert expected > uncapacitated + 1e-9  # the capacity binds


@pytest.mark.parametrize("solver", available_solvers())
def test_tiny_maximal_covering_matches_brute_force_and_lp_bound(solver: str) -> None:
    """Maximal covering is integer-only, so every installed solver takes it, CP-SAT included."""
    xy = np.array([[0, 0], [800, 0], [1601, 0], [3000, 0], [3000, 800], [5000, 5000], [5600, 5000]], float)
    demand = np.array([5, 7, 4, 6, 3, 9, 2], float)
    inst = MclpInstance(name="tiny", n=7, xy=xy, demand=demand)
    data, spec = models.mclp_model(inst, radius=800, p=2)
    sol = solve(data, spec, solver=solver)
    assert sol.status is Status.OPTIMAL
    ev = evaluate.mclp_coverage(inst, sol.plan, radius=800, p=2)
    d2 = ((xy[:, None] - xy[None]) ** 2).sum(axis=2)
    expected = max(demand[(d2[:, list(c)] <= 800**2).any(axis=1)].sum() for c in itertools.combinations(range(7), 2))
    # One site covers the points at 0 and 800 m (not the one at 1601 m), the other the far pair at 600 m apart.
    assert ev.value == expected == 5 + 7 + 9 + 2
    assert sol.objective == pytest.approx(expected)
    bound = runner.lp_bound(data, spec, solver="highs", options=SolveOptions())
    assert bound is not None and bound >= expected - 1e-9


def test_zero_demand_is_refused_rather_than_dropped() -> None:
    inst = cap_instance()
    demand = inst.demand.copy()
    demand[2] = 0
    zero = CapInstance(
        name="z", m=inst.m, n=inst.n, capacity=inst.capacity, fixed_cost=inst.fixed_cost, demand=demand, cost=inst.cost
    )
    with pytest.raises(InputError, match="customer 3 has demand 0"):
        models.cflp_model(zero, capacitated=True)


# ---------------------------------------------------------------- verdicts


def case(published: float | None, maximize: bool = False) -> Case:
    return Case("orlib-cap", "x", Path("x"), "mclp" if maximize else "cap", published, 1e-3)


@pytest.mark.parametrize(
    "status, ours, bound, verdict, failure",
    [
        (Status.OPTIMAL, 100.0005, 100.0, "match", ""),
        (Status.FEASIBLE, 100.0, 90.0, "match, not proven", ""),
        (Status.FEASIBLE, 120.0, 90.0, "above published, not proven", ""),
        (Status.FEASIBLE, 99.0, 90.0, "MISMATCH: better", "mismatch"),
        (Status.FEASIBLE, 120.0, 101.0, "MISMATCH: the proven bound", "mismatch"),
        (Status.OPTIMAL, 100.01, 100.0, "MISMATCH: proven optimal", "mismatch"),
    ],
)
def test_verdicts(status, ours, bound, verdict, failure) -> None:
    text, kind = runner._verdict(case(100.0), status, ours, bound)
    assert text.startswith(verdict) and kind == failure


def test_verdicts_without_a_published_value_and_for_maximisation() -> None:
    assert runner._verdict(case(None), Status.OPTIMAL, 5.0, 5.0) == ("no published value", "")
    assert runner._verdict(case(100.0, maximize=True), Status.OPTIMAL, 100.0, 100.0)[0] == "match"
    assert runner._verdict(case(100.0, maximize=True), Status.FEASIBLE, 101.0, 120.0)[1] == "mismatch"


# ---------------------------------------------------------------- bad input: exit 2, file and line named


def reproduce_cli(capsys, *args: str) -> tuple[int, str]:
    code = cli_main(["reproduce", *args])
    return code, capsys.readouterr().err


def test_empty_data_folder_names_the_missing_file(tmp_path: Path, capsys) -> None:
    code, err = reproduce_cli(capsys, "orlib-pmed", "--data", str(tmp_path))
    assert code == 2 and "pmedopt.txt" in err and "not found" in err


def test_missing_instance_file(tmp_path: Path, capsys) -> None:
    (tmp_path / "pmedopt.txt").write_text("pmed1 5819\npmed2 4093\n")
    code, err = reproduce_cli(capsys, "orlib-pmed", "--instances", "pmed2", "--data", str(tmp_path))
    assert code == 2 and "pmed2.txt" in err and "instance file not found" in err


@pytest.mark.parametrize(
    "content, line, words",
    [
        ("6 9\n1 2 3\n", 1, "expected the header 'n m p'"),
        ("3 2 1\n1 2 3\n2 x 4\n", 3, "expected 3 integers 'i j cost'"),
        ("3 3 1\n1 2 3\n2 3 4\n", 3, "expected 3 edge lines"),
    ],
)
def test_malformed_instance_file_names_file_and_line(
    tmp_path: Path, capsys, content: str, line: int, words: str
) -> None:
    (tmp_path / "pmedopt.txt").write_text("pmed1 5819\n")
    (tmp_path / "pmed1.txt").write_text(content)
    code, err = reproduce_cli(
        capsys, "orlib-pmed", "--instances", "pmed1", "--data", str(tmp_path), "--out", str(tmp_path / "out")
    )
    assert code == 2, err
    assert f"pmed1.txt, line {line}: " in err and words in err
    assert not (tmp_path / "out").exists()


def test_malformed_published_values_name_file_and_line(tmp_path: Path, capsys) -> None:
    (tmp_path / "pmedopt.txt").write_text("pmed1 5819\npmed2 four\n")
    (tmp_path / "pmed1.txt").write_text(PMED)
    code, err = reproduce_cli(capsys, "orlib-pmed", "--instances", "pmed1", "--data", str(tmp_path))
    assert code == 2 and "pmedopt.txt, line 2" in err


def test_unknown_instance_lists_the_valid_names(tmp_path: Path, capsys) -> None:
    code, err = reproduce_cli(capsys, "sjc-cpmp", "--instances", "SJC9", "--data", str(tmp_path))
    assert code == 2 and "unknown instance 'SJC9'" in err and "SJC4b" in err


def test_data_folder_that_does_not_exist(tmp_path: Path, capsys) -> None:
    code, err = reproduce_cli(capsys, "orlib-cap", "--data", str(tmp_path / "nowhere"))
    assert code == 2 and "nowhere" in err and "not found" in err


def test_no_default_data_folder_asks_for_data(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sets, "default_folders", lambda name: [tmp_path / "absent" / name])
    code, err = reproduce_cli(capsys, "orlib-pmed", "--instances", "pmed1")
    assert code == 2 and "pass --data" in err and str(tmp_path / "absent") in err


def test_mclp_parameters_are_refused_for_other_sets(tmp_path: Path, capsys) -> None:
    code, err = reproduce_cli(capsys, "orlib-pmed", "--p", "3", "--data", str(tmp_path))
    assert code == 2 and "sjc-mclp only" in err


@pytest.mark.parametrize("radius", ["1e308", "inf", "nan", "0", "-1"])
def test_a_radius_that_is_not_a_walking_distance_is_refused(tmp_path: Path, capsys, radius: str) -> None:
    code, err = reproduce_cli(capsys, "sjc-mclp", f"--radius={radius}", "--data", str(tmp_path))
    assert code == 2 and "field '--radius': expected a radius > 0 and ≤ 1e+06 m" in err, err


def test_default_folder_is_next_to_the_repository() -> None:
    expected = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "orlib-cap"
    assert sets.default_folders("orlib-cap")[0] == expected
