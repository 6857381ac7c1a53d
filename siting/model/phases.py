r"""A phased roll-out (试点先行、逐步推开): one plan over years t = 1..T, with the money of each year.

Every variable block of the single-year model (siting.model.formulation) is copied per year — x_{o,t}, y_{h,t},
z_{p,t} / v_{e,t}, q_{h,t}, c_{b,t}, … — and every constraint family is applied to each year with that year's
demand (the demand model's projection for the year), except the budgets (5), (6) and (17), which become:

    (P1) x_{o,t} − x_{o,t−1} ≥ 0  (o new)           a building acquired stays acquired, by the same mode
         x_{o,t} − x_{o,t−1} ≤ 0  (o keeps a facility)   a facility closed stays closed
    (P2) y_{h,t} − y_{h,t−1} ≥ 0  (h new)           a service opened stays open
    (P3) Σ_{o new} c_o (x_{o,t} − x_{o,t−1}) ≤ B^c_t      one-off money of year t (x_{o,0} = 0)
    (P4) Σ_o f_o x_{o,t} ≤ B^f_t + F_0                   yearly money of year t, as (6)
    (P5) x_{o,t} = 0 for years up to the pilot year when o's building lies outside the pilot districts

Requirements (required and target shares, district rules, the complex count and spending share, must-choose,
the minimum number of facilities, audit targets) hold in the last year; limits (counts per mode, the maximum
number of facilities, must-not-choose) in every year.

Objectives, each over the whole schedule:
    max_coverage   Σ_t (coverage of year t in the scenario's basis): covered demand-years, persons-years, …
    min_cost       Σ_o c_o Σ_t δ_t (x_{o,t} − x_{o,t−1}) + Σ_o f_o Σ_t A_t x_{o,t}: the net present cost of the
                   schedule, one-off money discounted from the year it is spent (δ_t = (1+r)^{−(year_t − year_1)}),
                   yearly costs for each year τ = 1..H of the horizon from year_1 ((1+r)^{−τ}), by the plan in
                   force that year (the last phase's after the last phase year); A_t sums those factors
    min_capex / min_annual   the last year's Σ c_o x_{o,T} / Σ f_o x_{o,T}
    min_distance, max_min_share   summed over the years
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from siting.model import constraints, targets
from siting.model.builder import ConstraintBlock, Model, block_from, linear_row
from siting.model.data import ModelData
from siting.model.objectives import cost_vector, objective_vector
from siting.model.settle import Block
from siting.model.spec import ModelSpec
from siting.model.stacked import Stacked
from siting.model.variables import add_variables

INF = np.inf


@dataclass(frozen=True)
class Schedule:
    """The years and their money.

    Attributes:
        years: the years of the roll-out, increasing.
        capex: (T,) one-off money of each year, 元.
        annual: (T,) yearly money of each year, 元/year (None = not limited).
        pilot_until: the pilot year (None = no pilot); pilot_outside: (O,) options whose building lies outside
            the pilot districts (they wait until after the pilot year).
        horizon_years, discount_rate: for the net present cost.
    """

    years: tuple[int, ...]
    capex: np.ndarray
    annual: np.ndarray | None
    pilot_until: int | None
    pilot_outside: np.ndarray
    horizon_years: int
    discount_rate: float

    def start_factors(self) -> np.ndarray:
        """(T,) δ_t: present value of 1 元 spent at the start of year t."""
        offset = np.array(self.years, float) - self.years[0]
        return (1 + self.discount_rate) ** -offset

    def running_factors(self) -> np.ndarray:
        """(T,) A_t: present value of 1 元 a year paid while phase t's plan is in force, over the horizon."""
        year_of = self.years[0] + np.arange(self.horizon_years)  # τ = 1..H falls in calendar year_1 + τ − 1
        phase = np.searchsorted(np.array(self.years), year_of, side="right") - 1
        discount = (1 + self.discount_rate) ** -np.arange(1, self.horizon_years + 1, dtype=float)
        return np.bincount(phase, weights=discount, minlength=len(self.years))


