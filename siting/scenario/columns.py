"""The columns of the scenario's five tables, each with its kind, its unit and its physical bounds."""

from __future__ import annotations

from siting.scenario.schema import MODES
from siting.scenario.tables import (
    AREA_LIMIT_M2,
    MONEY_LIMIT,
    PERSONS_LIMIT,
    UNITS_LIMIT,
    Column,
    coordinate_columns,
)


def _persons(name: str) -> Column:
    return Column(name, min=0, max=PERSONS_LIMIT, unit="persons", required=False, allow_missing=True)


def _money(name: str, unit: str = "元", required: bool = True, allow_missing: bool = False) -> Column:
    return Column(name, min=0, max=MONEY_LIMIT, unit=unit, required=required, allow_missing=allow_missing)


def _text(name: str, required: bool = False) -> Column:
    return Column(name, "text", required=required, allow_missing=not required)


CAPACITY = Column("capacity", min=0, max=UNITS_LIMIT, unit="units", required=False, allow_missing=True)
BOOLEAN_WORDS = ("true", "false", "yes", "no", "1", "0")


def community_columns(crs: str) -> list[Column]:
    """id, name, x, y [, population, households, district, street, group counts, built_year]."""
    return [
        Column("id", "id"),
        _text("name", required=True),
        *coordinate_columns(crs),
        _persons("population"),
        _persons("households"),
        _text("district"),
        _text("street"),
        *(_persons(group) for group in ("elderly", "elderly_65", "elderly_80", "infant")),
        Column("built_year", "int", min=1000, max=2200, unit="year", required=False, allow_missing=True),
    ]


def building_columns(crs: str) -> list[Column]:
    """id, name, x, y, floor_area_m2."""
    return [
        Column("id", "id"),
        _text("name", required=True),
        *coordinate_columns(crs),
        Column("floor_area_m2", min=0, min_exclusive=True, max=AREA_LIMIT_M2, unit="m²"),
    ]


OPTION_COLUMNS = [
    Column("building", "text"),
    Column("mode", "choice", choices=MODES),
    _money("capex"),
    _money("annual_cost", unit="元/年", required=False),
    Column(
        "floor_area_m2", min=0, min_exclusive=True, max=AREA_LIMIT_M2, unit="m²", required=False, allow_missing=True
    ),
    CAPACITY,
    _text("assets"),
]


def existing_columns(crs: str) -> list[Column]:
    """id, name, x, y, services [, capacity, annual_cost, closable, asset, floor_area_m2 (read by the audit)]."""
    return [
        Column("id", "id"),
        _text("name", required=True),
        *coordinate_columns(crs),
        Column("services", "text"),
        CAPACITY,
        _money("annual_cost", unit="元/年", required=False, allow_missing=True),
        Column("closable", "choice", required=False, allow_missing=True, choices=BOOLEAN_WORDS),
        _text("asset"),
        Column(
            "floor_area_m2", min=0, min_exclusive=True, max=AREA_LIMIT_M2, unit="m²", required=False, allow_missing=True
        ),
    ]


ASSET_COLUMNS = [Column("id", "id"), _text("name", required=True), _money("value", required=False, allow_missing=True)]
