"""frontier.md and compare.md: many plans in Chinese and English for the people who decide (amounts in 万元)."""

from __future__ import annotations

import pandas as pd

from siting.report.compare_views import compared_service_labels, facility_names
from siting.report.mdformat import BASIS_TEXT, STATUS_TEXT, md_table, persons, wan
from siting.report.views import named
from siting.scenario.load import Scenario
from siting.scenario.schema import MODE_LABELS

BUDGET_TEXT = {
    "capex": ("一次性预算", "one-off budget", "万元"),
    "annual": ("年度预算（新增支出，扣除关闭释放）", "yearly budget (new spending net of closures)", "万元/年"),
}


def service_names(scenario: Scenario) -> dict[str, str]:
    """Service key -> 'zh en' label."""
    return {k: f"{s.label.zh} {s.label.en}" if s.label else k for k, s in scenario.config.services.items()}


def _status(row) -> str:
    zh, en = STATUS_TEXT.get(row.status, (row.status, row.status))
    gap = "" if pd.isna(row.gap) or row.status != "feasible" else f", gap {row.gap:.3%}"
    return f"{zh} {en}{gap}"


def _number(value, fmt: str = "{:,.2f}") -> str:
    return "—" if value is None or pd.isna(value) else fmt.format(value)


def render_frontier(frontier, scenario: Scenario) -> str:
    """The frontier as Markdown: what was swept, the ends, the table, the knee, the price of nesting."""
    table = frontier.table.reset_index()
    names = service_names(scenario)
    parts = [f"# 预算前沿 Budget frontier: {scenario.name}"]
    parts.append(_sweep_text(frontier, scenario))
    for sweep, part in table.groupby("sweep", sort=False):
        parts.append(_points(sweep, part, frontier.kind, names))
        parts.append(_knee(part, frontier.kind))
    if (table["sweep"] == "nested").any():
        parts.append(_nesting(table))
        parts.append(_stalled(table, frontier.kind, scenario))
    parts.append(_method(scenario))
    return "\n\n".join(p for p in parts if p) + "\n"


def _sweep_text(frontier, scenario: Scenario) -> str:
    if frontier.kind == "target":
        return (
            "每个覆盖目标（各项服务覆盖其需求的比例）所需的最低净现值成本；两项预算均不设上限，其他规则不变。\n"
            "The least net present cost of covering each target share of every service's demand; both budgets "
            "lifted, every other rule of the scenario kept. Marginal gains are per 万元 of net present cost."
        )
    zh, en, unit = BUDGET_TEXT[frontier.kind]
    budget = scenario.config.budget
    other = (
        f"年度预算 yearly budget {wan(budget.annual)} 万元/年"
        if frontier.kind == "capex" and budget.annual is not None
        else f"一次性预算 one-off budget {wan(budget.capex)} 万元"
        if frontier.kind == "annual"
        else "年度预算不限 no yearly limit"
    )
    text = f"扫描{zh}，其他规则不变（{other}）。Sweeping the {en}; every other rule of the scenario is kept ({other})."
    ends = frontier.ends
    if ends:
        text += (
            f"\n\n- 下端 Lower end: {wan(ends['lower'])} {unit} — 满足全部规则的方案所需的最低{zh} / the least "
            f"{en} of any plan that meets the scenario's rules ({ends['lower_status']}).\n"
            f"- 上端 Upper end: {wan(ends['upper'])} {unit} — 达到最高覆盖的方案所需的最低{zh}，超过此值覆盖不再提高 / "
            f"the least {en} of a plan with the most coverage possible; beyond it coverage stops rising "
            f"({ends['upper_status']})."
        )
    return text


