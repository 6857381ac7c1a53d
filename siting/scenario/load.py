"""Turn a scenario YAML file into a checked, immutable Scenario (config + tables + input fingerprint)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
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
    """

    config: ScenarioConfig
    path: Path
    communities: pd.DataFrame
    buildings: pd.DataFrame
    options: pd.DataFrame
    input_sha256: str

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.config.name


def read_config(path: Path) -> ScenarioConfig:
    """Parse and validate the YAML file alone (no tables)."""
    where = str(path)
    if not path.is_file():
        raise InputError("scenario file not found", file=where)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text; save the scenario as UTF-8", file=where) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(f"not valid YAML: {getattr(err, 'problem', err)}", file=where, line=line) from None
    if not isinstance(data, dict):
        raise InputError("expected a mapping of keys (name, services, budget, communities, ...)", file=where)
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

    communities, _ = table("communities", COMMUNITY_COLUMNS)
    buildings, _ = table("buildings", BUILDING_COLUMNS)
    options, options_where = table("options", OPTION_COLUMNS)

    communities = communities.set_index("id", drop=True)
    buildings = buildings.set_index("id", drop=True)
    options = _check_options(options, buildings, options_where)
    _check_communities(communities, config, str(config.communities))
    return Scenario(config=config, path=path, communities=communities, buildings=buildings,
                    options=options, input_sha256=digest.hexdigest())


def _check_options(options: pd.DataFrame, buildings: pd.DataFrame, where: str) -> pd.DataFrame:
    known = options["building"].isin(buildings.index).to_numpy()
    if not known.all():
        row = int((~known).argmax()) + 1
        raise InputError(f"building '{options['building'].iloc[row - 1]}' is not in the buildings table",
                         file=where, row=row, field="building")
    dup = options.duplicated(["building", "mode"]).to_numpy()
    if dup.any():
        row = int(dup.argmax()) + 1
        raise InputError(f"building '{options['building'].iloc[row - 1]}' has mode "
                         f"'{options['mode'].iloc[row - 1]}' twice; give one row per building and mode",
                         file=where, row=row, field="mode")
    options = options.copy()
    if "annual_cost" not in options:
        options["annual_cost"] = 0.0
    area = buildings["floor_area_m2"].reindex(options["building"]).to_numpy()
    if "floor_area_m2" in options:
        area = options["floor_area_m2"].fillna(pd.Series(area, index=options.index)).to_numpy()
    options["floor_area_m2"] = area
    cols = ["building", "mode", "capex", "annual_cost", "floor_area_m2"]
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
            raise InputError("no population, households or group counts; expected a population "
                             "(or households) to estimate demand from", file=where, row=row, field="population")
