"""Re-check a robust plan variant by variant from the raw tables, independently of the robust model.

The plan must be the same plan under every variant (the same buildings, modes and services; only who is served by
which building may differ with the demand), and a valid plan of each variant's scenario with that variant's demand.
The criterion is recomputed from the variants' values of the first objective.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting.errors import PlanViolation
from siting.plan import Plan
from siting.scenario.load import Scenario, patched
from siting.verify.evaluate import Evaluation, evaluate


@dataclass(frozen=True)
class RobustCheck:
    """A robust plan re-checked.

    Attributes:
        evaluations: the check under each variant.
        values: (K,) the first objective under each variant.
        objectives: the criterion's value under the first objective's name (for min_regret: minus the largest
            regret), the later objectives as the plan has them (costs) or their weighted mean (coverages).
        violations: broken rules (prefixed with the variant).
    """

    evaluations: tuple[Evaluation, ...]
    values: tuple[float, ...]
    objectives: dict[str, float]
    violations: tuple[str, ...]

    def raise_if_invalid(self) -> None:
        """Raise PlanViolation listing every broken rule."""
        if self.violations:
            raise PlanViolation("the robust plan breaks the scenario's rules:\n  - " + "\n  - ".join(self.violations))


def variant_scenario(scenario: Scenario, variant: str) -> Scenario:
    """The scenario under one demand variant, planned for it alone."""
    return patched(scenario, {"demand": {"variant": variant}, "model": {"robust": None}})


def criterion_value(values: np.ndarray, criterion: str, weights: np.ndarray, optima: np.ndarray) -> float:
    """The criterion of the first objective's values under the variants (min_regret: minus the largest regret)."""
    if criterion == "max_min":
        return float(np.min(values))
    if criterion == "expected":
        return float(np.dot(weights, values))
    return -float(np.max(np.asarray(optima) - values))


def evaluate_robust(
    scenarios: Sequence[Scenario],
    plans: Sequence[Plan],
    demands: Sequence[pd.DataFrame],
    optima: np.ndarray,
    criterion: str,
    weights: np.ndarray,
    *,
    proven: bool = False,
) -> RobustCheck:
    """Check the plan under each variant; recompute the criterion and the later objectives.

    Args:
        scenarios: each variant's scenario (its demand.variant).
        plans: the plan under each variant.
        demands: each variant's demand units.
        optima: each variant's own best value of the first objective (min_regret).
        criterion, weights: model.robust's criterion and the variants' normalised weights.
        proven: the plan is claimed optimal.
    """
    names = scenarios[0].config.model.objectives
    evaluations, violations = [], []
    reference = {(s.building, s.mode, s.services) for s in plans[0].selected}
    for scenario, plan, demand in zip(scenarios, plans, demands):
        variant = scenario.config.demand.variant
        ev = evaluate(scenario, plan, demand, proven=proven)
        evaluations.append(ev)
        violations += [f"{variant}: {text}" for text in ev.violations]
        if {(s.building, s.mode, s.services) for s in plan.selected} != reference or plan.closed != plans[0].closed:
            violations.append(f"{variant}: not the same plan as under {scenarios[0].config.demand.variant}")
    values = np.array([ev.objectives[names[0]] for ev in evaluations])
    objectives = {names[0]: criterion_value(values, criterion, weights, optima)}
    if criterion != "expected":
        objectives["expected_coverage"] = float(weights @ values)
    for name in names[1:]:
        per_variant = np.array([ev.objectives[name] for ev in evaluations])
        objectives[name] = float(weights @ per_variant) if name in SUMMED else float(per_variant[0])
    return RobustCheck(tuple(evaluations), tuple(values), objectives, tuple(violations))


#: Later objectives that depend on the demand: their robust value is the weighted mean over the variants.
SUMMED = ("max_coverage", "max_min_share", "min_distance")
