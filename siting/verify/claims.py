"""What plan.json claims beyond its figures, checked whatever manifest.json's hashes say (they can be written anew).

A saved plan's status is one siting gives a plan (optimal or feasible); an "optimal" must be backed by the bound
it states, within the gap tolerance the solver was asked for; every objective the scenario asks for and every cost
are given, so that none escapes the comparison with the re-check by being left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from siting.errors import cut
from siting.scenario.load import Scenario
from siting.solvers.base import SolveOptions, Status, relative_gap

#: The statuses of a plan siting writes (the others mean there is no plan).
PLANNED = (Status.OPTIMAL.value, Status.FEASIBLE.value)
COST_FIELDS = ("capex", "annual", "annual_freed", "npv")
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
    return SolveOptions().mip_rel_gap


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
        found += _optimum_unbacked(document, bounded, tolerance)
    return found


def _optimum_unbacked(document: dict, bounded: Bounded, tolerance: float) -> list[str]:
    """A claimed optimum whose stated bound is further from the value than the tolerance, or whose gap is not theirs."""
    bound, gap = document.get("bound"), document.get("gap")
    if bound is None:
        if gap is None or gap > tolerance + OPTIMUM_SLACK:
            return [f"plan.json says optimal with gap {gap} and no bound: not proven within tolerance {tolerance:g}"]
        return []
    found, first, value = [], bounded.label, bounded.value
    room = abs(value - bound)
    rounding = CBC_BOUND_ROUNDING if (document.get("solver") or {}).get("name") == "cbc" else 0.0
    if room > (tolerance + OPTIMUM_SLACK) * max(1.0, abs(value), bounded.scale) + rounding:
        found.append(
            f"plan.json says optimal, but its bound {bound:,.6f} is {room:,.6g} from {first} = {value:,.6f} "
            f"(re-checked): further than the solver's gap tolerance {tolerance:g} allows"
        )
    if abs(value) >= GAP_RECOMPUTED_FROM and (gap is None or abs(gap - relative_gap(value, bound)) > GAP_AGREEMENT):
        found.append(
            f"plan.json says optimal with gap {gap}; its bound {bound:,.6f} and {first} = {value:,.6f} (re-checked) "
            f"give {relative_gap(value, bound):.6f}"
        )
    return found
