"""Build and solve the coverage model for a generated city; print build and solve seconds, objective, gap, memory.

    python benchmarks/city_scale.py                          # 5,000 communities × 20,000 buildings × 4 modes
    python benchmarks/city_scale.py --communities 2000 --buildings 5000 --peer
    python benchmarks/city_scale.py --solver cbc --time-limit 300

The city is 30 × 30 km with clustered communities and buildings (lognormal populations), one service with a
1 km walking radius (detour 1.3), four acquisition modes per building with random costs, and a budget that
buys roughly a tenth of the buildings. `--peer` also builds the same model the way a per-coefficient PuLP
loop does (as pysal/spopt does) on the same data, in the same process, and prints the ratio.
"""

from __future__ import annotations

import argparse
import resource
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd

from siting.access.walking import reach_pairs
from siting.model import formulation
from siting.model.data import from_arrays
from siting.model.objectives import objective_vector
from siting.model.solve import solve
from siting.model.spec import ModelSpec
from siting.solvers import SolveOptions

MODES = ("renovate", "buy", "rent", "swap")


def city(n_communities: int, n_buildings: int, seed: int = 7, budget_share: float = 0.1):
    """Clustered coordinates, populations and options (fixed seed); the budget buys `budget_share` of the buildings."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(2_000, 28_000, size=(40, 2))

    def clustered(n):
        which = rng.integers(0, len(centres), n)
        return np.clip(centres[which] + rng.normal(0, 2_500, size=(n, 2)), 0, 30_000)

    comm_xy, bldg_xy = clustered(n_communities), clustered(n_buildings)
    demand = rng.lognormal(mean=np.log(150), sigma=0.6, size=(n_communities, 1))  # elderly care places
    area = rng.uniform(200, 2_000, n_buildings)
    building = np.repeat(np.arange(n_buildings), len(MODES))
    base = np.repeat(area, len(MODES))
    factor_capex = np.tile([2_950, 19_150, 600, 7_800], n_buildings) * rng.uniform(0.85, 1.15, building.size)
    factor_annual = np.tile([200, 200, 1_300, 200], n_buildings) * rng.uniform(0.85, 1.15, building.size)
    options = pd.DataFrame(
        {
            "building": [f"B{i}" for i in building],
            "mode": np.tile(MODES, n_buildings),
            "capex": np.round(base * factor_capex),
            "annual_cost": np.round(base * factor_annual),
            "floor_area_m2": base,
        }
    )
    budget = SimpleNamespace(
        capex=float(np.median(options["capex"]) * n_buildings * budget_share),
        annual=float(np.median(options["annual_cost"]) * n_buildings * budget_share),
        horizon_years=10,
        discount_rate=0.03,
    )
    return comm_xy, bldg_xy, demand, options, budget


def peer_pulp_build(data) -> float:
    """Seconds to build the same stage-1 model with one PuLP call per coefficient (the loop we avoid)."""
    import pulp

    start = time.perf_counter()
    prob = pulp.LpProblem("peer", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{o}", cat="Binary") for o in range(len(data.option_row))]
    y = [pulp.LpVariable(f"y{h}", cat="Binary") for h in range(len(data.host_building))]
    z = [pulp.LpVariable(f"z{p}", 0, 1) for p in range(len(data.pair_community))]
    prob += pulp.lpSum(data.weight[data.pair_service[p]] * data.pair_demand[p] * z[p] for p in range(len(z)))
    options_of = {}
    for o, b in enumerate(data.option_building):
        options_of.setdefault(b, []).append(o)
    for opts in options_of.values():
        prob += pulp.lpSum(x[o] for o in opts) <= 1
    for h, b in enumerate(data.host_building):
        prob += y[h] <= pulp.lpSum(x[o] for o in options_of[b])
    for p in range(len(z)):
        prob += z[p] <= pulp.lpSum(y[h] for h in data.arc_host[data.arc_pair == p])
    prob += pulp.lpSum(data.capex[o] * x[o] for o in range(len(x))) <= data.budget_capex
    return time.perf_counter() - start


def city_model_data(reach, demand, options, budget, n_buildings: int, capacitated: bool):
    """The city as siting's model data: one service, the options of `city`, capacities from floor area or none."""
    return from_arrays(
        services=["elderly_care"],
        demand=demand,
        arcs=[reach],
        building_ids=[f"B{i}" for i in range(n_buildings)],
        option_building=np.repeat(np.arange(n_buildings), len(MODES)),
        capex=options["capex"].to_numpy(),
        annual=options["annual_cost"].to_numpy(),
        area=options["floor_area_m2"].to_numpy(),
        min_area=[350.0],
        radius=[1_000.0],
        area_per_unit=[10.0] if capacitated else None,
        budget_capex=budget.capex,
        budget_annual=budget.annual,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communities", type=int, default=5_000)
    parser.add_argument("--buildings", type=int, default=20_000)
    parser.add_argument("--solver", default="highs")
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--peer", action="store_true", help="also time a per-coefficient PuLP build")
    parser.add_argument(
        "--capacitated",
        action="store_true",
        help="capacities from floor area (10 m² per place) with assignment variables",
    )
    args = parser.parse_args()

    comm_xy, bldg_xy, demand, options, budget = city(args.communities, args.buildings)
    t0 = time.perf_counter()
    reach = reach_pairs(comm_xy, bldg_xy, 1_000.0, detour_factor=1.3)
    t1 = time.perf_counter()
    data = city_model_data(reach, demand, options, budget, args.buildings, args.capacitated)
    spec = ModelSpec(capacitated=args.capacitated)
    t2 = time.perf_counter()
    model, v = formulation.build(data, spec)
    problem = model.problem(objective_vector("max_coverage", data, spec, v, model.n_cols), maximize=True)
    t3 = time.perf_counter()
    reach = {"elderly_care": reach}
    kind = "capacitated assignment" if args.capacitated else "coverage"
    print(
        f"city: {args.communities:,} communities × {args.buildings:,} buildings × {len(MODES)} modes × 1 service"
        f" ({kind} model)"
    )
    print(
        f"reach pairs: {len(reach['elderly_care']):,}; options kept {len(data.option_row):,} "
        f"(dropped {data.dropped_options:,} dominated); model {problem.A.shape[1]:,} columns × "
        f"{problem.A.shape[0]:,} rows, {problem.A.nnz:,} nonzeros"
    )
    print(f"build: reach {t1 - t0:.2f} s + index {t2 - t1:.2f} s + matrix {t3 - t2:.2f} s = {t3 - t0:.2f} s")

    solution = solve(
        data, spec, solver=args.solver, options=SolveOptions(time_limit_s=args.time_limit, threads=args.threads)
    )
    stage_times = " + ".join(f"{s.result.time_s:.1f}" for s in solution.stages)
    print(
        f"solve ({args.solver}, limit {args.time_limit:g} s per stage): {stage_times} s; status "
        f"{solution.status.value}; objective {solution.objective:,.2f}; bound "
        f"{solution.bound if solution.bound is None else f'{solution.bound:,.2f}'}; gap "
        f"{solution.gap if solution.gap is None else f'{solution.gap:.4%}'}; {len(solution.plan.selected)} buildings"
    )
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    if args.peer and not args.capacitated:
        peer = peer_pulp_build(data)
        print(
            f"peer: per-coefficient PuLP build {peer:.2f} s vs ours {t3 - t1:.3f} s (index + matrix): "
            f"{peer / (t3 - t1):,.0f}× slower"
        )


if __name__ == "__main__":
    main()
