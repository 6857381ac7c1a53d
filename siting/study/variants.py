"""Scenarios derived from a loaded one for a study: another budget, no budget, a coverage target, kept buildings.

Each returns a new Scenario whose config was merged and checked again, and records the change in
``Scenario.sets`` as `--set key=value` texts, so that plan.json and the run folder's scenario.yaml say exactly
what was planned and `siting run` / `siting verify` can plan or check it again.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import yaml

from siting.plan import Plan
from siting.scenario.load import Scenario
from siting.scenario.overrides import deep_merge, leaf_paths, parse_set
from siting.scenario.schema import ScenarioConfig

BudgetKind = Literal["capex", "annual"]


def patched(scenario: Scenario, patch: dict[str, Any]) -> Scenario:
    """The scenario with `patch` merged into its config (re-validated), recorded as `--set` texts.

    Each key the patch sets becomes one `key.path=value` text in the scenario's sets (replacing an earlier one
    for the same key), so `siting run SCENARIO --set ...` with the recorded texts plans the same scenario.
    """
    config = ScenarioConfig.model_validate(deep_merge(scenario.config.model_dump(mode="json"), patch))
    texts = {path: f"{'.'.join(path)}={_flow(_get(patch, path))}" for path in leaf_paths(patch)}
    kept = tuple(text for text in scenario.sets if parse_set(text)[0] not in texts)
    return dataclasses.replace(scenario, config=config, sets=(*kept, *texts.values()))


def _get(document: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


def _flow(value: Any) -> str:
    """A value as one line of YAML: 12000000, null, [min_cost, max_coverage], {B019: build}."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1_000_000, sort_keys=False)
    return text.strip().removesuffix("...").strip()


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
