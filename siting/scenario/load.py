"""Turn a scenario YAML file into a checked, immutable Scenario (config + tables + input fingerprint)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml
from pydantic import ValidationError

from siting.errors import InputError
from siting.scenario.schema import MODES, ScenarioConfig, TableFile
from siting.scenario.tables import Column, check_columns, read_table

COMMUNITY_COLUMNS = [
    Column("id", "id"),
    Column("name", "text"),
    Column("x"),
    Column("y"),
    Column("population", min=0, required=False, allow_missing=True),
    Column("households", min=0, required=False, allow_missing=True),
    Column("district", "text", required=False, allow_missing=True),
    Column("street", "text", required=False, allow_missing=True),
    Column("elderly", min=0, required=False, allow_missing=True),
    Column("elderly_65", min=0, required=False, allow_missing=True),
    Column("elderly_80", min=0, required=False, allow_missing=True),
    Column("infant", min=0, required=False, allow_missing=True),
    Column("built_year", "int", required=False, allow_missing=True),
]
BUILDING_COLUMNS = [
    Column("id", "id"),
    Column("name", "text"),
    Column("x"),
    Column("y"),
    Column("floor_area_m2", min=0, min_exclusive=True),
]
OPTION_COLUMNS = [
    Column("building", "text"),
    Column("mode", "choice", choices=MODES),
    Column("capex", min=0),
    Column("annual_cost", min=0, required=False),
    Column("floor_area_m2", min=0, min_exclusive=True, required=False, allow_missing=True),
    Column("capacity", min=0, required=False, allow_missing=True),
    Column("assets", "text", required=False, allow_missing=True),
]
EXISTING_COLUMNS = [
    Column("id", "id"),
    Column("name", "text"),
    Column("x"),
    Column("y"),
    Column("services", "text"),
    Column("capacity", min=0, required=False, allow_missing=True),
    Column("annual_cost", min=0, required=False, allow_missing=True),
    Column(
        "closable",
        "choice",
        required=False,
        allow_missing=True,
        choices=("true", "false", "yes", "no", "1", "0", "True", "False", "TRUE", "FALSE"),
    ),
    Column("asset", "text", required=False, allow_missing=True),
]
ASSET_COLUMNS = [
    Column("id", "id"),
    Column("name", "text"),
    Column("value", min=0, required=False, allow_missing=True),
]


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
            annual_cost, closable (bool), asset; empty when the scenario has none.
        assets: index = asset id; name, value; empty when the scenario has none.
    """

    config: ScenarioConfig
    path: Path
    communities: pd.DataFrame
    buildings: pd.DataFrame
    options: pd.DataFrame
    input_sha256: str
    existing: pd.DataFrame = field(default_factory=lambda: empty_existing())
    assets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["name", "value"]))

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.config.name


def read_mapping(path: Path, expected: str, what: str = "scenario") -> dict:
    """A YAML file holding a mapping, parsed; `expected` says which keys, `what` what the file is.

    Raises:
        InputError: the file is missing, not UTF-8, not YAML (with the line) or not a mapping.
    """
    where = str(path)
    if not Path(path).is_file():
        raise InputError(f"{what} file not found", file=where)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"not UTF-8 text; save the {what} as UTF-8", file=where) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(f"not valid YAML: {getattr(err, 'problem', err)}", file=where, line=line) from None
    if not isinstance(data, dict):
        raise InputError(f"expected a mapping of keys ({expected})", file=where)
    return data


def read_config(path: Path) -> ScenarioConfig:
    """Parse and validate the YAML file alone (no tables)."""
    where = str(path)
    data = read_mapping(path, "name, services, budget, communities, ...")
    try:
        return ScenarioConfig.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        message = _pydantic_message(first)
        more = len(err.errors()) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise InputError(message, file=where, field=field) from None


def _pydantic_message(error: dict) -> str:
    kind, msg = error["type"], error["msg"]
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; `siting schema` lists the keys)"
    if kind == "missing":
        return "required key is missing"
    got = error.get("input")
    text = msg.removeprefix("Value error, ")
    if not isinstance(got, (dict, list)):
        text += f" (got {got!r})"
    return text


def load_scenario(path: str | Path) -> Scenario:
    """Load and check a scenario and all its tables."""
    path = Path(path)
    config = read_config(path)
    base = path.resolve().parent
    digest = hashlib.sha256()
    digest.update(path.read_bytes())

    def table(key: str, columns: list[Column]) -> tuple[pd.DataFrame, str]:
        source = getattr(config, key)
        sheet = None
        if isinstance(source, TableFile):
            source, sheet = source.path, source.sheet
        if isinstance(source, str):
            digest.update((base / source).read_bytes() if (base / source).is_file() else b"")
        frame, where = read_table(source, base_dir=base, label=key, sheet=sheet)
        return check_columns(frame, columns, where), where

    communities, communities_where = table("communities", COMMUNITY_COLUMNS)
    buildings, _ = table("buildings", BUILDING_COLUMNS)
    options, options_where = table("options", OPTION_COLUMNS)
    assets = empty = pd.DataFrame(columns=["name", "value"])
    if config.assets is not None:
        assets, _ = table("assets", ASSET_COLUMNS)
        assets = assets.set_index("id", drop=True)
    existing = empty_existing()
    if config.existing is not None:
        existing, existing_where = table("existing", EXISTING_COLUMNS)
        existing = _check_existing(existing, config, assets, existing_where)
    del empty

    communities = communities.set_index("id", drop=True)
    buildings = buildings.set_index("id", drop=True)
    clash = sorted(set(existing.index) & set(buildings.index))
    if clash:
        raise InputError(
            f"existing facility id(s) {clash} are also building ids; ids must differ",
            file=str(config.existing),
            field="id",
        )
    options = _check_options(options, buildings, assets, options_where)
    _check_communities(communities, config, communities_where)
    _check_policy(config, communities, buildings, communities_where)
    return Scenario(
        config=config,
        path=path,
        communities=communities,
        buildings=buildings,
        options=options,
        input_sha256=digest.hexdigest(),
        existing=existing,
        assets=assets,
    )