def _points(sweep: str, part: pd.DataFrame, kind: str, names: dict[str, str]) -> str:
    title = {
        "free": "## 自由方案 Free plans (每个预算下的最优方案 the best plan at each budget)",
        "nested": "## 嵌套方案 Nested plans (保留上一点的全部建筑 each point keeps the previous point's buildings)",
        "target": "## 覆盖目标 Coverage targets",
    }[sweep]
    unit = "万元" if kind != "annual" else "万元/年"
    first = ["目标 Target"] if kind == "target" else [f"预算 Budget ({unit})"]
    header = ["点 Point", *first, "状态 Status", "一次性 One-off (万元)", "年度净额 Yearly net (万元/年)"]
    header += ["净现值 NPV (万元)", "建筑 Buildings", "目标值 Objective", "加权服务人数 Weighted persons"]
    header += [f"{names[k]}" for k in names]
    header += ["每万元新增人数 Persons per 万元", "每万元目标增量 Objective per 万元", "拐点 Knee"]
    rows = []
    for _, r in part.iterrows():
        swept = f"{r.target:.0%}" if kind == "target" else wan(r.budget)
        if r.status not in ("optimal", "feasible"):
            rows.append([r.plan, swept, _status(r)] + ["—"] * (len(header) - 3))
            continue
        shares = [f"{r[f'share.{k}']:.1%}" for k in names]
        rows.append(
            [
                r.plan,
                swept,
                _status(r),
                wan(r.capex),
                wan(r.annual - r.annual_freed),
                wan(r.npv),
                int(r.buildings),
                _number(r.objective),
                persons(r.persons),
                *shares,
                _number(r.marginal_per_wan, "{:,.1f}"),
                _number(r.marginal_objective_per_wan, "{:,.4f}"),
                "✓ 拐点 knee" if r.knee else "",
            ]
        )
    note = "各服务列为覆盖其需求的比例。Service columns: covered share of the service's demand."
    return f"{title}\n\n{note}\n\n" + md_table(header, rows)


def _knee(part: pd.DataFrame, kind: str) -> str:
    planned = part[part["status"].isin(("optimal", "feasible"))].reset_index(drop=True)
    knee = planned.index[planned["knee"].astype(bool)]
    if not len(knee):
        return "拐点 Knee: 边际收益没有下降 — the marginal gain never drops between these points."
    i = int(knee[0])
    row, after = planned.loc[i], planned.loc[i + 1] if i + 1 < len(planned) else None
    where = f"{row['target']:.0%}" if kind == "target" else f"{wan(row['budget'])} 万元"
    text = (
        f"**拐点 Knee: {row['plan']} ({where}).** 在此之前每万元新增 {row['marginal_per_wan']:,.1f} 加权服务人数"
        f"（目标值 {row['marginal_objective_per_wan']:,.4f}），之后为 {after['marginal_per_wan']:,.1f}"
        f"（{after['marginal_objective_per_wan']:,.4f}）。Up to this point each extra 万元 served "
        f"{row['marginal_per_wan']:,.1f} more weighted persons (objective {row['marginal_objective_per_wan']:,.4f}); "
        f"beyond it, {after['marginal_per_wan']:,.1f} ({after['marginal_objective_per_wan']:,.4f})."
    )
    if (planned["marginal_per_wan"] < 0).any():
        text += (
            "\n\n按覆盖率计目标时，预算增加可能使加权服务人数略降（方案把名额让给覆盖率更低的服务），目标值不会下降。"
            "On the share basis more money can serve slightly fewer weighted persons (the plan moves places to "
            "services with lower shares); the objective never falls."
        )
    return text


def _nesting(table: pd.DataFrame) -> str:
    nested = table[table["sweep"] == "nested"]
    rows = [
        [
            r.plan,
            wan(r.budget),
            _number(r.objective),
            _number(r.objective + r.nesting_price) if not pd.isna(r.nesting_price) else "—",
            _number(r.nesting_price, "{:,.3f}"),
            _number(r.nesting_price_persons, "{:,.0f}"),
        ]
        for r in nested.itertuples()
    ]
    return (
        "## 嵌套的代价 Price of nesting\n\n资金分批到位、已购建筑不再出售时，与同一预算下的自由最优方案相比损失的覆盖。"
        "Coverage lost when money arrives in tranches and bought buildings are kept, against the free optimum "
        "at the same budget.\n\n"
        + md_table(
            [
                "点 Point",
                "预算 Budget (万元)",
                "嵌套目标值 Nested objective",
                "自由目标值 Free objective",
                "代价 Price (objective)",
                "代价 Price (weighted persons)",
            ],
            rows,
        )
    )


