"""Names shared by the demand modules: population groups, hidden cohorts, the assumption record."""

from __future__ import annotations

from dataclasses import dataclass

GROUPS: tuple[str, ...] = ("elderly", "elderly_65", "elderly_80", "infant", "total")
"""Population groups: elderly = 60+, elderly_65 = 65+, elderly_80 = 80+, infant = 0-2 (under 3), total."""

COUNT_GROUPS: tuple[str, ...] = ("elderly", "elderly_65", "elderly_80", "infant")
"""Groups that may be given as counts per community (the total comes from `population` / `households`)."""

ELDERLY_CHAIN: tuple[str, ...] = ("elderly", "elderly_65", "elderly_80")
"""Nested elderly groups, widest first: each is contained in the one before."""

SHARE_KEYS: tuple[str, ...] = ("elderly", "elderly_65", "elderly_80", "infant", "age_55_59", "age_75_79")
"""Census shares of residents a region row gives (the last two feed the projection only)."""

COHORTS: tuple[str, ...] = ("age_55_59", "age_60_64", "age_65_74", "age_75_79", "age_80_plus")
"""Age bands the projection ages one year at a time."""

VARIANTS: tuple[str, ...] = ("low", "central", "high")
"""Projection variants: low / high take each parameter's value that gives the lower / higher demand."""

SECTION = "scenario demand section"
"""What InputError.file says for mistakes in the scenario's `demand:` section."""


@dataclass(frozen=True)
class Assumption:
    """One default (or override) the model actually used, for the report's "assumptions and sources".

    Attributes:
        name: parameter key, as used in `demand.overrides` (e.g. "share.elderly", "survival.age_80_plus").
        value: the number used.
        unit: unit of the value (e.g. "share of residents", "per 1,000 residents").
        source: document the value comes from, or "scenario ..." when the scenario set it.
        confidence: H, M, L, U (see configs/demography.yaml) or "scenario" for values the scenario set.
    """

    name: str
    value: float
    unit: str
    source: str
    confidence: str


def pct(value: float) -> str:
    """Format a share as a percentage for source strings (0.187 -> "18.70 %")."""
    return f"{100 * value:.2f} %"
