"""`siting demand SCENARIO`: the demand model alone: group sizes, demand units and where each came from."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pandas as pd

from siting import pipeline
from siting.cli.options import add_scenario_argument, default_out, load, number
from siting.demand import area_summary, community_table
from siting.demand.section import parse_section
from siting.errors import InputError, cut
from siting.report.write import atomic_folder, check_out, write_csv
from siting.scenario.load import Scenario

NAME = "demand"
HELP = "estimate elderly and infant populations and service demand per community"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `siting demand`."""
    add_scenario_argument(parser)
    parser.add_argument(
        "--year",
        type=number(int, "a year", low=1900, high=2200),
        default=None,
        help="target year (default: the scenario's)",
    )
    parser.add_argument(
        "--variant",
        choices=("low", "central", "high"),
        default=None,
        help="projection variant (default: the scenario's)",
    )
    parser.add_argument(
        "--by", default=None, help="column of the communities table to sum by in the summary (default: district)"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="folder for demand.csv and summary.csv (default: runs/<name>-demand)"
    )


def with_overrides(scenario: Scenario, year: int | None, variant: str | None) -> Scenario:
    """The scenario with the demand section's year / variant replaced (re-validated)."""
    update = {k: v for k, v in (("year", year), ("variant", variant)) if v is not None}
    if not update:
        return scenario
    section = parse_section({**scenario.config.demand.model_dump(), **update}, file="--year/--variant")
    return replace(scenario, config=scenario.config.model_copy(update={"demand": section}))


def summary_column(by: str | None, communities: pd.DataFrame) -> str:
    """The column to sum by: --by when given (it must be one of the table's), else district (when there is one).

    Raises:
        InputError: --by names no column of the communities table.
    """
    if by is None:
        return "district"
    if by not in communities:
        columns = ", ".join(map(str, communities.columns))
        raise InputError(
            f"the communities table has no column '{cut(by)}' (columns: {cut(columns, 200)})", field="--by"
        )
    return by


def main(args: argparse.Namespace) -> int:
    """Estimate, print the summary, write the per-community table and the summary."""
    scenario = with_overrides(load(args), args.year, args.variant)
    try:
        result = pipeline.compute_demand(scenario)
    except InputError as err:
        if args.year is None or err.field != "demand.year":
            raise
        raise InputError(err.message, field="--year") from None
    est = result.estimate
    names = scenario.communities[[c for c in ("name", "district", "street") if c in scenario.communities]]
    table = names.join(community_table(est, result.units).round(3)).rename_axis("community").reset_index()
    by = summary_column(args.by, scenario.communities)
    summary = area_summary(est, scenario.communities, by=by, demand=result.units).round(3)
    if by in summary:
        raise InputError(f"'{cut(by)}' is a column of the summary itself; sum by another column", field="--by")
    summary.loc["合计 total"] = summary.sum()
    out = args.out or default_out(scenario.name, "-demand")
    check_out(out, keep=[scenario.path])
    with atomic_folder(out, keep=[scenario.path]) as tmp:
        write_csv(tmp / "demand.csv", table)
        write_csv(tmp / "summary.csv", summary.rename_axis(by).reset_index())
    print(
        f"{scenario.name}: demand for {est.year} ({est.variant} variant), {int(est.estimated.sum())} of "
        f"{len(table)} communities estimated"
    )
    with pd.option_context("display.width", 200, "display.max_columns", 40):
        print(summary.to_string())
    for a in est.assumptions:
        print(f"  {a.name} = {a.value:g} {a.unit} [{a.confidence}] {a.source}")
    print(f"wrote {out}/demand.csv and {out}/summary.csv")
    return 0
