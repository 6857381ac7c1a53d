"""The run folder: every file of one plan, written at once (temporary folder, then renamed into place).

`siting run` calls write_run_folder; the frontier and comparison commands call it for each plan they keep, and
write_study_folder for their own report.html / report.xlsx.
"""

from __future__ import annotations

from pathlib import Path

from siting.report import html, xlsx
from siting.report.lang import Text
from siting.report.markdown import render as render_markdown
from siting.report.tables import coverage_table, effective_yaml, plan_document, selected_table
from siting.report.views import Study
from siting.report.write import atomic_folder, write_csv, write_json, write_manifest

RUN_FILES = ("plan.json", "selected.csv", "coverage.csv", "report.md", "report.html", "report.xlsx", "scenario.yaml")
#: The files only `reports=True` writes (most of a run folder's writing time).
REPORT_FILES = ("report.html", "report.xlsx")


def write_plan_files(
    folder: Path, result, lang: str = "both", study: Study | None = None, notes: str = "", reports: bool = True
) -> tuple[str, ...]:
    """Write a plan's result files into an existing folder; returns their names (RUN_FILES).

    scenario.yaml is the scenario as planned (overrides and --set values merged in); `notes`, Markdown
    sections appended to report.md (e.g. why existing facilities close); `reports=False` leaves out
    REPORT_FILES (a frontier's points: the frontier has its own report.html and report.xlsx).
    """
    folder = Path(folder)
    write_json(folder / "plan.json", plan_document(result))
    write_csv(folder / "selected.csv", selected_table(result))
    write_csv(folder / "coverage.csv", coverage_table(result))
    report = render_markdown(result, lang)
    (folder / "report.md").write_text(report + ("\n" + notes + "\n" if notes else ""), encoding="utf-8")
    (folder / "scenario.yaml").write_text(effective_yaml(result.scenario), encoding="utf-8")
    if not reports:
        return tuple(name for name in RUN_FILES if name not in REPORT_FILES)
    (folder / "report.html").write_text(html.render(result, lang, study), encoding="utf-8")
    xlsx.write(folder / "report.xlsx", result, lang, study)
    return RUN_FILES


def write_run_folder(
    result,
    out: Path,
    lang: str = "both",
    *,
    manifest: dict | None = None,
    study: Study | None = None,
    notes: str = "",
) -> tuple[str, ...]:
    """Write a run folder atomically: the plan's files, and manifest.json when given (with each file's hash).

    Args:
        result: the pipeline's RunResult.
        out: the folder; replaced whole on success, untouched on error.
        lang: report language, zh, en or both.
        manifest: provenance (the one file with timestamps); written as manifest.json.
        study: a frontier or comparison to show beside the plan.
        notes: Markdown sections appended to report.md.

    Returns:
        The names of the files written.
    """
    with atomic_folder(Path(out)) as tmp:
        names = write_plan_files(tmp, result, lang, study, notes)
        if manifest is not None:
            names = write_manifest(tmp, manifest, names)
    return names


def write_study_reports(folder: Path, title: str, study: Study, labels: dict[str, str], lang: str = "both") -> None:
    """report.html and report.xlsx of a study (frontier, comparison) into an existing folder.

    Args:
        folder: the study's output folder (the caller writes it atomically).
        title: the page title, in the report's language.
        study: the study's tables.
        labels: service key -> label in the report's language (siting.report.tables.service_labels).
        lang: zh, en or both.
    """
    folder = Path(folder)
    (folder / "report.html").write_text(html.render_study(title, study, labels, lang), encoding="utf-8")
    xlsx.write_workbook(folder / "report.xlsx", study.views(labels, Text(lang)), title=title)
