"""A brute-force oracle for the MILP's optima: enumerate every plan of a tiny scenario and take the best.

Nothing here imports siting.model. A plan is, for each candidate building, nothing or one option (mode) with
a non-empty set of services, and a set of existing facilities closed. All plans are enumerated as integer
arrays and judged at once with numpy from the raw tables (`judge`, the rules as the scenario schema states
them); the plans whose verdict matters (the lexicographic optima) and a random sample of the others are
judged again, one by one, by the independent evaluator siting.verify.evaluate, and the two must agree.
`check` then solves the scenario with the real pipeline and compares each objective's value.

Uncapacitated only: a community-service pair is covered when a hosting building or kept facility lies within
the service's radius (straight line × detour factor), and each service gets its minimum floor area.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from siting import pipeline
from siting.errors import InfeasibleError, SitingError
from siting.plan import Plan, Selection
from siting.scenario.load import Scenario
from siting.verify.evaluate import evaluate

TOL = 1e-6  # relative: budgets, shares, areas (as the schema's rules are checked) and agreement of optima
TIE = 1e-7  # relative: plans this close to the best value of an objective tie for the next one
RADIUS_TOL_M = 1e-6
MAXIMISE = {"max_coverage": True, "max_min_share": True, "min_cost": False}


def _over(value: np.ndarray, limit: float) -> np.ndarray:
    return value > limit * (1 + TOL) + TOL


@dataclass(frozen=True)
class Space:
    """Every plan of a scenario: plan n takes choice[n, b] at building b and closes facilities closed[n]."""

    buildings: list[str]
    choices: list[list[tuple[int, int]]]  # per building: (option row or -1, bitmask of services)
    choice: np.ndarray  # (N, B) index into choices[b]
    closed: np.ndarray  # (N, E) bool

    def plan(self, n: int, scenario: Scenario) -> Plan:
        """Plan n as the evaluator reads it (each service at its minimum floor area)."""
        services = list(scenario.config.services)
        selections = []
        for b, building in enumerate(self.buildings):
            row, mask = self.choices[b][self.choice[n, b]]
            if row >= 0:
                keys = tuple(k for i, k in enumerate(services) if mask >> i & 1)
                selections.append(Selection(building, scenario.options["mode"].iloc[row], keys))
        closed = [f for f, c in zip(scenario.existing.index, self.closed[n]) if c]
        return Plan.of(selections, closed=closed)


def enumerate_plans(scenario: Scenario) -> Space:
    """Every combination of a choice per building and a set of closed facilities."""
    n_services = len(scenario.config.services)
    options = scenario.options.reset_index(drop=True)
    buildings = list(scenario.buildings.index)
    choices = [
        [(-1, 0)] + [(int(r), m) for r in np.flatnonzero(options["building"] == b) for m in range(1, 2**n_services)]
        for b in buildings
    ]
    grid = np.indices([len(c) for c in choices], dtype=np.int16).reshape(len(buildings), -1).T
    n_existing = len(scenario.existing)
    subsets = (np.arange(2**n_existing)[:, None] >> np.arange(n_existing)[None, :] & 1).astype(bool)
    choice = np.repeat(grid, len(subsets), axis=0)
    closed = np.tile(subsets, (len(grid), 1))
    return Space(buildings, choices, choice, closed)


def _per_choice(space: Space, values) -> list[np.ndarray]:
    """For each building, an array over its choices of values(row, mask) (row −1 = not acquired)."""
    return [np.array([values(r, m) for r, m in c]) for c in space.choices]


def _total(space: Space, per_building: list[np.ndarray]) -> np.ndarray:
    return sum(per_building[b][space.choice[:, b]] for b in range(len(space.buildings)))


def annuity(years: int, rate: float) -> float:
    """Present value of 1 元 a year for `years` years at `rate`: Σ_{t=1..T} (1+r)^-t."""
    return float(np.sum((1 + rate) ** -np.arange(1, years + 1, dtype=float)))


def judge(scenario: Scenario, demand, space: Space) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Feasibility (N,) and each objective (N,) of every plan, from the raw tables."""
    cfg = scenario.config
    budget = cfg.budget
    factor = annuity(budget.horizon_years, budget.discount_rate)
    capex, annual = (_total(space, _per_choice(space, _option(scenario, col))) for col in ("capex", "annual_cost"))
    npv = capex + annual * factor
    ex_annual = scenario.existing["annual_cost"].to_numpy(float)
    freed = space.closed @ ex_annual
    ok = ~_over(capex, budget.capex)
    if budget.annual is not None:
        ok &= ~_over(annual - freed, budget.annual)
    if budget.npv is not None:
        ok &= ~_over(npv - freed * factor, budget.npv)
    ok &= _plan_rules(scenario, space)
    covered, value, shares = coverage(scenario, demand, space)
    ok &= covered
    if cfg.model.complex is not None:
        complex_ok, n_complex = _complexes(scenario, space)
        ok &= complex_ok
        value = value + cfg.model.complex.bonus * n_complex
    objectives = {
        "max_coverage": value,
        "min_cost": npv + ~space.closed @ ex_annual * factor,
        "max_min_share": np.min(shares, axis=0) if shares else np.zeros(len(ok)),
    }
    return ok, objectives


