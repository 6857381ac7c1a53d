"""report.md: the plan for the people who decide, in Chinese, English or both (amounts in 万元, areas in m²)."""

from __future__ import annotations

import pandas as pd

from siting.demand import markdown_section
from siting.report import schedule
from siting.report.lang import Text
from siting.report.mdformat import BASIS_TEXT, STATUS_TEXT, md_table, persons, text, wan
from siting.report.served import REASONS
from siting.report.tables import (
    coverage_table,
    district_table,
    group_labels,
    mode_table,
    scenario_warnings,
    selected_table,
    service_label,
    service_table,
    uneven_coverage,
)
from siting.scenario.schema import MODE_LABELS
from siting.verify.evaluate import annuity

UNCOVERED_SHOWN = 15


def render(result, lang: str = "both") -> str:
    """The whole report as Markdown, in `lang` (zh, en or both)."""
    t = Text(lang)
    parts = (
        _header(result, t),
        _warnings(result, t),
        _summary(result, t),
        schedule.markdown(result, t),
        _selected(result, t),
        _by_mode(result, t),
        _existing(result, t),
        _coverage(result, t),
        _districts(result, t),
        _uncovered(result, t),
        _demand(result, t),
        _method(result, t),
    )
    return "\n\n".join(part for part in parts if part) + "\n"


def _header(result, t: Text) -> str:
    cfg = result.scenario.config
    heading = f"# {t('社区嵌入式服务设施选址方案', 'Community facility siting plan', ' / ')}: {text(cfg.name)}"
    if cfg.description:
        heading += f"\n\n> {text(cfg.description)}"
    return heading


def _warnings(result, t: Text) -> str:
    warnings = scenario_warnings(result)
    if not warnings:
        return ""
    return f"## {t('输入提示', 'Input warnings')}\n\n" + "\n".join(f"- {text(w)}" for w in warnings)


def _service_name(result, t: Text, key: str) -> str:
    return t(*service_label(result, key))


def _summary(result, t: Text) -> str:
    ev, sol, cfg = result.evaluation, result.solution, result.scenario.config
    status = t(*STATUS_TEXT.get(sol.status.value, (sol.status.value, sol.status.value)), " / ")
    gap = f"{sol.gap:.4%}" if sol.gap is not None else "—"
    budget = t("预算", "budget")
    capex = f"{wan(ev.capex)} 万元"
    if cfg.budget.capex:
        capex += f" / {wan(cfg.budget.capex)} 万元 {budget} ({ev.capex / cfg.budget.capex:.1%})"
    annual = f"{wan(ev.annual)} 万元/年"
    if ev.freed:
        annual += (
            f" − {wan(ev.freed)} 万元/年 {t('关闭释放', 'freed by closures')} = {wan(ev.annual - ev.freed)} 万元/年"
        )
    annual += (
        f" / {wan(cfg.budget.annual)} 万元/年 {budget}"
        if cfg.budget.annual is not None
        else f" ({t('不限', 'no limit')})"
    )
    npv = f"{wan(ev.npv)} 万元"
    if cfg.budget.npv is not None:
        freed = ev.freed * annuity(cfg.budget.horizon_years, cfg.budget.discount_rate)
        if freed:
            npv += f" − {wan(freed)} 万元 {t('关闭释放', 'freed by closures')} = {wan(ev.npv - freed)} 万元"
        npv += f" / {wan(cfg.budget.npv)} 万元 {budget}"
    rows = [
        [t("求解状态", "Status"), f"{status}; gap {gap}"],
        [t("选定建筑", "Buildings acquired"), f"{len(ev.selected)}"],
        [t("一次性投入", "One-off cost"), capex],
        [t("年度费用", "Yearly cost"), annual],
        [
            f"{t(f'{cfg.budget.horizon_years}年净现值成本', f'Net present cost over {cfg.budget.horizon_years} years')}"
            f" ({cfg.budget.discount_rate:.1%})",
            npv,
        ],
    ]
    for key, row in service_table(result).iterrows():
        rows.append(
            [
                _service_name(result, t, key),
                f"{row.share:.1%} {t('已覆盖', 'covered')}: {persons(row.persons_covered)} / {persons(row.persons)} "
                f"{t('人', 'persons')} ({t(*group_labels(row.group))}); "
                f"{persons(row.covered)} / {persons(row.demand)} {t('需求单位', 'demand units')}",
            ]
        )
    return f"## {t('摘要', 'Summary')}\n\n" + md_table([t("项目", "Item"), t("结果", "Result")], rows)


