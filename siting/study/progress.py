"""A small progress printer for sweeps: a bar on a terminal, one plain line per step otherwise.

Kept to one class with `step` and `close` so that the solver-progress module planned for the engine
(siting/progress.py) can replace it without touching the callers.
"""

from __future__ import annotations

import sys
from typing import TextIO

BAR_WIDTH = 24


class Progress:
    """Counts steps of a known total and prints each one.

    Args:
        total: number of steps expected.
        title: what is being counted, printed before each step.
        stream: where to print (default stderr, so that stdout stays clean for results).
        bar: draw a bar redrawn in place (default: when the stream is a terminal).
    """

    def __init__(self, total: int, title: str, stream: TextIO | None = None, bar: bool | None = None):
        self.total, self.title, self.done = max(total, 1), title, 0
        self.stream = stream or sys.stderr
        self.bar = self.stream.isatty() if bar is None else bar

    def step(self, text: str) -> None:
        """One step finished; `text` says what it gave."""
        self.done += 1
        if self.bar:
            filled = round(BAR_WIDTH * min(self.done, self.total) / self.total)
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            self.stream.write(f"\r{self.title} [{bar}] {self.done}/{self.total} {text}\033[K")
        else:
            self.stream.write(f"{self.title} {self.done}/{self.total}: {text}\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.bar and self.done:
            self.stream.write("\n")
            self.stream.flush()


def silent(total: int, title: str) -> Progress:
    """A Progress that prints nothing (for library calls and tests)."""
    return _Silent(total, title)


class _Silent(Progress):
    def step(self, text: str) -> None:
        self.done += 1

    def close(self) -> None:
        pass
