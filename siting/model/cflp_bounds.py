r"""Exact facility fixing for the capacitated facility location problem from a heuristic plan and a Lagrangian bound.

The problem (split assignment): facilities i with fixed cost f_i and capacity s_i, customers j with demand d_j,
cost c_ij of serving all of j from i (a missing arc costs "never"):

    min Σ_i f_i y_i + Σ_ij c_ij x_ij   s.t.  Σ_i x_ij = 1,  Σ_j d_j x_ij ≤ s_i y_i,  0 ≤ x_ij ≤ y_i,  y ∈ {0,1},

and every feasible plan also has Σ_i s_i y_i ≥ D = Σ_j d_j (all demand is served within the capacities).

Lower bound: relax Σ_i x_ij = 1 with multipliers λ_j (Geoffrion and McBride 1978; Cornuéjols, Sridharan and
Thizy 1991). With the aggregate capacity row kept,

    L(λ) = Σ_j λ_j + min { Σ_i g_i y_i : Σ_i s_i y_i ≥ D, y forced / banned as given },  g_i = f_i + V_i,
    V_i = min { Σ_j (c_ij − λ_j) x_ij : Σ_j d_j x_ij ≤ s_i, 0 ≤ x_ij ≤ 1 } ≤ 0,

a continuous knapsack per facility, solved exactly by taking customers by (c_ij − λ_j) / d_j ascending while
negative, the last one in part. The y-problem is a 0/1 knapsack (cover form); its bound is taken exact when all
free capacities are equal (at least ⌈(D − forced capacity) / s⌉ free facilities open: the cheapest that many,
and every other with g_i < 0) and from its LP relaxation otherwise (g_i / s_i ascending, the last one in part),
both below the 0/1 optimum. For any feasible plan (y, x), Σ_j λ_j (1 − Σ_i x_ij) = 0, so its cost is
Σ_j λ_j + Σ_i y_i (f_i + Σ_j (c_ij − λ_j) x_ij) ≥ Σ_j λ_j + Σ_i g_i y_i ≥ L(λ): L is a lower bound, for every λ.

Upper bound UB: plans made from the Lagrangian solutions (the facilities of the y-problem, topped up by the
cheapest g_i / s_i until their capacity covers D), then improved by dropping, adding and swapping facilities
while it pays, each plan priced exactly by its transportation LP (the best split assignment to the open
facilities).

Facility fixing: the same bound for the plans with facility i open (closed) is L(λ) with y_i fixed to 1 (0) in
the y-problem, the knapsacks V unchanged. When it exceeds UB, every such plan costs more than the heuristic plan,
so i is closed (opened) in the reduced model; the heuristic plan satisfies every fixing (each removes only plans
dearer than it), so the reduced model keeps an optimal plan and its optimum is the problem's. A margin of
1e-9 · max(1, |UB|) on every test absorbs rounding. Fixings found are fed back (they tighten the y-problem) and
the test repeated until nothing changes.

Probing: for a facility still free, the bound of the plans that fix it against the heuristic plan (closed if the
plan opens it, open otherwise) is re-optimised by a short subgradient run from the best λ, on the facilities not
closed (a closed one has y_i = 0 and takes no part). Any λ gives a valid bound for those plans, so when it
exceeds UB the facility is fixed the heuristic plan's way, for the same reason as above.

The subgradient steps are μ (UB − L) / ‖g‖², g_j = 1 − Σ_i y_i x_ij; μ is halved (and λ reset to the best) after
PATIENCE iterations without a better bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

#: Relative margin on every bound test.
MARGIN = 1e-9
#: Subgradient: iterations at most, halving the step after this many without a better bound, smallest step.
MAX_ITERATIONS = 400
PATIENCE = 15
MIN_STEP = 1e-4
#: Probing: subgradient iterations per probe and first step.
PROBE_ITERATIONS = 60
PROBE_STEP = 0.5
#: A Lagrangian solution is turned into a plan (a transportation LP) at every better bound and every this many
#: iterations.
HEURISTIC_EVERY = 10
#: Local search: closed facilities tried for adding and swapping in (least Lagrangian gain first).
CANDIDATES = 8
#: "Never": the cost of a missing arc.
NEVER = 1e30


@dataclass(frozen=True)
class Bounds:
    """A plan, the best Lagrangian bound and the facilities it fixes (module docstring).

    Attributes:
        open_site: (m,) bool, the heuristic plan; share: (m, n) its split assignment; cost: its cost UB.
        bound: the best L(λ); banned, forced: (m,) bool, facilities fixed closed / open; seconds: time taken.
    """

    open_site: np.ndarray
    share: np.ndarray
    cost: float
    bound: float
    banned: np.ndarray
    forced: np.ndarray
    seconds: float

    def summary(self) -> str:
        """One line: the bounds and what they fixed."""
        return (
            f"plan {self.cost:.10g}, Lagrangian bound {self.bound:.10g}, {int(self.banned.sum())} of "
            f"{len(self.banned)} facilities closed, {int(self.forced.sum())} opened, {self.seconds:.2f} s"
        )


@dataclass(frozen=True)
class Instance:
    """cost (m, n) with NEVER on missing arcs; fixed (m,); capacity (m,); demand (n,)."""

    cost: np.ndarray
    fixed: np.ndarray
    capacity: np.ndarray
    demand: np.ndarray


def knapsacks(inst: Instance, multipliers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """V_i and the knapsack solutions x (m, n) of the module docstring, for all facilities at once."""
    reduced = inst.cost - multipliers[None, :]
    order = np.argsort(reduced / inst.demand[None, :], axis=1, kind="stable")
    rows = np.arange(len(reduced))[:, None]
    r_sorted = reduced[rows, order]
    d_sorted = np.where(r_sorted < 0, inst.demand[order], 0.0)
    before = np.cumsum(d_sorted, axis=1) - d_sorted
    with np.errstate(invalid="ignore", divide="ignore"):
        part = np.clip((inst.capacity[:, None] - before) / d_sorted, 0.0, 1.0)
    part[d_sorted == 0] = 0.0
    x = np.empty_like(part)
    x[rows, order] = part
    return (part * r_sorted).sum(axis=1), x


def y_problem(
    gain: np.ndarray, capacity: np.ndarray, demand: float, forced: np.ndarray, banned: np.ndarray
) -> tuple[float, np.ndarray]:
    """Min Σ g_i y_i with Σ s_i y_i ≥ D and the fixings: its bound (module docstring) and a solution y in [0, 1]."""
    y = forced.astype(float)
    free = np.flatnonzero(~forced & ~banned)
    y[free[gain[free] < 0]] = 1.0
    short = demand - float(capacity[forced].sum())
    if float(capacity[free].sum()) < short * (1 - MARGIN):
        return np.inf, y  # the fixings leave too little capacity: no plan
    if short <= 0 or len(free) == 0:
        return float(gain @ y), y
    cap = capacity[free]
    if np.all(cap == cap[0]):
        need = int(min(len(free), np.ceil(short / cap[0] - MARGIN)))
        if need > 0:
            y[free[np.argsort(gain[free], kind="stable")[:need]]] = 1.0
        return float(gain @ y), y
    order = free[np.argsort(per_capacity(gain[free], cap), kind="stable")]
    before = np.cumsum(capacity[order]) - capacity[order]
    take = np.clip(np.nan_to_num(per_capacity(short - before, capacity[order]), posinf=0.0), 0.0, 1.0)
    y[order] = np.maximum(y[order], take)
    return float(gain @ y), y


def per_capacity(value: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """The ratio value / capacity, +inf where the capacity is 0 (such a facility is last to help cover the demand)."""
    return np.divide(value, capacity, out=np.full(len(capacity), np.inf), where=capacity > 0)


def transport(inst: Instance, open_site: np.ndarray) -> tuple[float, np.ndarray] | None:
    """The plan's cost and split assignment (m, n): its fixed costs + the transportation LP; None if infeasible."""
    from scipy.optimize import linprog  # 0.1 s to load: only facility location problems need it

    sites = np.flatnonzero(open_site)
    if inst.capacity[sites].sum() < inst.demand.sum() * (1 - MARGIN):
        return None
    sub = inst.cost[sites]
    site_of, customer = np.nonzero(sub < NEVER)
    n_vars, n = len(site_of), len(inst.demand)
    if len(np.unique(customer)) < n:
        return None
    a_eq = sp.csr_matrix((np.ones(n_vars), (customer, np.arange(n_vars))), shape=(n, n_vars))
    a_ub = sp.csr_matrix((inst.demand[customer], (site_of, np.arange(n_vars))), shape=(len(sites), n_vars))
    res = linprog(
        sub[site_of, customer], A_ub=a_ub, b_ub=inst.capacity[sites], A_eq=a_eq, b_eq=np.ones(n), bounds=(0, 1)
    )
    if res.status != 0:
        return None
    share = np.zeros(inst.cost.shape)
    share[sites[site_of], customer] = res.x
    return float(inst.fixed[sites].sum() + res.fun), share


