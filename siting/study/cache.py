"""Finished tasks kept under the sweep's output folder, by cache key, so that a rerun solves only what is missing.

    DIR/plans/<scenario>/<overrides>/<variant>/<budget>/   the run folder, as `siting run` writes it
    DIR/cache/<key>.json                                   the task's answer: status, figures, labels, folder

The driver writes both as each task finishes: first the plan folder (a temporary folder renamed into place),
then the record (a temporary file renamed into place). A record therefore only exists for a complete folder,
and a crash at any moment leaves finished tasks finished and the others missing, never half-written. A record
counts only while its plan folder still belongs to it (manifest.json's task_key), since a later sweep with
other options may have replaced the folder.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from siting.report.write import atomic_folder, write_text_file
from siting.study.summary import PLANNED
from siting.study.sweep_spec import Task
from siting.study.task import Outcome

CACHE = "cache"


@dataclass(frozen=True)
class Record:
    """A finished task's answer, as kept in DIR/cache/<key>.json.

    Attributes:
        key: the cache key.
        status: optimal, feasible, infeasible or no_solution.
        figures: the variant and budget planned with, and the plan's figures when it has one.
        labels: service key -> [zh, en].
        folder: the plan folder relative to DIR ("" without a plan).
        note: why there is no plan.
        seconds: the task's wall time in its worker when it was solved.
        solve_seconds: the time of pipeline.run alone.
    """

    key: str
    status: str
    figures: dict[str, Any]
    labels: dict[str, list[str]]
    folder: str
    note: str
    seconds: float
    solve_seconds: float


class Store:
    """The finished tasks of one output folder.

    Args:
        out: the sweep's output folder (created when missing).
    """

    def __init__(self, out: Path):
        self.out = Path(out)
        (self.out / CACHE).mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.out / CACHE / f"{key}.json"

    def load(self, task: Task) -> Record | None:
        """The task's record, or None when it has not finished (or its plan folder is gone or replaced)."""
        try:
            record = Record(**json.loads(self._path(task.key).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, RecursionError):
            return None
        if record.status in PLANNED and _folder_key(self.out / record.folder) != task.key:
            return None
        return record

    def save(self, task: Task, outcome: Outcome) -> Record:
        """Write the task's plan folder (when it has a plan), then its record; each appears whole or not at all."""
        folder = task.folder if outcome.files else ""
        if folder:
            with atomic_folder(self.out / folder, adds=True) as tmp:
                for name, data in outcome.files:
                    (tmp / name).write_bytes(zlib.decompress(data))
        labels = {k: list(v) for k, v in outcome.labels.items()}
        record = Record(
            task.key,
            outcome.status,
            outcome.figures,
            labels,
            folder,
            outcome.note,
            round(outcome.seconds, 6),
            round(outcome.solve_seconds, 6),
        )
        write_text_file(self._path(task.key), json.dumps(asdict(record), ensure_ascii=False, indent=1) + "\n")
        return record


def _folder_key(folder: Path) -> str | None:
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("task_key")
    except (OSError, ValueError, AttributeError, RecursionError):
        return None
