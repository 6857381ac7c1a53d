"""Options shared by several commands, defined once."""

from __future__ import annotations

import argparse

from siting.report.lang import LANGS
from siting.solvers import SOLVER_NAMES, SolveOptions


def add_solver_options(parser: argparse.ArgumentParser) -> None:
    """--solver, --time-limit, --gap, --threads."""
    parser.add_argument("--solver", default="highs", choices=SOLVER_NAMES, help="MILP solver (default: highs)")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        metavar="S",
        help="stop after S seconds and return the best plan found, with its gap",
    )
    parser.add_argument(
        "--gap", type=float, default=1e-6, metavar="G", help="relative optimality gap at which to stop (default 1e-6)"
    )
    parser.add_argument("--threads", type=int, default=1, help="solver threads (default 1: deterministic)")


def solve_options(args: argparse.Namespace) -> SolveOptions:
    """SolveOptions from the parsed arguments."""
    return SolveOptions(time_limit_s=args.time_limit, mip_rel_gap=args.gap, threads=args.threads)


def add_variant_options(parser: argparse.ArgumentParser) -> None:
    """--override NAME (repeatable, or comma-separated) and --set key.path=value (repeatable)."""
    parser.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="NAME",
        help="apply a named override of the scenario's `overrides:` section (repeatable, or a,b)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        dest="sets",
        metavar="KEY=VALUE",
        help="change one scenario key, the value read as YAML (e.g. budget.capex=45000000); repeatable",
    )


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """--lang: the language of report.md, report.html and report.xlsx."""
    parser.add_argument(
        "--lang", choices=LANGS, default="both", help="report language: zh, en or both (default: both, Chinese first)"
    )
