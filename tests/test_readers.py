"""Readers for the published benchmark instances in ../shared/benchmarks (relative to the repository root)."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix, diags, eye, hstack, kron, vstack

from siting.errors import InputError
from siting.reproduce.known_values import (
    capopt_key,
    read_capopt,
    read_pmed_opt,
    read_sjc_best,
    read_ufllib_solution,
    read_uncap_opt,
)
from siting.reproduce.readers import read_cap, read_pmed, read_sjc_cpmp, read_sjc_mclp

BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"
TOL = 1e-3


@pytest.fixture
def bench() -> Path:
    if not BENCH.is_dir():
        pytest.skip(f"published benchmark folder not found at {BENCH} (expected ../shared/benchmarks)")
    return BENCH


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return path


def raises_input_error(func, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        func(*args, **kwargs)
    return info.value


# ---------------------------------------------------------------- p-median (OR-Library pmed)


def test_pmed1_dimensions_and_distances(bench: Path) -> None:
    inst = read_pmed(bench / "orlib-pmed" / "pmed1.txt")
    assert (inst.name, inst.n, inst.p) == ("pmed1", 100, 5)
    assert inst.dist.shape == (100, 100) and inst.dist.dtype == np.float64
    assert np.all(np.isfinite(inst.dist))
    assert np.array_equal(inst.dist, inst.dist.T)
    assert np.all(np.diag(inst.dist) == 0)
    assert np.all(inst.dist[~np.eye(100, dtype=bool)] > 0)
    # Repeated edges, last occurrence wins (MANIFEST): {19,20} 22 then 30; {30,70} 5 then 74.
    assert inst.dist[18, 19] == 30 and inst.dist[19, 18] == 30
    assert inst.dist[29, 69] == 74
    # Shortest paths satisfy the triangle inequality through every intermediate vertex k.
    assert all(np.all(inst.dist <= inst.dist[:, [k]] + inst.dist[[k], :]) for k in range(inst.n))
    with pytest.raises(ValueError):
        inst.dist[0, 1] = 1.0  # read-only


def test_pmed1_header_matches_body(bench: Path) -> None:
    lines = (bench / "orlib-pmed" / "pmed1.txt").read_text().splitlines()
    assert lines[0].split() == ["100", "200", "5"]
    assert len([s for s in lines[1:] if s.strip()]) == 200


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_small_pmed_files_parse_and_match_pmedopt_names(bench: Path, k: int) -> None:
    inst = read_pmed(bench / "orlib-pmed" / f"pmed{k}.txt")
    assert inst.n == 100 and inst.name in read_pmed_opt(bench / "orlib-pmed")


def p_median_optimum(dist: np.ndarray, p: int) -> float:
    """Compact p-median MILP (binary y_j, x_ij <= y_j, sum y = p) solved by HiGHS via scipy."""
    n = dist.shape[0]
    one_median = hstack([kron(eye(n), np.ones((1, n))), csr_matrix((n, n))])
    open_only = hstack([eye(n * n), -kron(np.ones((n, 1)), eye(n))])
    count = hstack([csr_matrix((1, n * n)), np.ones((1, n))])
    a = vstack([one_median, open_only, count]).tocsr()
    lb = np.r_[np.ones(n), np.full(n * n, -np.inf), p]
    ub = np.r_[np.ones(n), np.zeros(n * n), p]
    res = milp(
        np.r_[dist.ravel(), np.zeros(n)],
        constraints=LinearConstraint(a, lb, ub),
        integrality=np.r_[np.zeros(n * n), np.ones(n)],
        bounds=Bounds(0, 1),
    )
    assert res.status == 0, res.message
    return float(res.fun)


def test_pmed1_last_wins_distances_reproduce_published_optimum(bench: Path) -> None:
    """Self-check of the last-occurrence rule: the minimum-cost rule would give 5718, not 5819."""
    inst = read_pmed(bench / "orlib-pmed" / "pmed1.txt")
    assert p_median_optimum(inst.dist, inst.p) == pytest.approx(5819, abs=TOL)


def test_pmed_last_occurrence_wins_and_zero_cost_edges(tmp_path: Path) -> None:
    path = write(tmp_path, "g.txt", " 4 6 1 \n 1 2 5 \n 2 3 1\n2 1 9\n1 3 20\n3 4 0\n4 3 0\n")
    inst = read_pmed(path)
    assert inst.dist[0, 1] == 9  # the last cost of {1,2}, although 5 came first (min would give 5)
    assert inst.dist[0, 2] == 10  # 1-2-3 = 9 + 1 beats the direct 20
    assert inst.dist[2, 3] == 0 and inst.dist[1, 3] == 1  # zero-cost edges are edges
    assert inst.name == "g"


# ---------------------------------------------------------------- capacitated warehouse location (cap)


def test_cap41(bench: Path) -> None:
    inst = read_cap(bench / "orlib-cap" / "cap41.txt")
    assert (inst.name, inst.m, inst.n) == ("cap41", 16, 50)
    assert inst.capacity.shape == (16,) and inst.fixed_cost.shape == (16,)
    assert inst.demand.shape == (50,) and inst.cost.shape == (16, 50)
    assert np.all(inst.capacity == 5000)
    assert inst.fixed_cost[0] == 7500 and inst.fixed_cost[10] == 0  # warehouse 11 is free to open
    assert inst.demand[0] == 146 and inst.demand[1] == 87
    # First customer: its 16 costs follow its demand, in warehouse order (c_1j ... c_mj).
    assert inst.cost[0, 0] == pytest.approx(6739.725) and inst.cost[15, 0] == pytest.approx(6051.7)
    assert inst.cost[0, 1] == pytest.approx(3204.8625)


def test_cap41_capacitated_optimum(bench: Path) -> None:
    """Self-check of the cost orientation and demand semantics against capopt (split demand model)."""
    inst = read_cap(bench / "orlib-cap" / "cap41.txt")
    m, n = inst.m, inst.n
    assign = hstack([kron(np.ones((1, m)), eye(n)), csr_matrix((n, m))])
    capacity = hstack([kron(eye(m), inst.demand[None, :]), -diags(inst.capacity)])
    strong = hstack([eye(m * n), -kron(eye(m), np.ones((n, 1)))])
    a = vstack([assign, capacity, strong]).tocsr()
    lb = np.r_[np.ones(n), np.full(m + m * n, -np.inf)]
    ub = np.r_[np.ones(n), np.zeros(m + m * n)]
    res = milp(
        np.r_[inst.cost.ravel(), inst.fixed_cost],
        constraints=LinearConstraint(a, lb, ub),
        integrality=np.r_[np.zeros(m * n), np.ones(m)],
        bounds=Bounds(0, 1),
    )
    assert res.status == 0
    assert res.fun == pytest.approx(read_capopt(bench / "orlib-cap")["cap41"], abs=TOL)


def test_capa_needs_capacity(bench: Path) -> None:
    path = bench / "orlib-cap" / "capa.txt"
    inst = read_cap(path, capacity=8000)
    assert (inst.m, inst.n) == (100, 1000)
    assert np.all(inst.capacity == 8000) and inst.cost.shape == (100, 1000)
    assert inst.fixed_cost[0] == 2141200 and inst.demand[0] == 56
    err = raises_input_error(read_cap, path)
    assert "capa.txt" in str(err) and err.line == 2 and "capacity=" in err.message
    assert np.all(np.isinf(read_cap(path, capacity=math.inf).capacity))
    for bad in (0, -5, float("nan"), "lots"):
        assert raises_input_error(read_cap, path, capacity=bad).field == "capacity"


def test_numeric_capacities_refuse_the_capacity_argument(bench: Path) -> None:
    err = raises_input_error(read_cap, bench / "orlib-cap" / "cap41.txt", capacity=8000)
    assert "numeric capacities" in err.message


# ---------------------------------------------------------------- São José dos Campos


def test_sjc1(bench: Path) -> None:
    inst = read_sjc_cpmp(bench / "sjc-cpmp" / "SJC1.dat")
    assert (inst.name, inst.n, inst.p) == ("SJC1", 100, 10)
    assert np.all(inst.capacity == 720)
    assert inst.demand.sum() == 5807
    assert inst.xy.shape == (100, 2) and tuple(inst.xy[0]) == (409154, 435528)


def test_sjc_cpmp_all(bench: Path) -> None:
    expected = {
        "SJC1": (100, 10, 720),
        "SJC2": (200, 15, 840),
        "SJC3a": (300, 25, 740),
        "SJC3b": (300, 30, 740),
        "SJC4a": (402, 30, 840),
        "SJC4b": (402, 40, 840),
    }
    for name, (n, p, cap) in expected.items():
        inst = read_sjc_cpmp(bench / "sjc-cpmp" / f"{name}.dat")
        assert (inst.n, inst.p) == (n, p) and np.all(inst.capacity == cap)
    assert read_sjc_cpmp(bench / "sjc-cpmp" / "SJC2.dat").demand.sum() == 9269


def test_sjc402_same_nodes_as_sjc4a(bench: Path) -> None:
    mclp = read_sjc_mclp(bench / "sjc-mclp" / "SJC402.txt")
    cpmp = read_sjc_cpmp(bench / "sjc-cpmp" / "SJC4a.dat")
    assert (mclp.name, mclp.n) == ("SJC402", 402)
    assert mclp.demand.sum() == 15984
    assert np.array_equal(mclp.xy, cpmp.xy) and np.array_equal(mclp.demand, cpmp.demand)


def test_sjc_mclp_all(bench: Path) -> None:
    totals = {"SJC324": 12152, "SJC402": 15984, "SJC500": 19707, "SJC708": 24192, "SJC818": 29168}
    for name, total in totals.items():
        inst = read_sjc_mclp(bench / "sjc-mclp" / f"{name}.txt")  # SJC818 has no final newline
        assert inst.n == int(name[3:]) and inst.demand.sum() == total and inst.xy.shape == (inst.n, 2)


def test_sjc_mclp_crlf_tabs_no_final_newline(tmp_path: Path) -> None:
    path = write(tmp_path, "tiny.txt", b"2\t9999\tp\tS\r\n1\t2\t3\t\r\n4\t5\t6\t")
    inst = read_sjc_mclp(path)
    assert inst.n == 2 and inst.xy.tolist() == [[1, 2], [4, 5]] and inst.demand.tolist() == [3, 6]


# ---------------------------------------------------------------- known values


def test_known_values(bench: Path) -> None:
    pmed = read_pmed_opt(bench / "orlib-pmed")
    assert len(pmed) == 40 and pmed["pmed1"] == 5819 and pmed["pmed40"] == 5128
    assert read_pmed_opt(bench / "orlib-pmed" / "pmedopt.txt") == pmed

    cap = read_capopt(bench / "orlib-cap")
    assert len(cap) == 49
    assert cap["cap41"] == pytest.approx(1040444.375, abs=TOL)
    assert cap[capopt_key("capa", 8000.0)] == pytest.approx(19240822.449, abs=TOL)
    assert cap["capc-5750"] == pytest.approx(11570340.289, abs=TOL)
    assert "capa" not in cap

    uncap = read_uncap_opt(bench / "orlib-cap")
    assert len(uncap) == 15
    assert uncap["cap71"] == pytest.approx(932615.75, abs=TOL)
    assert uncap["capa"] == 17156454.47830  # the .opt file's more precise value wins

    sjc = read_sjc_best(bench / "sjc-cpmp")
    assert sjc == {
        "SJC1": 17288.99,
        "SJC2": 33270.94,
        "SJC3a": 45335.16,
        "SJC3b": 40635.90,
        "SJC4a": 61925.51,
        "SJC4b": 52458.02,
    }


def test_capopt_key() -> None:
    assert capopt_key("cap41") == "cap41"
    assert capopt_key("capa", 8000) == capopt_key("capa", "8000") == "capa-8000"
    assert capopt_key("capc", 5750.5) == "capc-5750.5"


UFL_OPT = [*(f"cap{n}" for n in (71, 72, 73, 74, 101, 102, 103, 104, 131, 132, 133, 134)), "capa", "capb", "capc"]


@pytest.mark.parametrize("name", UFL_OPT)
def test_ufllib_assignment_reproduces_stated_optimum(bench: Path, name: str) -> None:
    """The 0-based UflLib assignment, evaluated on read_cap's data, gives the stated uncapacitated optimum."""
    folder = bench / "orlib-cap"
    sol = read_ufllib_solution(folder / "ufllib-opt" / f"{name}.txt.opt")
    inst = read_cap(folder / f"{name}.txt", capacity=math.inf if name in ("capa", "capb", "capc") else None)
    assert sol.name == name and sol.assignment.shape == (inst.n,)
    assert 0 <= sol.assignment.min() and sol.assignment.max() < inst.m
    opened = np.unique(sol.assignment)
    total = inst.fixed_cost[opened].sum() + inst.cost[sol.assignment, np.arange(inst.n)].sum()
    assert total == pytest.approx(sol.value, abs=TOL)
    assert total == pytest.approx(read_uncap_opt(folder)[name], abs=TOL)


