"""`siting reproduce SET`: solve published benchmark instances with the planning model and compare with the papers.

    siting reproduce orlib-pmed --instances pmed1,pmed2 --out runs/pmed
    siting reproduce orlib-cap --time-limit 120
    siting reproduce sjc-mclp --radius 1200 --p 15 --data ../shared/benchmarks/sjc-mclp

Prints one line per instance as it is solved (instance, size, published, ours, difference, status, proven gap,
seconds, verdict) and, with ``--out DIR``, writes ``DIR/results.csv`` atomically. "ours" is the objective of
our plan recomputed from the instance file, independently of the model. Exit codes: 0 every proven optimum
matched its published value; 1 a reproduction failed (a proven optimum, a plan or a bound that contradicts
the published value, an infeasible model or a solver error); 4 a plan failed its independent re-evaluation
(a bug); 2 bad input (unknown set or instance, missing data folder, malformed file: named with its line).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from siting.cli.options import add_solver_options
from siting.errors import InputError
from siting.report.write import check_out, safe_frame, write_text_file
from siting.reproduce.runner import Row, run_case
from siting.reproduce.sets import (
    DEFAULT_GAP,
    MCLP_DEFAULT_P,
    MCLP_DEFAULT_RADIUS,
    SETS,
    Case,
    cases,
    data_folder,
)
from siting.reproduce.table import frame, text_header, text_line
from siting.solvers import MilpProblem, SolveOptions, Solver, get_solver

NAME = "reproduce"
HELP = "solve published benchmark instances (OR-Library, SJC) and compare with their published optima"

MAX_RADIUS_M = 1e6  # as a scenario's radius_m
EXIT_MISMATCH = 1
EXIT_CHECK = 4


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `siting reproduce`."""
    parser.add_argument("set", metavar="SET", choices=tuple(SETS), help="; ".join(f"{k}: {v}" for k, v in SETS.items()))
    parser.add_argument(
        "--instances",
        default=None,
        metavar="A,B,...",
        help="comma-separated instance names (default: every instance of the set)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder with the set's files (default: ../shared/benchmarks/SET next to the "
        "repository, or from the current directory)",
    )
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="also write DIR/results.csv")
    parser.add_argument(
        "--radius",
        type=float,
        default=None,
        metavar="S",
        help=f"sjc-mclp only: coverage radius in metres (default {MCLP_DEFAULT_RADIUS:g}; the "
        "literature uses 800 and 1200)",
    )
    parser.add_argument(
        "--p", type=int, default=None, metavar="P", help=f"sjc-mclp only: number of sites (default {MCLP_DEFAULT_P})"
    )
    add_solver_options(parser)
    parser.epilog = (
        "instances: orlib-pmed pmed1 … pmed40; orlib-cap cap41 … cap134 (capacitated, capopt), "
        "cap71-uncap … cap134-uncap and capa, capb, capc (uncapacitated), capa-8000 … capc-7250 "
        "(capacitated at the capacities capopt lists); sjc-cpmp SJC1, SJC2, SJC3a, SJC3b, SJC4a, "
        "SJC4b; sjc-mclp SJC324, SJC402, SJC500, SJC708, SJC818."
    )
    gaps = ", ".join(f"{k} {v:g}" for k, v in DEFAULT_GAP.items())
    for action in parser._actions:  # the shared --gap default (1e-6) is too loose for 3-decimal optima of 1e7
        if action.dest == "gap":
            action.default = None
            action.help = (
                f"relative optimality gap at which to stop (default per set, tight enough to prove "
                f"the published rounding: {gaps})"
            )


def options_for(args: argparse.Namespace) -> SolveOptions:
    """Solver options, with the set's default gap unless --gap was given."""
    gap = DEFAULT_GAP[args.set] if args.gap is None else args.gap
    return SolveOptions(time_limit_s=args.time_limit, mip_rel_gap=gap, threads=args.threads)


