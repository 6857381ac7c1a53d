"""Readers for the published optimal / best-known values that go with the benchmark instances.

Each ``read_*`` function takes the benchmark folder (e.g. ``../shared/benchmarks/orlib-pmed``) or, except
:func:`read_uncap_opt`, the values file itself. Values are returned as published (rounded, typically to 3
decimals), so compare with an absolute tolerance of about 1e-3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siting.errors import InputError
from siting.reproduce._text import PathArg, TextFile, read_text, to_numbers

__all__ = [
    "UflSolution",
    "capopt_key",
    "read_capopt",
    "read_pmed_opt",
    "read_sjc_best",
    "read_ufllib_solution",
    "read_uncap_opt",
]

_NUM = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_NAME_VALUE = re.compile(rf"([A-Za-z]\S*)\s+({_NUM})")
_CAP_ROW = re.compile(rf"([A-Za-z]\S*)\s+({_NUM})(?:\s+\(capacity\s+({_NUM})\))?")
_CAP_CONTINUED = re.compile(rf"({_NUM})\s+\(capacity\s+({_NUM})\)")
_SJC_ROW = re.compile(r"(SJC\w*):\s*([+-]?\d+(?:[.,]\d+)?)")

#: Agreement tolerance between the two sources of uncapacitated optima (published values are 3-decimal).
UNCAP_TOLERANCE = 1e-3 + 1e-9


def _locate(folder: PathArg, default: str) -> Path:
    """``folder/default`` when ``folder`` is a directory, else ``folder`` itself (a values file)."""
    p = Path(folder)
    if p.is_dir():
        return p / default
    if not p.exists():
        raise InputError(f"not found: expected a folder holding {default}, or that file itself", file=str(p))
    return p


def _add(text: TextFile, values: dict[str, float], seen: dict[str, int], key: str, value: float, line: int) -> None:
    if key in values:
        raise text.error(f"expected each instance once, but '{key}' was already given on line {seen[key]}", line=line)
    values[key] = value
    seen[key] = line


def _name_value_table(text: TextFile, example: str) -> dict[str, float]:
    """Parse ``name value`` lines; a first line that is not one is a header and skipped."""
    lines = [int(line) for line in text.rows()[0]]
    if lines and _NAME_VALUE.fullmatch(text.text(lines[0])) is None:
        lines = lines[1:]
    if not lines:
        raise text.error(f"expected lines 'name value' (e.g. '{example}'), found none", line=text.last_line)
    values: dict[str, float] = {}
    seen: dict[str, int] = {}
    for line in lines:
        match = _NAME_VALUE.fullmatch(text.text(line))
        if match is None:
            raise text.error(f"expected 'name value' (e.g. '{example}'), got '{text.text(line)}'", line=line)
        _add(text, values, seen, match[1], float(match[2]), line)
    return values


def read_pmed_opt(folder: PathArg) -> dict[str, float]:
    """Read OR-Library ``pmedopt.txt``: the optimal value of each p-median instance.

    Args:
        folder: the ``orlib-pmed`` folder, or the ``pmedopt.txt`` file.

    Returns:
        ``{"pmed1": 5819.0, …}``.

    Raises:
        InputError: missing file, a line that is not ``name value``, or a repeated instance.
    """
    return _name_value_table(read_text(_locate(folder, "pmedopt.txt")), "pmed1 5819")


def capopt_key(name: str, capacity: float | str | None = None) -> str:
    """The :func:`read_capopt` key of an instance: ``cap41``, or ``capa-8000`` for capa/b/c at a capacity.

    Args:
        name: the instance name, e.g. ``capa``.
        capacity: the capacity for capa/capb/capc; None for the instances with numeric capacities.

    Returns:
        The key, with an integral capacity written without decimals (8000.0 -> ``capa-8000``).
    """
    if capacity is None:
        return name
    c = float(capacity)
    return f"{name}-{int(c) if c.is_integer() else repr(c)}"


def read_capopt(folder: PathArg) -> dict[str, float]:
    """Read OR-Library ``capopt.txt``: optimal values of the CAPACITATED problems.

    Lines are ``name value``; capa, capb and capc have ``name value (capacity C)`` followed by continuation
    lines ``value (capacity C)``. Those are keyed ``f"{name}-{C}"`` (see :func:`capopt_key`), e.g.
    ``capa-8000``; the others by name, e.g. ``cap41``. A first line that is not a value line is a header; the
    table ends at the first blank line after it (the free-text note that follows is ignored).

    Args:
        folder: the ``orlib-cap`` folder, or the ``capopt.txt`` file.

    Returns:
        ``{"cap41": 1040444.375, …, "capa-8000": 19240822.449, …}``.

    Raises:
        InputError: missing file, a malformed line, a continuation line without a preceding capacitated row,
            or a repeated key.
    """
    text = read_text(_locate(folder, "capopt.txt"))
    values: dict[str, float] = {}
    seen: dict[str, int] = {}
    expected = "expected 'name value', 'name value (capacity C)' or 'value (capacity C)'"
    current: str | None = None  # the instance whose '(capacity C)' rows may continue
    started = False
    first_line = int(text.where[0]) if text.tokens else 0
    for k, raw in enumerate(text.lines, 1):
        s = raw.strip()
        if not s:
            if started:
                break
            continue
        row, cont = _CAP_ROW.fullmatch(s), _CAP_CONTINUED.fullmatch(s)
        if row is None and cont is None:
            if k == first_line:
                continue  # header line, e.g. "Data file   Optimal solution value"
            raise text.error(f"{expected}, got '{s}'", line=k)
        started = True
        if row is not None:
            name, value, cap = row[1], float(row[2]), row[3]
            current = name if cap is not None else None
            _add(text, values, seen, capopt_key(name, cap), value, k)
        else:
            if current is None:
                raise text.error(
                    f"{expected}: the continuation line '{s}' must follow a line 'name value (capacity C)'", line=k
                )
            _add(text, values, seen, capopt_key(current, cont[2]), float(cont[1]), k)
    if not values:
        raise text.error(f"{expected}, found no values", line=text.last_line)
    return values


@dataclass(frozen=True, eq=False)
class UflSolution:
    """An optimal uncapacitated solution from the UflLib ``.opt`` files.

    Attributes:
        name: the instance name, e.g. ``cap71`` (from ``cap71.txt.opt``).
        assignment: ``(n,)`` read-only int array: the 0-based warehouse serving each customer, in file order.
        value: the stated optimal value (the last token of the file).
    """

    name: str
    assignment: np.ndarray
    value: float

    def __post_init__(self) -> None:
        arr = np.array(self.assignment, dtype=np.int64, copy=True)
        if arr.ndim != 1:
            raise ValueError(f"UflSolution.assignment: expected a 1-D array, got shape {arr.shape}")
        arr.setflags(write=False)
        object.__setattr__(self, "assignment", arr)


def read_ufllib_solution(path: PathArg) -> UflSolution:
    """Read a UflLib ``<name>.txt.opt`` file: 0-based warehouse per customer, then the optimal value.

    Args:
        path: the ``.opt`` file.

    Returns:
        The assignment and the value.

    Raises:
        InputError: missing file, fewer than 2 tokens, a non-integer or negative index, a non-numeric value.
    """
    text = read_text(path)
    toks, where = text.tokens, text.where
    if len(toks) < 2:
        raise text.error(
            "expected a 0-based warehouse index for each customer followed by the optimal "
            f"value, found {len(toks)} token(s)",
            line=text.last_line,
        )
    *indices, last = toks

    def bad_index(k: int) -> InputError:
        return text.error(
            f"expected the 0-based warehouse index of customer {k + 1} (an integer >= 0), got '{indices[k]}'",
            line=int(where[k]),
        )

    def bad_value(_: int) -> InputError:
        return text.error(f"expected the optimal value as the last token, got '{last}'", line=int(where[-1]))

    assignment = to_numbers(indices, integer=True, on_error=bad_index)
    negative = np.flatnonzero(assignment < 0)
    if negative.size:
        raise bad_index(int(negative[0]))
    value = float(to_numbers([last], integer=False, on_error=bad_value)[0])
    return UflSolution(name=Path(path).name.split(".")[0], assignment=assignment, value=value)


def read_uncap_opt(folder: PathArg) -> dict[str, float]:
    """Read the optimal values of the UNCAPACITATED problems (cap71–74, cap101–104, cap131–134, capa/b/c).

    Two sources, both optional but at least one required: ``optimal-solutions.txt`` (3 decimals; its header
    line has non-UTF-8 bytes and is skipped; read as Latin-1) and ``ufllib-opt/<name>.txt.opt`` (the last
    token, more precise). When both give a value the ``.opt`` one is returned, after checking that they agree
    within 1e-3.

    Args:
        folder: the ``orlib-cap`` folder.

    Returns:
        ``{"cap71": 932615.75, …, "capa": 17156454.4783, …}``.

    Raises:
        InputError: neither source present, a malformed file, or the two sources disagree.
    """
    base = Path(folder)
    if not base.is_dir():
        found = "a file" if base.exists() else "not found"
        raise InputError(
            f"{found}: expected a folder holding optimal-solutions.txt and/or ufllib-opt/*.opt", file=str(base)
        )
    table = base / "optimal-solutions.txt"
    values: dict[str, float] = {}
    lines: dict[str, int] = {}
    if table.is_file():
        text = read_text(table, encoding="latin-1")
        values = _name_value_table(text, "cap71 932615.750")
        lines = {text.tokens[first]: int(line) for line, first, _ in zip(*text.rows())}
    opt_files = sorted((base / "ufllib-opt").glob("*.opt"))
    if not values and not opt_files:
        raise InputError("expected optimal-solutions.txt or ufllib-opt/*.opt in the folder", file=str(base))
    for path in opt_files:
        sol = read_ufllib_solution(path)
        if sol.name in values and abs(values[sol.name] - sol.value) > UNCAP_TOLERANCE:
            raise InputError(
                f"expected the optimum of {sol.name} to agree within 1e-3 with "
                f"{values[sol.name]} in {table} line {lines[sol.name]}, got {sol.value}",
                file=str(path),
                line=1,
            )
        values[sol.name] = sol.value
    return values


def read_sjc_best(folder: PathArg) -> dict[str, float]:
    """Read ``BestSolution.txt``: best-known CPMP values of the São José dos Campos instances.

    Only the ``SJC…: value`` rows are returned (decimal commas, e.g. ``SJC1:  17288,99``). Other rows (the
    p3038 ``p3028_…`` values, which disagree with another published source) and the title line are ignored.

    Args:
        folder: the ``sjc-cpmp`` folder, or the ``BestSolution.txt`` file.

    Returns:
        ``{"SJC1": 17288.99, "SJC2": 33270.94, …}``.

    Raises:
        InputError: missing file, a malformed SJC row, a repeated instance, or no SJC rows.
    """
    text = read_text(_locate(folder, "BestSolution.txt"))
    values: dict[str, float] = {}
    seen: dict[str, int] = {}
    for line in range(1, len(text.lines) + 1):
        row = text.text(line)
        if not row.startswith("SJC"):
            continue
        match = _SJC_ROW.fullmatch(row)
        if match is None:
            raise text.error(
                f"expected 'SJCn: value' with a decimal comma (e.g. 'SJC1:  17288,99'), got '{row}'", line=line
            )
        _add(text, values, seen, match[1], float(match[2].replace(",", ".")), line)
    if not values:
        raise text.error("expected rows 'SJCn: value' (e.g. 'SJC1:  17288,99'), found none", line=text.last_line)
    return values