def lifted(data: ModelData, spec: ModelSpec, last: bool) -> tuple[ModelData, ModelSpec]:
    """A year's data and spec: no budget rows (P3 and P4 replace them); before the last year, no requirements."""
    data = dataclasses.replace(data, budget_capex=INF, budget_annual=None, budget_npv=None)
    if last:
        return data, spec
    complex_rule = spec.complex and dataclasses.replace(spec.complex, min_count=0, min_capex_share=0.0)
    empty = np.zeros(0, np.int64)
    spec = dataclasses.replace(
        spec,
        target_share=None,
        min_facilities=None,
        must_choose=empty,
        must_take=empty,
        group_min_share=None,
        required_share=None,
        district_share=None,
        group_requires=(),
        complex=complex_rule,
    )
    return dataclasses.replace(data, min_share=np.zeros_like(data.min_share)), spec


def build(datas: list[ModelData], specs: list[ModelSpec], schedule: Schedule, integer_only: bool = False) -> Stacked:
    """The phased model: a copy of every block per year, linked by (P1)–(P5); objectives over the schedule.

    Args:
        datas: each year's model data (same options, slots, pairs and arcs; that year's demand).
        specs: each year's switches (siting.model.index.model_spec on that year's data).
        schedule: years, money, pilot, discounting.
        integer_only: declare every column integer (CP-SAT).
    """
    started = time.perf_counter()
    model = Model()
    blocks = []
    last = len(datas) - 1
    for t, (data, spec) in enumerate(zip(datas, specs)):
        data, spec = lifted(data, spec, t == last)
        v = add_variables(model, data, spec, integer_only, suffix=f"@{schedule.years[t]}")
        for family in (*constraints.FAMILIES, targets.reach_targets):
            model.add(family(data, spec, v, model.n_cols))
        blocks.append(Block(data, spec, v))
    for family in (stay, money, pilot):
        model.add(family(blocks, schedule, model.n_cols))
    vectors = {name: vector(name, blocks, schedule, model.n_cols) for name in specs[-1].objectives}
    return Stacked(model, blocks, vectors, time.perf_counter() - started)


def _difference(later: np.ndarray, earlier: np.ndarray, n_cols: int) -> sp.csr_matrix:
    """Rows later_i − earlier_i."""
    k = np.arange(len(later))
    values = np.concatenate([np.ones(len(k)), -np.ones(len(k))])
    return sp.csr_matrix((values, (np.tile(k, 2), np.concatenate([later, earlier]))), shape=(len(k), n_cols))


def stay(blocks: list[Block], schedule: Schedule, n_cols: int) -> list[ConstraintBlock]:
    """(P1) acquisitions stay, closures stay; (P2) services opened stay open."""
    out = []
    for t in range(1, len(blocks)):
        earlier, later = blocks[t - 1], blocks[t]
        new, existing = ~later.data.option_existing, later.data.option_existing
        year = f" ({schedule.years[t]})"
        out.append(
            block_from("(P1) acquired stays" + year, _difference(later.v.x[new], earlier.v.x[new], n_cols), 0.0, INF)
        )
        if existing.any():
            moved = _difference(later.v.x[existing], earlier.v.x[existing], n_cols)
            out.append(block_from("(P1) closed stays" + year, moved, -INF, 0.0))
        slots = ~later.data.host_existing
        out.append(
            block_from("(P2) open stays" + year, _difference(later.v.y[slots], earlier.v.y[slots], n_cols), 0.0, INF)
        )
    return out


