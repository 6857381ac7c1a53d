"""report.xlsx: the plan as a workbook officers can filter and sum, written with XlsxWriter.

One sheet per view (siting.report.views): header row frozen with units in it, filters on, numbers stored as
numbers with their format (万元 with two decimals, %, persons, m²). Text goes in as text only (never as a
formula). The bytes are deterministic: fixed document properties and XlsxWriter's fixed zip timestamps.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from siting.report.lang import Text
from siting.report.plan_views import plan_views
from siting.report.tables import service_labels
from siting.report.views import KINDS, Study, View

FIXED_TIME = datetime(2000, 1, 1)
MAX_WIDTH = 60


def cell_text(value: str) -> str:
    """Text of a cell, the one place text enters the workbook (stored as a string, never as a formula)."""
    return value


def _sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name: without the characters Excel forbids, at most 31 characters."""
    base = re.sub(r"[\[\]:*?/\\]", " ", name).strip()[:31] or "Sheet"
    out, n = base, 2
    while out.lower() in taken:
        out = f"{base[: 31 - len(str(n)) - 1]} {n}"
        n += 1
    taken.add(out.lower())
    return out


def _width(text: str) -> float:
    """Display width of text in Excel characters (wide CJK characters count twice)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _write_view(book: xlsxwriter.Workbook, view: View, name: str, formats: dict[str, Any]) -> None:
    sheet = book.add_worksheet(name)
    titles = [c.title for c in view.columns]
    widths = [min(MAX_WIDTH, max(8.0, _width(title) * 0.9 + 2)) for title in titles]
    sheet.set_row(0, None, formats["header"])
    for j, title in enumerate(titles):
        sheet.write_string(0, j, cell_text(title), formats["header"])
    rows = view.cells()
    for i, row in enumerate(rows, start=1):
        for j, (text, value, kind) in enumerate(row):
            if value is None:
                sheet.write_blank(i, j, None)
            elif kind == "text" or isinstance(value, str):
                sheet.write_string(i, j, cell_text(str(value)), formats["text"])
                widths[j] = min(MAX_WIDTH, max(widths[j], _width(str(value)) + 2))
            else:
                sheet.write_number(i, j, float(value), formats[kind])
                widths[j] = max(widths[j], len(text) + 2)
    for j, width in enumerate(widths):
        sheet.set_column(j, j, round(width, 1))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), max(len(titles) - 1, 0))


def write_workbook(path: Path, views: list[View], title: str = "") -> None:
    """Write the views to `path`, one sheet each, in order."""
    book = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    book.set_properties({"title": title, "author": "siting", "created": FIXED_TIME, "comments": ""})
    book.set_custom_property("generator", "siting")
    formats = {kind: book.add_format({"num_format": fmt}) for kind, (_, fmt) in KINDS.items()}
    formats["header"] = book.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DCE6F1", "border": 1}
    )
    taken: set[str] = set()
    for view in views:
        _write_view(book, view, _sheet_name(view.sheet or view.title, taken), formats)
    book.close()


def run_views(result, t: Text, study: Study | None = None) -> list[View]:
    """The sheets of a run's workbook, in order (a study's sheets after the plan's)."""
    sheets = ("summary", "buildings", "existing", "coverage", "districts", "not_covered", "assumptions")
    views = plan_views(result, t, sheets)
    if study is not None:
        views += study.views(service_labels(result, t), t)
    return views


def write(path: Path, result, lang: str = "both", study: Study | None = None) -> None:
    """report.xlsx of one run."""
    t = Text(lang)
    write_workbook(path, run_views(result, t, study), title=f"siting: {result.scenario.config.name}")
