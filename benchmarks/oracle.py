"""Check the MILP's optima against a brute-force oracle on tiny random scenarios (tests/oraclelib.py).

    python benchmarks/oracle.py --seeds 200                # seeds 0..199 of every rule family
    python benchmarks/oracle.py --seeds 50:80 --families swap,mixed --solvers highs --sample 100

For each seed and family: every plan is enumerated and judged with numpy from the raw tables, a sample of them
(and the optima) judged again by siting.verify.evaluate, and the scenario solved by pipeline.run with each
solver. Prints, per family, the cases checked (and how many were infeasible), the plans enumerated and judged
per second, the plans re-judged by the evaluator per second, and every disagreement with its seed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from oraclecap import check_scenario  # noqa: E402
from oraclescen import ALL_FAMILIES, write_oracle_scenario  # noqa: E402

from siting.scenario.load import load_scenario  # noqa: E402
from siting.solvers import available_solvers  # noqa: E402


def seed_range(text: str) -> range:
    """'200' -> 0..199; '50:80' -> 50..79."""
    low, _, high = text.partition(":")
    return range(int(low), int(high)) if high else range(int(low))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=seed_range, default=seed_range("20"), help="N (0..N-1) or A:B")
    parser.add_argument("--families", default=",".join(ALL_FAMILIES), help="comma-separated rule families")
    parser.add_argument("--solvers", default=",".join(s for s in ("highs", "cbc") if s in available_solvers()))
    parser.add_argument("--sample", type=int, default=20, help="plans per case re-judged by the evaluator (×2)")
    args = parser.parse_args(argv)
    solvers = tuple(filter(None, args.solvers.split(",")))
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    failures = 0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for family in args.families.split(","):
            for seed in args.seeds:
                path = write_oracle_scenario(Path(tmp) / f"{family}-{seed}", seed, family)
                clock = time.perf_counter()
                case = check_scenario(load_scenario(path), solvers, sample=args.sample, seed=seed)
                t = totals[family]
                t["cases"] += 1
                t["infeasible"] += case.best is None
                t["plans"] += case.plans
                t["feasible"] += case.feasible
                t["enumerate_s"] += case.enumerate_s
                t["evaluated"] += case.evaluated
                t["lps"] += case.lps
                t["evaluate_s"] += case.evaluate_s
                t["total_s"] += time.perf_counter() - clock
                for text in case.disagreements:
                    failures += 1
                    print(f"DISAGREEMENT family={family} seed={seed}: {text}", flush=True)
            t = totals[family]
            print(
                f"{family:14s} cases {int(t['cases']):4d} (infeasible {int(t['infeasible'])})  "
                f"plans {int(t['plans']):10,d} (feasible {int(t['feasible']):9,d})  "
                f"judged {t['plans'] / max(t['enumerate_s'], 1e-9):10,.0f} plans/s  "
                f"evaluator {int(t['evaluated']):6d} plans at {t['evaluated'] / max(t['evaluate_s'], 1e-9):5.0f}/s  "
                f"assignment LPs {int(t['lps']):6d}  {t['total_s']:6.1f} s",
                flush=True,
            )
    cases = sum(t["cases"] for t in totals.values())
    plans = sum(t["plans"] for t in totals.values())
    print(
        f"total: {int(cases)} cases, {int(plans):,d} plans enumerated, solvers {', '.join(solvers)}, "
        f"{failures} disagreements, {time.perf_counter() - start:.0f} s"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
