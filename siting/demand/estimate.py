"""Base-year estimates per community: totals, census shares, attribute multipliers, given counts kept.

Rules, in order (each value's source string says which one produced it):

1. total = `population` where given, else `households` × household size, else missing.
2. A group count given in the table is kept as given.
3. A missing elderly group (60+, 65+, 80+) with another elderly group given in the same row is scaled from it
   by the ratio of census shares: e.g. 65+ = given 60+ × s65 / s60 (the attribute multiplier cancels).
   The nearest given group is used (for 65+: 60+, else 80+).
4. Otherwise count = total × census share × attribute multiplier (elderly multiplier for 60+/65+/80+,
   infant multiplier for 0-2).
5. Estimated values are clipped into the order 80+ <= 65+ <= 60+ <= total and 60+ + 0-2 <= total, so an
   estimate never contradicts a given count (the source then ends "; capped at ..." or "; raised to ...");
   given counts must already respect it (else an InputError names the row).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting.demand.base import COUNT_GROUPS, GROUPS, SECTION, Assumption, pct
from siting.demand.parameters import Parameters
from siting.errors import InputError, cut
from siting.scenario.readers import sheet_row

LABELS = {"elderly": "60+", "elderly_65": "65+", "elderly_80": "80+", "infant": "0-2", "total": "total"}
ANCHORS = {
    "elderly": ("elderly_65", "elderly_80"),
    "elderly_65": ("elderly", "elderly_80"),
    "elderly_80": ("elderly_65", "elderly"),
}
ORDER = (
    ("elderly_65", "elderly"),
    ("elderly_80", "elderly_65"),
    ("elderly_80", "elderly"),
    ("elderly", "total"),
    ("elderly_65", "total"),
    ("elderly_80", "total"),
    ("infant", "total"),
)
"""(smaller, larger) pairs every community must respect."""


@dataclass
class BaseTable:
    """Working table of one run: values, their sources and which values are the input's own.

    Attributes:
        values: group -> float array (NaN = missing).
        sources: group -> array of source strings.
        given: group -> bool array, True where the value is the input's number as given.
        basis: per-row text naming what the total came from ("population", "households × 2.62", ...).
        elderly_mult: per-row multiplier on the shares of ages 55+.
        infant_mult: per-row multiplier on the share of ages 0-2.
        elderly_text: per-row text of the elderly multipliers applied ("" when none).
        infant_text: per-row text of the infant multipliers applied.
        notes: remarks for the report.
    """

    values: dict[str, np.ndarray]
    sources: dict[str, np.ndarray]
    given: dict[str, np.ndarray]
    basis: np.ndarray
    elderly_mult: np.ndarray
    infant_mult: np.ndarray
    elderly_text: np.ndarray
    infant_text: np.ndarray
    notes: list[str] = field(default_factory=list)


def numeric_column(communities: pd.DataFrame, column: str, where: str) -> np.ndarray:
    """A column as floats (NaN where absent or empty); text that is not a number is an InputError."""
    if column not in communities:
        return np.full(len(communities), np.nan)
    raw = communities[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    text = raw.astype(str).str.strip().str.lower()
    blank = text.isin(["", "nan", "none", "null", "<na>"]).to_numpy() | raw.isna().to_numpy()
    bad = np.isnan(values) & ~blank | np.isinf(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"'{cut(raw.iloc[row])}' is not a number", file=where, row=sheet_row(communities, row), field=column
        )
    return values


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def read_inputs(communities: pd.DataFrame, where: str) -> dict[str, np.ndarray]:
    """population, households and the given counts as floats, checked non-negative and consistent."""
    cols = {c: numeric_column(communities, c, where) for c in ("population", "households", *COUNT_GROUPS)}
    for name, values in cols.items():
        negative = values < 0
        if negative.any():
            row = _first(negative)
            raise InputError(
                f"negative count {values[row]:g}; expected a number >= 0",
                file=where,
                row=sheet_row(communities, row),
                field=name,
            )
    given = dict(cols, total=cols["population"])
    for small, large in ORDER:
        bad = given[small] > given[large]
        if bad.any():
            row = _first(bad)
            big = "population" if large == "total" else large
            raise InputError(
                f"{small} ({given[small][row]:g}) exceeds {big} ({given[large][row]:g}) in "
                f"community '{communities.index[row]}'",
                file=where,
                row=sheet_row(communities, row),
                field=small,
            )
    over = given["elderly"] + given["infant"] > given["total"]
    if over.any():
        row = _first(over)
        both = given["elderly"][row] + given["infant"][row]
        raise InputError(
            f"elderly + infant ({both:g}) exceed population ({given['total'][row]:g})",
            file=where,
            row=sheet_row(communities, row),
            field="population",
        )
    return cols


def totals(cols: dict[str, np.ndarray], params: Parameters) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Total per row, its basis text and whether it was given: population, else households × size."""
    population, households = cols["population"], cols["households"]
    given = ~np.isnan(population)
    from_households = ~given & ~np.isnan(households)
    total = population.copy()
    basis = np.where(given, "population", "missing").astype(object)
    if from_households.any():
        size = params.get("household_size")
        total[from_households] = households[from_households] * size
        basis[from_households] = f"households × {size:g}"
    return total, basis, given


