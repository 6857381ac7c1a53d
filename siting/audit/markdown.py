"""audit.md: the baseline audit in Chinese and English, every community and facility named beside its id."""

from __future__ import annotations

import pandas as pd

from siting.audit.baseline import Audit
from siting.audit.shortfall import TOTAL
from siting.report.mdformat import md_table, persons, text

SHOWN = 10  # communities listed per standard, largest shortfall first
CONFIDENCE = {
    "H": "H 官方数据，多方一致 official, agreed",
    "M": "M 单一二手来源 one secondary source",
    "L": "L 来源较弱 weak source",
    "U": "U 本项目未核实 not verified here",
}


def _figure(value: float, unit: str) -> str:
    if unit == "m²":
        return f"{value:,.0f}"
    if unit.startswith("项"):
        return f"{value:g}"
    return persons(value)


def _label(audit: Audit, key: str) -> str:
    label = audit.standards[key].label
    return f"{label.zh} {label.en}"


def _service(audit: Audit, key: str) -> str:
    label = audit.scenario.config.services[key].label
    return f"{label.zh} {label.en}" if label else key


def render(audit: Audit) -> str:
    """The whole audit as Markdown (Chinese first, then English)."""
    parts = (_header(audit), _standards(audit), _summary(audit), _districts(audit), _largest(audit))
    parts += (_life_circle(audit), _facilities(audit), _method(audit))
    return "\n\n".join(p for p in parts if p) + "\n"


def _header(audit: Audit) -> str:
    s = audit.scenario
    n_districts = audit.supply.communities["district"].nunique()
    lines = [
        f"# 现状设施评估 Baseline audit: {text(s.name)}",
        "",
        text(s.config.description),
        "",
        f"- 需求年份 Demand year: {audit.year} ({s.config.demand.variant})",
        f"- 社区 Communities: {len(s.communities)}; 街道 districts: {n_districts}; "
        f"现有设施 existing facilities: {len(s.existing)}",
        "- 现状供给对照国家标准，不做优化 Today's supply against the national standards; no optimisation.",
    ]
    return "\n".join(line for line in lines if line is not None)


def _standards(audit: Audit) -> str:
    rows = []
    for key, s in audit.standards.items():
        need = f"≥ {s.value:g} {s.unit}" if s.kind not in ("coverage", "life_circle") else f"{s.value:.0%} {s.unit}"
        if s.kind == "life_circle":
            need += f", ≤ {s.radius_m:g} m"
        rows.append([f"{_label(audit, key)} ({key})", need, f"{s.document}; {s.article}", CONFIDENCE[s.confidence]])
    body = "## 标准 Standards\n\n" + md_table(
        ["标准 Standard", "要求 Requirement", "来源 Source", "可信度 Confidence"], rows
    )
    if audit.skipped:
        body += "\n\n" + "\n".join(f"- 不适用 Not applicable: {k}: {text(why)}" for k, why in audit.skipped.items())
    return body


def _summary(audit: Audit) -> str:
    return "## 总体 Summary\n\n" + _standards_table(audit, by_district=False)


def _districts(audit: Audit) -> str:
    note = (
        "街道净缺口 = max(0, 需要合计 − 现有合计)：面积和托位可在社区间调剂，覆盖不能。 "
        "Net shortfall = max(0, Σ required − Σ existing): area and places can be shared between communities, "
        "coverage cannot."
    )
    return "## 按街道 By district\n\n" + note + "\n\n" + _standards_table(audit, by_district=True)


def _standards_table(audit: Audit, by_district: bool) -> str:
    """Each standard in all (by_district False) or per district with the net shortfall (True)."""
    columns = [
        ("标准 Standard", lambda r: _label(audit, r.standard)),
        *([("街道 District", lambda r: r.district)] if by_district else []),
        ("需要 Required", lambda r: _figure(r.required, r.unit)),
        ("现有 Existing", lambda r: _figure(r.existing, r.unit)),
        (
            "社区缺口合计 Σ community shortfall" if by_district else "缺口 Shortfall",
            lambda r: _figure(r.shortfall, r.unit),
        ),
        *([("街道净缺口 Net shortfall", lambda r: _figure(r.net_shortfall, r.unit))] if by_district else []),
        ("达标 Met", lambda r: f"{r.met_share:.1%}"),
        ("未达标社区 Short", lambda r: f"{r.communities_short} / {r.communities}"),
        ("单位 Unit", lambda r: r.unit),
    ]
    table = audit.districts[(audit.districts["district"] != TOTAL) == by_district]
    rows = [[cell(r) for _, cell in columns] for r in table.itertuples()]
    return md_table([name for name, _ in columns], rows)


