"""A saved run folder's files: unchanged since siting wrote them (manifest.json's hashes), CSVs agreeing with plan.json.

The hashes catch an edit made after the run; the CSV check catches the spreadsheet an officer reads telling another
plan than plan.json, whether or not someone wrote new hashes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from siting.errors import InputError, cut
from siting.report.write import MANIFEST, file_record, safe_cell
from siting.verify.evaluate import Evaluation

#: Files every run folder holds and its manifest must list (the plan and the tables the officer reads).
CHECKED = ("plan.json", "selected.csv", "coverage.csv")
UNCHECKED = "the files' integrity could not be checked: manifest.json lists no file hashes (a run older than them)"
#: selected.csv gives areas with 2 decimals; coverage.csv figures with 6, recomputed from assignments with 6.
AREA_TOLERANCE = 0.005 + 1e-6
SHARE_TOLERANCE = 5e-6
SHOWN_ROWS = 5


def read_manifest(run_dir: Path) -> dict | None:
    """manifest.json of a run folder (None if there is none).

    Raises:
        InputError: it is there but not a JSON mapping.
    """
    path = Path(run_dir) / MANIFEST
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        document = None
    if not isinstance(document, dict):
        raise InputError(
            "cannot tell which scenario this plan was made from, nor check its files: not a manifest.json written "
            "by siting",
            file=str(path),
        )
    return document


def changed_files(run_dir: Path, manifest: dict | None) -> list[str] | None:
    """Each file manifest.json lists that is missing or whose SHA-256 differs; None if it lists no hashes."""
    records = (manifest or {}).get("files")
    if not isinstance(records, list) or all(isinstance(r, str) for r in records):
        return None  # no manifest, or one of the runs that listed names only
    found, listed = [], set()
    for record in records:
        name = record.get("name") if isinstance(record, dict) else None
        if not isinstance(name, str) or Path(name).name != name or name in ("", ".", "..", MANIFEST):
            found.append(f"manifest.json lists {cut(record)}: not a record of a file of this folder")
            continue
        listed.add(name)
        path = Path(run_dir) / name
        if not path.is_file():
            found.append(f"{name} is missing: siting wrote it (manifest.json lists it)")
        elif file_record(path)["sha256"] != record.get("sha256"):
            found.append(f"{name} was changed after siting wrote it (its SHA-256 is not the one in manifest.json)")
    unlisted = [name for name in CHECKED if name not in listed]
    return found + [f"manifest.json has no hash of {name}, which siting writes with every plan" for name in unlisted]


def tables_disagree(run_dir: Path, evaluation: Evaluation, listed: bool) -> list[str]:
    """selected.csv and coverage.csv against the plan re-checked from plan.json (`evaluation`).

    Args:
        run_dir: the run folder.
        evaluation: the re-check of plan.json's plan (the plan the CSVs were written from).
        listed: manifest.json lists the files' hashes (a missing CSV is then named by `changed_files`).
    """
    found = []
    for name, check in (("selected.csv", _selected), ("coverage.csv", _coverage)):
        path = Path(run_dir) / name
        if not path.is_file():
            found += [] if listed else [f"{name} is missing: siting writes it with every plan"]
            continue
        try:
            table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (ValueError, UnicodeDecodeError, OSError) as err:  # pandas' ParserError and EmptyDataError
            found.append(f"{name} cannot be read as the table siting writes ({cut(err)})")
            continue
        found += check(table, evaluation)
    return found


def _selected(table: pd.DataFrame, evaluation: Evaluation) -> list[str]:
    """selected.csv's building, mode, services and areas against the plan's selection, row by row."""
    sel = evaluation.selected
    expected = pd.DataFrame(
        {
            "building": sel["building"].astype(str).map(safe_cell),
            "mode": sel["mode"].astype(str),
            "services": [safe_cell(";".join(s)) for s in sel["services"]],
            "area_by_service_m2": [";".join(f"{a:.2f}" for a in areas) for areas in sel["area_m2"]],
        }
    )
    found = _columns("selected.csv", table, expected.columns)
    if found:
        return found
    shown, expected = _keyed(table, expected, ["building"])
    found = _rows("selected.csv", shown, expected, "building", "plan.json has")
    shown, expected = _common(shown, expected)
    for column in ("mode", "services", "area_by_service_m2"):
        differs = shown[column].to_numpy() != expected[column].to_numpy()
        if column == "area_by_service_m2":
            pairs = zip(shown[column][differs], expected[column][differs])
            differs[differs] = [not _same_areas(a, b) for a, b in pairs]
        found += _differences("selected.csv", shown[differs], expected[differs], column, "plan.json has")
    return found


def _same_areas(shown: str, expected: str) -> bool:
    """Areas written with 2 decimals that agree with the plan's (written to 6) within their rounding."""
    try:
        a, b = (np.array([float(v) for v in text.split(";")]) for text in (shown, expected))
    except ValueError:
        return False
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= AREA_TOLERANCE))


