"""What plan.json claims beyond its figures, checked whatever manifest.json's hashes say (they can be written anew).

A saved plan's status is one siting gives a plan (optimal or feasible); an "optimal" must be backed by the bound
it states, within the gap tolerance the solver was asked for, and by every objective's stage proven optimal; every
objective the scenario asks for and every cost are given, so that none escapes the comparison with the re-check by
being left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from siting.errors import cut
from siting.scenario.load import Scenario
from siting.solvers.base import SolveOptions, Status, relative_gap

#: The statuses of a plan siting writes (the others mean there is no plan).
PLANNED = (Status.OPTIMAL.value, Status.FEASIBLE.value)
COST_FIELDS = ("capex", "annual", "annual_freed", "npv")
#: The relative gap asked of the solvers unless --gap says otherwise.
DEFAULT_GAP = SolveOptions().mip_rel_gap
#: Room between a proven optimum's value and its bound beyond the gap tolerance, relative to max(1, |value|):
#: plan.json's rounding (6 decimals), the solvers' absolute gap (1e-6) and the slack by which a settled plan may
#: keep the solver's value (siting.model.objectives.kept_slack).
OPTIMUM_SLACK = 3e-6
#: A stated gap is recomputed from the value and the bound where the value is at least this (a gap is relative:
#: of a value rounded to 6 decimals near 0 it cannot be recomputed).
GAP_RECOMPUTED_FROM = 1.0
#: CBC prints its bound with three decimals, which siting widens by half a unit (siting/solvers/cbc.py).
CBC_BOUND_ROUNDING = 1e-3
GAP_AGREEMENT = 1e-5


@dataclass(frozen=True)
class Bounded:
    """What the solver's bound in plan.json is on: the first objective (a robust plan's criterion), re-checked.

    Attributes:
        label: its name in messages; value: its value (a regret negated, as the model maximises it);
        scale: the size of the figures it is computed from (a regret is a difference of values ~ the optima).
    """

    label: str
    value: float
    scale: float


def gap_tolerance(manifest: dict | None) -> float:
    """The relative gap the solver was asked for, as manifest.json records it (else siting's default)."""
    solver = (manifest or {}).get("solver")
    gap = solver.get("gap") if isinstance(solver, dict) else None
    if isinstance(gap, (int, float)) and not isinstance(gap, bool) and 0 <= gap <= 1:
        return float(gap)
    return DEFAULT_GAP


def claims_unbacked(scenario: Scenario, document: dict, bounded: Bounded, tolerance: float) -> list[str]:
    """The claims of plan.json that it leaves out or that its own figures contradict.

    Args:
        scenario: the scenario the plan was made from.
        document: plan.json.
        bounded: what the stated bound is on, re-checked.
        tolerance: the relative gap the solver was asked for (gap_tolerance).
    """
    found = []
    status = document["status"]
    if status not in PLANNED:
        found.append(f"plan.json says status '{cut(status)}'; a plan siting writes is {' or '.join(PLANNED)}")
    asked = scenario.config.model.objectives
    missing = [name for name in asked if name not in document["objectives"]]
    if missing:
        found.append(f"plan.json's objectives omit {', '.join(missing)} (the scenario asks for {', '.join(asked)})")
    cost = document.get("cost") or {}
    missing = [name for name in COST_FIELDS if cost.get(name) is None]
    if missing:
        found.append(f"plan.json's cost omits {', '.join(missing)}")
    if status == Status.OPTIMAL.value:
        solver = document.get("solver") if isinstance(document.get("solver"), dict) else {}
        allowance = _Allowance(tolerance, CBC_BOUND_ROUNDING if solver.get("name") == "cbc" else 0.0)
        found += _optimum_unbacked(document, bounded, allowance)
        found += _stages_unproven(solver.get("stages"), asked, allowance)
    return found


@dataclass(frozen=True)
class _Allowance:
    """How far a proven optimum may be from its bound: the gap tolerance (relative) and the bound's rounding."""

    tolerance: float
    rounding: float

    def exceeded(self, value: float, bound: float, scale: float = 0.0) -> bool:
        return abs(value - bound) > (self.tolerance + OPTIMUM_SLACK) * max(1.0, abs(value), scale) + self.rounding


def _stages_unproven(stages, asked: tuple[str, ...], allowance: _Allowance) -> list[str]:
    """A claimed optimum needs every objective's stage proven optimal (solver.stages), each within its bound."""
    if not isinstance(stages, list) or not all(isinstance(s, dict) for s in stages):
        return ["plan.json says optimal but gives no solver.stages to show each objective proven"]
    found = []
    solved = [s.get("objective") for s in stages]
    missing = [name for name in asked if name not in solved]
    if missing:
        found.append(f"plan.json says optimal, but solver.stages has no stage for {', '.join(missing)}")
    for stage in stages:
        name, value, bound = cut(stage.get("objective")), stage.get("value"), stage.get("bound")
        if stage.get("status") != Status.OPTIMAL.value:
            found.append(f"plan.json says optimal, but its {name} stage ended {cut(stage.get('status'))}")
        elif _number(value) and _number(bound) and allowance.exceeded(value, bound):
            found.append(
                f"plan.json says its {name} stage is optimal, but its value {value:,.6f} and bound {bound:,.6f} are "
                f"further apart than the solver's gap tolerance {allowance.tolerance:g} allows"
            )
    return found


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _optimum_unbacked(document: dict, bounded: Bounded, allowance: _Allowance) -> list[str]:
    """A claimed optimum whose stated bound is further from the value than the tolerance, or whose gap is not theirs."""
    bound, gap = document.get("bound"), document.get("gap")
    if bound is None:
        if gap is None or gap > allowance.tolerance + OPTIMUM_SLACK:
            return [f"plan.json says optimal with gap {gap} and no bound: not proven within {allowance.tolerance:g}"]
        return []
    found, first, value = [], bounded.label, bounded.value
    if allowance.exceeded(value, bound, bounded.scale):
        found.append(
            f"plan.json says optimal, but its bound {bound:,.6f} is {abs(value - bound):,.6g} from {first} = "
            f"{value:,.6f} (re-checked): further than the solver's gap tolerance {allowance.tolerance:g} allows"
        )
    if abs(value) >= GAP_RECOMPUTED_FROM and (gap is None or abs(gap - relative_gap(value, bound)) > GAP_AGREEMENT):
        found.append(
            f"plan.json says optimal with gap {gap}; its bound {bound:,.6f} and {first} = {value:,.6f} (re-checked) "
            f"give {relative_gap(value, bound):.6f}"
        )
    return found
