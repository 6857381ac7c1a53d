r"""Exact reductions of the radius p-median model from a heuristic plan and a Lagrangian bound.

Costs c_ij = w_i d_ij on the arcs (client i may be served by site j; a missing arc costs "never"); at most
K = p_max sites open, the forced ones F always, the banned ones never. Every reduction below removes only plans
that cost more than a known plan, so the reduced model keeps every optimal plan and the optimum is the
p-median's (Beasley 1993; García, Labbé and Marín 2011 reduce the radius model the same way).

Upper bound UB: the cost of a plan found by a greedy (add the site that saves most) and vertex substitution
(Teitz and Bart 1968) with Whitaker's fast interchange, done on the dense (clients × sites) cost matrix: with d1_i,
d2_i the costs of client i's nearest and second-nearest open site and a(i) its nearest, swapping site r out for
j in changes the cost by

    Δ(r, j) = Σ_i min(0, c_ij − d1_i) + Σ_{i: a(i) = r} [min(c_ij, d2_i) − min(c_ij, d1_i)],

the best swap is made while one improves.

Lower bound: relax Σ_j x_ij = 1 of the assignment form with multipliers λ_i:

    L(λ) = Σ_i λ_i + Σ_{j ∈ S} ρ_j,   ρ_j = Σ_i min(0, c_ij − λ_i) ≤ 0,

S the forced sites and the K − |F| free sites of least ρ. For any plan (open sites T, each client served by a(i) ∈ T)

    cost = Σ_i λ_i + Σ_{j ∈ T} Σ_{i: a(i) = j} (c_ij − λ_i) ≥ L(λ) + max(0, c_{i a(i)} − λ_i)   for every i,

since an open site's sum is at least ρ_j raised by any one client it serves above λ_i, and no K sites have a
smaller ρ sum than S. λ comes from subgradient optimisation (steps μ (UB − L) / ‖g‖², g_i = 1 − #{j ∈ S:
c_ij < λ_i}). The best L(λ) then gives, for plans of cost ≤ UB:

(a) arcs: client i is served by a site with c_ij ≤ λ_i + UB − L. Farther arcs are dropped; the radius model on
    the arcs left (every client served within them: its last distance level is (R3)) keeps each such plan at the
    same cost, since each client's nearest open site is still among its arcs.
(b) sites: opening a free site j outside S puts it in place of S's worst free site s: the bound rises by
    ρ_j − ρ_s (or the site cannot open at all when K = |F|); closing a free site j of S lets in at best the
    next free site n: it rises by min(0, ρ_n) − ρ_j. Where the bound then exceeds UB, j is banned or forced open.
(c) probing: the same Lagrangian for plans that open site j (close it) is re-optimised by a short subgradient
    run from the best λ; when its bound L_j exceeds UB, j is banned (forced open). Otherwise the bound of (a) for
    plans that open j gives: client i is served by j only if c_ij ≤ λ^j_i + UB − L_j.

All of them hold at once, and the heuristic plan (cost UB) satisfies them all, so the reduced model is feasible.
A margin of 1e-9 · max(1, |UB|) on every test absorbs rounding.

The interchange heuristic alone can stop at a local optimum 1 % above the optimum (pmed22, pmed40); the sets S of
the subgradient, improved by interchange, are plans too (a Lagrangian heuristic), and the best plan is UB.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

#: The dense cost matrix is built only up to this many entries (900 × 900 = 810,000 for pmed40).
MAX_DENSE = 4_000_000
#: Relative margin on every bound test.
MARGIN = 1e-9
#: Subgradient: iterations at most, and halving the step after this many without a better bound.
MAX_ITERATIONS = 600
PATIENCE = 20
MIN_STEP = 1e-3
#: Probing: subgradient iterations per probe, and seconds at most (without a time limit).
PROBE_ITERATIONS = 60
PROBE_S = 5.0
#: "Never": the cost of a missing arc.
NEVER = 1e30


@dataclass(frozen=True)
class Bounds:
    """A plan, the best Lagrangian bound and the reductions they prove (module docstring).

    Attributes:
        open_site: (m,) bool, the heuristic plan; cost: its cost UB; bound: the best L(λ).
        keep_arc: (E,) bool, arcs that a plan of cost ≤ UB may use (none to a banned site).
        banned, forced: (m,) bool, sites fixed.
        seconds: time taken.
    """

    open_site: np.ndarray
    cost: float
    bound: float
    keep_arc: np.ndarray
    banned: np.ndarray
    forced: np.ndarray
    seconds: float

    def summary(self, n_arcs: int) -> str:
        """One line: the bounds and what they fixed."""
        return (
            f"plan {self.cost:.10g}, Lagrangian bound {self.bound:.10g}, {int(self.keep_arc.sum()):,} of {n_arcs:,} "
            f"arcs kept, {int(self.banned.sum())} sites banned, {int(self.forced.sum())} forced, {self.seconds:.2f} s"
        )


def cost_matrix(client: np.ndarray, site: np.ndarray, cost: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The dense (clients × sites) cost matrix of the arcs (the cheapest of repeated arcs), NEVER elsewhere."""
    matrix = np.full(shape, NEVER)
    np.minimum.at(matrix, (client, site), cost)
    return matrix


