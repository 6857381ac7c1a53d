"""Published facility-location benchmark instances as frozen dataclasses whose arrays are read-only.

Read from their files by :mod:`siting.reproduce.readers`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class _Instance:
    """Stores each array field as a read-only contiguous float copy of the shape :meth:`_shapes` gives."""

    def _shapes(self) -> dict[str, tuple[int, ...]]:
        return {}

    def __post_init__(self) -> None:
        for name, shape in self._shapes().items():
            array = np.array(getattr(self, name), dtype=np.float64, copy=True, order="C")
            if array.shape != shape:
                raise ValueError(f"{type(self).__name__}.{name}: expected shape {shape}, got {array.shape}")
            array.setflags(write=False)
            object.__setattr__(self, name, array)


@dataclass(frozen=True, eq=False)
class PMedianInstance(_Instance):
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

    def _shapes(self) -> dict[str, tuple[int, ...]]:
        return {"dist": (self.n, self.n)}


@dataclass(frozen=True, eq=False)
class CapInstance(_Instance):
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

    def _shapes(self) -> dict[str, tuple[int, ...]]:
        return {"capacity": (self.m,), "fixed_cost": (self.m,), "demand": (self.n,), "cost": (self.m, self.n)}


@dataclass(frozen=True, eq=False)
class CpmpInstance(_Instance):
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

    def _shapes(self) -> dict[str, tuple[int, ...]]:
        return {"xy": (self.n, 2), "capacity": (self.n,), "demand": (self.n,)}


@dataclass(frozen=True, eq=False)
class MclpInstance(_Instance):
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

    def _shapes(self) -> dict[str, tuple[int, ...]]:
        return {"xy": (self.n, 2), "demand": (self.n,)}
