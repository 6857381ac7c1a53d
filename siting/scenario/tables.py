"""Read the scenario's tables (CSV, Excel, GeoJSON or inline lists) and check them column by column.

Every problem is reported as an InputError naming the file, the row and the column, with what was expected.
Rows are numbered as a spreadsheet shows them: the header is row 1 and the first data row row 2 (title rows
above the header count too); in an inline table, row N is the N-th item of the list, in GeoJSON the N-th
feature. Headers may use the other names in `siting.scenario.aliases` (Chinese headers, a unit in brackets);
numbers may carry thousands separators ("12,000", "12，000"). Checks are vectorised: one pass per column, the
first bad row named.
"""

from __future__ import annotations

import csv
import io
import json
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
HEADER_SEARCH_ROWS = 20
"""Title rows above the header are looked for in this many first rows."""


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


def resolve_input(name: Any, *, base_dir: Path, label: str, allow_outside: bool = False) -> Path:
    """The file a scenario names, resolved against the scenario's folder; refused when it is not usable.

    Args:
        name: the path as written in the scenario.
        base_dir: the scenario file's folder (symbolic links resolved).
        label: the scenario key naming it, for messages.
        allow_outside: accept a file outside the scenario's folder (after following symbolic links).

    Raises:
        InputError: a NUL byte, a name too long, a symbolic-link loop, a path leading outside the folder (unless
            allowed), or no such file. The message never shows the file's content.
    """
    text = str(name)
    if "\x00" in text:
        raise InputError("the path contains a NUL byte", file=text, field=label)
    try:
        path = (Path(base_dir) / text).resolve()
        base = Path(base_dir).resolve()
        inside = path.is_relative_to(base)
        if not allow_outside and not inside:
            raise InputError(
                "the path leads outside the scenario's folder (after following links); move the file into the "
                "folder, or run with --allow-outside-paths",
                file=text,
                field=label,
            )
        is_file = path.is_file()
    except (OSError, RuntimeError, ValueError) as err:  # name too long, link loop (RuntimeError before 3.13)
        reason = getattr(err, "strerror", None) or str(err).split(":")[0]
        raise InputError(f"cannot use this path ({cut(reason)})", file=text, field=label) from None
    if not is_file:
        shown = path.relative_to(base) if inside else path
        raise InputError(f"file not found (looked for {cut(shown)})", file=text, field=label)
    return path


def read_table(
    source: Any,
    *,
    base_dir: Path,
    label: str,
    sheet: str | None = None,
    columns: list[Column] | None = None,
    header_row: int | None = None,
) -> tuple[pd.DataFrame, str]:
    """Read one table as text; return it with the name to use in messages.

    The frame's `attrs` hold `sheet_rows` (the row number of each data row, as shown to the user) and
    `header_row`. Whether the path may lead outside the scenario's folder is checked by the caller
    (`load_scenario` checks every path a scenario names before anything reads it).

    Args:
        source: a path relative to base_dir, an inline list of row mappings, or an object with `path` (and
            optionally `sheet`, `header_row`) such as the scenario's TableFile.
        base_dir: the scenario file's folder.
        label: the scenario key (communities, buildings, options, ...), used in messages.
        sheet: sheet name for Excel files.
        columns: the columns the table declares, to find the header below title rows and to match aliases.
        header_row: the header's row number (1 = first row); absent = found (the first row naming at least two
            known columns), or row 1.
    """
    if hasattr(source, "path"):
        sheet = getattr(source, "sheet", None) or sheet
        header_row = getattr(source, "header_row", None) or header_row
        source = source.path
    if isinstance(source, (list, tuple)):
        return _inline_frame(source, label, columns)
    path = resolve_input(source, base_dir=base_dir, label=label, allow_outside=True)
    where = str(source) if sheet is None else f"{source} (sheet {sheet})"
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        rows = _csv_rows(path, where)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _excel_rows(path, where, sheet)
    elif suffix in (".geojson", ".json"):
        return _geojson_frame(path, where, columns), where
    else:
        raise InputError(
            f"unknown table format '{cut(suffix)}'; expected .csv, .xlsx or .geojson (save .xls files as .xlsx)",
            file=where,
        )
    return _frame_from_rows(rows, where, columns, header_row), where


