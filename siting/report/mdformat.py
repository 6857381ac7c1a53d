"""Markdown building blocks shared by the reports (plan, frontier, comparison, sweep, audit).

Amounts in 万元, counts rounded for reading, user text made inert, tables, and the bilingual wording of a
solve's status and of the objective's basis.
"""

from __future__ import annotations

BASIS_TEXT = {
    "share": (
        "目标按覆盖率计：各服务覆盖其自身需求的百分比 × 权重之和（需求小的服务与需求大的同等重要）。",
        "The objective counts shares: each service's covered percentage of its own demand, times its weight.",
    ),
    "persons": (
        "目标按人数计：各服务覆盖的目标人群人数 × 权重之和。",
        "The objective counts persons of each service's group served, times its weight.",
    ),
    "units": (
        "目标按需求单位计：覆盖的需求单位（床位、托位、餐数）× 权重之和；单位面积小的服务优先获得预算。",
        "The objective counts demand units (places, meals) covered, times their weight; services needing little "
        "floor area per unit win the budget first.",
    ),
}

STATUS_TEXT = {
    "optimal": ("最优（已证明）", "optimal (proven)"),
    "feasible": ("可行，未证明最优", "feasible, optimality not proven"),
}


def wan(yuan: float) -> str:
    """Yuan as 万元 with two decimals: 1234567 -> '123.46'."""
    return f"{yuan / 1e4:,.2f}"


def persons(value: float) -> str:
    """A count of people or demand units, rounded for reading."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


_MARKUP = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "\\|", "[": "\\[", "]": "\\]", "`": "\\`"})


def text(value: object) -> str:
    """User text (a name, a description, a label) made inert in Markdown: one line, no HTML, no links, no pipes."""
    return " ".join(str(value).split()).translate(_MARKUP)


def md_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table; every cell made inert with `text`."""
    lines = ["| " + " | ".join(text(c) for c in header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(text(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
