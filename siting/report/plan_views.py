"""The views of one plan, rendered by report.html and report.xlsx alike.

Summary, buildings, existing facilities, coverage by service, community and district, what is not covered and
why, and the assumptions behind the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

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
    uneven_coverage,
)
from siting.report.views import Column, View, status_labels
from siting.scenario.schema import MODE_LABELS


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


def _community_service(t: Text) -> list[Column]:
    """The leading columns of a community × service row."""
    return [
        Column("community", t("编号", "Id")),
        Column("name", t("社区", "Community")),
        Column("district", t("街道", "District")),
        Column("service_label", t("服务", "Service")),
    ]


def _nearest(t: Text) -> list[Column]:
    """The nearest host of a community × service row and the walk to it."""
    return [
        Column("nearest_name", t("最近设施", "Nearest host")),
        Column("distance_m", t("最近设施距离", "Distance to nearest host"), "m"),
    ]


COORDINATES = {
    "planar": (("X坐标", "x"), ("Y坐标", "y"), " (m)"),
    "lonlat": (("经度", "Longitude"), ("纬度", "Latitude"), " (°)"),
}
"""Headers of the x and y columns (zh, en) and their unit, by the scenario's crs."""


def coordinate_columns(crs: str, t: Text) -> list[Column]:
    """The x and y columns, named as the scenario's crs reads them (X坐标 / 经度 ...)."""
    x, y, unit = COORDINATES[crs]
    return [Column("x", t(*x) + unit, "coord"), Column("y", t(*y) + unit, "coord")]


def summary_view(result, t: Text) -> View:
    """Key figures: status, buildings, costs against budgets, coverage per service in persons and units."""
    ev, sol, cfg = result.evaluation, result.solution, result.scenario.config
    rows: list[tuple[str, Any, str]] = [
        (t("求解状态", "Status"), status_labels(pd.Series([sol.status.value]), t)[0], "text"),
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
    uneven = uneven_coverage(result)
    if uneven:
        rows.append((t("覆盖均衡", "Balance"), t(*uneven), "text"))
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
        *coordinate_columns(result.scenario.config.crs, t),
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
    uneven = uneven_coverage(result)
    note = t(*uneven) if uneven else ""
    return View("services", t("服务覆盖", "Coverage by service"), columns, frame, note=note)


def coverage_view(result, t: Text) -> View:
    """Community × service: persons and units, covered share, the hosts serving it, the nearest host."""
    cov = coverage_table(result)
    frame = cov.assign(
        service_label=[t(*service_label(result, k)) for k in cov["service"]],
        reason=[t(*REASONS[r]) if r else "" for r in cov["not_covered_reason"]],
    )
    columns = [
        *_community_service(t),
        *_amounts(t, "covered_demand", "covered_share"),
        Column("served_by_name", t("服务设施", "Served by")),
        Column("served_by", t("服务设施编号", "Served by (id)")),
        *_nearest(t),
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
        *_community_service(t),
        Column("persons_left", t("未覆盖人数", "Persons not covered"), "persons"),
        Column("units_left", f"{t('未覆盖需求', 'Demand not covered')} ({t('单位', 'units')})", "units"),
        Column("reason", t("原因", "Reason")),
        *_nearest(t),
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


PLAN_VIEWS: dict[str, Callable[[Any, Text], View]] = {
    "summary": summary_view,
    "buildings": buildings_view,
    "existing": existing_view,
    "services": services_view,
    "coverage": coverage_view,
    "districts": districts_view,
    "not_covered": not_covered_view,
    "assumptions": assumptions_view,
}


def plan_views(result, t: Text, keys: Sequence[str]) -> list[View]:
    """The views `keys` (of PLAN_VIEWS) of one plan, in that order; existing facilities only when there are some."""
    if result.evaluation.existing.empty:
        keys = [k for k in keys if k != "existing"]
    return [PLAN_VIEWS[key](result, t) for key in keys]
