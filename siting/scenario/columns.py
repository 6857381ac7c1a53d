"""The columns of the scenario's tables, each with its kind, unit, physical bounds and meaning.

`TABLES` names every table a scenario can give (by its scenario key) and the columns it declares: the loader
checks the tables against these lists, and `siting schema` describes each table's columns from them, so the
schema cannot drift from what is read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from siting.scenario.aliases import COLUMN_ALIASES, VALUE_ALIASES
from siting.scenario.schema import MODES
from siting.scenario.tables import (
    AREA_LIMIT_M2,
    DISTANCE_LIMIT_M,
    MONEY_LIMIT,
    PERSONS_LIMIT,
    UNITS_LIMIT,
    Column,
    coordinate_columns,
)


def _persons(name: str, description: str) -> Column:
    return Column(
        name, min=0, max=PERSONS_LIMIT, unit="persons", required=False, allow_missing=True, description=description
    )


def _money(name: str, description: str, unit: str = "元", required: bool = True, allow_missing: bool = False) -> Column:
    return Column(
        name, min=0, max=MONEY_LIMIT, unit=unit, required=required, allow_missing=allow_missing, description=description
    )


def _text(name: str, description: str, required: bool = False) -> Column:
    return Column(name, "text", required=required, allow_missing=not required, description=description)


def _floor_area(description: str, required: bool = False) -> Column:
    return Column(
        "floor_area_m2",
        min=0,
        min_exclusive=True,
        max=AREA_LIMIT_M2,
        unit="m²",
        required=required,
        allow_missing=not required,
        description=description,
    )


def _id(what: str) -> Column:
    return Column("id", "id", description=f"{what} id: non-empty text, unique in the table.")


def _name(what: str) -> Column:
    return _text("name", f"{what} name, shown in the reports.", required=True)


BOOLEAN_WORDS = ("true", "false", "yes", "no", "1", "0")
CAPACITY = Column(
    "capacity",
    min=0,
    max=UNITS_LIMIT,
    unit="units",
    required=False,
    allow_missing=True,
    description="Demand units it can serve per hosted service (places, daily meals); empty = not limited by a "
    "capacity of its own.",
)


def community_columns(crs: str) -> list[Column]:
    """id, name, x, y [, population, households, district, street, group counts, built_year]."""
    return [
        _id("Community"),
        _name("Community (社区)"),
        *coordinate_columns(crs),
        _persons("population", "Residents (常住人口); the demand model estimates the groups from it."),
        _persons("households", "Households (户数); × the household size gives residents where population is empty."),
        _text("district", "Sub-district (街道): groups communities for the equity rules and the reports."),
        _text("street", "Street or other area, e.g. for demand.calibration margins."),
        _persons("elderly", "Persons aged 60 and over, when known (else estimated from census shares)."),
        _persons("elderly_65", "Persons aged 65 and over, when known."),
        _persons("elderly_80", "Persons aged 80 and over, when known."),
        _persons("infant", "Infants aged 0-2, when known (else estimated from census shares)."),
        Column(
            "built_year",
            "int",
            min=1000,
            max=2200,
            unit="year",
            required=False,
            allow_missing=True,
            description="Year the residential compound was built (demand.attribute_multipliers may use it).",
        ),
    ]


def building_columns(crs: str) -> list[Column]:
    """id, name, x, y, floor_area_m2."""
    return [
        _id("Building"),
        _name("Candidate building"),
        *coordinate_columns(crs),
        _floor_area("Floor area the building offers, m².", required=True),
    ]


OPTION_COLUMNS = [
    Column("building", "text", description="Id of the building (buildings table) this option acquires."),
    Column(
        "mode",
        "choice",
        choices=MODES,
        description="Acquisition mode: renovate 改造, buy 购置, rent 租赁, swap 置换 or build 补建; one row per "
        "building and mode.",
    ),
    _money("capex", "One-off cost (purchase, fit-out, construction), 元; a header may say (万元)."),
    _money("annual_cost", "Yearly cost (rent, operation), 元/年; no such column = 0.", unit="元/年", required=False),
    _floor_area("Floor area this option gives, m², overriding the building's."),
    CAPACITY,
    _text("assets", "Government assets (ids of the assets table, ;-separated) a swap trades away."),
]


def existing_columns(crs: str) -> list[Column]:
    """id, name, x, y, services [, capacity, annual_cost, closable, asset, floor_area_m2 (read by the audit)]."""
    return [
        _id("Facility"),
        _name("Existing facility"),
        *coordinate_columns(crs),
        Column("services", "text", description="Services it provides: service keys or labels, ;-separated."),
        CAPACITY,
        _money(
            "annual_cost",
            "Yearly cost, 元/年: freed when the facility is closed.",
            unit="元/年",
            required=False,
            allow_missing=True,
        ),
        Column(
            "closable",
            "choice",
            required=False,
            allow_missing=True,
            choices=BOOLEAN_WORDS,
            description="Whether the plan may close it (true/false, 是/否); empty = false.",
        ),
        _text("asset", "Id of the government asset (assets table) it is housed in: trading the asset closes it."),
        _floor_area("Floor area, m² (read by `siting audit` only)."),
    ]


ASSET_COLUMNS = [
    _id("Asset"),
    _name("Government asset"),
    _money("value", "Value, 元 (shown to the reader; the model does not use it).", required=False, allow_missing=True),
]


def _walk(name: str, description: str, unit: str = "m") -> Column:
    """An optional walking distance (m) or time (min: a tenth of the distance bound, at ≥ 10 m a minute)."""
    limit = DISTANCE_LIMIT_M if unit == "m" else DISTANCE_LIMIT_M / 10
    return Column(name, required=False, min=0.0, max=limit, unit=unit, description=description)


OD_COLUMNS = [
    Column("community", kind="text", description="Id of the community (communities table)."),
    Column("building", kind="text", description="Id of the building or existing facility."),
    _walk("walk_m", "Walking distance, m (give this column or walk_min)."),
    _walk("walk_min", "Walking time, minutes at walking.speed_kmh (give this column or walk_m).", unit="min"),
]

EDGE_COLUMNS = [
    Column("from", kind="text", description="Node id of one end of the edge (edges are undirected)."),
    Column("to", kind="text", description="Node id of the other end."),
    _walk("length_m", "Walking length, m; absent = the straight line between the two nodes."),
]


def node_columns(crs: str) -> list[Column]:
    """id, x, y of a walking network's nodes."""
    return [_id("Node"), *coordinate_columns(crs)]


