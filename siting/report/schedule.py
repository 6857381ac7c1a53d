"""The schedule of a phased roll-out and the variants of a robust plan in plan.json, report.md, html and xlsx.

A phased plan adds its years (money, spending, buildings acquired, coverage); a robust plan its criterion, every
demand variant's figures and the regret table.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from siting.report.lang import Text
from siting.report.mdformat import md_table
from siting.report.tables import rounded, service_label
from siting.report.views import Study
from siting.scenario.schema import MODE_LABELS

WAN = 1e4


def _plan_entries(plan) -> dict[str, Any]:
    """A plan as plan.json writes it (enough for `siting verify` to check it again)."""
    return {
        "selected": [
            {
                "building": s.building,
                "mode": s.mode,
                "services": list(s.services),
                "area_m2": [rounded(a) for a in s.area_m2],
            }
            for s in plan.selected
        ],
        "closed": list(plan.closed),
        "assignments": [
            {"community": a.community, "service": a.service, "building": a.building, "units": rounded(a.units)}
            for a in plan.assignments
        ],
    }


def _coverage(evaluation) -> dict[str, Any]:
    return {
        key: {"share": rounded(row.share), "covered": rounded(row.covered), "demand": rounded(row.demand)}
        for key, row in evaluation.by_service.iterrows()
    }


def phases_document(result) -> dict[str, Any] | None:
    """plan.json's `phases`: per year, the buildings acquired, spending against that year's money, coverage."""
    outcome = result.phases
    if outcome is None:
        return None
    names = result.scenario.buildings["name"]
    years = []
    for t, year in enumerate(outcome.years):
        ev = outcome.check.evaluations[t]
        acquired = [s for s in outcome.plans[t].selected if s.building in outcome.check.acquired[t]]
        years.append(
            {
                "year": year,
                "capex_budget": rounded(outcome.capex[t]),
                "capex_spent": rounded(outcome.check.spent[t]),
                "annual_budget": None if outcome.annual is None else rounded(outcome.annual[t]),
                "annual_cost": rounded(ev.annual - ev.freed),
                "acquired": [
                    {
                        "building": s.building,
                        "name": str(names.get(s.building, "")),
                        "mode": s.mode,
                        "services": list(s.services),
                    }
                    for s in acquired
                ],
                "coverage": _coverage(ev),
                "objectives": {name: rounded(value) for name, value in ev.objectives.items()},
                "plan": _plan_entries(outcome.plans[t]),
            }
        )
    return {"years": years}


def robust_document(result) -> dict[str, Any] | None:
    """plan.json's `robust`: the criterion and its value, each variant's figures, the regret table."""
    outcome = result.robust
    if outcome is None:
        return None
    first = result.scenario.config.model.objectives[0]
    value = outcome.check.objectives[first]
    return {
        "criterion": outcome.criterion,
        "variants": list(outcome.variants),
        "weights": [rounded(w) for w in outcome.weights],
        "objective": first,
        "value": rounded(-value if outcome.criterion == "min_regret" else value),
        "optima": [rounded(v) for v in outcome.optima],
        "optima_proven": [single.solution.status.value == "optimal" for single in outcome.singles],
        "per_variant": {
            variant: {
                "objective": rounded(outcome.check.values[k]),
                "coverage": _coverage(outcome.check.evaluations[k]),
                "plan": _plan_entries(outcome.plans[k]),
            }
            for k, variant in enumerate(outcome.variants)
        },
        "regret_table": [
            {"plan": plan, **{column: rounded(value) for column, value in row.items()}}
            for plan, row in outcome.table.iterrows()
        ],
    }


def schedule_table(result, t: Text) -> pd.DataFrame:
    """One row per year: money, spending, buildings acquired (with names and modes), covered share per service."""
    outcome = result.phases
    names = result.scenario.buildings["name"]
    rows = []
    for k, year in enumerate(outcome.years):
        ev = outcome.check.evaluations[k]
        acquired = [s for s in outcome.plans[k].selected if s.building in outcome.check.acquired[k]]
        row = {
            t("年份", "year"): year,
            t("一次性预算 (万元)", "one-off budget (万元)"): round(outcome.capex[k] / WAN, 2),
            t("一次性支出 (万元)", "one-off spent (万元)"): round(outcome.check.spent[k] / WAN, 2),
            t("年度费用 (万元/年)", "yearly cost (万元/year)"): round((ev.annual - ev.freed) / WAN, 2),
            t("新增建筑", "buildings acquired"): "; ".join(
                f"{names.get(s.building, s.building)} ({s.building}, {t(*MODE_LABELS[s.mode])})" for s in acquired
            ),
        }
        for key, share in ev.by_service["share"].items():
            row[f"{t(*service_label(result, key))} (%)"] = round(100 * share, 1)
        rows.append(row)
    return pd.DataFrame(rows)


def regret_frame(result, t: Text) -> pd.DataFrame:
    """The regret table with its labels: each plan's first objective under each variant."""
    outcome = result.robust
    labels = {"low": t("低方案", "low"), "central": t("中方案", "central"), "high": t("高方案", "high")}
    columns = {**labels, "worst": t("最差", "worst"), "expected": t("加权平均", "expected")}
    columns["regret"] = t("最大遗憾", "regret")

    def plan_label(name: str) -> str:
        if name == "robust":
            return t("稳健方案", "robust plan")
        variant = name.split()[-1]
        return t(f"{labels.get(variant, variant)}的最优计划", f"best plan for {variant}")

    frame = outcome.table.rename(columns=columns, index=plan_label)
    return frame.round(3).reset_index(names=t("计划", "plan"))


