"""Progress of many tasks: done / running / failed and the time left; a bar on a terminal, plain lines otherwise.

    on a terminal   sweep [#######.................] 12/60 done (4 cached), 2 running, 1 failed, about 3 min left
    otherwise       sweep 12/60: demo base central 35000000: optimal (4.1 s); 2 running, 1 failed, about 3 min left

The time left is the tasks still to solve divided by the rate at which this run has solved them so far
(finished ÷ elapsed), so it includes the executor's overhead and follows the cluster's real speed.
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


class Tally:
    """Counts finished, running and failed tasks of a known total and shows them.

    Args:
        total: tasks in all.
        cached: of them, finished before this run started.
        slots: tasks the executor runs at once.
        title: printed before each line.
        stream: where to print (default stderr, so stdout stays the command's).
        bar: redraw one line (default: when the stream is a terminal).
        clock: seconds, for tests.
    """

    def __init__(
        self,
        total: int,
        cached: int,
        slots: int,
        title: str = "sweep",
        stream: TextIO | None = None,
        bar: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.cached, self.slots, self.title = total, cached, max(1, slots), title
        self.solved = self.failed = 0
        self.stream = stream if stream is not None else sys.stderr
        self.bar = self.stream.isatty() if bar is None else bar
        self.clock = clock
        self.started = clock()

    @property
    def done(self) -> int:
        """Tasks with an answer (cached ones included)."""
        return self.cached + self.solved

    @property
    def running(self) -> int:
        """Tasks in the executor's hands now (at most its slots)."""
        return min(self.slots, self.total - self.done - self.failed)

    def seconds_left(self) -> float | None:
        """Expected seconds until every task has ended, None before the first one has."""
        ended = self.solved + self.failed
        if not ended:
            return None
        rate = ended / max(self.clock() - self.started, 1e-9)
        return (self.total - self.done - self.failed) / rate

    def status(self) -> str:
        """'2 running, 1 failed, about 3 min left'."""
        left = self.seconds_left()
        when = "time left unknown" if left is None else f"about {duration(left)} left"
        return f"{self.running} running, {self.failed} failed, {when}"

    def start(self) -> None:
        """Show the counts before anything has finished; the time left is measured from here."""
        self.started = self.clock()
        cached = f" ({self.cached} already done)" if self.cached else ""
        self._show(f"{self.title}: {self.total} tasks{cached}, {self.slots} at once")

    def finished(self, text: str, ok: bool = True) -> None:
        """One task ended: `text` says what it gave (a failure is always printed on its own line)."""
        if ok:
            self.solved += 1
        else:
            self.failed += 1
        if self.bar:
            if not ok:
                self._line(f"{self.title}: failed: {text}")
            filled = round(BAR_WIDTH * (self.done + self.failed) / max(self.total, 1))
            counts = f"{self.done}/{self.total} done"
            counts += f" ({self.cached} cached)" if self.cached else ""
            self.stream.write(f"\r{self.title} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {counts}, ")
            self.stream.write(self.status() + "\033[K")
            self.stream.flush()
        else:
            mark = "" if ok else "failed: "
            self._show(f"{self.title} {self.done + self.failed}/{self.total}: {mark}{text}; {self.status()}")

    def close(self, summary: str) -> None:
        """End the bar's line and print the summary."""
        self._line(summary)

    def _line(self, text: str) -> None:
        if self.bar:
            self.stream.write("\r\033[K")
        self._show(text)

    def _show(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()
