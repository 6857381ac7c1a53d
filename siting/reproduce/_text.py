"""Low-level text helpers shared by the benchmark readers.

Every failure becomes a :class:`siting.errors.InputError` that names the file, the 1-based line and what was
expected, so no bare ``ValueError``/``IndexError``/``OSError`` reaches the caller.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siting.errors import InputError

PathArg = str | os.PathLike[str]

_INT_RE = re.compile(r"[+-]?\d+")
_FLOAT_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class Row:
    """One non-blank line of a text file.

    Attributes:
        line: 1-based line number in the file.
        text: the line without its line ending and without surrounding whitespace.
        tokens: the whitespace-separated fields of the line.
    """

    line: int
    text: str
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class TextFile:
    """A text file split into lines (LF, CRLF and CR all end a line; the line endings are removed).

    Attributes:
        file: the path as given, used in error messages.
        lines: the lines of the file, without line endings.
    """

    file: str
    lines: tuple[str, ...]

    def error(self, message: str, line: int | None = None) -> InputError:
        """Build an InputError that names this file and, when given, the 1-based line."""
        return InputError(message, file=self.file, line=line)

    @property
    def last_line(self) -> int:
        """The number of the last line of the file (1 for an empty file)."""
        return max(len(self.lines), 1)

    def rows(self) -> list[Row]:
        """The non-blank lines, with their line numbers and tokens."""
        return [Row(k, s.strip(), tuple(s.split())) for k, s in enumerate(self.lines, 1) if s.strip()]

    def tokens(self) -> tuple[list[str], np.ndarray]:
        """All whitespace-separated tokens of the file, and the 1-based line number of each."""
        toks: list[str] = []
        where: list[int] = []
        for k, s in enumerate(self.lines, 1):
            parts = s.split()
            toks.extend(parts)
            where.extend([k] * len(parts))
        return toks, np.asarray(where, dtype=np.int64)


def read_text(path: PathArg, *, encoding: str = "utf-8") -> TextFile:
    """Read a text file; any problem (missing file, directory, undecodable bytes) is an InputError.

    Args:
        path: the file to read.
        encoding: the text encoding; ``latin-1`` accepts every byte.

    Returns:
        The file split into lines.

    Raises:
        InputError: the file is missing, unreadable or not valid text in ``encoding``.
    """
    p = Path(path)
    name = str(path)
    try:
        raw = p.read_bytes()
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
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return TextFile(name, tuple(lines))


def _is_number(token: str, integer: bool) -> bool:
    if integer:
        return _INT_RE.fullmatch(token) is not None and -(2**63) <= int(token) < 2**63
    return _FLOAT_RE.fullmatch(token) is not None and math.isfinite(float(token))


def to_numbers(tokens: Sequence[str], *, integer: bool, on_error: Callable[[int], InputError]) -> np.ndarray:
    """Convert tokens to an int64 or float64 array in one vectorised step.

    Args:
        tokens: the tokens to convert.
        integer: parse as integers (int64) rather than finite floats (float64).
        on_error: builds the error for the index of the first token that is not a valid number.

    Returns:
        A 1-D array of the values.

    Raises:
        InputError: from ``on_error`` for the first invalid token (non-numeric, out of range or non-finite).
    """
    dtype = np.int64 if integer else np.float64
    if len(tokens) == 0:
        return np.zeros(0, dtype=dtype)
    try:
        values = np.asarray(tokens, dtype=str).astype(dtype)
    except (ValueError, OverflowError, TypeError):
        for k, tok in enumerate(tokens):
            if not _is_number(tok, integer):
                raise on_error(k) from None
        raise on_error(0) from None  # numpy refused a token the pattern accepts (e.g. int64 overflow)
    if not integer:
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise on_error(int(bad[0]))
    return values


def table(
    text: TextFile,
    rows: Sequence[Row],
    *,
    count: int,
    columns: int,
    layout: str,
    what: str,
    integer: bool,
    header: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Parse exactly ``count`` rows of ``columns`` numbers each, following a header.

    Args:
        text: the file (for error messages).
        rows: the non-blank rows after the header.
        count: how many rows the header announces.
        columns: how many numbers each row must have.
        layout: the row layout for messages, e.g. ``'i j cost'``.
        what: what the rows are, for messages, e.g. ``'edge lines'``.
        integer: parse as integers rather than floats.
        header: how the header announced the count, for messages, e.g. ``"'n m p' = '100 200 5'"``.

    Returns:
        The values as a ``(count, columns)`` array, and the 1-based line number of each row.

    Raises:
        InputError: too few or too many rows, a row with the wrong number of fields or a non-numeric field.
    """
    noun = "integers" if integer else "numbers"
    expected = f"expected {columns} {noun} '{layout}'"
    # Check the lines that are there first, so the earliest problem in the file is the one reported.
    present = list(rows[:count])
    for r in present:
        if len(r.tokens) != columns:
            raise text.error(f"{expected}, got '{r.text}' ({len(r.tokens)} fields)", line=r.line)
    flat = [tok for r in present for tok in r.tokens]

    def bad(k: int) -> InputError:
        r = present[k // columns]
        return text.error(f"{expected}, got '{r.text}' ('{flat[k]}' is not a valid number)", line=r.line)

    values = to_numbers(flat, integer=integer, on_error=bad).reshape(len(present), columns)
    if len(rows) < count:
        raise text.error(
            f"expected {count} {what} after the header, found {len(rows)} (the file ends here; header {header})",
            line=text.last_line,
        )
    if len(rows) > count:
        extra = rows[count]
        raise text.error(
            f"expected {count} {what} after the header (header {header}), found more: extra line '{extra.text}'",
            line=extra.line,
        )
    return values, np.asarray([r.line for r in present], dtype=np.int64)


def header_ints(text: TextFile, row: Row | None, names: Sequence[str], *, at_least: int = 0) -> list[int]:
    """Parse a header line made of exactly ``len(names)`` integers (only the first ``at_least`` are required).

    Args:
        text: the file (for error messages).
        row: the header row, or None when the file is empty.
        names: the field names, e.g. ``('n', 'm', 'p')``.
        at_least: when non-zero, the header must have exactly ``len(names)`` fields but only the first
            ``at_least`` are parsed as integers (the rest are free placeholders).

    Returns:
        The parsed integers.

    Raises:
        InputError: missing header, wrong field count or non-integer field.
    """
    layout = " ".join(names)
    ints = at_least or len(names)
    noun = "integers" if ints == len(names) else "fields"
    if row is None:
        raise text.error(f"expected the header '{layout}', found an empty file", line=1)
    if len(row.tokens) != len(names):
        raise text.error(
            f"expected the header '{layout}' ({len(names)} {noun}), got '{row.text}' ({len(row.tokens)} fields)",
            line=row.line,
        )

    def bad(k: int) -> InputError:
        return text.error(f"expected the header '{layout}' with an integer {names[k]}, got '{row.text}'", line=row.line)

    return [int(v) for v in to_numbers(row.tokens[:ints], integer=True, on_error=bad)]