def _largest(audit: Audit) -> str:
    parts = ["## 缺口最大的社区 Largest shortfalls"]
    for key in audit.standards:
        rows = audit.shortfall[(audit.shortfall["standard"] == key) & (audit.shortfall["shortfall"] > 1e-9)]
        if rows.empty:
            parts.append(f"### {_label(audit, key)}\n\n全部达标 Every community meets it.")
            continue
        top = rows.sort_values(["shortfall", "community"], ascending=[False, True], kind="stable").head(SHOWN)
        body = md_table(
            ["社区 Community", "街道 District", "需要 Required", "现有 Existing", "缺口 Shortfall", "单位 Unit"],
            [
                [
                    f"{r.name} ({r.community})",
                    r.district,
                    _figure(r.required, r.unit),
                    _figure(r.existing, r.unit),
                    _figure(r.shortfall, r.unit),
                    r.unit,
                ]
                for r in top.itertuples()
            ],
        )
        more = (
            f"\n\n另有 {len(rows) - SHOWN} 个社区 {len(rows) - SHOWN} more in shortfall.csv."
            if len(rows) > SHOWN
            else ""
        )
        parts.append(f"### {_label(audit, key)}\n\n{body}{more}")
    return "\n\n".join(parts)


def _life_circle(audit: Audit) -> str:
    parts = []
    for radius, reached in audit.supply.circles.items():
        missing = reached[~reached.all(axis=1)]
        table = audit.supply.communities
        rows = [
            [
                f"{table.loc[c, 'name']} ({c})",
                table.loc[c, "district"],
                "; ".join(_service(audit, k) for k, ok in missing.loc[c].items() if not ok),
            ]
            for c in missing.index
        ]
        head = (
            f"## 生活圈 Life circle: {radius:g} m\n\n"
            f"{len(reached) - len(missing)} / {len(reached)} 个社区步行 {radius:g} 米内可达全部服务 "
            f"communities reach every service within {radius:g} m."
        )
        parts.append(
            head + ("\n\n" + md_table(["社区 Community", "街道 District", "缺少 Missing"], rows) if rows else "")
        )
    return "\n\n".join(parts)


def _facilities(audit: Audit) -> str:
    f = audit.supply.facilities
    if f.empty:
        return "## 现有设施 Existing facilities\n\n无 None."
    rows = [
        [
            f"{r.name} ({r.facility})",
            "; ".join(_service(audit, k) for k in r.services.split(";")),
            f"{r.community_name} ({r.community})" if r.community else "—",
            r.district or "—",
            "—" if pd.isna(r.floor_area_m2) else f"{r.floor_area_m2:,.0f}",
            r.area_source,
            "—" if pd.isna(r.capacity) else f"{r.capacity:g}",
        ]
        for r in f.itertuples()
    ]
    header = [
        "设施 Facility",
        "服务 Services",
        "所在社区 Community",
        "街道 District",
        "面积 Floor area (m²)",
        "面积来源 Area from",
        "容量 Places",
    ]
    return "## 现有设施 Existing facilities\n\n" + md_table(header, rows)


def _method(audit: Audit) -> str:
    size, source = audit.supply.household_size
    lines = [
        "## 方法 Method",
        "",
        f"- 设施所在社区：步行距离最近的社区中心（{audit.supply.locate_m:g} 米内）。 A facility lies in the community "
        f"whose centre is nearest on foot (within {audit.supply.locate_m:g} m); its floor area and places count there.",
        "- 覆盖：社区中心到提供该服务的现有设施的步行距离不超过该服务半径（不计容量）。 Coverage: an existing "
        "facility hosting the service is within the service's walking radius of the community centre "
        "(capacity not counted; places standards audit capacity).",
        f"- 户数：表中给出的户数，缺失时用常住人口 ÷ {size:g}（{source}）。 Households: as given, else residents ÷ "
        f"{size:g} ({source}).",
        f"- 人口：需求模型 {audit.year} 年的估计（siting demand）。 Residents and groups: the demand model's "
        f"figures for {audit.year} (`siting demand`).",
        "- 可信度为 U 的标准由本项目解读，未核实。 Standards graded U are this project's reading, not verified here.",
    ]
    lines += [f"- {text(note)}" for note in audit.notes]
    return "\n".join(lines)
