"""report.html: one self-contained page — charts, a map, sortable tables — that opens without a network.

Everything it needs is inline: the vega / vega-lite / vega-embed bundle that vl-convert ships (charts drawn as
SVG, so they print sharply), the vendored `sortable` script (click a header to sort), the styles (with print
rules), the chart specifications as JSON. Text from the inputs is escaped by Jinja2's autoescaping.
"""

from __future__ import annotations

import functools
import json
from importlib.resources import files

import jinja2
from markupsafe import Markup

from siting import __version__
from siting.report import charts
from siting.report.lang import Text
from siting.report.mdformat import STATUS_TEXT, persons, wan
from siting.report.plan_map import plan_map
from siting.report.plan_views import plan_views
from siting.report.tables import district_table, mode_table, scenario_warnings, service_labels, service_table
from siting.report.views import Study, View

ROWS_SHOWN = 2000  # per table: a city's 60,000 community × service rows would make the page slow to open
NUMERIC = {"int", "wan", "wan_year", "pct", "persons", "units", "m2", "m", "coord", "num"}


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """The template environment, made once (a frontier renders a report.html per point)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("siting.report", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def _asset(name: str) -> Markup:
    return Markup(files("siting.report").joinpath("assets", name).read_text(encoding="utf-8"))


def _specs_json(specs: dict[str, dict]) -> Markup:
    """Chart specs as JSON safe inside <script>: every '<' escaped, so no text can close the element."""
    text = json.dumps(specs, ensure_ascii=False, sort_keys=False, separators=(",", ":"), allow_nan=False)
    return Markup(text.replace("<", "\\u003c"))


def _table(view: View, t: Text) -> dict:
    """A view as rows of (text, sort key, numeric) cells; long tables are cut to ROWS_SHOWN (the workbook has all)."""
    cells = view.cells()
    note = view.note
    if len(cells) > ROWS_SHOWN:
        more = t(
            f"仅显示前 {ROWS_SHOWN:,} 行，共 {len(cells):,} 行；完整数据见 report.xlsx。",
            f"The first {ROWS_SHOWN:,} of {len(cells):,} rows; report.xlsx has them all.",
        )
        note = f"{note} {more}".strip()
    return {
        "key": view.key,
        "title": view.title,
        "note": note,
        "columns": [c.title for c in view.columns],
        "rows": [
            [
                (text, "" if value is None or kind == "text" else f"{value:.10g}", kind in NUMERIC)
                for text, value, kind in row
            ]
            for row in cells[:ROWS_SHOWN]
        ],
    }


def _labels(t: Text) -> dict[str, str]:
    return {
        "warnings": t("输入提示", "Input warnings"),
        "charts": t("图表", "Charts"),
        "map": t("地图", "Map"),
        "none": t("无", "None"),
    }


def _page(t: Text, *, title: str, description: str, warnings, cards, charts_, map_, views, blocks, footer) -> str:
    specs = {c["key"]: c.pop("spec") for c in [*charts_, *([map_] if map_ else [])]}
    toc = [("summary", t("摘要", "Summary"))] if cards else []
    toc += [("charts", t("图表", "Charts"))] if charts_ else []
    toc += [("map", t("地图", "Map"))] if map_ else []
    toc += [(v.key, v.title) for v in views] + [(b["key"], b["title"]) for b in blocks]
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            html_lang=t.html_lang,
            version=__version__,
            title=title,
            description=description,
            warnings=list(warnings),
            L=_labels(t),
            toc=toc,
            cards=cards,
            charts=charts_,
            map=map_,
            views=[_table(v, t) for v in views],
            blocks=blocks,
            footer=footer,
            specs_json=_specs_json(specs),
            sortable_js=_asset("sortable.min.js"),
            vega_js=Markup(charts.javascript_bundle()),
        )
    )


def _cards(result, t: Text) -> list[dict]:
    ev, sol, cfg = result.evaluation, result.solution, result.scenario.config
    status = t(*STATUS_TEXT.get(sol.status.value, (sol.status.value, sol.status.value)), " / ")
    cards = [
        {"label": t("求解状态", "Status"), "value": status, "sub": f"gap {sol.gap:.4%}" if sol.gap is not None else ""},
        {"label": t("选定建筑", "Buildings acquired"), "value": f"{len(ev.selected)}", "sub": ""},
        {
            "label": t("一次性投入", "One-off cost"),
            "value": f"{wan(ev.capex)} 万元",
            "sub": f"{t('预算', 'budget')} {wan(cfg.budget.capex)} 万元",
        },
        {
            "label": t("年度费用（净）", "Yearly cost (net)"),
            "value": f"{wan(ev.annual - ev.freed)} 万元/年",
            "sub": (f"{t('预算', 'budget')} {wan(cfg.budget.annual)} 万元/年" if cfg.budget.annual is not None else "")
            + (f"; {t('关闭释放', 'freed by closures')} {wan(ev.freed)}" if ev.freed else ""),
        },
    ]
    labels = service_labels(result, t)
    for key, row in service_table(result).iterrows():
        cards.append(
            {
                "label": labels[key],
                "value": f"{row.share:.1%}",
                "sub": f"{persons(row.persons_covered)} / {persons(row.persons)} {t('人', 'persons')}",
            }
        )
    return cards


def _blocks(result, t: Text) -> list[dict]:
    est, sol = result.demand.estimate, result.solution
    first = sol.first.result
    demand = [
        t(
            f"需求按 {est.year} 年（{est.variant} 方案）估算，基年 {est.base_year}；参数与来源见“假设”表。",
            f"Demand estimated for {est.year} ({est.variant} variant) from base year {est.base_year}; parameters and "
            "sources in the Assumptions table.",
        ),
        *est.notes,
    ]
    stages = "; ".join(f"{i + 1}. {s.objective} {s.result.status.value}" for i, s in enumerate(sol.stages))
    method = [
        t(
            "整数规划，按目标先后依次优化（字典序）；方案由独立于模型的程序按原始数据复核。",
            "Integer programme, objectives optimised one after another (lexicographically); the plan was re-checked "
            "from the raw tables by an evaluator independent of the model.",
        ),
        f"{t('目标', 'Objectives')}: {stages}",
        f"{t('求解器', 'Solver')}: {first.solver} {first.version}",
        f"{t('输入指纹', 'Input')} SHA-256: {result.scenario.input_sha256}",
    ]
    return [
        {"key": "demand", "title": t("需求：假设与来源", "Demand: assumptions and sources"), "lines": demand},
        {"key": "method", "title": t("方法", "Method"), "lines": method},
    ]


def _study_charts(study: Study | None, labels: dict[str, str], t: Text) -> list[dict]:
    if study is None or study.frontier is None or study.frontier.empty:
        return []
    return [
        {
            "key": "frontier",
            "spec": charts.frontier(study.frontier, labels, t, study.budget_label),
            "caption": t(
                "每个点是一个独立求解并复核的方案；红圈为拐点（其后边际增益下降最多）。",
                "Each point is a plan solved and re-checked on its own; the red ring marks the knee (after it the "
                "marginal gain drops most).",
            ),
        }
    ]


def render(result, lang: str = "both", study: Study | None = None) -> str:
    """report.html of one run (with a study's frontier and tables when given)."""
    t = Text(lang)
    cfg = result.scenario.config
    labels = service_labels(result, t)
    chart_list = [
        {"key": "coverage", "spec": charts.coverage_by_service(service_table(result), labels, t), "caption": ""},
    ]
    modes = mode_table(result)
    if not modes.empty:
        chart_list.append({"key": "cost", "spec": charts.cost_by_mode(modes, t), "caption": ""})
    districts = district_table(result)
    if not districts.empty:
        chart_list.append(
            {"key": "districts", "spec": charts.coverage_by_district(districts, labels, t), "caption": ""}
        )
    chart_list += _study_charts(study, labels, t)
    map_ = {
        "key": "map",
        "spec": plan_map(result, t),
        "caption": t(
            "社区按所选服务的覆盖率着色；方块为新获取建筑（按方式着色），三角为现有设施（叉号为关闭）；虚线圆为步行半径（直线距离）。",
            "Communities coloured by the covered share of the chosen service; squares are acquired buildings "
            "(coloured by mode), triangles existing facilities (crosses: closed); dashed circles show the walking "
            "radius as straight-line reach.",
        ),
    }
    first = ("buildings", "existing", "services", *(("districts",) if not districts.empty else ()), "not_covered")
    views = [
        *plan_views(result, t, first),
        *(study.views(labels, t) if study else []),
        *plan_views(result, t, ("coverage", "assumptions")),
    ]
    return _page(
        t,
        title=f"{t('社区嵌入式服务设施选址方案', 'Community facility siting plan', ' / ')}: {cfg.name}",
        description=cfg.description or "",
        warnings=scenario_warnings(result),
        cards=_cards(result, t),
        charts_=chart_list,
        map_=map_,
        views=views,
        blocks=_blocks(result, t),
        footer=f"siting {__version__} · {t('输入指纹', 'input')} SHA-256 {result.scenario.input_sha256[:16]}…",
    )


def render_study(title: str, study: Study, labels: dict[str, str], lang: str = "both", description: str = "") -> str:
    """report.html of a study folder (a frontier or a comparison) without a single plan of its own.

    Args:
        title: page title (already in the report's language).
        study: the study's tables.
        labels: service key -> label in the report's language (siting.report.html.service_labels).
        lang: zh, en or both.
        description: a paragraph under the title.
    """
    t = Text(lang)
    return _page(
        t,
        title=title,
        description=description,
        warnings=(),
        cards=[],
        charts_=_study_charts(study, labels, t),
        map_=None,
        views=study.views(labels, t),
        blocks=[],
        footer=f"siting {__version__}",
    )
