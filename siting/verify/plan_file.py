"""plan.json as `siting run` writes it: its shape checked before `siting verify` or `siting compare` reads it.

A plan.json edited by hand, cut short or written by something else is refused naming the file and the key
(selected.0.services, robust.weights), not read into a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from siting.errors import InputError
from siting.scenario.yamlfile import validation_error


def read_plan_file(path: Path, shape: type[Saved]) -> dict:
    """The document in a plan.json file, checked against `shape` (SavedPlan, ShownPlan).

    Raises:
        InputError: not JSON, or a key missing or of the wrong kind (named).
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as err:  # not UTF-8, not JSON, a number of 5,000 digits, nested too deep
        raise InputError(f"not a plan.json written by siting ({err.__class__.__name__})", file=str(path)) from None
    if not isinstance(document, dict):
        raise InputError(
            "expected a mapping of keys (selected, objectives, ...): not a plan.json written by siting", file=str(path)
        )
    try:
        shape.model_validate(document)
    except ValidationError as err:
        raise validation_error(err, str(path)) from None
    return document


class Saved(BaseModel):
    """A part of plan.json; keys not named here are for the reader and the reports."""

    model_config = ConfigDict(strict=True, extra="allow")


Finite = Annotated[float, Field(allow_inf_nan=False)]


class SavedSelection(Saved):
    """A building taken: its mode, the services it hosts and the area given to each (a year's, a variant's)."""

    building: str
    mode: str
    services: list[str]
    area_m2: list[Finite] = []

    @model_validator(mode="after")
    def _area_per_service(self) -> SavedSelection:
        if self.area_m2 and len(self.area_m2) != len(self.services):
            raise ValueError(f"area_m2: expected one area per service ({len(self.services)}), or none")
        return self


class SavedTaken(SavedSelection):
    """A building of the plan as the reports show it: with its name, costs and whether it is a complex."""

    name: str
    complex: bool
    capex: Finite
    annual_cost: Finite


class SavedAssignment(Saved):
    """Demand units of a community's service served by a building."""

    community: str
    service: str
    building: str
    units: Finite


class SavedFacility(Saved):
    """An existing facility and whether it stays open."""

    facility: str
    status: str


class SavedEntries(Saved):
    """A plan written as {selected, closed, assignments}: a year of a phased plan, a variant of a robust one."""

    selected: list[SavedSelection]
    closed: list[str]
    assignments: list[SavedAssignment]


class SavedYear(Saved):
    """One year of a phased plan."""

    year: int
    plan: SavedEntries
    capex_spent: Finite | None = None
    annual_cost: Finite | None = None
    coverage: dict[str, SavedShares] = {}
    objectives: dict[str, Finite | None] = {}


class SavedPhases(Saved):
    """A phased plan: the plan in force in each year."""

    years: Annotated[list[SavedYear], Field(min_length=1)]


class SavedVariant(Saved):
    """A robust plan under one demand variant."""

    plan: SavedEntries
    objective: Finite | None = None
    coverage: dict[str, SavedShares] = {}


class SavedRobust(Saved):
    """A robust plan: the variants, their weights and own optima, the criterion's value."""

    variants: Annotated[list[str], Field(min_length=1)]
    weights: list[Annotated[float, Field(gt=0, allow_inf_nan=False)]]
    optima: list[Finite]
    objective: str
    value: Finite | None
    per_variant: dict[str, SavedVariant]

    @model_validator(mode="after")
    def _one_per_variant(self) -> SavedRobust:
        for key in ("weights", "optima"):
            if len(getattr(self, key)) != len(self.variants):
                raise ValueError(f"{key}: expected one per variant ({len(self.variants)})")
        if sorted(self.per_variant) != sorted(self.variants):
            raise ValueError(f"per_variant: expected one entry per variant {self.variants}")
        return self


class SavedCost(Saved):
    """The plan's costs, 元 and 元/year."""

    capex: Finite
    annual: Finite
    annual_freed: Finite
    npv: Finite


class SavedShares(Saved):
    """A service's demand and what the plan covers of it (in a year, under a variant)."""

    demand: Finite
    covered: Finite
    share: Finite


class SavedCoverage(SavedShares):
    """A service's demand and what the plan covers of it, with the persons behind the units."""

    weight: Finite
    persons: Finite
    persons_covered: Finite


class SavedPlan(Saved):
    """plan.json as far as `siting verify` reads it."""

    selected: list[SavedSelection]
    existing: list[SavedFacility]
    assignments: list[SavedAssignment]
    objectives: dict[str, Finite | None]
    input_sha256: str
    scenario_sha256: str | None = None
    status: str
    objective: Finite | None = None
    bound: Finite | None = None
    gap: Finite | None = None
    cost: dict[str, Finite | None] | None = None  # a field left out is named by `siting verify` (exit 4)
    coverage: dict[str, SavedCoverage] = {}
    overrides: list[str] = []
    sets: list[str] = []
    phases: SavedPhases | None = None
    robust: SavedRobust | None = None


class ShownPlan(Saved):
    """plan.json as far as `siting compare` reads it (siting.study.summary.plan_summary and the comparison)."""

    selected: list[SavedTaken]
    existing: list[SavedFacility]
    status: str
    gap: Finite | None
    objective: Finite | None
    cost: SavedCost
    coverage: dict[str, SavedCoverage]