def _selected(result, t: Text) -> str:
    sel = selected_table(result)
    title = f"## {t('选定建筑', 'Buildings acquired')}\n\n"
    if sel.empty:
        return title + t("无：预算买不到能覆盖需求的建筑。", "None: the budget buys no building that covers demand.")
    capacitated = result.spec.capacitated
    kind = result.scenario.config.model.complex is not None
    assets = result.scenario.assets
    rows = []
    for r in sel.itertuples():
        traded = "、".join(f"{assets.loc[a, 'name']} ({a})" for a in r.assets_traded.split(";") if a)
        mode = t(r.mode_zh, r.mode) + (f", {t('换出', 'trading')} {traded}" if traded else "")
        services = t(r.services_zh, ", ".join(service_label(result, k)[1] for k in r.services.split(";") if k))
        row = [
            f"{r.name} ({r.building})",
            r.district,
            mode,
            services,
            f"{r.area_used_m2:,.0f} / {r.floor_area_m2:,.0f}",
            wan(r.capex),
            wan(r.annual_cost),
            persons(r.persons_served),
        ]
        if kind:
            row.insert(4, t("综合体", "complex") if r.complex else t("插花", "scattered"))
        if capacitated:
            row.append("—" if pd.isna(r.utilisation) else f"{r.served:,.0f} / {r.capacity:,.0f} ({r.utilisation:.0%})")
        rows.append(row)
    total = [f"**{t('合计', 'Total')}**", "", "", "", "", f"**{wan(sel['capex'].sum())}**"]
    total += [f"**{wan(sel['annual_cost'].sum())}**", f"**{persons(sel['persons_served'].sum())}**"]
    header = [
        t("建筑", "Building"),
        t("街道", "District"),
        t("方式", "Mode"),
        t("服务", "Services"),
        f"{t('使用/建筑面积', 'Area used/total')} (m²)",
        f"{t('一次性投入', 'One-off')} (万元)",
        f"{t('年度费用', 'Yearly')} (万元/年)",
        f"{t('服务人数', 'Persons served')} ({t('人', 'persons')})",
    ]
    if kind:
        header.insert(4, t("类型", "Type"))
        total.insert(4, f"{int(sel['complex'].sum())} {t('综合体', 'complexes')}")
    if capacitated:
        header.append(f"{t('服务量/容量', 'Served/capacity')} ({t('单位', 'units')})")
        total.append("")
    rows.append(total)
    return title + md_table(header, rows)


def _existing(result, t: Text) -> str:
    ex = result.evaluation.existing
    if ex.empty:
        return ""
    rows = [
        [
            f"{r.name} ({r.facility})",
            "、".join(_service_name(result, t, k) for k in r.services),
            t("保留", "kept") if r.status == "kept" else t("关闭", "closed"),
            wan(r.annual_cost),
            "—" if pd.isna(r.utilisation) else f"{r.served:,.0f} ({r.utilisation:.0%})",
        ]
        for r in ex.sort_values("facility").itertuples()
    ]
    return (
        f"## {t('现有设施', 'Existing facilities')}\n\n"
        + t(
            "现有设施免费计入覆盖；可关闭者关闭后释放其年度费用。",
            "Existing facilities cover demand at no cost; closing a closable one frees its yearly cost.",
        )
        + "\n\n"
        + md_table(
            [
                t("设施", "Facility"),
                t("服务", "Services"),
                t("状态", "Status"),
                f"{t('年度费用', 'Yearly')} (万元/年)",
                f"{t('服务量', 'Served')} ({t('使用率', 'utilisation')})",
            ],
            rows,
        )
    )


