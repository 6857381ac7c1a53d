"""Readers for published facility-location benchmark instances.

Formats (see ``../shared/benchmarks/*/MANIFEST.md``):

* OR-Library p-median ``pmedN.txt`` (Beasley 1985): :func:`read_pmed`.
* OR-Library capacitated warehouse location ``capNN.txt``, ``capa/b/c.txt`` (Beasley 1988): :func:`read_cap`.
* Lorena & Senne São José dos Campos capacitated p-median ``SJC*.dat``: :func:`read_sjc_cpmp`.
* Lorena & Pereira São José dos Campos maximal covering ``SJC*.txt``: :func:`read_sjc_mclp`.

The published optimal / best values are read by :mod:`siting.reproduce.known_values`.

Every malformed or missing file raises :class:`siting.errors.InputError` naming the file, the 1-based line
and what was expected. The instances they return are in :mod:`siting.reproduce.instances`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, shortest_path

from siting.errors import InputError
from siting.reproduce._text import PathArg, header_ints, read_text, table, to_numbers
from siting.reproduce.instances import CapInstance, CpmpInstance, MclpInstance, PMedianInstance


def _name(path: PathArg) -> str:
    """The instance name: the file name up to its first dot (``pmed1.txt`` -> ``pmed1``)."""
    return Path(path).name.split(".")[0]


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
    (n, m, p), head = header_ints(text, ("n", "m", "p"))
    if n < 1 or m < 0:
        raise text.error(
            f"expected n >= 1 vertices and m >= 0 edge lines in the header, got '{text.text(head)}'", line=head
        )
    if not 1 <= p <= n:
        raise text.error(f"expected 1 <= p <= n = {n} in the header, got p = {p}", line=head)
    edges, lines = table(
        text,
        count=m,
        columns=3,
        layout="i j cost",
        what="edge lines",
        integer=True,
        header=f"'n m p' = '{text.text(head)}'",
    )
    if n > m + 1:
        raise text.error(
            f"expected a connected graph, but m = {m} edge lines can connect at most {m + 1} "
            f"vertices and the header says n = {n}",
            line=head,
        )
    ends, cost = edges[:, :2], edges[:, 2]
    outside = (ends < 1) | (ends > n)
    text.reject(
        outside.any(axis=1),
        lines,
        lambda k: (
            f"vertex {ends[k][outside[k]][0]} out of range: expected 1..{n} (n in the header), "
            f"got '{' '.join(map(str, edges[k]))}'"
        ),
    )
    text.reject(
        ends[:, 0] == ends[:, 1],
        lines,
        lambda k: f"expected an edge between two different vertices, got a self-loop on vertex {ends[k, 0]}",
    )
    text.reject(cost < 0, lines, lambda k: f"expected a non-negative edge cost, got {cost[k]}")

    lo, hi = ends.min(axis=1) - 1, ends.max(axis=1) - 1
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
    toks, body_lines = text.tokens, text.where[2:]
    if len(toks) < 2:
        found = f"only '{toks[0]}'" if toks else "an empty file"
        raise text.error(f"expected the header 'm n' (warehouses, customers), found {found}", line=text.last_line)

    def bad_header(k: int) -> InputError:
        return text.error(
            f"expected the header 'm n' as 2 integers, got '{toks[0]} {toks[1]}'", line=int(text.where[k])
        )

    m, n = (int(v) for v in to_numbers(toks[:2], integer=True, on_error=bad_header))
    if m < 1 or n < 1:
        raise text.error(
            f"expected m >= 1 warehouses and n >= 1 customers in the header, got '{m} {n}'", line=int(text.where[0])
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
            line=int(body_lines[expected]),
        )

    words = np.zeros(expected, dtype=bool)
    words[: 2 * m : 2] = [t.lower() == "capacity" for t in body[: 2 * m : 2]]
    if words.any():
        if capacity is None:
            raise text.error(
                "the file writes the word 'capacity' instead of the warehouse capacities (capa/capb/capc style): "
                "pass capacity=..., e.g. capa 8000, capb 5000, capc 5000 (see capopt.txt)",
                line=int(body_lines[np.argmax(words)]),
            )
        cap_value = _positive_capacity(capacity, text.file)
        for k in np.flatnonzero(words):
            body[k] = "0"
    elif capacity is not None:
        raise InputError(
            f"capacity={capacity!r} was given but the file has numeric capacities; the argument "
            "only replaces the literal word 'capacity' (capa, capb, capc)",
            file=text.file,
            field="capacity",
        )
    values = to_numbers(
        body,
        integer=False,
        on_error=lambda k: text.error(f"expected a number for {role(k)}, got '{body[k]}'", line=int(body_lines[k])),
    )
    if words.any():
        values[words] = cap_value
    text.reject(values < 0, body_lines, lambda k: f"expected a non-negative value for {role(k)}, got '{body[k]}'")
    customers = values[2 * m :].reshape(n, m + 1)
    return CapInstance(
        name=_name(path),
        m=m,
        n=n,
        capacity=values[: 2 * m : 2],
        fixed_cost=values[1 : 2 * m : 2],
        demand=customers[:, 0],
        cost=customers[:, 1:].T,
    )


def _node_file(path: PathArg, names: tuple[str, ...], layout: str) -> tuple[list[int], np.ndarray]:
    """Read a São José dos Campos file: the header ``names``, then n lines ``layout``.

    The header's first field is n, and p when it follows, both integers; every column after ``x y`` must be
    non-negative.

    Returns:
        The header integers and the ``(n, len(layout))`` values.
    """
    text = read_text(path)
    with_p = names[1] == "p"
    ints, head = header_ints(text, names, at_least=2 if with_p else 1)
    n, p = ints[0], ints[-1] if with_p else 1
    if n < 1 or not 1 <= p <= n:
        rule = "n >= 1 and 1 <= p <= n" if with_p else "n >= 1"
        raise text.error(f"expected {rule} in the header '{' '.join(names)}', got '{text.text(head)}'", line=head)
    columns = layout.split()
    values, lines = table(
        text,
        count=n,
        columns=len(columns),
        layout=layout,
        what="node lines",
        integer=False,
        header=f"'{' '.join(names)}' = '{text.text(head)}'",
    )
    negative = values[:, 2:] < 0
    column = 2 + negative.argmax(axis=1)
    text.reject(
        negative.any(axis=1),
        lines,
        lambda k: f"expected a non-negative {columns[column[k]]}, got {values[k, column[k]]:g}",
    )
    return ints, values


def read_sjc_cpmp(path: PathArg) -> CpmpInstance:
    """Read a São José dos Campos capacitated p-median file (``SJC1.dat`` … ``SJC4b.dat``).

    Format (CRLF line endings and leading spaces are accepted): a header ``n p``, then n lines
    ``x y capacity demand``.

    Raises:
        InputError: missing file, malformed header, wrong number of node lines, a line that is not 4 numbers,
            a negative capacity or demand.
    """
    (n, p), values = _node_file(path, ("n", "p"), "x y capacity demand")
    return CpmpInstance(name=_name(path), n=n, p=p, xy=values[:, :2], capacity=values[:, 2], demand=values[:, 3])


def read_sjc_mclp(path: PathArg) -> MclpInstance:
    """Read a São José dos Campos maximal covering file (``SJC324.txt`` … ``SJC818.txt``).

    Format (tab-separated, CRLF, trailing tab, possibly no final newline): a header ``n 9999 p S`` where only
    n is read (``9999``, ``p`` and ``S`` are literal placeholders: p and the radius S are run parameters),
    then n lines ``x y demand``.

    Raises:
        InputError: missing file, a header that is not 4 fields starting with an integer n, wrong number of
            node lines, a line that is not 3 numbers, a negative demand.
    """
    (n,), values = _node_file(path, ("n", "9999", "p", "S"), "x y demand")
    return MclpInstance(name=_name(path), n=n, xy=values[:, :2], demand=values[:, 2])