def read_input_bytes(path: Path, where: str) -> bytes:
    """The bytes of an input file, or an InputError saying why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read the file ({err.strerror})", file=where) from None


def _csv_rows(path: Path, where: str) -> list[list[str]]:
    raw = read_input_bytes(path, where)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte {err.start} cannot be decoded); save the file as UTF-8 "
            "(Excel: 'CSV UTF-8'; GBK/GB18030 files must be converted)",
            file=where,
            line=line,
        ) from None
    if not text.strip():
        raise InputError("the file is empty; expected a header line and at least one data row", file=where)
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            rows.append([cell.strip() for cell in row])
    except csv.Error as err:
        limit = csv.field_size_limit()
        reason = f"a cell is longer than {limit:,} characters" if "field limit" in str(err) else cut(err)
        raise InputError(f"not a well-formed CSV table ({reason})", file=where, row=len(rows) + 1) from None
    return rows


def _excel_rows(path: Path, where: str, sheet: str | None) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for a broken workbook
        raise InputError(f"not a readable .xlsx workbook ({type(err).__name__})", file=where) from None
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise InputError(
                f"no sheet named '{cut(sheet)}'; the workbook has: {cut(', '.join(names), 200)}",
                file=where,
                field="sheet",
            )
        page = book[sheet] if sheet is not None else book.worksheets[0]
        if not hasattr(page, "iter_rows"):
            raise InputError("the sheet holds no cells (a chart sheet?)", file=where, field="sheet")
        return [[_cell_text(v) for v in row] for row in page.iter_rows(values_only=True)]
    except InputError:
        raise
    except Exception as err:  # noqa: BLE001 - a damaged sheet
        raise InputError(f"cannot read the sheet ({type(err).__name__})", file=where) from None
    finally:
        book.close()


def _cell_text(value: Any) -> str:
    """An Excel cell as text: whole numbers without '.0', dates in ISO form, empty cells as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _frame_from_rows(
    rows: list[list[str]], where: str, columns: list[Column] | None, header_row: int | None
) -> pd.DataFrame:
    """Rows of cells (row i = spreadsheet row i + 1) -> a frame below the header row; blank rows dropped."""
    if header_row is None:
        header_row = _find_header(rows, columns)
    if header_row > len(rows):
        raise InputError(f"header_row {header_row} is beyond the last row ({len(rows)})", file=where)
    header = list(rows[header_row - 1])
    while header and not header[-1]:
        header.pop()
    if not header:
        raise InputError("the header row is empty; expected column names", file=where, row=header_row)
    width = len(header)
    body, numbers = [], []
    for number, row in enumerate(rows[header_row:], start=header_row + 1):
        if not any(row):
            continue
        if len(row) > width and any(row[width:]):
            raise InputError(
                f"a value beyond the header's last column ({width} columns); every value needs a column name",
                file=where,
                row=number,
            )
        body.append((row + [""] * width)[:width])
        numbers.append(number)
    named = [i for i, name in enumerate(header) if name]  # cells under a blank header are not a column
    frame = pd.DataFrame([[r[i] for i in named] for r in body], columns=[header[i] for i in named], dtype=object)
    if frame.empty:
        raise InputError("the table has no data rows; at least one row is needed", file=where)
    frame.attrs.update(sheet_rows=tuple(numbers), header_row=header_row)
    return frame


def _find_header(rows: list[list[str]], columns: list[Column] | None) -> int:
    """The first row naming at least two of the declared columns (title rows above it are skipped)."""
    first = next((i for i, row in enumerate(rows) if any(row)), 0) + 1
    if not columns:
        return first
    known = header_names([c.name for c in columns])
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(_canonical(cell, known) is not None for cell in row if cell) >= 2:
            return i + 1
    return first


def _canonical(header: str, known: dict[str, str]) -> str | None:
    """The canonical column a header names (ignoring a bracketed unit), or None."""
    name = known.get(normalise(header))
    if name is None:
        base, unit = split_unit(header)
        name = known.get(normalise(base)) if unit is not None else None
    return name