class Incumbent:
    """The best plan known, improved by any cheaper one offered."""

    def __init__(self, inst: Instance) -> None:
        self.inst, self.cost, self.open_site, self.share = inst, np.inf, None, None
        self.tried: set[bytes] = set()

    def offer(self, open_site: np.ndarray) -> float:
        """Price the plan (once per distinct plan); keep it if cheaper. Its cost (inf if infeasible)."""
        key = np.packbits(open_site).tobytes()
        if key in self.tried:
            return np.inf
        self.tried.add(key)
        priced = transport(self.inst, open_site)
        if priced is None:
            return np.inf
        if priced[0] < self.cost:
            self.cost, self.open_site, self.share = priced[0], open_site.copy(), priced[1]
        return priced[0]


def rounded_plan(inst: Instance, gain: np.ndarray, y: np.ndarray, banned: np.ndarray) -> np.ndarray:
    """The facilities of a Lagrangian solution, topped up by the cheapest g_i / s_i until they cover the demand."""
    open_site = y > 0.5
    short = inst.demand.sum() - inst.capacity[open_site].sum()
    if short > 0:
        rest = np.flatnonzero(~open_site & ~banned)
        rest = rest[np.argsort(per_capacity(gain[rest], inst.capacity[rest]), kind="stable")]
        covered = np.cumsum(inst.capacity[rest])
        open_site[rest[: int(np.searchsorted(covered, short)) + 1]] = True
    return open_site


