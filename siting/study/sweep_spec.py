"""The sweep file (SPEC.yaml) and the tasks it stands for: every scenario × overrides × variant × budget.

    name: pilot-cities
    scenarios: [cities/]              # files, or folders (every *.yaml / *.yml in them and below)
    overrides: [[], [rent_only]]      # lists of named overrides; [] = the base scenario
    variants: [low, central, high]    # demand.variant; absent = each scenario's own
    budgets: [20000000:60000000:10000000, 80000000]   # budget.capex in 元; absent = each scenario's own

Paths are relative to the SPEC file. Each task has a cache key: the SHA-256 of its scenario's bytes (the YAML
and every table it references, siting.study.bundle), the shipped demography defaults, its overrides, variant
and budget, the solver and its options, the report language and the siting version. The same key means the
same plan, so a finished task is never solved twice.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, field_validator

from siting import __version__
from siting.demand.defaults import DEFAULTS_PATH
from siting.errors import InputError
from siting.frozen import Frozen
from siting.scenario.tables import MONEY_LIMIT
from siting.scenario.yamlfile import read_model
from siting.solvers import SolveOptions
from siting.study.bundle import Bundle, read_bundle
from siting.study.ranges import parse_range

VARIANTS: tuple[str, ...] = ("low", "central", "high")
MAX_TASKS = 100_000
SCENARIO_SUFFIXES = (".yaml", ".yml")


class SweepSpec(Frozen):
    """A sweep: every combination of scenario, overrides, variant and budget is one task."""

    name: Annotated[str, Field(min_length=1)] = "sweep"
    """Title of the sweep's report."""
    description: str = ""
    """Free text shown in the report."""
    scenarios: Annotated[tuple[str, ...], Field(min_length=1)]
    """Scenario files, or folders standing for every *.yaml / *.yml file in them and below; relative to this file."""
    overrides: Annotated[tuple[tuple[str, ...], ...], Field(min_length=1)] = ((),)
    """Lists of named overrides (each scenario's `overrides:` section), applied in order; [] = the base."""
    variants: tuple[Literal["low", "central", "high"], ...] | None = None
    """Demand projection variants (demand.variant); absent = each scenario's own."""
    budgets: tuple[float | str, ...] | None = None
    """One-off budgets (budget.capex) in 元: numbers or FROM:TO:STEP ranges (TO included); absent = each
    scenario's own."""

    @field_validator("overrides", mode="before")
    @classmethod
    def _lists(cls, value):
        if isinstance(value, (list, tuple)):
            return [v.split(",") if isinstance(v, str) else v for v in value]
        return value

    @field_validator("overrides")
    @classmethod
    def _names(cls, value: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        cleaned = tuple(tuple(n.strip() for n in names if n.strip()) for names in value)
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("the same list of overrides is given twice")
        return cleaned

    @field_validator("variants")
    @classmethod
    def _distinct(cls, value):
        if value is not None and len(set(value)) != len(value):
            raise ValueError("each variant may appear once")
        if value is not None and not value:
            raise ValueError("give at least one variant, or leave the key out for each scenario's own")
        return value

    @field_validator("budgets")
    @classmethod
    def _budgets(cls, value):
        if value is None:
            return None
        if not value:
            raise ValueError("give at least one budget, or leave the key out for each scenario's own")
        values = sorted({b for item in value for b in parse_budget(item)})
        if len(values) > MAX_TASKS:
            raise ValueError(f"{len(values)} budgets; at most {MAX_TASKS}")
        return tuple(values)


def parse_budget(item: float | str) -> list[float]:
    """A budget in 元, or 'FROM:TO:STEP' (siting.study.ranges.parse_range); values rounded to whole 分 (0.01 元).

    Raises:
        ValueError: not a number >= 0 and <= 1e12 元 (as budget.capex) nor a range of them.
    """
    if isinstance(item, str) and ":" in item:
        values = parse_range(item, MAX_TASKS)
    else:
        try:
            values = [float(item)]
        except ValueError:
            raise ValueError(f"expected a budget in 元 or FROM:TO:STEP, got {item!r}") from None
    if not (np.isfinite(values[0]) and 0 <= values[0] and values[-1] <= MONEY_LIMIT):  # as budget.capex may be
        raise ValueError(f"expected budgets >= 0 元 and <= {MONEY_LIMIT:g} 元, got {item!r}")
    return [round(v, 2) for v in values]


def read_spec(path: Path) -> SweepSpec:
    """Read and check a sweep file.

    Raises:
        InputError: the file is missing, not YAML, or a key is unknown or has a bad value (named).
    """
    return read_model(
        path, SweepSpec, missing="sweep file not found", keys="keys (scenarios, overrides, variants, budgets)"
    )


def scenario_files(spec: SweepSpec, spec_path: Path) -> list[Path]:
    """The scenario files the spec names, relative to it, each once, in order (a folder's sorted, the spec left out).

    Raises:
        InputError: a path that does not exist, or a folder without any YAML file.
    """
    found: dict[Path, None] = {}
    itself, where = Path(spec_path).resolve(), str(spec_path)
    for i, name in enumerate(spec.scenarios):
        path = (itself.parent / name).resolve()
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*") if p.suffix in SCENARIO_SUFFIXES and p.is_file() and p.resolve() != itself
            )
            if not files:
                raise InputError(f"folder '{name}' holds no *.yaml scenario", file=where, field=f"scenarios.{i}")
            found.update(dict.fromkeys(files))
        elif path.is_file():
            found[path] = None
        else:
            raise InputError(f"'{name}' is neither a scenario file nor a folder", file=where, field=f"scenarios.{i}")
    return list(found)


