"""`siting schema`: print the JSON Schema of the scenario format (for programs that write scenarios)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from siting.report.write import write_text_file
from siting.scenario.columns import describe_tables
from siting.scenario.schema import ScenarioConfig

NAME = "schema"
HELP = "print the JSON Schema of the scenario YAML format"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `siting schema`."""
    parser.add_argument("--out", type=Path, default=None, help="write to this file instead of printing")


def scenario_schema() -> dict:
    """JSON Schema generated from the pydantic scenario classes and the tables' column definitions."""
    schema = describe_tables(ScenarioConfig.model_json_schema())
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "siting scenario (v1)"
    return schema


def main(args: argparse.Namespace) -> int:
    """Print or write the schema."""
    text = json.dumps(scenario_schema(), ensure_ascii=False, indent=2) + "\n"
    if args.out:
        write_text_file(args.out, text)
    else:
        print(text, end="")
    return 0
