r"""Exact reductions of the single-source capacitated p-median from a heuristic plan and a Lagrangian bound.

The problem: sites j with fixed cost f_j and integer capacity Q_j, clients i with integer demand q_i, arc costs c_ij
(NEVER where client i may not be served by j), between p_min and p_max sites open, the forced sites F always and
the banned ones B never:

    min Σ_j f_j y_j + Σ_ij c_ij x_ij   s.t.  Σ_j x_ij = 1,  Σ_i q_i x_ij ≤ Q_j y_j,  x, y ∈ {0, 1}.

Lower bound (Lorena and Senne 2004; Ceselli and Righini 2005): relax Σ_j x_ij = 1 with multipliers λ_i:

    L(λ) = Σ_i λ_i + min_S Σ_{j ∈ S} ρ_j,   ρ_j = f_j − K_j(λ),
    K_j(λ) = max { Σ_i (λ_i − c_ij) x_i : Σ_i q_i x_i ≤ Q_j, x ∈ {0, 1} }      (a 0-1 knapsack per site),

S ranging over the site sets with F ⊆ S, S ∩ B = ∅ and p_min ≤ |S| ≤ p_max. For any plan (open sites T, client i
served by a(i)), cost = Σ_i λ_i + Σ_{j ∈ T} (f_j − Σ_{a(i) = j} (λ_i − c_ij)) ≥ Σ_i λ_i + Σ_{j ∈ T} ρ_j ≥ L(λ), since
the clients of an open site fit its capacity (a knapsack solution). K_j is solved exactly by dynamic programming
on the integer weights (`knapsack`). A site whose knapsack without its capacity row (Σ_i max(0, λ_i − c_ij) ≥ K_j)
already keeps it out of S gets ρ̄_j ≤ ρ_j instead: that only lowers the minimum over S, so L stays a valid bound,
and it is exact once every site of the minimising S is solved exactly, which `lagrangian` ensures. λ comes from
subgradient optimisation (steps μ (T − L) / ‖g‖², g_i = 1 − Σ_{j ∈ S} x_ij, the target T = 1.05 L until a plan is
known, then its cost).

Upper bound UB: the problem restricted to the sites and arcs whose bound of (a), (b) below is within 0.03 % of L, a
MILP solved by HiGHS (scipy.optimize.milp) with a node limit; a restriction, so its plan is a plan (SJC3a, 3b, 4a:
the best-known plan). Without a plan within 0.3 % of L, the restriction is widened to 0.12 %, then 0.48 %. Should
it find none, the uncapacitated p-median's greedy and interchange sites with the clients assigned within the
capacities (the same MILP with the sites fixed). A second subgradient run, aimed at UB, then raises L.

Reductions, from the best λ (all ρ_j exact), for plans of cost ≤ UB (each removes only plans costing more than UB,
and the heuristic plan, of cost UB, meets them all, so the reduced problem keeps every optimal plan):

(a) sites: L_open(j) = Σ_i λ_i + min_{S ∋ j} Σ_S ρ, L_closed(j) likewise with j ∉ S bound every plan that opens
    (closes) j; j is banned when L_open(j) > UB, forced open when L_closed(j) > UB.
(b) arcs: in a plan with a(i) = j, site j's clients other than i fit into Q_j − q_i, so its term is at least
    f_j − (λ_i − c_ij) − K_j(Q_j − q_i) (K_j over all clients, i included, can only be larger), and the plan costs
    at least L_open(j) − ρ_j + f_j − (λ_i − c_ij) − K_j(Q_j − q_i). The arc is dropped when that exceeds UB, or
    when q_i > Q_j.

A margin of 1e-9 · max(1, |UB|) on every test absorbs rounding.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from siting.model.cflp_bounds import NEVER, Instance
from siting.model.radius_bounds import greedy, interchange

#: Knapsacks solved together at most (the DP records items × sites × (capacity + 1) choices).
CHUNK = 64
#: Relative margin on every bound test.
MARGIN = 1e-9
#: Subgradient: iterations at most, halving the step after this many without a better bound, smallest step.
MAX_ITERATIONS = 400
PATIENCE = 15
MIN_STEP = 5e-3
#: Until a plan is known, the steps aim this share above the best bound.
TARGET_SHARE = 0.05
#: The first subgradient run may take this share of the time limit, the heuristic MILP and a second run the rest.
FIRST_SHARE = 0.5
#: Seconds at most for the generalised assignment MILP that prices the first plan.
ASSIGN_S = 5.0
#: Branch-and-bound nodes at most for the heuristic's MILPs: a node limit, unlike a time limit, keeps the plan
#: the same from run to run (only the bounds' share of the time limit, as a safety, can cut them shorter).
NODE_LIMIT = 50
#: The restricted MILP keeps the sites and arcs whose Lagrangian bound is within this share of L (measured on
#: SJC1–4b: 3e-4 finds the best-known plan of SJC3a, 3b and 4a in 0.1–6 s; 6e-4 takes 3× longer and is worse).
RESTRICTED_GAP = 3e-4
#: ... widened by these factors in turn until it holds a plan within GOOD_GAP of L (SJC1: no plan at 3e-4 nor
#: 1.2e-3, the optimum at 4.8e-3; SJC2: 1.0 % above L at 3e-4, the optimum at 1.2e-3; SJC3a–4b stop at 3e-4).
WIDEN = (1.0, 4.0, 16.0)
GOOD_GAP = 3e-3


@dataclass(frozen=True)
class Bounds:
    """A plan, the best Lagrangian bound and the reductions they prove (module docstring).

    Attributes:
        open_site: (m,) bool and served_by: (n,) site of each client, the heuristic plan; cost: its cost UB.
        bound: the best L(λ); keep_arc: (m, n) bool, arcs a plan of cost ≤ UB may use.
        banned, forced: (m,) bool, sites fixed. iterations: subgradient steps; seconds: time taken.
    """

    open_site: np.ndarray
    served_by: np.ndarray
    cost: float
    bound: float
    keep_arc: np.ndarray
    banned: np.ndarray
    forced: np.ndarray
    iterations: int
    seconds: float

    def summary(self) -> str:
        """One line: the bounds and what they fixed."""
        return (
            f"plan {self.cost:.10g}, Lagrangian bound {self.bound:.10g} after {self.iterations} steps, "
            f"{int(self.keep_arc.sum()):,} of {self.keep_arc.size:,} arcs kept, {int(self.banned.sum())} sites "
            f"banned, {int(self.forced.sum())} forced, {self.seconds:.2f} s"
        )


def knapsack(profit: np.ndarray, weight: np.ndarray, capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact 0-1 knapsacks, one per row: max Σ_i profit_ki x_i s.t. Σ_i weight_i x_i ≤ capacity_k.

    Dynamic programming over the rows at once, one step per item rank (items of positive profit that fit, first):
    table[k, w] is the best value within weight w. Weights and capacities are non-negative integers.

    Returns:
        The table (k, C + 1) after all items (table[k, capacity_k] is the optimum; table[k, w] the optimum for
        capacity w ≤ capacity_k), and the optimal choice (k, n) bool.
    """
    k, n = profit.shape
    useful = (profit > 0) & (weight[None, :] <= capacity[:, None])
    width = int(useful.sum(axis=1).max()) if k and n else 0
    order = np.argsort(~useful, axis=1, kind="stable")[:, :width]
    rows = np.arange(k)[:, None]
    on = useful[rows, order]
    gain = np.where(on, profit[rows, order], 0.0)
    size = np.where(on, weight[order], 0)
    top = int(capacity.max()) if k else 0
    table = np.zeros((k, top + 1))
    took = np.zeros((width, k, top + 1), bool)
    columns = np.arange(top + 1)[None, :]
    for rank in range(width):
        source = columns - size[:, rank : rank + 1]
        shifted = np.take_along_axis(table, np.maximum(source, 0), axis=1) + gain[:, rank : rank + 1]
        better = (source >= 0) & (shifted > table)
        took[rank] = better
        table = np.where(better, shifted, table)
    choice = np.zeros((k, n), bool)
    left, every = capacity.astype(np.int64).copy(), np.arange(k)
    for rank in range(width - 1, -1, -1):
        taken = took[rank, every, left]
        choice[every[taken], order[taken, rank]] = True
        left -= np.where(taken, size[:, rank], 0)
    return table, choice


