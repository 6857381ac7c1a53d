r"""Exact reductions of the model data before the solver: fewer options, buildings and demand pairs, same optimum.

Each reduction keeps at least one optimal plan of every lexicographic stage (max_coverage, min_cost,
max_min_share) and only removes choices, so every plan of the reduced model is a plan of the full one; building
indices (and so must-choose / must-not-choose and existing facilities) are unchanged. The conditions under which
each one is exact:

**Buildings that reach nobody** (any model form). A building none of whose slots has a reach arc adds no coverage
and no capacity anyone can use; a plan that acquires it stays feasible and no dearer without it, unless the
building counts for something else. Kept: existing facilities, must-choose buildings, buildings with an option
that trades an asset (trading closes facilities and frees yearly cost), and every building when a minimum
facility count is set, except where a dropped building can always be replaced by an unused kept one: every new
option costs nothing, no per-mode limits, a maximum count p_max, and at least p_max buildings kept (p-facility
covering). The same exception applies to site dominance below.

**Options, no capacities** (cover form: no capacities, no distance decay, no distance objective). Floor area then
only decides which services fit, so an option's area counts up to the building's *useful area*
Σ_{s hostable} a_s (or the complex minimum area if larger, for a complex candidate), and its capacity not at all;
options are then compared by one-off cost, yearly cost and useful area (siting.model.data.dominated_options).
Kept as in from_arrays: existing facilities and asset trades; all options when a rule depends on the mode
(per-mode limits), and the options of complex candidates when complexes need a spending share (a cheaper option
lowers both sides of that row, the complex side by more).

**Site dominance** (cover form). Building b is dropped when a kept building b' (≠ b) satisfies
 (a) every option o of b has an option o' of b' with c_{o'} ≤ c_o, f_{o'} ≤ f_o, A_{o'} ≥ A_o (same mode when
     per-mode limits exist);
 (b) every demand pair b covers, b' covers (per service: the covered sets are nested);
 (c) b' can host all its hostable services at once under each of its options, or that option hosts nothing
     (A ≥ Σ_s a_s or A < min_s a_s; always true with one service);
and ties (b dominating b' too) are broken by keeping the lower index. Take an optimal plan that uses b (option o,
services S). If b' is unused, move b's services to b' under o': coverage per pair does not shrink, no cost rises.
If b' is used, drop b and host S at b' as well ((c) makes the area fit): coverage does not shrink and cost falls.
Dominance is transitive and acyclic, so every dropped building has a kept dominator. Neither b nor b' may be an
existing facility, have an asset-trading option, or be a complex candidate (b) / a must-not-choose building (b');
b may not be must-choose; no minimum facility count (dropping b lowers the count) but for the exception above.
Per-pair coverage never falls, so required shares, district rules and the smallest district share stay met.

**Identical reach** (cover form). Demand pairs of one service and district reached by exactly the same slots are
merged into one pair with the summed demand: every row reads them through the same Σ_h y_h, and district
must-have rows (Σ cov ≥ 1) need one covering slot either way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from siting.model.data import ModelData, dominated_options
from siting.model.spec import ModelSpec
from siting.model.variables import complex_candidates, uses_assignment

#: Largest number of building pairs compared at once in the containment test (bounds the memory it takes).
_CHUNK_NONZEROS = 4_000_000


@dataclass(frozen=True)
class Reduction:
    """The reduced data and what was removed.

    Attributes:
        data: the reduced model data (same buildings and communities; fewer options, slots, pairs, arcs).
        spec: the spec for the reduced data (must-take options renumbered; building indices are unchanged).
        options: (O',) index in the original data of each kept option.
        dropped_options: options removed as dominated (cover form, useful-area comparison).
        unreachable_buildings: buildings dropped because they reach nobody.
        dominated_buildings: buildings dropped by site dominance.
        merged_pairs: demand pairs merged into another with the same reach.
        seconds: time taken.
    """

    data: ModelData
    spec: ModelSpec
    options: np.ndarray
    dropped_options: int
    unreachable_buildings: int
    dominated_buildings: int
    merged_pairs: int
    seconds: float

    def summary(self) -> str:
        """One line for logs and benchmarks."""
        return (
            f"reductions: {self.dropped_options:,} options dominated, {self.unreachable_buildings:,} buildings "
            f"reach nobody, {self.dominated_buildings:,} dominated, {self.merged_pairs:,} demand pairs merged "
            f"({self.seconds:.2f} s)"
        )


def reduce(data: ModelData, spec: ModelSpec) -> Reduction:
    """Apply every reduction that is exact for this spec (see the module docstring)."""
    started = time.perf_counter()
    cover = not uses_assignment(data, spec)
    keep = np.ones(len(data.option_row), bool)
    dropped = 0
    if cover:
        beaten = _dominated_by_useful_area(data, spec)
        dropped = int(beaten.sum())
        keep &= ~beaten
    keep &= ~np.isin(data.option_building, spec.must_not_choose)  # fixed to 0 by (11) anyway
    building_has_slot = np.bincount(data.host_building, minlength=data.n_buildings) > 0
    protected = _protected_buildings(data, spec)
    unreachable = ~building_has_slot & ~protected & _has_option(data, keep)
    counted = bool(spec.min_facilities) and not _count_refillable(data, spec, keep & ~unreachable[data.option_building])
    if counted:
        unreachable[:] = False
    keep &= ~unreachable[data.option_building]
    dominated = np.zeros(data.n_buildings, bool)
    if cover and not counted:
        before = _has_option(data, keep)
        trial = keep & ~_dominated_sites(data, spec, keep, protected)
        if not spec.min_facilities or _count_refillable(data, spec, trial):
            keep = trial
        dominated = before & ~_has_option(data, keep)
    if not keep.any():  # nothing worth acquiring: keep the model as it is rather than leave it empty
        keep[:] = True
        dropped = 0
        unreachable[:] = False
        dominated[:] = False
    reduced = _subset(data, keep)
    merged = 0
    if cover:
        reduced, merged = _merge_pairs(reduced)
    kept = np.flatnonzero(keep)
    return Reduction(
        data=reduced,
        spec=replace(spec, must_take=np.searchsorted(kept, spec.must_take).astype(np.int64)),
        options=kept,
        dropped_options=dropped,
        unreachable_buildings=int(unreachable.sum()),
        dominated_buildings=int(dominated.sum()),
        merged_pairs=merged,
        seconds=time.perf_counter() - started,
    )


def _count_refillable(data: ModelData, spec: ModelSpec, keep: np.ndarray) -> bool:
    """With a minimum facility count, a dropped building can be replaced by any unused kept one.

    That needs every new option to cost nothing (no budget can then stop the replacement), no per-mode limits,
    a maximum count, and at least that many buildings kept: a plan with at most p_max buildings then always
    has an unused kept building to take instead (p-facility covering: exactly p sites, no costs).
    """
    new = ~data.option_existing
    free = not (data.capex[new].any() or data.annual[new].any())
    if not free or spec.max_by_mode or spec.max_facilities is None:
        return False
    kept_buildings = np.unique(data.option_building[keep & new])
    return len(kept_buildings) >= spec.max_facilities


def _has_option(data: ModelData, keep: np.ndarray) -> np.ndarray:
    has = np.zeros(data.n_buildings, bool)
    has[data.option_building[keep]] = True
    return has


def _trading_buildings(data: ModelData) -> np.ndarray:
    mask = np.zeros(data.n_buildings, bool)
    mask[data.option_building[data.option_of_asset]] = True
    return mask


def _protected_buildings(data: ModelData, spec: ModelSpec) -> np.ndarray:
    """Buildings no reduction may drop: existing facilities, must-choose(-as) buildings, asset traders."""
    mask = _trading_buildings(data)
    mask[data.option_building[data.option_existing]] = True
    mask[np.asarray(spec.must_choose, np.int64)] = True
    mask[data.option_building[spec.must_take]] = True
    return mask


def _useful_area(data: ModelData, spec: ModelSpec) -> np.ndarray:
    """(B,) floor area beyond which more area changes nothing without capacities."""
    useful = np.bincount(data.host_building, weights=data.min_area[data.host_service], minlength=data.n_buildings)
    if spec.complex is not None:
        candidates = complex_candidates(data, spec)
        useful[candidates] = np.maximum(useful[candidates], spec.complex.min_area)
    return useful


def _dominated_by_useful_area(data: ModelData, spec: ModelSpec) -> np.ndarray:
    """Options beaten by another option of the same building on cost and useful area (cover form)."""
    if spec.max_by_mode:
        return np.zeros(len(data.option_row), bool)
    area = np.minimum(data.area, _useful_area(data, spec)[data.option_building])
    protected = data.option_existing.copy()
    protected[data.option_of_asset] = True
    protected[spec.must_take] = True
    if spec.complex is not None and spec.complex.min_capex_share > 0:
        protected |= np.isin(data.option_building, complex_candidates(data, spec))
    return dominated_options(data.option_building, data.capex, data.annual, area, None, protected)


def _incidence(data: ModelData, n_rows: int, row_of_host: np.ndarray) -> sp.csr_matrix:
    """(n_rows × P) 0/1 matrix: row r reaches pair p through some slot h with row_of_host[h] = r."""
    rows = row_of_host[data.arc_host]
    ok = rows >= 0
    matrix = sp.csr_matrix(
        (np.ones(int(ok.sum()), np.float32), (rows[ok], data.arc_pair[ok])), shape=(n_rows, len(data.pair_community))
    )
    matrix.data[:] = 1.0  # duplicates summed by the constructor count once
    return matrix


def _dominated_sites(data: ModelData, spec: ModelSpec, keep: np.ndarray, protected: np.ndarray) -> np.ndarray:
    """(O,) options beaten by an option of a building whose reach contains theirs (module docstring)."""
    n = data.n_buildings
    eligible = _has_option(data, keep) & ~protected
    if spec.complex is not None:
        eligible[complex_candidates(data, spec)] = False  # may not be dropped; may still dominate
    can_dominate = _has_option(data, keep) & ~_trading_buildings(data)
    can_dominate[data.option_building[data.option_existing]] = False
    can_dominate[np.asarray(spec.must_not_choose, np.int64)] = False
    can_dominate &= _hosts_all_or_nothing(data, keep)
    if not eligible.any() or not can_dominate.any():
        return np.zeros(len(keep), bool)

    reach = _incidence(data, n, data.host_building)
    degree = np.diff(reach.indptr)
    # Candidate pairs (b, b'): b' reaches every pair b reaches. Compare in chunks of b to bound memory.
    found_b, found_d = [], []
    targets = reach[can_dominate.nonzero()[0]].T.tocsr()  # (P × D)
    dominator_ids = np.flatnonzero(can_dominate)
    rows = np.flatnonzero(eligible & (degree > 0))
    work = reach[rows] @ np.diff(targets.indptr).astype(np.float64)  # products per row: Σ_p |reachers of p|
    chunk_of = (np.cumsum(work) // _CHUNK_NONZEROS).astype(np.int64)
    for chunk in np.split(rows, np.flatnonzero(np.diff(chunk_of)) + 1):
        common = (reach[chunk] @ targets).tocoo()
        full = common.data >= degree[chunk[common.row]] - 0.5
        b, d = chunk[common.row[full]], dominator_ids[common.col[full]]
        found_b.append(b[b != d])
        found_d.append(d[b != d])
    if not found_b:
        return np.zeros(len(keep), bool)
    pairs = pd.DataFrame({"b": np.concatenate(found_b), "d": np.concatenate(found_d)})
    return _beaten_options(data, keep, pairs, bool(spec.max_by_mode))


def _hosts_all_or_nothing(data: ModelData, keep: np.ndarray) -> np.ndarray:
    """(B,) under each kept option the building hosts all its hostable services at once, or none (condition c)."""
    need = np.bincount(data.host_building, weights=data.min_area[data.host_service], minlength=data.n_buildings)
    smallest = np.full(data.n_buildings, np.inf)
    np.minimum.at(smallest, data.host_building, data.min_area[data.host_service])
    b = data.option_building[keep]
    area = data.area[keep]
    bad = (area < need[b] - 1e-9) & (area >= smallest[b])
    ok = np.ones(data.n_buildings, bool)
    ok[b[bad]] = False
    return ok


def _beaten_options(data: ModelData, keep: np.ndarray, pairs: pd.DataFrame, same_mode: bool) -> np.ndarray:
    """(O,) kept options o of b with a no-worse option o' of a building d whose reach contains b's (condition a).

    Mutual pairs (same reach, same costs and area) keep the lower option index, so the relation is acyclic.
    """
    options = pd.DataFrame(
        {
            "building": data.option_building[keep],
            "c": data.capex[keep],
            "f": data.annual[keep],
            "a": data.area[keep],
            "m": data.option_mode[keep].astype(str),
            "o": np.flatnonzero(keep),
        }
    )
    mine = pairs.merge(options, left_on="b", right_on="building")[["b", "d", "o", "c", "f", "a", "m"]]
    both = mine.merge(options, left_on="d", right_on="building", suffixes=("", "_d"))
    good = (both["c_d"] <= both["c"]) & (both["f_d"] <= both["f"]) & (both["a_d"] >= both["a"])
    if same_mode:
        good &= both["m_d"] == both["m"]
    both = both.loc[good, ["o", "o_d"]]
    back = both.merge(both.rename(columns={"o": "o_d", "o_d": "o"}), on=["o", "o_d"], how="left", indicator=True)
    mutual = (back["_merge"] == "both").to_numpy()
    beaten = np.zeros(len(keep), bool)
    beaten[both["o"].to_numpy()[~mutual | (both["o_d"].to_numpy() < both["o"].to_numpy())]] = True
    return beaten


def _subset(data: ModelData, keep: np.ndarray) -> ModelData:
    """The data restricted to the kept options, their buildings' slots and the arcs and pairs still reached."""
    if keep.all():
        return data
    new_option = np.cumsum(keep) - 1
    building_kept = _has_option(data, keep)
    host_keep = building_kept[data.host_building]
    new_host = np.cumsum(host_keep) - 1
    arc_keep = host_keep[data.arc_host]
    pair_keep = np.zeros(len(data.pair_community), bool)
    pair_keep[data.arc_pair[arc_keep]] = True
    new_pair = np.cumsum(pair_keep) - 1
    trade_keep = keep[data.option_of_asset]
    options = {
        name: getattr(data, name)[keep]
        for name in (
            "option_row",
            "option_building",
            "option_mode",
            "capex",
            "annual",
            "area",
            "npv",
            "option_capacity",
            "option_existing",
            "option_forced",
            "option_closable",
        )
    }
    hosts = {name: getattr(data, name)[host_keep] for name in ("host_building", "host_service", "host_capacity")}
    pairs = {name: getattr(data, name)[pair_keep] for name in ("pair_community", "pair_service", "pair_demand")}
    return replace(
        data,
        **options,
        **hosts,
        **pairs,
        host_existing=data.host_existing[host_keep],
        pair_group=data.pair_group[pair_keep],
        arc_pair=new_pair[data.arc_pair[arc_keep]],
        arc_host=new_host[data.arc_host[arc_keep]],
        arc_distance=data.arc_distance[arc_keep],
        arc_credit=data.arc_credit[arc_keep],
        asset_of_option=data.asset_of_option[trade_keep],
        option_of_asset=new_option[data.option_of_asset[trade_keep]],
        facility_option=new_option[data.facility_option],
        dropped_options=data.dropped_options + int((~keep).sum()),
    )


def _merge_pairs(data: ModelData) -> tuple[ModelData, int]:
    """Merge demand pairs of one service and district reached by exactly the same slots (cover form)."""
    n_pairs = len(data.pair_community)
    if n_pairs < 2:
        return data, 0
    # Arcs are sorted by (pair, host), so each pair's host list is a contiguous sorted run.
    starts = np.searchsorted(data.arc_pair, np.arange(n_pairs + 1))
    length = np.diff(starts)
    rng = np.random.default_rng(0)
    salt = rng.integers(1, 2**62, size=(2, len(data.host_building)), dtype=np.int64)
    keys = [np.add.reduceat(salt[k][data.arc_host], starts[:-1]) for k in range(2)]
    frame = pd.DataFrame({"s": data.pair_service, "g": data.pair_group, "n": length, "h0": keys[0], "h1": keys[1]})
    group = frame.groupby(["s", "g", "n", "h0", "h1"], sort=False).ngroup().to_numpy()
    order = np.arange(n_pairs)
    first_of_group = np.full(group.max() + 1, n_pairs, np.int64)
    np.minimum.at(first_of_group, group, order)
    first = first_of_group[group]
    # Check host lists element by element (the hash only proposes the groups).
    same = np.ones(n_pairs, bool)
    rep_hosts = data.arc_host[np.repeat(starts[first], length) + _ranks(length)]
    mismatch = rep_hosts != data.arc_host
    same[data.arc_pair[mismatch]] = False
    target = np.where(same, first, order)
    if (target == order).all():
        return data, 0
    keep = target == order
    new_index = np.cumsum(keep) - 1
    demand = np.bincount(new_index[target], weights=data.pair_demand, minlength=int(keep.sum()))
    arc_keep = keep[data.arc_pair]
    reduced = replace(
        data,
        pair_community=data.pair_community[keep],
        pair_service=data.pair_service[keep],
        pair_demand=demand,
        pair_group=data.pair_group[keep],
        arc_pair=new_index[data.arc_pair[arc_keep]],
        arc_host=data.arc_host[arc_keep],
        arc_distance=data.arc_distance[arc_keep],
        arc_credit=data.arc_credit[arc_keep],
    )
    return reduced, int(n_pairs - keep.sum())


def _ranks(length: np.ndarray) -> np.ndarray:
    """0, 1, …, n_k − 1 for each run length n_k, concatenated."""
    return np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
