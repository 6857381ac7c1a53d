"""Read the scenario's tables (CSV, Excel, GeoJSON or inline lists) and check them column by column.

Every problem is reported as an InputError naming the file, the data row (1 = first row after the header)
and the column, with what was expected. Checks are vectorised: one pass per column, the first bad row named.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError


@dataclass(frozen=True)
class Column:
    """What a column must hold.

    Attributes:
        name: column header.
        kind: "id" (non-empty text), "text", "number", "int" or "choice".
        required: the column must be present.
        min: smallest allowed value (numbers).
        min_exclusive: the value must be strictly greater than `min`.
        allow_missing: empty cells are allowed (become NaN / "").
        choices: allowed values for kind "choice".
    """

    name: str
    kind: str = "number"
    required: bool = True
    min: float | None = None
    min_exclusive: bool = False
    allow_missing: bool = False
    choices: tuple[str, ...] = ()


def read_table(source: Any, *, base_dir: Path, label: str, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read one table as strings; return it with the name to use in messages.

    Args:
        source: a path (str) relative to base_dir, or an inline list of row mappings.
        base_dir: the scenario file's folder.
        label: the scenario key (communities, buildings, options), used for inline tables.
        sheet: sheet name for Excel files.
    """
    if isinstance(source, list):
        where = f"scenario '{label}' (inline)"
        if not source:
            raise InputError("the table is empty; at least one row is needed", file=where)
        frame = pd.DataFrame.from_records(source)
        return frame.map(lambda v: "" if v is None else str(v)).astype(str), where
    path = (base_dir / str(source)).resolve()
    where = str(source)
    if not path.is_file():
        raise InputError(f"file not found (looked for {path})", file=where, field=label)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        frame = _read_csv(path, where)
    elif suffix in (".xlsx", ".xlsm"):
        frame = _read_excel(path, where, sheet)
    elif suffix in (".geojson", ".json"):
        frame = _read_geojson(path, where)
    else:
        raise InputError(f"unknown table format '{suffix}'; expected .csv, .xlsx or .geojson", file=where)
    if frame.empty:
        raise InputError("the table has no data rows; at least one row is needed", file=where)
    return frame, where


def _read_csv(path: Path, where: str) -> pd.DataFrame:
    raw = path.read_bytes()
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
    from io import StringIO

    try:
        frame = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.ParserError as err:
        raise InputError(f"not a well-formed CSV table: {err}", file=where) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip())


def _read_excel(path: Path, where: str, sheet: str | None) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=str, keep_default_na=False, engine="openpyxl")
    except ValueError as err:
        raise InputError(f"cannot read the sheet: {err}", file=where) from None
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for a broken workbook
        raise InputError(f"not a readable .xlsx workbook ({type(err).__name__}: {err})", file=where) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.astype(str).apply(lambda col: col.str.strip())


def _read_geojson(path: Path, where: str) -> pd.DataFrame:
    """Points only: x, y come from the geometry, the other columns from the properties."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"not valid UTF-8 GeoJSON: {err}", file=where) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InputError("expected a GeoJSON FeatureCollection", file=where)
    rows = []
    for number, feature in enumerate(doc.get("features", []), start=1):
        geometry = (feature or {}).get("geometry") or {}
        if geometry.get("type") != "Point" or len(geometry.get("coordinates", [])) < 2:
            raise InputError(
                "expected a Point geometry with [x, y] coordinates", file=where, row=number, field="geometry"
            )
        props = dict(feature.get("properties") or {})
        props["x"], props["y"] = geometry["coordinates"][:2]
        rows.append(props)
    if not rows:
        raise InputError("the FeatureCollection has no features", file=where)
    frame = pd.DataFrame.from_records(rows)
    return frame.map(lambda v: "" if v is None else str(v)).astype(str)


def check_columns(frame: pd.DataFrame, columns: list[Column], where: str, allow_extra: bool = True) -> pd.DataFrame:
    """Convert and check the declared columns; keep undeclared ones as text.

    Returns:
        A new frame: numbers as float (NaN where missing and allowed), ints as float-valued whole numbers,
        text stripped.
    """
    out = frame.copy()
    present = set(frame.columns)
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise InputError(f"the header repeats column(s) {duplicated}", file=where, row=0)
    for col in columns:
        if col.name not in present:
            if col.required:
                raise InputError(
                    f"missing column '{col.name}' (the header has: {', '.join(frame.columns)})",
                    file=where,
                    field=col.name,
                )
            continue
        out[col.name] = _convert(frame[col.name], col, where)
    if not allow_extra:
        unknown = sorted(present - {c.name for c in columns})
        if unknown:
            raise InputError(f"unknown column(s) {unknown}; expected only {[c.name for c in columns]}", file=where)
    return out


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0]) + 1


def _convert(values: pd.Series, col: Column, where: str) -> pd.Series:
    text = values.astype(str).str.strip()
    missing = (text == "").to_numpy().copy()
    if col.allow_missing:  # spreadsheet exports write NaN / None for empty cells
        missing |= text.str.lower().isin(["nan", "none", "null"]).to_numpy()
    if missing.any() and not col.allow_missing:
        row = _first_bad(missing)
        raise InputError("empty value; expected " + _expected(col), file=where, row=row, field=col.name)
    if col.kind in ("id", "text", "choice"):
        if col.kind == "choice":
            bad = ~text.isin(col.choices).to_numpy() & ~missing
            if bad.any():
                row = _first_bad(bad)
                raise InputError(
                    f"unknown value '{text.iloc[row - 1]}'; expected one of {', '.join(col.choices)}",
                    file=where,
                    row=row,
                    field=col.name,
                )
        if col.kind == "id":
            dup = text.duplicated(keep="first").to_numpy()
            if dup.any():
                row = _first_bad(dup)
                first = int(np.flatnonzero((text == text.iloc[row - 1]).to_numpy())[0]) + 1
                raise InputError(
                    f"duplicate id '{text.iloc[row - 1]}' (first seen in row {first}); ids must be unique",
                    file=where,
                    row=row,
                    field=col.name,
                )
        return text.where(~missing, "")
    numbers = pd.to_numeric(text.where(~missing, "nan"), errors="coerce").to_numpy(dtype=float)
    bad = (np.isnan(numbers) & ~missing) | np.isinf(numbers)
    if bad.any():
        row = _first_bad(bad)
        raise InputError(
            f"'{text.iloc[row - 1]}' is not a finite number; expected {_expected(col)}",
            file=where,
            row=row,
            field=col.name,
        )
    if col.kind == "int":
        frac = ~np.isnan(numbers) & (numbers != np.round(numbers))
        if frac.any():
            row = _first_bad(frac)
            raise InputError(f"'{text.iloc[row - 1]}' is not a whole number", file=where, row=row, field=col.name)
    if col.min is not None:
        low = numbers <= col.min if col.min_exclusive else numbers < col.min
        low &= ~np.isnan(numbers)
        if low.any():
            row = _first_bad(low)
            raise InputError(
                f"value {text.iloc[row - 1]} is out of range; expected {_expected(col)}",
                file=where,
                row=row,
                field=col.name,
            )
    return pd.Series(numbers, index=values.index, name=col.name)


def _expected(col: Column) -> str:
    if col.kind == "id":
        return "a non-empty, unique id"
    if col.kind == "choice":
        return "one of " + ", ".join(col.choices)
    if col.kind == "text":
        return "text"
    what = "a whole number" if col.kind == "int" else "a number"
    if col.min is not None:
        what += f" {'>' if col.min_exclusive else '≥'} {col.min:g}"
    return what