def p_median_bounds(
    client: np.ndarray,
    site: np.ndarray,
    cost: np.ndarray,
    n_sites: int,
    p_min: float,
    p_max: float,
    forced: np.ndarray,
    banned: np.ndarray,
    time_limit_s: float | None = None,
) -> Bounds | None:
    """Heuristic plan, Lagrangian bound and reductions; None when the matrix is too large or no plan is found.

    Args:
        client, site, cost: per arc, the client, the site (0..n_sites−1) and the weighted cost c_ij.
        n_sites: number of sites; p_min, p_max: bounds on the number open (inf: none).
        forced, banned: (n_sites,) bool, sites that must / must not open.
        time_limit_s: the subgradient and the probing stop after this many seconds.
    """
    started = time.perf_counter()
    n_clients = int(client.max()) + 1 if len(client) else 0
    if n_clients * n_sites > MAX_DENSE or n_clients == 0 or (forced & banned).any():
        return None
    matrix = cost_matrix(client, site, cost, (n_clients, n_sites))
    count = int(min(p_max, n_sites - banned.sum()))
    if count < max(p_min, forced.sum()):
        return None
    deadline = None if time_limit_s is None else started + time_limit_s
    probe_until = started + (PROBE_S if time_limit_s is None else time_limit_s)
    plan = Plan(matrix, interchange(matrix, greedy(matrix, count, forced, banned), forced, banned, deadline))
    if plan.cost >= NEVER:
        return None  # the heuristic plan leaves a client without a site
    multipliers, lower = subgradient(matrix, plan.nearest(), plan, count, forced, banned, deadline)
    margin = MARGIN * max(1.0, abs(plan.cost))
    ban, force = site_fixing(matrix, multipliers, lower, plan.cost + margin, count, forced, banned)
    ban, force, reach = probe(matrix, multipliers, plan, count, force, ban, probe_until)
    keep_arc = (cost - multipliers[client] <= plan.cost - lower + margin) & reach[client, site] & ~ban[site]
    return Bounds(plan.open_site, plan.cost, lower, keep_arc, ban, force, time.perf_counter() - started)


class Plan:
    """The best plan known (open sites and cost), improved by any better one offered."""

    def __init__(self, matrix: np.ndarray, open_site: np.ndarray) -> None:
        self.matrix, self.open_site = matrix, open_site
        self.cost = float(matrix[:, open_site].min(axis=1).sum()) if open_site.any() else NEVER

    def nearest(self) -> np.ndarray:
        """Each client's cost in the plan."""
        return self.matrix[:, self.open_site].min(axis=1)

    def offer(self, open_site: np.ndarray) -> None:
        """Keep `open_site` if it is cheaper."""
        cost = float(self.matrix[:, open_site].min(axis=1).sum())
        if cost < self.cost - MARGIN * max(1.0, abs(cost)):
            self.open_site, self.cost = open_site.copy(), cost


