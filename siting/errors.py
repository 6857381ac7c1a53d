"""Errors the command line turns into a message and an exit code (no traceback unless --debug)."""

from __future__ import annotations

EXIT_USER_ERROR = 2
EXIT_INFEASIBLE = 3


class SitingError(Exception):
    """Base class for every error that is the user's to fix, not a bug."""

    exit_code = EXIT_USER_ERROR


class InputError(SitingError):
    """Bad input: names the file, the row and the field, and says what was expected.

    Args:
        message: what is wrong and what was expected.
        file: the file (or scenario key) the problem is in.
        row: 1-based data row (the header is row 0) or line number, when there is one.
        field: the column or key.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
        line: int | None = None,
    ):
        self.message, self.file, self.row, self.field, self.line = message, file, row, field, line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        return (", ".join(where) + ": " if where else "") + self.message


class InfeasibleError(SitingError):
    """The scenario has no plan that meets all its requirements."""

    exit_code = EXIT_INFEASIBLE


class PlanViolation(SitingError):
    """A plan broke a constraint when re-checked by the independent evaluator (a bug, never written)."""

    exit_code = 4