def local_search(
    incumbent: Incumbent, gain: np.ndarray, forced: np.ndarray, banned: np.ndarray, deadline: float | None
) -> None:
    """Drop, add and swap moves while one makes the plan cheaper (each priced exactly, the first better one taken).

    Facilities to add are the CANDIDATES closed ones of least Lagrangian gain g_i: the y-problem's own ranking.
    """
    improved = incumbent.open_site is not None
    while improved:
        improved = False
        base, current = incumbent.cost, incumbent.open_site
        opened = np.flatnonzero(current & ~forced)
        closed = np.flatnonzero(~current & ~banned)
        closed = closed[np.argsort(gain[closed], kind="stable")[:CANDIDATES]]
        moves = [(out, None) for out in opened] + [(None, into) for into in closed]
        moves += [(out, into) for into in closed for out in opened]
        for out, into in moves:
            if deadline is not None and time.perf_counter() > deadline:
                return
            trial = current.copy()
            if out is not None:
                trial[out] = False
            if into is not None:
                trial[into] = True
            if incumbent.offer(trial) < base:
                improved = True
                break


def cflp_bounds(
    inst: Instance, forced: np.ndarray, banned: np.ndarray, time_limit_s: float | None = None
) -> Bounds | None:
    """Heuristic plan, Lagrangian bound and facility fixing (module docstring); None when no plan is found.

    Args:
        inst: the instance (dense costs, NEVER on missing arcs).
        forced, banned: (m,) bool, facilities that must / must not open.
        time_limit_s: the subgradient, the heuristic and the probing stop after this many seconds.
    """
    started = time.perf_counter()
    deadline = None if time_limit_s is None else started + time_limit_s
    incumbent = Incumbent(inst)
    incumbent.offer(rounded_plan(inst, per_capacity(inst.fixed, inst.capacity), np.zeros(len(inst.fixed)), banned))
    # Start from each customer's cheapest arc with its share of the facility's fixed cost at full load.
    per_unit = inst.fixed / np.maximum(inst.capacity, MARGIN)
    multipliers = np.min(
        np.where(inst.cost < NEVER, inst.cost + per_unit[:, None] * inst.demand[None, :], np.inf), axis=0
    )
    multipliers[~np.isfinite(multipliers)] = 0.0
    best, best_bound = subgradient(inst, multipliers, forced, banned, share(started, time_limit_s, 0.5), incumbent)
    if incumbent.open_site is None:
        return None
    values, _ = knapsacks(inst, best)
    local_search(incumbent, inst.fixed + values, forced, banned, share(started, time_limit_s, 0.85))
    total = float(inst.demand.sum())
    ban, force = fix_facilities(
        inst.fixed + values, float(best.sum()), inst.capacity, total, incumbent.cost, forced, banned
    )
    ban, force = probe(inst, best, incumbent, force, ban, deadline)
    return Bounds(
        incumbent.open_site, incumbent.share, incumbent.cost, best_bound, ban, force, time.perf_counter() - started
    )


def share(started: float, time_limit_s: float | None, part: float) -> float | None:
    """The deadline after `part` of the time limit (None without one).

    The subgradient gets the first half of the limit, the local search the next 35 %, probing the rest.
    """
    return None if time_limit_s is None else started + part * time_limit_s


