"""Why a scenario is infeasible, and the smallest change to each requirement that would fix it.

Elastic model: every relaxable row (budgets, required shares, district rules, facility counts, complex count)
gets a non-negative slack s_r (lower ≤ a·x + s_r, a·x − s_r ≤ upper). First the sum of relative slacks
Σ s_r / max(1, |bound_r|) is minimised: the rows with positive slack are the ones in conflict. Then, for each
of them alone, its own slack is minimised with every other slack fixed at 0: that is the smallest relaxation
of that one requirement that makes the scenario feasible ("district 3 needs 420 000 元 more, or its childcare
minimum lowered to 62 %"). Rules that are not relaxable (one mode per building, area, must-choose) stay hard.
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
    """The smallest change to one requirement that makes the scenario feasible (None: not alone)."""

    label: str
    bound: float
    slack: float | None
    side: str  # "lower" (a ≥ requirement) or "upper" (a ≤ limit)
    total: float | None  # turns amounts into shares, when the row is a share requirement

    def text(self) -> str:
        """One line for the user."""
        if self.slack is None:
            return f"{self.label}: relaxing it alone is not enough"
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


def _elastic(data: ModelData, spec: ModelSpec, integer_only: bool):
    """The model with one slack column per relaxable row side; returns model, slack info."""
    model, v = formulation.build(data, spec, integer_only=integer_only)
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
                slacks.append((int(col), block.labels[r], float(bounds[r]), side, total))
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
    data: ModelData, spec: ModelSpec, *, solver: str = "highs", options: SolveOptions | None = None
) -> list[Relaxation]:
    """The conflicting requirements and, for each, the smallest relaxation that alone makes it feasible."""
    options = options or SolveOptions(time_limit_s=60)
    backend = get_solver(solver)
    model, slacks = _elastic(data, spec, getattr(backend, "integer_only", False))
    if not slacks:
        return []
    cols = np.array([s[0] for s in slacks])
    weight = np.array([1.0 / max(1.0, abs(s[2])) for s in slacks])
    c = np.zeros(model.n_cols)
    c[cols] = weight
    first = backend.solve(model.problem(c, maximize=False), options)
    if first.x is None or first.status not in (Status.OPTIMAL, Status.FEASIBLE):
        return []
    budgets = {i for i, s in enumerate(slacks) if "budget" in s[1]}
    base = model.problem(c, maximize=False)

    def positive(x: np.ndarray) -> set[int]:
        return {i for i, s in enumerate(slacks) if x[s[0]] > 1e-6 * max(1.0, abs(s[2]))}

    violated = positive(first.x)
    if budgets:  # which requirements conflict with the budgets as they are
        upper = base.col_upper.copy()
        upper[cols[sorted(budgets)]] = 0.0
        within = backend.solve(replace(base, col_upper=upper), options)
        if within.x is not None and within.status in (Status.OPTIMAL, Status.FEASIBLE):
            violated |= positive(within.x)
    found = []
    for i in sorted(violated | budgets):
        col = slacks[i][0]
        upper = base.col_upper.copy()
        upper[cols] = 0.0
        upper[col] = np.inf
        objective = np.zeros(model.n_cols)
        objective[col] = 1.0
        alone = backend.solve(replace(base, c=objective, col_upper=upper), options)
        slack = (
            float(alone.objective)
            if alone.x is not None and alone.status in (Status.OPTIMAL, Status.FEASIBLE)
            else None
        )
        _, label, bound, side, total = slacks[i]
        if slack is not None or i in violated:
            found.append(Relaxation(label, bound, slack, side, total))
    return found


def message(relaxations: list[Relaxation]) -> str:
    """The user's explanation of an infeasible scenario."""
    if not relaxations:
        return (
            "infeasible: no plan meets the scenario's fixed rules (one mode per building, floor area, "
            "required and forbidden buildings, assets); relaxing budgets and shares does not help"
        )
    names = ", ".join(r.label for r in relaxations if r.slack is None or r.slack > 0)
    lines = [
        f"infeasible: these requirements cannot all be met: {names}.",
        "Any one of these changes alone makes the scenario feasible:"
        if any(r.slack is not None for r in relaxations)
        else "No single change is enough; they must be relaxed together:",
    ]
    lines += [f"  - {r.text()}" for r in relaxations]
    return "\n".join(lines)
