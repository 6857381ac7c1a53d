"""The baseline audit (摸清底数短板): today's supply against the national standards, from the raw tables."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting.audit.shortfall import community_figures, district_table, not_applicable, shortfall_table
from siting.audit.standards import Standard, Standards, load_standards
from siting.audit.supply import Supply, existing_supply, hosting
from siting.pipeline import compute_demand
from siting.scenario.load import Scenario


@dataclass(frozen=True)
class Audit:
    """The audit of one scenario.

    Attributes:
        scenario: the loaded scenario.
        standards: the standards audited, by key (file order).
        skipped: standard key -> why it does not apply to this scenario.
        supply: existing supply per community (siting.audit.supply).
        shortfall: one row per community and standard (siting.audit.shortfall.SHORTFALL_COLUMNS).
        districts: per district and standard, then a 合计 total row per standard.
        indicators: per community, each standard's figure in its own terms (m² per 100 households, places per
            1,000 residents, covered share, share of services reached) and the nearest facility per service.
        year: the year of the demand figures (the scenario's demand year).
        notes: remarks for audit.md (facilities with unknown area or places, rows not audited).
        timings: seconds per stage.
    """

    scenario: Scenario
    standards: dict[str, Standard]
    skipped: dict[str, str]
    supply: Supply
    shortfall: pd.DataFrame
    districts: pd.DataFrame
    indicators: pd.DataFrame
    year: int
    notes: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)


def audit(scenario: Scenario, standards: Standards | None = None) -> Audit:
    """Audit a scenario's existing facilities against the standards (default: configs/standards.yaml)."""
    clock = time.perf_counter()
    standards = standards or load_standards()
    cfg = scenario.config
    skipped = {key: why for key, s in standards.root.items() if (why := not_applicable(s, cfg))}
    applied = {key: s for key, s in standards.root.items() if key not in skipped}
    demand = compute_demand(scenario)
    circles = tuple(sorted({s.radius_m for s in applied.values() if s.kind == "life_circle"}))
    supply = existing_supply(scenario, demand.estimate, circles)
    shortfall = shortfall_table(applied, supply, cfg)
    unknown = shortfall["required"].isna()
    notes = _notes(supply, applied, shortfall[unknown])
    shortfall = shortfall[~unknown].reset_index(drop=True)
    return Audit(
        scenario=scenario,
        standards=applied,
        skipped=skipped,
        supply=supply,
        shortfall=shortfall,
        districts=district_table(shortfall, applied),
        indicators=indicators(applied, supply, cfg),
        year=demand.estimate.year,
        notes=notes,
        timings={"audit_s": time.perf_counter() - clock},
    )


def indicators(standards: dict[str, Standard], supply: Supply, cfg) -> pd.DataFrame:
    """Per community: residents, households, each standard's figure in its own terms, nearest facilities."""
    table = supply.communities
    out = table[["name", "district", "residents", "households", "households_source"]].copy()
    for key, standard in standards.items():
        required, existing = community_figures(standard, supply, cfg)
        if standard.kind in ("area_per_households", "places_per_residents"):
            base = table["households" if standard.kind == "area_per_households" else "residents"].to_numpy(float)
            out[key] = np.where(base > 0, existing * standard.per / np.where(base > 0, base, 1), np.nan)
        else:
            out[key] = np.where(required > 0, existing / np.where(required > 0, required, 1) * standard.value, 1.0)
    for service in supply.nearest_m.columns:
        out[f"nearest_{service}_m"] = supply.nearest_m[service]
    for radius, reached in supply.circles.items():
        out[f"missing_within_{radius:g}m"] = reached.apply(
            lambda row: ";".join(k for k, ok in row.items() if not ok), axis=1
        )
    return out.rename_axis("community").reset_index()


def _notes(supply: Supply, standards: dict[str, Standard], unknown: pd.DataFrame) -> tuple[str, ...]:
    notes = []
    facilities = supply.facilities
    if any(s.kind == "area_per_households" for s in standards.values()):
        for r in facilities[facilities["area_source"] == "unknown"].itertuples():
            notes.append(
                f"{r.name} ({r.facility}): floor area unknown (no floor_area_m2, no capacity); counted as 0 m² "
                "面积未知，按0计"
            )
    for key, s in standards.items():
        if s.kind == "places_per_residents":
            hosts = hosting(facilities, s.service)
            for r in facilities[hosts & facilities["capacity"].isna()].itertuples():
                notes.append(
                    f"{r.name} ({r.facility}): no capacity given; counted as 0 places for {key} 容量未知，按0计"
                )
    for r in facilities[facilities["community"] == ""].itertuples():
        notes.append(
            f"{r.name} ({r.facility}): no community centre within {supply.locate_m:g} m; its area and places "
            "count for no community 不在任何社区步行范围内"
        )
    for key, frame in unknown.groupby("standard", sort=False):
        notes.append(f"{key}: {len(frame)} communities without residents or households are not audited 缺少人口或户数")
    return tuple(notes)