# ---------------------------------------------------------------- malformed files


PMED_OK = " 3 3 1\n 1 2 4\n 2 3 5\n 1 3 7\n"


@pytest.mark.parametrize(
    ("content", "line", "expected"),
    [
        ("", 1, "expected the header 'n m p', found an empty file"),
        ("3 3\n1 2 4\n", 1, "expected the header 'n m p' (3 integers), got '3 3'"),
        ("3 x 1\n", 1, "expected the header 'n m p' with an integer m, got '3 x 1'"),
        ("3 3 4\n", 1, "expected 1 <= p <= n = 3 in the header, got p = 4"),
        (" 3 3 1\n 1 2 4\n x 2\n 1 3 7\n", 3, "expected 3 integers 'i j cost', got 'x 2'"),
        (" 3 3 1\n 1 2 4\n 2 3 5.5\n 1 3 7\n", 3, "expected 3 integers 'i j cost', got '2 3 5.5'"),
        (" 3 3 1\n 1 2 4\n 2 3 5\n", 3, "expected 3 edge lines after the header, found 2"),
        (PMED_OK + " 1 2 9\n", 5, "expected 3 edge lines after the header (header 'n m p' = '3 3 1'), found more"),
        (" 3 3 1\n 1 2 4\n 2 4 5\n 1 3 7\n", 3, "vertex 4 out of range: expected 1..3"),
        (" 3 3 1\n 1 2 4\n 0 3 5\n 1 3 7\n", 3, "vertex 0 out of range: expected 1..3"),
        (" 3 3 1\n 1 2 4\n 2 3 -5\n 1 3 7\n", 3, "expected a non-negative edge cost, got -5"),
        (" 3 3 1\n 1 2 4\n 2 2 5\n 1 3 7\n", 3, "self-loop on vertex 2"),
    ],
)
def test_pmed_malformed(tmp_path: Path, content: str, line: int, expected: str) -> None:
    path = write(tmp_path, "bad.txt", content)
    err = raises_input_error(read_pmed, path)
    assert err.line == line and expected in err.message, str(err)
    assert str(path) in str(err) and f"line {line}" in str(err)


