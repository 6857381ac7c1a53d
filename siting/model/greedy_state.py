"""The state of a greedy plan: options taken, slots hosted, area given, demand served; gains and costs.

Used by siting.model.greedy. Coverage is tracked per demand pair: without capacities (cover form) a pair is
covered once any hosted slot reaches it, and every building's gain (the weight of the uncovered pairs it reaches)
is kept up to date as pairs get covered; with capacities or distance decay each slot serves the uncovered demand
within reach in order of credit, up to its capacity.
"""

from __future__ import annotations

import heapq

import numpy as np

from siting.model.data import ModelData
from siting.model.spec import ModelSpec
from siting.model.variables import Variables, area_capacity


class PlanState:
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

    def covered_fraction(self) -> np.ndarray:
        """(P,) share of each pair's demand served (cover form: 1 if covered)."""
        d = self.data
        if self.cover:
            return (self.count > 0).astype(float)
        return np.bincount(d.arc_pair, weights=self.served, minlength=len(d.pair_community)) / d.pair_demand

    def more_to_gain(self) -> bool:
        """Some demand not yet served is within reach of a building not yet acquired."""
        d = self.data
        free = self.allowed & ~self.building_taken[d.option_building]
        if self.cover:
            return bool((self.gain_b[d.option_building[free]] > 0).any())
        return bool((self._upper_bounds(np.flatnonzero(free)) > 0).any())

    def contribution(self, o: int) -> float:
        """What the plan would lose without option o's slots (cover form: the pairs only they cover)."""
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

    #: What take/release change, and so what snapshot/restore save and put back.
    STATE = (
        "gain_b",
        "residual",
        "count",
        "served",
        "hosted",
        "area_given",
        "taken",
        "building_taken",
        "capex_left",
        "annual_left",
        "count_left",
        "mode_left",
    )

    def snapshot(self) -> tuple:
        """Copies of everything take/release change, for restore."""
        values = (getattr(self, name) for name in self.STATE)
        return tuple(np.copy(a) if isinstance(a, np.ndarray) else dict(a) if isinstance(a, dict) else a for a in values)

    def restore(self, snapshot: tuple) -> None:
        """Go back to a snapshot."""
        for name, value in zip(self.STATE, snapshot):
            setattr(self, name, value)

    # --- the column vector -----------------------------------------------------------------------------------
