"""The scenario file, as typed, frozen objects: a typo is an error, not a silent default.

The JSON Schema that `siting schema` prints is generated from these classes, so the README, the validator
and other programs that write scenarios all read the same definition.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from siting.demand import DemandSection
from siting.errors import cut
from siting.frozen import Frozen

MODES: tuple[str, ...] = ("renovate", "buy", "rent", "swap", "build")
MODE_LABELS: dict[str, tuple[str, str]] = {
    "renovate": ("改造", "renovate"),
    "buy": ("购置", "buy"),
    "rent": ("租赁", "rent"),
    "swap": ("置换", "swap"),
    "build": ("补建", "build new"),
}
SERVICE_LABELS: dict[str, tuple[str, str]] = {
    "elderly_care": ("养老服务站", "Elderly care station"),
    "childcare": ("托育点", "Childcare"),
    "meals": ("助餐点", "Community meals"),
    "after_school": ("儿童托管", "After-school care"),
    "health": ("卫生服务站", "Community health station"),
}
"""The standard services' names (as configs/services.yaml gives them), for a scenario that names none."""
GROUPS: tuple[str, ...] = ("elderly", "elderly_65", "elderly_80", "infant", "total")
GROUP_LABELS: dict[str, tuple[str, str]] = {
    "elderly": ("60岁及以上老年人", "elderly 60+"),
    "elderly_65": ("65岁及以上老年人", "elderly 65+"),
    "elderly_80": ("80岁及以上老年人", "elderly 80+"),
    "infant": ("0-2岁婴幼儿", "infants 0-2"),
    "total": ("常住人口", "residents"),
}


class TableFile(Frozen):
    """A table in a file, with options for spreadsheets."""

    path: str
    """File path relative to the scenario file: .csv, .xlsx or .geojson."""
    sheet: str | None = None
    """Sheet name for .xlsx files (default: the first sheet)."""
    header_row: Annotated[int, Field(ge=1, le=10_000)] | None = None
    """Row number of the header, counting from 1 (default: the first row naming two known columns, so title
    rows above the header are skipped)."""


TableSource = str | TableFile | list[dict[str, Any]]


def quantity(unit: str, high: float, *, low: float = 0.0, above_low: bool = False) -> Any:
    """A float of `unit` in [low, high] (or (low, high]): every number in a scenario has a physical bound.

    The bound is in the JSON Schema (minimum, maximum, unit) and in the message when a value is outside it.
    """

    def within(value: float) -> float:
        if not (value > low if above_low else value >= low) or value > high:
            raise ValueError(f"expected a number {'>' if above_low else '≥'} {low:g} and ≤ {high:g} {unit}".strip())
        return value

    schema = {"unit": unit, "maximum": high, ("exclusiveMinimum" if above_low else "minimum"): low}
    return Annotated[float, Field(allow_inf_nan=False, json_schema_extra=schema), AfterValidator(within)]


Metres = quantity("m", 1e6, above_low=True)
SquareMetres = quantity("m²", 1e7)
Yuan = quantity("元", 1e12)
YuanPerYear = quantity("元/年", 1e12)
Weight = quantity("", 1e6)
Count = Annotated[int, Field(ge=0, le=10_000_000)]


class Label(Frozen):
    """A bilingual label."""

    zh: str
    """Chinese label, shown first in reports."""
    en: str
    """English label."""


