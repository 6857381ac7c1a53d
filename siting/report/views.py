"""The report's tables as views: a title, typed columns with bilingual headers and units, and the rows.

report.html and report.xlsx render the same views, so a figure reads the same in both: the column kind says
how a value is shown (元 as 万元, shares as %, persons, m², metres) and which number format the workbook uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from siting.report.lang import Text
from siting.report.served import REASONS
from siting.report.tables import (
    coverage_table,
    district_table,
    group_labels,
    scenario_warnings,
    selected_table,
    service_label,
    service_table,
)
from siting.scenario.schema import MODE_LABELS

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
    "coord": lambda v: f"{v:.6g}",
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


def _services(result, t: Text, keys: str) -> str:
    return "、".join(t(*service_label(result, k), "/") for k in keys.split(";") if k)


def _amounts(t: Text, covered: str = "covered", share: str = "share") -> list[Column]:
    """Persons and units side by side: of the group, covered, and the covered share."""
    return [
        Column("persons", t("服务人群人数", "Persons in the group"), "persons"),
        Column("persons_covered", t("已覆盖人数", "Persons covered"), "persons"),
        Column("demand", f"{t('需求', 'Demand')} ({t('单位', 'units')})", "units"),
        Column(covered, f"{t('已覆盖需求', 'Demand covered')} ({t('单位', 'units')})", "units"),
        Column(share, t("覆盖率", "Covered share"), "pct"),
    ]


def summary_view(result, t: Text) -> View:
    """Key figures: status, buildings, costs against budgets, coverage per service in persons and units."""
    ev, sol, cfg = result.evaluation, result.solution, result.scenario.config
    rows: list[tuple[str, Any, str]] = [
        (t("求解状态", "Status"), sol.status.value, "text"),
        (t("最优性差距", "Optimality gap"), sol.gap, "pct"),
        (t("选定建筑", "Buildings acquired"), len(ev.selected), "int"),
        (t("一次性投入", "One-off cost") + " (万元)", ev.capex / 1e4, "units"),
        (t("一次性预算", "One-off budget") + " (万元)", cfg.budget.capex / 1e4, "units"),
        (t("年度费用", "Yearly cost") + " (万元/年)", ev.annual / 1e4, "units"),
        (t("关闭释放的年度费用", "Yearly cost freed by closures") + " (万元/年)", ev.freed / 1e4, "units"),
        (
            t("年度预算", "Yearly budget") + " (万元/年)",
            None if cfg.budget.annual is None else cfg.budget.annual / 1e4,
            "units",
        ),
        (t("净现值成本", "Net present cost") + f" ({cfg.budget.horizon_years}a, 万元)", ev.npv / 1e4, "units"),
    ]
    for key, row in service_table(result).iterrows():
        name = t(*service_label(result, key))
        rows += [
            (f"{name}: {t('覆盖率', 'covered share')}", row.share, "pct"),
            (f"{name}: {t('已覆盖人数', 'persons covered')} (人)", row.persons_covered, "persons"),
            (f"{name}: {t('服务人群人数', 'persons in the group')} (人)", row.persons, "persons"),
            (f"{name}: {t('已覆盖需求', 'demand covered')} ({t('单位', 'units')})", row.covered, "units"),
            (f"{name}: {t('需求', 'demand')} ({t('单位', 'units')})", row.demand, "units"),
        ]
    rows += [(t("输入提示", "Input warning"), text, "text") for text in scenario_warnings(result)]
    frame = pd.DataFrame(
        {
            "item": [r[0] for r in rows],
            "value": [r[1] for r in rows],
            "kind": [r[2] for r in rows],
        }
    )
    return View(
        "summary",
        t("摘要", "Summary"),
        [Column("item", t("项目", "Item")), Column("value", t("结果", "Result"), "by_row")],
        frame,
        sheet=t("摘要", "Summary"),
    )


def buildings_view(result, t: Text) -> View:
    """Acquired buildings: name, district, coordinates, mode, services, area, costs, persons served."""
    sel = selected_table(result)
    frame = sel.assign(
        mode_label=[t(*MODE_LABELS[m]) for m in sel["mode"]],
        services_label=[_services(result, t, s) for s in sel["services"]],
        type=[t("综合体", "complex") if c else t("插花", "scattered") for c in sel["complex"]],
    )
    columns = [
        Column("building", t("编号", "Id")),
        Column("name", t("建筑", "Building")),
        Column("district", t("街道", "District")),
        Column("x", "x", "coord"),
        Column("y", "y", "coord"),
        Column("mode_label", t("方式", "Mode")),
        Column("services_label", t("服务", "Services")),
        Column("type", t("类型", "Type")),
        Column("floor_area_m2", t("建筑面积", "Floor area"), "m2"),
        Column("area_used_m2", t("使用面积", "Area used"), "m2"),
        Column("capex", t("一次性投入", "One-off"), "wan"),
        Column("annual_cost", t("年度费用", "Yearly"), "wan_year"),
        Column("npv", t("净现值成本", "Net present cost"), "wan"),
        Column("persons_served", t("服务人数", "Persons served"), "persons"),
        Column("served", f"{t('服务量', 'Served')} ({t('单位', 'units')})", "units"),
        Column("capacity", f"{t('容量', 'Capacity')} ({t('单位', 'units')})", "units"),
        Column("utilisation", t("使用率", "Utilisation"), "pct"),
    ]
    if not result.spec.capacitated:
        columns = [c for c in columns if c.field not in ("served", "capacity", "utilisation")]
    return View("buildings", t("选定建筑", "Buildings acquired"), columns, frame, sheet=t("选定建筑", "Buildings"))


def existing_view(result, t: Text) -> View:
    """Existing facilities, kept or closed."""
    ex = result.evaluation.existing.sort_values("facility")
    frame = ex.assign(
        services_label=[_services(result, t, ";".join(s)) for s in ex["services"]],
        status_label=[t("保留", "kept") if s == "kept" else t("关闭", "closed") for s in ex["status"]],
    )
    columns = [
        Column("facility", t("编号", "Id")),
        Column("name", t("设施", "Facility")),
        Column("services_label", t("服务", "Services")),
        Column("status_label", t("状态", "Status")),
        Column("annual_cost", t("年度费用", "Yearly"), "wan_year"),
        Column("served", f"{t('服务量', 'Served')} ({t('单位', 'units')})", "units"),
        Column("utilisation", t("使用率", "Utilisation"), "pct"),
    ]
    return View("existing", t("现有设施", "Existing facilities"), columns, frame, sheet=t("现有设施", "Existing"))


def services_view(result, t: Text) -> View:
    """Coverage per service: group, radius, persons and units, share, weight."""
    table = service_table(result).reset_index()
    frame = table.assign(
        service_label=[t(*service_label(result, k)) for k in table["service"]],
        group_label=[t(*group_labels(g)) for g in table["group"]],
    )
    columns = [
        Column("service_label", t("服务", "Service")),
        Column("group_label", t("服务人群", "Group")),
        Column("radius_m", t("步行半径", "Radius"), "m"),
        *_amounts(t),
        Column("weight", t("权重", "Weight"), "num"),
    ]
    return View("services", t("服务覆盖", "Coverage by service"), columns, frame)


def coverage_view(result, t: Text) -> View:
    """Community × service: persons and units, covered share, the hosts serving it, the nearest host."""
    cov = coverage_table(result)
    frame = cov.assign(
        service_label=[t(*service_label(result, k)) for k in cov["service"]],
        reason=[t(*REASONS[r]) if r else "" for r in cov["not_covered_reason"]],
    )
    columns = [
        Column("community", t("编号", "Id")),
        Column("name", t("社区", "Community")),
        Column("district", t("街道", "District")),
        Column("service_label", t("服务", "Service")),
        *_amounts(t, "covered_demand", "covered_share"),
        Column("served_by_name", t("服务设施", "Served by")),
        Column("served_by", t("服务设施编号", "Served by (id)")),
        Column("nearest_name", t("最近设施", "Nearest host")),
        Column("distance_m", t("最近设施距离", "Distance to nearest host"), "m"),
        Column("reason", t("未覆盖原因", "Why not covered")),
    ]
    return View("coverage", t("各社区覆盖", "Coverage by community"), columns, frame, sheet=t("覆盖", "Coverage"))


def districts_view(result, t: Text) -> View:
    """District × service: persons and units, covered share."""
    table = district_table(result)
    frame = table.assign(service_label=[t(*service_label(result, k)) for k in table["service"]])
    columns = [
        Column("district", t("街道", "District")),
        Column("service_label", t("服务", "Service")),
        *_amounts(t),
    ]
    return View("districts", t("各街道覆盖", "Coverage by district"), columns, frame, sheet=t("街道", "Districts"))


def not_covered_view(result, t: Text) -> View:
    """Demand left uncovered, largest first, with the reason."""
    cov = coverage_table(result)
    left = cov[cov["not_covered_reason"] != ""]
    frame = left.assign(
        service_label=[t(*service_label(result, k)) for k in left["service"]],
        persons_left=left["persons"] - left["persons_covered"],
        units_left=left["demand"] - left["covered_demand"],
        reason=[t(*REASONS[r]) for r in left["not_covered_reason"]],
    ).sort_values(["persons_left", "community", "service"], ascending=[False, True, True])
    columns = [
        Column("community", t("编号", "Id")),
        Column("name", t("社区", "Community")),
        Column("district", t("街道", "District")),
        Column("service_label", t("服务", "Service")),
        Column("persons_left", t("未覆盖人数", "Persons not covered"), "persons"),
        Column("units_left", f"{t('未覆盖需求', 'Demand not covered')} ({t('单位', 'units')})", "units"),
        Column("reason", t("原因", "Reason")),
        Column("nearest_name", t("最近设施", "Nearest host")),
        Column("distance_m", t("最近设施距离", "Distance to nearest host"), "m"),
    ]
    note = t(
        "原因：步行范围内无设施，或步行范围内的设施均已满员，或有余量但未分配（如单一来源规则）。",
        "Reason: no host within walking distance; hosts within reach all full; or a host within reach has room "
        "but the plan does not assign this demand to it (e.g. a single-source rule).",
    )
    return View("not_covered", t("未覆盖", "Not covered"), columns, frame, note=note, sheet=t("未覆盖", "Not covered"))


def assumptions_view(result, t: Text) -> View:
    """Every parameter behind the demand and the plan: demand assumptions, services, budget, walking."""
    cfg = result.scenario.config
    rows = [(a.name, a.value, a.unit, a.source, a.confidence) for a in result.demand.estimate.assumptions]
    for key, s in cfg.services.items():
        rule = (
            ("uptake", s.uptake, "per person")
            if s.uptake is not None
            else ("per_1000_residents", s.per_1000_residents, "per 1,000")
        )
        rows += [
            (f"services.{key}.{rule[0]}", rule[1], rule[2], "scenario", "scenario"),
            (f"services.{key}.radius_m", s.radius_m, "m", "scenario", "scenario"),
            (f"services.{key}.min_area_m2", s.min_area_m2, "m²", "scenario", "scenario"),
            (f"services.{key}.weight", s.weight, "", "scenario", "scenario"),
        ]
        if s.area_per_unit_m2 is not None:
            rows.append((f"services.{key}.area_per_unit_m2", s.area_per_unit_m2, "m²/unit", "scenario", "scenario"))
    rows += [
        ("budget.capex", cfg.budget.capex, "元", "scenario", "scenario"),
        ("budget.annual", cfg.budget.annual, "元/年", "scenario", "scenario"),
        ("budget.npv", cfg.budget.npv, "元", "scenario", "scenario"),
        ("budget.horizon_years", cfg.budget.horizon_years, "years", "scenario", "scenario"),
        ("budget.discount_rate", cfg.budget.discount_rate, "", "scenario", "scenario"),
        ("walking.detour_factor", cfg.walking.detour_factor, "", "scenario", "scenario"),
        ("demand.year", result.demand.estimate.year, "", "scenario", "scenario"),
    ]
    frame = pd.DataFrame(rows, columns=["name", "value", "unit", "source", "confidence"])
    columns = [
        Column("name", t("参数", "Parameter")),
        Column("value", t("取值", "Value"), "num"),
        Column("unit", t("单位", "Unit")),
        Column("source", t("来源", "Source")),
        Column("confidence", t("可信度", "Confidence")),
    ]
    return View("assumptions", t("假设", "Assumptions"), columns, frame, sheet=t("假设", "Assumptions"))


def plan_columns(t: Text, status: str = "status") -> list[Column]:
    """A plan's figures as one row of a study shows them: status (in the field `status`), gap, objective, costs."""
    return [
        Column(status, t("状态", "Status")),
        Column("gap", t("差距", "Gap"), "pct"),
        Column("objective", t("加权覆盖需求", "Weighted covered demand"), "units"),
        Column("capex", t("一次性投入", "One-off"), "wan"),
        Column("annual", t("年度费用", "Yearly"), "wan_year"),
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


def frontier_view(table: pd.DataFrame, labels: dict[str, str], t: Text) -> View:
    """The budget frontier (frontier.csv of `siting frontier`): one row per budget point."""
    columns = [
        Column("budget", t("预算", "Budget"), "wan"),
        *plan_columns(t),
        Column("marginal_per_wan", t("每万元边际增益", "Marginal gain per 万元"), "num"),
        Column("knee_label", t("拐点", "Knee")),
    ]
    columns = [c for c in columns if c.field in table.columns or c.field == "knee_label"]
    columns += share_columns(table, labels, t)
    frame = table.assign(knee_label=["✓" if k else "" for k in table.get("knee", pd.Series(False, index=table.index))])
    return View("frontier", t("预算前沿", "Budget frontier"), columns, frame, sheet=t("前沿", "Frontier"))


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
            any of status, gap, capex, annual, npv, buildings, marginal_per_wan (frontier.csv).
        budget_label: (zh, en) name of the budget swept; default the one-off budget.
        tables: further tables as (key, (zh, en) title, frame), e.g. the buildings and communities of a
            comparison; shown as given.
    """

    frontier: pd.DataFrame | None = None
    budget_label: tuple[str, str] | None = None
    tables: tuple[tuple[str, tuple[str, str], pd.DataFrame], ...] = field(default_factory=tuple)

    def views(self, labels: dict[str, str], t: Text) -> list[View]:
        """The study's tables as views (frontier first)."""
        out = [frontier_view(self.frontier, labels, t)] if self.frontier is not None else []
        return out + [frame_view(key, t(*title), frame, sheet=t(*title, " ")) for key, title, frame in self.tables]
