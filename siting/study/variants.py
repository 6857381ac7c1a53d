"""Scenarios derived from a loaded one for a study: another budget, no budget, a coverage target, kept buildings.

Each returns a new Scenario whose config was merged and checked again, and records the change in
``Scenario.sets`` as `--set key=value` texts, so that plan.json and the run folder's scenario.yaml say exactly
what was planned and `siting run` / `siting verify` can plan or check it again.
"""

from __future__ import annotations

from typing import Literal

from siting.plan import Plan
from siting.scenario.load import Scenario, patched

BudgetKind = Literal["capex", "annual"]


def with_budget(scenario: Scenario, kind: BudgetKind, value: float | None) -> Scenario:
    """The one-off (capex) or yearly (annual) budget set to `value` (annual None = no limit)."""
    return patched(scenario, {"budget": {kind: value}})


def without_limit(scenario: Scenario, kind: BudgetKind) -> Scenario:
    """No limit on one budget.

    The yearly one is removed; the one-off one (which must be a number) becomes the cost of every option
    together, which no plan can exceed.
    """
    if kind == "annual":
        return with_budget(scenario, "annual", None)
    return with_budget(scenario, "capex", float(scenario.options["capex"].sum()) + 1.0)


def with_objectives(scenario: Scenario, objectives: tuple[str, ...]) -> Scenario:
    """Other objectives (lexicographic order), every rule kept."""
    return patched(scenario, {"model": {"objectives": list(objectives)}})


def with_target(scenario: Scenario, share: float) -> Scenario:
    """Least net present cost to cover `share` of every service's demand, then the most coverage for it.

    Both budgets are lifted: the cost is the answer.
    """
    free = without_limit(without_limit(scenario, "capex"), "annual")
    targets = {key: share for key in scenario.config.services}
    return patched(free, {"model": {"objectives": ["min_cost", "max_coverage"], "target_share": targets}})


def keeping(scenario: Scenario, plan: Plan) -> Scenario:
    """Every building of `plan` acquired again, by the same mode (model.policy.must_choose_as).

    Money arrives in tranches: what was bought, rented or built stays. Its services and areas may change, and
    closures are decided afresh.
    """
    kept = {s.building: s.mode for s in plan.selected}
    if not kept:
        return scenario
    return patched(scenario, {"model": {"policy": {"must_choose_as": dict(sorted(kept.items()))}}})
