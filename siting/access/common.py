"""Helpers shared by the walking-distance sources (OD tables, walking networks): looking up ids."""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.errors import InputError, cut
from siting.scenario.readers import sheet_row


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
