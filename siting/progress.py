"""Progress of long solves, for any command: a bar on a terminal, one plain line per stage otherwise.

The solver layer reports siting.solvers.base.ProgressEvent objects (SolveOptions.progress); the lexicographic
stage loop fills in the stage. `Display` turns them into text on stderr, so stdout stays the command's own:

    on a terminal   stage 1/2 max_coverage  [##########----------]  gap 0.92 %  best 7,832.36  3.1 s
    otherwise       stage 1/2 max_coverage: optimal, 7,832.36, gap 0.00 %, 1.9 s (highs)
"""

from __future__ import annotations

import sys
from typing import TextIO

from siting.model.spec import COST_OBJECTIVES
from siting.solvers.base import ProgressEvent, Status

BAR_WIDTH = 20


class Display:
    """Shows ProgressEvents: redraws one line on a terminal, prints a line per finished stage otherwise.

    A stage that ends without a plan (infeasible, no plan in time, solver error) prints nothing: the command's
    error message says what happened, and stays the first line on stderr.

    Args:
        stream: where to write (default stderr).
        interactive: draw the bar (default: whether the stream is a terminal).
    """

    def __init__(self, stream: TextIO | None = None, interactive: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self._drawn = 0

    def __call__(self, event: ProgressEvent) -> None:
        """Show one event."""
        if event.final:
            self._clear()
            if event.status in (None, Status.OPTIMAL, Status.FEASIBLE):  # otherwise the error message says why
                self.stream.write(final_line(event) + "\n")
            self.stream.flush()
        elif self.interactive:
            line = bar_line(event)
            self._clear()
            self.stream.write(line)
            self.stream.flush()
            self._drawn = len(line)

    def _clear(self) -> None:
        if self.interactive and self._drawn:
            self.stream.write("\r" + " " * self._drawn + "\r")
            self._drawn = 0


def _head(event: ProgressEvent) -> str:
    return f"stage {event.index + 1}/{event.count} {event.stage}".rstrip()


def _number(value: float | None, stage: str = "") -> str:
    """An objective value; money (the cost stages, in 元) shown in 万元 as officers count it."""
    if value is None:
        return "—"
    if stage in COST_OBJECTIVES:
        return f"{value / 1e4:,.2f} 万元"
    return f"{value:,.2f}"


def bar_line(event: ProgressEvent) -> str:
    """The terminal line for a running stage: the bar fills as the gap closes."""
    gap = event.gap
    filled = 0 if gap is None else round(BAR_WIDTH * max(0.0, 1.0 - min(gap, 1.0)))
    gap_text = "gap —" if gap is None else f"gap {gap:.2%}"
    bar = "#" * filled + "-" * (BAR_WIDTH - filled)
    return f"{_head(event)}  [{bar}]  {gap_text}  best {_number(event.incumbent, event.stage)}  {event.elapsed_s:.1f} s"


def final_line(event: ProgressEvent) -> str:
    """The plain line for a finished stage."""
    status = "ended" if event.status is None else event.status.value
    gap = "" if event.gap is None else f", gap {event.gap:.2%}"
    solver = f" ({event.solver})" if event.solver else ""
    return f"{_head(event)}: {status}, {_number(event.incumbent, event.stage)}{gap}, {event.elapsed_s:.1f} s{solver}"