def test_pmed_truncated_like_the_brief(tmp_path: Path) -> None:
    path = [f"{i} {i + 1} 1" for i in range(1, 100)]
    lines = ["100 200 5", *path, *(f"{i} {i + 2} 3" for i in range(1, 52))]
    err = raises_input_error(read_pmed, write(tmp_path, "pmedX.txt", "\n".join(lines) + "\n"))
    assert "expected 200 edge lines after the header, found 150" in err.message and err.line == 151


def test_pmed_disconnected(tmp_path: Path) -> None:
    err = raises_input_error(read_pmed, write(tmp_path, "d.txt", "4 2 1\n1 2 3\n3 4 3\n"))
    assert "expected a connected graph" in err.message and "d.txt" in str(err)


def test_missing_file_directory_and_bad_bytes(tmp_path: Path) -> None:
    for reader in (read_pmed, read_cap, read_sjc_cpmp, read_sjc_mclp, read_ufllib_solution):
        err = raises_input_error(reader, tmp_path / "nope.txt")
        assert "file not found" in err.message and "nope.txt" in str(err)
        assert "directory" in raises_input_error(reader, tmp_path).message
    err = raises_input_error(read_pmed, write(tmp_path, "latin.txt", b"3 3 1\n1 2 4\n2 3 \xe9\n"))
    assert err.line == 3 and "utf-8" in err.message
    for reader in (read_pmed_opt, read_capopt, read_sjc_best, read_uncap_opt):
        assert "not found" in raises_input_error(reader, tmp_path / "missing-folder").message
    assert "optimal-solutions.txt or ufllib-opt" in raises_input_error(read_uncap_opt, tmp_path).message


