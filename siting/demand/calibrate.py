"""Calibration: rake community values of a group to known area totals (district, street, ...).

For each group with `demand.calibration` margins, the margins are applied together by `rake` (IPF, see
siting.demand.rake). Rows whose area has no total are left as they are (and a note says so). With
`keep_given`, counts given per community stay fixed: their sum is taken off each area's total and only the
estimated rows are raked to the remainder. Estimated elderly groups that are not calibrated themselves are
scaled by the row factor of the nearest calibrated elderly group, so 80+ <= 65+ <= 60+ keeps holding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.demand.base import ELDERLY_CHAIN, SECTION
from siting.demand.estimate import ANCHORS, BaseTable, check_order, enforce_order
from siting.demand.rake import RakeError, rake
from siting.demand.section import Margin
from siting.errors import InputError
from siting.scenario.readers import sheet_row

CALIBRATION_COLUMNS = (
    "group",
    "by",
    "category",
    "communities",
    "given",
    "raw",
    "target",
    "difference",
    "ratio",
    "final",
    "source",
)
"""Columns of the calibration report: raw = sum of the estimates before raking (given counts included),
given = sum of the given counts in it, difference = raw - target, ratio = target / raw, final = sum after
raking, source = where the totals come from (the margin's `source`)."""


def _labels(communities: pd.DataFrame, by: str) -> pd.Series:
    text = communities[by].astype(str).str.strip()
    return text.where(~text.str.lower().isin(["", "nan", "none", "<na>"]) & communities[by].notna(), "")


def _index(communities: pd.DataFrame, margin: Margin, pos: int) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Category index per row (-1 = no total), the category names and their targets."""
    if margin.by not in communities:
        raise InputError(
            f"column '{margin.by}' is not in the communities table (it has: "
            f"{', '.join(map(str, communities.columns))})",
            file=SECTION,
            field=f"calibration.{pos}.by",
        )
    labels = _labels(communities, margin.by)
    cats = list(margin.totals)
    unknown = [c for c in cats if c not in set(labels)]
    if unknown:
        present = sorted(set(labels) - {""})
        names = ", ".join(repr(c) for c in unknown)
        raise InputError(
            f"{names} match no community's {margin.by} (the table has: "
            f"{', '.join(present[:20])}{' ...' if len(present) > 20 else ''})",
            file=SECTION,
            field=f"calibration.{pos}.totals",
        )
    lookup = {c: k for k, c in enumerate(cats)}
    index = labels.map(lambda v: lookup.get(v, -1)).to_numpy(dtype=np.int64)
    return index, cats, np.array([margin.totals[c] for c in cats], dtype=float)


def calibrate_group(
    table: BaseTable,
    communities: pd.DataFrame,
    group: str,
    margins: list[tuple[int, Margin]],
    *,
    keep_given: bool,
    where: str,
) -> list[dict]:
    """Rake one group's values (in place) to its margins; returns the calibration report rows."""
    ids = communities.index
    values, given = table.values[group], table.given[group]
    free = ~given if keep_given else np.ones(len(values), dtype=bool)
    prepared, covered = [], np.zeros(len(values), dtype=bool)
    for pos, margin in margins:
        index, cats, target = _index(communities, margin, pos)
        inside = index >= 0
        missing = inside & np.isnan(values)
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise InputError(
                f"community '{ids[row]}' has no {group} value (no population, households or "
                f"count) but its {margin.by} has a {group} total to rake to",
                file=where,
                row=sheet_row(communities, row),
                field=group,
            )
        fixed = np.bincount(index[inside & ~free], weights=values[inside & ~free], minlength=len(cats))
        rest = target - fixed
        if np.any(rest < -1e-9 * np.maximum(1.0, target)):
            k = int(np.argmin(rest))
            raise InputError(
                f"the given {group} counts in {margin.by} '{cats[k]}' already sum to "
                f"{fixed[k]:g}, more than the total {target[k]:g}",
                file=SECTION,
                field=f"calibration.{pos}.totals.{cats[k]}",
            )
        has_free = np.bincount(index[inside & free], minlength=len(cats)) > 0
        stuck = ~has_free & (rest > 1e-9 * np.maximum(1.0, target))
        if stuck.any():
            k = int(np.flatnonzero(stuck)[0])
            raise InputError(
                f"every community in {margin.by} '{cats[k]}' has a given {group} count (sum "
                f"{fixed[k]:g}) and keep_given is set, so nothing can make up the total "
                f"{target[k]:g}",
                file=SECTION,
                field=f"calibration.{pos}.totals.{cats[k]}",
            )
        prepared.append((pos, margin, index, cats, target, np.maximum(rest, 0.0)))
        covered |= inside
        outside = int((~inside).sum())
        if outside:
            table.notes.append(
                f"{outside} communit{'y' if outside == 1 else 'ies'} without a {margin.by} "
                f"{group} total left as estimated by the {margin.by} margin"
            )
    rows = covered & free
    start = np.nan_to_num(values[rows])
    try:
        result = rake(start, [(np.where(free, idx, -1)[rows], rest) for *_, idx, _, _, rest in prepared])
    except RakeError as err:
        pos, margin, _, cats, target, _ = prepared[err.margin]
        if err.category is None:
            raise InputError(str(err), file=SECTION, field=f"calibration.{pos}") from None
        cat = cats[err.category]
        raise InputError(
            f"the {group} estimates of the communities in {margin.by} '{cat}' sum to 0, so they "
            f"cannot be raked to {target[err.category]:g}",
            file=SECTION,
            field=f"calibration.{pos}.totals.{cat}",
        ) from None
    if not result.converged:
        bys = " and ".join(m.by for _, m in margins)
        raise InputError(
            f"the {group} margins by {bys} cannot all be met (largest gap "
            f"{result.max_abs_deviation:.6g} after {result.iterations} sweeps): their totals "
            "disagree over the communities they share",
            file=SECTION,
            field=f"calibration.{margins[0][0]}",
        )
    report = []
    after = values.copy()
    after[rows] = result.values
    for _pos, margin, index, cats, target, _ in prepared:
        for k, cat in enumerate(cats):
            member = index == k
            raw = float(np.nansum(values[member]))
            report.append(
                {
                    "group": group,
                    "by": margin.by,
                    "category": cat,
                    "communities": int(member.sum()),
                    "given": float(np.nansum(values[member & given])),
                    "raw": raw,
                    "target": float(target[k]),
                    "difference": raw - float(target[k]),
                    "ratio": float(target[k]) / raw if raw > 0 else float("nan"),
                    "final": float(after[member].sum()),
                    "source": margin.source,
                }
            )
    text = f"raked to {' and '.join(m.by for _, m in margins)} totals"
    table.sources[group][rows] = table.sources[group][rows] + f"; {text}"
    table.values[group] = after
    table.given[group] = given & ~rows
    return report


def propagate(
    table: BaseTable, before: dict[str, np.ndarray], calibrated: set[str], originally_given: dict[str, np.ndarray]
) -> None:
    """Scale estimated, uncalibrated elderly groups by the row factor of the nearest calibrated one."""
    for group in ELDERLY_CHAIN:
        if group in calibrated:
            continue
        anchor = next((a for a in ANCHORS[group] if a in calibrated), None)
        if anchor is None:
            continue
        old, new = before[anchor], table.values[anchor]
        factor = np.divide(new, old, out=np.ones_like(new), where=old > 0)
        change = ~originally_given[group] & (factor != 1.0) & ~np.isnan(table.values[group])
        table.values[group][change] *= factor[change]
        table.sources[group][change] = table.sources[group][change] + f"; scaled with raked {anchor}"


def calibrate(
    table: BaseTable,
    communities: pd.DataFrame,
    margins: tuple[Margin, ...],
    groups: tuple[str, ...],
    *,
    keep_given: bool,
    where: str,
) -> list[dict]:
    """Rake each of `groups` that has margins (in place), then restore the order of the elderly groups."""
    report: list[dict] = []
    originally_given = {g: table.given[g].copy() for g in groups}
    before = {g: table.values[g].copy() for g in groups}
    calibrated = set()
    for group in groups:
        mine = [(pos, m) for pos, m in enumerate(margins) if m.group == group]
        if mine:
            report += calibrate_group(table, communities, group, mine, keep_given=keep_given, where=where)
            calibrated.add(group)
    if calibrated and groups != ("total",):
        propagate(table, before, calibrated, originally_given)
        enforce_order(table, fixed=calibrated)
    if calibrated:
        check_order(table, communities.index, where, "after raking")
    return report