def select_cases(args: argparse.Namespace) -> list[Case]:
    """The cases to run, with every file located and read once (so a malformed file stops us before solving).

    Raises:
        InputError: see :func:`siting.reproduce.sets.cases`, or a malformed instance file.
    """
    if args.set != "sjc-mclp" and (args.radius is not None or args.p is not None):
        raise InputError("--radius and --p apply to sjc-mclp only", field="--radius/--p")
    folder = data_folder(args.set, args.data)
    wanted = [w.strip() for w in args.instances.split(",") if w.strip()] if args.instances else None
    if args.instances is not None and not wanted:
        raise InputError("expected instance names separated by commas, got none", field="--instances")
    radius = MCLP_DEFAULT_RADIUS if args.radius is None else args.radius
    p = MCLP_DEFAULT_P if args.p is None else args.p
    if not 0 < radius <= MAX_RADIUS_M:  # a finite distance: 1e308 overflowed when squared
        raise InputError(f"expected a radius > 0 and ≤ {MAX_RADIUS_M:g} m, got {radius:g}", field="--radius")
    chosen = cases(args.set, folder, wanted, radius=radius, p=p)
    for case in chosen:
        inst = case.read()
        if case.kind == "mclp" and not 1 <= p <= inst.n:
            raise InputError(f"expected 1 <= p <= n = {inst.n} for {case.name}, got {p}", field="--p")
    return chosen


def warm_up(backend: Solver) -> None:
    """Solve a one-variable problem, so that a solver's start-up banner (HiGHS prints one) precedes the table."""
    backend.solve(
        MilpProblem(
            c=np.ones(1),
            A=sp.csr_matrix((0, 1)),
            row_lower=np.zeros(0),
            row_upper=np.zeros(0),
            col_lower=np.zeros(1),
            col_upper=np.ones(1),
            integrality=np.zeros(1, bool),
        )
    )
    sys.stdout.flush()


def exit_code(rows: list[Row]) -> int:
    """4 when a plan failed its independent check, else 1 when a reproduction failed, else 0."""
    if any(r.failure == "check" for r in rows):
        return EXIT_CHECK
    return EXIT_MISMATCH if any(r.failure for r in rows) else 0


def summary(rows: list[Row]) -> str:
    """One line: how many matched, how many were not proven, how many failed."""
    proven = sum(r.verdict == "match" for r in rows)
    failed = [r.instance for r in rows if r.failure]
    open_ = [r.instance for r in rows if not r.failure and r.status != "optimal"]
    text = f"{len(rows)} instances: {proven} reproduced and proven optimal"
    if any(r.published is None for r in rows):
        text += f", {sum(r.published is None and r.status == 'optimal' for r in rows)} solved (no published value)"
    text += f"; not proven within the time limit: {', '.join(open_) or 'none'}"
    text += f"; FAILED: {', '.join(failed)}" if failed else "; failed: none"
    return text


def main(args: argparse.Namespace) -> int:
    """Run the selected instances, print the table as it goes, write results.csv, return the exit code."""
    backend = get_solver(args.solver)  # an unknown or missing solver is an input error before anything runs
    options = options_for(args)
    chosen = select_cases(args)
    if args.out is not None:
        check_out(args.out, adds=True)  # before solving, not after
    with_bounds = args.set == "sjc-mclp"
    warm_up(backend)
    limit = "none" if options.time_limit_s is None else f"{options.time_limit_s:g} s"
    print(
        f"{args.set}: {len(chosen)} instances from {chosen[0].file.parent}; solver {args.solver}, gap "
        f"{options.mip_rel_gap:g}, time limit {limit}, threads {options.threads}",
        flush=True,
    )
    print(text_header(with_bounds), flush=True)
    rows: list[Row] = []
    for case in chosen:
        row = run_case(case, solver=args.solver, options=options)
        rows.append(row)
        print(text_line(row, with_bounds), flush=True)
    print(summary(rows), flush=True)
    if args.out is not None:  # results.csv added to the folder, whole; what else it holds (the data?) stays
        results = safe_frame(frame(rows)).to_csv(index=False, lineterminator="\n")
        write_text_file(Path(args.out) / "results.csv", "\ufeff" + results)  # with a BOM, as write_csv
        print(f"wrote {args.out}/results.csv", flush=True)
    code = exit_code(rows)
    if code:
        print(f"siting: reproduction failed for {', '.join(r.instance for r in rows if r.failure)}", file=sys.stderr)
    return code