#: A budget counts as used up when the plan spends at least this share of it.
USED_UP = 0.99


def _stalled(table: pd.DataFrame, kind: str, scenario: Scenario) -> str:
    """Why the nested plans stop growing while the swept budget still has room: the other budget is used up."""
    nested = table[table["sweep"] == "nested"].reset_index(drop=True)
    if kind == "target" or len(nested) < 2:
        return ""
    spent = {"capex": nested["capex"], "annual": nested["annual"] - nested["annual_freed"].fillna(0.0)}
    other = "annual" if kind == "capex" else "capex"
    limit = getattr(scenario.config.budget, other)
    if limit is None:
        return ""
    flat = nested["objective"].diff().abs() <= 1e-9 * nested["objective"].abs().clip(lower=1.0)
    stuck = nested.index[flat & (spent[kind] < USED_UP * nested["budget"]) & (spent[other] >= USED_UP * limit)]
    if not len(stuck):
        return ""
    first = nested.loc[stuck[0]]
    zh_other, en_other, unit = BUDGET_TEXT[other]
    zh_swept, en_swept, _ = BUDGET_TEXT[kind]
    figures = f"{wan(spent[other][stuck[0]])} / {wan(limit)} {unit}"
    return (
        f"**{first.plan} 起嵌套方案不再增长 From {first.plan} on, the nested plan stops growing.** "
        f"{zh_swept}仍有余额，但{zh_other}已用尽（{figures}）：之前各点选定的建筑（包括租赁的）都保留，其费用占满了{zh_other}。"
        f"The {en_swept} has room left, but the {en_other} is used up ({figures}): every building chosen at an "
        f"earlier point, rented ones included, is kept, and their cost fills the {en_other}."
    )


def _method(scenario: Scenario) -> str:
    return (
        "## 方法 Method\n\n"
        "每个点都是一次完整的 `siting run`（同一模型、同一目标顺序、同一独立复核），只改变预算；"
        "方案文件夹见 frontier.csv 的 folder 列。"
        "Each point is a full `siting run` (same model, objectives and independent check) with only the swept "
        "value changed; its folder is in frontier.csv's folder column. Each point is warm-started from the "
        "previous point's plan. 边际 Marginal: weighted persons gained per 万元 against the previous point; "
        "拐点 knee: the point after which that gain drops most.\n\n"
        + " ".join(BASIS_TEXT[scenario.config.model.objective_basis])
    )


CHANGE_TEXT = {"added": "新增 added", "dropped": "取消 dropped", "changed": "调整 changed", "same": "相同 same"}
BUILDINGS_SHOWN = 60


