"""report.html in a real browser (headless Chromium): no console message, charts and map drawn, printable, escaped."""

from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser

import pandas as pd
import pytest
from browser import find_chromium, load, marks, print_pdf, screenshot
from conftest import DEMO, make_scenario

from siting import pipeline
from siting.report import html
from siting.scenario.load import load_scenario

BROWSER = find_chromium()
needs_browser = pytest.mark.skipif(
    BROWSER is None, reason="no Chromium found: install Debian's chromium (apt-get install -y chromium; .ci/run does)"
)


@pytest.fixture(scope="module")
def demo_page(demo_runs):
    return load(BROWSER, demo_runs[0] / "report.html")


@needs_browser
def test_demo_report_draws_its_charts_and_map_without_console_messages(demo_runs, demo_page, tmp_path):
    assert demo_page.console == []
    out = demo_runs[0]
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    coverage = pd.read_csv(out / "coverage.csv", encoding="utf-8-sig")
    services, districts = len(plan["coverage"]), coverage["district"].nunique()
    modes = len({s["mode"] for s in plan["selected"]})
    assert marks(demo_page.dom, "coverage")["rect"] == services  # one bar per service
    assert marks(demo_page.dom, "districts")["rect"] == services * districts
    assert marks(demo_page.dom, "cost")["rect"] == 2 * modes  # one-off and yearly bars per mode used
    drawn = marks(demo_page.dom, "map")
    first = next(iter(plan["coverage"]))  # the map opens on the first service
    hosts = sum(first in s["services"] for s in plan["selected"]) + sum(
        first in e["services"] for e in plan["existing"]
    )
    assert drawn["symbol"] == coverage["community"].nunique() + hosts
    open_hosts = hosts - sum(first in e["services"] and e["status"] == "closed" for e in plan["existing"])
    assert drawn["shape"] == open_hosts  # one walking-radius circle per open host
    for name in plan["selected"]:
        assert name["name"] in demo_page.dom  # tables name the buildings
    shot = screenshot(BROWSER, out / "report.html", tmp_path / "report.png")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    if os.environ.get("SITING_SCREENSHOT"):  # docs/report-demo.png is made this way
        shutil.copyfile(shot, os.environ["SITING_SCREENSHOT"])


@needs_browser
def test_demo_report_prints(demo_runs, tmp_path):
    pdf = print_pdf(BROWSER, demo_runs[0] / "report.html", tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2  # the tables run over several pages


class _Resources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("src", "href") and value and not value.startswith("#"):
                self.external.append(f"<{tag} {key}={value}>")


def test_demo_report_is_self_contained(demo_runs):
    text = (demo_runs[0] / "report.html").read_text(encoding="utf-8")
    parser = _Resources()
    parser.feed(text)
    assert parser.external == []  # scripts, styles and data inline; no tiles, no fonts, no CDN


EVIL = '</script><script>console.error("injected")</script><img src=x onerror="console.error(1)">'


@pytest.fixture(scope="module")
def evil_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evil")
    path = make_scenario(
        folder,
        communities=[{"id": "C1", "name": EVIL, "x": 0, "y": 0, "population": 1000, "elderly": 100}],
        buildings=[{"id": "B1", "name": f"楼{EVIL}", "x": 100, "y": 0, "floor_area_m2": 300}],
        options=[{"building": "B1", "mode": "rent", "capex": 10, "annual_cost": 1}],
        services={"meals": {"population": "elderly", "radius_m": 500, "uptake": 0.1, "min_area_m2": 100}},
        budget={"capex": 100},
        description=EVIL,
    )
    page = folder / "report.html"
    page.write_text(html.render(pipeline.run(load_scenario(path)), "en"), encoding="utf-8")
    return page


@needs_browser
def test_names_with_markup_are_shown_as_text(evil_report):
    page = load(BROWSER, evil_report)
    assert page.console == []  # nothing injected ran
    assert "&lt;/script&gt;&lt;script&gt;console.error" in page.dom  # the name is text on the page
    assert marks(page.dom, "map")["symbol"] == 2


def _frontier(points: int = 8) -> pd.DataFrame:
    """A frontier table as `siting frontier` writes it (frontier.csv), concave, knee at the 4th point."""
    budget = [i * 5e6 for i in range(points)]
    objective = [1000 * (1 - 0.6**i) for i in range(points)]
    return pd.DataFrame(
        {
            "budget": budget,
            "status": "optimal",
            "gap": 0.0,
            "objective": objective,
            "capex": budget,
            "buildings": list(range(points)),
            "knee": [i == 3 for i in range(points)],
            "share.meals": [min(1.0, i / points) for i in range(points)],
            "share.childcare": [min(1.0, i / (2 * points)) for i in range(points)],
        }
    )


@needs_browser
def test_study_report_draws_the_frontier_with_its_knee(tmp_path):
    import openpyxl

    from siting.report.folder import write_study_reports
    from siting.report.views import Study

    table = _frontier()
    labels = {"meals": "助餐 Meals", "childcare": "托育 Childcare"}
    write_study_reports(tmp_path, "前沿 Frontier", Study(frontier=table), labels)
    page = load(BROWSER, tmp_path / "report.html")
    assert page.console == []
    drawn = marks(page.dom, "frontier")
    # points of the objective line + the knee ring + points of each service's share line; one knee label
    assert drawn["symbol"] == len(table) + 1 + 2 * len(table)
    assert drawn["text"] == 1
    sheet = openpyxl.load_workbook(tmp_path / "report.xlsx")["前沿 Frontier"]
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[0] * 1e4 for r in rows[1:]] == pytest.approx(table["budget"].tolist())
    assert [r[rows[0].index("拐点 Knee")] for r in rows[1:]].count("✓") == 1


def test_chart_specs_pass_the_vega_lite_schema_and_checking_them_changes_nothing(monkeypatch):
    """Reports skip Altair's schema check (charts.VALIDATE); here every chart and the map are checked."""
    from siting.report import charts
    from siting.report.views import Study

    result = pipeline.run(load_scenario(DEMO))
    labels = {"meals": "助餐 Meals", "childcare": "托育 Childcare"}
    pages = {}
    for validate in (False, True):
        monkeypatch.setattr(charts, "VALIDATE", validate)
        pages[validate] = (
            html.render(result, "both", Study(frontier=_frontier())),
            html.render_study("前沿 Frontier", Study(frontier=_frontier()), labels),
        )
    assert pages[True] == pages[False]


@needs_browser
def test_lonlat_scenario_map_draws(tmp_path):
    path = make_scenario(
        tmp_path,
        communities=[
            {"id": "C1", "name": "甲", "x": 104.06, "y": 30.66, "population": 5000, "elderly": 900},
            {"id": "C2", "name": "乙", "x": 104.07, "y": 30.67, "population": 5000, "elderly": 800},
        ],
        buildings=[{"id": "B1", "name": "楼", "x": 104.062, "y": 30.661, "floor_area_m2": 300}],
        options=[{"building": "B1", "mode": "buy", "capex": 10, "annual_cost": 1}],
        services={"meals": {"population": "elderly", "radius_m": 500, "uptake": 0.1, "min_area_m2": 100}},
        budget={"capex": 100},
        crs="lonlat",
    )
    (tmp_path / "report.html").write_text(html.render(pipeline.run(load_scenario(path)), "zh"), encoding="utf-8")
    page = load(BROWSER, tmp_path / "report.html")
    assert page.console == []
    assert marks(page.dom, "map") == {"shape": 1, "symbol": 3}
