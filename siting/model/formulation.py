r"""The planning model: which buildings, which mode, which services, who is served.

Sets
    b ∈ B buildings (candidate buildings, then existing facilities); o ∈ O(b) acquisition options of b (one per
    mode; an existing facility has one keep-open option); s ∈ S services; h = (b, s) ∈ H host slots;
    p = (i, s) ∈ P coverable demand pairs (community i, demand d_p > 0, some slot within reach);
    e = (p, h) ∈ E reach arcs (slot h within s's walking radius of i, distance ℓ_e, credit κ_e ∈ [0, 1]);
    g ∈ G districts, P(g, s) the pairs of district g and service s; k ∈ K assets.

Data
    c_o one-off cost, f_o yearly cost, A_o floor area, C_o capacity (units), n_o = c_o + f_o·AF net present
    cost; a_s minimum area, u_s area per demand unit, w_s weight, σ_s required share; D_s, D_{g,s} total
    demand; B_c, B_f, B_N budgets (one-off, yearly, net present cost), F_0 yearly cost of the existing facilities,
    AF = Σ_{t=1..T} (1+r)^-t the annuity factor; Q_h fixed capacity of an existing slot.

Variables
    x_o ∈ {0,1} option taken;  y_h ∈ {0,1} slot hosts its service;
    cover form:  z_p ∈ [0,1] pair covered (no capacities, no distance decay, no distance objective);
    assign form: v_e ∈ [0,1] share of pair p's demand served through arc e ({0,1} when single-source);
    q_h ≥ 0 floor area given to slot h (area-based capacities);  c_b ∈ {0,1} building b is a complex;
    r_o ∈ [0,1] option o is a complex's option (capex share);  t ∈ [0,1] smallest district share;
    w_p ∈ [0,1] pair p within reach of an open slot (assign form with model.targets).
    Covered fraction of p: cov_p = z_p (cover form) or Σ_{e∈p} v_e (assign form).

Constraints (numbers are used in the code and in the model's row names)
    (1)  Σ_{o∈O(b)} x_o ≤ 1                                            one mode per building
    (2)  y_h ≤ Σ_{o∈O(b)} x_o;  existing slots: y_h = x_{o(b)}          host only what is acquired / kept
    (3)  Σ_s a_s y_{bs} ≤ Σ_o A_o x_o        or, with area capacities,    floor area
         Σ_s q_{bs} ≤ Σ_o A_o x_o,  a_s y_h ≤ q_h ≤ Ā_b y_h (Ā_b the largest option area of b)
    (4)  z_p ≤ Σ_{h∈R(p)} y_h;  or  Σ_{e∈p} v_e ≤ 1 (= 1 with full assignment),  v_e ≤ y_{h(e)}   coverage
    (5)  Σ_o c_o x_o ≤ B_c                                             one-off budget
    (6)  Σ_o f_o x_o ≤ B_f + F_0                                       yearly budget (closing frees f)
    (7)  Σ_{p of s} d_p cov_p ≥ σ_s D_s                  required share (target share with a cost objective)
    (8)  objective_k ≥ F_k* − τ (or ≤ F_k* + τ)                        keep earlier lexicographic optima
    (9)  Σ_{e∈h} d_p v_e ≤ q_h / u_s;  ≤ Q_h y_h (existing);  Σ_{e at b} d_p v_e ≤ Σ_o C_o x_o   capacity
    (10) p_min ≤ Σ_{o new} x_o ≤ p_max;  Σ_{o of mode m} x_o ≤ p_m       facility counts
    (11) Σ_{o∈O(b)} x_o = 1 (must choose);  x_o = 0 (must not);  x_o = 1 (must choose as)   policy
    (12) Σ_{p∈P(g,s)} d_p cov_p ≥ σ^g_s D_{g,s}                          minimum share in every district
    (13) Σ_{p∈P(g,s)} cov_p ≥ 1                                        district g must have service s
    (14) Σ_{o trades k} x_o ≤ 1;  x_o + x_{o(e)} ≤ 1 for facility e housed in asset k;    swap asset pool
         Σ_{o trades k} x_o + x_{o(e)} ≥ 1 for a facility e that cannot close (it closes only if traded)
    (15) c_b ≤ Σ_o x_o,  A^c c_b ≤ Σ_o A_o x_o,  m c_b ≤ Σ_s y_{bs},  m^core c_b ≤ Σ_{s core} y_{bs},
         Σ_b c_b ≥ N^c,  r_o ≤ x_o,  r_o ≤ c_{b(o)},  Σ_o c_o r_o ≥ φ Σ_o c_o x_o             complexes
    (16) Σ_{p∈P(g,s)} d_p cov_p − t D_{g,s} ≥ 0                         t = smallest district share
    (17) Σ_o n_o x_o ≤ B_N + AF·F_0                                    net present cost budget: existing
         facilities kept count as min_cost counts them (AF·f), closing one frees AF·f for new spending

    (18) Σ_{p of s} d_p ρ_p ≥ σ_s D_s,  Σ_{p∈P(g,s)} d_p ρ_p ≥ σ^g_s D_{g,s}     audit targets (model.targets):
         ρ_p = z_p (cover form) or w_p ≤ Σ_{e∈p} y_{h(e)} (assign form): p within reach of an open slot

model.targets = from_audit takes σ = min(r_s, ρ) from the coverage standards r_s of configs/standards.yaml, ρ the
share of the (district's) demand of s that some slot can reach, Σ_{p∈P(g,s)} d_p / D_{g,s} (siting.model.targets).
Like the audit, (18) counts reach, not service: a pair within the radius of an open slot counts whole even when
the slot's capacity serves part of it (capacity is what the objective and the places standards weigh).

Objectives (siting.model.objectives), solved lexicographically in the scenario's order, each later one with
(8) keeping the earlier optima (τ = max(1e-6, 1e-9·|F*|)); the default is max_coverage then min_cost:
    max_coverage   Σ_p ω_s d_p κ·cov_p (+ bonus Σ_b c_b)   (κ = 1 without distance decay; ω_s = w_s per unit,
                   w_s/ρ_s per person, 100 w_s/D_s per percentage point of s's demand: model.objective_basis)
    min_cost       Σ_o n_o x_o (+ λ Σ_e d_p ℓ_e v_e with a travel cost λ)
    min_capex      Σ_o c_o x_o;   min_annual  Σ_o f_o x_o (existing facilities kept open included)
    min_distance   Σ_e d_p ℓ_e v_e                          (p-median with a facility count or budget)
    max_min_share  t
A single scaled objective would need a weight below the smallest gap between two coverage values, which
continuous demands do not bound; lexicographic solves need no such proof. Each later stage starts from the
previous plan, which is feasible for it.

z needs no integrality: (4) and z ≤ 1 make z_p = min(1, Σ y) at a coverage optimum, and the evaluator
recomputes coverage from the plan, never from z. Partial coverage of a community happens only with
capacities (assign form): cov_p < 1 when nearby capacity runs out.
"""

from __future__ import annotations

from siting.model import constraints, targets
from siting.model.builder import Model
from siting.model.data import ModelData
from siting.model.spec import ModelSpec
from siting.model.variables import Variables, add_variables


def build(data: ModelData, spec: ModelSpec, integer_only: bool = False) -> tuple[Model, Variables]:
    """Variables and constraint families (1)–(7) and (9)–(18); (8) is added per lexicographic stage."""
    model = Model()
    variables = add_variables(model, data, spec, integer_only)
    for family in (*constraints.FAMILIES, targets.reach_targets):
        model.add(family(data, spec, variables, model.n_cols))
    return model, variables
