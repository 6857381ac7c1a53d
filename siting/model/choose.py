"""Choose a solver by problem class (`--solver auto`), from what was measured on this project's models.

The measurements are in benchmarks/ENGINE.md. In short: HiGHS is the default for every model with continuous
columns (capacities, distance decay, distances, district levels, complex spending shares), which CP-SAT cannot
take. Coverage models without them are pure 0/1 programmes; there CP-SAT with LP-bound workers proves large
instances faster than HiGHS once it has two or more threads, while with one thread HiGHS stays ahead.
"""

from __future__ import annotations

from siting.model.data import ModelData
from siting.model.spec import ModelSpec
from siting.model.variables import area_capacity, uses_assignment
from siting.solvers import SolveOptions, available_solvers

#: Below this many reach arcs every solver is fast; HiGHS then wins on start-up time.
CPSAT_MIN_ARCS = 20_000


def integer_only_possible(data: ModelData, spec: ModelSpec) -> bool:
    """The model has no continuous column that must stay continuous (cover form, no q, t or r)."""
    complex_share = spec.complex is not None and spec.complex.min_capex_share > 0
    return (
        not uses_assignment(data, spec)
        and not area_capacity(data, spec).any()
        and "max_min_share" not in spec.objectives
        and not complex_share
    )


def choose_solver(data: ModelData, spec: ModelSpec, options: SolveOptions) -> str:
    """The registry name of the solver for this model and these options."""
    if (
        options.threads >= 2
        and integer_only_possible(data, spec)
        and len(data.arc_pair) >= CPSAT_MIN_ARCS
        and "ortools-cpsat" in available_solvers()
    ):
        return "ortools-cpsat"
    return "highs"
