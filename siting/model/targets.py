"""model.targets = from_audit: the audit's coverage standards as minimum reach shares, family (18).

The shares σ = min(r_s, ρ) come from configs/standards.yaml (r_s) and the model's index arrays (ρ, the share of
demand some slot can reach); the family keeps the plan's reach share above them, overall and per district.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from siting.audit.standards import load_standards
from siting.errors import InputError
from siting.model.builder import block_from
from siting.model.data import ModelData
from siting.model.rows import INF, Blocks, group_rows, row_index
from siting.model.spec import ModelSpec
from siting.model.variables import Variables, reached


def target_shares(data: ModelData) -> tuple[np.ndarray, np.ndarray]:
    """The minimum reach shares of model.targets = from_audit: (S,) outside districts and (G, S) per district.

    σ = min(r_s, ρ): r_s the coverage standard of service s (configs/standards.yaml; 0 without one), ρ the share
    of the demand that some slot can reach, Σ_p d_p / D over the pairs of s in district g, or (first array) of
    the communities in no district (all of them when the scenario has no districts).

    Raises:
        InputError: no service of the scenario has a coverage standard.
    """
    shares = load_standards().coverage_shares(data.services)
    if not shares:
        raise InputError(
            "targets: from_audit needs a service with a coverage standard in configs/standards.yaml; the scenario's "
            f"services are {', '.join(data.services)}",
            file="scenario",
            field="model.targets",
        )
    standard = np.array([shares.get(k, 0.0) for k in data.services])
    n_services = len(data.services)
    grouped = data.pair_group >= 0
    by_group = np.zeros_like(data.group_demand)
    np.add.at(by_group, (data.pair_group[grouped], data.pair_service[grouped]), data.pair_demand[grouped])
    outside = np.bincount(data.pair_service[~grouped], weights=data.pair_demand[~grouped], minlength=n_services)
    outside_demand = data.total_demand - data.group_demand.sum(axis=0)
    return (
        np.minimum(standard, _share(outside, outside_demand)),
        np.minimum(standard[None, :], _share(by_group, data.group_demand)),
    )


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """Part / whole, 0 where whole is 0."""
    return np.divide(part, whole, out=np.zeros_like(part, dtype=float), where=whole > 0)


def reach_targets(data: ModelData, spec: ModelSpec, v: Variables, n_cols: int) -> Blocks:
    """(18) Σ_{p∈P(g,s)} d_p ρ_p ≥ σ^g_s D_{g,s} per district, and Σ_{p∈P(-,s)} d_p ρ_p ≥ σ_s D_{-,s} outside them.

    P(-, s) are the pairs of s in no district (all pairs when there are no districts), D_{-,s} their demand.
    ρ_p says pair p lies within the walking radius of an open slot, as the audit measures coverage (whatever the
    slot's capacity): z_p in the cover form; in the assign form its own variable w_p ≤ Σ_{e∈p} y_{h(e)}.
    """
    if spec.required_share is None:
        return None
    n_pairs, blocks = len(data.pair_community), []
    reach = reached(data, v, n_cols)
    if v.assign:
        link = sp.csr_matrix(
            (
                np.concatenate([np.ones(n_pairs), -np.ones(len(data.arc_pair))]),
                (np.concatenate([np.arange(n_pairs), data.arc_pair]), np.concatenate([v.w, v.y[data.arc_host]])),
            ),
            shape=(n_pairs, n_cols),
        )
        blocks.append(block_from("(18) reach only from hosts", link, -INF, 0.0))
    outside = data.total_demand - data.group_demand.sum(axis=0)
    services = np.flatnonzero((spec.required_share > 0) & (outside > 0))
    if len(services):
        rows = row_index(services, len(data.services))[data.pair_service]
        keep = (rows >= 0) & (data.pair_group < 0)
        weights = sp.csr_matrix((data.pair_demand[keep], (rows[keep], np.flatnonzero(keep))), (len(services), n_pairs))
        where = " (communities in no district)" if len(data.groups) else ""
        blocks.append(
            block_from(
                "(18) audit target share",
                weights @ reach,
                spec.required_share[services] * outside[services],
                INF,
                tuple(f"{data.services[s]}{where}: reach share (audit target)" for s in services),
                outside[services],
                relaxable=True,
            )
        )
    mask = (data.group_demand > 0) & (spec.district_share > 0) if spec.district_share is not None else None
    if mask is not None and mask.any():
        matrix, gs = group_rows(data, mask, data.pair_demand, v, n_cols, of=reach)
        total = data.group_demand[gs[:, 0], gs[:, 1]]
        blocks.append(
            block_from(
                "(18) audit target share in every district",
                matrix,
                spec.district_share[gs[:, 0], gs[:, 1]] * total,
                INF,
                tuple(f"{data.groups[g]}: {data.services[s]}: reach share (audit target)" for g, s in gs),
                total,
                relaxable=True,
            )
        )
    return blocks
