"""Helpers shared by the walking-distance sources (OD tables, walking networks): reading tables and ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError, cut
from siting.scenario.readers import read_table, sheet_row
from siting.scenario.tables import Column, check_columns


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
