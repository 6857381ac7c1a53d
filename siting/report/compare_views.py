"""The tables of a comparison as views: bilingual headers, 元 as 万元, shares in %, modes and services by name.

The comparison's CSV files keep their field names and raw values (the files are a contract for scripts);
report.html and report.xlsx show the same figures through these views, for the people who decide.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from siting.report.lang import Text
from siting.report.views import (
    Column,
    View,
    named,
    plan_columns,
    share_columns,
    status_labels,
    with_net_annual,
)
from siting.scenario.schema import GROUP_LABELS, MODE_LABELS

CHANGE_LABELS: dict[str, tuple[str, str]] = {
    "added": ("新增", "added"),
    "dropped": ("取消", "dropped"),
    "changed": ("调整", "changed"),
    "same": ("相同", "same"),
    "differs": ("不同", "differs"),
}


def compare_views(comparison, t: Text) -> list[View]:
    """The views of a comparison (siting.study.compare.Comparison), in the order compare.md shows them."""
    runs = [r.label for r in comparison.runs]
    service = {k: t(*v) for k, v in compared_service_labels(comparison).items()}
    summary = with_net_annual(comparison.summary.reset_index())
    summary = summary.assign(closed=named(summary["closed"], facility_names(comparison)))
    summary_columns = [
        Column("plan", t("方案", "Plan")),
        *plan_columns(t, status="status_label", net=True),
        Column("annual_freed", t("关闭释放的年度费用", "Yearly cost freed by closures"), "wan_year"),
        Column("complexes", t("综合体", "Complexes"), "int"),
        Column("closed", t("关闭的现有设施", "Closed facilities")),
        Column("persons", t("加权服务人数", "Weighted persons served"), "persons"),
        *share_columns(summary, service, t),
    ]
    views = [
        View(
            "summary",
            t("概要", "Summary"),
            summary_columns,
            summary.assign(status_label=status_labels(summary["status"], t)),
            sheet=t("概要", "Summary"),
        ),
        _buildings_view(comparison.buildings, runs, service, t),
    ]
    modes = comparison.cost_by_mode.reset_index()
    views.append(
        View(
            "cost_by_mode",
            t("按获取方式的成本", "Cost by mode"),
            [
                Column("plan", t("方案", "Plan")),
                Column("mode_label", t("获取方式", "Mode")),
                Column("buildings", t("建筑数", "Buildings"), "int"),
                Column("capex", t("一次性投入", "One-off"), "wan"),
                Column("annual_cost", t("年度费用", "Yearly"), "wan_year"),
            ],
            modes.assign(mode_label=[t(*MODE_LABELS.get(m, (m, m))) for m in modes["mode"]]),
            sheet=t("获取方式", "Modes"),
        )
    )
    by_service = comparison.coverage_by_service.reset_index()
    views.append(
        View(
            "coverage_by_service",
            t("各服务覆盖", "Coverage by service"),
            [
                Column("plan", t("方案", "Plan")),
                Column("service_label", t("服务", "Service")),
                Column("group_label", t("服务对象", "Group")),
                *_covered_columns(t),
                Column("persons", t("对象人数", "Persons in the group"), "persons"),
                Column("persons_covered", t("已服务人数", "Persons served"), "persons"),
            ],
            by_service.assign(
                service_label=[service.get(s, s) for s in by_service["service"]],
                group_label=[t(*GROUP_LABELS.get(g, (g, g))) for g in by_service["group"]],
            ),
            sheet=t("各服务", "Services"),
        )
    )
    by_district = comparison.coverage_by_district.reset_index()
    views.append(
        View(
            "coverage_by_district",
            t("各街道覆盖", "Coverage by district"),
            [
                Column("plan", t("方案", "Plan")),
                Column("district", t("街道", "District")),
                Column("service_label", t("服务", "Service")),
                *_covered_columns(t),
            ],
            by_district.assign(service_label=[service.get(s, s) for s in by_district["service"]]),
            sheet=t("各街道", "Districts"),
        )
    )
    views.append(_communities_view(comparison.communities, runs, service, t))
    keys = comparison.scenario_differences
    views.append(
        View(
            "scenario_keys",
            t("情景差异", "Scenario keys"),
            [Column("key", t("情景键", "Scenario key")), *(Column(r, r) for r in runs)],
            keys,
            sheet=t("情景差异", "Scenario keys"),
        )
    )
    return views


def _covered_columns(t: Text) -> list[Column]:
    """Demand and covered demand units, and the covered share."""
    return [
        Column("demand", t("需求单位", "Demand units"), "units"),
        Column("covered", t("已覆盖单位", "Covered units"), "units"),
        Column("share", t("覆盖率", "Covered share"), "pct"),
    ]


def facility_names(comparison) -> dict[str, str]:
    """Existing facility id -> name, from the compared runs' plan.json."""
    return {e["facility"]: e.get("name", "") for r in comparison.runs for e in r.plan.get("existing", [])}


