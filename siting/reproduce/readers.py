"""Readers for published facility-location benchmark instances.

Formats (see ``../shared/benchmarks/*/MANIFEST.md``):

* OR-Library p-median ``pmedN.txt`` (Beasley 1985): :func:`read_pmed`.
* OR-Library capacitated warehouse location ``capNN.txt``, ``capa/b/c.txt`` (Beasley 1988): :func:`read_cap`.
* Lorena & Senne São José dos Campos capacitated p-median ``SJC*.dat``: :func:`read_sjc_cpmp`.
* Lorena & Pereira São José dos Campos maximal covering ``SJC*.txt``: :func:`read_sjc_mclp`.

Known optimal / best values are read by the functions re-exported from
:mod:`siting.reproduce.known_values` (:func:`read_pmed_opt`, :func:`read_capopt`, :func:`read_uncap_opt`,
:func:`read_ufllib_solution`, :func:`read_sjc_best`).

Every malformed or missing file raises :class:`siting.errors.InputError` naming the file, the 1-based line
and what was expected. Instances are frozen dataclasses whose arrays are read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, shortest_path

from siting.errors import InputError
from siting.reproduce._text import PathArg, Row, TextFile, header_ints, read_text, table, to_numbers
from siting.reproduce.known_values import (
    UflSolution,
    capopt_key,
    read_capopt,
    read_pmed_opt,
    read_sjc_best,
    read_ufllib_solution,
    read_uncap_opt,
)

__all__ = [
    "CapInstance",
    "CpmpInstance",
    "MclpInstance",
    "PMedianInstance",
    "UflSolution",
    "capopt_key",
    "read_cap",
    "read_capopt",
    "read_pmed",
    "read_pmed_opt",
    "read_sjc_best",
    "read_sjc_cpmp",
    "read_sjc_mclp",
    "read_ufllib_solution",
    "read_uncap_opt",
]


def _frozen(obj: object, name: str, shape: tuple[int, ...], dtype: type = np.float64) -> None:
    """Store ``obj.name`` as a read-only contiguous array of ``shape``; ValueError on a shape mismatch."""
    arr = np.array(getattr(obj, name), dtype=dtype, copy=True, order="C")
    if arr.shape != shape:
        raise ValueError(f"{type(obj).__name__}.{name}: expected shape {shape}, got {arr.shape}")
    arr.setflags(write=False)
    object.__setattr__(obj, name, arr)


def _name(path: PathArg) -> str:
    """The instance name: the file name up to its first dot (``pmed1.txt`` -> ``pmed1``)."""
    return Path(path).name.split(".")[0]


@dataclass(frozen=True, eq=False)
class PMedianInstance:
    """An OR-Library uncapacitated p-median instance.

    Every vertex is both a client (unit demand) and a candidate median.

    Attributes:
        name: the instance name (file name without extension), e.g. ``pmed1``.
        n: number of vertices.
        p: number of medians to open.
        dist: ``(n, n)`` all-pairs shortest-path distances (float, symmetric, zero diagonal) over the edge
            costs, where a repeated edge takes the cost of its LAST occurrence in the file.
    """

    name: str
    n: int
    p: int
    dist: np.ndarray

    def __post_init__(self) -> None:
        _frozen(self, "dist", (self.n, self.n))


@dataclass(frozen=True, eq=False)
class CapInstance:
    """An OR-Library capacitated (or, ignoring capacities, uncapacitated) warehouse location instance.

    Attributes:
        name: the instance name, e.g. ``cap41``.
        m: number of candidate warehouses.
        n: number of customers.
        capacity: ``(m,)`` warehouse capacities.
        fixed_cost: ``(m,)`` cost of opening each warehouse.
        demand: ``(n,)`` customer demands.
        cost: ``(m, n)`` cost of serving ALL of customer j's demand from warehouse i (serving a fraction x_ij
            costs ``x_ij * cost[i, j]``); NOT a per-unit cost.
    """

    name: str
    m: int
    n: int
    capacity: np.ndarray
    fixed_cost: np.ndarray
    demand: np.ndarray
    cost: np.ndarray

    def __post_init__(self) -> None:
        _frozen(self, "capacity", (self.m,))
        _frozen(self, "fixed_cost", (self.m,))
        _frozen(self, "demand", (self.n,))
        _frozen(self, "cost", (self.m, self.n))


@dataclass(frozen=True, eq=False)
class CpmpInstance:
    """A capacitated p-median instance (São José dos Campos, Lorena & Senne 2004).

    Every node is both a client and a candidate median; distances are Euclidean on ``xy``.

    Attributes:
        name: the instance name, e.g. ``SJC1``.
        n: number of nodes.
        p: number of medians.
        xy: ``(n, 2)`` planar coordinates.
        capacity: ``(n,)`` capacity of each node as a median.
        demand: ``(n,)`` demand of each node.
    """

    name: str
    n: int
    p: int
    xy: np.ndarray
    capacity: np.ndarray
    demand: np.ndarray

    def __post_init__(self) -> None:
        _frozen(self, "xy", (self.n, 2))
        _frozen(self, "capacity", (self.n,))
        _frozen(self, "demand", (self.n,))


@dataclass(frozen=True, eq=False)
class MclpInstance:
    """A maximal covering instance (São José dos Campos, Lorena & Pereira 2002).

    The number of facilities p and the coverage radius S are run parameters, not part of the file.

    Attributes:
        name: the instance name, e.g. ``SJC402``.
        n: number of nodes (each a demand point and a candidate site).
        xy: ``(n, 2)`` planar coordinates in metres.
        demand: ``(n,)`` demand of each node.
    """

    name: str
    n: int
    xy: np.ndarray
    demand: np.ndarray

    def __post_init__(self) -> None:
        _frozen(self, "xy", (self.n, 2))
        _frozen(self, "demand", (self.n,))


def _first_row(rows: list[Row]) -> Row | None:
    return rows[0] if rows else None


def read_pmed(path: PathArg) -> PMedianInstance:
    """Read an OR-Library p-median file (``pmedN.txt``) and compute all-pairs shortest paths.

    Format: a header ``n m p``, then ``m`` lines ``i j cost`` (vertices 1..n, integer costs) of an undirected
    graph. As OR-Library's ``pmedinfo`` prescribes, c(i,j)=c(j,i)=cost is set for each line in turn, so the
    LAST occurrence of a repeated edge wins (taking the minimum instead gives 5718 for pmed1, not the optimal
    5819). Distances are shortest paths (Dijkstra via :func:`scipy.sparse.csgraph.shortest_path`).

    Args:
        path: the ``pmedN.txt`` file.

    Returns:
        The instance, with ``dist`` the ``(n, n)`` shortest-path matrix.

    Raises:
        InputError: missing file, malformed header, wrong number of edge lines, a line that is not
            3 integers, a vertex outside 1..n, a self-loop, a negative cost or a disconnected graph.
    """
    text = read_text(path)
    rows = text.rows()
    head = _first_row(rows)
    n, m, p = header_ints(text, head, ("n", "m", "p"))
    assert head is not None
    if n < 1 or m < 0:
        raise text.error(
            f"expected n >= 1 vertices and m >= 0 edge lines in the header, got '{head.text}'", line=head.line
        )
    if not 1 <= p <= n:
        raise text.error(f"expected 1 <= p <= n = {n} in the header, got p = {p}", line=head.line)
    edges, lines = table(
        text,
        rows[1:],
        count=m,
        columns=3,
        layout="i j cost",
        what="edge lines",
        integer=True,
        header=f"'n m p' = '{head.text}'",
    )
    if n > m + 1:
        raise text.error(
            f"expected a connected graph, but m = {m} edge lines can connect at most {m + 1} "
            f"vertices and the header says n = {n}",
            line=head.line,
        )
    ends, cost = edges[:, :2], edges[:, 2]

    out = np.flatnonzero(((ends < 1) | (ends > n)).any(axis=1))
    if out.size:
        k = int(out[0])
        v = int(ends[k, 0] if not 1 <= ends[k, 0] <= n else ends[k, 1])
        raise text.error(
            f"vertex {v} out of range: expected 1..{n} (n in the header), got '{' '.join(map(str, edges[k]))}'",
            line=int(lines[k]),
        )
    loops = np.flatnonzero(ends[:, 0] == ends[:, 1])
    if loops.size:
        k = int(loops[0])
        raise text.error(
            f"expected an edge between two different vertices, got a self-loop on vertex {int(ends[k, 0])}",
            line=int(lines[k]),
        )
    negative = np.flatnonzero(cost < 0)
    if negative.size:
        k = int(negative[0])
        raise text.error(f"expected a non-negative edge cost, got {int(cost[k])}", line=int(lines[k]))

    lo = np.minimum(ends[:, 0], ends[:, 1]) - 1
    hi = np.maximum(ends[:, 0], ends[:, 1]) - 1
    key = lo * n + hi
    # Last occurrence wins: the first occurrence in the reversed order is the last in file order.
    _, first_reversed = np.unique(key[::-1], return_index=True)
    keep = key.size - 1 - first_reversed
    # One entry per undirected edge; directed=False lets the search use it both ways. Explicit zeros are
    # kept by csr_matrix, so zero-cost edges remain edges.
    graph = csr_matrix((cost[keep].astype(np.float64), (lo[keep], hi[keep])), shape=(n, n))
    # Connectivity before the (n, n) distance matrix is allocated.
    _, label = connected_components(graph, directed=False)
    cut = np.flatnonzero(label != label[0])
    if cut.size:
        raise text.error(
            f"expected a connected graph on the n = {n} vertices of the header, but vertex "
            f"{int(cut[0]) + 1} cannot be reached from vertex 1"
        )
    dist = shortest_path(graph, method="D", directed=False)
    return PMedianInstance(name=_name(path), n=n, p=p, dist=dist)


def _positive_capacity(capacity: float, file: str) -> float:
    try:
        value = float(capacity)
    except (TypeError, ValueError):
        raise InputError(f"expected a number for capacity, got {capacity!r}", file=file, field="capacity") from None
    if not value > 0:  # also rejects NaN; +inf is allowed (the uncapacitated problem)
        raise InputError(
            f"expected a capacity > 0 (math.inf for uncapacitated), got {capacity!r}", file=file, field="capacity"
        )
    return value


def read_cap(path: PathArg, capacity: float | None = None) -> CapInstance:
    """Read an OR-Library capacitated warehouse location file (``capNN.txt``, ``capa/b/c.txt``).

    Format (whitespace-separated tokens; values may wrap over lines, so line breaks are not significant):
    ``m n``, then ``capacity_i fixedcost_i`` for each of the m warehouses, then for each of the n customers
    ``demand_j`` followed by ``c_1j … c_mj``, the cost of serving ALL of j's demand from each warehouse.

    In capa, capb and capc every capacity is the literal word ``capacity``; the value comes from the
    ``capacity`` argument (capopt lists the optimum for capa at 8000, 10000, 12000, 14000; capb at 5000,
    6000, 7000, 8000; capc at 5000, 5750, 6500, 7250).

    Args:
        path: the instance file.
        capacity: replaces every literal ``capacity`` token; ``math.inf`` for the uncapacitated problem.
            Required when the file has them and refused when it does not (the argument never overrides
            numeric capacities).

    Returns:
        The instance with ``cost`` as an ``(m, n)`` array.

    Raises:
        InputError: missing file; malformed header; too few or too many values; a non-numeric or
            negative value; ``capacity`` missing for a capa/b/c file, given for a numeric one, or not > 0.
    """
    text = read_text(path)
    toks, where = text.tokens()
    if len(toks) < 2:
        raise text.error(
            "expected the header 'm n' (warehouses, customers), found "
            + (f"only '{toks[0]}'" if toks else "an empty file"),
            line=text.last_line,
        )

    def bad_header(k: int) -> InputError:
        return text.error(f"expected the header 'm n' as 2 integers, got '{toks[0]} {toks[1]}'", line=int(where[k]))

    m, n = (int(v) for v in to_numbers(toks[:2], integer=True, on_error=bad_header))
    if m < 1 or n < 1:
        raise text.error(
            f"expected m >= 1 warehouses and n >= 1 customers in the header, got '{m} {n}'", line=int(where[0])
        )
    expected = 2 * m + n * (m + 1)
    body = toks[2:]
    header = (
        f"header 'm n' = '{m} {n}': 2 values for each of {m} warehouses, then a demand and {m} costs "
        f"for each of {n} customers"
    )

    def role(k: int) -> str:
        if k < 2 * m:
            return f"the {'capacity' if k % 2 == 0 else 'fixed cost'} of warehouse {k // 2 + 1}"
        j, s = divmod(k - 2 * m, m + 1)
        return (
            f"the demand of customer {j + 1}" if s == 0 else f"the cost of serving customer {j + 1} from warehouse {s}"
        )

    if len(body) < expected:
        raise text.error(
            f"expected {expected} values after the header, found {len(body)}: the file ends "
            f"before {role(len(body))} ({header})",
            line=text.last_line,
        )
    if len(body) > expected:
        raise text.error(
            f"expected {expected} values after the header, found more: '{body[expected]}' is extra ({header})",
            line=int(where[2 + expected]),
        )

    placeholder = np.zeros(len(body), dtype=bool)
    placeholder[0 : 2 * m : 2] = [t.lower() == "capacity" for t in body[0 : 2 * m : 2]]
    if placeholder.any():
        if capacity is None:
            first = int(np.flatnonzero(placeholder)[0])
            raise text.error(
                "the file writes the word 'capacity' instead of the warehouse capacities "
                "(capa/capb/capc style): pass capacity=..., e.g. capa 8000, capb 5000, "
                "capc 5000 (see capopt.txt)",
                line=int(where[2 + first]),
            )
        cap_value = _positive_capacity(capacity, text.file)
        body = ["0" if ph else t for t, ph in zip(body, placeholder, strict=True)]
    elif capacity is not None:
        raise InputError(
            f"capacity={capacity!r} was given but the file has numeric capacities; the argument "
            "only replaces the literal word 'capacity' (capa, capb, capc)",
            file=text.file,
            field="capacity",
        )

    def bad(k: int) -> InputError:
        return text.error(f"expected a number for {role(k)}, got '{body[k]}'", line=int(where[2 + k]))

    values = to_numbers(body, integer=False, on_error=bad)
    if placeholder.any():
        values[placeholder] = cap_value
    negative = np.flatnonzero(values < 0)
    if negative.size:
        k = int(negative[0])
        raise text.error(f"expected a non-negative value for {role(k)}, got '{body[k]}'", line=int(where[2 + k]))
    customers = values[2 * m :].reshape(n, m + 1)
    return CapInstance(
        name=_name(path),
        m=m,
        n=n,
        capacity=values[0 : 2 * m : 2],
        fixed_cost=values[1 : 2 * m : 2],
        demand=customers[:, 0],
        cost=customers[:, 1:].T,
    )


def _check_non_negative(text: TextFile, values: np.ndarray, lines: np.ndarray, column: int, what: str) -> None:
    negative = np.flatnonzero(values[:, column] < 0)
    if negative.size:
        k = int(negative[0])
        raise text.error(f"expected a non-negative {what}, got {values[k, column]:g}", line=int(lines[k]))


def read_sjc_cpmp(path: PathArg) -> CpmpInstance:
    """Read a São José dos Campos capacitated p-median file (``SJC1.dat`` … ``SJC4b.dat``).

    Format (CRLF line endings and leading spaces are accepted): a header ``n p``, then n lines
    ``x y capacity demand``.

    Args:
        path: the ``.dat`` file.

    Returns:
        The instance.

    Raises:
        InputError: missing file, malformed header, wrong number of node lines, a line that is not 4 numbers,
            a negative capacity or demand.
    """
    text = read_text(path)
    rows = text.rows()
    head = _first_row(rows)
    n, p = header_ints(text, head, ("n", "p"))
    assert head is not None
    if n < 1 or not 1 <= p <= n:
        raise text.error(f"expected n >= 1 and 1 <= p <= n in the header 'n p', got '{head.text}'", line=head.line)
    values, lines = table(
        text,
        rows[1:],
        count=n,
        columns=4,
        layout="x y capacity demand",
        what="node lines",
        integer=False,
        header=f"'n p' = '{head.text}'",
    )
    _check_non_negative(text, values, lines, 2, "capacity")
    _check_non_negative(text, values, lines, 3, "demand")
    return CpmpInstance(name=_name(path), n=n, p=p, xy=values[:, :2], capacity=values[:, 2], demand=values[:, 3])


def read_sjc_mclp(path: PathArg) -> MclpInstance:
    """Read a São José dos Campos maximal covering file (``SJC324.txt`` … ``SJC818.txt``).

    Format (tab-separated, CRLF, trailing tab, possibly no final newline): a header ``n 9999 p S`` where only
    n is read (``9999``, ``p`` and ``S`` are literal placeholders: p and the radius S are run parameters),
    then n lines ``x y demand``.

    Args:
        path: the ``.txt`` file.

    Returns:
        The instance.

    Raises:
        InputError: missing file, a header that is not 4 fields starting with an integer n, wrong number of
            node lines, a line that is not 3 numbers, a negative demand.
    """
    text = read_text(path)
    rows = text.rows()
    head = _first_row(rows)
    (n,) = header_ints(text, head, ("n", "9999", "p", "S"), at_least=1)
    assert head is not None
    if n < 1:
        raise text.error(f"expected n >= 1 in the header 'n 9999 p S', got '{head.text}'", line=head.line)
    values, lines = table(
        text,
        rows[1:],
        count=n,
        columns=3,
        layout="x y demand",
        what="node lines",
        integer=False,
        header=f"'n 9999 p S' = '{head.text}'",
    )
    _check_non_negative(text, values, lines, 2, "demand")
    return MclpInstance(name=_name(path), n=n, xy=values[:, :2], demand=values[:, 2])