def _districts(result, t: Text) -> str:
    table = district_table(result)
    if table.empty:
        return ""
    services = [k for k in result.scenario.config.services if k in set(table["service"])]
    share = table.pivot(index="district", columns="service", values="share").reindex(columns=services)
    covered = table.pivot(index="district", columns="service", values="persons_covered").reindex(columns=services)
    header = [t("街道", "District")] + [_service_name(result, t, k) for k in services]
    rows = [
        [d]
        + [
            "—" if pd.isna(v) else f"{v:.0%} ({persons(n)} {t('人', 'persons')})"
            for v, n in zip(share.loc[d], covered.loc[d])
        ]
        for d in share.index
    ]
    return f"### {t('各街道覆盖率', 'Covered share by district')}\n\n" + md_table(header, rows)


def _by_mode(result, t: Text) -> str:
    grouped = mode_table(result)
    if grouped.empty:
        return ""
    rows = [
        [t(*MODE_LABELS[m]), int(r.buildings), wan(r.capex), wan(r.annual)]
        for m, r in zip(grouped.index, grouped.itertuples())
    ]
    header = [t("方式", "Mode"), t("数量", "Buildings"), f"{t('一次性投入', 'One-off')} (万元)"]
    header.append(f"{t('年度费用', 'Yearly')} (万元/年)")
    return f"### {t('按获取方式', 'By acquisition mode')}\n\n" + md_table(header, rows)


def _coverage(result, t: Text) -> str:
    rows = [
        [
            _service_name(result, t, key),
            t(*group_labels(row.group)),
            f"{row.radius_m:,.0f}",
            persons(row.persons),
            persons(row.persons_covered),
            persons(row.demand),
            persons(row.covered),
            f"{row.share:.1%}",
            f"{row.weight:g}",
        ]
        for key, row in service_table(result).iterrows()
    ]
    note = t(
        "需求单位：服务人群人数 × 使用率（如日间照料床位、托位、每日餐数）；人数为服务人群的人数。"
        "步行范围内有提供该服务的设施（有容量约束时，且被分配到该设施）即为覆盖。",
        "Demand units: persons of the group × uptake (day-care places, childcare places, meals a day); persons "
        "count the target group. A community counts as covered when a host of the service is within the walking "
        "radius (with capacities: and its demand is assigned to it).",
    )
    note += "\n\n" + t(*BASIS_TEXT[result.scenario.config.model.objective_basis])
    uneven = uneven_coverage(result)
    if uneven:
        note += "\n\n**" + t(*uneven) + "**"
    header = [
        t("服务", "Service"),
        t("服务人群", "Group"),
        f"{t('步行半径', 'Radius')} (m)",
        f"{t('服务人群', 'Group')} ({t('人', 'persons')})",
        f"{t('已覆盖', 'Covered')} ({t('人', 'persons')})",
        f"{t('需求', 'Demand')} ({t('单位', 'units')})",
        f"{t('已覆盖', 'Covered')} ({t('单位', 'units')})",
        t("覆盖率", "Share"),
        t("权重", "Weight"),
    ]
    return f"## {t('服务覆盖', 'Coverage by service')}\n\n{note}\n\n" + md_table(header, rows)


