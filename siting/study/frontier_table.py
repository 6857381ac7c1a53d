"""The frontier's table: one row per point, with the marginal gains, the knee and the price of nesting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from siting.report.tables import plan_document
from siting.study.summary import PLANNED, plan_summary

if TYPE_CHECKING:
    from siting.study.points import Point

WAN = 1e4  # 元 per 万元
FREE, NESTED, TARGET = "free", "nested", "target"


def frontier_table(points: Sequence[Point], kind: str) -> pd.DataFrame:
    """One row per point, index (sweep, plan): the swept value, the plan's figures, marginals and the knee.

    Columns: budget (元, or 元/year for the yearly budget; empty for targets), target (share), status, gap,
    objective (max_coverage on the scenario's objective basis), capex, annual, annual_freed, npv (元),
    buildings, complexes, closed (existing facilities closed), persons (Σ weight × persons served),
    marginal_per_wan (persons gained per 万元 against the previous point with a plan: per 万元 of budget, or of
    net present cost for targets), marginal_objective_per_wan (the same for the objective), knee,
    nesting_price and nesting_price_persons (nested rows: the free optimum's objective and persons at the same
    budget minus the nested plan's), then covered.<s>, persons.<s> and share.<s> per service, and note (why a
    point has no plan). Timings are not in the table (it must be the same, byte for byte, on every run).
    """
    rows = []
    for p in points:
        row = {"sweep": p.sweep, "plan": p.label, "budget": p.budget, "target": p.target}
        row.update(plan_summary(plan_document(p.result)) if p.result is not None else {"status": p.status})
        row["note"] = p.note
        rows.append(row)
    table = pd.DataFrame(rows)
    for column in ("gap", "objective", "persons", "npv"):
        if column not in table:
            table[column] = np.nan
    parts = [
        _marginals(part, "npv" if kind == "target" else "budget") for _, part in table.groupby("sweep", sort=False)
    ]
    table = pd.concat(parts) if parts else table
    table = _nesting_price(table)
    fixed = ["sweep", "plan", "budget", "target", "status", "gap", "objective", "capex", "annual", "annual_freed"]
    fixed += ["npv", "buildings", "complexes", "closed", "persons", "marginal_per_wan", "marginal_objective_per_wan"]
    fixed += ["knee", "nesting_price", "nesting_price_persons"]
    per_service = [c for c in table.columns if "." in c]
    return table.reindex(columns=[*fixed, *per_service, "note"]).set_index(["sweep", "plan"])


def _marginals(part: pd.DataFrame, axis: str) -> pd.DataFrame:
    part = part.copy()
    planned = part["status"].isin(PLANNED)
    sub = part[planned]
    step = sub[axis].astype(float).diff() / WAN
    step = step.where(step > 0)
    part.loc[planned, "marginal_per_wan"] = (sub["persons"].diff() / step).round(6)
    part.loc[planned, "marginal_objective_per_wan"] = (sub["objective"].diff() / step).round(6)
    part["knee"] = False
    knee = knee_label(part.loc[planned, "marginal_per_wan"])
    if knee is not None:
        part.loc[knee, "knee"] = True
    return part


def knee_label(marginal: pd.Series):
    """The index of the point after which the marginal gain drops most (None when it never drops).

    marginal[i] is the gain from point i-1 to i; the drop after point i is marginal[i] - marginal[i+1].
    """
    drop = marginal - marginal.shift(-1)
    drop = drop[drop.notna()]
    if drop.empty or not drop.max() > 0:
        return None
    return drop.idxmax()


def _nesting_price(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    table["nesting_price"] = np.nan
    table["nesting_price_persons"] = np.nan
    nested = table["sweep"] == NESTED
    if not nested.any():
        return table
    free = table[table["sweep"] == FREE].set_index("plan")
    labels = table.loc[nested, "plan"]
    for column, source in (("nesting_price", "objective"), ("nesting_price_persons", "persons")):
        table.loc[nested, column] = (free[source].reindex(labels).to_numpy() - table.loc[nested, source]).round(6)
    return table
