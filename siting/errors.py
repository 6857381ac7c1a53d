"""Errors the command line turns into a message and an exit code (no traceback unless --debug)."""

from __future__ import annotations

from collections.abc import Sequence

EXIT_USER_ERROR = 2
EXIT_INFEASIBLE = 3

SHOWN_CHARS = 80
"""Longest value (a cell, a key, a file name) quoted in a message: longer ones are cut in the middle."""
MESSAGE_CHARS = 600
"""Longest message line: a last guard, so that no input can make a message huge."""
PROBLEMS_SHOWN = 10
"""Most problems listed by one error; the rest are counted."""


def cut(value: object, limit: int = SHOWN_CHARS) -> str:
    """A value as one printable line of at most `limit` characters, cut in the middle with '…'.

    Control characters (newlines, tabs, escapes) are shown escaped, so that a message stays one line and no
    input can move the cursor or colour a terminal.
    """
    text = str(value)
    if len(text) > 4 * limit:  # never escape a huge value whole
        text = text[: 2 * limit] + text[-2 * limit :]
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]


class SitingError(Exception):
    """Base class for every error that is the user's to fix, not a bug."""

    exit_code = EXIT_USER_ERROR


class InputError(SitingError):
    """Bad input: names the file, the row and the field, and says what was expected.

    Args:
        message: what is wrong and what was expected.
        file: the file (or scenario key) the problem is in.
        row: the row as a spreadsheet shows it (the header is row 1, the first data row row 2), when there is one.
        field: the column or key.
        line: line number in a text file (YAML).
        problems: further problems found at the same time, each shown on its own line below the message.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
        line: int | None = None,
        problems: Sequence[InputError] = (),
    ):
        self.message, self.file, self.row, self.field, self.line = message, file, row, field, line
        self.problems = tuple(problems)
        super().__init__(str(self))

    def location(self) -> str:
        """'file, line L, row R, field 'F'' (each part only when known)."""
        where = []
        if self.file:
            where.append(cut(self.file))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{cut(self.field)}'")
        return ", ".join(where)

    def __str__(self) -> str:
        where = self.location()
        head = cut((where + ": " if where else "") + self.message, MESSAGE_CHARS)
        lines = [head] + ["  " + cut(p, MESSAGE_CHARS) for p in self.problems[:PROBLEMS_SHOWN]]
        hidden = len(self.problems) - PROBLEMS_SHOWN
        if hidden > 0:
            lines.append(f"  … and {hidden} more problem{'s' if hidden > 1 else ''}")
        return "\n".join(lines)

    @classmethod
    def several(cls, problems: Sequence[InputError], *, file: str | None = None) -> InputError:
        """One error for several problems: the only one as it is, else a count followed by one line each."""
        if len(problems) == 1:
            return problems[0]
        listed = [InputError(p.message, row=p.row, field=p.field, line=p.line) for p in problems]
        return cls(f"{len(problems)} problems:", file=file, problems=listed)


class InfeasibleError(SitingError):
    """The scenario has no plan that meets all its requirements."""

    exit_code = EXIT_INFEASIBLE


class PlanViolation(SitingError):
    """A plan broke a constraint when re-checked by the independent evaluator (a bug, never written)."""

    exit_code = 4
