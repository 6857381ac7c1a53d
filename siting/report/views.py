"""The report's tables as views: a title, typed columns with bilingual headers and units, and the rows.

report.html and report.xlsx render the same views, so a figure reads the same in both: the column kind says
how a value is shown (元 as 万元, shares as %, persons, m², metres) and which number format the workbook uses.
The views of one plan are in `siting.report.plan_views`; a study's (frontier, comparison, sweep) are here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from siting.report.lang import Text

KINDS: dict[str, tuple[str, str]] = {
    # kind: (unit shown in the header, Excel number format)
    "text": ("", "@"),
    "int": ("", "#,##0"),
    "wan": ("万元", "#,##0.00"),
    "wan_year": ("万元/年", "#,##0.00"),
    "pct": ("%", "0.0%"),
    "persons": ("人", "#,##0"),
    "units": ("", "#,##0.0"),
    "m2": ("m²", "#,##0"),
    "m": ("m", "#,##0"),
    "coord": ("", "0.######"),
    "num": ("", "General"),
    "by_row": ("", "General"),
}


@dataclass(frozen=True)
class Column:
    """One column: the field of the frame, its header (without unit) and its kind (see KINDS)."""

    field: str
    header: str
    kind: str = "text"

    @property
    def unit(self) -> str:
        """Unit shown in the header, e.g. 万元."""
        return KINDS[self.kind][0]

    @property
    def title(self) -> str:
        """Header with its unit: '一次性投入 One-off (万元)'."""
        return f"{self.header} ({self.unit})" if self.unit and self.kind != "pct" else self.header

    def value(self, raw: Any) -> Any:
        """The number or text stored for this cell (元 become 万元); None when missing."""
        if raw is None or (isinstance(raw, float) and not np.isfinite(raw)):
            return None
        if self.kind == "text":
            return str(raw)
        if isinstance(raw, (bool, np.bool_)):
            return int(raw)
        value = float(raw)
        return value / 1e4 if self.kind in ("wan", "wan_year") else value

    def text(self, raw: Any) -> str:
        """The cell as shown in HTML."""
        value = self.value(raw)
        if value is None:
            return "—"
        if self.kind == "text":
            return value
        return FORMATS[self.kind](value)


FORMATS: dict[str, Callable[[float], str]] = {
    "int": lambda v: f"{v:,.0f}",
    "wan": lambda v: f"{v:,.2f}",
    "wan_year": lambda v: f"{v:,.2f}",
    "pct": lambda v: f"{v:.1%}",
    "persons": lambda v: f"{v:,.0f}",
    "units": lambda v: f"{v:,.1f}",
    "m2": lambda v: f"{v:,.0f}",
    "m": lambda v: f"{v:,.0f}",
    "coord": lambda v: f"{v:.6f}".rstrip("0").rstrip("."),  # as Excel's 0.######: lon/lat to about 0.1 m
    "num": lambda v: f"{v:g}",
}


@dataclass(frozen=True)
class View:
    """A titled table: `frame` holds one column per Column.field."""

    key: str
    title: str
    columns: list[Column]
    frame: pd.DataFrame
    note: str = ""
    sheet: str = ""

    def cells(self) -> list[list[tuple[str, Any, str]]]:
        """Rows of (text, value, kind) triples; a column of kind "by_row" takes each row's kind from `kind`."""
        data = [self.frame[c.field].tolist() for c in self.columns]
        kinds = self.frame["kind"].tolist() if "kind" in self.frame else [None] * len(self.frame)
        rows = []
        for row, row_kind in zip(zip(*data), kinds):
            cells = []
            for c, raw in zip(self.columns, row):
                col = Column(c.field, c.header, row_kind) if c.kind == "by_row" else c
                cells.append((col.text(raw), col.value(raw), col.kind))
            rows.append(cells)
        return rows


