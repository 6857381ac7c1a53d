"""Re-check a saved run: its plan.json against the scenario it was made from, recomputed from the raw tables."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siting.errors import InputError
from siting.plan import Assignment, Plan, Selection
from siting.scenario.load import Scenario
from siting.scenario.overrides import document_sha256, effective_document
from siting.verify.claims import DEFAULT_GAP, Bounded, claims_unbacked
from siting.verify.evaluate import Evaluation, evaluate
from siting.verify.plan_file import SavedPlan, read_plan_file

#: Agreement asked of plan.json's figures (written to 6 decimals) and their recomputation.
FIGURE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Verdict:
    """The outcome of re-checking a saved plan: broken rules, figures that disagree with plan.json, unbacked claims."""

    evaluation: Evaluation
    mismatches: tuple[str, ...]
    unbacked: tuple[str, ...] = ()

    @property
    def problems(self) -> tuple[str, ...]:
        """Everything wrong with the saved plan (empty = it holds)."""
        return self.evaluation.violations + self.mismatches + self.unbacked


def read_plan_document(run_dir: Path) -> dict:
    """plan.json of a run folder, or an InputError naming what is missing or not shaped as `siting run` writes it."""
    if not (Path(run_dir) / "plan.json").is_file():
        raise InputError("no plan.json here; give a folder written by `siting run`", file=str(run_dir))
    return read_plan_file(Path(run_dir) / "plan.json", SavedPlan)


def plan_from_document(document: dict) -> Plan:
    """The Plan saved in plan.json (selected buildings with their areas, closures, assignments).

    Raises:
        InputError: an entry is not shaped as `siting run` writes it.
    """
    try:
        return _plan(document)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise InputError(f"malformed entry in plan.json ({err.__class__.__name__}: {err})"[:200]) from None


def _plan(document: dict) -> Plan:
    selections = [
        Selection(s["building"], s["mode"], tuple(s["services"]), tuple(float(a) for a in s.get("area_m2", ())))
        for s in document["selected"]
    ]
    closed = [f["facility"] for f in document["existing"] if f["status"] == "closed"]
    assignments = [
        Assignment(a["community"], a["service"], a["building"], float(a["units"])) for a in document["assignments"]
    ]
    return Plan.of(selections, closed=closed, assignments=assignments)


def verify_saved(scenario: Scenario, document: dict, tolerance: float = DEFAULT_GAP) -> Verdict:
    """Re-check the saved plan against `scenario` (whose input hash must be the one the plan was made from).

    `tolerance` is the relative gap the solver was asked for (siting.verify.claims.gap_tolerance): a claimed
    optimum must be within it of its bound.
    """
    if scenario.input_sha256 != document["input_sha256"]:
        raise InputError(
            "the scenario or one of its tables has changed since this plan was made (input_sha256 differs); "
            "re-run it, or give the scenario it was made from",
            file=str(scenario.path),
        )
    from siting.pipeline import compute_demand  # the demand stage, upstream of every check

    model = scenario.config.model
    for key, rule in (("phases", model.phases), ("robust", model.robust)):
        if rule is not None and document.get(key) is None:
            raise InputError(
                f"the scenario has model.{key} but plan.json has no {key} section: not a plan made from it",
                file="plan.json",
                field=key,
            )
    proven = document["status"] == "optimal"
    if document.get("phases") is not None:
        evaluation, bounded = _phased(scenario, document, compute_demand, proven)
    elif document.get("robust") is not None:
        evaluation, bounded = _robust(scenario, document, compute_demand, proven)
    else:
        evaluation = evaluate(scenario, plan_from_document(document), compute_demand(scenario).units, proven=proven)
        bounded = _first(scenario, evaluation.objectives)
    ev = evaluation
    mismatches = differ(document["objectives"], {k: v for k, v in ev.objectives.items() if k in document["objectives"]})
    mismatches += differ(document, {"objective": ev.objectives.get("max_coverage", np.nan)})
    costs = {"capex": ev.capex, "annual": ev.annual, "annual_freed": ev.freed, "npv": ev.npv}
    mismatches += differ(document.get("cost") or {}, costs, "cost.")
    mismatches += coverage_differs(document.get("coverage", {}), ev, "")
    mismatches += planned_scenario_differs(scenario, document)
    return Verdict(evaluation, tuple(mismatches), tuple(claims_unbacked(scenario, document, bounded, tolerance)))


def _first(scenario: Scenario, objectives: dict[str, float]) -> Bounded:
    """The first objective, re-checked: what the solver's bound is on (but for a robust plan)."""
    name = scenario.config.model.objectives[0]
    return Bounded(name, objectives[name], abs(objectives[name]))


def planned_scenario_differs(scenario: Scenario, document: dict) -> list[str]:
    """plan.json's scenario_sha256 against the scenario as loaded with its overrides and --set values.

    input_sha256 covers the files; this covers what was planned from them (an edited `sets` entry claims the
    plan for another budget).
    """
    saved = document.get("scenario_sha256")
    actual = document_sha256(effective_document(scenario.config))
    if saved is None or saved == actual:
        return []
    return [
        "plan.json's scenario_sha256 is not the hash of the scenario as planned with its overrides and --set values "
        f"({', '.join(document.get('sets', ())) or 'none'}): the plan was made from another scenario"
    ]


