"""Solve random small scenarios (tests/randomscen.py) with HiGHS, CBC and SCIP and compare every stage.

    python benchmarks/cross_solver.py --seeds 0:40

Prints one line per scenario: the rules drawn, each solver's outcome (exit class) and whether the proven value of
every lexicographic stage, and the settled plan's selected.csv / coverage.csv, agree across solvers.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from randomscen import write_random_scenario  # noqa: E402

from siting import pipeline  # noqa: E402
from siting.errors import SitingError  # noqa: E402
from siting.report.tables import coverage_table, selected_table  # noqa: E402
from siting.scenario.load import load_scenario  # noqa: E402

SOLVERS = ("highs", "cbc", "ortools")


def outcome(path: Path, solver: str):
    try:
        result = pipeline.run(load_scenario(path), solver=solver)
    except SitingError as err:
        return f"exit {err.exit_code}", None, str(err).splitlines()[0][:120]
    stages = [(s.objective, s.result.objective) for s in result.solution.stages]
    tables = selected_table(result).to_csv(index=False) + coverage_table(result).to_csv(index=False)
    return result.solution.status.value, (stages, result.solution.values, tables), ""


def agree(a: float, b: float) -> bool:
    return abs(a - b) <= 2e-6 * max(1.0, abs(a), abs(b))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="0:40")
    parser.add_argument("--capacities", choices=["random", "on", "off"], default="random")
    args = parser.parse_args()
    first, last = map(int, args.seeds.split(":"))
    caps = {"random": None, "on": True, "off": False}[args.capacities]
    tally: Counter = Counter()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(first, last):
            path = write_random_scenario(Path(tmp) / str(seed), seed, capacities=caps)
            results = {s: outcome(path, s) for s in SOLVERS}
            kinds = {s: r[0] for s, r in results.items()}
            for kind in kinds.values():
                tally[kind] += 1
            solved = {s: r[1] for s, r in results.items() if r[1] is not None}
            same_stage = same_tables = True
            if len(solved) > 1:
                ref = next(iter(solved.values()))
                for other in solved.values():
                    same_stage &= all(agree(a[1], b[1]) for a, b in zip(ref[0], other[0]))
                    same_stage &= all(agree(ref[1][k], other[1][k]) for k in ref[1])
                    same_tables &= ref[2] == other[2]
            tally["stages agree" if same_stage else "STAGES DIFFER"] += 1
            tally["tables identical" if same_tables else "tables differ"] += 1
            notes = "; ".join(f"{s}: {r[2]}" for s, r in results.items() if r[2])
            print(
                f"seed {seed}: {kinds} stages {'=' if same_stage else '≠'} tables {'=' if same_tables else '≠'} {notes}"
            )
    print(f"{last - first} scenarios × {len(SOLVERS)} solvers in {time.perf_counter() - started:.1f} s: {dict(tally)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
