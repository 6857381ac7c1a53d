"""Read the scenario's tables (CSV, Excel, GeoJSON or inline lists) into frames of text cells.

Rows are numbered as a spreadsheet shows them: the header is row 1 and the first data row row 2 (title rows
above the header count too); in an inline table, row N is the N-th item of the list, in GeoJSON the N-th
feature. The frame's `attrs` keep each data row's number (`sheet_row`) for messages. Checking the cells
against the columns a table declares is `siting.scenario.tables.check_columns`.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from siting.errors import InputError, cut
from siting.scenario.aliases import header_names, normalise, split_unit

if TYPE_CHECKING:
    from siting.scenario.tables import Column

HEADER_SEARCH_ROWS = 20
"""Title rows above the header are looked for in this many first rows."""


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


def csv_text(raw: bytes, where: str) -> str:
    """The text of a CSV file: UTF-8 (with or without a byte-order mark), else GB18030.

    Excel on a Chinese Windows saves "CSV (逗号分隔)" in the ANSI code page, GBK, of which GB18030 is the
    superset; UTF-8 is tried first because a GBK file with Chinese text is almost never valid UTF-8.

    Raises:
        InputError: neither decodes; names the line of the first byte UTF-8 cannot decode.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        start = err.start
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise InputError(
            f"neither UTF-8 nor GBK/GB18030 text (byte {start} cannot be decoded); save the file as UTF-8 "
            "(Excel: 'CSV UTF-8')",
            file=where,
            line=raw[:start].count(b"\n") + 1,
        ) from None


def _csv_rows(path: Path, where: str) -> list[list[str]]:
    text = csv_text(read_input_bytes(path, where), where)
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