def money(blocks: list[Block], schedule: Schedule, n_cols: int) -> list[ConstraintBlock]:
    """(P3) one-off money spent in year t ≤ B^c_t; (P4) yearly cost in year t ≤ B^f_t + F_0."""
    out = []
    for t, block in enumerate(blocks):
        data, year = block.data, schedule.years[t]
        new = ~data.option_existing
        cols, vals = [block.v.x[new]], [data.capex[new]]
        if t:
            cols.append(blocks[t - 1].v.x[new])
            vals.append(-data.capex[new])
        out.append(
            linear_row(
                f"(P3) one-off money {year}",
                np.concatenate(cols),
                np.concatenate(vals),
                upper=float(schedule.capex[t]),
                label=f"one-off budget {year}",
                relaxable=True,
            )
        )
        if schedule.annual is not None:
            out.append(
                linear_row(
                    f"(P4) yearly money {year}",
                    block.v.x,
                    data.annual,
                    upper=float(schedule.annual[t]) + data.annual_existing,
                    label=f"yearly budget {year}",
                    relaxable=True,
                    offset=data.annual_existing,
                )
            )
    return out


def pilot(blocks: list[Block], schedule: Schedule, n_cols: int) -> list[ConstraintBlock]:
    """(P5) x_{o,t} = 0 up to the pilot year for options outside the pilot districts."""
    if schedule.pilot_until is None or not schedule.pilot_outside.any():
        return []
    out = []
    for t, block in enumerate(blocks):
        if schedule.years[t] <= schedule.pilot_until:
            cols = block.v.x[schedule.pilot_outside]
            rows = sp.csr_matrix((np.ones(len(cols)), (np.arange(len(cols)), cols)), shape=(len(cols), n_cols))
            out.append(block_from(f"(P5) pilot districts first ({schedule.years[t]})", rows, 0.0, 0.0))
    return out


def vector(name: str, blocks: list[Block], schedule: Schedule, n_cols: int) -> np.ndarray:
    """The objective `name` over the whole schedule (see the module docstring)."""
    last = blocks[-1]
    if name in ("min_capex", "min_annual"):
        return objective_vector(name, last.data, last.spec, last.v, n_cols)
    if name != "min_cost":
        return sum(objective_vector(name, b.data, b.spec, b.v, n_cols) for b in blocks)
    start, running = schedule.start_factors(), schedule.running_factors()
    until_next = start - np.r_[start[1:], 0.0]  # Σ_t δ_t (x_t − x_{t−1}) = Σ_t (δ_t − δ_{t+1}) x_t
    c = np.zeros(n_cols)
    for t, b in enumerate(blocks):
        new = ~b.data.option_existing
        c[b.v.x] += b.data.annual * running[t]
        c[b.v.x[new]] += b.data.capex[new] * until_next[t]
        travel = cost_vector(b.data, b.spec, b.v, n_cols)  # λ Σ d ℓ v of year t, on top of the options' cost
        travel[b.v.x] = 0.0
        c += travel
    return c


def single_year(data: ModelData, spec: ModelSpec, schedule: Schedule, t: int, spent: float, last: bool):
    """Year t as a plan of its own, of which every year-t plan of the schedule is one.

    Its demand, its yearly money, the one-off money spent before plus its own, the pilot's bans; requirements only
    in the last year.
    """
    data, spec = lifted(data, spec, last)
    annual = None if schedule.annual is None else float(schedule.annual[t])
    data = dataclasses.replace(data, budget_capex=spent + float(schedule.capex[t]), budget_annual=annual)
    if schedule.pilot_until is not None and schedule.years[t] <= schedule.pilot_until:
        banned = np.unique(data.option_building[schedule.pilot_outside])
        spec = dataclasses.replace(spec, must_not_choose=np.union1d(spec.must_not_choose, banned).astype(np.int64))
    return data, spec


