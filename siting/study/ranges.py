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
    steps = (stop - start) / step  # infinite when STEP is tiny (1e-320)
    count = int(np.floor(steps + 1e-9)) + 1 if np.isfinite(steps) else None
    if count is None or count > limit:
        raise ValueError(f"{count or 'infinitely many'} points; at most {limit} (choose a larger STEP)")
    return [_rounded(start + i * step) for i in range(count)]


def _rounded(value: float) -> float:
    """`value` rounded to 9 decimals (0.1 + 0.2 gives 0.3); beyond 1e299 as it is (numpy's × 1e9 would overflow)."""
    with np.errstate(over="ignore"):
        rounded = float(np.round(value, 9))
    return rounded if np.isfinite(rounded) else value
