"""The scenario's `demand:` section: year, variant, shares file, multipliers, calibration, overrides."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from siting.demand.base import SECTION
from siting.frozen import Frozen
from siting.scenario.yamlfile import validation_error

MAX_TOTAL = 1e10
"""Largest calibration total accepted, persons."""
GroupName = Literal["elderly", "elderly_65", "elderly_80", "infant", "total"]


class Band(Frozen):
    """One band of an attribute: communities whose value is <= `until` (and above the previous band)."""

    until: float | None = None
    """Upper bound of the band, inclusive (e.g. built_year 1990); null = no upper bound (last band only)."""
    elderly: float = Field(1.0, ge=0, le=100, allow_inf_nan=False)
    """Multiplier on the census shares of ages 55+ (60+, 65+, 80+ and the cohorts the projection ages)."""
    infant: float = Field(1.0, ge=0, le=100, allow_inf_nan=False)
    """Multiplier on the census share of ages 0-2."""


class AttributeMultiplier(Frozen):
    """Shift the census shares by a community attribute, e.g. older housing holds more elderly."""

    attribute: str = Field(min_length=1)
    """Community column holding a number, e.g. built_year."""
    bands: tuple[Band, ...] = Field(min_length=1)
    """Bands in increasing order of `until`; values above the last bound (or missing) keep multiplier 1."""
    source: str = "scenario"
    """Where the multipliers come from (printed in the report's assumptions)."""

    @model_validator(mode="after")
    def _ordered(self) -> AttributeMultiplier:
        bounds = [b.until for b in self.bands]
        if any(u is None for u in bounds[:-1]):
            raise ValueError("only the last band may leave 'until' empty (no upper bound)")
        finite = [u for u in bounds if u is not None]
        if any(b <= a for a, b in zip(finite, finite[1:], strict=False)):
            raise ValueError(f"band bounds must increase: {finite}")
        return self


class Margin(Frozen):
    """Known totals of one group by area: the community estimates are raked to sum to them."""

    group: GroupName
    """Group the totals count: elderly (60+), elderly_65, elderly_80, infant or total."""
    by: str = Field(min_length=1)
    """Community column naming the area, e.g. district or street."""
    totals: dict[str, float]
    """Total persons of the group per area value, e.g. {Dongcheng: 140000, Xicheng: 210000}."""
    source: str = "scenario"
    """Where the totals come from (printed in the report)."""

    @field_validator("totals", mode="before")
    @classmethod
    def _keys_as_text(cls, totals: Any) -> Any:
        if isinstance(totals, Mapping):
            return {str(k): v for k, v in totals.items()}
        return totals

    @field_validator("totals")
    @classmethod
    def _non_negative(cls, totals: dict[str, float]) -> dict[str, float]:
        if not totals:
            raise ValueError("give at least one total")
        for key, value in totals.items():
            if not 0 <= value <= MAX_TOTAL:
                raise ValueError(f"total for '{key}' is {value:g}; expected a number of persons >= 0 and <= 1e10")
        return totals


class DemandSection(Frozen):
    """Demand model settings; every key is optional, so the whole section may be left out."""

    year: int | None = Field(None, ge=1900, le=2200)
    """Target year of the plan; absent = the base year (no projection)."""
    base_year: int | None = Field(None, ge=1900, le=2200)
    """Year the community table describes; absent = the census year of the shares file."""
    variant: Literal["low", "central", "high"] = "central"
    """Projection variant: low / high take each parameter's value giving the lower / higher demand."""
    shares: str | None = None
    """Demography defaults file (census shares, birth rates, survival), relative to the scenario file;
    absent = the shipped configs/demography.yaml."""
    region: str = "national"
    """Which census row of the shares file to use: national, beijing, shanghai, tianjin, ..."""
    household_size: float | None = Field(None, gt=0, le=20, allow_inf_nan=False)
    """Persons per household, overriding the census default (households × this = residents)."""
    attribute_multipliers: tuple[AttributeMultiplier, ...] = ()
    """Shifts of the census shares by community attribute (e.g. built_year bands)."""
    calibration: tuple[Margin, ...] = ()
    """Known area totals to rake the estimates to (several margins of one group: iterative proportional
    fitting)."""
    keep_given: bool = False
    """When raking, keep counts given per community fixed and rake only the estimated ones to the rest."""
    overrides: dict[str, Annotated[float, Field(ge=-1e9, le=1e9, allow_inf_nan=False)]] = {}
    """Individual default parameters replaced by the scenario, by key: household_size, share.elderly,
    share.elderly_65, share.elderly_80, share.infant, share.age_55_59, share.age_75_79, birth_rate_trend,
    population_growth, survival.age_55_59 ... survival.age_80_plus, crude_birth_rate.YEAR, births.YEAR."""

    @model_validator(mode="after")
    def _no_double_setting(self) -> DemandSection:
        if self.household_size is not None and "household_size" in self.overrides:
            raise ValueError(
                "household_size is set twice (demand.household_size and demand.overrides.household_size); keep one"
            )
        seen: set[tuple[str, str]] = set()
        for margin in self.calibration:
            if (margin.group, margin.by) in seen:
                raise ValueError(
                    f"calibration has two margins for group '{margin.group}' by '{margin.by}'; merge their totals"
                )
            seen.add((margin.group, margin.by))
        if self.year is not None and self.base_year is not None and self.year < self.base_year:
            raise ValueError(f"year: target year {self.year} is before the base year {self.base_year}")
        return self

    def shares_path(self, base_dir: Path) -> Path | None:
        """The shares file resolved against the scenario's folder (None = the shipped defaults)."""
        return None if self.shares is None else (Path(base_dir) / self.shares)


def parse_section(data: Mapping[str, Any] | None, *, file: str = SECTION) -> DemandSection:
    """Validate a `demand:` mapping (None = all defaults); mistakes become an InputError naming the key."""
    if data is None:
        return DemandSection()
    try:
        return DemandSection.model_validate(data)
    except ValidationError as err:
        raise validation_error(err, file) from None
