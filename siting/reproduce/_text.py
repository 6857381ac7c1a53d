"""Reading the benchmark text files: each file split into tokens once, numbers converted by numpy in one step.

Every failure becomes a :class:`siting.errors.InputError` that names the file, the 1-based line and what was
expected, so no bare ``ValueError``/``IndexError``/``OSError`` reaches the caller.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siting.errors import InputError

PathArg = str | os.PathLike[str]


@dataclass(frozen=True, eq=False)
class TextFile:
    """A text file as lines (LF, CRLF and CR all end one) and as whitespace-separated tokens.

    Attributes:
        file: the path as given, used in error messages.
        lines: the lines of the file, without line endings.
        tokens: every token of the file, in order.
        where: ``(len(tokens),)`` the 1-based line of each token.
    """

    file: str
    lines: tuple[str, ...]
    tokens: list[str]
    where: np.ndarray

    def error(self, message: str, line: int | None = None) -> InputError:
        """An InputError that names this file and, when given, the 1-based line."""
        return InputError(message, file=self.file, line=line)

    @property
    def last_line(self) -> int:
        """The number of the last line of the file (1 for an empty file)."""
        return max(len(self.lines), 1)

    def text(self, line: int) -> str:
        """Line ``line`` (1-based) without surrounding whitespace, as quoted in messages."""
        return self.lines[int(line) - 1].strip()

    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The non-blank lines: their numbers, the index of their first token and their token counts."""
        return np.unique(self.where, return_index=True, return_counts=True)

    def reject(self, bad: np.ndarray, lines: np.ndarray, message: Callable[[int], str]) -> None:
        """Raise an InputError for the first ``k`` where ``bad[k]``: ``message(k)`` on line ``lines[k]``."""
        first = np.flatnonzero(bad)
        if first.size:
            k = int(first[0])
            raise self.error(message(k), line=int(lines[k]))


def read_text(path: PathArg, *, encoding: str = "utf-8") -> TextFile:
    """Read and tokenise a text file; any problem (missing file, directory, undecodable bytes) is an InputError.

    Args:
        path: the file to read.
        encoding: the text encoding; ``latin-1`` accepts every byte.

    Raises:
        InputError: the file is missing, unreadable or not valid text in ``encoding``.
    """
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=name) from None
    except IsADirectoryError:
        raise InputError("expected a file, found a directory", file=name) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"expected {encoding} text, found the byte 0x{raw[exc.start]:02x}", file=name, line=line
        ) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n")
    lines = text.split("\n") if text else []
    fields = [line.split() for line in lines]
    where = np.repeat(np.arange(1, len(lines) + 1), np.fromiter(map(len, fields), dtype=np.int64, count=len(lines)))
    return TextFile(name, tuple(lines), list(itertools.chain.from_iterable(fields)), where)


def _first_invalid(tokens: Sequence[str], dtype: type) -> int:
    """Index of the first token numpy cannot convert to ``dtype``: a bisection over prefixes, each converted whole."""
    good, bad = 0, len(tokens)  # tokens[:good] convert, tokens[:bad] do not
    while bad - good > 1:
        middle = (good + bad) // 2
        try:
            np.array(tokens[:middle], dtype=dtype)
            good = middle
        except (ValueError, OverflowError):
            bad = middle
    return good


def to_numbers(tokens: Sequence[str], *, integer: bool, on_error: Callable[[int], InputError]) -> np.ndarray:
    """Convert tokens to an int64 or finite float64 array in one numpy step.

    Args:
        tokens: the tokens to convert.
        integer: parse as integers (int64) rather than finite floats (float64).
        on_error: builds the error for the index of the first token that is not a valid number.

    Raises:
        InputError: from ``on_error`` for the first invalid token (non-numeric, out of range or non-finite).
    """
    dtype = np.int64 if integer else np.float64
    try:
        values = np.array(tokens, dtype=dtype)
    except (ValueError, OverflowError):
        raise on_error(_first_invalid(tokens, dtype)) from None
    infinite = np.flatnonzero(~np.isfinite(values))
    if infinite.size:
        raise on_error(int(infinite[0]))
    return values


def header_ints(text: TextFile, names: Sequence[str], *, at_least: int = 0) -> tuple[list[int], int]:
    """Parse the first non-blank line as the header: exactly ``len(names)`` fields, integers.

    Args:
        text: the file.
        names: the field names, e.g. ``('n', 'm', 'p')``.
        at_least: when non-zero, only the first ``at_least`` fields are parsed as integers (the rest are free
            placeholders).

    Returns:
        The parsed integers and the header's line number.

    Raises:
        InputError: missing header, wrong field count or non-integer field.
    """
    layout = " ".join(names)
    ints = at_least or len(names)
    if not text.tokens:
        raise text.error(f"expected the header '{layout}', found an empty file", line=1)
    line = int(text.where[0])
    fields = text.tokens[: int(np.searchsorted(text.where, line, side="right"))]
    if len(fields) != len(names):
        noun = "integers" if ints == len(names) else "fields"
        raise text.error(
            f"expected the header '{layout}' ({len(names)} {noun}), got '{text.text(line)}' ({len(fields)} fields)",
            line=line,
        )

    def bad(k: int) -> InputError:
        return text.error(
            f"expected the header '{layout}' with an integer {names[k]}, got '{text.text(line)}'", line=line
        )

    return [int(v) for v in to_numbers(fields[:ints], integer=True, on_error=bad)], line


def table(
    text: TextFile, *, count: int, columns: int, layout: str, what: str, integer: bool, header: str
) -> tuple[np.ndarray, np.ndarray]:
    """Parse exactly ``count`` lines of ``columns`` numbers each after the header line.

    Args:
        text: the file.
        count: how many lines the header announces.
        columns: how many numbers each line must have.
        layout: the line layout for messages, e.g. ``'i j cost'``.
        what: what the lines are, for messages, e.g. ``'edge lines'``.
        integer: parse as integers rather than floats.
        header: how the header announced the count, for messages, e.g. ``"'n m p' = '100 200 5'"``.

    Returns:
        The values as a ``(count, columns)`` array, and the 1-based line number of each row.

    Raises:
        InputError: too few or too many lines, a line with the wrong number of fields or a non-numeric field.
    """
    lines, first, counts = (a[1:] for a in text.rows())
    expected = f"expected {columns} {'integers' if integer else 'numbers'} '{layout}'"
    # The lines that are there are checked first, so the earliest problem in the file is the one reported.
    present = slice(0, min(count, lines.size))
    text.reject(
        counts[present] != columns, lines, lambda k: f"{expected}, got '{text.text(lines[k])}' ({counts[k]} fields)"
    )
    start = int(first[0]) if lines.size else 0
    flat = text.tokens[start : start + columns * present.stop]

    def bad(k: int) -> InputError:
        line = int(lines[k // columns])
        return text.error(f"{expected}, got '{text.text(line)}' ('{flat[k]}' is not a valid number)", line=line)

    values = to_numbers(flat, integer=integer, on_error=bad).reshape(present.stop, columns)
    if lines.size < count:
        raise text.error(
            f"expected {count} {what} after the header, found {lines.size} (the file ends here; header {header})",
            line=text.last_line,
        )
    if lines.size > count:
        extra = int(lines[count])
        raise text.error(
            f"expected {count} {what} after the header (header {header}), found more: extra line '{text.text(extra)}'",
            line=extra,
        )
    return values, lines[present]
