"""`siting demand SCENARIO`: the demand model alone: group sizes, demand units and where each came from."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from siting import pipeline
from siting.report.write import atomic_folder, write_csv
from siting.scenario.load import Scenario, load_scenario

NAME = "demand"
HELP = "estimate elderly and infant populations and service demand per community"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `siting demand`."""
    parser.add_argument("scenario", type=Path, help="scenario YAML file")
    parser.add_argument("--year", type=int, default=None, help="target year (default: the scenario's)")
    parser.add_argument("--variant", choices=("low", "central", "high"), default=None,
                        help="projection variant (default: the scenario's)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for demand.csv and districts.csv (default: runs/<name>-demand)")


def with_overrides(scenario: Scenario, year: int | None, variant: str | None) -> Scenario:
    """The scenario with the demand section's year / variant replaced (re-validated)."""
    update = {k: v for k, v in (("year", year), ("variant", variant)) if v is not None}
    if not update:
        return scenario
    section = type(scenario.config.demand).model_validate({**scenario.config.demand.model_dump(), **update})
    config = scenario.config.model_copy(update={"demand": section})
    return Scenario(config, scenario.path, scenario.communities, scenario.buildings, scenario.options,
                    scenario.input_sha256)


def community_table(scenario: Scenario, result: pipeline.DemandResult) -> pd.DataFrame:
    """Per community: groups, their sources, demand units per service, and whether anything was estimated."""
    est = result.estimate
    table = pd.DataFrame({"community": est.groups.index, "name": scenario.communities["name"].to_numpy()})
    if "district" in scenario.communities:
        table["district"] = scenario.communities["district"].to_numpy()
    for group in est.groups.columns:
        table[group] = est.groups[group].round(3).to_numpy()
    for service in result.units.columns:
        table[f"demand_{service}"] = result.units[service].round(3).to_numpy()
    table["estimated"] = est.estimated.astype(int).to_numpy()
    for group in est.sources.columns:
        table[f"source_{group}"] = est.sources[group].to_numpy()
    return table


def district_table(table: pd.DataFrame) -> pd.DataFrame:
    """Sums by district (one 'all' row when there is no district column), plus a total row."""
    numeric = [c for c in table.columns if c not in ("community", "name", "district", "estimated")
               and not c.startswith("source_")]
    key = table["district"] if "district" in table else pd.Series("all", index=table.index)
    summary = table[numeric].groupby(key.to_numpy()).sum().round(3)
    summary.loc["合计 total"] = table[numeric].sum().round(3)
    summary.insert(0, "communities", list(key.value_counts().sort_index()) + [len(table)])
    return summary.rename_axis("district").reset_index()


def main(args: argparse.Namespace) -> int:
    """Estimate, print the district summary, write both tables."""
    scenario = with_overrides(load_scenario(args.scenario), args.year, args.variant)
    result = pipeline.compute_demand(scenario)
    table = community_table(scenario, result)
    districts = district_table(table)
    out = args.out or Path("runs") / f"{scenario.name}-demand"
    with atomic_folder(out) as tmp:
        write_csv(tmp / "demand.csv", table)
        write_csv(tmp / "districts.csv", districts)
    est = result.estimate
    print(f"{scenario.name}: demand for {est.year} ({est.variant} variant), {int(est.estimated.sum())} of "
          f"{len(table)} communities estimated")
    with pd.option_context("display.width", 160, "display.max_columns", 30):
        print(districts.to_string(index=False))
    for a in est.assumptions:
        print(f"  {a.name}: {a.value} {a.unit} [{a.confidence}] {a.source}")
    print(f"wrote {out}/demand.csv and {out}/districts.csv")
    return 0
