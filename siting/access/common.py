"""Helpers shared by the walking-distance sources (OD tables, walking networks): units and table reading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError, cut
from siting.scenario.tables import Column, check_columns, read_table, sheet_row

ELDERLY_WALK_SPEED_KMH = 4.7  # typical walking speed of older people, km/h (≈ 78.3 m/min)


def speed_m_per_min(speed_kmh: float) -> float:
    """Walking speed in metres per minute from km/h (4.7 km/h → 78.33 m/min).

    Raises:
        ValueError: the speed is not a finite number > 0.
    """
    speed = float(speed_kmh)
    if not np.isfinite(speed) or speed <= 0:
        raise ValueError(f"walking speed must be a finite number > 0 km/h, got {speed_kmh!r}")
    return speed * 1000.0 / 60.0


def minutes_to_metres(minutes: float | np.ndarray, speed_kmh: float) -> float | np.ndarray:
    """Distance walked in `minutes` at `speed_kmh` (15 min at 4.7 km/h → 1175 m).

    Args:
        minutes: a number or an array of minutes.
        speed_kmh: walking speed in km/h (elderly people: about 4.7).

    Returns:
        Metres, a float for a scalar input, an array otherwise.
    """
    metres = np.asarray(minutes, dtype=float) * speed_m_per_min(speed_kmh)
    return float(metres) if metres.ndim == 0 else metres


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


def lookup_ids(values: pd.Series, known: pd.Index, *, where: str, field: str, what: str) -> np.ndarray:
    """Row positions of `values` in `known`; an InputError names the first value not in `known`.

    Args:
        values: ids read from a table (text).
        known: the valid ids (compared as text), unique.
        where: the file name for messages.
        field: the column name for messages.
        what: what the ids are, e.g. "community" or "node".
    """
    known = pd.Index(known.astype(str))
    if not known.is_unique:
        raise ValueError(f"the {what} ids are not unique")
    position = known.get_indexer(values.astype(str))
    missing = position < 0
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        raise InputError(
            f"unknown {what} '{cut(values.iloc[first])}'; it is not in the {what} ids "
            f"({len(known)} known, e.g. {cut(', '.join(map(str, known[:3])))})",
            file=where,
            row=sheet_row(values, first),
            field=field,
        )
    return position.astype(np.int64)