def compared_service_labels(comparison) -> dict[str, tuple[str, str]]:
    """Service key -> (zh, en) label, from the compared runs' scenario.yaml (the key itself where none says)."""
    found: dict[str, tuple[str, str]] = {}
    for run in comparison.runs:
        for key, service in ((run.scenario or {}).get("services") or {}).items():
            label = (service or {}).get("label") or {}
            if key not in found and label.get("zh") and label.get("en"):
                found[key] = (str(label["zh"]), str(label["en"]))
    keys = comparison.coverage_by_service.index.get_level_values("service").unique()
    return {k: found.get(k, (k, k)) for k in keys}


def _buildings_view(table: pd.DataFrame, runs: Sequence[str], service: dict[str, str], t: Text) -> View:
    """buildings.csv: per run the mode and services of each building acquired in any run, and what changed."""
    columns = [Column("building", t("建筑编号", "Building")), Column("name", t("名称", "Name"))]
    frame = table.copy()
    for run in runs:
        frame[f"mode_label_{run}"] = [t(*MODE_LABELS[m]) if m in MODE_LABELS else m for m in table[f"mode_{run}"]]
        frame[f"services_label_{run}"] = [
            "、".join(service.get(s, s) for s in str(v).split(";") if s) for v in table[f"services_{run}"]
        ]
        columns += [
            Column(f"mode_label_{run}", f"{run}: {t('获取方式', 'mode')}"),
            Column(f"services_label_{run}", f"{run}: {t('服务', 'services')}"),
        ]
    changes = [c for c in table.columns if c == "change" or c.startswith("change_")]
    for name in changes:
        frame[f"{name}_label"] = [t(*CHANGE_LABELS[c]) if c in CHANGE_LABELS else c for c in table[name]]
        header = t("变化", "Change") + ("" if name == "change" else f" ({name.removeprefix('change_')})")
        columns.append(Column(f"{name}_label", header))
    return View("buildings", t("建筑变化", "Buildings"), columns, frame, sheet=t("建筑变化", "Buildings"))


def _communities_view(table: pd.DataFrame, runs: Sequence[str], service: dict[str, str], t: Text) -> View:
    """communities.csv: each community's covered share of each service per run, and the differences."""
    columns = [
        Column("community", t("社区编号", "Community")),
        Column("name", t("名称", "Name")),
        Column("district", t("街道", "District")),
        Column("service_label", t("服务", "Service")),
        *(Column(f"share_{run}", f"{run}: {t('覆盖率', 'covered share')}", "pct") for run in runs),
        *(
            Column(c, t("差值", "Difference") + ("" if c == "diff" else f" ({c.removeprefix('diff_')})"), "pct")
            for c in table.columns
            if c == "diff" or c.startswith("diff_")
        ),
    ]
    frame = table.assign(service_label=[service.get(s, s) for s in table["service"]])
    return View("communities", t("各社区覆盖", "Communities"), columns, frame, sheet=t("各社区", "Communities"))
