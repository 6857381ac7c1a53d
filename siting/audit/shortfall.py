"""Each standard against today's supply: required, existing and shortfall per community, then per district.

Per community (one row per community and standard):
    area_per_households   required = value × households / per (m²); existing = floor area of the facilities
                          that lie in the community (the nearest community centre, see siting.audit.supply)
    places_per_residents  required = value × residents / per (places); existing = places (capacity) of the
                          facilities hosting the service that lie in the community
    coverage              required = value × persons of the service's group (persons); existing = those persons
                          when an existing facility hosting the service is within the service's walking radius
    life_circle           required = value × number of services; existing = services reached within radius_m
    shortfall = max(0, required − existing).
Per district: the sums, the number of communities short, and the net shortfall max(0, Σ required − Σ existing)
(floor area and places in one community can make up for another's; coverage and reach cannot, so there the net
shortfall equals the sum).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.audit.standards import Standard
from siting.audit.supply import Supply, hosting
from siting.scenario.schema import GROUP_LABELS, ScenarioConfig

SHORTFALL_COLUMNS = ["community", "name", "district", "standard", "required", "existing", "shortfall", "unit"]
TOTAL = "合计 total"


def unit_of(standard: Standard, cfg: ScenarioConfig) -> str:
    """The unit of a standard's required / existing / shortfall figures, Chinese and English."""
    if standard.kind == "area_per_households":
        return "m²"
    if standard.kind == "places_per_residents":
        return "个 places"
    if standard.kind == "coverage":
        zh, en = GROUP_LABELS[cfg.services[standard.service].population]
        return f"人 persons ({zh} {en})"
    return "项 services"


def not_applicable(standard: Standard, cfg: ScenarioConfig) -> str | None:
    """Why a standard cannot be audited on this scenario, or None."""
    if standard.service is not None and standard.service not in cfg.services:
        return f"the scenario has no service '{standard.service}'"
    return None


def community_figures(standard: Standard, supply: Supply, cfg: ScenarioConfig) -> tuple[np.ndarray, np.ndarray]:
    """(required, existing) per community, in the order of supply.communities."""
    table, facilities = supply.communities, supply.facilities
    if standard.kind == "area_per_households":
        required = standard.value * table["households"].to_numpy(float) / standard.per
        return required, _sum_by_community(table, facilities, facilities["floor_area_m2"])
    if standard.kind == "places_per_residents":
        hosts = hosting(facilities, standard.service)
        required = standard.value * table["residents"].to_numpy(float) / standard.per
        return required, _sum_by_community(table, facilities[hosts], facilities.loc[hosts, "capacity"])
    if standard.kind == "coverage":
        persons = table[cfg.services[standard.service].population].to_numpy(float)
        return standard.value * persons, np.where(supply.within_radius[standard.service], persons, 0.0)
    reached = supply.circles[standard.radius_m]
    return np.full(len(table), standard.value * reached.shape[1]), reached.sum(axis=1).to_numpy(float)


def _sum_by_community(table: pd.DataFrame, facilities: pd.DataFrame, values: pd.Series) -> np.ndarray:
    """Σ of a facility figure over the facilities that lie in each community (unknown figures count 0)."""
    known = values.fillna(0.0).to_numpy(float)
    return (
        pd.Series(known, index=facilities["community"].to_numpy())
        .groupby(level=0)
        .sum()
        .reindex(table.index, fill_value=0.0)
        .to_numpy(float)
    )


def shortfall_table(standards: dict[str, Standard], supply: Supply, cfg: ScenarioConfig) -> pd.DataFrame:
    """One row per community and audited standard (SHORTFALL_COLUMNS), communities in input order."""
    table = supply.communities
    frames = []
    for key, standard in standards.items():
        required, existing = community_figures(standard, supply, cfg)
        frames.append(
            pd.DataFrame(
                {
                    "community": table.index.to_numpy(dtype=object),
                    "name": table["name"].to_numpy(),
                    "district": table["district"].to_numpy(),
                    "standard": key,
                    "required": required,
                    "existing": existing,
                    "shortfall": np.maximum(0.0, required - existing),
                    "unit": unit_of(standard, cfg),
                    "order": np.arange(len(table)),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=SHORTFALL_COLUMNS)
    rows = pd.concat(frames, ignore_index=True).sort_values(["order"], kind="stable")
    return rows[SHORTFALL_COLUMNS].reset_index(drop=True)


def district_table(shortfall: pd.DataFrame, standards: dict[str, Standard]) -> pd.DataFrame:
    """Per district and standard (then a 合计 total row per standard): sums, communities short, net shortfall."""
    short = shortfall.assign(is_short=shortfall["shortfall"] > 1e-9)
    parts = []
    for scope, frame in (("district", short), ("total", short.assign(district=TOTAL))):
        part = (
            frame.groupby(["standard", "district"], sort=False)
            .agg(
                communities=("community", "size"),
                communities_short=("is_short", "sum"),
                required=("required", "sum"),
                existing=("existing", "sum"),
                shortfall=("shortfall", "sum"),
                unit=("unit", "first"),
            )
            .reset_index()
        )
        part["scope"] = scope
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    table["net_shortfall"] = np.maximum(0.0, table["required"] - table["existing"])
    table["met_share"] = np.where(
        table["required"] > 0, np.minimum(1.0, table["existing"] / table["required"].where(table["required"] > 0, 1)), 1
    )
    order = {key: i for i, key in enumerate(standards)}
    table = table.sort_values(
        ["standard", "scope", "district"], key=lambda c: c.map(order) if c.name == "standard" else c, kind="stable"
    )
    columns = ["standard", "district", "communities", "communities_short", "required", "existing", "shortfall"]
    return table[[*columns, "net_shortfall", "met_share", "unit"]].reset_index(drop=True)
