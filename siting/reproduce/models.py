"""Turn a published benchmark instance into the planning model's (ModelData, ModelSpec), one function per set.

The instances are solved with exactly the model and solver layer that ``siting run`` uses
(:func:`siting.model.data.from_arrays`, :class:`siting.model.spec.ModelSpec`, :func:`siting.model.solve.solve`).
Each instance maps onto one service ``"s"``; instance clients are the model's communities (ids ``"0"``,
``"1"``, …, in file order) and candidate sites are its buildings (ids ``"0"``, ``"1"``, …, one option each),
so a plan decodes back to 0-based instance indices with ``int(id)``.

How each problem maps onto the model (objective terms from :mod:`siting.model.objectives`; d_p is the demand of
pair p, ℓ_e the "distance" of arc e, v_e the assigned share):

* p-median (:func:`pmedian_model`): unit demand, ℓ_e = shortest-path distance, objective ``min_distance``
  Σ_e d_p ℓ_e v_e = Σ_ij c_ij v_ij, ``full_assignment``, exactly p facilities.
* facility location (:func:`cflp_model`): d_p = customer demand d_j, ℓ_e = c_ij / d_j (the file's cost of
  serving ALL of j from i, per unit), capex = fixed cost, objective ``min_cost`` with ``distance_cost`` 1:
  Σ_i f_i x_i + Σ_e d_j (c_ij / d_j) v_e = Σ f_i x_i + Σ c_ij v_ij; ``full_assignment`` and, when capacitated,
  option capacity s_i (split assignment, v_e ∈ [0, 1], as capopt assumes).
* capacitated p-median (:func:`cpmp_model`): d_p = q_i (so that capacity rows read Σ_i q_i v_ij ≤ Q_j x_j),
  ℓ_e = d_ij / q_i so that d_p ℓ_e = d_ij, the plain Euclidean distance (Lorena & Senne do not weight it by
  demand); ``single_source`` (binary v), ``capacitated``, ``full_assignment``, exactly p medians.
* maximal covering (:func:`mclp_model`): d_p = demand, arcs = pairs within the Euclidean radius S (d ≤ S),
  objective ``max_coverage`` Σ_p d_p cov_p, exactly p sites.

``from_arrays`` keeps only pairs with demand > 0, which is right for covering (a zero-demand point adds
nothing) but would silently drop a client from the p-median, facility-location and CPMP objectives. None of
the published files has a zero demand; such a file is refused with an :class:`~siting.errors.InputError`
rather than solved as a different problem.
"""

from __future__ import annotations

import numpy as np

from siting.access.walking import ReachPairs, reach_pairs
from siting.errors import InputError
from siting.model.data import ModelData, from_arrays
from siting.model.spec import ModelSpec
from siting.reproduce.instances import CapInstance, CpmpInstance, MclpInstance, PMedianInstance

__all__ = ["all_pairs", "cflp_model", "cpmp_model", "mclp_model", "pmedian_model"]

SERVICE = "s"


def _ids(n: int) -> list[str]:
    return [str(k) for k in range(n)]


def all_pairs(distance: np.ndarray) -> ReachPairs:
    """Every (client, site) pair of a (clients × sites) matrix, as reach arcs with that matrix as distance."""
    n_clients, n_sites = distance.shape
    i, j = np.meshgrid(np.arange(n_clients), np.arange(n_sites), indexing="ij")
    return ReachPairs(i.ravel(), j.ravel(), np.ascontiguousarray(distance, dtype=np.float64).ravel())


def _positive_demand(name: str, demand: np.ndarray, what: str) -> None:
    zero = np.flatnonzero(~(demand > 0))
    if zero.size:
        raise InputError(
            f"{what} {int(zero[0]) + 1} has demand {demand[zero[0]]:g}: the planning model keeps only "
            "demand > 0, so it would drop that client from the objective; this instance cannot be "
            "reproduced faithfully",
            file=name,
        )


def pmedian_model(inst: PMedianInstance) -> tuple[ModelData, ModelSpec]:
    """OR-Library p-median: unit demand at every vertex, shortest-path distances, exactly p medians.

    Args:
        inst: the instance from :func:`siting.reproduce.readers.read_pmed`.

    Returns:
        The model data and the spec (objective ``min_distance``, full assignment, p facilities).
    """
    n = inst.n
    data = from_arrays(
        services=[SERVICE],
        demand=np.ones((n, 1)),
        arcs=[all_pairs(inst.dist)],
        building_ids=_ids(n),
        option_building=np.arange(n),
        capex=np.zeros(n),
    )
    spec = ModelSpec(objectives=("min_distance",), full_assignment=True, min_facilities=inst.p, max_facilities=inst.p)
    return data, spec


