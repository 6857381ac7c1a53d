"""Why a scenario is infeasible, and the smallest change to each requirement that would fix it.

Elastic model: every relaxable row (budgets, required shares, district rules, facility counts, complex count)
gets a non-negative slack s_r (lower ≤ a·x + s_r, a·x − s_r ≤ upper). First the sum of relative slacks
Σ s_r / max(1, |bound_r|) is minimised: the rows with positive slack are the ones in conflict. Then, for each
of them alone, its own slack is minimised with every other slack fixed at 0: that is the smallest relaxation
of that one requirement that makes the scenario feasible ("district 3 needs 420 000 元 more, or its childcare
minimum lowered to 62 %"). A requirement that no single change fixes (a one-off and a yearly budget that both
bind) is reported with the least joint change instead. Rules that are not relaxable (one mode per building,
area, must-choose) stay hard.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from siting.model import formulation
from siting.model.builder import ConstraintBlock, Model
from siting.model.data import ModelData
from siting.model.spec import ModelSpec
from siting.solvers import SolveOptions, Status, get_solver


@dataclass(frozen=True)
class Relaxation:
    """The smallest change to one requirement that makes the scenario feasible, alone or with others."""

    label: str
    bound: float
    slack: float
    side: str  # "lower" (a ≥ requirement) or "upper" (a ≤ limit)
    total: float | None  # turns amounts into shares, when the row is a share requirement
    together: bool = False  # part of a joint relaxation (no single change is enough)

    def text(self) -> str:
        """One line for the user."""
        if self.side == "upper":
            if "budget" in self.label:
                unit = "元/年" if "yearly" in self.label else "元"
                return (
                    f"{self.label}: {self.slack:,.0f} {unit} more ({self.bound:,.0f} → "
                    f"{self.bound + self.slack:,.0f} {unit})"
                )
            return f"{self.label}: raise the limit from {self.bound:g} to {self.bound + self.slack:g}"
        new = self.bound - self.slack
        if self.total:
            return f"{self.label}: minimum lowered from {self.bound / self.total:.1%} to {new / self.total:.1%}"
        return f"{self.label}: requirement lowered from {self.bound:g} to {new:g}"


def _elastic(built: Model):
    """A copy of the model with one slack column per relaxable row side; returns model, slack info."""
    model = Model(
        blocks=dict(built.blocks),
        lower=list(built.lower),
        upper=list(built.upper),
        integer=list(built.integer),
        constraints=list(built.constraints),
        n_cols=built.n_cols,
    )
    relaxable = [b for b in model.constraints if b.relaxable]
    others = [b for b in model.constraints if b not in relaxable]
    slacks = []  # (column, label, bound, side, total)
    blocks = []
    for block in relaxable:
        rows, cols, vals = [block.rows], [block.cols], [block.vals]
        for side, bounds, sign in (("lower", block.lower, 1.0), ("upper", block.upper, -1.0)):
            finite = np.flatnonzero(np.isfinite(bounds))
            if not len(finite):
                continue
            new = model.add_variables(f"slack {block.name} {side}", len(finite), upper=np.inf)
            rows.append(finite)
            cols.append(new)
            vals.append(np.full(len(finite), sign))
            for r, col in zip(finite, new):
                total = block.totals[r] if block.totals else None
                offset = block.offsets[r] if block.offsets else 0.0
                slacks.append((int(col), block.labels[r], float(bounds[r]) - offset, side, total))
        blocks.append(
            ConstraintBlock(
                block.name,
                np.concatenate(rows),
                np.concatenate(cols),
                np.concatenate(vals),
                block.lower,
                block.upper,
                block.labels,
                block.totals,
                relaxable=True,
            )
        )
    elastic = Model(
        blocks=model.blocks,
        lower=model.lower,
        upper=model.upper,
        integer=model.integer,
        constraints=others + blocks,
        n_cols=model.n_cols,
    )
    return elastic, slacks


def explain(
    data: ModelData | None,
    spec: ModelSpec | None,
    *,
    solver: str = "highs",
    options: SolveOptions | None = None,
    model: Model | None = None,
) -> list[Relaxation]:
    """The conflicting requirements and the smallest relaxations that make the scenario feasible.

    For each requirement in conflict, the smallest relaxation of it alone; when some cannot be fixed alone, also
    the smallest joint relaxation (marked ``together``): of the budgets if that is enough, else of everything.
    `model`, when given, is the model to explain (a stacked one); otherwise it is built from `data` and `spec`.
    """
    options = options or SolveOptions(time_limit_s=60)
    backend = get_solver(solver)
    if model is None:
        model, _ = formulation.build(data, spec, integer_only=getattr(backend, "integer_only", False))
    model, slacks = _elastic(model)
    if not slacks:
        return []
    cols = np.array([s[0] for s in slacks])
    weight = np.array([1.0 / max(1.0, abs(s[2])) for s in slacks])
    c = np.zeros(model.n_cols)
    c[cols] = weight
    base = model.problem(c, maximize=False)

    def solve_with(free: list[int], objective: np.ndarray) -> np.ndarray | None:
        """Solve with only the slacks in `free` allowed; the solution, or None when infeasible."""
        upper = base.col_upper.copy()
        upper[cols] = 0.0
        upper[cols[free]] = np.inf
        result = backend.solve(replace(base, c=objective, col_upper=upper), options)
        ok = result.x is not None and result.status in (Status.OPTIMAL, Status.FEASIBLE)
        return result.x if ok else None

    def positive(x: np.ndarray | None) -> set[int]:
        if x is None:
            return set()
        return {i for i, s in enumerate(slacks) if x[s[0]] > 1e-6 * max(1.0, abs(s[2]))}

    everything = list(range(len(slacks)))
    joint = solve_with(everything, c)
    if joint is None:
        return []
    budgets = [i for i, s in enumerate(slacks) if "budget" in s[1]]
    others = [i for i in everything if i not in budgets]
    conflict = positive(joint) | set(budgets)
    if budgets and others:  # which requirements conflict with the budgets as they are
        conflict |= positive(solve_with(others, c))
    found, alone_ok = [], set()
    for i in sorted(conflict):
        objective = np.zeros(model.n_cols)
        objective[slacks[i][0]] = 1.0
        x = solve_with([i], objective)
        if x is not None:
            alone_ok.add(i)
            found.append(_relaxation(slacks[i], float(x[slacks[i][0]])))
    # The joint relaxation, when some conflicting requirement cannot be fixed alone: the budgets together if
    # that is enough (the usual lever), else the least joint change of everything.
    if conflict - alone_ok:
        together = solve_with(budgets, c) if len(budgets) > 1 and not alone_ok & set(budgets) else None
        together = together if together is not None else joint
        for i in sorted(positive(together)):
            found.append(_relaxation(slacks[i], float(together[slacks[i][0]]), together=True))
    return found


def _relaxation(slack: tuple, amount: float, together: bool = False) -> Relaxation:
    _, label, bound, side, total = slack
    return Relaxation(label, bound, amount, side, total, together)


def message(relaxations: list[Relaxation]) -> str:
    """The user's explanation of an infeasible scenario."""
    if not relaxations:
        return (
            "infeasible: no plan meets the scenario's fixed rules (one mode per building, floor area, "
            "required and forbidden buildings, assets); relaxing budgets and shares does not help"
        )
    alone = [r for r in relaxations if not r.together]
    together = [r for r in relaxations if r.together]
    if {r.text() for r in together} <= {r.text() for r in alone}:
        together = []  # a "combination" of changes each enough alone repeats the list above
    names = list(dict.fromkeys(r.label for r in relaxations))
    lines = [f"infeasible: these requirements cannot all be met: {', '.join(names)}."]
    if alone:
        lines.append("Any one of these changes alone makes the scenario feasible:")
        lines += [f"  - {r.text()}" for r in alone]
    if together:
        lines.append(
            ("Or these changes together" if alone else "No single change is enough; these changes together")
            + " make it feasible:"
        )
        lines += [f"  - {r.text()}" for r in together]
    return "\n".join(lines)
