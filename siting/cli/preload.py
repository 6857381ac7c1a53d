"""Import the report writers' libraries in the background while the plan is solved.

Altair, Jinja and XlsxWriter take about 0.3 s to import, a sixth of a `siting run` on the demo. The solvers
release the GIL while they work, so a thread importing them meanwhile costs no wall time; the writers then find
them loaded. Only third-party libraries are preloaded: they import nothing of this package, so the two threads
never wait on each other's half-imported modules. The thread is not a daemon: a command that ends early (bad
input, an infeasible scenario) waits for the imports under way instead of finalising the interpreter while the
thread may hold an import lock.
"""

from __future__ import annotations

import importlib
import threading

#: The libraries of report.html (Altair, Jinja) and report.xlsx (XlsxWriter).
REPORT_LIBRARIES = ("altair", "jinja2", "markupsafe", "xlsxwriter")


def preload(modules: tuple[str, ...] = REPORT_LIBRARIES) -> threading.Thread:
    """Start importing `modules` in a background thread; a failed import is left for the real import to report."""

    def load() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the writer's own import raises it where it is handled
                continue

    thread = threading.Thread(target=load, name="siting-preload")
    thread.start()
    return thread
