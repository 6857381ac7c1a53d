"""`siting schema`: every key and every table column described, with the bounds the loader applies."""

from __future__ import annotations

import csv
import json

import jsonschema
import pytest
import yaml
from conftest import DEMO, run_main

from siting.cli.schema import scenario_schema
from siting.frozen import Frozen
from siting.scenario.aliases import COLUMN_ALIASES
from siting.scenario.columns import TABLES
from siting.scenario.schema import ScenarioConfig


def properties(node, path: str = "") -> list[tuple[str, dict]]:
    """Every property in a JSON Schema, at any depth ($defs, anyOf branches and the rows of inline tables)."""
    found = []
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            found.append((f"{path}.{name}", prop))
        for key, child in node.items():
            found += properties(child, f"{path}/{key}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            found += properties(child, f"{path}[{i}]")
    return found


def model_fields(model: type[Frozen], seen: set | None = None) -> int:
    """Fields of a configuration class and of every configuration class its fields hold, each class once."""
    seen = set() if seen is None else seen
    if model in seen:
        return 0
    seen.add(model)
    count = len(model.model_fields)
    for field in model.model_fields.values():
        for inner in _classes(field.annotation):
            count += model_fields(inner, seen)
    return count


def _classes(annotation) -> list[type[Frozen]]:
    if isinstance(annotation, type) and issubclass(annotation, Frozen):
        return [annotation]
    return [c for arg in getattr(annotation, "__args__", ()) for c in _classes(arg)]


@pytest.fixture(scope="module")
def schema() -> dict:
    result = run_main("schema")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed == json.loads(json.dumps(scenario_schema(), ensure_ascii=False))
    return printed


def test_every_property_and_every_table_column_has_a_description(schema):
    found = properties(schema)
    columns = sum(len(columns("planar")) for columns in TABLES.values())
    # the count is made independently of the schema: the classes' fields plus the declared columns
    assert len(found) == model_fields(ScenarioConfig) + columns
    missing = [path for path, prop in found if not str(prop.get("description", "")).strip()]
    assert not missing, missing


def table_property(schema: dict, key: str) -> dict:
    *parents, name = key.split(".")
    place = schema
    for parent in parents:
        ref = next(
            b["$ref"]
            for b in [place["properties"][parent], *place["properties"][parent].get("anyOf", [])]
            if "$ref" in b
        )
        place = schema["$defs"][ref.rsplit("/", 1)[-1]]
    return place["properties"][name]


@pytest.mark.parametrize("key", TABLES)
def test_each_table_lists_the_columns_the_loader_reads(schema, key):
    prop = table_property(schema, key)
    rows = next(b for b in prop["anyOf"] if b.get("type") == "array")["items"]["properties"]
    declared = TABLES[key]("planar")
    assert list(rows) == [c.name for c in declared]
    for column in declared:
        assert column.name in prop["description"]
        row = rows[column.name]
        assert row["x-required"] is column.required
        assert row.get("x-aliases", []) == list(COLUMN_ALIASES.get(column.name, ()))
        if column.name not in ("x", "y"):  # their bounds depend on the crs: said in the description
            assert row.get("unit") == column.unit
            assert row.get("maximum") == column.max
            assert row.get("exclusiveMinimum" if column.min_exclusive else "minimum") == column.min


def inline_demo() -> dict:
    """The demo scenario with its tables written inline (as rows of text cells)."""
    doc = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for key in ("communities", "buildings", "options", "existing", "assets"):
        with (DEMO.parent / doc[key]).open(encoding="utf-8-sig") as fh:
            doc[key] = [{k: v for k, v in row.items() if v != ""} for row in csv.DictReader(fh)]
    return doc


def test_the_demo_validates_against_the_schema_and_a_value_out_of_bounds_does_not(schema):
    doc = inline_demo()
    jsonschema.validate(doc, schema)
    doc["options"][0]["capex"] = -5
    with pytest.raises(jsonschema.ValidationError, match="minimum"):
        jsonschema.validate(doc, schema)
