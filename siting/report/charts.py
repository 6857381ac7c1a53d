"""Charts of report.html as Vega-Lite specifications, built with Altair, drawn in the browser by vega-embed.

Each function takes a labelled table (siting.report.tables or a study's table) and returns a Vega-Lite spec as
a dict; report.html embeds the specs and one inline copy of the vega / vega-lite / vega-embed bundle that
vl-convert ships, so the file needs no network. Amounts are shown in 万元, shares in %, people in persons.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import altair as alt
import pandas as pd

from siting.report.lang import Text
from siting.scenario.schema import MODE_LABELS, MODES

WIDTH = 560
MODE_COLOURS = {
    "renovate": "#1b9e77",
    "buy": "#d95f02",
    "rent": "#7570b3",
    "swap": "#e7298a",
    "build": "#66a61e",
}
#: Check every spec against the Vega-Lite schema as it is built. The specs come from this module's fixed code, so
#: the tests check them (tests/test_report_html.py) and a report does not pay the check (a tenth of a second).
VALIDATE = False
FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif"


@lru_cache(maxsize=1)
def javascript_bundle() -> str:
    """vega, vega-lite and vega-embed as one script (defines `vegaEmbed`), for the Vega-Lite version Altair writes.

    vl-convert takes one to two seconds to bundle it, so the result is kept in the user's cache folder
    (``$XDG_CACHE_HOME/siting`` or ``~/.cache/siting``), keyed by both versions; the bytes are the same.
    """
    import vl_convert

    vl_version = "_".join(alt.SCHEMA_VERSION.split(".")[:2])
    cached = _cache_dir() / f"vega-bundle-{vl_convert.__version__}-vl{vl_version}.js"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    script = vl_convert.javascript_bundle(vl_version=vl_version)
    if "</script" in script.lower():  # cannot happen with the shipped bundle; would end the inline <script> early
        raise RuntimeError("the vega bundle contains '</script' and cannot be inlined")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(script, encoding="utf-8")
        os.replace(partial, cached)
    except OSError:  # a read-only home: bundle again next time
        pass
    return script


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "siting"


def _spec(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite dict with the report's font and no frame (set on the dict: `configure` copies the chart)."""
    spec = chart.to_dict(validate=VALIDATE)
    config = spec.setdefault("config", {})
    config["font"] = FONT
    config.setdefault("view", {})["stroke"] = None
    return spec


def mode_scale(t: Text, modes: list[str]) -> alt.Scale:
    """Colour per acquisition mode, the same in every chart and on the map."""
    return alt.Scale(domain=[t(*MODE_LABELS[m]) for m in modes], range=[MODE_COLOURS[m] for m in modes])


def coverage_by_service(services: pd.DataFrame, labels: dict[str, str], t: Text) -> dict:
    """Bars: covered share of each service's demand, with persons covered in the label and tooltip.

    Args:
        services: siting.report.tables.service_table (index = service key).
        labels: service key -> label in the report's language.
        t: the report's language.
    """
    data = pd.DataFrame(
        {
            "service": [labels[k] for k in services.index],
            "share": services["share"].to_numpy(float),
            "persons": services["persons"].round(0).to_numpy(),
            "persons_covered": services["persons_covered"].round(0).to_numpy(),
        }
    )
    data["label"] = [f"{s:.1%} ({p:,.0f} {t('人', 'persons')})" for s, p in zip(data["share"], data["persons_covered"])]
    base = alt.Chart(data).encode(
        y=alt.Y("service:N", title=None, sort=None),
        x=alt.X(
            "share:Q", title=t("覆盖率", "Covered share"), scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")
        ),
    )
    bars = base.mark_bar(color="#4c78a8").encode(
        tooltip=[
            alt.Tooltip("service:N", title=t("服务", "Service")),
            alt.Tooltip("share:Q", title=t("覆盖率", "Covered share"), format=".1%"),
            alt.Tooltip("persons_covered:Q", title=t("已覆盖人数", "Persons covered"), format=",.0f"),
            alt.Tooltip("persons:Q", title=t("服务人群人数", "Persons in the group"), format=",.0f"),
        ]
    )
    text = base.mark_text(align="left", dx=4).encode(text="label:N")
    chart = (bars + text).properties(width=WIDTH - 260, title=t("各服务覆盖率", "Coverage by service"))
    return _spec(chart.properties(padding={"left": 5, "top": 5, "bottom": 5, "right": 150}))


def coverage_by_district(districts: pd.DataFrame, labels: dict[str, str], t: Text) -> dict:
    """Grouped bars: covered share per district and service (siting.report.tables.district_table)."""
    data = districts.assign(service=[labels[k] for k in districts["service"]])[
        ["district", "service", "share", "persons_covered", "persons"]
    ]
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("district:N", title=t("街道", "District"), axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("service:N", sort=list(labels.values())),
            y=alt.Y(
                "share:Q", title=t("覆盖率", "Covered share"), axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
            ),
            color=alt.Color(
                "service:N",
                title=t("服务", "Service"),
                sort=list(labels.values()),
                legend=alt.Legend(orient="bottom", direction="horizontal", labelLimit=260),
            ),
            tooltip=[
                alt.Tooltip("district:N", title=t("街道", "District")),
                alt.Tooltip("service:N", title=t("服务", "Service")),
                alt.Tooltip("share:Q", title=t("覆盖率", "Covered share"), format=".1%"),
                alt.Tooltip("persons_covered:Q", title=t("已覆盖人数", "Persons covered"), format=",.0f"),
                alt.Tooltip("persons:Q", title=t("服务人群人数", "Persons in the group"), format=",.0f"),
            ],
        )
        .properties(width=WIDTH - 140, height=220, title=t("各街道覆盖率", "Coverage by district"))
    )
    return _spec(chart)


