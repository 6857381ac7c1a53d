"""Why a phased plan is slow to prove: the bounds on the phased demo's optimum, from the weakest to the strongest.

    python benchmarks/phased.py                          # the demo's `phased` override
    python benchmarks/phased.py --lagrange 25            # and the Lagrangian bound after 25 subgradient steps
    python benchmarks/phased.py --solve 120              # and the stacked first stage, 120 s, with what HiGHS proves
    python benchmarks/phased.py SCENARIO.yaml --override NAME

The whole command is measured by `python benchmarks/engine.py demo --override phased --time-limit 600` (compare
with `python benchmarks/engine.py demo` run at the same moment). This script prints, for the first objective
(max_coverage): the schedule planned year by year (siting.model.phases.myopic, a feasible value I); each year's
single-year optimum F*_t with the one-off money up to it, and its LP bound; Σ F*_t (the cuts (P6)); the LP bound
of the stacked model; how many option columns reduced-cost fixing settles at the root (the stacked LP with and
without (P6), and year by year: year t must keep I − Σ_{s≠t} F*_s, so its column j is fixed when the year's LP
bound minus |d_j| falls below that); and, optionally, the Lagrangian bound with the nesting rows (P1) dualised,
each year solved as a MILP (P2 dropped, (P3) as the cumulative one-off money: a relaxation), by Polyak steps.
Figures from the 2-core machine, shared, are in benchmarks/ENGINE.md ("Phased demo").
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from siting.model import phases
from siting.model.fixing import MARGIN, fix_for_later_stages, lagrangian
from siting.model.stacked import complete
from siting.phased import phased_inputs
from siting.scenario.load import load_scenario
from siting.solvers import MilpProblem, SolveOptions, get_solver
from siting.solvers.highs import lp_duals

REPO = Path(__file__).resolve().parent.parent


def year_problems(stacked, schedule, problem: MilpProblem) -> list[tuple[int, MilpProblem]]:
    """Each year alone, a relaxation of the stacked `problem`: its own rows, the one-off money up to it.

    Returns (first column of the year, its problem) per year.
    """
    starts = [int(b.v.x[0]) for b in stacked.blocks]
    out = []
    for t, (lo, hi, block) in enumerate(zip(starts, starts[1:] + [problem.num_cols], stacked.blocks)):
        inside = np.zeros(problem.num_cols, bool)
        inside[lo:hi] = True
        A = sp.csr_matrix(problem.A)
        own = (A[:, ~inside].getnnz(axis=1) == 0) & (A[:, inside].getnnz(axis=1) > 0)
        new = ~block.data.option_existing
        money = sp.csr_matrix(
            (block.data.capex[new], (np.zeros(int(new.sum()), int), block.v.x[new] - lo)), shape=(1, hi - lo)
        )
        out.append(
            (
                lo,
                MilpProblem(
                    c=problem.c[lo:hi],
                    A=sp.vstack([A[own][:, lo:hi], money]).tocsr(),
                    row_lower=np.r_[problem.row_lower[own], -np.inf],
                    row_upper=np.r_[problem.row_upper[own], float(schedule.capex[: t + 1].sum())],
                    col_lower=problem.col_lower[lo:hi],
                    col_upper=problem.col_upper[lo:hi],
                    integrality=problem.integrality[lo:hi],
                    maximize=True,
                ),
            )
        )
    return out


def year_fixing(years, caps: list[float], threshold: float, x_cols: np.ndarray) -> tuple[list[float], int]:
    """Each year's LP bound, and how many option columns the year-by-year reduced-cost test fixes."""
    bounds, fixed = [], 0
    duals = [lp_duals(p) for _, p in years]
    tests = [min((lagrangian(p, s * y) for s in (1.0, -1.0)), key=lambda c: c[0]) for (_, p), y in zip(years, duals)]
    bounds = [b for b, _ in tests]
    for t, ((lo, p), (bound, d)) in enumerate(zip(years, tests)):
        keep = threshold - (sum(caps) - caps[t])
        loss = np.abs(d) * np.minimum(p.col_upper - p.col_lower, 1.0)
        moved = p.integrality & (bound - loss < keep - MARGIN * max(1.0, abs(bound))) & (d != 0)
        fixed += int(np.isin(lo + np.flatnonzero(moved), x_cols).sum())
    return bounds, fixed