CAP_OK = "2 2\n 100 10.\n 100 20.\n 5\n 1. 2.\n 7\n 3. 4.\n"


def test_cap_small_file_and_wrapping(tmp_path: Path) -> None:
    inst = read_cap(write(tmp_path, "c.txt", CAP_OK))
    assert inst.cost.tolist() == [[1, 3], [2, 4]] and inst.demand.tolist() == [5, 7]
    wrapped = read_cap(write(tmp_path, "w.txt", "2 2 100 10. 100\n 20. 5 1.\n 2. 7 3.\n\n 4.\n"))
    assert np.array_equal(wrapped.cost, inst.cost) and np.array_equal(wrapped.fixed_cost, inst.fixed_cost)


@pytest.mark.parametrize(
    ("content", "line", "expected"),
    [
        ("", 1, "expected the header 'm n' (warehouses, customers), found an empty file"),
        ("2 x\n", 1, "expected the header 'm n' as 2 integers, got '2 x'"),
        ("0 2\n", 1, "expected m >= 1 warehouses and n >= 1 customers"),
        (
            CAP_OK.replace(" 3. 4.\n", " 3.\n"),
            7,
            "expected 10 values after the header, found 9: the file ends before the cost of serving customer 2 "
            "from warehouse 2",
        ),
        (CAP_OK + " 9\n", 8, "expected 10 values after the header, found more: '9' is extra"),
        (
            CAP_OK.replace(" 1. 2.", " 1. x"),
            5,
            "expected a number for the cost of serving customer 1 from warehouse 2, got 'x'",
        ),
        (CAP_OK.replace(" 7\n", " -7\n"), 6, "expected a non-negative value for the demand of customer 2, got '-7'"),
        (CAP_OK.replace(" 100 20.", " 100 nan"), 3, "expected a number for the fixed cost of warehouse 2, got 'nan'"),
        (CAP_OK.replace(" 100 20.", " capacity 20."), 3, "pass capacity=..."),
        (CAP_OK.replace(" 5\n", " capacity\n"), 4, "expected a number for the demand of customer 1, got 'capacity'"),
    ],
)
def test_cap_malformed(tmp_path: Path, content: str, line: int, expected: str) -> None:
    path = write(tmp_path, "bad.txt", content)
    err = raises_input_error(read_cap, path)
    assert err.line == line and expected in err.message, str(err)
    assert str(path) in str(err)