def _scalar(value: Any, where: str, row: int, field: str) -> str:
    if isinstance(value, (dict, list, tuple)):
        raise InputError(
            "expected a single value (text or a number), not a list or mapping", file=where, row=row, field=str(field)
        )
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _inline_frame(source: list, label: str, columns: list[Column] | None) -> tuple[pd.DataFrame, str]:
    where = f"scenario '{label}' (inline)"
    if not source:
        raise InputError("the table is empty; at least one row is needed", file=where)
    header: dict[str, None] = {}
    for number, item in enumerate(source, start=1):
        if not isinstance(item, dict):
            raise InputError("expected a mapping of column: value", file=where, row=number)
        header.update(dict.fromkeys(str(k) for k in item))
    cells = [
        [_scalar(v, where, n, k) for k, v in ((k, {str(a): b for a, b in item.items()}.get(k)) for k in header)]
        for n, item in enumerate(source, start=1)
    ]
    frame = pd.DataFrame(cells, columns=list(header), dtype=object)
    frame.attrs.update(sheet_rows=tuple(range(1, len(source) + 1)), header_row=None)
    return frame, where


class _Pairs(dict):
    """A JSON object that remembers the keys it was given more than once."""

    repeated: tuple[str, ...] = ()


def _pairs(pairs: list[tuple[str, Any]]) -> _Pairs:
    out = _Pairs(pairs)
    if len(out) < len(pairs):
        seen: set[str] = set()
        out.repeated = tuple(k for k, _ in pairs if k in seen or seen.add(k))
    return out


def _geojson_frame(path: Path, where: str, columns: list[Column] | None) -> pd.DataFrame:
    """Points only: x, y come from the geometry (a property naming x or y is ignored), the rest from properties."""
    try:
        doc = json.loads(read_input_bytes(path, where).decode("utf-8-sig"), object_pairs_hook=_pairs)
    except (UnicodeDecodeError, ValueError) as err:
        raise InputError(f"not valid UTF-8 JSON ({cut(err)})", file=where) from None
    except RecursionError:
        raise InputError("not valid GeoJSON: nested too deeply", file=where) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InputError("expected a GeoJSON FeatureCollection", file=where)
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise InputError("expected a non-empty list of features", file=where, field="features")
    known = header_names([c.name for c in columns]) if columns else {}
    rows: list[dict[str, str]] = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise InputError("expected a Feature object", file=where, row=number)
        geometry = feature.get("geometry")
        xy = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if (
            not isinstance(geometry, dict)
            or geometry.get("type") != "Point"
            or not isinstance(xy, list)
            or len(xy) < 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in xy[:2])
        ):
            raise InputError(
                "expected a Point geometry with [x, y] coordinates", file=where, row=number, field="geometry"
            )
        props = feature.get("properties")
        if props is None:
            props = _Pairs()
        if not isinstance(props, dict):
            raise InputError(
                "expected properties as an object of name: value", file=where, row=number, field="properties"
            )
        if getattr(props, "repeated", ()):
            raise InputError(
                "the properties give this name more than once", file=where, row=number, field=props.repeated[0]
            )
        kept = {str(k): v for k, v in props.items() if _canonical(str(k), known) not in ("x", "y")}
        row = {k: _scalar(v, where, number, k) for k, v in kept.items()}
        row["x"], row["y"] = repr(float(xy[0])), repr(float(xy[1]))
        rows.append(row)
    header = list(dict.fromkeys(k for row in rows for k in row))
    frame = pd.DataFrame([[row.get(k, "") for k in header] for row in rows], columns=header, dtype=object)
    frame.attrs.update(sheet_rows=tuple(range(1, len(rows) + 1)), header_row=None)
    return frame


def sheet_row(table: pd.DataFrame | pd.Series, position: int) -> int:
    """The row number the user sees for the data row at `position` (0-based) of a table read here.

    Tables not read by `read_table` count as a spreadsheet would: header row 1, first data row 2.
    """
    rows = table.attrs.get("sheet_rows")
    if rows is not None and len(rows) == len(table):
        return int(rows[position])
    return position + 2


def header_row_of(table: pd.DataFrame) -> int | None:
    """The header's row number (None for inline tables and GeoJSON, which have no header row)."""
    return table.attrs.get("header_row", 1)


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
