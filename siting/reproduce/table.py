"""Print reproduction rows: a fixed-width text table (one line per instance, as it goes) and a markdown table."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from siting.reproduce.runner import CSV_COLUMNS, Row

__all__ = ["DECIMALS", "frame", "markdown", "text_header", "text_line"]

#: Decimals shown per set (CSV files keep full precision).
DECIMALS = {"orlib-pmed": 0, "orlib-cap": 4, "sjc-cpmp": 4, "sjc-mclp": 0}

_TEXT = (
    ("instance", 13, "<"),
    ("size", 16, "<"),
    ("published", 16, ">"),
    ("ours", 16, ">"),
    ("diff", 10, ">"),
    ("status", 11, "<"),
    ("gap", 9, ">"),
    ("seconds", 8, ">"),
)


def _number(value: float | None, decimals: int, sign: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if decimals == 0 and abs(value - round(value)) > 1e-6:
        decimals = 4  # never hide a fraction where an integer was expected
    value = round(value, decimals) + 0.0  # no "-0.0000"
    return f"{value:+.{decimals}f}" if sign else f"{value:.{decimals}f}"


def _gap(value: float | None) -> str:
    return "—" if value is None else f"{value:.1e}"


def _same_sites(row: Row) -> bool:
    """True when every client is also the candidate site (p-median, CPMP, MCLP), not facility location."""
    return row.set != "orlib-cap" and row.m == row.n


def size(row: Row) -> str:
    """``100 p=5``, ``50 m=16`` (customers and warehouses), ``324 p=10 S=800``."""
    text = f"{row.n}" if _same_sites(row) else f"{row.n} m={row.m}"
    if row.p is not None:
        text += f" p={row.p}"
    if row.radius is not None:
        text += f" S={row.radius:g}"
    return text


def _cells(row: Row) -> list[str]:
    dec = DECIMALS.get(row.set, 4)
    return [
        row.instance,
        size(row),
        _number(row.published, dec),
        _number(row.ours, dec),
        _number(row.difference, dec, sign=True),
        row.status,
        _gap(row.gap),
        f"{row.seconds:.1f}",
    ]


def _bounds(row: Row) -> str:
    dec = DECIMALS.get(row.set, 4)
    return f"bound {_number(row.bound, dec)}, LP bound {_number(row.lp_bound, dec)}"


def text_header(with_bounds: bool = False) -> str:
    """The header line of the text table (with the bound columns when there are no published values)."""
    head = " ".join(f"{name:{align}{width}}" for name, width, align in _TEXT)
    return head + ("  bounds (MIP, LP)" if with_bounds else "") + "  verdict"


def text_line(row: Row, with_bounds: bool = False) -> str:
    """One row of the text table."""
    line = " ".join(f"{cell:{align}{width}}" for cell, (_, width, align) in zip(_cells(row), _TEXT))
    return line + (f"  {_bounds(row)}" if with_bounds else "") + f"  {row.verdict}"


def markdown(rows: Iterable[Row], with_bounds: bool = False) -> str:
    """A markdown table: instance, n, p, published, ours, diff, status, gap, seconds, verdict."""
    head = ["instance", "n", "p", "published", "ours", "diff", "status", "gap", "seconds"]
    if with_bounds:
        head += ["MIP bound", "LP bound"]
    head.append("verdict")
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for row in rows:
        n = f"{row.n}" if _same_sites(row) else f"{row.n} (m={row.m})"
        p = "—" if row.p is None else f"{row.p}" + (f" (S={row.radius:g})" if row.radius is not None else "")
        cells = [row.instance, n, p, *_cells(row)[2:]]
        if with_bounds:
            dec = DECIMALS.get(row.set, 4)
            cells += [_number(row.bound, dec), _number(row.lp_bound, dec)]
        cells.append(row.verdict.replace("|", "/"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def frame(rows: Iterable[Row]) -> pd.DataFrame:
    """The rows as a DataFrame with :data:`~siting.reproduce.runner.CSV_COLUMNS` (for results.csv)."""
    return pd.DataFrame([r.record() for r in rows], columns=list(CSV_COLUMNS))
