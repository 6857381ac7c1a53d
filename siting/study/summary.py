"""One plan in one row: the figures a budget officer compares, read from plan.json (the run's contract).

Frontier points and compared runs are summarised by the same function, from the same document that the
run folder holds, so a figure in frontier.csv or compare.md is always the one in that plan's plan.json.
"""

from __future__ import annotations

from typing import Any

PLANNED = ("optimal", "feasible")


def weighted_persons(document: dict[str, Any]) -> float:
    """Σ_s weight_s × persons of s's group served: the persons a plan serves, as the scenario weighs them."""
    return float(sum(c["weight"] * c["persons_covered"] for c in document["coverage"].values()))


def plan_summary(document: dict[str, Any]) -> dict[str, Any]:
    """The plan's figures as one flat row.

    status, gap, objective, capex, annual, annual_freed, npv, buildings, complexes, closed, persons, and per
    service covered.<s> (demand units), persons.<s> (persons of its group served), share.<s> (of its demand).

    Args:
        document: a plan.json document (siting.report.tables.plan_document).
    """
    cost = document["cost"]
    row: dict[str, Any] = {
        "status": document["status"],
        "gap": document["gap"],
        "objective": document["objective"],
        "capex": cost["capex"],
        "annual": cost["annual"],
        "annual_freed": cost["annual_freed"],
        "npv": cost["npv"],
        "buildings": len(document["selected"]),
        "complexes": sum(bool(s["complex"]) for s in document["selected"]),
        "closed": ";".join(e["facility"] for e in document["existing"] if e["status"] == "closed"),
        "persons": round(weighted_persons(document), 6),
    }
    for part, key in (("covered", "covered"), ("persons", "persons_covered"), ("share", "share")):
        for service, figures in document["coverage"].items():
            row[f"{part}.{service}"] = figures[key]
    return row