def differ(saved: dict, actual: dict[str, float], where: str = "") -> list[str]:
    """The figures plan.json gives (`saved`, null = not given) that their recomputation (`actual`) does not."""
    found = []
    for name, value in actual.items():
        claimed = saved.get(name)
        if claimed is None or value is None or not np.isfinite(value):
            continue
        if abs(value - claimed) > FIGURE_TOLERANCE * max(1.0, abs(claimed)) + 5e-7:
            found.append(f"plan.json says {where}{name} = {claimed:.6f}; the plan, re-checked, gives {value:.6f}")
    return found


def coverage_differs(saved: dict, evaluation: Evaluation, where: str) -> list[str]:
    """Each service's demand, covered units and share in plan.json against the evaluation's; one left out is named."""
    found = []
    for key, row in evaluation.by_service.iterrows():
        if key not in saved and row["demand"] > 0:
            found.append(f"plan.json's {where}coverage leaves out {key}, a service with demand {row['demand']:,.6g}")
        elif key in saved:
            actual = {name: float(row[name]) for name in ("demand", "covered", "share")}
            found += differ(saved[key], actual, f"{where}coverage.{key}.")
    return found


def _entries_plan(entry: dict) -> Plan:
    """A plan written as {selected, closed, assignments} (a year of a phased plan, a variant of a robust one)."""
    try:
        return Plan.of(
            [
                Selection(s["building"], s["mode"], tuple(s["services"]), tuple(map(float, s["area_m2"])))
                for s in entry["selected"]
            ],
            closed=entry["closed"],
            assignments=[
                Assignment(a["community"], a["service"], a["building"], float(a["units"])) for a in entry["assignments"]
            ],
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise InputError(f"malformed plan in plan.json ({err.__class__.__name__}: {err})"[:200]) from None


def _phased(scenario: Scenario, document: dict, compute_demand, proven: bool) -> tuple[Evaluation, Bounded]:
    """The phased plan re-checked year by year.

    Returns:
        The last year's evaluation with the schedule's rules and figures; the schedule's first objective.
    """
    from siting.verify.phased import evaluate_phases, schedule_money, year_scenario

    years = [entry["year"] for entry in document["phases"]["years"]]
    if scenario.config.model.phases is None or years != list(scenario.config.model.phases.years):
        raise InputError(
            "plan.json holds a phased plan but the scenario has other model.phases.years",
            file="plan.json",
            field="phases",
        )
    plans = [_entries_plan(entry["plan"]) for entry in document["phases"]["years"]]
    demands = [compute_demand(year_scenario(scenario, year)).units for year in years]
    capex, annual = schedule_money(scenario)
    check = evaluate_phases(scenario, plans, demands, capex, annual, proven=proven)
    violations = list(check.violations)
    for t, (entry, ev) in enumerate(zip(document["phases"]["years"], check.evaluations)):
        where = f"phases.years.{t}."
        violations += differ(entry, {"capex_spent": check.spent[t], "annual_cost": ev.annual - ev.freed}, where)
        violations += coverage_differs(entry.get("coverage", {}), ev, where)
        violations += differ(entry.get("objectives", {}), dict(ev.objectives), where + "objectives.")
    evaluation = dataclasses.replace(check.evaluations[-1], violations=tuple(violations), objectives=check.objectives)
    return evaluation, _first(scenario, check.objectives)


def _robust(scenario: Scenario, document: dict, compute_demand, proven: bool) -> tuple[Evaluation, Bounded]:
    """The robust plan re-checked under each variant, the criterion recomputed (from the saved variant optima).

    Returns:
        The main variant's evaluation; the criterion's value as the model states it (a regret negated).
    """
    from siting.verify.robust import evaluate_robust, variant_scenario

    saved = document["robust"]
    rule = scenario.config.model.robust
    if rule is None or list(rule.variants) != saved["variants"]:
        raise InputError(
            "plan.json holds a robust plan but the scenario has other model.robust.variants",
            file="plan.json",
            field="robust",
        )
    scenarios = [variant_scenario(scenario, k) for k in rule.variants]
    plans = [_entries_plan(saved["per_variant"][k]["plan"]) for k in rule.variants]
    demands = [compute_demand(s).units for s in scenarios]
    weights = np.array(saved["weights"], float)
    weights /= weights.sum()  # written to 6 decimals: 3 × 0.333333 is 1 − 1e-6, a weighted mean 1e-6 low
    check = evaluate_robust(
        scenarios, plans, demands, np.array(saved["optima"], float), rule.criterion, weights, proven=proven
    )
    shown = rule.variants.index("central") if "central" in rule.variants else 0
    criterion = check.objectives[saved["objective"]]
    value = -criterion if rule.criterion == "min_regret" else criterion
    violations = list(check.violations)
    for k, (variant, ev) in enumerate(zip(rule.variants, check.evaluations)):
        entry, where = saved["per_variant"][variant], f"robust.per_variant.{variant}."
        violations += differ(entry, {"objective": check.values[k]}, where)
        violations += coverage_differs(entry.get("coverage", {}), ev, where)
    # A regret is a difference of values ~ the optima: it carries their rounding (plan.json's 6 decimals), not its own.
    scale = max(1.0, abs(value), float(np.abs(check.values).max(initial=0.0)))
    if saved["value"] is None or abs(value - saved["value"]) > FIGURE_TOLERANCE * scale + 5e-7:
        violations.append(f"plan.json says the {rule.criterion} value is {saved['value']}; re-checked: {value:.6f}")
    bounded = Bounded(f"the {rule.criterion} criterion", criterion, scale)
    return dataclasses.replace(check.evaluations[shown], violations=tuple(violations)), bounded