def greedy(matrix: np.ndarray, count: int, forced: np.ndarray, banned: np.ndarray) -> np.ndarray:
    """The forced sites, then one site at a time the one that lowers the total cost most, up to `count`."""
    open_site = forced.copy()
    nearest = matrix[:, open_site].min(axis=1) if open_site.any() else np.full(len(matrix), NEVER)
    for _ in range(count - int(forced.sum())):
        total = np.minimum(matrix, nearest[:, None]).sum(axis=0)
        total[open_site | banned] = np.inf
        best = int(np.argmin(total))
        open_site[best] = True
        nearest = np.minimum(nearest, matrix[:, best])
    return open_site


def interchange(
    matrix: np.ndarray, open_site: np.ndarray, forced: np.ndarray, banned: np.ndarray, deadline: float | None = None
) -> np.ndarray:
    """Vertex substitution with the fast interchange (module docstring): best swaps while one lowers the cost."""
    open_site = open_site.copy()
    n_clients = len(matrix)
    while deadline is None or time.perf_counter() < deadline:
        opened = np.flatnonzero(open_site)
        if len(opened) == 0 or open_site.sum() + banned.sum() == len(open_site):
            return open_site
        sub = matrix[:, opened]
        order = np.argsort(sub, axis=1)[:, :2]
        rows = np.arange(n_clients)
        first, d1 = order[:, 0], sub[rows, order[:, 0]]
        d2 = sub[rows, order[:, 1]] if len(opened) > 1 else np.full(n_clients, NEVER)
        gain = np.minimum(matrix - d1[:, None], 0.0).sum(axis=0)
        moved = np.minimum(matrix, d2[:, None]) - np.minimum(matrix, d1[:, None])
        owner = sp.csr_matrix((np.ones(n_clients), (first, rows)), shape=(len(opened), n_clients))
        delta = owner @ moved + gain[None, :]
        delta[:, open_site | banned] = np.inf
        delta[forced[opened], :] = np.inf
        out, into = np.unravel_index(int(np.argmin(delta)), delta.shape)
        if not delta[out, into] < -MARGIN * max(1.0, float(d1.sum())):
            return open_site
        open_site[opened[out]], open_site[into] = False, True
    return open_site


