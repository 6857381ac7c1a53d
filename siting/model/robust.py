r"""One plan under several demand futures: the robust model.

Variants k ∈ K (the demand model's low / central / high projections) share the plan's columns x, y, c, r: which
buildings, how, for which services. Each has its own coverage and area columns z_k / v_k, q_k (and t_k, w_k):
who is served, and how the floor area is shared among the services. The families on those, (3), (4), (7), (9),
(12), (13), (16), (18), hold for each variant with its demand; the plan's families once. With f_k the first
objective of variant k:

    expected     max Σ_k π_k f_k(x)                          (π the normalised weights)
    max_min      max θ,    (R1) θ ≤ f_k(x)          ∀k       (the worst variant, as well as possible)
    min_regret   max −ρ,   (R2) ρ ≥ F*_k − f_k(x)   ∀k       (F*_k: variant k's own optimum)

max_min and min_regret are followed by max Σ_k π_k f_k(x) (`expected_coverage`), keeping the criterion: the
variants other than the worst should not give up coverage for nothing. θ and ρ are continuous columns. Later
objectives (costs: the same in every variant) follow as in the plain model; a maximised later objective (another
coverage) counts as its expected value.
"""

from __future__ import annotations

import time

import numpy as np

from siting.model import constraints, targets
from siting.model.builder import Model, linear_row
from siting.model.data import ModelData
from siting.model.objectives import objective_vector
from siting.model.settle import Block
from siting.model.spec import ModelSpec
from siting.model.stacked import Stacked
from siting.model.variables import add_variables

COVERAGE_FAMILIES = tuple(
    f for f in (*constraints.FAMILIES, targets.reach_targets) if f not in constraints.PLAN_FAMILIES
)


def build(
    structure: ModelData,
    datas: list[ModelData],
    specs: list[ModelSpec],
    criterion: str,
    weights: np.ndarray,
    optima: np.ndarray | None = None,
    integer_only: bool = False,
) -> Stacked:
    """The robust model (module docstring).

    Args:
        structure: the data the plan families are built from (the largest demand of the variants, so that the
            capacity bounds of (3) hold for every variant).
        datas, specs: each variant's data (its demand) and switches.
        criterion: expected, max_min or min_regret.
        weights: (K,) weights of the variants (expected).
        optima: (K,) each variant's own optimum F*_k (min_regret).
        integer_only: declare every column integer (CP-SAT).
    """
    started = time.perf_counter()
    model = Model()
    blocks: list[Block] = []
    plan = None
    for k, (data, spec) in enumerate(zip(datas, specs)):
        v = add_variables(model, data, spec, integer_only, suffix=f"@{k}", plan=plan)
        if plan is None:
            plan = v
            for family in constraints.PLAN_FAMILIES:
                model.add(family(structure, spec, v, model.n_cols))
        for family in COVERAGE_FAMILIES:
            model.add(family(data, spec, v, model.n_cols))
        blocks.append(Block(data, spec, v))
    names = specs[0].objectives
    size = max(float(np.abs(objective_vector(names[0], b.data, b.spec, b.v, model.n_cols)).sum()) for b in blocks)
    size += float(np.abs(optima).max()) if optima is not None else 0.0
    level = model.add_variables("level", 1 if criterion != "expected" else 0, lower=-size - 1, upper=size + 1)
    n = model.n_cols
    per_variant = [objective_vector(names[0], b.data, b.spec, b.v, n) for b in blocks]
    if criterion == "max_min":
        for k, c in enumerate(per_variant):  # (R1) θ − f_k·x ≤ 0
            cols = np.r_[np.flatnonzero(c), level]
            model.add(linear_row(f"(R1) worst variant ({k})", cols, np.r_[-c[cols[:-1]], 1.0], upper=0.0))
    elif criterion == "min_regret":
        for k, c in enumerate(per_variant):  # (R2) ρ + f_k·x ≥ F*_k
            cols = np.r_[np.flatnonzero(c), level]
            model.add(linear_row(f"(R2) regret ({k})", cols, np.r_[c[cols[:-1]], 1.0], lower=float(optima[k])))
    vectors = {}
    for i, name in enumerate(names):
        if i == 0 and criterion != "expected":
            c = np.zeros(n)
            c[level] = 1.0 if criterion == "max_min" else -1.0
            vectors[name] = c
            vectors["expected_coverage"] = sum(w * f for w, f in zip(weights, per_variant))
            continue
        if i == 0 or name in ("max_coverage", "max_min_share", "min_distance"):
            c = sum(w * objective_vector(name, b.data, b.spec, b.v, n) for w, b in zip(weights, blocks))
        else:  # costs: the plan's, the same in every variant
            c = objective_vector(name, blocks[0].data, blocks[0].spec, blocks[0].v, n)
        vectors[name] = c

    def exact(x: np.ndarray) -> None:
        if criterion != "expected":
            values = np.array([c @ x for c in per_variant])
            x[level] = values.min() if criterion == "max_min" else (np.asarray(optima) - values).max()

    return Stacked(model, blocks, vectors, time.perf_counter() - started, exact)