def plan_columns(t: Text, status: str = "status", net: bool = False) -> list[Column]:
    """A plan's figures as one row of a study shows them: status (in the field `status`), gap, objective, costs.

    With `net`, the yearly cost is annual_net (see with_net_annual): what the yearly budget bounds.
    """
    annual = Column("annual_net", t("年度费用净额", "Yearly net"), "wan_year") if net else None
    return [
        Column(status, t("状态", "Status")),
        Column("gap", t("差距", "Gap"), "pct"),
        Column("objective", t("加权覆盖需求", "Weighted covered demand"), "units"),
        Column("capex", t("一次性投入", "One-off"), "wan"),
        annual or Column("annual", t("年度费用", "Yearly"), "wan_year"),
        Column("npv", t("净现值成本", "Net present cost"), "wan"),
        Column("buildings", t("建筑数", "Buildings"), "int"),
    ]


def share_columns(table: pd.DataFrame, labels: dict[str, str], t: Text) -> list[Column]:
    """share.<service> of each service in `labels` (key -> label in the report's language) that the table has."""
    return [
        Column(f"share.{key}", f"{label}: {t('覆盖率', 'covered share')}", "pct")
        for key, label in labels.items()
        if f"share.{key}" in table.columns
    ]


STATUS_LABELS: dict[str, tuple[str, str]] = {
    "optimal": ("最优", "optimal"),
    "feasible": ("可行（未证最优）", "feasible (not proven optimal)"),
    "infeasible": ("不可行", "infeasible"),
    "no_solution": ("限时内无方案", "no plan in time"),
    "failed": ("失败", "failed"),
}
#: The swept value of a frontier: (field, (zh, en) header, column kind) per kind of sweep.
SWEPT: dict[str, tuple[str, tuple[str, str], str]] = {
    "capex": ("budget", ("一次性预算", "One-off budget"), "wan"),
    "annual": ("budget", ("年度预算", "Yearly budget"), "wan_year"),
    "target": ("target", ("覆盖目标", "Target share"), "pct"),
}


def with_net_annual(table: pd.DataFrame) -> pd.DataFrame:
    """The table with annual_net = annual − annual_freed: new yearly spending net of what closures free."""
    freed = table["annual_freed"].fillna(0.0) if "annual_freed" in table else 0.0
    return table.assign(annual_net=table["annual"] - freed) if "annual" in table else table


def named(ids: pd.Series, names: dict[str, str]) -> list[str]:
    """';'-joined ids (e.g. the closed facilities of frontier.csv) as 'name (id)、...' where the name is known."""
    return [
        "、".join(f"{names[i]} ({i})" if names.get(i) else i for i in str(v).split(";") if i) if pd.notna(v) else ""
        for v in ids
    ]


SWEEP_LABELS: dict[str, tuple[str, str]] = {"free": ("自由方案", "free"), "nested": ("嵌套方案", "nested")}


def note_labels(notes: pd.Series, t: Text) -> list[str]:
    """frontier.csv's notes for reading: "= free p07" (that point's plan answers this one) in words; others as given."""

    def label(note: object) -> str:
        if not isinstance(note, str) or not note.startswith("= "):
            return "" if pd.isna(note) else str(note)
        sweep, _, point = note[2:].partition(" ")
        if (sweep, point) == ("nested", "top"):
            return t("同最大预算下的嵌套方案", "same plan as the nested plan at the largest budget")
        point, _, why = point.partition(" ")
        zh, en = SWEEP_LABELS.get(sweep, (sweep, sweep))
        text = t(f"同{zh} {point}", f"same plan as {en} {point}")
        better = t("（比本点限时求得的方案更好）", " (better than this point's own solve found in time)")
        return text + (better if why else "")

    return [label(n) for n in notes]


def status_labels(statuses: pd.Series, t: Text) -> list[str]:
    """Each status (optimal, feasible, ...) in the report's language."""
    return [t(*STATUS_LABELS.get(s, (s, s))) for s in statuses]


