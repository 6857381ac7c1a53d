"""The sweep's reports: sweep.md, report.html and report.xlsx, all from sweep.csv's table through one view.

One row per task (scenario × overrides × variant × budget); amounts in 万元, shares of each service's demand in
%, statuses and variants in the reader's language, and the plan folder of each row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from siting.report.folder import write_study_reports
from siting.report.lang import Text
from siting.report.mdformat import md_table
from siting.report.views import STATUS_LABELS, Column, Study, View, plan_columns, share_columns, status_labels

VARIANT_LABELS: dict[str, tuple[str, str]] = {
    "low": ("低方案", "low"),
    "central": ("中方案", "central"),
    "high": ("高方案", "high"),
}


def sweep_view(table: pd.DataFrame, labels: dict[str, tuple[str, str]], t: Text) -> View:
    """The sweep table as a typed view (headers in the report's language, 元 shown as 万元)."""
    columns = [
        Column("scenario", t("情景", "Scenario")),
        Column("overrides_label", t("方案变体", "Overrides")),
        Column("variant_label", t("需求方案", "Demand variant")),
        Column("budget", t("一次性预算", "One-off budget"), "wan"),
        *plan_columns(t, status="status_label"),
        *share_columns(table, {key: t(*pair) for key, pair in labels.items()}, t),
    ]
    columns += [Column("folder", t("方案文件夹", "Plan folder")), Column("note", t("说明", "Note"))]
    frame = table.assign(
        overrides_label=table["overrides"].replace({"base": t("基准", "base")}),
        variant_label=[t(*VARIANT_LABELS[v]) if v in VARIANT_LABELS else "" for v in table["variant"]],
        status_label=status_labels(table["status"], t),
    )
    return View("sweep", t("方案扫描", "Sweep"), columns, frame, sheet=t("扫描", "Sweep"))


@dataclass(frozen=True)
class SweepStudy(Study):
    """A study whose one table is the sweep view."""

    view: View | None = None

    def views(self, labels: dict[str, str], t: Text) -> list[View]:
        """The sweep view."""
        return [self.view] if self.view is not None else []


def render_markdown(
    table: pd.DataFrame, labels: dict[str, tuple[str, str]], lang: str = "both", title: str = "", description: str = ""
) -> str:
    """sweep.md: what was swept, how many plans of each status, the table and the failures."""
    t = Text(lang)
    view = sweep_view(table, labels, t)
    head = f"# {t('方案扫描', 'Sweep', ' / ')}: {title}" + (f"\n\n> {description}" if description else "")
    counts = table["status"].value_counts()
    overview = [
        [t("任务", "Tasks"), f"{len(table)}"],
        [t("情景", "Scenarios"), ", ".join(dict.fromkeys(table["scenario"]))],
        [t("方案变体", "Overrides"), ", ".join(dict.fromkeys(view.frame["overrides_label"]))],
        [t("需求方案", "Demand variants"), ", ".join(dict.fromkeys(view.frame["variant_label"]))],
        *[[t(*STATUS_LABELS.get(s, (s, s))), f"{counts[s]}"] for s in STATUS_LABELS if s in counts],
    ]
    parts = [
        head,
        f"## {t('概况', 'Overview')}\n\n" + md_table([t("项目", "Item"), t("数目", "Count")], overview),
        f"## {t('结果', 'Results')}\n\n" + _view_table(view),
        f"## {t('说明', 'Notes')}\n\n"
        + t(
            "每行是一个独立求解并经独立复核的方案，其文件在“方案文件夹”中（与 `siting run` 写出的相同）。"
            "金额单位为万元；覆盖率为各服务需求中被覆盖的比例。“失败”的任务没有结果，重新运行同一命令只求解它们。",
            "Each row is a plan solved and re-checked on its own; its files are in the plan folder (as `siting run` "
            "writes them). Amounts in 万元; shares are of each service's demand. Failed tasks have no result: running "
            "the same command again solves only them.",
            "\n\n",
        ),
    ]
    return "\n\n".join(parts) + "\n"


def _view_table(view: View) -> str:
    return md_table([c.title for c in view.columns], [[text for text, _, _ in row] for row in view.cells()])


def write_reports(
    folder: Path,
    table: pd.DataFrame,
    labels: dict[str, tuple[str, str]],
    lang: str = "both",
    title: str = "",
    description: str = "",
) -> tuple[str, ...]:
    """sweep.md, report.html and report.xlsx into an existing folder; returns their names."""
    t = Text(lang)
    folder = Path(folder)
    (folder / "sweep.md").write_text(render_markdown(table, labels, lang, title, description), encoding="utf-8")
    study = SweepStudy(view=sweep_view(table, labels, t))
    write_study_reports(folder, f"{t('方案扫描', 'Sweep', ' / ')}: {title}", study, {}, lang)
    return ("sweep.md", "report.html", "report.xlsx")