def scenario_labels(paths: list[Path]) -> dict[Path, str]:
    """Each scenario's name in the sweep: the fewest trailing parts of its path that tell it from the others.

    A file named scenario.yaml is named by its folder: cities/hangzhou/scenario.yaml -> 'hangzhou' (or
    'cities/hangzhou' when another city is also called hangzhou); demo.yaml -> 'demo'.
    """
    parts = {}
    for path in paths:
        names = list(path.with_suffix("").parts)
        parts[path] = names[:-1] if len(names) > 1 and names[-1] == "scenario" else names
    labels = {}
    for path, names in parts.items():
        for depth in range(1, len(names) + 1):
            tail = names[-depth:]
            if sum(other[-depth:] == tail for other in parts.values()) == 1:
                break
        labels[path] = "/".join(tail)
    return labels


@dataclass(frozen=True)
class Task:
    """One plan of the sweep.

    Attributes:
        scenario: the scenario's label (scenario_label).
        overrides: named overrides, in order.
        variant: demand variant, or None for the scenario's own.
        budget: one-off budget in 元, or None for the scenario's own.
        bundle: the scenario bundle's SHA-256.
        key: the cache key (task_key).
    """

    scenario: str
    overrides: tuple[str, ...]
    variant: str | None
    budget: float | None
    bundle: str
    key: str

    @property
    def overrides_label(self) -> str:
        """'rent_only+more_money', or 'base' for none."""
        return "+".join(self.overrides) or "base"

    @property
    def folder(self) -> str:
        """The plan folder under the sweep's output: plans/<scenario>/<overrides>/<variant>/<budget>."""
        variant = self.variant or "scenario-variant"
        budget = "scenario-budget" if self.budget is None else budget_text(self.budget)
        parts = [*self.scenario.split("/"), self.overrides_label, variant, budget]
        return "/".join(["plans", *(_safe(p) for p in parts)])


def budget_text(value: float) -> str:
    """A budget as folder names and --set values write it: 35000000, 1234.5 (budgets are whole 分)."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}".rstrip("0")


def _safe(part: str) -> str:
    """A path segment that cannot climb out of the output folder or hold odd characters."""
    part = re.sub(r"[^\w.+-]", "_", part)
    return "_" if part in ("", ".", "..") else part


def task_key(
    bundle: Bundle,
    overrides: tuple[str, ...],
    variant: str | None,
    budget: float | None,
    solver: str,
    options: SolveOptions,
    lang: str,
    allow_outside: bool = False,
) -> str:
    """SHA-256 of everything a task's plan depends on (see the module docstring)."""
    defaults = hashlib.sha256(DEFAULTS_PATH.read_bytes()).hexdigest() if DEFAULTS_PATH.is_file() else ""
    document = {
        "bundle": bundle.sha256,
        "demography_defaults": defaults,
        "overrides": list(overrides),
        "variant": variant,
        "budget": budget,
        "solver": solver,
        "time_limit_s": options.time_limit_s,
        "mip_rel_gap": options.mip_rel_gap,
        "threads": options.threads,
        "seed": options.seed,
        "lang": lang,
        "allow_outside_paths": allow_outside,
        "siting_version": __version__,
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def expand(
    spec: SweepSpec, spec_path: Path, *, solver: str, options: SolveOptions, lang: str, allow_outside: bool = False
) -> tuple[list[Task], dict[str, Bundle]]:
    """Every task of the spec in its fixed order, and the scenario bundles by hash.

    `allow_outside`: scenarios may name files outside their folder (siting.study.bundle.read_bundle).

    Order: scenario label, then overrides as listed, variant (low, central, high), budget ascending.

    Raises:
        InputError: a scenario path is missing, or two tasks would share a plan folder.
    """
    files = scenario_files(spec, spec_path)
    labelled = sorted((label, path) for path, label in scenario_labels(files).items())
    bundles: dict[str, Bundle] = {}
    tasks: list[Task] = []
    for label, path in labelled:
        bundle = read_bundle(path, allow_outside=allow_outside)
        bundles[bundle.sha256] = bundle
        for overrides in spec.overrides:
            for variant in sorted(spec.variants, key=VARIANTS.index) if spec.variants else (None,):
                for budget in spec.budgets or (None,):
                    key = task_key(bundle, overrides, variant, budget, solver, options, lang, allow_outside)
                    tasks.append(Task(label, overrides, variant, budget, bundle.sha256, key))
    if len(tasks) > MAX_TASKS:
        raise InputError(f"{len(tasks)} tasks; at most {MAX_TASKS}", file=str(spec_path))
    folders: dict[str, Task] = {}
    for task in tasks:
        other = folders.setdefault(task.folder, task)
        if other is not task:
            raise InputError(
                f"scenarios '{other.scenario}' and '{task.scenario}' would share the plan folder {task.folder}; "
                "rename one",
                file=str(spec_path),
                field="scenarios",
            )
    return tasks, bundles