class Service(Frozen):
    """One community service a building can host, and the demand it answers."""

    label: Label | None = None
    """Names shown in reports; defaults to the standard name of elderly_care, childcare, meals, after_school and
    health (养老服务站, 托育点, 助餐点, 儿童托管, 卫生服务站), else to the service key."""
    population: Literal["elderly", "elderly_65", "elderly_80", "infant", "total"]
    """The population group this service serves: elderly = 60+, infant = 0-2, total = all residents."""
    radius_m: Metres
    """Maximum walking distance from a community to a building hosting the service, in metres."""
    radius_min: quantity("min", 1e4, above_low=True) | None = None
    """The same radius in minutes of walking at walking.speed_kmh (give this or radius_m)."""
    uptake: quantity("demand units per person", 1e3) | None = None
    """Demand units per person of the group (e.g. day-care places per elderly person)."""
    per_1000_residents: quantity("demand units per 1,000 residents", 1e6) | None = None
    """Alternative to uptake: demand units per 1,000 residents (e.g. 4.5 childcare places)."""
    min_area_m2: SquareMetres
    """Floor area a building must give the service to host it, in m²."""
    weight: Weight = 1.0
    """Priority: each covered demand unit counts this much in the objective (urgent services weigh more)."""
    min_share: Annotated[float, Field(ge=0, le=1)] = 0.0
    """Required covered share of this service's total demand (0 = no requirement)."""
    area_per_unit_m2: quantity("m²", 1e7, low=1e-6) | None = None
    """Floor area per demand unit (e.g. m² per day-care place): a host's capacity is the area it gives the
    service ÷ this (so not below 1e-6 m², where the capacity would overflow). Absent = the service is not
    capacity-limited (unless options give a capacity)."""
    full_credit_m: quantity("m", 1e6) | None = None
    """Distance decay: demand within this walking distance counts fully; beyond it the credit falls linearly
    to 0 at radius_m. Absent = full credit up to the radius."""

    @model_validator(mode="after")
    def _one_demand_rule(self) -> Service:
        if (self.uptake is None) == (self.per_1000_residents is None):
            raise ValueError("give exactly one of 'uptake' (per person of the group) or 'per_1000_residents'")
        return self


class Network(Frozen):
    """A walking network: nodes (id, x, y) and undirected edges (from, to [, length_m])."""

    nodes: TableSource
    """Nodes table (coordinates as the communities' and buildings')."""
    edges: TableSource
    """Edges table, one row per undirected edge."""
    snap_max_m: Metres | None = None
    """Refuse points farther than this from every node (absent = no limit)."""


class Walking(Frozen):
    """How walking distance is derived: straight line × detour factor, an OD table, or a network."""

    detour_factor: Annotated[float, Field(ge=1.0, le=5.0)] = 1.3
    """Walking distance = straight-line distance × this factor (street networks are not straight)."""
    od_table: TableSource | None = None
    """Origin-destination table of walking distances, used as given; pairs not listed are out of reach."""
    network: Network | None = None
    """Walking network for shortest-path distances."""
    speed_kmh: quantity("km/h", 50, above_low=True) = 4.7
    """Walking speed for radii and OD times in minutes (elderly walk about 4.7 km/h)."""

    @model_validator(mode="after")
    def _one_source(self) -> Walking:
        if self.od_table is not None and self.network is not None:
            raise ValueError("give either od_table or network, not both")
        return self


def speed_m_per_min(speed_kmh: float) -> float:
    """Walking speed in metres per minute from km/h (4.7 km/h → 78.33 m/min).

    Raises:
        ValueError: the speed is not a finite number > 0.
    """
    speed = float(speed_kmh)
    if not math.isfinite(speed) or speed <= 0:
        raise ValueError(f"walking speed must be a finite number > 0 km/h, got {speed_kmh!r}")
    return speed * 1000.0 / 60.0


def minutes_to_metres(minutes: float | np.ndarray, speed_kmh: float) -> float | np.ndarray:
    """Distance walked in ``minutes`` at ``speed_kmh`` (15 min at 4.7 km/h → 1175 m).

    Args:
        minutes: a number or an array of minutes.
        speed_kmh: walking speed in km/h (elderly people: about 4.7).

    Returns:
        Metres, a float for a scalar input, an array otherwise.
    """
    metres = np.asarray(minutes, dtype=float) * speed_m_per_min(speed_kmh)
    return float(metres) if metres.ndim == 0 else metres


