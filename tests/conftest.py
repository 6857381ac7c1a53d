"""Shared fixtures: write small scenarios to a temporary folder and run the real CLI on them."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED_BENCHMARKS = REPO.parent / "shared" / "benchmarks"
DEMO = REPO / "scenarios" / "demo" / "scenario.yaml"


def write_csv(path: Path, rows: list[dict]) -> None:
    """A CSV with the union of the rows' keys as header (in first-seen order)."""
    header: list[str] = []
    for row in rows:
        header += [k for k in row if k not in header]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def community(
    cid: str, x: float, elderly: float, infant: float = 0.0, district: str | None = None, population: float = 1000
) -> dict:
    """A community row on the x axis with its group counts given."""
    row = {
        "id": cid,
        "name": f"社区{cid}",
        "x": x,
        "y": 0,
        "population": population,
        "elderly": elderly,
        "infant": infant,
    }
    return row if district is None else {**row, "district": district}


def building(bid: str, x: float, area: float = 400) -> dict:
    """A candidate building row on the x axis."""
    return {"id": bid, "name": f"楼{bid}", "x": x, "y": 0, "floor_area_m2": area}


def option(bid: str, mode: str, capex: float, annual: float = 0.0, **extra) -> dict:
    """An acquisition option row (extra columns such as capacity or assets as keywords)."""
    return {"building": bid, "mode": mode, "capex": capex, "annual_cost": annual, **extra}


def make_scenario(
    folder: Path,
    *,
    communities: list[dict],
    buildings: list[dict],
    options: list[dict],
    services: dict,
    budget: dict,
    name: str = "tiny",
    existing: list[dict] | None = None,
    assets: list[dict] | None = None,
    **extra,
) -> Path:
    """Write scenario.yaml plus its CSV tables into `folder` and return the YAML path.

    The existing-facilities and assets tables are written and named in the scenario when rows are given.
    """
    folder.mkdir(parents=True, exist_ok=True)
    tables = {"communities": communities, "buildings": buildings, "options": options}
    tables |= {key: rows for key, rows in (("existing", existing), ("assets", assets)) if rows is not None}
    for key, rows in tables.items():
        write_csv(folder / f"{key}.csv", rows)
    doc = {
        "name": name,
        "crs": "planar",
        "walking": {"detour_factor": 1.0},
        "services": services,
        "budget": budget,
        **{key: f"{key}.csv" for key in tables},
        **extra,
    }
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `python -m siting ARGS` as a user would and capture its output."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "siting", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def run_main(*args: object) -> subprocess.CompletedProcess:
    """Call the CLI in this process (no interpreter start-up: milliseconds per run) and capture its output.

    A bug (an exception the CLI does not turn into a message) propagates to the test.
    """
    from siting.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return subprocess.CompletedProcess(["siting", *map(str, args)], code, out.getvalue(), err.getvalue())


def rehash(folder: Path) -> None:
    """Write manifest.json's file hashes anew for the folder's files as they are now (an edit made to look genuine)."""
    import json

    from siting.report.write import file_record

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = [file_record(folder / r["name"]) for r in manifest["files"]]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture(scope="session")
def demo_runs(tmp_path_factory) -> list[Path]:
    """The demo, planned twice by the CLI into two folders (shared by the CLI, report and README tests).

    The first run is a process of its own, the second runs in this one: two interpreters (each with its own
    hash seed), so that the byte-identical check also catches output that depends on the order of a set.
    """
    folders = []
    for name, cli in (("first", run_cli), ("second", run_main)):
        out = tmp_path_factory.mktemp(name) / "demo"
        result = cli("run", DEMO, "--out", out)
        assert result.returncode == 0, result.stderr
        folders.append(out)
    return folders


@pytest.fixture
def solvers() -> list[str]:
    """Every installed solver backend."""
    from siting.solvers import available_solvers

    return available_solvers()
