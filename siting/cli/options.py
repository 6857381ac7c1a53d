"""Options shared by several commands, defined once."""

from __future__ import annotations

import argparse

from siting.progress import Display
from siting.solvers import AUTO, SOLVER_NAMES, SolveOptions


def add_solver_options(parser: argparse.ArgumentParser) -> None:
    """--solver, --time-limit, --gap, --threads, --quiet."""
    parser.add_argument(
        "--solver",
        default=AUTO,
        choices=(AUTO, *SOLVER_NAMES),
        help="MILP solver (default: auto, chosen by problem class)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        metavar="S",
        help="stop after S seconds (the whole solve, every stage) and return the best plan found, with its gap",
    )
    parser.add_argument(
        "--gap", type=float, default=1e-6, metavar="G", help="relative optimality gap at which to stop (default 1e-6)"
    )
    parser.add_argument("--threads", type=int, default=1, help="solver threads (default 1: deterministic)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def solve_options(args: argparse.Namespace) -> SolveOptions:
    """SolveOptions from the parsed arguments (progress shown on stderr unless --quiet)."""
    return SolveOptions(
        time_limit_s=args.time_limit,
        mip_rel_gap=args.gap,
        threads=args.threads,
        progress=None if args.quiet else Display(),
    )