def cost_by_mode(modes: pd.DataFrame, t: Text) -> dict:
    """Two bar charts side by side: one-off cost and yearly cost per acquisition mode, in 万元."""
    used = [m for m in MODES if m in modes.index]
    data = pd.DataFrame(
        {
            "mode": [t(*MODE_LABELS[m]) for m in used],
            "buildings": modes.loc[used, "buildings"].astype(int).to_numpy(),
            "capex": (modes.loc[used, "capex"] / 1e4).round(2).to_numpy(),
            "annual": (modes.loc[used, "annual"] / 1e4).round(2).to_numpy(),
        }
    )
    colour = alt.Color("mode:N", scale=mode_scale(t, used), legend=None)
    tooltip = [
        alt.Tooltip("mode:N", title=t("方式", "Mode")),
        alt.Tooltip("buildings:Q", title=t("建筑数", "Buildings")),
        alt.Tooltip("capex:Q", title=f"{t('一次性投入', 'One-off')} (万元)", format=",.2f"),
        alt.Tooltip("annual:Q", title=f"{t('年度费用', 'Yearly')} (万元/年)", format=",.2f"),
    ]
    base = alt.Chart(data).encode(y=alt.Y("mode:N", title=None, sort=None), color=colour, tooltip=tooltip)
    one_off = base.mark_bar().encode(x=alt.X("capex:Q", title=f"{t('一次性投入', 'One-off cost')} (万元)"))
    yearly = base.mark_bar().encode(x=alt.X("annual:Q", title=f"{t('年度费用', 'Yearly cost')} (万元/年)"))
    width = (WIDTH - 260) // 2
    chart = alt.hconcat(one_off.properties(width=width), yearly.properties(width=width)).properties(
        title=t("按获取方式的费用", "Cost by acquisition mode")
    )
    return _spec(chart)


def frontier(table: pd.DataFrame, labels: dict[str, str], t: Text, budget_label: tuple[str, str] | None = None) -> dict:
    """The budget frontier: priority-weighted coverage and each service's share against the budget, knee marked.

    Args:
        table: one row per point with columns budget (元), objective, knee (bool) and share.<service> per
            service (the frontier.csv of `siting frontier`).
        labels: service key -> label in the report's language.
        t: the report's language.
        budget_label: (zh, en) name of the budget swept (default: one-off budget).
    """
    zh, en = budget_label or ("一次性预算", "One-off budget")
    x = alt.X("budget:Q", title=f"{t(zh, en)} (万元)")
    points = pd.DataFrame(
        {
            "budget": (table["budget"] / 1e4).round(2),
            "objective": table["objective"],
            "knee": table["knee"].astype(bool),
        }
    )
    base = alt.Chart(points).encode(x=x)
    objective = t("加权覆盖需求", "Weighted covered demand")
    line = base.mark_line(point=True, color="#4c78a8").encode(
        y=alt.Y("objective:Q", title=objective),
        tooltip=[alt.Tooltip("budget:Q", title=t(zh, en), format=",.2f"), alt.Tooltip("objective:Q", format=",.1f")],
    )
    knee = (
        base.transform_filter(alt.datum.knee)
        .mark_point(size=220, color="#d62728", strokeWidth=3)
        .encode(y="objective:Q")
    )
    knee_text = (
        base.transform_filter(alt.datum.knee)
        .mark_text(dy=-16, color="#d62728", fontWeight="bold")
        .encode(y="objective:Q", text=alt.value(t("拐点", "knee")))
    )
    shares = [c for c in table.columns if c.startswith("share.") and c[6:] in labels]
    long = pd.DataFrame(
        {
            "budget": [b / 1e4 for c in shares for b in table["budget"]],
            "service": [labels[c[6:]] for c in shares for _ in table["budget"]],
            "share": [v for c in shares for v in table[c]],
        }
    )
    per_service = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y(
                "share:Q", title=t("覆盖率", "Covered share"), axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
            ),
            color=alt.Color("service:N", title=t("服务", "Service"), sort=list(labels.values())),
            tooltip=["service:N", alt.Tooltip("budget:Q", format=",.2f"), alt.Tooltip("share:Q", format=".1%")],
        )
    )
    top = (line + knee + knee_text).properties(width=WIDTH - 140, height=220)
    chart = alt.vconcat(top, per_service.properties(width=WIDTH - 140, height=180)).properties(
        title=t("预算前沿", "Budget frontier")
    )
    return _spec(chart)
