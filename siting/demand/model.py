"""The demand model end to end: estimate, calibrate, project; every value traced to its input or default.

Steps (module that does each):
  1. read and check the community counts; total = population or households × size     (estimate)
  2. rake totals to `total` margins, if any                                             (calibrate, rake)
  3. estimate missing groups from given counts or census shares × multipliers            (estimate)
  4. rake groups to their margins, if any                                                (calibrate, rake)
  5. project from the base year to the target year, one cohort step per year             (projection)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from siting.demand.base import COUNT_GROUPS, GROUPS, SECTION, Assumption
from siting.demand.calibrate import CALIBRATION_COLUMNS, calibrate
from siting.demand.defaults import DEFAULTS_PATH, load_defaults
from siting.demand.estimate import check_order, estimate_counts, new_table
from siting.demand.parameters import Parameters
from siting.demand.projection import project
from siting.demand.section import DemandSection
from siting.errors import InputError
from siting.scenario.readers import sheet_row


@dataclass(frozen=True)
class DemandEstimate:
    """Population groups per community for the target year, with where each number came from.

    Attributes:
        groups: index = community id (input order), columns GROUPS, persons (float; NaN only for a group
            the caller did not require and the input cannot size).
        sources: same shape, text per value: "given", "population × 18.70 % 60+ share (...)",
            "households × 2.62 × ...", "...; raked to district totals", "...; projected 2020→2030 (central)".
        estimated: per community, True when any group value is not the input's own number (estimated from
            shares or households, or changed by raking). Projection is not counted: it applies to every
            row alike and is stated by `year` and the sources.
        assumptions: every default or scenario parameter the run used, in order of first use.
        calibration: one row per margin category (columns CALIBRATION_COLUMNS); empty without calibration.
        year: target year of `groups`.
        variant: projection variant (low, central, high).
        base_year: year the input describes (the census year unless the scenario says otherwise).
        base_groups: the groups in the base year, before projection (= `groups` when year == base_year).
        notes: remarks for the report (communities not raked, projected rows that look implausible, ...).
    """

    groups: pd.DataFrame
    sources: pd.DataFrame
    estimated: pd.Series
    assumptions: tuple[Assumption, ...]
    calibration: pd.DataFrame
    year: int
    variant: str
    base_year: int
    base_groups: pd.DataFrame
    notes: tuple[str, ...] = ()


def _years(section: DemandSection, census_year: int) -> tuple[int, int]:
    base = section.base_year if section.base_year is not None else census_year
    if base < census_year:
        raise InputError(
            f"base year {base} is before the census year {census_year} of the shares", file=SECTION, field="base_year"
        )
    year = section.year if section.year is not None else base
    if year < census_year:
        raise InputError(
            f"target year {year} is before the census year {census_year}; projections only run forward",
            file=SECTION,
            field="year",
        )
    if year < base:
        raise InputError(f"target year {year} is before the base year {base}", file=SECTION, field="year")
    return base, year


def estimate_groups(
    communities: pd.DataFrame,
    section: DemandSection,
    *,
    base_dir: Path,
    source_name: str = "communities",
    required: Iterable[str] = GROUPS,
) -> DemandEstimate:
    """Estimate, calibrate and project the population groups of each community.

    Args:
        communities: index = community id; population (NaN = missing) and optional households, district,
            street, elderly, elderly_65, elderly_80, infant and attribute columns.
        section: the scenario's demand section.
        base_dir: folder of the scenario file (`section.shares` is relative to it).
        source_name: name of the communities table in error messages.
        required: groups every community must be sized for (a community that cannot be raises an
            InputError); other groups may stay NaN. A projection requires them all.

    Raises:
        InputError: naming the file (shares file, scenario demand section or communities table), the row
            and the field of the first problem.
    """
    path = section.shares_path(Path(base_dir))
    defaults = load_defaults(path)
    params = Parameters(defaults, section, section.shares or str(DEFAULTS_PATH.name))
    base_year, year = _years(section, defaults.census_year)
    if year > base_year:
        params.birth_rate(base_year)  # fails early when the base year has no birth rate
        required = GROUPS
    required = set(required)
    ids = communities.index

    table, cols = new_table(communities, params, source_name)
    notes = table.notes
    report = calibrate(
        table, communities, section.calibration, ("total",), keep_given=section.keep_given, where=source_name
    )
    raked = pd.Series(table.sources["total"]).str.contains("raked").to_numpy()
    if raked.any():
        bys = " and ".join(m.by for m in section.calibration if m.group == "total")
        table.basis[raked] = "(" + table.basis[raked] + f", raked to {bys} totals)"
    missing = np.isnan(table.values["total"])
    if "total" in required and missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise InputError(
            f"community '{ids[row]}' has no population or households"
            + (f" (needed to project to {year})" if year > base_year else ""),
            file=source_name,
            row=sheet_row(communities, row),
            field="population",
        )
    estimate_counts(table, cols, params, ids=ids, where=source_name, required=required)
    report += calibrate(
        table, communities, section.calibration, COUNT_GROUPS, keep_given=section.keep_given, where=source_name
    )
    check_order(table, ids, source_name, "after raking" if report else "in the estimates")

    base = pd.DataFrame({g: table.values[g] for g in GROUPS}, index=ids, columns=list(GROUPS), dtype=float)
    sources = pd.DataFrame({g: table.sources[g] for g in GROUPS}, index=ids, columns=list(GROUPS), dtype=object)
    estimated_cells = np.column_stack([~table.given[g] & ~np.isnan(table.values[g]) for g in GROUPS])
    estimated = pd.Series(estimated_cells.any(axis=1), index=ids, name="estimated")

    groups = project(base, params, base_year, year)
    if year > base_year:
        sources = sources + f"; projected {base_year}→{year} ({section.variant})"
        crowded = (groups["elderly"] + groups["infant"] > groups["total"]).to_numpy()
        if crowded.any():
            first = ids[int(np.flatnonzero(crowded)[0])]
            notes.append(
                f"{int(crowded.sum())} communities have more projected elderly + infants than "
                f"residents in {year} (first: '{first}'); the total follows its own growth path"
            )
    calibration = pd.DataFrame(report, columns=list(CALIBRATION_COLUMNS))
    return DemandEstimate(
        groups=groups,
        sources=sources,
        estimated=estimated,
        assumptions=params.assumptions(),
        calibration=calibration,
        year=year,
        variant=section.variant,
        base_year=base_year,
        base_groups=base,
        notes=tuple(notes),
    )
