"""Check the scenario's tables column by column: what a column must hold, and the check itself.

Every problem is reported as an InputError naming the file, the row and the column, with what was expected.
Tables are read by `siting.scenario.readers` (rows numbered as a spreadsheet shows them). Headers may use the
other names in `siting.scenario.aliases` (Chinese headers, a unit in brackets); numbers may carry thousands
separators ("12,000", "12，000"). Checks are vectorised: one pass per column, the first bad row named.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError, cut
from siting.scenario.aliases import (
    COLUMN_ALIASES,
    VALUE_ALIASES,
    accepted_units,
    header_names,
    normalise,
    split_unit,
    unit_factor,
)
from siting.scenario.readers import header_row_of, read_table, sheet_row

PLANAR_LIMIT_M = 1e8
"""Largest planar coordinate accepted, metres (Gauss-Krüger eastings with a zone prefix reach 4e7)."""
MONEY_LIMIT = 1e12
"""Largest amount accepted, 元 (one trillion: more than any facility costs or any district spends)."""
AREA_LIMIT_M2 = 1e7
"""Largest floor area accepted, m² (ten square kilometres)."""
PERSONS_LIMIT = 1e8
"""Largest head count accepted for one community, persons."""
UNITS_LIMIT = 1e9
"""Largest capacity accepted, demand units."""
DISTANCE_LIMIT_M = 1e6
"""Largest walking distance or edge length accepted, metres."""


@dataclass(frozen=True)
class Column:
    """What a column must hold.

    Attributes:
        name: canonical column header (other names: `siting.scenario.aliases.COLUMN_ALIASES`).
        kind: "id" (non-empty, unique text), "text", "number", "int" or "choice".
        required: the column must be present.
        min: smallest allowed value (numbers).
        min_exclusive: the value must be strictly greater than `min`.
        max: largest allowed value (numbers): every number has a physical bound.
        unit: the unit the column is kept in (a key of `aliases.UNIT_SPELLINGS`), shown in messages; a header
            may give another spelling of it in brackets, or 万元 for amounts.
        allow_missing: empty cells are allowed (become NaN / "").
        choices: allowed values for kind "choice".
        description: what the column holds, for `siting schema` and the README.
    """

    name: str
    kind: str = "number"
    required: bool = True
    min: float | None = None
    min_exclusive: bool = False
    max: float | None = None
    unit: str | None = None
    allow_missing: bool = False
    choices: tuple[str, ...] = ()
    description: str = ""


X_TEXT = "x coordinate: metres east (crs planar, within ±1e8) or longitude in degrees (crs lonlat, WGS84, ±180)."
Y_TEXT = "y coordinate: metres north (crs planar, within ±1e8) or latitude in degrees (crs lonlat, WGS84, ±90)."


def coordinate_columns(crs: str) -> list[Column]:
    """The x and y columns: planar metres within ±1e8, or longitude within ±180° and latitude within ±90°."""
    if crs == "lonlat":
        return [
            Column("x", min=-180, max=180, unit="degrees", description=X_TEXT),
            Column("y", min=-90, max=90, unit="degrees", description=Y_TEXT),
        ]
    return [
        Column("x", min=-PLANAR_LIMIT_M, max=PLANAR_LIMIT_M, unit="m", description=X_TEXT),
        Column("y", min=-PLANAR_LIMIT_M, max=PLANAR_LIMIT_M, unit="m", description=Y_TEXT),
    ]


def check_columns(frame: pd.DataFrame, columns: list[Column], where: str, allow_extra: bool = True) -> pd.DataFrame:
    """Name the columns canonically, then convert and check the declared ones; keep undeclared ones as text.

    Returns:
        A new frame: numbers as float (NaN where missing and allowed; amounts given in 万元 converted to 元),
        ints as float-valued whole numbers, text stripped, choices in their canonical spelling.
    """
    header = header_row_of(frame)
    names, factors = _canonical_header(frame, columns, where, header)
    out = frame.copy()
    out.columns = names
    present = set(names)
    declared = present & {c.name for c in columns}
    for col in columns:
        if col.name not in present:
            if col.required:
                others = COLUMN_ALIASES.get(col.name, ())[:2]
                # a header naming none of the table's columns may not be a header at all: never echo a file's
                # first line (it could be anything, a password included)
                shown = (
                    f"the header has: {cut(', '.join(map(str, frame.columns)), 160)}"
                    if declared
                    else "the header names none of this table's columns (is it the right file?)"
                )
                raise InputError(
                    f"missing column '{col.name}'" + (f" (or {' / '.join(others)})" if others else "") + f"; {shown}",
                    file=where,
                    row=header,
                    field=col.name,
                )
            continue
        out[col.name] = _convert(out[col.name], col, where, factors.get(col.name, 1.0))
    if not allow_extra:
        unknown = sorted(present - {c.name for c in columns})
        if unknown:
            raise InputError(
                f"unknown column(s) {cut(unknown)}; expected only {[c.name for c in columns]}", file=where, row=header
            )
    return out


def read_checked(
    source: Any, columns: list[Column], *, base_dir: Path, label: str, sheet: str | None = None
) -> tuple[pd.DataFrame, str]:
    """Read a table with `read_table` and check it with `check_columns`.

    Args:
        source: a path relative to base_dir, an inline list of row mappings, a mapping {path, sheet[,
            header_row]} or an object with `path` (and `sheet`, `header_row`) attributes (the scenario's TableFile).
        columns: the columns to check.
        base_dir: the folder paths are relative to (the scenario file's folder).
        label: the scenario key, used in messages.
        sheet: Excel sheet name (overridden by one given with the source).

    Returns:
        The checked frame and the name to use in messages.
    """
    header_row = None
    if isinstance(source, dict):
        source, sheet, header_row = source.get("path"), source.get("sheet", sheet), source.get("header_row")
    if isinstance(source, Path):
        source = str(source)
    frame, where = read_table(
        source, base_dir=Path(base_dir), label=label, sheet=sheet, columns=columns, header_row=header_row
    )
    return check_columns(frame, columns, where), where


def _canonical_header(
    frame: pd.DataFrame, columns: list[Column], where: str, header: int | None
) -> tuple[list[str], dict[str, float]]:
    """Canonical name of each header (undeclared ones as written) and the unit factor of each declared one."""
    known = header_names([c.name for c in columns])
    spec = {c.name: c for c in columns}
    names: list[str] = []
    factors: dict[str, float] = {}
    for raw in map(str, frame.columns):
        name = known.get(normalise(raw))
        base, unit = split_unit(raw)
        if name is None and unit is not None and normalise(base) in known:
            name = known[normalise(base)]
            col = spec[name]
            factor = unit_factor(unit, col.unit) if col.unit else None
            if factor is None:
                expected = f"give it in {accepted_units(col.unit)}" if col.unit else "this column takes no unit"
                raise InputError(
                    f"unit '{cut(unit)}' in the header '{cut(raw)}' is not understood; {expected}",
                    file=where,
                    row=header,
                    field=name,
                )
            factors[name] = factor
        names.append(name or raw.strip())
    seen: dict[str, list[str]] = {}
    for raw, name in zip(map(str, frame.columns), names):
        seen.setdefault(name, []).append(raw)
    for name, given in seen.items():
        if len(given) > 1:
            raise InputError(
                f"column '{cut(name)}' is given {len(given)} times ({cut(', '.join(given))}); keep one",
                file=where,
                row=header,
                field=name,
            )
    return names, factors


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
MISSING_WORDS = frozenset({"nan", "none", "null", "-", "—"})
"""What spreadsheet exports write in an empty cell: read as missing where a column allows missing values."""


def parse_number(text: str) -> float:
    """A cell as a number (NaN when it is not one): full-width digits made half-width, "12,000" read as 12000."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).strip()
    if "," in text and _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _convert(values: pd.Series, col: Column, where: str, factor: float = 1.0) -> pd.Series:
    """One column checked and converted: one pass over its cells, the first bad row named.

    The cells are walked as a Python list rather than with pandas string methods, which loop in Python too but
    cost ~0.1 ms a call: a table of a few rows would otherwise spend milliseconds per column.
    """
    cells = [str(v).strip() for v in values]

    def fail(message: str, mask: np.ndarray) -> InputError:
        return InputError(message, file=where, row=sheet_row(values, _first_bad(mask)), field=col.name)

    def text_column(texts: list[str]) -> pd.Series:
        return pd.Series(texts, index=values.index, name=col.name, dtype=str)

    blank = [c == "" or (col.allow_missing and c.lower() in MISSING_WORDS) for c in cells]
    missing = np.array(blank, dtype=bool)
    if missing.any() and not col.allow_missing:
        raise fail("empty value; expected " + _expected(col), missing)
    if col.kind in ("id", "text", "choice"):
        if col.kind == "choice":
            cells = _choice(cells, col, missing, fail)
        if col.kind == "id":
            first_seen: dict[str, int] = {}
            for pos, cell in enumerate(cells):
                if cell in first_seen:
                    raise fail(
                        f"duplicate id '{cut(cell)}' (first seen in row {sheet_row(values, first_seen[cell])}); ids "
                        "must be unique",
                        np.arange(len(cells)) == pos,
                    )
                first_seen[cell] = pos
        return text_column(["" if b else c for c, b in zip(cells, blank)])
    numbers = np.array([float("nan") if b else parse_number(c) for c, b in zip(cells, blank)], dtype=float)
    bad = (np.isnan(numbers) & ~missing) | np.isinf(numbers)
    if bad.any():
        raise fail(f"'{cut(cells[_first_bad(bad)])}' is not a finite number; expected {_expected(col)}", bad)
    if col.kind == "int":
        frac = ~np.isnan(numbers) & (numbers != np.round(numbers))
        if frac.any():
            raise fail(f"'{cut(cells[_first_bad(frac)])}' is not a whole number", frac)
    numbers = numbers * factor
    out_of_range = np.zeros(len(numbers), dtype=bool)
    if col.min is not None:
        out_of_range |= numbers <= col.min if col.min_exclusive else numbers < col.min
    if col.max is not None:
        out_of_range |= numbers > col.max
    if out_of_range.any():
        pos = _first_bad(out_of_range)
        given = f"'{cut(cells[pos])}'" + (f" × {factor:g}" if factor != 1 else "")
        raise fail(f"value {given} is out of range; expected {_expected(col)}", out_of_range)
    return pd.Series(numbers, index=values.index, name=col.name)


def _choice(cells: list[str], col: Column, missing: np.ndarray, fail) -> list[str]:
    """Choices in their canonical spelling; other spellings (改造 for renovate, 是 for true) accepted."""
    spellings = {normalise(c): c for c in col.choices}
    spellings.update({normalise(k): v for k, v in VALUE_ALIASES.get(col.name, {}).items()})
    canonical = [spellings.get(normalise(c), "") for c in cells]
    bad = np.array([not v for v in canonical], dtype=bool) & ~missing
    if bad.any():
        others: dict[str, str] = {}
        for alias, value in VALUE_ALIASES.get(col.name, {}).items():
            others.setdefault(value, alias)
        raise fail(
            f"unknown value '{cut(cells[_first_bad(bad)])}'; expected one of {', '.join(col.choices)}"
            + (f" (or {', '.join(others.values())})" if others else ""),
            bad,
        )
    return canonical


def _expected(col: Column) -> str:
    if col.kind == "id":
        return "a non-empty, unique id"
    if col.kind == "choice":
        return "one of " + ", ".join(col.choices)
    if col.kind == "text":
        return "text"
    what = "a whole number" if col.kind == "int" else "a number"
    bounds = []
    if col.min is not None:
        bounds.append(f"{'>' if col.min_exclusive else '≥'} {col.min:g}")
    if col.max is not None:
        bounds.append(f"≤ {col.max:g}")
    what += (" " + " and ".join(bounds)) if bounds else ""
    return what + (f" {col.unit}" if col.unit and col.unit not in ("units", "year") else "")