def _digits(value: Any) -> Any:
    """A whole number where a name is expected (district code 110101, building 101): its digits, as tables read it."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Name = Annotated[str, BeforeValidator(_digits)]
"""An id or a district as the tables have it; an unquoted number in the YAML is read as its digits."""


class Budget(Frozen):
    """Money available. Amounts in 元 (yuan)."""

    capex: Yuan
    """One-off budget for purchase, fit-out and construction, 元."""
    annual: YuanPerYear | None = None
    """Recurring budget for rent and operation, 元/year; absent = not limited."""
    npv: Yuan | None = None
    """Cap on the net present cost of the new acquisitions over the horizon, 元: Σ (capex + annual cost ×
    annuity factor) of the options taken, less the annual cost × annuity factor of the existing facilities
    closed (as the yearly budget counts closures); absent = not limited."""
    horizon_years: Annotated[int, Field(ge=1, le=100)] = 10
    """Years over which recurring costs count in the net present cost."""
    discount_rate: Annotated[float, Field(ge=0, le=1)] = 0.03
    """Annual discount rate for the net present cost."""


class ComplexRule(Frozen):
    """综合体: a building counts as a complex when it is large enough and hosts enough (core) services."""

    min_area_m2: SquareMetres = 600
    """Smallest floor area of a complex (导则: ≥ 600 m²)."""
    min_services: Annotated[int, Field(ge=1, le=1000)] = 3
    """Smallest number of services hosted."""
    core: tuple[str, ...] = ("elderly_care", "childcare", "after_school", "meals")
    """Core services (养老, 托育, 儿童托管, 助餐)."""
    min_core: Annotated[int, Field(ge=0, le=1000)] = 2
    """Smallest number of core services among those hosted."""
    min_count: Count = 0
    """Require at least this many complexes."""
    min_capex_share: Annotated[float, Field(ge=0, le=1)] = 0.0
    """Require at least this share of the one-off spending to go to complexes."""
    bonus: quantity("weighted objective units", 1e9) = 0.0
    """Objective bonus per complex, in the units of model.objective_basis (weighted percentage points for
    share, weighted persons, weighted demand units); max_coverage only."""


class Policy(Frozen):
    """Equity and policy constraints."""

    max_facilities: Count | None = None
    """At most this many buildings acquired (the classic p)."""
    min_facilities: Count | None = None
    """At least this many buildings acquired (with max_facilities equal: exactly p)."""
    max_by_mode: dict[Literal["renovate", "buy", "rent", "swap", "build"], Count] = {}
    """At most this many buildings per acquisition mode."""
    must_choose: tuple[Name, ...] = ()
    """Building ids that must be acquired (by some mode)."""
    must_not_choose: tuple[Name, ...] = ()
    """Building ids that must not be acquired."""
    must_choose_as: dict[Name, Literal["renovate", "buy", "rent", "swap", "build"]] = {}
    """Building id -> mode: the building must be acquired, by that mode (e.g. bought in an earlier phase or at
    the previous point of a nested frontier); the services it hosts may change."""
    district_min_share: dict[str, Annotated[float, Field(ge=0, le=1)]] = {}
    """Service -> minimum covered share of its demand in every district."""
    district_requires: dict[Name, tuple[str, ...]] = {}
    """District -> services of which some of its demand must be covered."""
    group_by: str = "district"
    """Communities column that defines districts for the equity rules and max_min_share."""

    @field_validator("must_choose", "must_not_choose")
    @classmethod
    def _once(cls, buildings: tuple[str, ...]) -> tuple[str, ...]:
        twice = sorted({b for b in buildings if buildings.count(b) > 1})
        if twice:
            raise ValueError(f"each building may appear once; given twice: {cut(', '.join(twice))}")
        return buildings


class Pilot(Frozen):
    """试点先行: the roll-out starts in pilot districts."""

    districts: tuple[Name, ...] = Field(min_length=1)
    """Districts (values of the communities' policy.group_by column) where the roll-out starts."""
    by: Annotated[int, Field(ge=1900, le=2200)]
    """Up to this year (inclusive) only buildings in the pilot districts are acquired; later, anywhere. A
    building's district is its own `district` column, else that of the community nearest to it."""


class Phases(Frozen):
    """A phased roll-out (逐步推开): one plan over several years, with the money of each year.

    A building acquired in a year stays acquired (by the same mode), a service opened stays open, a facility
    closed stays closed; yearly costs run from the year of acquisition; each year's demand is the demand
    model's projection for that year; max_coverage counts covered demand-years (persons-years on the persons
    basis). Requirements (required shares, district rules, complexes, must-choose, minimum counts, targets)
    hold in the last year, limits in every year.
    """

    years: tuple[Annotated[int, Field(ge=1900, le=2200)], ...] = Field(min_length=1, max_length=30)
    """The years of the roll-out, increasing (e.g. [2026, 2027, 2028])."""
    capex: tuple[Yuan, ...] | None = None
    """One-off money of each year, 元 (one per year); absent = budget.capex shared equally among the years."""
    annual: tuple[YuanPerYear, ...] | None = None
    """Yearly money available in each year for rent and operation, 元/year (one per year); absent =
    budget.annual every year."""
    pilot: Pilot | None = None
    """Pilot districts that come first; absent = no pilot."""

    @model_validator(mode="after")
    def _one_per_year(self) -> Phases:
        if list(self.years) != sorted(set(self.years)):
            raise ValueError("years must increase, each once")
        for key in ("capex", "annual"):
            values = getattr(self, key)
            if values is not None and len(values) != len(self.years):
                raise ValueError(f"{key}: give one amount per year ({len(self.years)}), got {len(values)}")
        if self.pilot is not None and not self.years[0] <= self.pilot.by <= self.years[-1]:
            raise ValueError(f"pilot.by ({self.pilot.by}) must be one of the years {list(self.years)} or between")
        return self


class Robust(Frozen):
    """One plan judged under several demand futures (the demand model's projection variants)."""

    variants: tuple[Literal["low", "central", "high"], ...] = ("low", "central", "high")
    """The demand variants the plan must do well under (demand.variant of each), at least two."""
    criterion: Literal["max_min", "expected", "min_regret"] = "max_min"
    """max_min: the best worst case of the first objective over the variants; expected: the best weighted mean;
    min_regret: the least largest shortfall against each variant's own best plan."""
    weights: tuple[Annotated[float, Field(gt=0, le=1e6)], ...] | None = None
    """For expected: a weight per variant (normalised); absent = equal."""

    @model_validator(mode="after")
    def _variants(self) -> Robust:
        if len(set(self.variants)) != len(self.variants) or len(self.variants) < 2:
            raise ValueError("give two or more different variants")
        if self.weights is not None and len(self.weights) != len(self.variants):
            raise ValueError(f"weights: give one per variant ({len(self.variants)})")
        return self


class ModelSection(Frozen):
    """What to optimise and which rules to apply."""

    objectives: tuple[
        Literal["max_coverage", "min_cost", "min_capex", "min_annual", "min_distance", "max_min_share"], ...
    ] = (
        "max_coverage",
        "min_cost",
    )
    """Objectives in lexicographic order: each later one is optimised keeping the earlier ones' optima.
    max_coverage: most weighted demand covered (see objective_basis); min_cost: least net present cost;
    min_capex / min_annual: least one-off / yearly cost; min_distance: least demand-weighted walking;
    max_min_share: the largest smallest district share."""
    objective_basis: Literal["share", "persons", "units"] = "share"
    """How max_coverage counts covered demand, each service times its weight. share: the covered percentage of
    the service's own demand (a service with little demand counts as much as a large one: balanced plans);
    persons: persons of the service's group served (60+, 0-2, residents); units: demand units (places,
    meals), so cheap-per-unit services win the budget."""
    target_share: dict[str, Annotated[float, Field(ge=0, le=1)]] = {}
    """For min_cost, min_capex, min_annual: service -> share of its demand that must be covered (default: the
    service's min_share)."""
    capacities: bool | None = None
    """Limit each host's served demand by its capacity (default: on when some service has area_per_unit_m2
    or the options table has a capacity column). Partial coverage of a community is then allowed."""
    single_source: bool = False
    """With assignment: each community's demand for a service goes to one building only."""
    distance_cost_per_unit_m: quantity("元 per demand unit and metre", 1e6) = 0.0
    """For min_cost: add this many 元 per demand unit per metre walked (a travel cost)."""
    complex: ComplexRule | None = None
    """The complex (综合体) rule; absent = not applied."""
    targets: Literal["from_audit"] | None = None
    """from_audit: the plan must close the coverage shortfalls that `siting audit` measures. For each service
    with a coverage standard in configs/standards.yaml (share r_s of the demand within the service's walking
    radius; elderly_care and meals: 100 %), the reach share of its demand (demand of communities within the
    radius of an open facility hosting it, whatever its capacity, as the audit counts coverage) must be at
    least min(r_s, ρ): in every district (policy.group_by), ρ = the share of the district's demand that some
    candidate building able to host the service (an option with floor area ≥ min_area_m2) or existing facility
    hosting it can reach; and over all communities likewise. Minimums whatever the objectives (constraint
    (18)); with objectives [min_cost], the cheapest plan that closes the gaps. Area and places standards are
    audited, not targeted."""
    policy: Policy = Policy()
    """Rules on what may be chosen: facility counts per mode, required and forbidden buildings, district equity."""
    phases: Phases | None = None
    """A plan over several years with a budget per year (see Phases); absent = one plan for demand.year."""
    robust: Robust | None = None
    """One plan judged under several demand variants (see Robust); absent = demand.variant only."""

    @field_validator("objectives")
    @classmethod
    def _distinct(cls, objectives: tuple[str, ...]) -> tuple[str, ...]:
        if not objectives:
            raise ValueError("give at least one objective")
        if len(set(objectives)) != len(objectives):
            raise ValueError("each objective may appear once")
        return objectives

    @model_validator(mode="after")
    def _phases_or_robust(self) -> ModelSection:
        if self.phases is not None and self.robust is not None:
            raise ValueError("give phases or robust, not both (a phased robust plan is not supported)")
        return self


class ScenarioConfig(Frozen):
    """A scenario: services, budget and the three tables (communities, buildings, acquisition options)."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    """Short name, used in outputs."""
    description: str = ""
    """Free text shown in the report."""
    crs: Literal["planar", "lonlat"] = "planar"
    """planar: x, y in metres; lonlat: x = longitude, y = latitude in WGS84 degrees (haversine distances)."""
    walking: Walking = Walking()
    """How walking distances are derived."""
    services: dict[str, Service]
    """Services by key (e.g. elderly_care, childcare, meals, after_school, health)."""

    @field_validator("services")
    @classmethod
    def _standard_labels(cls, services: dict[str, Service]) -> dict[str, Service]:
        """A standard service given without a label is named as the standard names it, not by its key."""
        return {
            key: service.model_copy(update={"label": Label(zh=SERVICE_LABELS[key][0], en=SERVICE_LABELS[key][1])})
            if service.label is None and key in SERVICE_LABELS
            else service
            for key, service in services.items()
        }

    budget: Budget
    """Budgets and the discounting of recurring costs."""
    demand: DemandSection = DemandSection()
    """Demand model settings: target year, projection variant, census shares, calibration."""
    communities: TableSource
    """Communities (社区), one row each."""
    buildings: TableSource
    """Candidate buildings, one row each."""
    options: TableSource
    """Acquisition options, one row per building and mode."""
    existing: TableSource | None = None
    """Facilities already in service. They cover demand at no cost; closable ones may be closed to free their
    annual cost."""
    assets: TableSource | None = None
    """Assets the government can trade in swaps (置换). A swap option lists the assets it trades away in its
    `assets` column; an existing facility housed in an asset (its `asset` column) closes when that asset is
    traded."""
    model: ModelSection = ModelSection()
    """Objectives, capacities, the complex rule, equity and policy constraints."""
    overrides: dict[str, dict[str, Any]] = {}
    """Named partial scenarios merged over this one on request (`--override NAME`), e.g.
    `rent_only: {model: {policy: {max_by_mode: {buy: 0, build: 0}}}}`. Two overrides that set the same key
    cannot be applied together."""

    @model_validator(mode="before")
    @classmethod
    def _minutes_to_metres(cls, data: Any) -> Any:
        """Radii given in minutes become metres at the walking speed (the minutes are kept for reports)."""
        if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
            return data
        walking = data.get("walking") if isinstance(data.get("walking"), dict) else {}
        speed = walking.get("speed_kmh", Walking.model_fields["speed_kmh"].default)
        services = {}
        for key, service in data["services"].items():
            if isinstance(service, dict) and "radius_min" in service and "radius_m" not in service:
                minutes = service["radius_min"]
                if isinstance(minutes, (int, float)) and isinstance(speed, (int, float)) and 0 < speed < math.inf:
                    service = {**service, "radius_m": minutes_to_metres(minutes, speed)}
            services[key] = service
        return {**data, "services": services}

    @model_validator(mode="after")
    def _references(self) -> ScenarioConfig:
        known = set(self.services)
        named = {
            "model.target_share": self.model.target_share,
            "model.policy.district_min_share": self.model.policy.district_min_share,
        }
        for where, mapping in named.items():
            for key in mapping:
                if key not in known:
                    raise ValueError(f"{where}: unknown service '{key}' (services: {', '.join(known)})")
        for district, services in self.model.policy.district_requires.items():
            for key in services:
                if key not in known:
                    raise ValueError(f"model.policy.district_requires.{district}: unknown service '{key}'")
        if (
            self.model.policy.max_facilities is not None
            and self.model.policy.min_facilities is not None
            and self.model.policy.min_facilities > self.model.policy.max_facilities
        ):
            raise ValueError("model.policy: min_facilities is larger than max_facilities")
        return self

    @field_validator("services")
    @classmethod
    def _services_named(cls, services: dict[str, Service]) -> dict[str, Service]:
        if not services:
            raise ValueError("at least one service is needed")
        for key in services:
            if not key.isidentifier():
                raise ValueError(f"service key '{key}' must be a plain identifier (letters, digits, _)")
        return services
