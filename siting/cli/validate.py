"""`siting validate SCENARIO`: check the scenario and its tables without solving."""

from __future__ import annotations

import argparse
from pathlib import Path

from siting import pipeline
from siting.scenario.load import load_scenario

NAME = "validate"
HELP = "check a scenario and its tables (and estimate demand) without solving"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `siting validate`."""
    parser.add_argument("scenario", type=Path, help="scenario YAML file")


def main(args: argparse.Namespace) -> int:
    """Load, estimate demand and count walking pairs; print a one-screen summary."""
    scenario = load_scenario(args.scenario)
    demand = pipeline.compute_demand(scenario)
    reach = pipeline.compute_reach(scenario)
    print(f"{args.scenario}: valid scenario '{scenario.name}'")
    print(f"  {len(scenario.communities)} communities, {len(scenario.buildings)} buildings, "
          f"{len(scenario.options)} acquisition options ({', '.join(sorted(scenario.options['mode'].unique()))})")
    for key, service in scenario.config.services.items():
        units = demand.units[key].sum()
        print(f"  {key}: {units:,.1f} demand units, {len(reach[key]):,} community-building pairs within "
              f"{service.radius_m:g} m")
    return 0