def render_compare(comparison) -> str:
    """compare.md: summary, buildings that differ, cost by mode, coverage by service and district, scenario keys."""
    labels = [r.label for r in comparison.runs]
    names = {key: f"{zh} {en}" if zh != en else zh for key, (zh, en) in compared_service_labels(comparison).items()}
    parts = [
        f"# 方案对比 Plans side by side: {' / '.join(labels)}",
        "第一个方案为参照，差值 = 其他方案 − 参照。The first plan is the reference; differences are the other plan "
        "minus the reference.",
        _compare_summary(comparison, labels),
        _compare_buildings(comparison, labels, names),
        _compare_modes(comparison, labels),
        _compare_services(comparison, labels, names),
        _compare_districts(comparison, labels, names),
        _compare_keys(comparison, labels),
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def _compare_summary(comparison, labels: list[str]) -> str:
    s = comparison.summary
    facilities = facility_names(comparison)
    rows = [
        ["状态 Status"] + [" ".join(STATUS_TEXT.get(status, (status,))) for status in s.loc[labels, "status"]],
        ["建筑 Buildings"] + [str(int(s.loc[k, "buildings"])) for k in labels],
        ["一次性投入 One-off (万元)"] + [wan(s.loc[k, "capex"]) for k in labels],
        ["年度费用净额 Yearly net (万元/年)"] + [wan(s.loc[k, "annual"] - s.loc[k, "annual_freed"]) for k in labels],
        ["净现值 NPV (万元)"] + [wan(s.loc[k, "npv"]) for k in labels],
        ["目标值 Objective"] + [_number(s.loc[k, "objective"]) for k in labels],
        ["加权服务人数 Weighted persons"] + [persons(s.loc[k, "persons"]) for k in labels],
        ["关闭的现有设施 Closed facilities"]
        + [named(pd.Series([s.loc[k, "closed"]]), facilities)[0] or "—" for k in labels],
    ]
    return "## 概要 Summary\n\n" + md_table(["项目 Item", *labels], rows)


def change_counts(buildings: pd.DataFrame, labels: list[str]) -> dict[str, dict[str, int]]:
    """Run label -> change -> number of buildings, for every run after the first (against the first)."""
    columns = {labels[1]: "change"} if len(labels) == 2 else {k: f"change_{k}" for k in labels[1:]}
    return {k: buildings[c].value_counts().to_dict() for k, c in columns.items()}


def _mode_text(mode: str) -> str:
    zh, en = MODE_LABELS.get(mode, (mode, mode))
    return f"{zh} {en}" if zh != en else zh


def _compare_buildings(comparison, labels: list[str], names: dict[str, str]) -> str:
    table = comparison.buildings
    text = "; ".join(
        f"{k}: " + "、".join(f"{CHANGE_TEXT[c]} {n.get(c, 0)}" for c in ("added", "dropped", "changed", "same"))
        for k, n in change_counts(table, labels).items()
    )
    differ = table[table["change"] != "same"]

    def change(r) -> str:
        if len(labels) == 2:
            return CHANGE_TEXT[r["change"]]
        changes = {k: r[f"change_{k}"] for k in labels[1:]}
        return "; ".join(f"{k}: {CHANGE_TEXT[c]}" for k, c in changes.items() if c not in ("same", ""))

    rows = [
        [f"{r['name']} ({r['building']})"]
        + [
            f"{_mode_text(r[f'mode_{k}'])}: " + "、".join(names.get(x, x) for x in str(r[f"services_{k}"]).split(";"))
            if r[f"mode_{k}"]
            else "—"
            for k in labels
        ]
        + [change(r)]
        for _, r in differ.head(BUILDINGS_SHOWN).iterrows()
    ]
    more = len(differ) - BUILDINGS_SHOWN
    header = ["建筑 Building", *(f"{k} (方式: 服务 mode: services)" for k in labels), "变化 Change"]
    body = md_table(header, rows) if rows else ""
    tail = f"\n\n…另有 {more} 栋 / and {more} more (see buildings.csv)" if more > 0 else ""
    return f"## 建筑变化 Buildings\n\n{text} (vs {labels[0]}).\n\n{body}{tail}".rstrip()


def _compare_modes(comparison, labels: list[str]) -> str:
    table = comparison.cost_by_mode
    modes = [m for m in dict.fromkeys(table.index.get_level_values("mode"))]
    rows = []
    for mode in modes:
        cells = []
        for k in labels:
            if (k, mode) in table.index:
                r = table.loc[(k, mode)]
                cells.append(f"{int(r['buildings'])} · {wan(r['capex'])} · {wan(r['annual_cost'])}")
            else:
                cells.append("—")
        rows.append([_mode_text(mode), *cells])
    return (
        "## 按获取方式的成本 Cost by mode\n\n每格：建筑数 · 一次性投入（万元）· 年度费用（万元/年）。"
        "Each cell: buildings · one-off (万元) · yearly (万元/年).\n\n" + md_table(["方式 Mode", *labels], rows)
    )


def _compare_services(comparison, labels: list[str], names: dict[str, str]) -> str:
    table = comparison.coverage_by_service
    services = list(dict.fromkeys(table.index.get_level_values("service")))
    ref = labels[0]
    rows = []
    for key in services:  # a run whose scenario has no such service shows "—"
        share = {k: table.loc[(k, key), "share"] if (k, key) in table.index else None for k in labels}
        cells = [
            "—" if share[k] is None else f"{share[k]:.1%} ({persons(table.loc[(k, key), 'persons_covered'])})"
            for k in labels
        ]
        diffs = [
            "—" if share[k] is None or share[ref] is None else f"{(share[k] - share[ref]) * 100:+.1f} pp"
            for k in labels[1:]
        ]
        rows.append([names.get(key, key), *cells, *diffs])
    header = ["服务 Service", *(f"{k}: share (persons)" for k in labels), *(f"Δ {k}" for k in labels[1:])]
    return "## 各服务覆盖 Coverage by service\n\n" + md_table(header, rows)


def _compare_districts(comparison, labels: list[str], names: dict[str, str]) -> str:
    table = comparison.coverage_by_district
    share = table["share"].unstack("plan").reindex(columns=labels)
    share = share[share.index.get_level_values("district") != ""]
    if share.empty:
        return ""
    ref = labels[0]
    rows = [
        [district, names.get(service, service)]
        + ["—" if pd.isna(v) else f"{v:.1%}" for v in values]
        + [_number((values[k] - values[ref]) * 100, "{:+.1f} pp") for k in labels[1:]]
        for (district, service), values in share.iterrows()
    ]
    header = ["街道 District", "服务 Service", *labels, *(f"Δ {k}" for k in labels[1:])]
    return "## 各街道覆盖 Coverage by district\n\n" + md_table(header, rows)


def _compare_keys(comparison, labels: list[str]) -> str:
    diff = comparison.scenario_differences
    if diff.empty:
        return "## 情景差异 Scenario keys that differ\n\n无 / none: the runs planned the same scenario."
    rows = [[r["key"], *(r[k] for k in labels)] for _, r in diff.iterrows()]
    return "## 情景差异 Scenario keys that differ\n\n" + md_table(["键 Key", *labels], rows)


def closures_section(table: pd.DataFrame, scenario: Scenario) -> str:
    """report.md section: why each closed facility closes and what keeping it open would cost."""
    if table.empty:
        return ""
    names = service_names(scenario)
    lines = [
        "## 关闭现有设施的原因 Why existing facilities close",
        "关闭可关闭的现有设施会把其年度费用让给新增设施；置换换出其所在资产时设施随之关闭。下表比较保留该设施时的最优方案。"
        "Closing a closable facility frees its yearly cost for new facilities; a swap that trades away the asset "
        "housing a facility closes it. The table compares the best plan with the facility kept open.",
    ]
    rows = []
    for facility, r in table.iterrows():
        why = (
            f"置换 swap {r['traded_by']} 换出资产 trades asset {r['asset']}" if r["traded_by"] else "释放年度费用 frees"
        )
        lost = "; ".join(
            f"{names[k]} {r[f'share_lost.{k}'] * 100:+.1f} pp" for k in names if abs(r[f"share_lost.{k}"]) > 5e-4
        )
        kept = {
            "infeasible": "—（保留则无可行方案 no plan meets the rules）",
            "not_checked": "—（限时内未复算 not re-planned within the time limit）",
        }.get(r["status_kept_open"], _number(r["objective_kept_open"]))
        if r["status_kept_open"] == "feasible":  # the re-plan hit its time limit: a plan, maybe not the best
            kept += "（限时，未证最优 time limit, not proven best）"
        rows.append(
            [
                f"{r['name']} ({facility})",
                f"{why} {wan(r['annual_cost'])} 万元/年",
                _number(r["objective"]),
                kept,
                _number(r["objective_lost"], "{:,.3f}"),
                _number(r["persons_lost"], "{:,.0f}"),
                lost or "—",
            ]
        )
    header = [
        "设施 Facility",
        "原因 Why",
        "本方案目标值 Objective",
        "保留时 Kept open",
        "关闭所得 Gained by closing",
        "加权人数 Weighted persons",
        "覆盖率变化 Share gained by closing",
    ]
    return "\n\n".join(lines) + "\n\n" + md_table(header, rows)
