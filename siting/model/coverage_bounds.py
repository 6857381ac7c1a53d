r"""A Lagrangian bound for capacitated max coverage, and each option's slack: the first stage's bound in seconds.

The assign form's max coverage (siting.model.formulation) with budgets and capacities is

    max Σ_e c_e v_e   s.t.  Σ_{e∈p} v_e ≤ 1 (pairs),  Σ_o k_o x_o ≤ B_k (budgets k: one-off, yearly, NPV),
                             one option per building, the building-level rows (2), (3), (9), v_e ≤ m_e y_h,

with c_e = ω_s d_p κ_e. Relax the pair rows with λ_p ≥ 0 and the budget rows with μ_k ≥ 0 (each budget row
divided by B_k, so μ is in objective units):

    L(λ, μ) = Σ_p λ_p + Σ_k μ_k + Σ_b max(0 if b may stay out, max_{o∈O(b)} F_b(o) − Σ_k μ_k k_o / B_k),

where F_b(o) bounds what building b serves with option o: each arc e has a reduced value r_e = c_e − λ_p, a
share 0 ≤ v_e ≤ m_e and a width w_e per unit share in its pool, and F_b(o) = Σ over b's pools of the best
fractional knapsack of its arcs with r_e > 0 within the pool's room. Pools: a new building's area-capacity
slots share one pool of room A_o (the option's floor area; w_e = u_s d_p, from (9) and (3)), its other new
slots, when its options have capacities, one of room C_o (w_e = d_p); an existing facility's slot is a pool of
room Q_h (w_e = d_p); any other slot a pool without limit. Every feasible plan
fits these pools (dropping the minimum areas a_s y_h ≤ q_h, q_h ≤ Ā_h y_h and integrality of y only enlarges
the set), and Σ_p λ_p (1 − Σ_e v_e) + Σ_k μ_k (1 − Σ_o k_o x_o / B_k) ≥ 0 on it, so L(λ, μ) ≥ its coverage:
L is an upper bound on the optimum for every λ, μ ≥ 0. Options the problem bans (x_o ≤ 0) are skipped, and a
building with a forced option (x_o ≥ 1) must take it.

μ is set for each λ to its minimiser, by cutting planes in the (at most 3) budget prices (best_prices); λ
follows the subgradient g_p = 1 − Σ_e v_e with Polyak steps θ (L − LB) / ‖g‖² (LB the best plan known), θ
halved after PATIENCE iterations without a better bound. Any λ, μ ≥ 0 gives a valid bound; the best one found
is kept.

Slacks: with x_o = 1 forced, building b's term becomes net_o = F_b(o) − Σ_k μ_k k_o / B_k, so every plan that
takes o covers at most L − s_o with s_o = (b's term) − net_o ≥ 0 (inf for an option that cannot be taken):
siting.model.coverage fixes options by it.

Applies only when the model has no row family other than those above (`applicable`), so that the bound is exact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from siting.model.builder import Model
from siting.model.constraints import slot_capacity
from siting.model.data import ModelData
from siting.model.spec import ModelSpec
from siting.model.variables import Variables, area_capacity
from siting.solvers import MilpProblem

#: The row families the relaxation accounts for (any other makes the bound inapplicable).
HANDLED = frozenset(
    {
        "(1) one mode per building",
        "(2) host only if acquired",
        "(3) floor area",
        "(3) area given ≥ minimum",
        "(3) area given only if hosted",
        "(4) assignment",
        "(4) assign only to hosts",
        "(5) one-off budget",
        "(6) yearly budget",
        "(17) net present cost budget",
        "(9) capacity from floor area",
        "(9) capacity of existing facilities",
        "(9) capacity of options",
    }
)
#: Subgradient: first step factor, iterations without a better bound before it is halved, smallest factor.
FIRST_STEP = 1.0
PATIENCE = 10
MIN_STEP = 1e-4
#: Budget prices: cutting planes at most, and the relative distance to the planes' lower bound that stops them.
MAX_PRICE_CUTS = 100
PRICE_TOLERANCE = 1e-9


def applicable(model: Model, spec: ModelSpec, v: Variables, problem: MilpProblem) -> bool:
    """Max coverage in the assign form whose rows are all of the families the relaxation handles."""
    if not (v.assign and problem.maximize and spec.objectives[0] == "max_coverage") or spec.full_assignment:
        return False
    if any(count and name not in HANDLED for name, count in model.row_counts().items()):
        return False
    others = np.ones(problem.num_cols, bool)
    others[v.v] = False
    return not problem.c[others].any() and len(v.v) > 0


@dataclass(frozen=True)
class Relaxation:
    """The arrays of the relaxation (module docstring): arcs sorted by pool, pools, options, budgets."""

    value: np.ndarray  # (E,) c_e
    pair: np.ndarray  # (E,)
    most: np.ndarray  # (E,) m_e
    width: np.ndarray  # (E,) w_e
    pool: np.ndarray  # (E,) pool of each arc
    pool_building: np.ndarray  # (pools,)
    pool_room: np.ndarray  # (pools,) fixed room (inf = none; nan = the option's, see pool_kind)
    pool_kind: np.ndarray  # (pools,) 0: room = the option's floor area, 1: its capacity, -1: fixed room
    option_building: np.ndarray  # (O,)
    option_room: np.ndarray  # (2, O) the option's floor area and capacity (inf = none)
    option_cost: np.ndarray  # (K, O) k_o / B_k
    banned: np.ndarray  # (O,)
    forced_building: np.ndarray  # (B,) a forced option (-1 = none)
    n_pairs: int


def relaxation(data: ModelData, spec: ModelSpec, v: Variables, problem: MilpProblem) -> Relaxation:
    """The relaxation's arrays for `problem` (see `applicable`)."""
    n_hosts = len(data.host_building)
    by_area = area_capacity(data, spec)
    demand = data.pair_demand[data.arc_pair]
    # pools: per building one for its area-capacity slots (room A_o) and one for its other new slots when its
    # options have capacities (room C_o); one per other slot (room Q_h for an existing facility's, else none)
    new = ~data.option_existing
    limited = np.zeros(data.n_buildings, bool)
    if spec.capacitated:
        limited[data.option_building[new & np.isfinite(data.option_capacity)]] = True
    by_option = ~by_area & ~data.host_existing & limited[data.host_building]
    n_b = data.n_buildings
    key = np.where(
        by_area, data.host_building, np.where(by_option, n_b + data.host_building, 2 * n_b + np.arange(n_hosts))
    )
    used, pool_of_slot = np.unique(key, return_inverse=True)
    pool_kind = np.where(used < n_b, 0, np.where(used < 2 * n_b, 1, -1))
    first_slot = np.zeros(len(used), np.int64)
    first_slot[pool_of_slot[::-1]] = np.arange(n_hosts)[::-1]
    pool_building = data.host_building[first_slot]
    room = np.where(pool_kind >= 0, np.nan, np.inf)
    fixed = data.host_existing & np.isfinite(data.host_capacity) & spec.capacitated
    room[pool_of_slot[fixed]] = data.host_capacity[fixed]
    area = np.where(data.option_existing | ~np.isfinite(data.area), 0.0, data.area)
    capacity = np.where(np.isfinite(data.option_capacity), data.option_capacity, np.inf)
    width = np.where(by_area[data.arc_host], data.area_per_unit[data.host_service[data.arc_host]] * demand, demand)
    most = np.minimum(1.0, slot_capacity(data, spec)[data.arc_host] / demand)
    costs = []
    for amount, limit in (
        (data.capex, data.budget_capex),
        (data.annual, None if data.budget_annual is None else data.budget_annual + data.annual_existing),
        (data.npv, None if data.budget_npv is None else data.budget_npv + data.npv[data.option_existing].sum()),
    ):
        if limit is not None and np.isfinite(limit) and limit > 0:  # a row left out only relaxes the bound
            costs.append(amount / limit)
    x_lower, x_upper = problem.col_lower[v.x], problem.col_upper[v.x]
    forced = np.full(data.n_buildings, -1, np.int64)
    forced[data.option_building[x_lower > 0.5]] = np.flatnonzero(x_lower > 0.5)
    return Relaxation(
        value=problem.c[v.v].astype(float),
        pair=data.arc_pair,
        most=most,
        width=width,
        pool=pool_of_slot[data.arc_host],
        pool_building=pool_building,
        pool_room=room,
        pool_kind=pool_kind,
        option_building=data.option_building,
        option_room=np.array([area, capacity]),
        option_cost=np.array(costs).reshape(len(costs), len(data.option_building)),
        banned=x_upper < 0.5,
        forced_building=forced,
        n_pairs=len(data.pair_community),
    )


