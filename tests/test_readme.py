"""The README's examples and the demo README's headline figures are what the demo writes (they cannot drift).

A README code block after `<!-- demo:FILE -->` is compared with FILE of the demo run shared with the CLI and
report tests (conftest's `demo_runs`, planned once per test session): plan.json key by key (`"..."` stands for
a value left out, and as a list's last item for the items after those shown), CSV files by their first lines,
report.md by consecutive lines.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
import yaml
from conftest import DEMO, REPO

from siting.scenario.yamlfile import parse_yaml

README = REPO / "README.md"
DEMO_README = DEMO.parent / "README.md"
BLOCK = re.compile(r"<!-- demo:(?P<file>[\w.]+) -->\n```\w*\n(?P<body>.*?)```", re.S)
LEFT_OUT = "..."


def demo_blocks() -> dict[str, str]:
    return {m["file"]: m["body"] for m in BLOCK.finditer(README.read_text(encoding="utf-8"))}


def shown_as_written(shown, real, path: str = "plan") -> None:
    """Every key and value the README shows equals the file's; dictionaries list every key in order."""
    if shown == LEFT_OUT:
        return
    if isinstance(shown, dict):
        assert isinstance(real, dict) and list(shown) == list(real), f"{path}: keys {list(shown)} != {list(real)}"
        for key, value in shown.items():
            shown_as_written(value, real[key], f"{path}.{key}")
    elif isinstance(shown, list):
        more = bool(shown) and shown[-1] == LEFT_OUT
        items = shown[:-1] if more else shown
        assert isinstance(real, list) and (len(items) <= len(real) if more else len(items) == len(real)), path
        for i, item in enumerate(items):
            shown_as_written(item, real[i], f"{path}[{i}]")
    else:
        assert type(shown) is type(real) and shown == real, f"{path}: README {shown!r}, demo {real!r}"


def test_the_readme_shows_the_demo_files():
    assert {"plan.json", "selected.csv", "coverage.csv", "report.md"} <= set(demo_blocks())


def test_readme_plan_json_is_the_demo_plan(demo_runs):
    real = json.loads((demo_runs[0] / "plan.json").read_text(encoding="utf-8"))
    shown_as_written(json.loads(demo_blocks()["plan.json"]), real)


@pytest.mark.parametrize("name", ["selected.csv", "coverage.csv"])
def test_readme_csv_examples_are_the_first_lines_of_the_demo_files(demo_runs, name):
    shown = demo_blocks()[name].splitlines()
    real = (demo_runs[0] / name).read_text(encoding="utf-8-sig").splitlines()
    assert shown == real[: len(shown)]


def test_readme_report_excerpt_is_in_the_demo_report(demo_runs):
    shown = demo_blocks()["report.md"].splitlines()
    real = (demo_runs[0] / "report.md").read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(real) if line == shown[0]]
    assert any(real[i : i + len(shown)] == shown for i in starts), "the README's report.md lines are not in the demo"


def test_readme_yaml_examples_are_yaml_siting_reads():
    """No key given twice, nothing the safe reader refuses."""
    for match in re.finditer(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        parse_yaml(match[1], "README.md")


def pct(share: float) -> str:
    return f"{share:.1%}".replace("%", " %")


def test_demo_readme_headline_figures_are_the_run(demo_runs):
    """The demo README's plan at its own budget: the table row, the sentence and the comparison's base row."""
    plan = json.loads((demo_runs[0] / "plan.json").read_text(encoding="utf-8"))
    text = " ".join(DEMO_README.read_text(encoding="utf-8").split())  # lines wrapped anywhere
    budget = yaml.safe_load(DEMO.read_text(encoding="utf-8"))["budget"]
    coverage = plan["coverage"]
    weights = sum(c["weight"] for c in coverage.values())
    weighted = sum(c["weight"] * c["share"] for c in coverage.values()) / weights
    shares = [c["share"] for c in coverage.values()]
    selected = plan["selected"]
    modes = Counter(s["mode"] for s in selected)
    by_mode = ", ".join(f"{n} {mode}" for mode, n in sorted(modes.items(), key=lambda m: (-m[1], m[0])))
    cells = [
        f"{budget['capex'] / 1e6:g} M / {budget['annual'] / 1e6:.1f} M",
        pct(weighted),
        *map(pct, shares),
        str(len(selected)),
        str(modes["swap"]),
        str(sum(s["complex"] for s in selected)),
    ]
    capex, annual = plan["cost"]["capex"] / 1e4, (plan["cost"]["annual"] - plan["cost"]["annual_freed"]) / 1e4
    expected = [
        "| " + " | ".join(f"**{c}**" for c in cells) + " |",
        f"{len(selected)} buildings ({by_mode}), one-off {capex:,.0f} 万元 of {budget['capex'] / 1e4:,.0f}, "
        f"yearly {annual:,.1f} of {budget['annual'] / 1e4:,.0f} 万元",
        "（养老 {}、托育 {}、助餐 {}）".format(*map(pct, shares)),
        f"| base | {len(selected)} ({by_mode}) | {capex:,.1f} | {annual:,.1f} | "
        + " / ".join(f"{s:.1%}"[:-1] for s in shares)
        + " % | — |",
    ]
    for line in expected:
        assert line in text, line