def points_view(
    table: pd.DataFrame,
    labels: dict[str, str],
    t: Text,
    kind: str = "capex",
    key: str = "frontier",
    title: str = "",
    sheet: str = "",
    facilities: dict[str, str] | None = None,
) -> View:
    """One sweep of frontier.csv (free, nested or target points of `siting frontier`): a row per point.

    Args:
        table: the sweep's rows (columns as siting.study.frontier_table.frontier_table writes them; those missing are
            left out).
        labels: service key -> label in the report's language.
        t: the report's language.
        kind: capex, annual (budget sweeps) or target.
        key, title, sheet: the view's key, title and sheet name (default: the budget frontier).
        facilities: existing facility id -> name, to name the closed ones.
    """
    field_, header, unit = SWEPT[kind]
    columns = [
        Column("plan", t("方案", "Plan")),
        Column(field_, t(*header), unit),
        *plan_columns(t, status="status_label", net=True),
        Column("complexes", t("综合体", "Complexes"), "int"),
        Column("closed", t("关闭的现有设施", "Closed facilities")),
        Column("persons", t("加权服务人数", "Weighted persons served"), "persons"),
        Column("marginal_per_wan", t("每万元边际增益（人）", "Persons gained per 万元"), "units"),
        Column("knee_label", t("拐点", "Knee")),
        Column("nesting_price_persons", t("嵌套代价", "Price of nesting"), "persons"),
        *share_columns(table, labels, t),
        Column("note", t("说明", "Note")),
    ]
    table = with_net_annual(table)
    given = {c for c in table.columns if not table[c].replace("", np.nan).isna().all()}
    derived = {"status_label": "status", "knee_label": "knee"}
    shown = [c for c in columns if derived.get(c.field, c.field) in given]
    knee = table.get("knee", pd.Series(False, index=table.index))
    if "closed" in table:
        table = table.assign(closed=named(table["closed"], facilities or {}))
    if "note" in table:
        table = table.assign(note=note_labels(table["note"], t))
    frame = table.assign(
        status_label=status_labels(table.get("status", pd.Series("", index=table.index)), t),
        knee_label=["✓" if pd.notna(k) and bool(k) else "" for k in knee],
    )
    title = title or t("预算前沿", "Budget frontier")
    return View(key, title, shown, frame, sheet=sheet or (t("前沿", "Frontier") if key == "frontier" else title))


def frame_view(key: str, title: str, table: pd.DataFrame, sheet: str = "") -> View:
    """A study's own table (e.g. the buildings of `siting compare`) shown as given: numbers as numbers."""
    columns = [
        Column(str(c), str(c), "num" if pd.api.types.is_numeric_dtype(table[c]) else "text") for c in table.columns
    ]
    return View(key, title, columns, table, sheet=sheet or title)


@dataclass(frozen=True)
class Study:
    """Tables of a study (frontier, comparison) shown in a report beside or instead of one plan.

    Attributes:
        frontier: one row per budget point: budget (元), objective, knee and share.<service> per service, and
            any of status, gap, capex, annual, npv, buildings, marginal_per_wan (frontier.csv); charted, and
            shown first as the points view of `kind` unless a prepared view has the key "frontier".
        budget_label: (zh, en) name of the budget swept; default the one-off budget.
        kind: the budget swept in `frontier`: capex or annual.
        prepared: further views, labelled by the caller (e.g. the nested points, a comparison's tables).
        tables: further tables as (key, (zh, en) title, frame), shown as given (already labelled frames).
    """

    frontier: pd.DataFrame | None = None
    budget_label: tuple[str, str] | None = None
    kind: str = "capex"
    prepared: tuple[View, ...] = ()
    tables: tuple[tuple[str, tuple[str, str], pd.DataFrame], ...] = field(default_factory=tuple)

    def views(self, labels: dict[str, str], t: Text) -> list[View]:
        """The study's tables as views (frontier first; its default view unless one is prepared)."""
        out = list(self.prepared)
        if self.frontier is not None and not any(view.key == "frontier" for view in out):
            out.insert(0, points_view(self.frontier, labels, t, self.kind))
        return out + [frame_view(key, t(*title), frame, sheet=t(*title, " ")) for key, title, frame in self.tables]
