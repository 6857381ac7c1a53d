"""The demography defaults file (configs/demography.yaml): cited numbers, each with a source and a confidence.

Every number is a `Param`: a central value, optional low / high values for the projection variants (the value
that gives the lower / higher demand, so `low` survival is the *lower* survival rate), its unit, the document
it comes from and a confidence grade: H = official figure several sources agree on, M = one secondary source,
L = weak or derived, U = not verified here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from siting.demand.base import SHARE_KEYS
from siting.frozen import Frozen
from siting.scenario.yamlfile import read_model

DEFAULTS_PATH = Path(__file__).resolve().parents[2] / "configs" / "demography.yaml"
"""The shipped defaults file."""


class Param(Frozen):
    """One cited number."""

    value: float = Field(allow_inf_nan=False)
    """Central value."""
    low: float | None = Field(None, allow_inf_nan=False)
    """Value used by the low variant (the one giving lower demand); absent = the central value."""
    high: float | None = Field(None, allow_inf_nan=False)
    """Value used by the high variant (the one giving higher demand); absent = the central value."""
    unit: str
    """Unit of the value, e.g. "share of residents", "per 1,000 residents"."""
    source: str = Field(min_length=1)
    """Document title (or URL) the value comes from; derived values say how they were derived."""
    confidence: Literal["H", "M", "L", "U"]
    """H official and agreed, M one secondary source, L weak or derived, U not verified here."""

    def pick(self, variant: str) -> float:
        """The value for a projection variant ("low", "central" or "high")."""
        if variant == "low" and self.low is not None:
            return self.low
        if variant == "high" and self.high is not None:
            return self.high
        return self.value


def check_shares(shares: Mapping[str, float]) -> list[tuple[str, str]]:
    """Problems with a set of census shares, as (key, message); empty when they are consistent.

    Checks: each share in [0, 1]; 80+ <= 65+ <= 60+; 75-79 + 80+ <= 65+; 55-59 + 60+ + 0-2 <= 1.
    """
    problems = [
        (k, f"share {v:g} is outside [0, 1] (shares are fractions: 18.7 % is 0.187)")
        for k, v in shares.items()
        if not 0.0 <= v <= 1.0
    ]
    if problems:
        return problems
    s = shares
    if s["elderly_65"] > s["elderly"]:
        problems.append(("elderly_65", f"65+ share {s['elderly_65']:g} exceeds the 60+ share {s['elderly']:g}"))
    if s["elderly_80"] > s["elderly_65"]:
        problems.append(("elderly_80", f"80+ share {s['elderly_80']:g} exceeds the 65+ share {s['elderly_65']:g}"))
    if s["age_75_79"] + s["elderly_80"] > s["elderly_65"] + 1e-12:
        problems.append(("age_75_79", "75-79 share plus 80+ share exceeds the 65+ share"))
    if s["age_55_59"] + s["elderly"] + s["infant"] > 1.0:
        problems.append(("age_55_59", "55-59, 60+ and 0-2 shares add up to more than 1"))
    return problems


class RegionShares(Frozen):
    """Census age shares of one region (a row of the census tables)."""

    label: str
    """Name shown in sources, e.g. "Beijing"."""
    elderly: Param
    """Share of residents aged 60+."""
    elderly_65: Param
    """Share aged 65+."""
    elderly_80: Param
    """Share aged 80+."""
    infant: Param
    """Share aged 0-2 (under 3)."""
    age_55_59: Param
    """Share aged 55-59 (enters 60+ in the projection)."""
    age_75_79: Param
    """Share aged 75-79 (enters 80+ in the projection)."""

    @model_validator(mode="after")
    def _consistent(self) -> RegionShares:
        for variant in ("low", "central", "high"):
            problems = check_shares({k: getattr(self, k).pick(variant) for k in SHARE_KEYS})
            if problems:
                key, message = problems[0]
                which = "" if variant == "central" else f" ({variant} value)"
                raise ValueError(f"{key}: {message}{which}")
        return self


class Survival(Frozen):
    """Annual survival probabilities by age band (1 - annual mortality)."""

    age_55_59: Param
    """Aged 55-59."""
    age_60_64: Param
    """Aged 60-64."""
    age_65_74: Param
    """Aged 65-74."""
    age_75_79: Param
    """Aged 75-79."""
    age_80_plus: Param
    """Aged 80+."""

    @model_validator(mode="after")
    def _probabilities(self) -> Survival:
        for name in type(self).model_fields:
            p = getattr(self, name)
            for v in (p.value, p.low, p.high):
                if v is not None and not 0.0 <= v <= 1.0:
                    raise ValueError(f"{name}: survival {v:g} is not a probability in [0, 1]")
        return self


class DemandDefaults(Frozen):
    """The whole defaults file."""

    census_year: int = Field(ge=1900, le=2100)
    """Reference year of the census shares (the base year of projections)."""
    census: str
    """Name of the census the shares come from."""
    household_size: Param
    """Average persons per household (turns `households` into residents)."""
    regions: dict[str, RegionShares] = Field(min_length=1)
    """Census shares by region key (national, beijing, ...): the scenario's `demand.region` picks one."""
    crude_birth_rate: dict[int, Param] = Field(min_length=1)
    """Births per 1,000 residents by calendar year (known years); later years follow `birth_rate_trend`."""
    births: dict[int, Param] = {}
    """National births by year, 10,000s (for the report; the projection uses the crude birth rate)."""
    birth_rate_trend: Param
    """Annual relative change of the crude birth rate after the last known year (-0.03 = -3 % a year)."""
    population_growth: Param
    """Annual relative change of each community's total population in the projection."""
    survival: Survival
    """Annual survival probabilities by age band."""
    service_norms: dict[str, Param] = {}
    """Service norms for scenarios to cite (childcare places per 1,000 residents, ...)."""

    @model_validator(mode="after")
    def _checks(self) -> DemandDefaults:
        if self.household_size.value <= 0:
            raise ValueError("household_size must be > 0")
        for year, p in self.crude_birth_rate.items():
            if not 0 <= p.value < 100:
                raise ValueError(f"crude_birth_rate {year}: {p.value:g} per 1,000 is not plausible")
        if self.census_year not in self.crude_birth_rate:
            raise ValueError(f"crude_birth_rate needs the census year {self.census_year}")
        for name in ("birth_rate_trend", "population_growth"):
            p = getattr(self, name)
            if any(v is not None and not -1 < v < 1 for v in (p.value, p.low, p.high)):
                raise ValueError(f"{name} is an annual relative change; expected a value in (-1, 1)")
        return self


def load_defaults(path: Path | None = None) -> DemandDefaults:
    """Read and check a demography defaults file (default: the shipped configs/demography.yaml).

    Raises:
        InputError: naming the file and the key (e.g. "regions.beijing.elderly_65") that is wrong.
    """
    path = Path(path) if path is not None else DEFAULTS_PATH
    missing = f"shares file not found (looked for {path.resolve()})"
    keys = "keys (census_year, household_size, regions, ...)"
    return read_model(path, DemandDefaults, missing=missing, keys=keys, field="shares")
