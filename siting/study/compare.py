"""Plans side by side: which buildings were added, dropped or changed, who gains and who loses, what differs.

Plans are read from run folders (plan.json, coverage.csv and, since overrides, scenario.yaml: the files are
the contract, so any two runs compare, whenever and however they were made). Every table has a ``plan``
column or index level carrying each run's label, as PyPSA's collections do, so reports can pivot them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from siting import pipeline
from siting.errors import InputError, cut
from siting.scenario.load import Scenario
from siting.scenario.schema import MODES
from siting.scenario.yamlfile import read_yaml
from siting.solvers import SolveOptions
from siting.study.summary import plan_summary
from siting.verify.plan_file import ShownPlan, read_plan_file

ADDED, DROPPED, CHANGED, SAME = "added", "dropped", "changed", "same"
COVERAGE_KEYS = ("community", "district", "service")
COVERAGE_NUMBERS = ("demand", "covered_share", "covered_demand")


@dataclass(frozen=True)
class RunRecord:
    """One run as its folder records it.

    Attributes:
        label: the name the run goes by in the tables (its folder's name unless given).
        plan: plan.json.
        coverage: coverage.csv (one row per community × service).
        scenario: scenario.yaml, the scenario as planned (None for runs written before it existed).
    """

    label: str
    plan: dict[str, Any]
    coverage: pd.DataFrame
    scenario: dict[str, Any] | None


def plan(scenario: Scenario, solver: str, options: SolveOptions) -> pipeline.RunResult:
    """One variant to compare, planned and re-checked: pipeline.run with positional arguments (for executors)."""
    return pipeline.run(scenario, solver=solver, options=options)


def read_run(folder: Path, label: str | None = None) -> RunRecord:
    """Read a run folder written by `siting run` (or a frontier point's folder).

    Raises:
        InputError: the folder, its plan.json or coverage.csv is missing or unreadable.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("not a run folder (expected a folder written by `siting run`)", file=str(folder))
    plan_file, coverage_file, scenario_file = (folder / n for n in ("plan.json", "coverage.csv", "scenario.yaml"))
    for needed in (plan_file, coverage_file):
        if not needed.is_file():
            raise InputError("missing; is this a folder written by `siting run`?", file=str(needed))
    plan = read_plan_file(plan_file, ShownPlan)
    try:
        coverage = pd.read_csv(coverage_file, encoding="utf-8-sig", dtype={"community": str, "district": str})
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(f"cannot be read: {cut(err)}", file=str(coverage_file)) from None
    scenario = read_yaml(scenario_file) if scenario_file.is_file() else None
    return RunRecord(label or folder.name, plan, checked_coverage(coverage, str(coverage_file)), scenario)


def checked_coverage(coverage: pd.DataFrame, where: str) -> pd.DataFrame:
    """coverage.csv as `siting run` writes it: the columns compare reads, numbers, one row per community × service.

    Raises:
        InputError: a column missing, a value that is not a number, or a community and service listed twice.
    """
    for column in (*COVERAGE_KEYS, *COVERAGE_NUMBERS):
        if column not in coverage:
            raise InputError(f"missing column '{column}': not a coverage.csv written by siting", file=where)
    for column in COVERAGE_NUMBERS:
        values = pd.to_numeric(coverage[column], errors="coerce")
        bad = np.flatnonzero(values.isna() & coverage[column].notna())
        if len(bad):
            text = cut(coverage[column].iloc[bad[0]])
            raise InputError(f"'{text}' is not a number", file=where, row=int(bad[0]) + 2, field=column)
        coverage[column] = values
    twice = np.flatnonzero(coverage.duplicated(["community", "service"]))
    if len(twice):
        community, service = coverage.iloc[twice[0]][["community", "service"]]
        message = f"{cut(community)} {cut(service)} is listed twice"
        raise InputError(message, file=where, row=int(twice[0]) + 2, field="service")
    return coverage


def unique_labels(names: Sequence[str]) -> list[str]:
    """Names made unique by suffixes: ['demo', 'demo'] -> ['demo', 'demo-2']."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return out


def read_runs(folders: Sequence[Path]) -> list[RunRecord]:
    """Read several run folders, labelled by their folder names (with the parent's where names repeat)."""
    paths = [Path(f).resolve() for f in folders]
    names = [p.name for p in paths]
    names = [f"{p.parent.name}-{p.name}" if names.count(p.name) > 1 else p.name for p in paths]
    labels = unique_labels(names)
    return [read_run(folder, label) for folder, label in zip(folders, labels)]


def _selections(run: RunRecord) -> dict[str, tuple[str, str, str]]:
    return {s["building"]: (s["name"], s["mode"], ";".join(s["services"])) for s in run.plan["selected"]}


def change(before: tuple[str, str] | None, after: tuple[str, str] | None) -> str:
    """added, dropped, changed (mode or services) or same, for a building's (mode, services) in two plans.

    "" when the building is in neither (with three runs or more, a building only a third run acquires).
    """
    if before is None and after is None:
        return ""
    if before is None:
        return ADDED
    if after is None:
        return DROPPED
    return SAME if before == after else CHANGED


def buildings_table(runs: Sequence[RunRecord]) -> pd.DataFrame:
    """One row per building acquired in any run: building, name, mode_<run>, services_<run> per run, change.

    change compares the first run with the second (added: only in the second; dropped: only in the first;
    changed: another mode or other services). With more runs there is one change_<run> column per run after the
    first, against the first ("" where neither acquires it), and change says same only when every run agrees,
    else differs.
    """
    picked = [_selections(r) for r in runs]
    buildings = sorted(set().union(*picked))
    table = pd.DataFrame({"building": buildings})
    names = {b: sel[b][0] for sel in picked for b in sel}
    table["name"] = [names[b] for b in buildings]
    for run, sel in zip(runs, picked):
        table[f"mode_{run.label}"] = [sel[b][1] if b in sel else "" for b in buildings]
        table[f"services_{run.label}"] = [sel[b][2] if b in sel else "" for b in buildings]
    first = picked[0]
    for run, sel in zip(runs[1:], picked[1:]):
        table[f"change_{run.label}"] = [change(_key(first, b), _key(sel, b)) for b in buildings]
    if len(runs) == 2:
        table = table.rename(columns={f"change_{runs[1].label}": "change"})
    else:
        others = table[[f"change_{r.label}" for r in runs[1:]]]
        table["change"] = others.isin([SAME, ""]).all(axis=1).map({True: SAME, False: "differs"})
    return table


def _key(selections: dict[str, tuple[str, str, str]], building: str) -> tuple[str, str] | None:
    found = selections.get(building)
    return None if found is None else found[1:]


def communities_table(runs: Sequence[RunRecord]) -> pd.DataFrame:
    """One row per community × service: covered share in each run (share_<run>) and diff_<run> against the first.

    With two runs the difference column is called diff (second minus first).
    """
    keys = ["community", "name", "district", "service"]
    base = runs[0].coverage.reindex(columns=keys)
    table = base.copy()
    for run in runs:
        shares = run.coverage.set_index(["community", "service"])["covered_share"]
        table[f"share_{run.label}"] = shares.reindex(
            pd.MultiIndex.from_frame(base[["community", "service"]])
        ).to_numpy()
    for run in runs[1:]:
        table[f"diff_{run.label}"] = (table[f"share_{run.label}"] - table[f"share_{runs[0].label}"]).round(6)
    if len(runs) == 2:
        table = table.rename(columns={f"diff_{runs[1].label}": "diff"})
    return table


def summary_table(runs: Sequence[RunRecord]) -> pd.DataFrame:
    """One row per run (index plan): status, costs, objective, weighted persons and per-service coverage."""
    return pd.DataFrame([plan_summary(r.plan) for r in runs], index=pd.Index([r.label for r in runs], name="plan"))


def cost_by_mode(runs: Sequence[RunRecord]) -> pd.DataFrame:
    """Index (plan, mode): buildings, capex and annual_cost (元) of the buildings acquired by that mode."""
    rows = [
        {"plan": r.label, "mode": s["mode"], "capex": s["capex"], "annual_cost": s["annual_cost"]}
        for r in runs
        for s in r.plan["selected"]
    ]
    frame = pd.DataFrame(rows, columns=["plan", "mode", "capex", "annual_cost"])
    table = frame.groupby(["plan", "mode"], sort=False).agg(
        buildings=("capex", "size"), capex=("capex", "sum"), annual_cost=("annual_cost", "sum")
    )
    order = pd.MultiIndex.from_product([[r.label for r in runs], MODES], names=["plan", "mode"])
    return table.reindex(order).dropna(how="all").astype({"buildings": int}).round(2)


def coverage_by_service(runs: Sequence[RunRecord]) -> pd.DataFrame:
    """Index (plan, service): group, demand, covered (units), share, persons, persons_covered."""
    rows = [
        {"plan": r.label, "service": key, **{k: v for k, v in figures.items() if k != "weight"}}
        for r in runs
        for key, figures in r.plan["coverage"].items()
    ]
    return pd.DataFrame(rows).set_index(["plan", "service"])


def coverage_by_district(runs: Sequence[RunRecord]) -> pd.DataFrame:
    """Index (plan, district, service): demand, covered (units) and share, summed from coverage.csv."""
    frames = []
    for run in runs:
        cov = run.coverage.assign(district=run.coverage["district"].fillna("").astype(str))
        grouped = cov.groupby(["district", "service"], sort=True)[["demand", "covered_demand"]].sum()
        grouped = grouped.rename(columns={"covered_demand": "covered"})
        grouped["share"] = (grouped["covered"] / grouped["demand"].where(grouped["demand"] > 0)).round(6)
        frames.append(grouped.reset_index().assign(plan=run.label))
    table = pd.concat(frames, ignore_index=True)
    return table.set_index(["plan", "district", "service"])[["demand", "covered", "share"]]


def flatten(document: Any, prefix: str = "") -> dict[str, str]:
    """Dotted key -> value as one line of YAML, for every leaf of a nested mapping (lists are leaves).

    An empty mapping has no leaves: {} and a mapping with keys then differ by those keys alone.
    """
    if isinstance(document, dict):
        out: dict[str, str] = {}
        for key, value in document.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    text = yaml.safe_dump(document, default_flow_style=True, allow_unicode=True, width=10_000).strip()
    return {prefix: text.removesuffix("\n...").removesuffix("...").strip()}


def scenario_differences(runs: Sequence[RunRecord]) -> pd.DataFrame:
    """The scenario keys whose values differ between runs: key, then one column per run (its value).

    A run without scenario.yaml (written before it existed) shows "(not recorded)".
    """
    flat = [flatten(r.scenario) if r.scenario is not None else None for r in runs]
    keys = sorted(set().union(*(f for f in flat if f is not None)))
    missing = "(not recorded)"
    rows = []
    for key in keys:
        values = [missing if f is None else f.get(key, "(absent)") for f in flat]
        if len(set(values)) > 1:
            rows.append({"key": key, **{r.label: v for r, v in zip(runs, values)}})
    return pd.DataFrame(rows, columns=["key", *(r.label for r in runs)])


@dataclass(frozen=True)
class Comparison:
    """Every table of a comparison (see the functions of the same names)."""

    runs: tuple[RunRecord, ...]
    summary: pd.DataFrame
    buildings: pd.DataFrame
    communities: pd.DataFrame
    cost_by_mode: pd.DataFrame
    coverage_by_service: pd.DataFrame
    coverage_by_district: pd.DataFrame
    scenario_differences: pd.DataFrame


def compare(runs: Sequence[RunRecord]) -> Comparison:
    """All the tables for two or more runs.

    Raises:
        InputError: fewer than two runs.
    """
    if len(runs) < 2:
        raise InputError(f"give two or more runs to compare, got {len(runs)}", field="RUN")
    return Comparison(
        tuple(runs),
        summary_table(runs),
        buildings_table(runs),
        communities_table(runs),
        cost_by_mode(runs),
        coverage_by_service(runs),
        coverage_by_district(runs),
        scenario_differences(runs),
    )