@pytest.mark.parametrize(
    ("content", "line", "expected"),
    [
        ("2\r\n", 1, "expected the header 'n p' (2 integers), got '2'"),
        ("2 3\r\n", 1, "expected n >= 1 and 1 <= p <= n"),
        ("2 1\r\n  1 2 720 5\r\n  3 4 720\r\n", 3, "expected 4 numbers 'x y capacity demand', got '3 4 720'"),
        ("2 1\r\n  1 2 720 5\r\n  3 4 720 a\r\n", 3, "expected 4 numbers 'x y capacity demand', got '3 4 720 a'"),
        ("2 1\r\n  1 2 720 5\r\n  3 4 720 -1\r\n", 3, "expected a non-negative demand, got -1"),
        ("2 1\r\n  1 2 720 5\r\n", 2, "expected 2 node lines after the header, found 1"),
    ],
)
def test_sjc_cpmp_malformed(tmp_path: Path, content: str, line: int, expected: str) -> None:
    err = raises_input_error(read_sjc_cpmp, write(tmp_path, "SJCx.dat", content))
    assert err.line == line and expected in err.message, str(err)


@pytest.mark.parametrize(
    ("content", "line", "expected"),
    [
        ("2\t9999\tp\r\n", 1, "expected the header 'n 9999 p S' (4 fields), got '2\t9999\tp'"),
        ("n\t9999\tp\tS\r\n", 1, "expected the header 'n 9999 p S' with an integer n"),
        ("2\t9999\tp\tS\r\n1\t2\t3\t\r\n4\tx\t6\t", 3, "expected 3 numbers 'x y demand', got '4\tx\t6'"),
        ("2\t9999\tp\tS\r\n1\t2\t-3\t\r\n4\t5\t6\t", 2, "expected a non-negative demand, got -3"),
        ("3\t9999\tp\tS\r\n1\t2\t3\t\r\n4\t5\t6\t", 3, "expected 3 node lines after the header, found 2"),
    ],
)
def test_sjc_mclp_malformed(tmp_path: Path, content: str, line: int, expected: str) -> None:
    err = raises_input_error(read_sjc_mclp, write(tmp_path, "SJCx.txt", content))
    assert err.line == line and expected in err.message, str(err)