def _coverage(table: pd.DataFrame, evaluation: Evaluation) -> list[str]:
    """coverage.csv's demand, covered share and covered demand per community and service, against the re-check."""
    cov = evaluation.coverage
    expected = pd.DataFrame(
        {
            "community": cov["community"].astype(str).map(safe_cell),
            "service": cov["service"].astype(str),
            "demand": cov["demand"].to_numpy(float),
            "covered_share": cov["covered"].to_numpy(float),
            "covered_demand": cov["covered_units"].to_numpy(float),
        }
    )
    found = _columns("coverage.csv", table, expected.columns)
    if found:
        return found
    shown, expected = _keyed(table, expected, ["community", "service"])
    found = _rows("coverage.csv", shown, expected, "community and service", "the plan, re-checked, has")
    shown, expected = _common(shown, expected)
    for column in ("demand", "covered_share", "covered_demand"):
        values = pd.to_numeric(shown[column], errors="coerce").to_numpy(float)
        truth = expected[column].to_numpy(float)
        differs = ~(np.abs(values - truth) <= SHARE_TOLERANCE * np.maximum(1.0, np.abs(truth)))
        found += _differences("coverage.csv", shown[differs], expected[differs], column, "the plan, re-checked, has")
    return found


def _common(shown: pd.DataFrame, expected: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows both tables have, in the same order (a repeated row of the CSV compared once)."""
    shown = shown[~shown.index.duplicated()]
    common = shown.index.intersection(expected.index)
    return shown.loc[common], expected.loc[common]


def _columns(name: str, table: pd.DataFrame, needed) -> list[str]:
    missing = [c for c in needed if c not in table.columns]
    return [f"{name} has no column {', '.join(missing)}: not the table siting writes"] if missing else []


def _keyed(table: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both tables indexed by `keys`, the CSV's line number (header = line 1) kept as a column."""
    shown = table.assign(line=np.arange(2, len(table) + 2)).set_index(keys)
    return shown, expected.set_index(keys)


def _rows(name: str, shown: pd.DataFrame, expected: pd.DataFrame, key: str, truth: str) -> list[str]:
    """Rows the CSV adds, repeats or leaves out."""
    found = []
    extra = shown.index.difference(expected.index)
    missing = expected.index.difference(shown.index)
    repeated = shown.index[shown.index.duplicated()].unique()
    for label, keys in (("rows not in the plan", extra), ("no row for", missing), ("repeated rows for", repeated)):
        if len(keys):
            shown_keys = ", ".join(_label(k) for k in keys[:SHOWN_ROWS]) + (" …" if len(keys) > SHOWN_ROWS else "")
            found.append(f"{name}: {label} ({key}) {shown_keys}; {truth} {len(expected)} rows")
    return found


def _differences(name: str, shown: pd.DataFrame, expected: pd.DataFrame, column: str, truth: str) -> list[str]:
    """One line per row of the CSV whose `column` is not the plan's (the first few, then a count)."""
    found = [
        f"{name}, line {line} ({_label(key)}): {column} is '{cut(value)}'; {truth} '{_shown(want)}'"
        for key, line, value, want in zip(
            shown.index[:SHOWN_ROWS], shown["line"], shown[column], expected[column].iloc[:SHOWN_ROWS]
        )
    ]
    if len(shown) > SHOWN_ROWS:
        found.append(f"{name}: {len(shown) - SHOWN_ROWS} more rows whose {column} is not the plan's")
    return found


def _label(key) -> str:
    return cut(" / ".join(map(str, key)) if isinstance(key, tuple) else key)


def _shown(value) -> str:
    return f"{value:.6f}" if isinstance(value, float) else cut(value)