def empty_existing() -> pd.DataFrame:
    """An existing-facilities table with no rows."""
    return pd.DataFrame(
        {
            c: pd.Series(dtype=object if c in ("name", "services", "asset") else float)
            for c in ("name", "x", "y", "services", "capacity", "annual_cost", "closable", "asset")
        }
    ).rename_axis("id")


def split_list(text: str) -> tuple[str, ...]:
    """'a; b;c' -> ('a', 'b', 'c'): the separator for lists inside one table cell."""
    return tuple(part.strip() for part in str(text).replace("；", ";").split(";") if part.strip())


def _check_existing(existing: pd.DataFrame, config: ScenarioConfig, assets: pd.DataFrame, where: str) -> pd.DataFrame:
    existing = existing.copy()
    services = [split_list(v) for v in existing["services"]]
    for row, keys in enumerate(services, start=1):
        unknown = [k for k in keys if k not in config.services]
        if not keys or unknown:
            raise InputError(
                f"unknown service(s) {unknown or '(none given)'}; expected ;-separated keys of "
                f"{', '.join(config.services)}",
                file=where,
                row=row,
                field="services",
            )
    existing["services"] = services
    for col, default in (("capacity", float("nan")), ("annual_cost", 0.0)):
        existing[col] = existing[col].fillna(default) if col in existing else default
    flag = existing["closable"] if "closable" in existing else pd.Series("", index=existing.index)
    existing["closable"] = flag.astype(str).str.lower().isin(["true", "yes", "1"])
    existing["asset"] = existing["asset"] if "asset" in existing else ""
    unknown = (existing["asset"] != "") & ~existing["asset"].isin(assets.index)
    if unknown.any():
        row = int(unknown.to_numpy().argmax()) + 1
        raise InputError(
            f"asset '{existing['asset'].iloc[row - 1]}' is not in the assets table", file=where, row=row, field="asset"
        )
    return existing.set_index("id", drop=True)[
        ["name", "x", "y", "services", "capacity", "annual_cost", "closable", "asset"]
    ]


def _check_policy(config: ScenarioConfig, communities: pd.DataFrame, buildings: pd.DataFrame, where: str) -> None:
    policy = config.model.policy
    for key in ("must_choose", "must_not_choose"):
        unknown = [b for b in getattr(policy, key) if b not in buildings.index]
        if unknown:
            raise InputError(f"unknown building id(s) {unknown}", file="scenario", field=f"model.policy.{key}")
    both = sorted(set(policy.must_choose) & set(policy.must_not_choose))
    if both:
        raise InputError(
            f"building(s) {both} are both required and forbidden", file="scenario", field="model.policy.must_choose"
        )
    needs_groups = policy.district_min_share or policy.district_requires or "max_min_share" in config.model.objectives
    if needs_groups and policy.group_by not in communities:
        raise InputError(
            f"the equity rules group communities by '{policy.group_by}', which is not a column",
            file=where,
            field=policy.group_by,
        )
    if policy.district_requires:
        known = set(communities[policy.group_by])
        unknown = sorted(set(policy.district_requires) - known)
        if unknown:
            raise InputError(
                f"unknown {policy.group_by}(s) {unknown}", file="scenario", field="model.policy.district_requires"
            )


def _check_options(options: pd.DataFrame, buildings: pd.DataFrame, assets: pd.DataFrame, where: str) -> pd.DataFrame:
    known = options["building"].isin(buildings.index).to_numpy()
    if not known.all():
        row = int((~known).argmax()) + 1
        raise InputError(
            f"building '{options['building'].iloc[row - 1]}' is not in the buildings table",
            file=where,
            row=row,
            field="building",
        )
    dup = options.duplicated(["building", "mode"]).to_numpy()
    if dup.any():
        row = int(dup.argmax()) + 1
        raise InputError(
            f"building '{options['building'].iloc[row - 1]}' has mode "
            f"'{options['mode'].iloc[row - 1]}' twice; give one row per building and mode",
            file=where,
            row=row,
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
    for row, (ids, mode) in enumerate(zip(traded, options["mode"]), start=1):
        unknown = [a for a in ids if a not in assets.index]
        if unknown:
            raise InputError(f"asset(s) {unknown} are not in the assets table", file=where, row=row, field="assets")
        if ids and mode != "swap":
            raise InputError(
                f"only swap options trade assets; this option's mode is '{mode}'", file=where, row=row, field="assets"
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
        bad = ~(sizing | given)
        if bad.any():
            row = int(bad.to_numpy().argmax()) + 1
            raise InputError(
                "no population, households or group counts; expected a population "
                "(or households) to estimate demand from",
                file=where,
                row=row,
                field="population",
            )