def cflp_model(inst: CapInstance, *, capacitated: bool) -> tuple[ModelData, ModelSpec]:
    """OR-Library warehouse location: fixed costs + (optionally) capacities + split assignment.

    Args:
        inst: the instance from :func:`siting.reproduce.readers.read_cap` (capa/b/c with a capacity; the
            capacity is ignored when ``capacitated`` is False).
        capacitated: limit each warehouse's served demand by its capacity (capopt) or not (uncapopt).

    Returns:
        The model data and the spec (objective ``min_cost`` with travel cost 1 per unit of "distance").

    Raises:
        InputError: a customer with zero demand (its cost would be dropped from the model).
    """
    _positive_demand(inst.name, inst.demand, "customer")
    per_unit = inst.cost.T / inst.demand[:, None]  # (customers × warehouses): cost of one unit of j's demand
    data = from_arrays(
        services=[SERVICE],
        demand=inst.demand[:, None].astype(np.float64),
        arcs=[all_pairs(per_unit)],
        building_ids=_ids(inst.m),
        option_building=np.arange(inst.m),
        capex=inst.fixed_cost,
        option_capacity=inst.capacity if capacitated else None,
    )
    spec = ModelSpec(objectives=("min_cost",), full_assignment=True, capacitated=capacitated, distance_cost=1.0)
    return data, spec


def euclidean(xy: np.ndarray) -> np.ndarray:
    """(n × n) Euclidean distances between the rows of ``xy``."""
    return np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])


def cpmp_model(inst: CpmpInstance) -> tuple[ModelData, ModelSpec]:
    """Lorena–Senne capacitated p-median: single-source assignment, Σ_i q_i x_ij ≤ Q_j y_j, min Σ d_ij x_ij.

    Args:
        inst: the instance from :func:`siting.reproduce.readers.read_sjc_cpmp`.

    Returns:
        The model data and the spec (objective ``min_distance`` with ℓ_e = d_ij / q_i, so d_p ℓ_e = d_ij).

    Raises:
        InputError: a node with zero demand.
    """
    _positive_demand(inst.name, inst.demand, "node")
    n = inst.n
    data = from_arrays(
        services=[SERVICE],
        demand=inst.demand[:, None].astype(np.float64),
        arcs=[all_pairs(euclidean(inst.xy) / inst.demand[:, None])],
        building_ids=_ids(n),
        option_building=np.arange(n),
        capex=np.zeros(n),
        option_capacity=inst.capacity,
    )
    spec = ModelSpec(
        objectives=("min_distance",),
        full_assignment=True,
        capacitated=True,
        single_source=True,
        min_facilities=inst.p,
        max_facilities=inst.p,
    )
    return data, spec


def mclp_model(inst: MclpInstance, *, radius: float, p: int) -> tuple[ModelData, ModelSpec]:
    """Lorena–Pereira maximal covering: p sites, a point is covered when a site lies within Euclidean radius S.

    Args:
        inst: the instance from :func:`siting.reproduce.readers.read_sjc_mclp`.
        radius: the coverage radius S (metres, the coordinates' unit).
        p: the number of sites.

    Returns:
        The model data and the spec (objective ``max_coverage``, exactly p facilities).

    Raises:
        InputError: p outside 1..n or a radius that is not positive.
    """
    if not 1 <= p <= inst.n:
        raise InputError(f"expected 1 <= p <= n = {inst.n} for {inst.name}, got p = {p}", field="p")
    if not radius > 0:
        raise InputError(f"expected a coverage radius > 0, got {radius}", field="radius")
    arcs = reach_pairs(inst.xy, inst.xy, float(radius), crs="planar", detour_factor=1.0)
    data = from_arrays(
        services=[SERVICE],
        demand=inst.demand[:, None].astype(np.float64),
        arcs=[arcs],
        building_ids=_ids(inst.n),
        option_building=np.arange(inst.n),
        capex=np.zeros(inst.n),
    )
    spec = ModelSpec(objectives=("max_coverage",), min_facilities=p, max_facilities=p)
    return data, spec
