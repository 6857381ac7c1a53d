r"""A greedy plan with local search: the solver's start, and the answer when time runs out.

Where acquiring nothing is feasible (no full assignment), a plan is built in three phases, then checked against
every row of the model (MilpProblem.max_violation); a plan that breaks a row is not returned:

1. Rules that need something acquired: each must-choose building gets its best option; at least N^c complex
   candidates are acquired hosting all the services they fit; while a required share (7), district minimum share
   (12) or district must-have (13) is unmet, the option covering most of the missing demand per unit of cost is
   taken (demand weighted by what each unmet row still lacks).
2. For coverage objectives: lazy greedy (CELF) on weighted coverage gained per share of the budgets used
   (c_o / B_c + f_o / B_f, or 1 / p_max with a facility cap), until nothing more fits; then, if the count is
   below p_min, the best remaining options whatever they add.
3. Local search: drop the chosen option worth least per cost and refill the freed budget greedily; keep the
   change when coverage grows (within a time budget).

Coverage is tracked per demand pair: without capacities, a pair is covered once any hosted slot reaches it;
with capacities (or distance decay), each slot serves the uncovered demand within reach in order of credit,
up to its capacity (area capacity: the option's floor area split between the services by value per m²). The
plan's assignment is the one the greedy made, so capacities hold by construction.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass

import numpy as np

from siting.model.data import ModelData
from siting.model.spec import ModelSpec
from siting.model.variables import Variables, area_capacity
from siting.solvers import MilpProblem
from siting.solvers.base import FEASIBILITY_TOLERANCE

#: Share of the greedy's own time that local search may add.
LOCAL_SEARCH_SHARE = 1.0
#: Local search may always take this long, seconds.
LOCAL_SEARCH_FLOOR_S = 0.05
#: Hard cap on local search, seconds.
LOCAL_SEARCH_CAP_S = 0.3


@dataclass(frozen=True)
class Start:
    """A plan as a full column vector of the model, with its objective value and how long it took."""

    x: np.ndarray
    objective: float
    seconds: float


def applicable(spec: ModelSpec) -> bool:
    """Greedy plans need a model where serving nobody is allowed (no full assignment)."""
    return not spec.full_assignment and spec.objectives[0] in ("max_coverage", "max_min_share", "min_cost")


def greedy_start(data: ModelData, spec: ModelSpec, v: Variables, problem: MilpProblem) -> Start | None:
    """A feasible plan for `problem` (the first lexicographic stage), or None when the greedy cannot find one."""
    if not applicable(spec):
        return None
    started = time.perf_counter()
    state = _State(data, spec, v)
    state.meet_requirements()
    if spec.objectives[0] != "min_cost":
        state.weights = state.objective_weights()
        state.celf()
        state.fill_count()
        spent = time.perf_counter() - started
        state.local_search(
            deadline=time.perf_counter()
            + min(LOCAL_SEARCH_CAP_S, max(LOCAL_SEARCH_FLOOR_S, LOCAL_SEARCH_SHARE * spent))
        )
    else:
        state.fill_count()
    x = state.vector(problem.num_cols)
    if problem.max_violation(x) > FEASIBILITY_TOLERANCE:
        return None
    return Start(x, problem.objective_value(x), time.perf_counter() - started)


class _State:
    """The plan being built: options taken, slots hosted, area given, demand served per arc."""

    def __init__(self, data: ModelData, spec: ModelSpec, v: Variables) -> None:
        self.data, self.spec, self.v = data, spec, v
        d = data
        n_hosts, n_pairs = len(d.host_building), len(d.pair_community)
        self.cover = not v.assign
        self.by_area = area_capacity(d, spec)
        # Arcs grouped by host, best credit first (then nearest), so capacity goes to the best-served pairs.
        self.arc_order = np.lexsort((d.arc_distance, -d.arc_credit, d.arc_host))
        self.host_start = np.searchsorted(d.arc_host[self.arc_order], np.arange(n_hosts + 1))
        order = np.argsort(d.host_building, kind="stable")
        self.slot_order = order
        self.slot_start = np.searchsorted(d.host_building[order], np.arange(d.n_buildings + 1))
        self.residual = d.pair_demand.astype(float).copy()
        self.count = np.zeros(n_pairs, np.int64)  # cover form: hosted slots reaching each pair
        self.served = np.zeros(len(d.arc_pair))  # demand units served through each arc
        self.hosted = np.zeros(n_hosts, bool)
        self.area_given = np.zeros(n_hosts)
        self.taken = np.zeros(len(d.option_row), bool)
        self.building_taken = np.zeros(d.n_buildings, bool)
        self.complex = np.zeros(d.n_buildings, bool)
        self.capex_left = d.budget_capex
        self.annual_left = np.inf if d.budget_annual is None else d.budget_annual
        self.count_left = np.inf if spec.max_facilities is None else float(spec.max_facilities)
        self.mode_left = dict(spec.max_by_mode)
        self.allowed = ~d.option_existing
        self.allowed[d.option_of_asset] = False  # trading an asset closes facilities: left to the solver
        self.allowed &= ~np.isin(d.option_building, spec.must_not_choose)
        self.pair_start = np.searchsorted(d.arc_pair, np.arange(n_pairs + 1))
        self.gain_b = np.zeros(d.n_buildings)  # cover form: weight of the uncovered pairs each building reaches
        self.weights = np.zeros(n_pairs)
        self._open_existing()

    @property
    def weights(self) -> np.ndarray:
        """What serving each pair (cover form) or demand unit is worth in the current phase."""
        return self._weights

    @weights.setter
    def weights(self, value: np.ndarray) -> None:
        self._weights = value
        if self.cover:
            d = self.data
            per_arc = np.where(self.count[d.arc_pair] == 0, value[d.arc_pair], 0.0)
            self.gain_b = np.bincount(d.host_building[d.arc_host], weights=per_arc, minlength=d.n_buildings)

    def _shift_gain(self, pairs: np.ndarray, sign: float) -> None:
        """Cover form: pairs just covered (sign -1) or uncovered (+1) change the gain of the buildings reaching them."""
        if not len(pairs):
            return
        d = self.data
        first, length = self.pair_start[pairs], self.pair_start[pairs + 1] - self.pair_start[pairs]
        arcs = np.repeat(first - np.cumsum(length) + length, length) + np.arange(int(length.sum()))
        np.add.at(self.gain_b, d.host_building[d.arc_host[arcs]], sign * self._weights[d.arc_pair[arcs]])

    # --- costs and feasibility -------------------------------------------------------------------------------

    def cost(self, options: np.ndarray | int) -> np.ndarray | float:
        """Share of what is left of each budget (and of the facility count) that the options would use.

        Measured against what is left, so the budget running out first gets dearer as it does (with two
        budgets a fixed split leaves one of them unspent). Costs only rise as the plan grows, so gains per
        cost stored by the lazy greedy stay upper bounds.
        """
        d, spec = self.data, self.spec
        scale = np.zeros(np.shape(options))
        if np.isfinite(d.budget_capex) and d.budget_capex > 0:
            scale = scale + d.capex[options] / max(self.capex_left, 1e-9 * d.budget_capex)
        if d.budget_annual is not None and d.budget_annual > 0:
            scale = scale + d.annual[options] / max(self.annual_left, 1e-9 * d.budget_annual)
        if spec.max_facilities:
            scale = scale + 1.0 / max(self.count_left, 1.0)
        if not np.any(scale):
            scale = d.npv[options] / max(float(d.npv.max(initial=0.0)), 1.0)
        return np.maximum(scale, 1e-12)

    def fits(self, o: int) -> bool:
        """Option o can still be taken: its building is free and every budget and count has room."""
        d = self.data
        if not self.allowed[o] or self.building_taken[d.option_building[o]] or self.count_left < 1:
            return False
        slack = 1e-9
        if d.capex[o] > self.capex_left * (1 + slack) + slack or d.annual[o] > self.annual_left * (1 + slack) + slack:
            return False
        mode = str(d.option_mode[o])
        return self.mode_left.get(mode, 1) >= 1

    # --- evaluation ------------------------------------------------------------------------------------------

    def _arcs(self, h: int) -> np.ndarray:
        return self.arc_order[self.host_start[h] : self.host_start[h + 1]]

    def _slots(self, b: int) -> np.ndarray:
        return self.slot_order[self.slot_start[b] : self.slot_start[b + 1]]

    def _slot_gain(self, h: int, capacity: float) -> tuple[float, np.ndarray, np.ndarray]:
        """Objective gained by hosting slot h with this capacity: (gain, its arcs, units served on each)."""
        d = self.data
        arcs = self._arcs(h)
        pairs = d.arc_pair[arcs]
        if self.cover:
            new = self.count[pairs] == 0
            return float(self.weights[pairs[new]].sum()), arcs, new.astype(float)
        want = self.residual[pairs]
        if np.isfinite(capacity):
            before = np.cumsum(want) - want
            take = np.clip(capacity - before, 0.0, want)
        else:
            take = want
        return float((self.weights[pairs] * d.arc_credit[arcs] * take).sum()), arcs, take

    def _capacity_pool(self, o: int) -> float:
        cap = self.data.option_capacity[o]
        return float(cap) if self.spec.capacitated and np.isfinite(cap) else np.inf

    def evaluate(
        self, o: int, everything: bool = False
    ) -> tuple[float, list[tuple[int, float, np.ndarray, np.ndarray]]]:
        """Gain of option o and the slots it would host: [(slot, area given, arcs, units served)].

        Slots are added in order of gain per m² while the option's area lasts (all that fit when `everything`);
        area-capacity slots then get the rest of the area in order of value per m², up to what they can use.
        """
        d = self.data
        b = d.option_building[o]
        slots = self._slots(b)
        if not len(slots):
            return 0.0, []
        area = d.area[o] if np.isfinite(d.area[o]) else np.inf
        if len(slots) == 1 and not self.by_area[slots[0]]:  # the common case, without the area split
            h = int(slots[0])
            if area + 1e-9 < d.min_area[d.host_service[h]]:
                return 0.0, []
            gain, arcs, take = self._slot_gain(h, self._capacity_pool(o))
            return (gain, [(h, 0.0, arcs, take)]) if gain > 0 or everything else (0.0, [])
        min_area = d.min_area[d.host_service[slots]]
        per_unit = d.area_per_unit[d.host_service[slots]]
        by_area = self.by_area[slots]
        # Standalone gains: area slots as if they had all the area the option has.
        gains = np.array(
            [self._slot_gain(h, area / per_unit[k] if by_area[k] else np.inf)[0] for k, h in enumerate(slots)]
        )
        order = np.argsort(-gains / np.maximum(min_area, 1.0), kind="stable")
        chosen, used = [], 0.0
        for k in order:
            if (gains[k] > 0 or everything) and used + min_area[k] <= area + 1e-9:
                chosen.append(k)
                used += min_area[k]
        if not chosen:
            return 0.0, []
        give = {k: min_area[k] for k in chosen}
        spare = area - used
        if by_area[chosen].any() and spare > 0:
            # Extra area to area-capacity slots by value per m² (weight / area per unit), up to the area they can use.
            for k in sorted((k for k in chosen if by_area[k]), key=lambda k: -gains[k] / per_unit[k]):
                need = per_unit[k] * self.residual[d.arc_pair[self._arcs(slots[k])]].sum()
                extra = min(max(need - give[k], 0.0), spare)
                give[k] += extra
                spare -= extra
        pool = self._capacity_pool(o)  # an option's capacity is shared by all the building's services
        total, plan = 0.0, []
        for k in chosen:
            h = slots[k]
            capacity = min(give[k] / per_unit[k], pool) if by_area[k] else pool
            gain, arcs, take = self._slot_gain(h, capacity)
            if np.isfinite(pool):
                pool -= float(take.sum())
            total += gain
            plan.append((int(h), float(give[k]) if by_area[k] else 0.0, arcs, take))
        return total, plan

    # --- taking options --------------------------------------------------------------------------------------

    def take(self, o: int, plan: list[tuple[int, float, np.ndarray, np.ndarray]]) -> None:
        """Record option o with its slots, area and served demand; spend its budget."""
        d = self.data
        self.taken[o] = True
        self.building_taken[d.option_building[o]] = True
        self.capex_left -= d.capex[o]
        self.annual_left -= d.annual[o]
        self.count_left -= 1
        mode = str(d.option_mode[o])
        if mode in self.mode_left:
            self.mode_left[mode] -= 1
        for h, area, arcs, take in plan:
            self._host(h, area, arcs, take)

    def _host(self, h: int, area: float, arcs: np.ndarray, take: np.ndarray) -> None:
        self.hosted[h] = True
        self.area_given[h] = area
        pairs = self.data.arc_pair[arcs]
        if self.cover:
            newly = pairs[self.count[pairs] == 0]
            self.count[pairs] += 1
            self._shift_gain(newly, -1.0)
        else:
            self.served[arcs] += take
            np.subtract.at(self.residual, pairs, take)
            np.maximum(self.residual, 0.0, out=self.residual)

    def release(self, o: int) -> None:
        """Undo take(o)."""
        d = self.data
        b = d.option_building[o]
        self.taken[o] = False
        self.building_taken[b] = False
        self.capex_left += d.capex[o]
        self.annual_left += d.annual[o]
        self.count_left += 1
        mode = str(d.option_mode[o])
        if mode in self.mode_left:
            self.mode_left[mode] += 1
        for h in self._slots(b):
            if not self.hosted[h]:
                continue
            self.hosted[h] = False
            self.area_given[h] = 0.0
            arcs = self._arcs(h)
            pairs = d.arc_pair[arcs]
            if self.cover:
                self.count[pairs] -= 1
                self._shift_gain(pairs[self.count[pairs] == 0], 1.0)
            else:
                np.add.at(self.residual, pairs, self.served[arcs])
                self.served[arcs] = 0.0

    def _open_existing(self) -> None:
        """Existing facilities stay open and serve first, up to their capacity."""
        d = self.data
        self.taken[d.option_existing] = True
        self.building_taken[d.option_building[d.option_existing]] = True
        for h in np.flatnonzero(d.host_existing):
            capacity = d.host_capacity[h] if self.spec.capacitated and np.isfinite(d.host_capacity[h]) else np.inf
            self.weights = np.ones(len(d.pair_community))
            _, arcs, take = self._slot_gain(h, capacity)
            self._host(int(h), 0.0, arcs, take)
        self.weights = np.zeros(len(d.pair_community))

    def objective_weights(self) -> np.ndarray:
        """Per demand unit (or per pair in the cover form) what serving it adds to the coverage objective."""
        d = self.data
        return d.weight[d.pair_service] * (d.pair_demand if self.cover else 1.0)

    def coverage(self) -> float:
        """Objective value of the coverage tracked so far."""
        d = self.data
        if self.cover:
            return float(self.objective_weights()[self.count > 0].sum())
        return float((d.weight[d.pair_service[d.arc_pair]] * d.arc_credit * self.served).sum())

    # --- phases ----------------------------------------------------------------------------------------------

    def celf(self, candidates: np.ndarray | None = None, stop=None) -> None:
        """Lazy greedy on gain per cost until nothing fits (or `stop()` says the phase is done).

        Costs are those at the start of the call: with costs measured against what is left, every stored
        ratio would go stale at each pick and the lazy greedy would evaluate everything again.
        """
        if self.cover:
            self._cover_greedy(stop)
            return
        d = self.data
        room = (
            self.allowed
            & ~self.building_taken[d.option_building]
            & (d.capex <= self.capex_left * (1 + 1e-9) + 1e-9)
            & (d.annual <= self.annual_left * (1 + 1e-9) + 1e-9)
        )
        pool = np.flatnonzero(room) if candidates is None else candidates
        cost = np.zeros(len(d.option_row))
        cost[pool] = self.cost(pool)
        bound = self._upper_bounds(pool)
        ratio = bound / cost[pool]
        heap = [(-r, int(o), -1) for r, o, b in zip(ratio, pool, bound) if b > 0]
        heapq.heapify(heap)
        round_ = 0
        while heap:
            if stop is not None and stop():
                return
            key, o, stamp = heapq.heappop(heap)
            if not self.fits(o):
                continue
            if stamp == round_:
                gain, plan = self.evaluate(o)
                if gain <= 0:
                    continue
                self.take(o, plan)
                round_ += 1
                continue
            gain, _ = self.evaluate(o)
            if gain > 0:
                heapq.heappush(heap, (-gain / cost[o], o, round_))

    def _cover_greedy(self, stop=None) -> None:
        """Cover form: best gain per cost from exact per-building gains (kept up to date as pairs get covered).

        The per-building gain assumes every slot fits; when the option's area does not fit them all, its
        evaluated gain replaces the estimate (a valid bound from then on, as gains only fall).
        """
        d = self.data
        live = np.flatnonzero(self.allowed & ~self.building_taken[d.option_building])
        bound = np.full(len(d.option_row), np.inf)
        while len(live):
            if stop is not None and stop():
                return
            ok = (
                ~self.building_taken[d.option_building[live]]
                & (d.capex[live] <= self.capex_left * (1 + 1e-9) + 1e-9)
                & (d.annual[live] <= self.annual_left * (1 + 1e-9) + 1e-9)
            )
            for mode, left in self.mode_left.items():
                if left < 1:
                    ok &= d.option_mode[live] != mode
            estimate = np.minimum(self.gain_b[d.option_building[live]], bound[live])
            ok &= estimate > 1e-12
            live, estimate = live[ok], estimate[ok]
            if not len(live) or self.count_left < 1:
                return
            k = int(np.argmax(estimate / self.cost(live)))
            o = int(live[k])
            gain, plan = self.evaluate(o)
            if gain >= estimate[k] * (1 - 1e-9) - 1e-12:
                self.take(o, plan)
            else:
                bound[o] = gain

    def _upper_bounds(self, options: np.ndarray) -> np.ndarray:
        """Per option, the gain of hosting every slot of its building with no capacity limit (a CELF bound)."""
        d = self.data
        pairs = d.arc_pair
        if self.cover:
            per_arc = np.where(self.count[pairs] == 0, self.weights[pairs], 0.0)
        else:
            per_arc = self.weights[pairs] * d.arc_credit * self.residual[pairs]
        per_building = np.bincount(d.host_building[d.arc_host], weights=per_arc, minlength=d.n_buildings)
        return per_building[d.option_building[options]]

    def meet_requirements(self) -> None:
        """Phase 1: must-choose buildings, the complex count, required shares and district rules."""
        d, spec = self.data, self.spec
        self.weights = self.objective_weights()
        for b in np.asarray(spec.must_choose, np.int64):
            options = [o for o in np.flatnonzero(d.option_building == b) if self.fits(o)]
            if options:
                scored = [(self.evaluate(o)[0] / self.cost(o), o) for o in options]
                best = max(scored)[1]
                self.take(best, self.evaluate(best, everything=True)[1])
        if spec.complex is not None and spec.complex.min_count:
            self._complexes(spec.complex.min_count)
        rows = self._share_rows()
        if rows:
            self.weights = self._deficit_weights(rows)
            if self.weights.any():
                self.celf(stop=lambda: not self._refresh_deficits(rows))

    def _complexes(self, count: int) -> None:
        """Acquire complex candidates, best gain per cost first, until `count` complexes are planned."""
        d, rule = self.data, self.spec.complex
        while self.complex.sum() < count:
            best = None
            for o in np.flatnonzero(np.isin(d.option_building, self.v.c_building)):
                if not self.fits(o) or d.area[o] < rule.min_area:
                    continue
                gain, plan = self.evaluate(o, everything=True)
                services = d.host_service[[h for h, *_ in plan]]
                if len(plan) >= rule.min_services and rule.core[services].sum() >= rule.min_core:
                    score = (gain + 1e-9) / self.cost(o)
                    if best is None or score > best[0]:
                        best = (score, o, plan)
            if best is None:
                return
            self.take(best[1], best[2])
            self.complex[d.option_building[best[1]]] = True

    def _share_rows(self) -> list[tuple[np.ndarray, float, bool]]:
        """Lower-bound coverage rows as (pair mask, required amount, counts pairs instead of demand)."""
        d, spec = self.data, self.spec
        rows = []
        share = d.min_share.copy()
        if "min_cost" in spec.objectives and spec.target_share is not None:
            share = np.maximum(share, spec.target_share)
        for s in np.flatnonzero(share > 0):
            rows.append((d.pair_service == s, share[s] * d.total_demand[s], False))
        if spec.group_min_share is not None and len(d.groups):
            for g, s in np.argwhere((d.group_demand > 0) & (spec.group_min_share[None, :] > 0)):
                mask = (d.pair_group == g) & (d.pair_service == s)
                rows.append((mask, spec.group_min_share[s] * d.group_demand[g, s], False))
        for g, s in spec.group_requires:
            rows.append(((d.pair_group == g) & (d.pair_service == s), 1.0, True))
        return rows

    def _covered_fraction(self) -> np.ndarray:
        d = self.data
        if self.cover:
            return (self.count > 0).astype(float)
        return np.bincount(d.arc_pair, weights=self.served, minlength=len(d.pair_community)) / d.pair_demand

    def _refresh_deficits(self, rows) -> bool:
        """Recompute the phase-1 weights; False once every row is met."""
        self.weights = self._deficit_weights(rows)
        return bool(self.weights.any())

    def _deficit_weights(self, rows) -> np.ndarray:
        """Per pair (cover form) or demand unit: the share of each unmet row's requirement that serving it meets."""
        d = self.data
        covered = self._covered_fraction()
        weights = np.zeros(len(d.pair_community))
        for mask, need, count_pairs in rows:
            amount = covered[mask].sum() if count_pairs else (covered[mask] * d.pair_demand[mask]).sum()
            if need * (1 + 1e-9) - amount <= 1e-9:
                continue
            if self.cover:
                weights[mask] += (1.0 if count_pairs else d.pair_demand[mask]) / need
            else:
                weights[mask] += (1.0 / d.pair_demand[mask] if count_pairs else 1.0) / need
        return weights

    def fill_count(self) -> None:
        """Take the best remaining options, whatever they add, until the minimum facility count is met."""
        need = self.spec.min_facilities
        if not need:
            return
        new_taken = lambda: int((self.taken & ~self.data.option_existing).sum())  # noqa: E731
        while new_taken() < need:
            candidates = [o for o in np.flatnonzero(self.allowed & ~self.taken) if self.fits(o)]
            if not candidates:
                return
            scored = max(((self.evaluate(o)[0] + 1e-12) / self.cost(o), o) for o in candidates)
            o = scored[1]
            self.take(o, self.evaluate(o)[1])

    def local_search(self, deadline: float) -> None:
        """Drop the option worth least per cost, refill greedily; keep the change if coverage grew."""
        d = self.data
        fixed = np.zeros(len(d.option_row), bool)
        fixed[d.option_existing] = True
        fixed[np.isin(d.option_building, self.spec.must_choose)] = True
        fixed[np.isin(d.option_building, np.flatnonzero(self.complex))] = True
        tried: set[int] = set()
        while time.perf_counter() < deadline and self._more_to_gain():
            chosen = [o for o in np.flatnonzero(self.taken & ~fixed) if o not in tried]
            if not chosen:
                return
            worth = [self._contribution(o) / self.cost(o) for o in chosen]
            o = chosen[int(np.argmin(worth))]
            tried.add(o)
            before = self.coverage()
            snapshot = self._snapshot()
            self.release(o)
            self.allowed[o] = False
            self.celf()
            self.allowed[o] = True
            if self.coverage() <= before * (1 + 1e-12) + 1e-12:
                self._restore(snapshot)

    def _more_to_gain(self) -> bool:
        """Some demand not yet served is within reach of a building not yet acquired."""
        d = self.data
        free = self.allowed & ~self.building_taken[d.option_building]
        if self.cover:
            return bool((self.gain_b[d.option_building[free]] > 0).any())
        return bool((self._upper_bounds(np.flatnonzero(free)) > 0).any())

    def _contribution(self, o: int) -> float:
        d = self.data
        total = 0.0
        for h in self._slots(d.option_building[o]):
            if not self.hosted[h]:
                continue
            arcs = self._arcs(h)
            pairs = d.arc_pair[arcs]
            if self.cover:
                total += float(self.weights[pairs[self.count[pairs] == 1]].sum())
            else:
                total += float((self.weights[pairs] * d.arc_credit[arcs] * self.served[arcs]).sum())
        return total

    def _snapshot(self) -> tuple:
        return tuple(
            np.copy(a) if isinstance(a, np.ndarray) else a
            for a in (
                self.gain_b,
                self.residual,
                self.count,
                self.served,
                self.hosted,
                self.area_given,
                self.taken,
                self.building_taken,
                self.capex_left,
                self.annual_left,
                self.count_left,
                dict(self.mode_left),
            )
        )

    def _restore(self, snapshot: tuple) -> None:
        (
            self.gain_b,
            self.residual,
            self.count,
            self.served,
            self.hosted,
            self.area_given,
            self.taken,
            self.building_taken,
            self.capex_left,
            self.annual_left,
            self.count_left,
            self.mode_left,
        ) = snapshot

    # --- the column vector -----------------------------------------------------------------------------------

    def vector(self, n_cols: int) -> np.ndarray:
        """The plan as values of every model column (x, y, z or v, q, c, r, t)."""
        d, spec, v = self.data, self.spec, self.v
        x = np.zeros(n_cols)
        x[v.x] = self.taken
        x[v.y] = self.hosted
        if self.cover:
            x[v.z] = np.minimum(1.0, self.count)
        else:
            x[v.v] = np.where(self.served > 0, self.served / d.pair_demand[d.arc_pair], 0.0)
            if not spec.capacitated:
                x[v.v] = self._best_arc_shares()
        x[v.q] = self.area_given[np.flatnonzero(self.by_area)]
        if len(v.c):
            x[v.c] = self._qualifies_as_complex(v.c_building)
            building_complex = np.zeros(d.n_buildings)
            building_complex[v.c_building] = x[v.c]
            x[v.r] = self.taken[v.r_option] * building_complex[d.option_building[v.r_option]]
        if len(v.t):
            x[v.t] = self._smallest_share(x)
        return x

    def _best_arc_shares(self) -> np.ndarray:
        """Without capacities each pair is served wholly by the hosted arc of best credit."""
        d = self.data
        live = self.hosted[d.arc_host]
        score = np.where(live, d.arc_credit - 1e-12 * d.arc_distance, -np.inf)
        order = np.lexsort((-score, d.arc_pair))
        first = np.ones(len(order), bool)
        first[1:] = d.arc_pair[order][1:] != d.arc_pair[order][:-1]
        share = np.zeros(len(d.arc_pair))
        best = order[first]
        share[best[live[best]]] = 1.0
        return share

    def _qualifies_as_complex(self, buildings: np.ndarray) -> np.ndarray:
        d, rule = self.data, self.spec.complex
        area = np.zeros(d.n_buildings)
        taken_new = self.taken & ~d.option_existing
        np.add.at(area, d.option_building[taken_new], np.where(np.isfinite(d.area), d.area, 0.0)[taken_new])
        slots = np.bincount(d.host_building, weights=self.hosted.astype(float), minlength=d.n_buildings)
        core = np.bincount(
            d.host_building, weights=(self.hosted & rule.core[d.host_service]).astype(float), minlength=d.n_buildings
        )
        ok = (area >= rule.min_area) & (slots >= rule.min_services) & (core >= rule.min_core)
        return ok[buildings].astype(float)

    def _smallest_share(self, x: np.ndarray) -> float:
        d = self.data
        if not len(d.groups):
            return 1.0
        covered = self._covered_fraction() * d.pair_demand
        has = d.pair_group >= 0
        amount = np.zeros(d.group_demand.shape)
        np.add.at(amount, (d.pair_group[has], d.pair_service[has]), covered[has])
        with np.errstate(divide="ignore", invalid="ignore"):
            shares = np.where(d.group_demand > 0, amount / d.group_demand, np.inf)
        return float(min(1.0, shares.min(initial=np.inf)))