TABLES: dict[str, Callable[[str], list[Column]]] = {
    "communities": community_columns,
    "buildings": building_columns,
    "options": lambda crs: OPTION_COLUMNS,
    "existing": existing_columns,
    "assets": lambda crs: ASSET_COLUMNS,
    "walking.od_table": lambda crs: OD_COLUMNS,
    "walking.network.nodes": node_columns,
    "walking.network.edges": lambda crs: EDGE_COLUMNS,
}
"""Scenario key of each table -> its columns for a crs ("planar" or "lonlat")."""


def column_schema(key: str) -> dict[str, dict[str, Any]]:
    """JSON Schema of one row of the table `key`: each declared column with its meaning, unit and bounds.

    A fact that depends on the crs (the coordinates' bounds and unit) is left to the description. Cells may be
    text or numbers (numbers may be written with thousands separators); other names of a column and of its
    values are listed under `x-aliases` and `x-value-aliases`.
    """
    per_crs = [TABLES[key](crs) for crs in ("planar", "lonlat")]
    out: dict[str, dict[str, Any]] = {}
    for column, other in zip(*per_crs, strict=True):
        same = column == other
        prop: dict[str, Any] = {
            "description": column.description,
            "type": ["string", "number", "boolean", "null"] if column.kind != "id" else ["string", "number"],
            "x-required": column.required,
        }
        if same and column.unit:
            prop["unit"] = column.unit
        if same and column.min is not None:
            prop["exclusiveMinimum" if column.min_exclusive else "minimum"] = column.min
        if same and column.max is not None:
            prop["maximum"] = column.max
        if column.choices:
            prop["x-choices"] = list(column.choices)
        if column.name in VALUE_ALIASES:
            prop["x-value-aliases"] = VALUE_ALIASES[column.name]
        if column.name in COLUMN_ALIASES:
            prop["x-aliases"] = list(COLUMN_ALIASES[column.name])
        out[column.name] = prop
    return out


def column_summary(key: str) -> str:
    """The columns of table `key` in one sentence: required ones, then optional ones in brackets."""
    columns = TABLES[key]("planar")
    required = ", ".join(c.name for c in columns if c.required)
    optional = ", ".join(c.name for c in columns if not c.required)
    listed = required + (f" [, {optional}]" if optional else "")
    return f"Columns (each described, with its unit and bounds, under the list form's items): {listed}."


def describe_tables(schema: dict[str, Any]) -> dict[str, Any]:
    """The scenario's JSON Schema with each table's columns described (the schema is changed in place).

    Each table key's description ends with its columns, and the inline form (a list of rows) declares them as
    the rows' properties, each with its description, unit and bounds (column_schema).
    """
    for key in TABLES:
        *parents, node = key.split(".")
        place = schema
        for parent in parents:
            ref = _reference(place["properties"][parent])
            place = schema["$defs"][ref.rsplit("/", 1)[-1]]
        prop = place["properties"][node]
        prop["description"] = f"{prop['description'].rstrip()} {column_summary(key)}"
        rows = next(b for b in prop.get("anyOf", [prop]) if b.get("type") == "array")
        rows["items"] = {"type": "object", "additionalProperties": True, "properties": column_schema(key)}
    return schema


def _reference(prop: dict[str, Any]) -> str:
    """The $ref of a property that is a model or null."""
    return next(b["$ref"] for b in [prop, *prop.get("anyOf", [])] if "$ref" in b)