def subgradient(
    inst: Instance,
    multipliers: np.ndarray,
    forced: np.ndarray,
    banned: np.ndarray,
    deadline: float | None,
    incumbent: Incumbent | None = None,
    target: float | None = None,
    iterations: int = MAX_ITERATIONS,
    step: float = 2.0,
) -> tuple[np.ndarray, float]:
    """The best multipliers found and their bound L(λ), steps aimed at the plan's cost (or `target`).

    With an `incumbent`, every Lagrangian solution at a better bound (and every HEURISTIC_EVERY-th) is made a
    plan and offered to it. Without one the run stops as soon as the bound exceeds `target` (probing).
    """
    total = float(inst.demand.sum())
    best, best_bound, stale = multipliers.copy(), -np.inf, 0
    for iteration in range(iterations):
        values, x = knapsacks(inst, multipliers)
        gain = inst.fixed + values
        part, y = y_problem(gain, inst.capacity, total, forced, banned)
        if not np.isfinite(part):
            return best, np.inf  # the fixings leave too little capacity
        bound = float(multipliers.sum()) + part
        better = bound > best_bound + MARGIN * max(1.0, abs(bound))
        if better:
            best, best_bound, stale = multipliers.copy(), bound, 0
        else:
            stale += 1
            if stale >= PATIENCE:  # halve the step and go back to the best multipliers
                step, stale, multipliers = step / 2, 0, best.copy()
                continue
        if incumbent is not None and (better or iteration % HEURISTIC_EVERY == 0):
            incumbent.offer(rounded_plan(inst, gain, y, banned))
        aim = incumbent.cost if incumbent is not None else target
        direction = 1.0 - y @ x
        norm = float(direction @ direction)
        gap = aim - best_bound
        if norm == 0 or gap <= MARGIN * max(1.0, abs(aim)) or step < MIN_STEP:
            break
        if deadline is not None and time.perf_counter() > deadline:
            break
        multipliers = multipliers + step * gap / norm * direction
    return best, best_bound


def probe(
    inst: Instance,
    multipliers: np.ndarray,
    incumbent: Incumbent,
    forced: np.ndarray,
    banned: np.ndarray,
    deadline: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Facilities closed (opened) because the re-optimised bound with them open (closed) exceeds UB.

    Each probe is a short subgradient run from the best multipliers on the facilities not closed (closed ones
    take no part in L), with the facility fixed against the heuristic plan (the other way its bound cannot
    exceed UB, the plan being one of those plans); it stops at `deadline`. Each fixing found applies to the
    probes that follow, and the round is repeated while it fixes something.
    """
    ban, force = banned.copy(), forced.copy()
    limit = incumbent.cost + MARGIN * max(1.0, abs(incumbent.cost))
    changed = True
    while changed:
        changed = False
        for site in np.flatnonzero(~ban & ~force):
            if deadline is not None and time.perf_counter() > deadline:
                return ban, force
            alive = np.flatnonzero(~ban)
            sub = Instance(inst.cost[alive], inst.fixed[alive], inst.capacity[alive], inst.demand)
            trial_force, trial_ban = force[alive].copy(), ban[alive].copy()
            opened = bool(incumbent.open_site[site])
            k = int(np.searchsorted(alive, site))
            if opened:
                trial_ban[k] = True
            else:
                trial_force[k] = True
            _, bound = subgradient(
                sub, multipliers, trial_force, trial_ban, deadline, None, limit, PROBE_ITERATIONS, PROBE_STEP
            )
            if bound > limit:
                force[site] |= opened
                ban[site] |= not opened
                changed = True
    return ban, force


def fix_facilities(
    gain: np.ndarray,
    constant: float,
    capacity: np.ndarray,
    demand: float,
    upper: float,
    forced: np.ndarray,
    banned: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Facilities closed (opened) because the bound with them open (closed) exceeds `upper`, until none changes."""
    limit = upper + MARGIN * max(1.0, abs(upper))
    ban, force = banned.copy(), forced.copy()
    changed = True
    while changed:
        changed = False
        for site in np.flatnonzero(~ban & ~force):
            with_open = force.copy()
            with_open[site] = True
            if constant + y_problem(gain, capacity, demand, with_open, ban)[0] > limit:
                ban[site], changed = True, True
                continue
            with_closed = ban.copy()
            with_closed[site] = True
            if constant + y_problem(gain, capacity, demand, force, with_closed)[0] > limit:
                force[site], changed = True, True
    return ban, force
