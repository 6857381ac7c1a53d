"""Re-evaluate a decoded plan from the raw instance data, without the model, its arrays or the solver.

Each function reads only the instance (as the readers return it) and the :class:`~siting.plan.Plan`
(selected building ids and, for assignment models, the assignments), recomputes the objective in the
problem's own terms and lists every rule the plan breaks. The reproduction runner compares this value with
the solver's objective and reports the independent one, so a bug in the model mapping cannot pass for a
reproduced optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.plan import Plan
from siting.reproduce.instances import CapInstance, CpmpInstance, MclpInstance, PMedianInstance

__all__ = ["Evaluation", "cflp_cost", "cpmp_cost", "mclp_coverage", "pmedian_cost"]

#: Relative slack for "fully assigned" and "within capacity" (the solver's feasibility tolerance is 1e-7 and
#: assignments are rounded to 6 decimals when decoded).
FEASIBILITY = 1e-6
#: Slack on binary (single-source) assignments: solvers accept integrality violations up to about 1e-6.
INTEGRALITY = 1e-5


@dataclass(frozen=True)
class Evaluation:
    """The objective recomputed from the instance, and what (if anything) the plan breaks.

    Attributes:
        value: the objective of the plan in the problem's own terms.
        facilities: the 0-based indices of the chosen sites, sorted.
        problems: human-readable descriptions of broken rules; empty when the plan is feasible.
    """

    value: float
    facilities: tuple[int, ...]
    problems: tuple[str, ...] = ()

    @property
    def feasible(self) -> bool:
        """True when the plan breaks no rule of the problem."""
        return not self.problems


def _sites(plan: Plan, n_sites: int) -> tuple[np.ndarray, list[str]]:
    problems = []
    sites = sorted({int(s.building) for s in plan.selected})
    bad = [s for s in sites if not 0 <= s < n_sites]
    if bad:
        problems.append(f"site index {bad[0]} outside 0..{n_sites - 1}")
    return np.asarray([s for s in sites if 0 <= s < n_sites], np.int64), problems


def _count(sites: np.ndarray, p: int, problems: list[str], exact: bool = False) -> None:
    if len(sites) > p or (exact and len(sites) != p):
        problems.append(f"{len(sites)} sites chosen, expected {'exactly' if exact else 'at most'} {p}")


def _shares(plan: Plan, n_clients: int, n_sites: int) -> np.ndarray:
    """(clients × sites) demand units assigned, from the plan's assignments."""
    units = np.zeros((n_clients, n_sites))
    for a in plan.assignments:
        units[int(a.community), int(a.building)] += a.units
    return units


def pmedian_cost(inst: PMedianInstance, plan: Plan) -> Evaluation:
    """Σ_i min over chosen medians of dist(i, median): every vertex goes to its nearest median.

    Nearest assignment is optimal for a given set of medians, so this is the value of the medians the plan
    chose, whatever assignment the solver reported. Fewer than p medians is allowed (adding any median cannot
    increase the cost), more is a broken rule.
    """
    medians, problems = _sites(plan, inst.n)
    _count(medians, inst.p, problems)
    if not len(medians):
        return Evaluation(float("inf"), (), (*problems, "no median chosen"))
    value = float(inst.dist[:, medians].min(axis=1).sum())
    return Evaluation(value, tuple(int(m) for m in medians), tuple(problems))