def select(
    rho: np.ndarray, p_min: int, p_max: int, forced: np.ndarray, banned: np.ndarray
) -> tuple[float, np.ndarray | None]:
    """min_S Σ_{j ∈ S} ρ_j over F ⊆ S, S ∩ B = ∅, p_min ≤ |S| ≤ p_max, and the minimising S (inf, None if none)."""
    chosen = forced.copy()
    free = np.flatnonzero(~forced & ~banned)
    least = max(p_min - int(forced.sum()), 0)
    most = min(p_max - int(forced.sum()), len(free))
    if most < least:
        return np.inf, None
    order = free[np.argsort(rho[free], kind="stable")]
    take = least + int(np.count_nonzero(rho[order[least:most]] < 0))
    chosen[order[:take]] = True
    return float(rho[chosen].sum()), chosen


class Relaxation:
    """L(λ) of the module docstring for one instance, its knapsacks solved exactly only where they matter."""

    def __init__(
        self, inst: Instance, p_min: int, p_max: int, forced: np.ndarray, banned: np.ndarray, weight: np.ndarray
    ) -> None:
        self.inst, self.p_min, self.p_max, self.forced, self.banned = inst, p_min, p_max, forced, banned
        # With integer weights, Σ q_i x_i ≤ Q_j holds exactly when it holds for ⌊Q_j⌋, or for Σ_i q_i if that is less.
        capacity = np.minimum(np.floor(inst.capacity + 1e-9), weight.sum())
        self.weight, self.capacity = weight, capacity.astype(np.int64)

    def exact(self, multipliers: np.ndarray, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """ρ_j and the knapsack choices (len(sites), n) of these sites, and the DP tables (len(sites), C + 1).

        The sites go CHUNK at a time, which bounds the DP's record of choices (items × sites × capacities).
        """
        top = int(self.capacity[sites].max()) if len(sites) else 0
        table = np.zeros((len(sites), top + 1))
        choice = np.zeros((len(sites), len(self.weight)), bool)
        for start in range(0, len(sites), CHUNK):
            part = sites[start : start + CHUNK]
            profit = multipliers[None, :] - self.inst.cost[part]
            part_table, choice[start : start + len(part)] = knapsack(profit, self.weight, self.capacity[part])
            table[start : start + len(part), : part_table.shape[1]] = part_table
        return self.inst.fixed[sites] - table[np.arange(len(sites)), self.capacity[sites]], choice, table

    def lagrangian(self, multipliers: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """L(λ), the sites S and the knapsack choices (m, n) (rows outside S are not solved: all False)."""
        # ρ̄_j ≤ ρ_j: the knapsack without its capacity row is worth at least as much.
        rho = self.inst.fixed - np.maximum(multipliers[None, :] - self.inst.cost, 0.0).sum(axis=1)
        solved = np.zeros(len(rho), bool)
        choice = np.zeros(self.inst.cost.shape, bool)
        while True:
            total, chosen = select(rho, self.p_min, self.p_max, self.forced, self.banned)
            if chosen is None:
                return -np.inf, np.zeros(len(rho), bool), choice
            todo = np.flatnonzero(chosen & ~solved)
            if not len(todo):
                return float(multipliers.sum()) + total, chosen, choice
            rho[todo], choice[todo], _ = self.exact(multipliers, todo)
            solved[todo] = True


def plan_milp(
    inst: Instance,
    keep_arc: np.ndarray,
    forced: np.ndarray,
    banned: np.ndarray,
    p_min: int,
    p_max: int,
    time_limit_s: float | None,
) -> tuple[float, np.ndarray, np.ndarray] | None:
    """The best plan on the arcs `keep_arc` (m, n) within the site fixings: the CPMP as a HiGHS MILP.

    Columns y_j, then x_ij per arc kept; rows Σ_j x_ij = 1, Σ_i q_i x_ij − Q_j y_j ≤ 0, x_ij − y_j ≤ 0 and
    p_min ≤ Σ_j y_j ≤ p_max. HiGHS stops at NODE_LIMIT nodes (or the time limit, whichever comes first).

    Returns:
        The plan's cost, its open sites and each client's site; None when none was found.
    """
    from scipy.optimize import LinearConstraint, milp  # loaded only for capacitated p-medians

    m, n = inst.cost.shape
    site_of, client = np.nonzero(keep_arc & (inst.cost < NEVER) & ~banned[:, None])
    if len(np.unique(client)) < n:
        return None
    arcs = len(client)
    columns = m + np.arange(arcs)
    one_each = sp.csr_matrix((np.ones(arcs), (client, columns)), shape=(n, m + arcs))
    load = sp.csr_matrix(
        (np.r_[inst.demand[client], -inst.capacity], (np.r_[site_of, np.arange(m)], np.r_[columns, np.arange(m)])),
        shape=(m, m + arcs),
    )
    link = sp.csr_matrix(
        (np.r_[np.ones(arcs), -np.ones(arcs)], (np.r_[np.arange(arcs), np.arange(arcs)], np.r_[columns, site_of])),
        shape=(arcs, m + arcs),
    )
    count = sp.csr_matrix((np.ones(m), (np.zeros(m, np.int64), np.arange(m))), shape=(1, m + arcs))
    res = milp(
        np.r_[inst.fixed, inst.cost[site_of, client]],
        constraints=[
            LinearConstraint(one_each, 1, 1),
            LinearConstraint(load, -np.inf, 0),
            LinearConstraint(link, -np.inf, 0),
            LinearConstraint(count, p_min, p_max),
        ],
        integrality=np.ones(m + arcs),
        bounds=(np.r_[forced.astype(float), np.zeros(arcs)], np.r_[(~banned).astype(float), np.ones(arcs)]),
        options={"node_limit": NODE_LIMIT} | ({} if time_limit_s is None else {"time_limit": max(time_limit_s, 0.05)}),
    )
    if res.x is None:
        return None
    taken = res.x[m:] > 0.5
    served_by = np.full(n, -1, np.int64)
    served_by[client[taken]] = site_of[taken]
    if (served_by < 0).any():
        return None
    open_site = np.zeros(m, bool)
    open_site[served_by] = True
    open_site |= res.x[:m] > 0.5
    cost = float(inst.fixed[open_site].sum() + inst.cost[served_by, np.arange(n)].sum())
    return cost, open_site, served_by


class Incumbent:
    """The best plan known, improved by any cheaper one offered (each distinct site set priced once)."""

    def __init__(self, inst: Instance, deadline: float | None) -> None:
        self.inst, self.deadline = inst, deadline
        self.cost, self.open_site, self.served_by = np.inf, None, None
        self.tried: set[bytes] = set()

    def offer(self, open_site: np.ndarray) -> None:
        """Assign the clients to `open_site` and keep the plan if it is cheaper."""
        key = np.packbits(open_site).tobytes()
        if key in self.tried:
            return
        self.tried.add(key)
        every = np.ones(self.inst.cost.shape, bool)
        self.keep(plan_milp(self.inst, every, open_site, ~open_site, 0, len(open_site), self.left(ASSIGN_S)))

    def keep(self, plan: tuple[float, np.ndarray, np.ndarray] | None) -> None:
        """Keep a plan found elsewhere if it is cheaper."""
        if plan is not None and plan[0] < self.cost:
            self.cost, self.open_site, self.served_by = plan

    def left(self, most: float | None) -> float | None:
        """Seconds for the next MILP: `most` (None: no limit), or what is left before the deadline."""
        if self.deadline is None:
            return most
        left = self.deadline - time.perf_counter()
        return left if most is None else min(most, left)


def cpmp_bounds(
    inst: Instance,
    p_min: int,
    p_max: int,
    forced: np.ndarray,
    banned: np.ndarray,
    time_limit_s: float | None = None,
) -> Bounds | None:
    """Heuristic plan, Lagrangian bound and reductions (module docstring); None when no plan is found.

    Args:
        inst: costs (m, n), fixed costs, capacities and demands (demands non-negative integers; capacities are
            rounded down, which with integer demands changes no plan).
        p_min, p_max: bounds on the number of sites open.
        forced, banned: (m,) bool, sites that must / must not open.
        time_limit_s: the subgradient and the heuristic stop after this many seconds.
    """
    started = time.perf_counter()
    deadline = None if time_limit_s is None else started + time_limit_s
    weight = np.round(inst.demand).astype(np.int64)
    if (weight != inst.demand).any() or (inst.demand < 0).any() or (inst.capacity < 0).any():
        return None  # the knapsacks' dynamic programming needs non-negative integer demands
    relax = Relaxation(inst, p_min, p_max, forced, banned, weight)
    plans = Incumbent(inst, deadline)
    count = min(p_max, int((~banned).sum()))
    if count < max(p_min, int(forced.sum())):
        return None
    matrix = inst.cost.T
    first = interchange(matrix, greedy(matrix, count, forced, banned), forced, banned, deadline)
    multipliers = np.where(first.any(), matrix[:, first].min(axis=1), 0.0)
    multipliers = np.where(multipliers >= NEVER, 0.0, multipliers)
    first_deadline = None if time_limit_s is None else started + FIRST_SHARE * time_limit_s
    multipliers, lower, steps = subgradient(relax, plans, multipliers, first_deadline)
    if not np.isfinite(lower):
        return None
    opened, arc_bound = fixing_bounds(relax, multipliers)
    # The heuristic: the CPMP on the sites and arcs whose bound is near L (a restriction, so its plan is a plan).
    before = plans.cost
    for widen in WIDEN:  # a restriction too tight to hold any plan, or a good one, is widened
        near = lower + widen * RESTRICTED_GAP * max(1.0, abs(lower))
        restricted = (arc_bound <= near, banned | (opened > near))
        plans.keep(plan_milp(inst, restricted[0], forced, restricted[1], p_min, p_max, plans.left(None)))
        if plans.open_site is not None and plans.cost - lower <= GOOD_GAP * max(1.0, abs(lower)):
            break
    if plans.open_site is None:
        plans.offer(first)  # the uncapacitated p-median's sites, the clients assigned within capacities
    if plans.open_site is None:
        return None
    if plans.cost < before and (deadline is None or time.perf_counter() < deadline):
        # Steps aimed at the better plan's cost raise L further (SJC4a: 61,825 -> 61,844).
        multipliers, lower, more = subgradient(relax, plans, multipliers, deadline)
        steps += more
        opened, arc_bound = fixing_bounds(relax, multipliers)
    upper = plans.cost + MARGIN * max(1.0, abs(plans.cost))
    ban = banned | (opened > upper)
    force = forced | closing(relax, multipliers, upper, ban)
    keep_arc = (arc_bound <= upper) & ~ban[:, None]
    keep_arc[plans.served_by, np.arange(len(inst.demand))] = True  # already kept (their bound ≤ UB); made sure
    return Bounds(
        plans.open_site,
        plans.served_by,
        plans.cost,
        lower,
        keep_arc,
        ban,
        force,
        steps,
        time.perf_counter() - started,
    )


def subgradient(
    relax: Relaxation, plans: Incumbent, multipliers: np.ndarray, deadline: float | None
) -> tuple[np.ndarray, float, int]:
    """The best multipliers found, their bound and the steps taken (steps aimed at the best plan's cost)."""
    best, best_bound = multipliers.copy(), -np.inf
    step, stale, steps = 2.0, 0, 0
    for _ in range(MAX_ITERATIONS):
        steps += 1
        bound, chosen, choice = relax.lagrangian(multipliers)
        if bound > best_bound + MARGIN * max(1.0, abs(bound)):
            best, best_bound, stale = multipliers.copy(), bound, 0
        else:
            stale += 1
            if stale >= PATIENCE:
                step, stale = step / 2, 0
        direction = 1.0 - choice[chosen].sum(axis=0)
        norm = float(direction @ direction)
        target = plans.cost if np.isfinite(plans.cost) else best_bound + TARGET_SHARE * max(1.0, abs(best_bound))
        gap = target - best_bound
        if norm == 0 or gap <= MARGIN * max(1.0, abs(target)) or step < MIN_STEP:
            break
        if deadline is not None and time.perf_counter() > deadline:
            break
        multipliers = multipliers + step * gap / norm * direction
    return best, best_bound, steps


def fixing_bounds(relax: Relaxation, multipliers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """L_open(j) per site (inf for banned ones) and the bound of (b) per arc (m, n) (inf where q_i > Q_j)."""
    inst = relax.inst
    m = len(inst.fixed)
    rho, _, table = relax.exact(multipliers, np.arange(m))
    base = float(multipliers.sum())
    opened = np.full(m, np.inf)
    for site in np.flatnonzero(~relax.banned):
        trial = relax.forced.copy()
        trial[site] = True
        opened[site] = base + select(rho, relax.p_min, relax.p_max, trial, relax.banned)[0]
    room = relax.capacity[:, None] - relax.weight[None, :]
    rest = np.take_along_axis(table, np.maximum(room, 0), axis=1)  # K_j(Q_j − q_i)
    arc_bound = opened[:, None] - rho[:, None] + inst.fixed[:, None] - (multipliers[None, :] - inst.cost) - rest
    arc_bound[(room < 0) | (inst.cost >= NEVER)] = np.inf
    return opened, arc_bound


def closing(relax: Relaxation, multipliers: np.ndarray, upper: float, banned: np.ndarray) -> np.ndarray:
    """Sites forced open by (a): every plan that closes them costs more than `upper` (which has its margin)."""
    rho = relax.exact(multipliers, np.arange(len(relax.inst.fixed)))[0]
    base = float(multipliers.sum())
    force = relax.forced.copy()
    for site in np.flatnonzero(~banned & ~force):
        closed = banned.copy()
        closed[site] = True
        force[site] = base + select(rho, relax.p_min, relax.p_max, force, closed)[0] > upper
    return force
