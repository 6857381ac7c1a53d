"""The scenario file, as typed, frozen objects: a typo is an error, not a silent default.

The JSON Schema that `siting schema` prints is generated from these classes, so the README, the validator
and other programs that write scenarios all read the same definition.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from siting.demand import DemandSection

MODES: tuple[str, ...] = ("renovate", "buy", "rent", "swap", "build")
MODE_LABELS: dict[str, tuple[str, str]] = {
    "renovate": ("改造", "renovate"),
    "buy": ("购置", "buy"),
    "rent": ("租赁", "rent"),
    "swap": ("置换", "swap"),
    "build": ("补建", "build new"),
}
GROUPS: tuple[str, ...] = ("elderly", "elderly_65", "elderly_80", "infant", "total")
GROUP_LABELS: dict[str, tuple[str, str]] = {
    "elderly": ("60岁及以上老年人", "elderly 60+"),
    "elderly_65": ("65岁及以上老年人", "elderly 65+"),
    "elderly_80": ("80岁及以上老年人", "elderly 80+"),
    "infant": ("0-2岁婴幼儿", "infants 0-2"),
    "total": ("常住人口", "residents"),
}

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegativeFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Frozen(BaseModel):
    """Base: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Label(Frozen):
    """A bilingual label."""

    zh: str
    """Chinese label, shown first in reports."""
    en: str
    """English label."""


class Service(Frozen):
    """One community service a building can host, and the demand it answers."""

    label: Label | None = None
    """Names shown in reports; defaults to the service key."""
    population: Literal["elderly", "elderly_65", "elderly_80", "infant", "total"]
    """The population group this service serves: elderly = 60+, infant = 0-2, total = all residents."""
    radius_m: PositiveFloat
    """Maximum walking distance from a community to a building hosting the service, in metres."""
    uptake: NonNegativeFloat | None = None
    """Demand units per person of the group (e.g. day-care places per elderly person)."""
    per_1000_residents: NonNegativeFloat | None = None
    """Alternative to uptake: demand units per 1,000 residents (e.g. 4.5 childcare places)."""
    min_area_m2: NonNegativeFloat
    """Floor area a building must give the service to host it, in m²."""
    weight: NonNegativeFloat = 1.0
    """Priority: each covered demand unit counts this much in the objective (urgent services weigh more)."""
    min_share: Annotated[float, Field(ge=0, le=1)] = 0.0
    """Required covered share of this service's total demand (0 = no requirement)."""

    @model_validator(mode="after")
    def _one_demand_rule(self) -> Service:
        if (self.uptake is None) == (self.per_1000_residents is None):
            raise ValueError("give exactly one of 'uptake' (per person of the group) or 'per_1000_residents'")
        return self


class Walking(Frozen):
    """How walking distance is derived from coordinates."""

    detour_factor: Annotated[float, Field(ge=1.0, le=5.0)] = 1.3
    """Walking distance = straight-line distance × this factor (street networks are not straight)."""


class Budget(Frozen):
    """Money available. Amounts in 元 (yuan)."""

    capex: NonNegativeFloat
    """One-off budget for purchase, fit-out and construction, 元."""
    annual: NonNegativeFloat | None = None
    """Recurring budget for rent and operation, 元/year; absent = not limited."""
    horizon_years: Annotated[int, Field(ge=1, le=100)] = 10
    """Years over which recurring costs count in the net present cost."""
    discount_rate: Annotated[float, Field(ge=0, le=1)] = 0.03
    """Annual discount rate for the net present cost."""


class TableFile(Frozen):
    """A table in a file, with options for spreadsheets."""

    path: str
    """File path relative to the scenario file: .csv, .xlsx or .geojson."""
    sheet: str | None = None
    """Sheet name for .xlsx files (default: the first sheet)."""


TableSource = str | TableFile | list[dict[str, Any]]


class ScenarioConfig(Frozen):
    """A scenario: services, budget and the three tables (communities, buildings, acquisition options)."""

    name: Annotated[str, Field(min_length=1)]
    """Short name, used in outputs."""
    description: str = ""
    """Free text shown in the report."""
    crs: Literal["planar", "lonlat"] = "planar"
    """planar: x, y in metres; lonlat: x = longitude, y = latitude in WGS84 degrees (haversine distances)."""
    walking: Walking = Walking()
    """How walking distances are derived."""
    services: dict[str, Service]
    """Services by key (e.g. elderly_care, childcare, meals, after_school, health)."""
    budget: Budget
    """Budgets and the discounting of recurring costs."""
    demand: DemandSection = DemandSection()
    """Demand model settings: target year, projection variant, census shares, calibration."""
    communities: TableSource
    """Communities: id, name, x, y, population [, households, district, elderly, infant, ...]."""
    buildings: TableSource
    """Candidate buildings: id, name, x, y, floor_area_m2."""
    options: TableSource
    """Acquisition options: building, mode, capex, annual_cost [, floor_area_m2]."""

    @field_validator("services")
    @classmethod
    def _services_named(cls, services: dict[str, Service]) -> dict[str, Service]:
        if not services:
            raise ValueError("at least one service is needed")
        for key in services:
            if not key.isidentifier():
                raise ValueError(f"service key '{key}' must be a plain identifier (letters, digits, _)")
        return services
