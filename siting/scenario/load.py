"""Turn a scenario YAML file into a checked, immutable Scenario (config + tables + input fingerprint)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from siting.errors import InputError, cut
from siting.scenario import overrides as variants
from siting.scenario.columns import TABLES
from siting.scenario.readers import read_input_bytes, read_table, resolve_input, sheet_row
from siting.scenario.schema import SERVICE_LABELS, ScenarioConfig, TableFile
from siting.scenario.suspicious import budget_warnings, degree_warnings, group_warnings, id_hint, uses_groups
from siting.scenario.tables import check_columns
from siting.scenario.yamlfile import read_yaml, validation_error


@dataclass(frozen=True)
class Scenario:
    """A loaded scenario: the checked config, the three tables and a fingerprint of every input byte.

    Attributes:
        config: the validated YAML.
        path: the scenario file.
        communities: index = community id; name, x, y, population and optional columns.
        buildings: index = building id; name, x, y, floor_area_m2.
        options: one row per (building, mode): building, mode, capex, annual_cost, floor_area_m2
            (the building's area where the option does not give its own).
        input_sha256: SHA-256 over the YAML and every table file, in a fixed order.
        existing: index = facility id; name, x, y, services (tuple of keys), capacity (NaN = unlimited),
            annual_cost, closable (bool), asset, floor_area_m2 (NaN = not given; used by the audit only);
            empty when the scenario has none.
        assets: index = asset id; name, value; empty when the scenario has none.
        overrides, sets: the named overrides and `--set` values merged into the YAML (siting.scenario.overrides).
        warnings: things that are allowed but look like mistakes (a budget below the cheapest option: was it
            meant in 万元?), one sentence each, for the console and the report.
    """

    config: ScenarioConfig
    path: Path
    communities: pd.DataFrame
    buildings: pd.DataFrame
    options: pd.DataFrame
    input_sha256: str
    existing: pd.DataFrame = field(default_factory=lambda: empty_existing())
    assets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["name", "value"]))
    warnings: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()
    sets: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.config.name


def read_config(path: Path, overrides: Iterable[str] = (), sets: Iterable[str] = ()) -> ScenarioConfig:
    """Parse the YAML file alone (no tables), merge the named overrides and `--set` values, validate."""
    where = str(path)
    if "\x00" in where:
        raise InputError("cannot use this path (it contains a NUL byte)", file=where)
    try:
        found = path.is_file()
    except (OSError, ValueError) as err:  # a NUL byte, a name too long
        raise InputError(f"cannot use this path ({cut(getattr(err, 'strerror', None) or err)})", file=where) from None
    if not found:
        raise InputError("scenario file not found", file=where)
    data = read_yaml(path, where)
    if not isinstance(data, dict):
        raise InputError("expected a mapping of keys (name, services, budget, communities, ...)", file=where)
    merged = variants.apply(data, overrides, sets, file=where)
    try:
        return ScenarioConfig.model_validate({**merged.document, **variants.definitions(data)})
    except ValidationError as err:
        raise merged.blamed(validation_error(err, where), [e["loc"] for e in err.errors()]) from None


def named_paths(config: ScenarioConfig) -> Iterator[tuple[str, str]]:
    """(scenario key, path as written) of every file the scenario names, tables first."""
    sources = {key: getattr(config, key) for key in ("communities", "buildings", "options", "assets", "existing")}
    sources["walking.od_table"] = config.walking.od_table
    if config.walking.network is not None:
        sources["walking.network.nodes"] = config.walking.network.nodes
        sources["walking.network.edges"] = config.walking.network.edges
    for key, source in sources.items():
        source = source.path if isinstance(source, TableFile) else source
        if isinstance(source, str):
            yield key, source
    if config.demand.shares is not None:
        yield "demand.shares", config.demand.shares


def load_scenario(
    path: str | Path, overrides: Iterable[str] = (), sets: Iterable[str] = (), *, allow_outside_paths: bool = False
) -> Scenario:
    """Load and check a scenario and all its tables, with named overrides and `--set` values merged first.

    Args:
        path: the scenario YAML file.
        overrides: names of the scenario's overrides to merge over it, in order (or comma-separated).
        sets: `key.path=value` changes merged last (siting.scenario.overrides).
        allow_outside_paths: accept files named by the scenario that lie outside its folder (after following
            symbolic links); by default they are refused, so that a scenario cannot make the tool read (and
            echo in its reports) files its author had no business naming.
    """
    path = Path(path)
    overrides, sets = variants.split_names(overrides), tuple(sets)
    config = read_config(path, overrides, sets)
    base = path.resolve().parent
    for key, name in named_paths(config):
        resolve_input(name, base_dir=base, label=key, allow_outside=allow_outside_paths)
    digest = hashlib.sha256()
    digest.update(read_input_bytes(path, str(path)))

    def table(key: str) -> tuple[pd.DataFrame, str]:
        source, columns = getattr(config, key), TABLES[key](config.crs)
        name = source.path if isinstance(source, TableFile) else source
        if isinstance(name, str):
            digest.update(read_input_bytes(resolve_input(name, base_dir=base, label=key, allow_outside=True), name))
        frame, where = read_table(source, base_dir=base, label=key, columns=columns)
        return check_columns(frame, columns, where), where

    communities, communities_where = table("communities")
    buildings, _ = table("buildings")
    options, options_where = table("options")
    assets = pd.DataFrame(columns=["name", "value"])
    if config.assets is not None:
        assets, _ = table("assets")
        assets = assets.set_index("id", drop=True)
    existing, left_out = empty_existing(), ()
    if config.existing is not None:
        existing, existing_where = table("existing")
        existing, left_out = _check_existing(existing, config, assets, existing_where)

    tables = ("communities", "buildings", "options", "assets", "existing")
    for key, name in named_paths(config):  # then walking distances and census shares: every input byte
        if key not in tables:
            digest.update(read_input_bytes(resolve_input(name, base_dir=base, label=key, allow_outside=True), name))

    communities = communities.set_index("id", drop=True)
    buildings = buildings.set_index("id", drop=True)
    clash = sorted(set(existing.index) & set(buildings.index))
    if clash:
        raise InputError(
            f"existing facility id(s) {cut(clash)} are also building ids; ids must differ",
            file=str(config.existing),
            field="id",
        )
    options = _check_options(options, buildings, assets, options_where)
    _check_communities(communities, config, communities_where)
    _check_policy(config, communities, buildings, options, communities_where, str(path))
    return Scenario(
        config=config,
        path=path,
        communities=communities,
        buildings=buildings,
        options=options,
        input_sha256=digest.hexdigest(),
        existing=existing,
        assets=assets,
        warnings=budget_warnings(config, options)
        + left_out
        + degree_warnings(communities, buildings, config.crs)
        + group_warnings(communities, config),
        overrides=overrides,
        sets=sets,
    )


def empty_existing() -> pd.DataFrame:
    """An existing-facilities table with no rows."""
    return pd.DataFrame(
        {
            c: pd.Series(dtype=object if c in ("name", "services", "asset") else float)
            for c in ("name", "x", "y", "services", "capacity", "annual_cost", "closable", "asset", "floor_area_m2")
        }
    ).rename_axis("id")


def split_list(text: str) -> tuple[str, ...]:
    """'a; b、c' -> ('a', 'b', 'c'): the separators for lists inside one table cell (; ； 、 and commas)."""
    for separator in ("；", "、", "，", ","):
        text = str(text).replace(separator, ";")
    return tuple(part.strip() for part in str(text).split(";") if part.strip())


def service_keys(config: ScenarioConfig) -> dict[str, str | None]:
    """Service key or label -> service key; a standard service the scenario does not plan -> None.

    Labels are the scenario's own and the standard names (养老服务站, Community meals, ...).
    """
    standard = {
        name: key if key in config.services else None
        for key, (zh, en) in SERVICE_LABELS.items()
        for name in (key, zh, en.lower())
    }
    own: dict[str, str] = {}
    for key, service in config.services.items():
        if service.label is not None:
            own.setdefault(service.label.en.strip().lower(), key)
            own.setdefault(service.label.zh.strip(), key)
    return {**standard, **own, **{key: key for key in config.services}}


def _check_existing(
    existing: pd.DataFrame, config: ScenarioConfig, assets: pd.DataFrame, where: str
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The existing facilities with their planned services, and warnings.

    A facility offering only standard services the scenario does not plan (a health station in a meals plan) is
    left out, with a warning naming its row.
    """
    existing = existing.copy()
    names = service_keys(config)
    services, warnings = [], []
    for position, text in enumerate(existing["services"]):
        given = split_list(text)
        keys = [names.get(k, names.get(k.lower(), "")) for k in given]
        unknown = [g for g, k in zip(given, keys) if k == ""]
        if not given or unknown:
            raise InputError(
                f"unknown service(s) {cut(unknown or '(none given)')}; expected ;-separated keys (or labels) of "
                f"{', '.join(config.services)}",
                file=where,
                row=sheet_row(existing, position),
                field="services",
            )
        services.append(tuple(dict.fromkeys(k for k in keys if k)))
        if not services[-1]:
            warnings.append(
                f"{where}, row {sheet_row(existing, position)}: existing facility {cut(existing['id'].iloc[position])} "
                f"offers none of the planned services ({cut('; '.join(given))}) and is left out"
            )
    existing["services"] = services
    for col, default in (("capacity", float("nan")), ("annual_cost", 0.0), ("floor_area_m2", float("nan"))):
        existing[col] = existing[col].fillna(default) if col in existing else default
    flag = existing["closable"] if "closable" in existing else pd.Series("", index=existing.index)
    existing["closable"] = flag.astype(str).str.lower().isin(["true", "yes", "1"])
    existing["asset"] = existing["asset"] if "asset" in existing else ""
    unknown = ((existing["asset"] != "") & ~existing["asset"].isin(assets.index)).to_numpy()
    if unknown.any():
        position = int(unknown.argmax())
        raise InputError(
            f"asset '{cut(existing['asset'].iloc[position])}' is not in the assets table",
            file=where,
            row=sheet_row(existing, position),
            field="asset",
        )
    columns = ["name", "x", "y", "services", "capacity", "annual_cost", "closable", "asset", "floor_area_m2"]
    planned = existing["services"].map(bool).to_numpy(bool)
    return existing.set_index("id", drop=True).loc[planned, columns], tuple(warnings)


def _check_policy(
    config: ScenarioConfig,
    communities: pd.DataFrame,
    buildings: pd.DataFrame,
    options: pd.DataFrame,
    where: str,
    config_where: str,
) -> None:
    policy = config.model.policy
    for key in ("must_choose", "must_not_choose"):
        unknown = [b for b in getattr(policy, key) if b not in buildings.index]
        if unknown:
            hint = id_hint(unknown[0], buildings.index)
            raise InputError(
                f"unknown building id(s) {cut(unknown)}{hint}", file=config_where, field=f"model.policy.{key}"
            )
    unoffered = [b for b in policy.must_choose if b not in set(options["building"])]
    if unoffered:
        raise InputError(
            f"building(s) {cut(unoffered)} have no option in the options table, so none can be acquired",
            file=config_where,
            field="model.policy.must_choose",
        )
    offered = set(zip(options["building"], options["mode"]))
    for building, mode in policy.must_choose_as.items():
        if (building, mode) not in offered:
            what = "is not in the buildings table" if building not in buildings.index else f"has no '{mode}' option"
            raise InputError(f"building {cut(building)} {what}", file=config_where, field="model.policy.must_choose_as")
    both = sorted((set(policy.must_choose) | set(policy.must_choose_as)) & set(policy.must_not_choose))
    if both:
        raise InputError(
            f"building(s) {cut(both)} are both required and forbidden",
            file=config_where,
            field="model.policy.must_choose",
        )
    phases = config.model.phases
    pilot = None if phases is None else phases.pilot
    if uses_groups(config) and policy.group_by not in communities:
        raise InputError(
            f"the equity rules group communities by '{cut(policy.group_by)}', which is not a column",
            file=where,
            field=policy.group_by,
        )
    known = set(communities[policy.group_by].dropna().astype(str)) if policy.group_by in communities else set()
    named = (
        ("model.policy.district_requires", policy.district_requires),
        ("model.phases.pilot.districts", pilot and pilot.districts),
    )
    for key, districts in named:
        unknown = sorted(set(districts or ()) - known)
        if unknown:
            raise InputError(
                f"unknown {cut(policy.group_by)}(s) {cut(unknown)}; the communities table has {cut(sorted(known))}",
                file=config_where,
                field=key,
            )


def _check_options(options: pd.DataFrame, buildings: pd.DataFrame, assets: pd.DataFrame, where: str) -> pd.DataFrame:
    known = options["building"].isin(buildings.index).to_numpy()
    if not known.all():
        position = int((~known).argmax())
        missing = options["building"].iloc[position]
        raise InputError(
            f"building '{cut(missing)}' is not in the buildings table{id_hint(missing, buildings.index)}",
            file=where,
            row=sheet_row(options, position),
            field="building",
        )
    dup = options.duplicated(["building", "mode"]).to_numpy()
    if dup.any():
        position = int(dup.argmax())
        raise InputError(
            f"building '{cut(options['building'].iloc[position])}' has mode "
            f"'{options['mode'].iloc[position]}' twice; give one row per building and mode",
            file=where,
            row=sheet_row(options, position),
            field="mode",
        )
    options = options.copy()
    if "annual_cost" not in options:
        options["annual_cost"] = 0.0
    area = buildings["floor_area_m2"].reindex(options["building"]).to_numpy()
    if "floor_area_m2" in options:
        area = options["floor_area_m2"].fillna(pd.Series(area, index=options.index)).to_numpy()
    options["floor_area_m2"] = area
    if "capacity" not in options:
        options["capacity"] = float("nan")
    traded = [split_list(v) for v in options["assets"]] if "assets" in options else [()] * len(options)
    for position, (ids, mode) in enumerate(zip(traded, options["mode"])):
        unknown = [a for a in ids if a not in assets.index]
        if unknown:
            raise InputError(
                f"asset(s) {cut(unknown)} are not in the assets table",
                file=where,
                row=sheet_row(options, position),
                field="assets",
            )
        if ids and mode != "swap":
            raise InputError(
                f"only swap options trade assets; this option's mode is '{mode}'",
                file=where,
                row=sheet_row(options, position),
                field="assets",
            )
    options["assets"] = traded
    cols = ["building", "mode", "capex", "annual_cost", "floor_area_m2", "capacity", "assets"]
    return options[cols].reset_index(drop=True)


def _check_communities(communities: pd.DataFrame, config: ScenarioConfig, where: str) -> None:
    """Each community needs some way to size every group its services use (the demand model checks more)."""
    for col in ("population", "households"):
        if col not in communities:
            communities[col] = float("nan")
    sizing = communities["population"].notna() | communities["households"].notna()
    if not sizing.all():
        groups = {s.population for s in config.services.values()}
        given = pd.Series(True, index=communities.index)
        for group in groups - {"total"}:
            given &= communities[group].notna() if group in communities else False
        bad = (~(sizing | given)).to_numpy()
        if bad.any():
            raise InputError(
                "no population, households or group counts; expected a population "
                "(or households) to estimate demand from",
                file=where,
                row=sheet_row(communities, int(np.flatnonzero(bad)[0])),
                field="population",
            )


def patched(scenario: Scenario, patch: dict[str, Any]) -> Scenario:
    """The scenario with `patch` merged into its config (re-validated), recorded as `--set` texts.

    Each key the patch sets becomes one `key.path=value` text in the scenario's sets (replacing an earlier one
    for the same key), so `siting run SCENARIO --set ...` with the recorded texts plans the same scenario.

    Raises:
        InputError: the patched config is not valid (each problem names its key and what the patch set).
    """
    texts = {path: f"{'.'.join(path)}={_flow(_get(patch, path))}" for path in variants.leaf_paths(patch)}
    try:
        config = ScenarioConfig.model_validate(variants.deep_merge(scenario.config.model_dump(mode="json"), patch))
    except ValidationError as err:  # e.g. a frontier's --budgets beyond what a budget may be
        error = validation_error(err, str(scenario.path))
        for problem in error.problems or [error]:
            problem.message += f" (the command set {', '.join(texts.values())})"
        raise error from None
    kept = tuple(text for text in scenario.sets if variants.parse_set(text)[0] not in texts)
    return dataclasses.replace(scenario, config=config, sets=(*kept, *texts.values()))


def _get(document: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


def _flow(value: Any) -> str:
    """A value as one line of YAML: 12000000, null, [min_cost, max_coverage], {B019: build}."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:  # beyond, 1e+308 not 309 digits
        value = int(value)
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1_000_000, sort_keys=False)
    return text.strip().removesuffix("...").strip()