def test_known_value_files_malformed(tmp_path: Path) -> None:
    path = write(tmp_path, "pmedopt.txt", "Data file   Optimal\npmed1 5819\npmed2 x\n")
    err = raises_input_error(read_pmed_opt, path)
    assert err.line == 3 and "expected 'name value' (e.g. 'pmed1 5819'), got 'pmed2 x'" in err.message
    err = raises_input_error(read_pmed_opt, write(tmp_path, "dup.txt", "pmed1 5819\npmed1 5820\n"))
    assert err.line == 2 and "already given on line 1" in err.message

    path = write(tmp_path, "capopt.txt", "Data file\ncap41 1.5\n   2.5 (capacity 8000)\n")
    err = raises_input_error(read_capopt, path)
    assert err.line == 3 and "must follow a line 'name value (capacity C)'" in err.message
    good = read_capopt(write(tmp_path, "c2.txt", "capa 3 (capacity 8000)\n  2 (capacity 9000)\n\nfree\n"))
    assert good == {"capa-8000": 3.0, "capa-9000": 2.0}

    err = raises_input_error(read_sjc_best, write(tmp_path, "BestSolution.txt", "Best:\n\nSJC1:  17288;99\n"))
    assert err.line == 3 and "expected 'SJCn: value' with a decimal comma" in err.message
    err = raises_input_error(read_sjc_best, write(tmp_path, "b2.txt", "p3028_600: 1,2\n"))
    assert "found none" in err.message

    err = raises_input_error(read_ufllib_solution, write(tmp_path, "cap71.txt.opt", "0 1 -2 3 10.5\n"))
    assert err.line == 1 and "customer 3 (an integer >= 0), got '-2'" in err.message
    err = raises_input_error(read_ufllib_solution, write(tmp_path, "cap72.txt.opt", "0 1\n2 abc\n"))
    assert err.line == 2 and "expected the optimal value as the last token, got 'abc'" in err.message


