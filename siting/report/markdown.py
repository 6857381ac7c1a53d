"""report.md: the plan in Chinese and English for the people who decide (amounts in 万元, areas in m²)."""

from __future__ import annotations

import pandas as pd

from siting.demand import markdown_section
from siting.report.tables import coverage_table, group_label, selected_table, service_label
from siting.scenario.schema import MODE_LABELS, MODES

UNCOVERED_SHOWN = 15


def wan(yuan: float) -> str:
    """Yuan as 万元 with two decimals: 1234567 -> '123.46'."""
    return f"{yuan / 1e4:,.2f}"


def persons(value: float) -> str:
    """A count of people or demand units, rounded for reading."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


BASIS_TEXT = {
    "share": "目标按覆盖率计：各服务覆盖其自身需求的百分比 × 权重之和（需求小的服务与需求大的同等重要）。"
    "The objective counts shares: each service's covered percentage of its own demand, times its weight.",
    "persons": "目标按人数计：各服务覆盖的目标人群人数 × 权重之和。"
    "The objective counts persons of each service's group served, times its weight.",
    "units": "目标按需求单位计：覆盖的需求单位（床位、托位、餐数）× 权重之和；单位面积小的服务优先获得预算。"
    "The objective counts demand units (places, meals) covered, times their weight; services needing little "
    "floor area per unit win the budget first.",
}

STATUS_TEXT = {
    "optimal": ("最优（已证明）", "optimal (proven)"),
    "feasible": ("可行，未证明最优", "feasible, optimality not proven"),
}


def render(result) -> str:
    """The whole report as Markdown."""
    return (
        "\n\n".join(
            part
            for part in (
                _header(result),
                _summary(result),
                _selected(result),
                _by_mode(result),
                _existing(result),
                _coverage(result),
                _districts(result),
                _uncovered(result),
                _demand(result),
                _method(result),
            )
            if part
        )
        + "\n"
    )


def _header(result) -> str:
    cfg = result.scenario.config
    text = f"# 社区嵌入式服务设施选址方案 / Community facility siting plan: {cfg.name}"
    if cfg.description:
        text += f"\n\n> {cfg.description}"
    return text


def _summary(result) -> str:
    ev, sol, cfg = result.evaluation, result.solution, result.scenario.config
    zh, en = STATUS_TEXT.get(sol.status.value, (sol.status.value, sol.status.value))
    gap = f"{sol.gap:.4%}" if sol.gap is not None else "—"
    rows = [
        ["求解状态 Status", f"{zh} / {en}; gap {gap}"],
        ["选定建筑 Buildings acquired", f"{len(ev.selected)}"],
        [
            "一次性投入 One-off cost",
            f"{wan(ev.capex)} 万元 of {wan(cfg.budget.capex)} 万元 budget ({ev.capex / cfg.budget.capex:.1%})"
            if cfg.budget.capex
            else f"{wan(ev.capex)} 万元",
        ],
        [
            "年度费用 Yearly cost",
            f"{wan(ev.annual)} 万元/年"
            + (
                f" − {wan(ev.freed)} 万元/年 freed by closures 关闭释放 = {wan(ev.annual - ev.freed)} 万元/年"
                if ev.freed
                else ""
            )
            + (f" of {wan(cfg.budget.annual)} 万元/年 budget" if cfg.budget.annual is not None else " (no limit)"),
        ],
        [
            f"{cfg.budget.horizon_years}年净现值成本 Net present cost ({cfg.budget.discount_rate:.1%})",
            f"{wan(ev.npv)} 万元",
        ],
    ]
    for key, row in ev.by_service.iterrows():
        zh_s, en_s = service_label(result, key)
        rows.append(
            [
                f"{zh_s} {en_s}",
                f"{row.share:.1%} of demand covered ({persons(row.covered)} / {persons(row.demand)} units; "
                f"{persons(row.covered_persons)} / {persons(row.persons)} {group_label(cfg.services[key].population)})",
            ]
        )
    return "## 摘要 Summary\n\n" + _table(["项目 Item", "结果 Result"], rows)


def _selected(result) -> str:
    sel = selected_table(result)
    if sel.empty:
        return "## 选定建筑 Buildings acquired\n\n无 / none: the budget buys no building that covers demand."
    capacitated = result.spec.capacitated
    kind = result.scenario.config.model.complex is not None
    assets = result.scenario.assets
    rows = []
    for r in sel.itertuples():
        traded = "、".join(f"{assets.loc[a, 'name']} ({a})" for a in r.assets_traded.split(";") if a)
        mode = f"{r.mode_zh} {r.mode}" + (f"，换出 trading {traded}" if traded else "")
        row = [
            f"{r.name} ({r.building})",
            mode,
            r.services_zh,
            f"{r.area_used_m2:,.0f} / {r.floor_area_m2:,.0f}",
            wan(r.capex),
            wan(r.annual_cost),
        ]
        if kind:
            row.insert(3, "综合体 complex" if r.complex else "插花 scattered")
        if capacitated:
            row.append("—" if pd.isna(r.utilisation) else f"{r.served:,.0f} / {r.capacity:,.0f} ({r.utilisation:.0%})")
        rows.append(row)
    total = ["**合计 Total**", "", "", "", f"**{wan(sel['capex'].sum())}**", f"**{wan(sel['annual_cost'].sum())}**"]
    header = [
        "建筑 Building",
        "方式 Mode",
        "服务 Services",
        "使用/建筑面积 Area used/total (m²)",
        "一次性投入 One-off (万元)",
        "年度费用 Yearly (万元/年)",
    ]
    if kind:
        header.insert(3, "类型 Type")
        total.insert(3, f"{int(sel['complex'].sum())} 综合体 complexes")
    if capacitated:
        header.append("服务量/容量 Served/capacity (units)")
        total.append("")
    rows.append(total)
    return "## 选定建筑 Buildings acquired\n\n" + _table(header, rows)


def _existing(result) -> str:
    ex = result.evaluation.existing
    if ex.empty:
        return ""
    rows = [
        [
            f"{r.name} ({r.facility})",
            "、".join(service_label(result, k)[0] for k in r.services),
            "保留 kept" if r.status == "kept" else "关闭 closed",
            wan(r.annual_cost),
            "—" if pd.isna(r.utilisation) else f"{r.served:,.0f} ({r.utilisation:.0%})",
        ]
        for r in ex.sort_values("facility").itertuples()
    ]
    return (
        "## 现有设施 Existing facilities\n\n现有设施免费计入覆盖；可关闭者关闭后释放其年度费用。"
        "Existing facilities cover demand at no cost; closing a closable one frees its yearly cost.\n\n"
        + _table(
            [
                "设施 Facility",
                "服务 Services",
                "状态 Status",
                "年度费用 Yearly (万元/年)",
                "服务量 Served (utilisation)",
            ],
            rows,
        )
    )


def _districts(result) -> str:
    by_group = result.evaluation.by_group
    if by_group.empty:
        return ""
    pivot = by_group.pivot(index="group", columns="service", values="share").reindex(
        columns=[k for k in result.scenario.config.services if k in set(by_group["service"])]
    )
    header = ["街道 District"] + [" ".join(service_label(result, k)) for k in pivot.columns]
    rows = [[g] + ["—" if pd.isna(v) else f"{v:.0%}" for v in pivot.loc[g]] for g in pivot.index]
    return "### 各街道覆盖率 Covered share by district\n\n" + _table(header, rows)


def _by_mode(result) -> str:
    sel = selected_table(result)
    if sel.empty:
        return ""
    grouped = sel.groupby("mode").agg(n=("building", "size"), capex=("capex", "sum"), annual=("annual_cost", "sum"))
    rows = [
        [
            f"{MODE_LABELS[m][0]} {m}",
            int(grouped.loc[m, "n"]),
            wan(grouped.loc[m, "capex"]),
            wan(grouped.loc[m, "annual"]),
        ]
        for m in MODES
        if m in grouped.index
    ]
    return "### 按获取方式 By acquisition mode\n\n" + _table(
        ["方式 Mode", "数量 Buildings", "一次性投入 One-off (万元)", "年度费用 Yearly (万元/年)"], rows
    )


def _coverage(result) -> str:
    cfg = result.scenario.config
    rows = []
    for key, row in result.evaluation.by_service.iterrows():
        zh, en = service_label(result, key)
        service = cfg.services[key]
        rows.append(
            [
                f"{zh} {en}",
                group_label(service.population),
                f"{service.radius_m:,.0f}",
                persons(row.demand),
                persons(row.covered),
                f"{persons(row.covered_persons)} / {persons(row.persons)}",
                f"{row.share:.1%}",
                f"{service.weight:g}",
            ]
        )
    return (
        "## 服务覆盖 Coverage by service\n\n"
        "需求单位：服务人群人数 × 使用率（如日间照料床位、托位、每日餐数）；服务人数 = 已覆盖需求 ÷ 使用率。"
        "A community counts as covered when a building hosting the service is within the walking radius; "
        "persons served = covered demand units ÷ uptake (persons of the service's group).\n\n"
        f"{BASIS_TEXT[cfg.model.objective_basis]}\n\n"
        + _table(
            [
                "服务 Service",
                "服务人群 Group",
                "步行半径 Radius (m)",
                "需求 Demand (units)",
                "已覆盖 Covered (units)",
                "服务人数 Persons served / in group",
                "覆盖率 Share",
                "权重 Weight",
            ],
            rows,
        )
    )


def _uncovered(result) -> str:
    cov = coverage_table(result)
    missing = cov[(cov["covered_share"] < 1 - 1e-9) & (cov["demand"] > 0)].assign(
        demand=lambda f: f["demand"] - f["covered_demand"]
    )
    if missing.empty:
        return "## 未覆盖 Not covered\n\n所有社区的需求均已覆盖。All demand is covered."
    parts = [
        "## 未覆盖 Not covered\n\n以下社区的需求未被步行范围内的设施满足（按未满足需求从大到小）。"
        "Demand not served within walking distance, largest first (with capacities a community can be "
        "partly covered; the table shows the part not covered)."
    ]
    for key in result.scenario.config.services:
        part = missing[missing["service"] == key].sort_values(["demand", "community"], ascending=[False, True])
        if part.empty:
            continue
        zh, en = service_label(result, key)
        rows = [
            [
                f"{r.name} ({r.community})",
                r.district,
                persons(r.demand),
                "—" if pd.isna(r.distance_m) else f"{r.distance_m:,.0f} ({r.nearest_name})",
            ]
            for r in part.head(UNCOVERED_SHOWN).itertuples()
        ]
        more = len(part) - UNCOVERED_SHOWN
        parts.append(
            f"### {zh} {en}: {len(part)} 个社区 communities, {persons(part['demand'].sum())} units\n\n"
            + _table(["社区 Community", "街道 District", "需求 Demand", "最近设施距离 Nearest (m)"], rows)
            + (f"\n\n…另有 {more} 个 / and {more} more (see coverage.csv)" if more > 0 else "")
        )
    return "\n\n".join(parts)


def _demand(result) -> str:
    est = result.demand.estimate
    rows = [[group_label(g), persons(est.groups[g].sum())] for g in est.groups.columns if est.groups[g].notna().all()]
    return markdown_section(est) + "\n" + _table(["人群 Group", "合计 Total (persons)"], rows)


def _method(result) -> str:
    sol, data = result.solution, result.data
    stages = "; ".join(
        f"{i + 1}. {s.objective} {s.result.status.value}" + (f" (gap {s.result.gap:.3%})" if s.result.gap else "")
        for i, s in enumerate(sol.stages)
    )
    first = sol.first.result
    capacity = (
        "有容量约束，社区需求可部分覆盖 capacities apply: a community's demand can be partly covered"
        if result.spec.capacitated
        else "无容量约束 no capacity limits"
    )
    return (
        "## 方法 Method\n\n"
        "整数规划：在预算、每栋建筑只选一种获取方式、建筑面积等约束下，依次优化各目标（字典序）；"
        "方案由独立程序按原始数据复核（预算、方式、面积、容量、覆盖）。\n"
        "Integer programme: the objectives are optimised one after another (lexicographically), each keeping "
        "the optimum of the ones before, subject to the budgets, one acquisition mode per building, floor "
        "area and the scenario's rules. The plan was re-checked from the raw tables by an evaluator "
        "independent of the model (budgets, modes, areas, capacities, coverage).\n\n"
        f"- 目标 Objectives: {stages}\n"
        f"- {capacity}\n"
        f"- 求解器 Solver: {first.solver} {first.version}; bound {sol.bound if sol.bound is not None else '—'}\n"
        f"- 模型规模 Model size: {sol.n_cols:,} variables, {sum(sol.rows.values()):,} constraints; "
        f"{data.dropped_options} dominated options dropped (never cheaper, never larger)\n"
        f"- 输入指纹 Input SHA-256: `{result.scenario.input_sha256}`"
    )