def _option(scenario: Scenario, column: str):
    """values(row, mask) for _per_choice: the option's `column`, 0 when the building is not acquired."""
    values = scenario.options[column].to_numpy(float)
    return lambda r, m: values[r] if r >= 0 else 0.0


def _bits(mask: int, n: int) -> list[int]:
    return [i for i in range(n) if mask >> i & 1]


def _plan_rules(scenario: Scenario, space: Space) -> np.ndarray:
    """Floor area, facility counts, per-mode limits, must (not) choose (as), assets traded once, closures."""
    cfg, policy = scenario.config, scenario.config.model.policy
    options, existing = scenario.options.reset_index(drop=True), scenario.existing
    min_area = np.array([s.min_area_m2 for s in cfg.services.values()])
    floor = options["floor_area_m2"].to_numpy(float)
    too_big = [
        np.array([r >= 0 and min_area[_bits(m, len(min_area))].sum() > floor[r] * (1 + TOL) + TOL for r, m in c])
        for c in space.choices
    ]
    ok = _total(space, too_big) == 0
    chosen = space.choice > 0
    count = chosen.sum(axis=1)
    if policy.max_facilities is not None:
        ok &= count <= policy.max_facilities
    if policy.min_facilities is not None:
        ok &= count >= policy.min_facilities
    mode_of = lambda mode: lambda r, m: r >= 0 and options["mode"].iloc[r] == mode  # noqa: E731
    for mode, limit in policy.max_by_mode.items():
        ok &= _total(space, _per_choice(space, mode_of(mode))) <= limit
    at = {b: i for i, b in enumerate(space.buildings)}
    for b in policy.must_choose:
        ok &= chosen[:, at[b]]
    for b in policy.must_not_choose:
        ok &= ~chosen[:, at[b]]
    for b, mode in policy.must_choose_as.items():
        ok &= _per_choice(space, mode_of(mode))[at[b]][space.choice[:, at[b]]]
    traded = {}
    for asset in sorted({a for assets in options["assets"] for a in assets}):
        traded[asset] = _total(space, _per_choice(space, lambda r, m, a=asset: r >= 0 and a in options["assets"][r]))
        ok &= traded[asset] <= 1
    for e, (closable, asset) in enumerate(zip(existing["closable"], existing["asset"])):
        gone = traded[asset] > 0 if asset in traded else np.zeros(len(ok), bool)
        if not closable:
            ok &= ~(space.closed[:, e] & ~gone)
        ok &= ~(~space.closed[:, e] & gone)
    return ok


def unit_values(scenario: Scenario, demand) -> dict[str, float]:
    """What one covered unit of each service adds to max_coverage: its weight × 1 (units), × persons per unit
    (persons), × 100 / the service's total demand (share)."""
    out = {}
    for key, service in scenario.config.services.items():
        total = demand[key].sum()
        rate = service.uptake if service.uptake is not None else service.per_1000_residents / 1000
        per_unit = {"units": 1.0, "persons": 1 / rate if rate > 0 else 0.0, "share": 100 / total if total > 0 else 0.0}
        out[key] = service.weight * per_unit[scenario.config.model.objective_basis]
    return out


def _credit(dist: np.ndarray, service) -> np.ndarray:
    """Share of a pair's demand counted at walking distance `dist`: 1 up to full_credit_m, then linear to 0."""
    full = service.radius_m if service.full_credit_m is None else min(service.full_credit_m, service.radius_m)
    within = dist <= service.radius_m + RADIUS_TOL_M
    if full >= service.radius_m:
        return within.astype(float)
    return np.where(dist <= full, 1.0, np.clip((service.radius_m - dist) / (service.radius_m - full), 0, 1)) * within


