"""Progress of many plans: done / running / failed and the time left; a bar on a terminal, plain lines otherwise.

    on a terminal   sweep [#######.................] 12/60 done (4 cached), 2 running, 1 failed, about 3 min left
    otherwise       sweep 12/60: demo base central 35000000: optimal (4 s); 2 running, 1 failed, about 3 min left

The time left is the steps still to come divided by the rate at which this run has ended them so far (ended ÷
time since `start`), so it includes the executor's overhead and follows the machines' real speed. Kept to
`start`, `step` and `close` so that the solver-progress module of the engine (siting/progress.py) can sit
beside it without touching the callers.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 24


def duration(seconds: float) -> str:
    """'42 s', '3 min', '2.5 h'."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Progress:
    """Counts the steps of a known total (plans, tasks) as they end, and shows them.

    Args:
        total: steps expected (may be set later, before `start`).
        title: what is being counted, printed before each line.
        stream: where to print (default stderr, so that stdout stays clean for results).
        bar: draw a bar redrawn in place (default: when the stream is a terminal).
        cached: of the steps, those done before this run (a resumed sweep's).
        slots: steps that run at once (the executor's).
        clock: seconds, for tests.
    """

    def __init__(
        self,
        total: int,
        title: str,
        stream: TextIO | None = None,
        bar: bool | None = None,
        *,
        cached: int = 0,
        slots: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.total, self.title, self.cached, self.slots = total, title, cached, max(1, slots)
        self.done, self.failed = cached, 0
        self.stream = stream or sys.stderr
        self.bar = self.stream.isatty() if bar is None else bar
        self.clock = clock
        self.started = clock()

    @property
    def running(self) -> int:
        """Steps in the executor's hands now (at most its slots)."""
        return max(0, min(self.slots, self.total - self.done - self.failed))

    def seconds_left(self) -> float | None:
        """Expected seconds until every step has ended, None before the first one has."""
        ended = self.done - self.cached + self.failed
        if not ended:
            return None
        rate = ended / max(self.clock() - self.started, 1e-9)
        return max(0, self.total - self.done - self.failed) / rate

    def status(self) -> str:
        """'2 running, 1 failed, about 3 min left'."""
        left = self.seconds_left()
        when = "time left unknown" if left is None else f"about {duration(left)} left"
        return f"{self.running} running, {self.failed} failed, {when}"

    def start(self) -> None:
        """Show the count before anything has ended; the time left is measured from here."""
        self.started = self.clock()
        cached = f" ({self.cached} already done)" if self.cached else ""
        self._line(f"{self.title}: {self.total} tasks{cached}, {self.slots} at once")

    def step(self, text: str, ok: bool = True) -> None:
        """One step ended; `text` says what it gave (a failure is always printed on a line of its own)."""
        if ok:
            self.done += 1
        else:
            self.failed += 1
        if not self.bar:
            mark = "" if ok else "failed: "
            self._line(f"{self.title} {self.done + self.failed}/{self.total}: {mark}{text}; {self.status()}")
            return
        if not ok:
            self._line(f"{self.title}: failed: {text}")
        filled = round(BAR_WIDTH * min(1.0, (self.done + self.failed) / max(self.total, 1)))
        cached = f" ({self.cached} cached)" if self.cached else ""
        self.stream.write(
            f"\r{self.title} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.done}/{self.total} done{cached}, "
            f"{self.status()}\033[K"
        )
        self.stream.flush()

    def note(self, text: str) -> None:
        """A line on how the steps run (e.g. a pool taking over), between the steps' lines."""
        self._line(f"{self.title}: {text}")

    def close(self, summary: str = "") -> None:
        """End the bar's line, and print `summary` when given."""
        if summary:
            self._line(summary)
        elif self.bar and self.done + self.failed > self.cached:
            self.stream.write("\n")
            self.stream.flush()

    def _line(self, text: str) -> None:
        if self.bar:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self.stream.flush()


def silent(total: int, title: str) -> Progress:
    """A Progress that prints nothing (for library calls and tests)."""
    return _Silent(total, title)


class _Silent(Progress):
    def start(self) -> None:
        self.started = self.clock()

    def step(self, text: str, ok: bool = True) -> None:
        self.done += ok
        self.failed += not ok

    def note(self, text: str) -> None:
        pass

    def close(self, summary: str = "") -> None:
        pass
