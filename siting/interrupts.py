"""Ctrl-C and SIGTERM while a compiled solver runs: held until it has stopped, then raised.

Python runs a signal's handler at the next Python bytecode of the main thread. Inside a solve that is a solver
callback (HiGHS's progress and deadline callbacks), and an exception raised there, even at the callback's first
instruction, is swallowed by the solver, which then ends with "Solve error": the command reported a solver
failure (exit 2) for a Ctrl-C, or carried on as if nothing had happened. So the command's handler
(siting.cli.main) asks `arrived` first: within `hold()` the signal is only recorded, the solver's callbacks see
it (`pending`) and ask the solver to stop, and `hold()` raises `Interrupted` once the solver has returned.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

#: Signals recorded while held, in arrival order.
_arrived: list[int] = []
#: Depth of nested `hold()` blocks.
_holding = 0


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM: what was being written is removed, and the exit code says which signal it was."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def arrived(signum: int) -> bool:
    """Record `signum` when a solve holds signals (True: the handler must not raise)."""
    if _holding:
        _arrived.append(signum)
        return True
    return False


def pending() -> bool:
    """A signal arrived during the solve: its callbacks should ask it to stop."""
    return bool(_arrived)


@contextmanager
def hold() -> Iterator[None]:
    """Run a solve with signals held; raise `Interrupted` for the first that arrived once it has returned."""
    global _holding
    _holding += 1
    try:
        yield
    finally:
        _holding -= 1
    if _arrived and not _holding:
        signum = _arrived[0]
        _arrived.clear()
        raise Interrupted(signum)