def coverage(scenario: Scenario, demand, space: Space) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Required shares and district rules met (N,), max_coverage without the complex bonus (N,), and the share
    of each district × service with demand (for max_min_share).

    A pair is covered when some host of the service (a building hosting it, a kept facility offering it) lies
    within the radius; with distance decay it counts the credit of its best host.
    """
    cfg, model, policy = scenario.config, scenario.config.model, scenario.config.model.policy
    comm, existing = scenario.communities, scenario.existing
    sites = np.vstack([scenario.buildings[["x", "y"]].to_numpy(float), existing[["x", "y"]].to_numpy(float)])
    dist = np.hypot(*(comm[["x", "y"]].to_numpy(float)[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    dist = dist * cfg.walking.detour_factor  # (C, sites)
    district = comm[policy.group_by].fillna("").astype(str).to_numpy() if policy.group_by in comm else None
    groups = sorted(set(district) - {""}) if district is not None else []
    ok = np.ones(len(space.choice), bool)
    value = np.zeros(len(ok))
    shares = []
    unit_value = unit_values(scenario, demand)
    for i, (key, service) in enumerate(cfg.services.items()):
        d = demand[key].reindex(comm.index).to_numpy(float)
        hosting = _per_choice(space, lambda r, m, i=i: bool(m >> i & 1))
        new = np.stack([hosting[b][space.choice[:, b]] for b in range(len(space.buildings))], axis=1)
        offered = np.array([key in s for s in existing["services"]], bool)
        host = np.hstack([new, ~space.closed & offered[None, :]]).astype(np.float32)  # (N, sites)
        covered = (host @ (dist <= service.radius_m + RADIUS_TOL_M).T.astype(np.float32)) > 0  # (N, C)
        best = covered
        if service.full_credit_m is not None:  # the best host's credit: (N, sites, C) → (N, C)
            best = np.max(host[:, :, None] * _credit(dist, service).T[None, :, :].astype(np.float32), axis=1)
        units = covered @ d
        total = d.sum()
        value += unit_value[key] * (best @ d)
        need = service.min_share
        if {"min_cost", "min_capex", "min_annual"} & set(model.objectives):
            need = max(need, model.target_share.get(key, 0.0))
        if need > 0 and total > 0:
            ok &= ~(units / total < need * (1 - TOL) - TOL - TOL / total)
        for g in groups:
            in_g = (district == g) & (d > 0)
            g_demand = d[in_g].sum()
            if g_demand <= 0:  # a district without demand for the service cannot have some of it covered
                if key in policy.district_requires.get(g, ()):
                    ok[:] = False
                continue
            g_share = covered[:, in_g] @ d[in_g] / g_demand
            shares.append(g_share)
            low = policy.district_min_share.get(key, 0.0)
            if low:
                ok &= ~(g_share < low * (1 - TOL) - TOL - TOL / g_demand)
            if key in policy.district_requires.get(g, ()):
                ok &= covered[:, in_g].any(axis=1)
    return ok, value, shares


def _complexes(scenario: Scenario, space: Space) -> tuple[np.ndarray, np.ndarray]:
    """The complex rule's requirements met (N,) and the number of complexes (N,).

    A building is a complex when its option's floor area, the number of services it hosts and the number of
    core services among them reach the rule's minimums.
    """
    services, rule = list(scenario.config.services), scenario.config.model.complex
    floor = scenario.options["floor_area_m2"].to_numpy(float)
    core = {services.index(k) for k in rule.core if k in services}

    def qualifies(r, m):
        hosted = _bits(m, len(services))
        return (
            r >= 0
            and floor[r] >= rule.min_area_m2
            and len(hosted) >= rule.min_services
            and len(core.intersection(hosted)) >= rule.min_core
        )

    flags = _per_choice(space, qualifies)
    n_complex = _total(space, flags)
    ok = n_complex >= rule.min_count
    if rule.min_capex_share:
        capex = _per_choice(space, _option(scenario, "capex"))
        on_complexes = _total(space, [f * c for f, c in zip(flags, capex)])
        ok &= ~(on_complexes < rule.min_capex_share * _total(space, capex) * (1 - TOL) - TOL)
    return ok, n_complex


def lexicographic_best(order: tuple[str, ...], ok: np.ndarray, values: dict[str, np.ndarray]) -> np.ndarray:
    """Indices of the feasible plans that are best for the first objective, then (among those) the second..."""
    best = np.flatnonzero(ok)
    for name in order:
        if not len(best):
            break
        v = values[name][best]
        top = v.max() if MAXIMISE[name] else v.min()
        best = best[np.abs(v - top) <= TIE * max(1.0, abs(top))]
    return best


def agree(a: float, b: float) -> bool:
    """Equal within TOL relative (absolute below 1)."""
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


@dataclass
class Case:
    """What one scenario's check found."""

    name: str
    plans: int = 0
    feasible: int = 0
    evaluated: int = 0
    lps: int = 0
    enumerate_s: float = 0.0
    evaluate_s: float = 0.0
    best: dict[str, float] | None = None
    solved: dict[str, dict[str, float] | None] = field(default_factory=dict)
    disagreements: list[str] = field(default_factory=list)