def test_uncap_sources_must_agree(tmp_path: Path) -> None:
    write(tmp_path, "optimal-solutions.txt", b"\xa7\xa7 header \xa7\ncap71     932615.750\ncap72 5\n")
    (tmp_path / "ufllib-opt").mkdir()
    write(tmp_path / "ufllib-opt", "cap71.txt.opt", "0 0 932615.75049\n")
    assert read_uncap_opt(tmp_path) == {"cap71": 932615.75049, "cap72": 5.0}
    write(tmp_path / "ufllib-opt", "cap71.txt.opt", "0 0 932616.75\n")
    err = raises_input_error(read_uncap_opt, tmp_path)
    assert "cap71.txt.opt" in str(err) and "agree within 1e-3" in err.message


# ---------------------------------------------------------------- robustness: only InputError escapes


def _mutations(text: str, rng: random.Random, count: int) -> list[str]:
    out = []
    for _ in range(count):
        toks = text.split(" ")
        kind = rng.randrange(5)
        k = rng.randrange(len(toks))
        if kind == 0:
            out.append(text[: rng.randrange(len(text))])  # truncate anywhere
        elif kind == 1:
            out.append(" ".join(toks[:k] + toks[k + 1 :]))  # drop a token
        elif kind == 2:
            out.append(
                " ".join(toks[:k] + [rng.choice(["x", "-1", "1e999", "0", "99999", "2.5", "", "\n"])] + toks[k + 1 :])
            )
        elif kind == 3:
            out.append(" ".join(toks[:k] + [toks[k], toks[k]] + toks[k + 1 :]))  # duplicate a token
        else:
            out.append(text.replace("\n", rng.choice(["\r\n", "\r", "\n\n", " "]), rng.randrange(1, 4)))
    return out


def test_corrupted_files_raise_only_input_error(tmp_path: Path) -> None:
    rng = random.Random(20240611)
    pmed = " 5 6 2\n 1 2 3\n 2 3 4\n 3 4 5\n 4 5 6\n 5 1 7\n 2 1 9\n"
    cpmp = "3 1\r\n  1 2 720 5\r\n  3 4 720 6\r\n  5 6 720 7\r\n"
    mclp = "3\t9999\tp\tS\r\n1\t2\t3\t\r\n4\t5\t6\t\r\n7\t8\t9\t"
    opt = "0 1 1 0 12.5\n"
    cases = [
        (read_pmed, pmed),
        (read_cap, CAP_OK),
        (read_sjc_cpmp, cpmp),
        (read_sjc_mclp, mclp),
        (read_ufllib_solution, opt),
        (read_pmed_opt, "Data file\npmed1 5819\npmed2 4093\n"),
        (read_capopt, "Data file\ncap41 1.5\ncapa 3 (capacity 8000)\n  2 (capacity 9000)\n"),
    ]
    for reader, text in cases:
        for i, bad in enumerate(_mutations(text, rng, 60)):
            path = write(tmp_path, f"m{i}.txt", bad)
            try:
                reader(path)
            except InputError as err:
                assert err.file == str(path) and err.message


def test_pmed_header_n_larger_than_graph_fails_fast(tmp_path: Path) -> None:
    err = raises_input_error(read_pmed, write(tmp_path, "big.txt", "10000000000 2 1\n1 2 3\n2 3 4\n"))
    assert err.line == 1 and "2 edge lines can connect at most 3 vertices" in err.message
    err = raises_input_error(read_pmed, write(tmp_path, "gap.txt", "4 3 1\n1 2 3\n2 3 4\n1 3 5\n"))
    assert "expected a connected graph on the n = 4 vertices of the header" in err.message
    assert "vertex 4 cannot be reached from vertex 1" in err.message


def test_bad_line_reported_before_missing_lines(tmp_path: Path) -> None:
    err = raises_input_error(read_pmed, write(tmp_path, "a.txt", "100 200 5\n1 2 3\nx 2\n"))
    assert err.line == 3 and "expected 3 integers 'i j cost', got 'x 2'" in err.message
