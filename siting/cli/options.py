"""Options shared by several commands, defined once."""

from __future__ import annotations

import argparse

from siting.report.lang import LANGS
from siting.solvers import SOLVER_NAMES, SolveOptions
from siting.study.executors import EXECUTORS, Executor, make_executor


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


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """--lang: the language of report.md, report.html and report.xlsx."""
    parser.add_argument(
        "--lang", choices=LANGS, default="both", help="report language: zh, en or both (default: both, Chinese first)"
    )


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """--executor, --scheduler, --workers: where independent plans run (siting.study.executors)."""
    parser.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="serial",
        help="serial (in this process, default), local (a process pool on this machine) or dask (dask.distributed)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="a running dask scheduler to send the plans to (default: a LocalCluster on this machine)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="plans at once on this machine (default: cores ÷ --threads; never more cores than the machine has)",
    )


def make_executor_from(args: argparse.Namespace) -> Executor:
    """The executor the arguments ask for."""
    return make_executor(args.executor, workers=args.workers, threads=args.threads, scheduler=args.scheduler)