def lagrange(stacked, years, value: float, steps: int) -> float:
    """The best Lagrangian bound over `steps` Polyak steps (multipliers of (P1), each year a MILP)."""
    new = ~stacked.blocks[0].data.option_existing
    sign = np.where(new, 1.0, -1.0)  # (P1): x_t − x_{t−1} ≥ 0 for new options, ≤ 0 for existing ones
    n_years = len(years)
    lam, best, highs = np.zeros((n_years, len(new))), np.inf, get_solver("highs")
    for step in range(steps):
        bound, taken = 0.0, []
        for t, ((lo, p), block) in enumerate(zip(years, stacked.blocks)):
            c, cols = p.c.copy(), block.v.x - lo
            c[cols] += sign * lam[t] - (sign * lam[t + 1] if t + 1 < n_years else 0.0)
            result = highs.solve(dataclasses.replace(p, c=c), SolveOptions(mip_rel_gap=1e-4))
            bound += result.bound
            taken.append(np.round(result.x[cols]))
        best = min(best, bound)
        g = np.zeros_like(lam)
        g[1:] = sign * (np.array(taken[1:]) - np.array(taken[:-1]))
        g[(lam == 0) & (g > 0)] = 0.0
        print(f"  Lagrangian step {step}: {bound:.4f} (best {best:.4f})", flush=True)
        if not (g**2).sum():
            break
        lam = np.maximum(0.0, lam - (bound - value) / (g**2).sum() * g)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", default=str(REPO / "scenarios" / "demo" / "scenario.yaml"))
    parser.add_argument("--override", default="phased")
    parser.add_argument("--lagrange", type=int, default=0, help="subgradient steps (0 = none)")
    parser.add_argument("--solve", type=float, default=0.0, help="seconds for the stacked first stage (0 = none)")
    args = parser.parse_args(argv)
    _, datas, specs, schedule = phased_inputs(load_scenario(args.scenario, overrides=[args.override]))
    stacked = phases.build(datas, specs, schedule)
    name, vector = next(iter(stacked.vectors.items()))
    started = time.perf_counter()
    myopic = phases.myopic(datas, specs, schedule, solver="highs", options=SolveOptions())
    start = complete(stacked, myopic.taken, SolveOptions())
    value = float(vector @ start)
    caps = [float(b) for b in myopic.bounds]
    print(f"year by year (I): {value:.6f} in {time.perf_counter() - started:.1f} s; F*_t {[round(b, 4) for b in caps]}")
    plain = stacked.model.problem(vector, maximize=True)
    x_cols = np.concatenate([b.v.x for b in stacked.blocks])
    years = year_problems(stacked, schedule, plain)
    threshold = value - 1e-6 * max(1.0, abs(value))
    year_lp, fixed = year_fixing(years, caps, threshold, x_cols)
    print(f"each year's LP bound {[round(b, 3) for b in year_lp]}; Σ F*_t {sum(caps):.6f}")
    for label, problem in (("without (P6)", plain), ("with (P6)", None)):
        if problem is None:
            stacked.model.add(phases.year_cuts(stacked, myopic.bounds))
            problem = stacked.model.problem(vector, maximize=True)
        fixing = fix_for_later_stages(problem, lp_duals(problem), threshold)
        moved = int(np.isin(fixing.columns, x_cols).sum())
        print(f"stacked LP {label}: bound {fixing.bound:.4f}; fixes {moved} of {len(x_cols)} option columns")
    print(f"year by year reduced-cost fixing: {fixed} of {len(x_cols)} option columns")
    if args.lagrange:
        started = time.perf_counter()
        best = lagrange(stacked, years, value, args.lagrange)
        print(f"Lagrangian bound {best:.4f} after {args.lagrange} steps, {time.perf_counter() - started:.1f} s")
    if args.solve:
        result = get_solver("highs").solve(problem, SolveOptions(time_limit_s=args.solve, warm_start=start))
        print(f"stacked first stage: {result.status.value}, {result.objective:.6f}, bound {result.bound:.6f}, "
              f"gap {result.gap:.3%}, {result.time_s:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