def lagrangian(
    matrix: np.ndarray, multipliers: np.ndarray, count: int, forced: np.ndarray, banned: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """L(λ), the sites S and ρ (module docstring)."""
    rho = np.minimum(matrix - multipliers[:, None], 0.0).sum(axis=0)
    chosen = forced.copy()
    free = np.flatnonzero(~forced & ~banned)
    take = count - int(forced.sum())
    if take >= len(free):
        chosen[free] = True
    elif take > 0:
        chosen[free[np.argpartition(rho[free], take - 1)[:take]]] = True
    return float(multipliers.sum() + rho[chosen].sum()), chosen, rho


def subgradient(
    matrix: np.ndarray,
    multipliers: np.ndarray,
    plan: Plan,
    count: int,
    forced: np.ndarray,
    banned: np.ndarray,
    deadline: float | None,
    iterations: int = MAX_ITERATIONS,
    stop_above: float = np.inf,
    heuristic: bool = True,
) -> tuple[np.ndarray, float]:
    """The best multipliers found and their bound (steps aimed at the plan's cost; stops once above `stop_above`).

    With `heuristic`, a Lagrangian heuristic: each S is a plan, and interchange from the best of them and from the
    S of the best multipliers (local optima of interchange can be 1 % above the optimum: pmed22, pmed40) may
    improve `plan`.
    """
    best, best_bound = multipliers.copy(), -np.inf
    step, stale = 2.0, 0
    offered = Plan(matrix, plan.open_site)
    for _ in range(iterations):
        bound, chosen, _ = lagrangian(matrix, multipliers, count, forced, banned)
        if heuristic:
            offered.offer(chosen)
        if bound > best_bound + MARGIN * max(1.0, abs(bound)):
            best, best_bound, stale = multipliers.copy(), bound, 0
        else:
            stale += 1
            if stale >= PATIENCE:
                step, stale = step / 2, 0
        served = (matrix[:, chosen] < multipliers[:, None]).sum(axis=1)
        direction = 1.0 - served
        norm = float(direction @ direction)
        gap = min(plan.cost, offered.cost) - best_bound
        if norm == 0 or gap <= MARGIN * max(1.0, abs(plan.cost)) or step < MIN_STEP or best_bound > stop_above:
            break
        if deadline is not None and time.perf_counter() > deadline:
            break
        multipliers = multipliers + step * max(gap, 0.0) / norm * direction
    if heuristic:
        plan.offer(interchange(matrix, lagrangian(matrix, best, count, forced, banned)[1], forced, banned, deadline))
        if offered.cost < plan.cost:
            plan.offer(interchange(matrix, offered.open_site, forced, banned, deadline))
    return best, best_bound


def probe(
    matrix: np.ndarray,
    multipliers: np.ndarray,
    plan: Plan,
    count: int,
    forced: np.ndarray,
    banned: np.ndarray,
    deadline: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sites banned (forced) as the Lagrangian bound with the site open (closed) exceeds UB; arcs the probes keep.

    Each probe is a short subgradient run from the best multipliers on the sites still allowed, the most
    promising sites first (those whose one-step bound of site_fixing comes nearest UB); it stops at `deadline`.
    A site j probed open and not banned has a bound L_j with multipliers λ^j for plans that open it; a client
    served by j adds (c_ij − λ^j_i)^+ to it (module docstring), so the arc goes when L_j + c_ij − λ^j_i > UB.
    """
    ban, force = banned.copy(), forced.copy()
    reach = np.ones(matrix.shape, bool)
    bound, chosen, rho = lagrangian(matrix, multipliers, count, forced, banned)
    free = ~forced & ~banned
    inside, outside = chosen & free, ~chosen & free
    if not inside.any() or not outside.any():
        return ban, force, reach
    moved = np.where(chosen, bound - rho + min(0.0, rho[outside].min()), bound + rho - rho[inside].max())
    limit = plan.cost + MARGIN * max(1.0, abs(plan.cost))
    alive, sub = None, None
    for site in np.flatnonzero(free)[np.argsort(-moved[free], kind="stable")]:
        if time.perf_counter() > deadline:
            break
        if alive is None or ban[alive].any():
            alive = np.flatnonzero(~ban)
            sub, sub_plan = matrix[:, alive], Plan(matrix[:, alive], plan.open_site[alive])
        k = int(np.searchsorted(alive, site))
        trial_force, trial_ban = force[alive].copy(), ban[alive].copy()
        opened = bool(plan.open_site[site])
        if opened:  # probe the site closed
            trial_ban[k] = True
        else:
            trial_force[k] = True
        if int(trial_force.sum()) > count or int((~trial_ban).sum()) < count:
            continue
        probed, bound = subgradient(
            sub, multipliers, sub_plan, count, trial_force, trial_ban, deadline, PROBE_ITERATIONS, limit, False
        )
        if bound > limit:
            force[site] |= opened
            ban[site] |= not opened
        elif not opened:
            reach[:, site] = matrix[:, site] - probed <= limit - bound
    return ban, force, reach


def site_fixing(
    matrix: np.ndarray,
    multipliers: np.ndarray,
    lower: float,
    upper: float,
    count: int,
    forced: np.ndarray,
    banned: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Sites banned and forced open by (b) of the module docstring (`upper` already has its margin)."""
    bound, chosen, rho = lagrangian(matrix, multipliers, count, forced, banned)
    free = ~forced & ~banned
    ban, force = banned.copy(), forced.copy()
    inside, outside = chosen & free, ~chosen & free
    if not outside.any():
        return ban, force
    if not inside.any():  # K = |F|: no free site can open
        ban |= outside
        return ban, force
    worst_in, best_out = rho[inside].max(), rho[outside].min()
    ban |= outside & (bound + rho - worst_in > upper)
    force |= inside & (bound - rho + min(0.0, best_out) > upper)
    return ban, force
