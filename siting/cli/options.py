"""Options shared by several commands, defined once, each checked when it is parsed."""

from __future__ import annotations

import argparse
import io
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from siting.errors import cut
from siting.progress import Display
from siting.report.lang import LANGS
from siting.scenario.load import Scenario, load_scenario
from siting.solvers import AUTO, SOLVER_NAMES, SolveOptions
from siting.study.executors import AUTO_POOL_S, EXECUTORS, Executor, make_executor

MAX_THREADS = 1024
MAX_SECONDS = 1e7  # about 115 days


def number(kind: type, what: str, *, low: float, high: float, low_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite `kind` within [low, high] (or (low, high]), else one line saying what it expects."""
    expected = f"{what} {'>' if low_open else '≥'} {low:g} and ≤ {high:g}"

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"expected {expected}, got '{cut(text)}'") from None
        if not math.isfinite(value) or value < low or (low_open and value == low) or value > high:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {cut(text)}")
        return value

    parse.__name__ = what  # argparse names the type in some messages
    return parse


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
        type=number(float, "a number of seconds", low=0, high=MAX_SECONDS, low_open=True),
        default=None,
        metavar="S",
        help="stop after S seconds (the whole solve, every stage) and return the best plan found, with its gap",
    )
    parser.add_argument(
        "--gap",
        type=number(float, "a relative gap", low=0, high=1),
        default=1e-6,
        metavar="G",
        help="relative optimality gap at which to stop (default 1e-6)",
    )
    parser.add_argument(
        "--threads",
        type=number(int, "a whole number of threads", low=1, high=MAX_THREADS),
        default=1,
        help="solver threads (default 1: deterministic)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def progress_stream(args: argparse.Namespace) -> TextIO:
    """Where a command's progress lines go: stderr, or nowhere with --quiet."""
    return io.StringIO() if getattr(args, "quiet", False) else sys.stderr


def solve_options(args: argparse.Namespace) -> SolveOptions:
    """SolveOptions from the parsed arguments.

    `siting run` shows each solve's progress on stderr unless --quiet (siting.progress.Display); commands that
    run many solves (frontier, sweep, compare) show their own progress, so their solves stay silent.
    """
    shown = getattr(args, "command", "run") == "run" and not getattr(args, "quiet", False)
    return SolveOptions(
        time_limit_s=args.time_limit,
        mip_rel_gap=args.gap,
        threads=args.threads,
        progress=Display() if shown else None,
    )


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


def add_scenario_argument(parser: argparse.ArgumentParser) -> None:
    """The SCENARIO argument and --allow-outside-paths: for every command that loads a scenario."""
    parser.add_argument("scenario", type=Path, help="scenario YAML file")
    add_outside_paths_flag(parser)


def add_outside_paths_flag(parser: argparse.ArgumentParser) -> None:
    """--allow-outside-paths (see `siting.scenario.load.load_scenario`)."""
    parser.add_argument(
        "--allow-outside-paths",
        action="store_true",
        help="let the scenario name files outside its own folder (refused by default)",
    )


def load(args: argparse.Namespace) -> Scenario:
    """Load the scenario the arguments name, printing its warnings (a likely unit slip, ...) to stderr."""
    overrides, sets = getattr(args, "override", ()), getattr(args, "sets", ())
    scenario = load_scenario(args.scenario, overrides, sets, allow_outside_paths=args.allow_outside_paths)
    for warning in scenario.warnings:
        print(f"siting: warning: {warning}", file=sys.stderr)
    return scenario


def default_out(name: str, suffix: str = "") -> Path:
    """runs/<name><suffix>, with the scenario's name made a safe single folder name."""
    safe = re.sub(r"[^\w.-]+", "_", name).strip("._")[:100] or "scenario"
    return Path("runs") / f"{safe}{suffix}"


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """--lang: the language of report.md, report.html and report.xlsx."""
    parser.add_argument(
        "--lang", choices=LANGS, default="both", help="report language: zh, en or both (default: both, Chinese first)"
    )


def add_executor_options(parser: argparse.ArgumentParser, auto: bool = False) -> None:
    """--executor, --scheduler, --workers: where independent plans run (siting.study.executors).

    `auto` offers --executor auto, and makes it the default (siting.study.executors.AutoPool).
    """
    help_text = "serial (in this process{}), local (a process pool on this machine) or dask (dask.distributed)"
    if auto:
        help_text = (
            "auto (default: the largest budget in this process, then the other points on a local pool when it "
            f"took {AUTO_POOL_S:g} s or more and the machine has 2 cores or more), " + help_text.format("")
        )
    parser.add_argument(
        "--executor",
        choices=(*EXECUTORS, "auto") if auto else EXECUTORS,
        default="auto" if auto else "serial",
        help=help_text.format(", default"),
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