def multipliers(
    communities: pd.DataFrame, params: Parameters, where: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-row elderly and infant multipliers from the attribute bands, with their source texts."""
    n = len(communities)
    m_eld, m_inf = np.ones(n), np.ones(n)
    txt_eld, txt_inf = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    for i, rule in enumerate(params.section.attribute_multipliers):
        if rule.attribute not in communities:
            raise InputError(
                f"column '{rule.attribute}' is not in the communities table",
                file=SECTION,
                field=f"attribute_multipliers.{i}.attribute",
            )
        value = numeric_column(communities, rule.attribute, where)
        lower = -np.inf
        for j, band in enumerate(rule.bands):
            upper = np.inf if band.until is None else band.until
            inside = (value > lower) & (value <= upper)
            desc = _band_text(rule.attribute, lower, upper)
            for kind, m, txt, factor in (
                ("elderly", m_eld, txt_eld, band.elderly),
                ("infant", m_inf, txt_inf, band.infant),
            ):
                if inside.any() and factor != 1.0:
                    m[inside] *= factor
                    txt[inside] += f" × {factor:g} ({desc})"
                    params.record(
                        Assumption(
                            f"multiplier.{rule.attribute}.{j}.{kind}",
                            factor,
                            f"× census {kind} share, {desc}",
                            rule.source,
                            "scenario",
                        )
                    )
            lower = upper
    return m_eld, m_inf, txt_eld, txt_inf


def _band_text(attribute: str, lower: float, upper: float) -> str:
    if np.isinf(lower):
        return f"{attribute} ≤ {upper:g}"
    if np.isinf(upper):
        return f"{attribute} > {lower:g}"
    return f"{lower:g} < {attribute} ≤ {upper:g}"


def share_source(params: Parameters, key: str) -> str:
    """Text for "× census share": value, group and region, e.g. "18.70 % 60+ share (Beijing, 2020 census)"."""
    return (
        f"{pct(params.share(key))} {LABELS.get(key, key)} share "
        f"({params.region_label}, {params.defaults.census_year} census)"
    )


def estimate_counts(
    table: BaseTable,
    cols: dict[str, np.ndarray],
    params: Parameters,
    *,
    ids: pd.Index,
    where: str,
    required: Iterable[str],
) -> None:
    """Fill the count groups of `table` (in place) by rules 2-5 of the module docstring."""
    required = set(required)
    total = table.values["total"]
    for group in COUNT_GROUPS:
        given = ~np.isnan(cols[group])
        value = cols[group].copy()
        source = np.where(given, "given", "").astype(object)
        todo = ~given
        for anchor in ANCHORS.get(group, ()):
            use = todo & ~np.isnan(cols[anchor])
            if use.any():
                mine, theirs = params.share(group), params.share(anchor)
                ratio = mine / theirs if theirs > 0 else 0.0
                value[use] = cols[anchor][use] * ratio
                source[use] = (
                    f"{anchor} given × {LABELS[group]}/{LABELS[anchor]} share ratio {ratio:.4f} "
                    f"({params.region_label}, {params.defaults.census_year} census)"
                )
                todo &= ~use
        from_total = todo & ~np.isnan(total)
        if from_total.any():
            mult, text = (
                (table.infant_mult, table.infant_text)
                if group == "infant"
                else (table.elderly_mult, table.elderly_text)
            )
            value[from_total] = total[from_total] * params.share(group) * mult[from_total]
            base = f" × {share_source(params, group)}"
            source[from_total] = table.basis[from_total] + base + text[from_total]
        missing = todo & np.isnan(total)
        if missing.any():
            row = _first(missing)
            if group in required:
                raise InputError(
                    f"community '{ids[row]}' has no population, households or {group} count to "
                    f"estimate {LABELS[group]} from",
                    file=where,
                    row=row + 2,  # the header is row 1
                    field=group,
                )
            source[missing] = "missing: no population, households or count"
        table.values[group], table.sources[group], table.given[group] = value, source, given
    enforce_order(table)


def enforce_order(table: BaseTable, fixed: Iterable[str] = ()) -> None:
    """Clip estimated values into 80+ <= 65+ <= 60+ <= total and 60+ + 0-2 <= total (in place).

    A value is movable when it is neither given nor listed in `fixed` (e.g. raked groups). The wider groups
    are fixed first (top-down pass), then narrower given counts push estimated wider groups up.
    """
    v, src, fixed = table.values, table.sources, set(fixed)
    movable = {g: ~table.given[g] if g not in fixed else np.zeros_like(table.given[g]) for g in GROUPS}
    for small, large in ORDER:  # shrink estimates above their container
        over = movable[small] & (v[small] > v[large])
        v[small][over] = v[large][over]
        src[small][over] = src[small][over] + f"; capped at {large}"
    for small, large in reversed(ORDER):  # grow estimated containers to given parts
        under = movable[large] & (v[large] < v[small])
        v[large][under] = v[small][under]
        src[large][under] = src[large][under] + f"; raised to {small}"
    room = v["total"] - v["elderly"]  # 60+ and 0-2 do not overlap
    over = movable["infant"] & (v["infant"] > room) & ~movable["total"]
    v["infant"][over] = np.maximum(room[over], 0.0)
    src["infant"][over] = src["infant"][over] + "; capped at total - elderly"
    short = movable["total"] & (v["total"] < v["elderly"] + v["infant"])
    v["total"][short] = v["elderly"][short] + v["infant"][short]
    src["total"][short] = src["total"][short] + "; raised to elderly + infant"


def check_order(table: BaseTable, ids: pd.Index, where: str, when: str) -> None:
    """Raise when fixed values (given or raked) contradict each other, e.g. after raking."""
    v = table.values
    for small, large in ORDER:
        if small not in v or large not in v:
            continue
        bad = v[small] > v[large] * (1 + 1e-9) + 1e-9
        if bad.any():
            row = _first(bad)
            raise InputError(
                f"{when}, {small} ({v[small][row]:.6g}) exceeds {large} ({v[large][row]:.6g}) "
                f"in community '{ids[row]}'; check the calibration totals of both groups",
                file=where,
                row=row + 2,  # the header is row 1
                field=small,
            )


def new_table(communities: pd.DataFrame, params: Parameters, where: str) -> tuple[BaseTable, dict[str, np.ndarray]]:
    """Read the inputs and compute the totals and the multipliers (counts come later, after raking totals)."""
    cols = read_inputs(communities, where)
    total, basis, given = totals(cols, params)
    m_eld, m_inf, txt_eld, txt_inf = multipliers(communities, params, where)
    shifted = (m_eld != 1) | (m_inf != 1)
    over = np.zeros(len(communities), dtype=bool)
    if shifted.any():
        older = params.share("elderly") + params.share("age_55_59")
        over = m_eld * older + m_inf * params.share("infant") > 1
    if over.any():
        row = _first(over)
        raise InputError(
            f"the attribute multipliers of community '{communities.index[row]}' push the 55+ and 0-2 shares above 1",
            file=SECTION,
            row=sheet_row(communities, row),
            field="attribute_multipliers",
        )
    source = np.where(given, "given", basis).astype(object)
    source[np.isnan(total)] = "missing: no population or households"
    table = BaseTable(
        values={"total": total},
        sources={"total": source},
        given={"total": given},
        basis=basis,
        elderly_mult=m_eld,
        infant_mult=m_inf,
        elderly_text=txt_eld,
        infant_text=txt_inf,
    )
    return table, cols