def cross_check(scenario: Scenario, demand, space: Space, ok, values, rows, case: Case) -> None:
    """Judge `rows` again with siting.verify.evaluate; a different verdict or value is a disagreement."""
    order = scenario.config.model.objectives
    clock = time.perf_counter()
    for n in rows:
        plan = space.plan(int(n), scenario)
        evaluation = evaluate(scenario, plan, demand)
        mine = bool(ok[n])
        if mine != (not evaluation.violations):
            case.disagreements.append(
                f"evaluate says {'feasible' if not evaluation.violations else evaluation.violations} but the "
                f"oracle says {'feasible' if mine else 'infeasible'}: {plan}"
            )
        elif mine:
            for name in order:
                if not agree(values[name][n], evaluation.objectives[name]):
                    case.disagreements.append(
                        f"{name}: evaluate {evaluation.objectives[name]!r}, oracle {values[name][n]!r}: {plan}"
                    )
    case.evaluated += len(rows)
    case.evaluate_s += time.perf_counter() - clock


def check(scenario: Scenario, solvers: tuple[str, ...], *, sample: int = 20, seed: int = 0) -> Case:
    """Enumerate, judge, cross-check a sample with the evaluator, and solve with each solver."""
    case = Case(scenario.config.name)
    demand = pipeline.compute_demand(scenario).units
    clock = time.perf_counter()
    space = enumerate_plans(scenario)
    ok, values = judge(scenario, demand, space)
    case.enumerate_s = time.perf_counter() - clock
    case.plans, case.feasible = len(ok), int(ok.sum())
    order = scenario.config.model.objectives
    best = lexicographic_best(order, ok, values)
    rng = np.random.default_rng(seed)
    pick = lambda pool: rng.choice(pool, size=min(sample, len(pool)), replace=False) if len(pool) else pool  # noqa: E731
    # Besides the optima and plans drawn at random: plans refused that would beat the optimum (a wrong refusal
    # there would change the answer).
    first = values[order[0]]
    beats = first > first[best[0]] if len(best) else np.ones(len(ok), bool)
    if len(best) and not MAXIMISE[order[0]]:
        beats = first < first[best[0]]
    everything = np.arange(len(ok))
    drawn = [pick(everything), pick(np.flatnonzero(ok)), pick(everything[~ok & beats])]
    rows = np.unique(np.concatenate([best[:5], *drawn]))
    cross_check(scenario, demand, space, ok, values, rows, case)
    if len(best):
        case.best = {name: float(values[name][best[0]]) for name in order}
    compare_solvers(scenario, solvers, case, space.plan(best[0], scenario) if len(best) else None)
    return case


def compare_solvers(scenario: Scenario, solvers: tuple[str, ...], case: Case, plan: Plan | None) -> None:
    """Solve with each solver; each objective's value must be the oracle's (case.best; `plan` reaches it)."""
    order = scenario.config.model.objectives
    for solver in solvers:
        try:
            result = pipeline.run(scenario, solver=solver)
        except InfeasibleError:
            case.solved[solver] = None
            if case.best is not None:
                case.disagreements.append(f"{solver}: infeasible, but the oracle found {plan}")
            continue
        except SitingError as err:
            case.disagreements.append(f"{solver}: {type(err).__name__}: {err}")
            continue
        got = {name: float(result.evaluation.objectives[name]) for name in order}
        case.solved[solver] = got
        if case.best is None:
            case.disagreements.append(f"{solver}: a plan {result.solution.plan} where the oracle finds none")
        elif result.solution.status.value != "optimal":
            case.disagreements.append(f"{solver}: status {result.solution.status.value}")
        else:
            for name in order:
                if not agree(got[name], case.best[name]):
                    case.disagreements.append(
                        f"{solver}: {name} = {got[name]!r}, oracle {case.best[name]!r} "
                        f"(oracle plan {plan}; solver plan {result.solution.plan})"
                    )
                    break
