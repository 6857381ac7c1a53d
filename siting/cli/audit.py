"""`siting audit SCENARIO --out DIR`: today's supply against the national standards (摸清底数短板), no solve."""

from __future__ import annotations

import argparse
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from siting import __version__
from siting.audit.baseline import Audit, audit
from siting.audit.markdown import render
from siting.audit.shortfall import TOTAL
from siting.cli.options import add_scenario_argument, default_out, load
from siting.report.write import atomic_folder, check_out, write_csv, write_manifest

NAME = "audit"
HELP = "audit today's facilities against the national standards: shortfalls per community and district"
FILES = ("shortfall.csv", "districts.csv", "communities.csv", "facilities.csv", "audit.md")
DECIMALS = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `siting audit`."""
    add_scenario_argument(parser)
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: runs/<name>-audit)")


def main(args: argparse.Namespace) -> int:
    """Audit, write the folder atomically, print the totals."""
    scenario = load(args)
    out = args.out or default_out(scenario.name, "-audit")
    check_out(out, keep=[scenario.path])
    result = audit(scenario)
    with atomic_folder(out, keep=[scenario.path]) as tmp:
        write_files(tmp, result)
        write_manifest(tmp, manifest(result, args), FILES)
    print(
        f"{scenario.name}: audit of {len(scenario.existing)} existing facilities, "
        f"{len(scenario.communities)} communities"
    )
    for r in result.districts[result.districts["district"] == TOTAL].itertuples():
        print(
            f"  {r.standard}: shortfall {r.shortfall:,.1f} {r.unit} of {r.required:,.1f} required "
            f"({r.communities_short} of {r.communities} communities short)"
        )
    print(f"wrote {out}/ ({', '.join((*FILES, 'manifest.json'))})")
    return 0


def write_files(folder: Path, result: Audit) -> None:
    """The audit's tables and audit.md into an existing folder (byte-identical for the same inputs)."""
    write_csv(folder / "shortfall.csv", _rounded(result.shortfall))
    write_csv(folder / "districts.csv", _rounded(result.districts))
    write_csv(folder / "communities.csv", _rounded(result.indicators))
    write_csv(folder / "facilities.csv", _rounded(result.supply.facilities))
    (folder / "audit.md").write_text(render(result), encoding="utf-8")


def _rounded(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    numbers = out.select_dtypes("float").columns
    out[numbers] = out[numbers].round(DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    return out


def manifest(result: Audit, args: argparse.Namespace) -> dict:
    """Provenance of the audit: the only file with a timestamp and timings."""
    return {
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": ["siting", *getattr(args, "argv", sys.argv[1:])],
        "scenario_file": str(args.scenario),
        "input_sha256": result.scenario.input_sha256,
        "standards": sorted(result.standards),
        "siting_version": __version__,
        "python": platform.python_version(),
        "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
    }