def markdown(result, t: Text) -> str:
    """report.md's section on the schedule or the variants (empty for a plain plan)."""
    if result.phases is not None:
        frame = schedule_table(result, t)
        head = f"## {t('分期实施计划', 'Phased roll-out', ' / ')}"
        note = t(
            "每年新增的建筑在之后各年保留（同一方式），已开设的服务保持开放；一次性支出不超过当年预算。目标为各年覆盖之和。",
            "Buildings acquired in a year stay (by the same mode) and services opened stay open; each year's one-off "
            "spending fits that year's money. The objective sums the years' coverage.",
        )
        return "\n\n".join([head, note, md_table(list(frame.columns), _cells(frame, 2))])
    if result.robust is not None:
        outcome = result.robust
        frame = regret_frame(result, t)
        head = f"## {t('需求不确定性下的稳健方案', 'Robust plan under uncertain demand', ' / ')}"
        criterion = {
            "max_min": t("最差情景最好", "the best worst case"),
            "expected": t("加权平均最好", "the best weighted mean"),
            "min_regret": t("最大遗憾最小", "the least largest regret"),
        }[outcome.criterion]
        note = t(
            f"同一方案在各需求情景（{', '.join(outcome.variants)}）下评估，按“{criterion}”选择；"
            "下表为各计划在各情景下的第一目标值。",
            f"One plan judged under each demand variant ({', '.join(outcome.variants)}), chosen for {criterion}; "
            "the table gives the first objective of each plan under each variant.",
        )
        unproven = [
            v for v, single in zip(outcome.variants, outcome.singles) if single.solution.status.value != "optimal"
        ]
        if unproven:
            note += " " + t(
                f"注意：情景 {', '.join(unproven)} 的单情景计划未证明最优（时间限制），遗憾按已找到的最好计划计算。",
                f"Note: the single-variant plans of {', '.join(unproven)} were not proven optimal (time limit); "
                "regrets are measured against the best plans found.",
            )
        return "\n\n".join([head, note, md_table(list(frame.columns), _cells(frame, 3))])
    return ""


def _cells(frame: pd.DataFrame, decimals: int) -> list[list[str]]:
    """Table cells for reading: thousands separators, `decimals` places (one for percentages), years as they are."""

    def cell(column: str, value: object) -> str:
        if isinstance(value, float):
            return f"{value:,.1f}" if column.endswith("(%)") else f"{value:,.{decimals}f}"
        return str(value)

    return [[cell(c, v) for c, v in zip(frame.columns, row)] for row in frame.itertuples(index=False)]


def study(result, t: Text) -> Study | None:
    """The schedule or the regret table as a study table of report.html and report.xlsx."""
    if result.phases is not None:
        return Study(tables=(("schedule", ("分期实施", "Schedule"), schedule_table(result, t)),))
    if result.robust is not None:
        return Study(tables=(("regret", ("需求情景", "Variants"), regret_frame(result, t)),))
    return None
