"""Re-check a saved run: its plan.json against the scenario it was made from, recomputed from the raw tables."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siting.errors import InputError
from siting.plan import Assignment, Plan, Selection
from siting.scenario.load import Scenario
from siting.verify.evaluate import Evaluation, evaluate

#: Agreement asked of plan.json's figures (written to 6 decimals) and their recomputation.
FIGURE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Verdict:
    """The outcome of re-checking a saved plan: broken rules and figures that disagree with plan.json."""

    evaluation: Evaluation
    mismatches: tuple[str, ...]

    @property
    def problems(self) -> tuple[str, ...]:
        """Everything wrong with the saved plan (empty = it holds)."""
        return self.evaluation.violations + self.mismatches


def read_plan_document(run_dir: Path) -> dict:
    """plan.json of a run folder, or an InputError naming what is missing."""
    path = Path(run_dir) / "plan.json"
    if not path.is_file():
        raise InputError("no plan.json here; give a folder written by `siting run`", file=str(run_dir))
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"not a plan.json written by siting ({err.__class__.__name__})", file=str(path)) from None
    for key in ("selected", "existing", "assignments", "objectives", "input_sha256", "status"):
        if key not in document:
            raise InputError("missing key; not a plan.json written by siting", file=str(path), field=key)
    return document


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


def verify_saved(scenario: Scenario, document: dict) -> Verdict:
    """Re-check the saved plan against `scenario` (whose input hash must be the one the plan was made from)."""
    if scenario.input_sha256 != document["input_sha256"]:
        raise InputError(
            "the scenario or one of its tables has changed since this plan was made (input_sha256 differs); "
            "re-run it, or give the scenario it was made from",
            file=str(scenario.path),
        )
    from siting.pipeline import compute_demand  # the demand stage, upstream of every check

    evaluation = evaluate(
        scenario,
        plan_from_document(document),
        compute_demand(scenario).units,
        proven=document["status"] == "optimal",
    )
    mismatches = []
    for name, saved in document["objectives"].items():
        actual = evaluation.objectives.get(name)
        if saved is None or actual is None or not np.isfinite(actual):
            continue
        if abs(actual - saved) > FIGURE_TOLERANCE * max(1.0, abs(saved)) + 5e-7:
            mismatches.append(f"plan.json says {name} = {saved:.6f}; the plan, re-checked, gives {actual:.6f}")
    return Verdict(evaluation, tuple(mismatches))
