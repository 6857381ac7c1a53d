"""Which objectives and rule families a model uses: the switches, separate from the data."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Objectives that minimise money: with any of them, model.target_share sets the coverage to reach.
COST_OBJECTIVES = ("min_cost", "min_capex", "min_annual")


@dataclass(frozen=True)
class ComplexSpec:
    """The complex (综合体) rule: a complex has ≥ min_area m², ≥ min_services services, ≥ min_core core ones."""

    min_area: float = 600.0
    min_services: int = 3
    core: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # (S,) core service mask
    min_core: int = 2
    min_count: int = 0
    min_capex_share: float = 0.0
    bonus: float = 0.0


@dataclass(frozen=True)
class ModelSpec:
    """Switches for the model.

    Attributes:
        objectives: lexicographic order of max_coverage, min_cost, min_capex, min_annual, min_distance,
            max_min_share.
        capacitated: limit each host's served demand by its capacity (needs assignment variables).
        single_source: each pair's demand goes to one host only (binary assignment).
        full_assignment: every coverable pair must be fully served (p-median / facility location).
        target_share: (S,) for min_cost, the covered share each service must reach (None = min_share).
        distance_cost: for min_cost, 元 per demand unit per metre walked.
        min_facilities, max_facilities: bounds on the number of options taken (existing facilities excluded).
        max_by_mode: mode -> at most this many options of it.
        must_choose, must_not_choose: building indices; must_take: option indices that must be taken (a
            building required by a given mode).
        group_min_share: (S,) minimum covered share in every district (0 = none).
        required_share: (S,) minimum reach share per service of the communities in no district (all of them
            without districts), family (18) of model.targets (None = off).
        district_share: (G, S) minimum reach share per district and service, family (18) (0 = none).
        group_requires: (district, service) pairs that must have some covered demand.
        complex: the complex rule, or None.
        coverage_weight: (S,) what one covered demand unit of each service adds to max_coverage (the objective
            basis, see siting.model.index.coverage_weights); None = the service weights (per-unit basis).
    """

    objectives: tuple[str, ...] = ("max_coverage", "min_cost")
    capacitated: bool = False
    single_source: bool = False
    full_assignment: bool = False
    target_share: np.ndarray | None = None
    distance_cost: float = 0.0
    min_facilities: int | None = None
    max_facilities: int | None = None
    max_by_mode: dict[str, int] = field(default_factory=dict)
    must_choose: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    must_not_choose: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    must_take: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    group_min_share: np.ndarray | None = None
    required_share: np.ndarray | None = None
    district_share: np.ndarray | None = None
    group_requires: tuple[tuple[int, int], ...] = ()
    complex: ComplexSpec | None = None
    coverage_weight: np.ndarray | None = None

    @property
    def assignment(self) -> bool:
        """Whether the model needs per-arc assignment variables rather than one coverage flag per pair."""
        return (
            self.capacitated
            or self.single_source
            or self.full_assignment
            or self.distance_cost > 0
            or "min_distance" in self.objectives
        )