def _uncovered(result, t: Text) -> str:
    cov = coverage_table(result)
    missing = cov[cov["not_covered_reason"] != ""].assign(
        demand=lambda f: f["demand"] - f["covered_demand"], persons=lambda f: f["persons"] - f["persons_covered"]
    )
    title = f"## {t('未覆盖', 'Not covered')}\n\n"
    if missing.empty:
        return title + t("所有社区的需求均已覆盖。", "All demand is covered.")
    parts = [
        title
        + t(
            "以下社区的需求未被步行范围内的设施满足（按未满足需求从大到小）；有容量约束时社区可部分覆盖，表中为未覆盖部分。",
            "Demand not served within walking distance, largest first (with capacities a community can be partly "
            "covered; the table shows the part not covered).",
        )
    ]
    for key in result.scenario.config.services:
        part = missing[missing["service"] == key].sort_values(["demand", "community"], ascending=[False, True])
        if part.empty:
            continue
        rows = [
            [
                f"{r.name} ({r.community})",
                r.district,
                persons(r.persons),
                persons(r.demand),
                "—" if pd.isna(r.distance_m) else f"{r.distance_m:,.0f} ({r.nearest_name})",
                t(*REASONS[r.not_covered_reason]),
            ]
            for r in part.head(UNCOVERED_SHOWN).itertuples()
        ]
        more = len(part) - UNCOVERED_SHOWN
        header = [
            t("社区", "Community"),
            t("街道", "District"),
            f"{t('未覆盖', 'Not covered')} ({t('人', 'persons')})",
            f"{t('未覆盖', 'Not covered')} ({t('单位', 'units')})",
            f"{t('最近设施距离', 'Nearest host')} (m)",
            t("原因", "Reason"),
        ]
        heading = (
            f"### {text(_service_name(result, t, key))}: {len(part)} {t('个社区', 'communities')}, "
            f"{persons(part['persons'].sum())} {t('人', 'persons')}, "
            f"{persons(part['demand'].sum())} {t('单位', 'units')}"
        )
        tail = (
            f"\n\n{t(f'…另有 {more} 个（见 coverage.csv）', f'… and {more} more (see coverage.csv)')}"
            if more > 0
            else ""
        )
        parts.append(f"{heading}\n\n{md_table(header, rows)}{tail}")
    return "\n\n".join(parts)


def _demand(result, t: Text) -> str:
    est = result.demand.estimate
    rows = [
        [t(*group_labels(g)), persons(est.groups[g].sum())] for g in est.groups.columns if est.groups[g].notna().all()
    ]
    title = t("需求：假设与来源", "Demand: assumptions and sources")
    header = [t("人群", "Group"), f"{t('合计', 'Total')} ({t('人', 'persons')})"]
    return markdown_section(est, title=title) + "\n" + md_table(header, rows)


def _method(result, t: Text) -> str:
    sol, data = result.solution, result.data
    stages = "; ".join(
        f"{i + 1}. {s.objective} {s.result.status.value}" + (f" (gap {s.result.gap:.3%})" if s.result.gap else "")
        for i, s in enumerate(sol.stages)
    )
    first = sol.first.result
    capacity = (
        t("有容量约束，社区需求可部分覆盖", "capacities apply: a community's demand can be partly covered")
        if result.spec.capacitated
        else t("无容量约束", "no capacity limits")
    )
    text = t(
        "整数规划：在预算、每栋建筑只选一种获取方式、建筑面积等约束下，依次优化各目标（字典序）；"
        "方案由独立程序按原始数据复核（预算、方式、面积、容量、覆盖）。",
        "Integer programme: the objectives are optimised one after another (lexicographically), each keeping "
        "the optimum of the ones before, subject to the budgets, one acquisition mode per building, floor "
        "area and the scenario's rules. The plan was re-checked from the raw tables by an evaluator "
        "independent of the model (budgets, modes, areas, capacities, coverage).",
        "\n",
    )
    return (
        f"## {t('方法', 'Method')}\n\n{text}\n\n"
        f"- {t('目标', 'Objectives')}: {stages}\n"
        f"- {capacity}\n"
        f"- {t('求解器', 'Solver')}: {first.solver} {first.version}; bound {'—' if sol.bound is None else sol.bound}\n"
        f"- {t('模型规模', 'Model size')}: {sol.n_cols:,} {t('个变量', 'variables')}, {sum(sol.rows.values()):,} "
        f"{t('个约束', 'constraints')}; {data.dropped_options} "
        f"{t('个被占优选项已剔除（不更便宜也不更大）', 'dominated options dropped (never cheaper, never larger)')}\n"
        f"- {t('输入指纹', 'Input')} SHA-256: `{result.scenario.input_sha256}`"
    )
