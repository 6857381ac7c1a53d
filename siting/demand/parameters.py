"""Resolve the defaults file, the region, the variant and the scenario's overrides into the numbers used.

Every number read through `Parameters` is recorded as an `Assumption`, so the report lists exactly the
defaults the run relied on, each with its source and confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from siting.demand.base import COHORTS, SECTION, SHARE_KEYS, Assumption
from siting.demand.defaults import DemandDefaults, Param, check_shares
from siting.demand.section import DemandSection
from siting.errors import InputError


@dataclass
class Parameters:
    """The defaults as seen by one run: region row, variant and overrides applied; usage recorded.

    Attributes:
        defaults: the parsed shares file.
        section: the scenario's demand section.
        shares_file: name of the shares file, for error messages.
    """

    defaults: DemandDefaults
    section: DemandSection
    shares_file: str
    _params: dict[str, Param] = field(init=False, repr=False)
    _used: dict[str, Assumption] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        d, s = self.defaults, self.section
        if s.region not in d.regions:
            raise InputError(
                f"unknown region '{s.region}'; the shares file {self.shares_file} has: {', '.join(sorted(d.regions))}",
                file=SECTION,
                field="region",
            )
        region = d.regions[s.region]
        params: dict[str, Param] = {
            "household_size": d.household_size,
            "birth_rate_trend": d.birth_rate_trend,
            "population_growth": d.population_growth,
        }
        for key in SHARE_KEYS:
            p = getattr(region, key)
            params[f"share.{key}"] = p.model_copy(update={"source": f"{p.source} [{region.label}]"})
        for key in COHORTS:
            params[f"survival.{key}"] = getattr(d.survival, key)
        for year, p in d.crude_birth_rate.items():
            params[f"crude_birth_rate.{year}"] = p
        for year, p in d.births.items():
            params[f"births.{year}"] = p
        self._params = params
        self._overrides = dict(s.overrides)
        if s.household_size is not None:
            self._overrides["household_size"] = s.household_size
        self._check_overrides()

    def _check_overrides(self) -> None:
        for name, value in self._overrides.items():
            where = (
                "household_size" if name == "household_size" and self.section.household_size else f"overrides.{name}"
            )
            if name.startswith("crude_birth_rate.") and name.removeprefix("crude_birth_rate.").isdigit():
                if not 0 <= value < 100:
                    raise InputError(
                        f"{value:g} births per 1,000 residents is not plausible", file=SECTION, field=where
                    )
                continue
            if name.startswith("births.") and name.removeprefix("births.").isdigit():
                if not value > 0:
                    raise InputError(f"births {value:g} must be > 0", file=SECTION, field=where)
                continue
            if name not in self._params:
                known = ", ".join(k for k in self._params if not k.startswith(("crude_birth_rate.", "births.")))
                raise InputError(
                    f"unknown parameter '{name}'; known: {known}, crude_birth_rate.YEAR, births.YEAR",
                    file=SECTION,
                    field=where,
                )
            if name.startswith("survival.") and not 0 <= value <= 1:
                raise InputError(f"survival {value:g} is not a probability in [0, 1]", file=SECTION, field=where)
            if name == "household_size" and not value > 0:
                raise InputError(f"household size {value:g} must be > 0", file=SECTION, field=where)
            if name in ("birth_rate_trend", "population_growth") and not -1 < value < 1:
                raise InputError(
                    f"{value:g} is an annual relative change; expected a value in (-1, 1)", file=SECTION, field=where
                )
        for variant in ("low", "central", "high"):
            shares = {k: self._value(f"share.{k}", variant) for k in SHARE_KEYS}
            for key, message in check_shares(shares):
                name = f"share.{key}"
                if name in self._overrides:
                    raise InputError(message, file=SECTION, field=f"overrides.{name}")
                raise InputError(message + " (after the scenario's share overrides)", file=SECTION, field="overrides")

    def _value(self, name: str, variant: str | None = None) -> float:
        if name in self._overrides:
            return self._overrides[name]
        return self._params[name].pick(variant or self.section.variant)

    def get(self, name: str) -> float:
        """The value of a parameter for this run's variant; records it as used."""
        if name not in self._used:
            value = self._value(name)
            if name in self._overrides:
                where = (
                    "demand.household_size"
                    if name == "household_size" and self.section.household_size
                    else f"demand.overrides.{name}"
                )
                default = self._params.get(name)
                was = f" (default {default.value:g}: {default.source})" if default else ""
                unit = default.unit if default else self._unit(name)
                self._used[name] = Assumption(name, value, unit, f"scenario {where}{was}", "scenario")
            else:
                p = self._params[name]
                source = p.source
                if self.section.variant != "central" and value != p.value:
                    source += f" ({self.section.variant} variant; central {p.value:g})"
                self._used[name] = Assumption(name, value, p.unit, source, p.confidence)
        return self._used[name].value

    @staticmethod
    def _unit(name: str) -> str:
        if name.startswith("crude_birth_rate."):
            return "per 1,000 residents"
        return "10,000 births" if name.startswith("births.") else ""

    def births(self, year: int) -> float | None:
        """National births of a year (10,000s) when the defaults or overrides give them, else None."""
        name = f"births.{year}"
        return self.get(name) if name in self._params or name in self._overrides else None

    def share(self, key: str) -> float:
        """A census share of the chosen region (e.g. "elderly"), recorded as used."""
        return self.get(f"share.{key}")

    def known_birth_years(self) -> list[int]:
        """Years with a crude birth rate given (defaults or overrides)."""
        years = {
            int(k.rsplit(".", 1)[1]) for k in [*self._params, *self._overrides] if k.startswith("crude_birth_rate.")
        }
        return sorted(years)

    def birth_rate(self, year: int) -> float:
        """Crude birth rate (per 1,000) of a year: the known figure, or the last one times the trend.

        cbr(y) = cbr(y_last) × (1 + birth_rate_trend) ** (y - y_last) for y after the last known year y_last.
        """
        name = f"crude_birth_rate.{year}"
        if name in self._params or name in self._overrides:
            return self.get(name)
        years = self.known_birth_years()
        if year < years[0]:
            raise InputError(
                f"no crude birth rate for {year} (the shares file starts at {years[0]})",
                file=self.shares_file,
                field="crude_birth_rate",
            )
        last = max(y for y in years if y < year)
        return self.birth_rate(last) * (1.0 + self.get("birth_rate_trend")) ** (year - last)

    @property
    def region_label(self) -> str:
        """Label of the chosen census region, e.g. "Beijing"."""
        return self.defaults.regions[self.section.region].label

    def assumptions(self) -> tuple[Assumption, ...]:
        """Every parameter read so far: shares, household size, multipliers, births, birth rates, survival."""
        order = (
            "share.",
            "household_size",
            "multiplier.",
            "births.",
            "crude_birth_rate.",
            "birth_rate_trend",
            "survival.",
            "population_growth",
        )

        def key(name: str) -> tuple[int, int, str]:
            rank = next((i for i, p in enumerate(order) if name.startswith(p)), len(order))
            sub = name.split(".", 1)[-1]
            within = SHARE_KEYS.index(sub) if rank == 0 and sub in SHARE_KEYS else 0
            return rank, within, sub

        return tuple(self._used[name] for name in sorted(self._used, key=key))

    def record(self, assumption: Assumption) -> None:
        """Record an assumption that does not come from the defaults file (e.g. a scenario multiplier)."""
        self._used.setdefault(assumption.name, assumption)