def myopic(
    datas: list[ModelData], specs: list[ModelSpec], schedule: Schedule, *, solver: str, options, clock=None
) -> Myopic:
    """Plan one year at a time, and each year alone: a feasible schedule and a bound on every year.

    The schedule: year t planned with everything of the years before kept (options taken stay taken, facilities
    closed stay closed), with the one-off money spent so far plus its own. The bound F*_t: year t planned alone
    with all the one-off money up to it, nothing kept; every plan of the schedule's year t is one of its plans, so
    its coverage is at most F*_t — the cut (P6). The schedule comes first and plans each year with every
    objective (the least-cost plan of a year leaves the most yearly money to the next); the bounds need the first
    objective only. With a time limit (`clock`, the whole phased solve's) these solves share MYOPIC_SHARE of what
    is left; what they do not finish is left out (no start, or no cut for that year).
    """
    from siting.errors import SitingError
    from siting.model.solve import Clock, solve, within
    from siting.model.start import options_taken

    first = specs[-1].objectives[0]
    solves = len(datas)  # the schedule's years share the time first, then the bounds share what is left
    left = None if clock is None else clock.left()
    own = Clock(time.perf_counter(), None if left is None else MYOPIC_SHARE * left)

    def solved(data: ModelData, spec: ModelSpec, optional: bool = False, **kwargs):
        nonlocal solves
        share, solves = 1.0 / solves, solves - 1
        if optional and own.left() is not None and own.left() <= 0:
            return None  # (a schedule's year is solved anyway: out of time, solve returns its greedy plan at once)
        try:
            return solve(data, spec, solver=solver, options=within(options, own, share), **kwargs)
        except SitingError:
            return None

    taken = np.zeros(len(datas[0].option_row), bool)
    schedule_taken: list[np.ndarray] | None = []
    bounds: list[float | None] = [None] * len(datas)
    last = len(datas) - 1
    for t, (data, spec) in enumerate(zip(datas, specs)):
        spent = float(data.capex[taken & ~data.option_existing].sum())
        data_t, spec_t = single_year(data, spec, schedule, t, spent, t == last)
        closed = np.flatnonzero(data_t.option_existing & ~taken) if t else np.zeros(0, np.int64)
        kept = np.flatnonzero(taken & ~data_t.option_existing)
        spec_t = dataclasses.replace(
            spec_t,
            must_take=np.union1d(spec_t.must_take, kept).astype(np.int64),
            must_not_choose=np.union1d(spec_t.must_not_choose, data_t.option_building[closed]).astype(np.int64),
        )
        plan = solved(data_t, spec_t, reduce=False, fixing=False)
        if plan is None:
            schedule_taken = None
            break
        if t == 0:
            bounds[0] = plan.bound  # nothing is kept in year 0: its plan is the year alone
        taken = options_taken(plan.plan, data_t)
        schedule_taken.append(taken.copy())
    solves = len(datas) - 1
    for t in range(1, len(datas)) if first in SUMMED_MAX else ():
        data, spec = single_year(datas[t], specs[t], schedule, t, float(schedule.capex[:t].sum()), t == last)
        alone = solved(data, dataclasses.replace(spec, objectives=(first,)), optional=True)
        bounds[t] = None if alone is None else alone.bound
    return Myopic(schedule_taken, bounds if first in SUMMED_MAX else [])


#: Share of a phased solve's time limit that the year-by-year plans may use (the rest is the stacked model's).
MYOPIC_SHARE = 0.5


#: Objectives summed over the years and maximised, for which each year's single-year optimum bounds that year.
SUMMED_MAX = ("max_coverage", "max_min_share")


@dataclass(frozen=True)
class Myopic:
    """A schedule planned one year at a time, and each year's bound.

    taken: the options taken in each year (None if some year had no plan); bounds: F*_t on the first objective
    (None where unknown; empty when the objective is not summed over the years).
    """

    taken: list[np.ndarray] | None
    bounds: list[float | None]


def year_cuts(stacked: Stacked, bounds: list[float | None]) -> list[ConstraintBlock]:
    """(P6) f_t · x ≤ F*_t (+ the slack of (8)): no year covers more than it could alone."""
    from siting.model.objectives import kept_slack

    name = next(iter(stacked.vectors))
    out = []
    for block, bound in zip(stacked.blocks, bounds):
        if bound is None or not np.isfinite(bound):
            continue
        c = objective_vector(name, block.data, block.spec, block.v, stacked.model.n_cols)
        cols = np.flatnonzero(c)
        out.append(linear_row("(P6) a year covers at most what it could alone", cols, c[cols],
                              upper=bound + kept_slack(c, bound)))  # fmt: skip
    return out