@dataclass(frozen=True)
class Dual:
    """L(λ, μ) and the Lagrangian solution: options taken and the share of each arc."""

    bound: float
    taken: np.ndarray  # (O,) bool
    share: np.ndarray  # (E,) v_e
    slack: np.ndarray  # (O,) s_o: a plan taking o covers at most bound − s_o (inf: o cannot be taken)


def evaluate(rel: Relaxation, lam: np.ndarray, mu: np.ndarray | None = None) -> tuple[Dual, np.ndarray]:
    """L(λ, μ) and a maximiser of the relaxed problem (module docstring); μ = None: the best prices for λ."""
    reduced = rel.value - lam[rel.pair]
    good = np.flatnonzero((reduced > 0) & (rel.most > 0))
    density = reduced[good] / np.maximum(rel.width[good], 1e-300)
    order = good[np.lexsort((-density, rel.pool[good]))]
    pool = rel.pool[order]
    width = rel.width[order] * rel.most[order]
    gain = reduced[order] * rel.most[order]
    cum_w, cum_g = np.cumsum(width), np.cumsum(gain)
    n_pools = len(rel.pool_building)
    start = np.searchsorted(pool, np.arange(n_pools + 1))
    upto_w, upto_g = np.concatenate([[0.0], cum_w]), np.concatenate([[0.0], cum_g])  # before position i
    base_w, base_g = upto_w[start], upto_g[start]
    next_w, next_g = np.append(width, 1.0), np.append(gain, 0.0)  # the arc at position i (none past the end)

    def served(pools: np.ndarray, room: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(value, position of the partly taken arc) of each pool's best knapsack with that room."""
        target = base_w[pools] + room
        end = start[pools + 1]
        at = np.clip(np.searchsorted(cum_w, target, side="right"), start[pools], end)
        full = upto_g[at] - base_g[pools]
        partial = (at < end) & np.isfinite(room)
        with np.errstate(invalid="ignore"):  # no room limit: inf · 0 where nothing is partly taken
            extra = np.where(partial, (target - upto_w[at]) / np.maximum(next_w[at], 1e-300) * next_g[at], 0.0)
        return full + np.clip(extra, 0.0, None), at

    fixed_pools = np.flatnonzero(~np.isnan(rel.pool_room))
    fixed_value = np.zeros(n_pools)
    if len(fixed_pools):
        fixed_value[fixed_pools] = served(fixed_pools, rel.pool_room[fixed_pools])[0]
    n_buildings = len(rel.forced_building)
    option_value = np.bincount(rel.pool_building, weights=fixed_value, minlength=n_buildings)[rel.option_building]
    kind_pool = option_pools(rel)
    for kind, pools in enumerate(kind_pool):
        of_option = pools[rel.option_building]
        has = of_option >= 0
        option_value[has] += served(of_option[has], rel.option_room[kind][has])[0]
    if mu is None:
        mu = best_prices(rel, option_value)
    taken, value, net = choose(rel, option_value, mu)
    bound = float(lam.sum() + mu.sum() + value.sum())
    share = arc_shares(rel, taken, order, width, base_w, fixed_pools, kind_pool)
    with np.errstate(invalid="ignore"):
        slack = np.where(np.isfinite(net), value[rel.option_building] - net, np.inf)
    return Dual(bound, taken, share, slack), mu


def choose(rel: Relaxation, option_value: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each building's best option at prices μ (or none): options taken, each building's and option's net value.

    A building whose forced option is banned has value −inf (no plan at all).
    """
    n_buildings = len(rel.forced_building)
    price = mu @ rel.option_cost if len(mu) else np.zeros(len(option_value))
    net = np.where(rel.banned, -np.inf, option_value - price)
    forced = rel.forced_building[rel.option_building]
    net = np.where((forced >= 0) & (forced != np.arange(len(net))), -np.inf, net)
    best_net = np.full(n_buildings, -np.inf)
    np.maximum.at(best_net, rel.option_building, net)
    stay_out = np.where(rel.forced_building >= 0, -np.inf, 0.0)
    value = np.maximum(best_net, stay_out)
    taken = (net == value[rel.option_building]) & (net > stay_out[rel.option_building])
    taken &= first_of_building(taken, rel.option_building)
    return taken, value, net


def best_prices(rel: Relaxation, option_value: np.ndarray) -> np.ndarray:
    """The budget multipliers μ ≥ 0 that minimise L for fixed option values: Kelley's cutting planes.

    φ(μ) = Σ_k μ_k + Σ_b (b's term) is convex and piecewise linear with subgradient g_k = 1 − Σ_{o taken} k_o / B_k,
    and μ has one entry per budget (at most 3). Each cut φ(μ_i) + g_i·(μ − μ_i) lies below φ; the next μ minimises
    the largest cut within 0 ≤ μ_k ≤ max_o F_b(o) B_k / k_o (beyond it no option that pays budget k is taken, so
    φ does not fall), which is also a lower bound on min φ: stop when the best φ is within PRICE_TOLERANCE of it.
    Minimising one μ_k at a time instead stalls at a kink when two budgets bind (district at 20,000 万元: L 190.25
    by coordinate bisection, 140.84 here). Any μ ≥ 0 keeps the bound valid.
    """
    from scipy.optimize import linprog  # 0.15 s to load: only the coverage path at scale needs it

    cost = rel.option_cost
    mu = np.zeros(len(cost))
    if not len(cost):
        return mu
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cost > 0, np.maximum(option_value, 0.0) / cost, 0.0)
    box = [(0.0, float(np.max(row, initial=0.0))) for row in ratio] + [(None, None)]
    cuts, rhs = [], []
    best, best_mu, lower = np.inf, mu, -np.inf
    for _ in range(MAX_PRICE_CUTS):
        taken, value, _ = choose(rel, option_value, mu)
        phi = float(mu.sum() + value.sum())
        if not np.isfinite(phi):
            return mu  # a forced option is banned: no plan, any μ will do
        if phi < best:
            best, best_mu = phi, mu
        if best - lower <= PRICE_TOLERANCE * max(1.0, abs(best)):
            break
        slope = 1.0 - cost[:, taken].sum(axis=1)
        cuts.append(np.append(slope, -1.0))  # t ≥ φ_i + g_i·(μ − μ_i)
        rhs.append(float(slope @ mu) - phi)
        master = linprog(
            np.append(np.zeros(len(mu)), 1.0), A_ub=np.array(cuts), b_ub=np.array(rhs), bounds=box, method="highs"
        )
        if master.status != 0:
            break
        mu, lower = np.clip(master.x[:-1], 0.0, None), float(master.fun)
    return best_mu


def first_of_building(taken: np.ndarray, building: np.ndarray) -> np.ndarray:
    """Keep only the first taken option of each building (ties)."""
    keep = np.zeros(len(taken), bool)
    idx = np.flatnonzero(taken)
    _, first = np.unique(building[idx], return_index=True)
    keep[idx[first]] = True
    return keep


def option_pools(rel: Relaxation) -> list[np.ndarray]:
    """Per kind of option-dependent pool (floor area, capacity): each building's pool of that kind (-1 = none)."""
    out = []
    for kind in (0, 1):
        pools = np.full(len(rel.forced_building), -1, np.int64)
        of_kind = np.flatnonzero(rel.pool_kind == kind)
        pools[rel.pool_building[of_kind]] = of_kind
        out.append(pools)
    return out


def arc_shares(rel, taken, order, width, base_w, fixed_pools, kind_pool) -> np.ndarray:
    """v_e of the Lagrangian solution: each open pool's knapsack, the last arc in part."""
    n_pools = len(rel.pool_building)
    room = np.zeros(n_pools)
    building_open = np.zeros(len(rel.forced_building), bool)
    building_open[rel.option_building[taken]] = True
    room[fixed_pools] = np.where(building_open[rel.pool_building[fixed_pools]], rel.pool_room[fixed_pools], 0.0)
    chosen = np.flatnonzero(taken)
    for kind, pools in enumerate(kind_pool):
        of_chosen = pools[rel.option_building[chosen]]
        ok = of_chosen >= 0
        room[of_chosen[ok]] = rel.option_room[kind][chosen[ok]]
    pool = rel.pool[order]
    used_before = np.cumsum(width) - width - base_w[pool]
    fraction = np.clip((room[pool] - used_before) / np.maximum(width, 1e-300), 0.0, 1.0)
    fraction = np.where(np.isinf(room[pool]), 1.0, fraction)
    share = np.zeros(len(rel.value))
    share[order] = fraction * rel.most[order]
    return share


@dataclass(frozen=True)
class Outcome:
    """The best bound and its Lagrangian solution (options taken, slacks), iterations, seconds."""

    bound: float
    dual: Dual
    iterations: int
    seconds: float


def optimise(rel: Relaxation, lower: float, deadline: float, max_iterations: int = 1_000) -> Outcome:
    """Subgradient optimisation of L(λ, μ) from λ = 0 until `deadline` (module docstring).

    μ is re-optimised for every λ (best_prices); steps aim at `lower`, the best plan's value.
    """
    started = time.perf_counter()
    lam = np.zeros(rel.n_pairs)
    best = None
    step, stale, it = FIRST_STEP, 0, 0
    while it < max_iterations and step > MIN_STEP:
        dual, _ = evaluate(rel, lam)
        it += 1
        if best is None or dual.bound < best.bound - 1e-12 * max(1.0, abs(dual.bound)):
            best, stale = dual, 0
            if not np.isfinite(dual.bound):
                break  # a forced option is banned: no plan
        else:
            stale += 1
            if stale >= PATIENCE:  # λ moves on from where it is: at a kink a step from the best λ may only rise
                step, stale = step / 2, 0
        if time.perf_counter() >= deadline:
            break
        g_pair = 1.0 - np.bincount(rel.pair, weights=dual.share, minlength=rel.n_pairs)
        g_pair = np.where((lam <= 0) & (g_pair > 0), 0.0, g_pair)
        norm = float(g_pair @ g_pair)
        if norm <= 1e-18:
            break  # every pair row met with λ_p (1 − Σ v) = 0: no better λ along the subgradient
        t = step * max(dual.bound - lower, 1e-9 * max(1.0, abs(dual.bound))) / norm
        lam = np.maximum(0.0, lam - t * g_pair)
    return Outcome(best.bound, best, it, time.perf_counter() - started)
