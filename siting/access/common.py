"""Helpers shared by the walking-distance sources (OD tables, walking networks): reading tables and ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError
from siting.scenario.tables import Column, check_columns, read_table


def read_checked(
    source: Any, columns: list[Column], *, base_dir: Path, label: str, sheet: str | None = None
) -> tuple[pd.DataFrame, str]:
    """Read a table with `read_table` and check it with `check_columns`.

    Args:
        source: a path relative to base_dir, an inline list of row mappings, a mapping {path, sheet} or an
            object with `path` and `sheet` attributes (the scenario's TableFile).
        columns: the columns to check.
        base_dir: the folder paths are relative to (the scenario file's folder).
        label: the scenario key, used in messages.
        sheet: Excel sheet name (overridden by one given with the source).

    Returns:
        The checked frame and the name to use in messages.
    """
    if isinstance(source, dict):
        source, sheet = source.get("path"), source.get("sheet", sheet)
    elif hasattr(source, "path"):
        source, sheet = source.path, getattr(source, "sheet", None) or sheet
    if isinstance(source, Path):
        source = str(source)
    frame, where = read_table(source, base_dir=Path(base_dir), label=label, sheet=sheet)
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
        row = int(np.flatnonzero(missing)[0]) + 1
        raise InputError(
            f"unknown {what} '{values.iloc[row - 1]}'; it is not in the {what} ids "
            f"({len(known)} known, e.g. {', '.join(map(str, known[:3]))})",
            file=where,
            row=row,
            field=field,
        )
    return position.astype(np.int64)
