"""Scenarios derived from a loaded one for a study: another budget, no budget, a coverage target, kept buildings.

Each returns a new Scenario whose config was merged and checked again, and records the change in
``Scenario.sets`` (as a `--set key=value` text where one exists) so that plan.json and the run folder's
scenario.yaml say exactly what was planned.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from siting.plan import Plan
from siting.scenario.load import Scenario
from siting.scenario.overrides import deep_merge
from siting.scenario.schema import ScenarioConfig

BudgetKind = Literal["capex", "annual"]


def patched(scenario: Scenario, patch: dict[str, Any], label: str) -> Scenario:
    """The scenario with `patch` merged into its config (re-validated) and `label` added to its sets."""
    config = ScenarioConfig.model_validate(deep_merge(scenario.config.model_dump(mode="json"), patch))
    return dataclasses.replace(scenario, config=config, sets=(*scenario.sets, label))


def number(value: float) -> str:
    """A budget as a --set value: whole numbers without a decimal point."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.6g}"


def with_budget(scenario: Scenario, kind: BudgetKind, value: float | None) -> Scenario:
    """The one-off (capex) or yearly (annual) budget set to `value` (annual None = no limit)."""
    text = "null" if value is None else number(value)
    return patched(scenario, {"budget": {kind: value}}, f"budget.{kind}={text}")


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
    return patched(scenario, {"model": {"objectives": list(objectives)}}, f"model.objectives=[{', '.join(objectives)}]")


def with_target(scenario: Scenario, share: float) -> Scenario:
    """Least net present cost to cover `share` of every service's demand, then the most coverage for it.

    Both budgets are lifted: the cost is the answer.
    """
    free = without_limit(without_limit(scenario, "capex"), "annual")
    targets = {key: share for key in scenario.config.services}
    patch = {"model": {"objectives": ["min_cost", "max_coverage"], "target_share": targets}}
    return patched(free, patch, f"model.target_share: {share:g} for every service; objectives [min_cost, max_coverage]")


def keeping(scenario: Scenario, plan: Plan) -> Scenario:
    """Every building of `plan` acquired again, by the same mode.

    Money arrives in tranches: what was bought, rented or built stays. Its services and areas may change, and
    closures are decided afresh.
    """
    kept = {s.building: s.mode for s in plan.selected}
    if not kept:
        return scenario
    mode = scenario.options["building"].map(kept)
    options = scenario.options[mode.isna() | (mode == scenario.options["mode"])].reset_index(drop=True)
    must = sorted(set(scenario.config.model.policy.must_choose) | set(kept))
    label = "keep by the same mode: " + ", ".join(f"{b} {m}" for b, m in sorted(kept.items()))
    return dataclasses.replace(patched(scenario, {"model": {"policy": {"must_choose": must}}}, label), options=options)
