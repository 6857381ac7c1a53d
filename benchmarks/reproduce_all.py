"""Reproduce every instance of every published benchmark set and write one markdown table per set.

    python benchmarks/reproduce_all.py                                   # all sets, 300 s per instance
    python benchmarks/reproduce_all.py --time-limit 60 --out /tmp/reproduce_full.md
    python benchmarks/reproduce_all.py --sets orlib-cap --instances capa-8000,capb-5000 --time-limit 600

Runs the sets one after another, one instance at a time, through the same code as `siting reproduce`
(siting.reproduce.runner.run_case): read the file, build the planning model, solve it, recompute the objective
from the instance data, compare with the published value. Progress lines go to stderr as each instance
finishes; the markdown (instance, n, p, published, ours, diff, status, gap, seconds, verdict) goes to stdout
at the end and, with --out, is rewritten after every instance, so a long run can be read while it goes.
Maximal covering (sjc-mclp) has no published table: it runs at every (radius, p) of --mclp and shows the
solver's bound and the LP relaxation instead.

Exit code: 0 when no instance failed (see siting.reproduce.runner), 1 otherwise.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from siting import __version__
from siting.reproduce.runner import Row, run_case
from siting.reproduce.sets import DEFAULT_GAP, SETS, cases, data_folder, instance_names
from siting.reproduce.table import markdown, text_header, text_line
from siting.solvers import SolveOptions, get_solver


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated sets (default: all)")
    parser.add_argument("--instances", default=None, help="comma-separated instance names (default: all)")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per instance (default 300)")
    parser.add_argument("--threads", type=int, default=1, help="solver threads (default 1)")
    parser.add_argument("--solver", default="highs", help="solver (default highs)")
    parser.add_argument(
        "--mclp",
        default="800:5,800:10,1200:3,1200:5",
        help="sjc-mclp settings as radius:p pairs (default 800:5,800:10,1200:3,1200:5)",
    )
    parser.add_argument(
        "--data-root",
        type=Path,
        default=None,
        help="folder holding one sub-folder per set (default: ../shared/benchmarks)",
    )
    parser.add_argument("--out", type=Path, default=None, help="markdown file, rewritten after every instance")
    return parser.parse_args(argv)


def document(sections: list[tuple[str, str, list[Row]]], args: argparse.Namespace, started: float, done: bool) -> str:
    """The whole markdown document: a heading, the settings, then one table per set (and per MCLP setting)."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    lines = [
        f"# siting reproduce: published benchmark sets ({'complete' if done else 'in progress'})",
        "",
        f"- {now}, siting {__version__}, solver {args.solver} {get_solver(args.solver).version()}, "
        f"threads {args.threads}, time limit {args.time_limit:g} s per instance, python "
        f"{platform.python_version()}, {platform.machine()}",
        f"- default relative gaps: {', '.join(f'{k} {v:g}' for k, v in DEFAULT_GAP.items())}",
        f"- wall time so far: {time.perf_counter() - started:.0f} s",
        "- ours = objective of our plan recomputed from the instance file; gap = proven relative gap "
        "|objective − bound| / |objective|; seconds = read + build + solve + re-evaluate.",
        "",
    ]
    for title, set_name, rows in sections:
        unproven = [r.instance for r in rows if r.status != "optimal"]
        failed = [r.instance for r in rows if r.failure]
        lines += [
            f"## {title}",
            "",
            markdown(rows, with_bounds=set_name == "sjc-mclp"),
            f"Not proven optimal within the limit: {', '.join(unproven) or 'none'}.  ",
            f"Failed: {', '.join(failed) or 'none'}.",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    wanted = [w.strip() for w in args.instances.split(",")] if args.instances else None
    sections: list[tuple[str, str, list[Row]]] = []
    plan: list[tuple[str, str, list]] = []
    for set_name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        folder = data_folder(set_name, args.data_root / set_name if args.data_root else None)
        names = None
        if wanted:
            names = [w for w in wanted if w in instance_names(set_name)]
            if not names:
                continue
        if set_name == "sjc-mclp":
            for setting in args.mclp.split(","):
                radius, p = setting.split(":")
                plan.append(
                    (
                        f"sjc-mclp, S = {float(radius):g}, p = {int(p)}",
                        set_name,
                        cases(set_name, folder, names, radius=float(radius), p=int(p)),
                    )
                )
        else:
            plan.append((f"{set_name}: {SETS[set_name]}", set_name, cases(set_name, folder, names)))
    for _, _, chosen in plan:  # every file is read once before anything is solved: a bad file stops us early
        for case in chosen:
            case.read()
    failed = False
    for title, set_name, chosen in plan:
        rows: list[Row] = []
        sections.append((title, set_name, rows))
        options = SolveOptions(time_limit_s=args.time_limit, mip_rel_gap=DEFAULT_GAP[set_name], threads=args.threads)
        print(f"\n{title}\n{text_header(set_name == 'sjc-mclp')}", file=sys.stderr, flush=True)
        for case in chosen:
            row = run_case(case, solver=args.solver, options=options)
            rows.append(row)
            failed |= bool(row.failure)
            print(text_line(row, set_name == "sjc-mclp"), file=sys.stderr, flush=True)
            if args.out:
                args.out.write_text(document(sections, args, started, done=False), encoding="utf-8")
    text = document(sections, args, started, done=True)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