def cflp_cost(inst: CapInstance, plan: Plan, *, capacitated: bool) -> Evaluation:
    """Σ fixed costs of open warehouses + Σ_ij c_ij x_ij.

    Uncapacitated: each customer goes wholly to its cheapest open warehouse (optimal for the open set, so the
    value does not depend on the solver's assignment). Capacitated: x_ij = units / d_j from the plan's
    assignments, checked for full assignment (Σ_i x_ij = 1), capacity (Σ_j d_j x_ij ≤ s_i) and assignment only
    to open warehouses.
    """
    open_, problems = _sites(plan, inst.m)
    if not len(open_):
        return Evaluation(float("inf"), (), (*problems, "no warehouse open"))
    fixed = float(inst.fixed_cost[open_].sum())
    if not capacitated:
        return Evaluation(
            fixed + float(inst.cost[open_].min(axis=0).sum()), tuple(int(i) for i in open_), tuple(problems)
        )
    units = _shares(plan, inst.n, inst.m)  # (customers × warehouses)
    served = units.sum(axis=1)
    short = np.flatnonzero(np.abs(served - inst.demand) > FEASIBILITY * np.maximum(inst.demand, 1.0))
    if short.size:
        j = int(short[0])
        problems.append(
            f"customer {j + 1}: {served[j]:g} of its demand {inst.demand[j]:g} assigned "
            f"({short.size} customers not fully assigned)"
        )
    closed = np.setdiff1d(np.flatnonzero(units.sum(axis=0) > 0), open_)
    if closed.size:
        problems.append(f"demand assigned to warehouse {int(closed[0]) + 1}, which is not open")
    load = units.sum(axis=0)
    over = np.flatnonzero(load > inst.capacity * (1 + FEASIBILITY))
    if over.size:
        i = int(over[0])
        problems.append(f"warehouse {i + 1} serves {load[i]:g} units, capacity {inst.capacity[i]:g}")
    share = units / inst.demand[:, None]
    return Evaluation(fixed + float((inst.cost.T * share).sum()), tuple(int(i) for i in open_), tuple(problems))


def cpmp_cost(inst: CpmpInstance, plan: Plan) -> Evaluation:
    """Σ_i d(i, median of i), Euclidean and not weighted by demand, for single-source assignments.

    Checks: every node wholly assigned to exactly one chosen median, at most p medians, and each median's
    assigned demand within its capacity.
    """
    medians, problems = _sites(plan, inst.n)
    _count(medians, inst.p, problems)
    units = _shares(plan, inst.n, inst.n)  # (clients × medians)
    target = units.argmax(axis=1)
    got = units[np.arange(inst.n), target]
    # Binary shares are integral up to the solver's integrality tolerance (1e-6): allow 1e-5 of the demand.
    short = np.flatnonzero(got < inst.demand * (1 - INTEGRALITY))
    if short.size:
        i = int(short[0])
        problems.append(
            f"node {i + 1}: {got[i]:g} of its demand {inst.demand[i]:g} assigned to one median "
            f"({short.size} nodes not wholly assigned to one median)"
        )
    stray_units = units.sum(axis=1) - got
    split = np.flatnonzero(stray_units > inst.demand * INTEGRALITY)
    if split.size:
        i = int(split[0])
        problems.append(f"node {i + 1} split over several medians ({split.size} such nodes)")
    stray = np.setdiff1d(np.unique(target), medians)
    if stray.size:
        problems.append(f"node assigned to {int(stray[0]) + 1}, which is not a chosen median")
    load = np.bincount(target, weights=inst.demand, minlength=inst.n)
    over = np.flatnonzero(load > inst.capacity * (1 + FEASIBILITY))
    if over.size:
        j = int(over[0])
        problems.append(f"median {j + 1} serves {load[j]:g} units, capacity {inst.capacity[j]:g}")
    d = inst.xy - inst.xy[target]
    return Evaluation(float(np.hypot(d[:, 0], d[:, 1]).sum()), tuple(int(m) for m in medians), tuple(problems))


def mclp_coverage(inst: MclpInstance, plan: Plan, *, radius: float, p: int) -> Evaluation:
    """Σ demand of the points within Euclidean distance ``radius`` of some chosen site (at most p sites).

    Distances are compared squared, dx² + dy² ≤ S², which is exact for the integer coordinates of the files.
    """
    sites, problems = _sites(plan, inst.n)
    _count(sites, p, problems)
    if not len(sites):
        return Evaluation(0.0, (), tuple(problems))
    d = inst.xy[:, None, :] - inst.xy[None, sites, :]
    covered = ((d**2).sum(axis=2) <= float(radius) ** 2).any(axis=1)
    return Evaluation(float(inst.demand[covered].sum()), tuple(int(s) for s in sites), tuple(problems))
