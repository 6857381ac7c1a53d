"""'FROM:TO:STEP' ranges of swept values (budgets, coverage targets), read the same way by every command."""

from __future__ import annotations

import numpy as np


def parse_range(text: str, limit: int) -> list[float]:
    """'FROM:TO:STEP' -> [FROM, FROM + STEP, ..., TO] (TO included when the steps reach it).

    Args:
        text: the range as typed.
        limit: most values accepted.

    Raises:
        ValueError: not three numbers, STEP <= 0, FROM > TO, or more than `limit` values (the message says which).
    """
    parts = str(text).split(":")
    try:
        start, stop, step = (float(p) for p in parts)
    except ValueError:
        raise ValueError(f"expected FROM:TO:STEP (three numbers), got {text!r}") from None
    if not np.isfinite([start, stop, step]).all():
        raise ValueError(f"expected FROM:TO:STEP (three numbers), got {text!r}")
    if step <= 0 or start > stop:
        raise ValueError(f"expected FROM <= TO and STEP > 0, got {text!r}")
    count = int(np.floor((stop - start) / step + 1e-9)) + 1
    if count > limit:
        raise ValueError(f"{count} points; at most {limit} (choose a larger STEP)")
    return [float(np.round(start + i * step, 9)) for i in range(count)]
