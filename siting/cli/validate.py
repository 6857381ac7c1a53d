"""`siting validate SCENARIO`: check the scenario and its tables without solving."""

from __future__ import annotations

import argparse

from siting import pipeline
from siting.cli.options import add_scenario_argument, load
from siting.scenario.load import load_scenario

NAME = "validate"
HELP = "check a scenario and its tables (and estimate demand) without solving"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `siting validate`."""
    add_scenario_argument(parser)


def main(args: argparse.Namespace) -> int:
    """Load, estimate demand and count walking pairs; print a one-screen summary."""
    scenario = load(args)
    demand = pipeline.compute_demand(scenario)
    reach = pipeline.compute_reach(scenario)
    print(f"{args.scenario}: valid scenario '{scenario.name}'")
    print(
        f"  {len(scenario.communities)} communities, {len(scenario.buildings)} buildings, "
        f"{len(scenario.options)} acquisition options ({', '.join(sorted(scenario.options['mode'].unique()))})"
    )
    if len(scenario.existing):
        closable = int(scenario.existing["closable"].sum())
        print(f"  {len(scenario.existing)} existing facilities ({closable} closable)")
    if len(scenario.assets):
        swaps = int(scenario.options["assets"].map(len).gt(0).sum())
        print(f"  {len(scenario.assets)} government assets, traded by {swaps} swap options")
    for key, service in scenario.config.services.items():
        units = demand.units[key].sum()
        capacity = f", {service.area_per_unit_m2:g} m² per unit" if service.area_per_unit_m2 else ""
        print(
            f"  {key}: {units:,.1f} demand units, {len(reach[key]):,} community-building pairs within "
            f"{service.radius_m:g} m{capacity}"
        )
    model = scenario.config.model
    rules = [f"objectives {' > '.join(model.objectives)} (coverage counted as {model.objective_basis})"]
    if model.complex is not None:
        rules.append(
            f"complex rule (≥ {model.complex.min_area_m2:g} m², ≥ {model.complex.min_services} services, "
            f"≥ {model.complex.min_core} core, at least {model.complex.min_count})"
        )
    print("  model: " + "; ".join(rules))
    for name in scenario.config.overrides:  # each named variant must load on its own
        load_scenario(args.scenario, [name], allow_outside_paths=args.allow_outside_paths)
    if scenario.config.overrides:
        print(f"  overrides (each checked): {', '.join(scenario.config.overrides)}")
    return 0
