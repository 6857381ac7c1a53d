"""Named overrides and --set: merged before the scenario is checked; bad names, keys and clashes are errors."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import make_scenario, run_main
from test_model_tiny import ELDERLY, building, community, option

from siting.errors import InputError
from siting.scenario.load import load_scenario
from siting.scenario.overrides import (
    apply,
    deep_merge,
    document_sha256,
    effective_document,
    leaf_paths,
    parse_set,
    split_names,
)

OVERRIDES = {
    "rent_only": {"model": {"policy": {"max_by_mode": {"buy": 0, "build": 0}}}},
    "more_money": {"budget": {"capex": 500}},
    "more_money_too": {"budget": {"capex": 700, "annual": 9}},
    "whole_budget": {"budget": {"capex": 1, "annual": 1}},
    "typo": {"budget": {"capx": 1}},
    "bad_value": {"budget": {"capex": -5}},
}


@pytest.fixture
def path(tmp_path):
    return make_scenario(
        tmp_path,
        communities=[community("C1", 0, 100), community("C2", 2000, 60)],
        buildings=[building("B1", 0), building("B2", 2000)],
        options=[option("B1", "buy", 100), option("B1", "rent", 10, 20), option("B2", "renovate", 60)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 150, "annual": 10},
        overrides=OVERRIDES,
    )


def test_merge_keeps_what_an_override_does_not_set():
    base = {"budget": {"capex": 1, "annual": 2}, "name": "x"}
    assert deep_merge(base, {"budget": {"capex": 5}}) == {"budget": {"capex": 5, "annual": 2}, "name": "x"}
    assert deep_merge(base, {"budget": 3}) == {"budget": 3, "name": "x"}  # not a mapping: replaces
    assert leaf_paths({"a": {"b": 1, "c": {}}, "d": [1]}) == [("a", "b"), ("a", "c"), ("d",)]
    assert split_names(["a,b", " c ", ""]) == ("a", "b", "c")


def test_overrides_and_sets_apply_in_order(path):
    scenario = load_scenario(path, ["rent_only,more_money"], ["budget.annual=30", "model.objectives=[max_coverage]"])
    cfg = scenario.config
    assert cfg.budget.capex == 500 and cfg.budget.annual == 30 and cfg.budget.horizon_years == 10
    assert cfg.model.policy.max_by_mode == {"buy": 0, "build": 0}
    assert cfg.model.objectives == ("max_coverage",)
    assert scenario.overrides == ("rent_only", "more_money")
    assert scenario.sets == ("budget.annual=30", "model.objectives=[max_coverage]")
    assert scenario.input_sha256 == load_scenario(path).input_sha256  # the same files; what differs is hashed
    base = load_scenario(path).config  # into scenario_sha256
    assert document_sha256(effective_document(cfg)) != document_sha256(effective_document(base))
    assert set(cfg.overrides) == set(OVERRIDES)  # the definitions stay listed


def test_a_set_may_change_a_key_an_override_set(path):
    assert load_scenario(path, ["more_money"], ["budget.capex=250"]).config.budget.capex == 250


def test_parse_set_reads_yaml_values():
    assert parse_set("budget.capex=45000000") == (("budget", "capex"), 45000000)
    assert parse_set("model.policy.max_by_mode={buy: 0}") == (("model", "policy", "max_by_mode"), {"buy": 0})
    assert parse_set("name=a=b") == (("name",), "a=b")
    for bad in ("budget.capex", "=3", "budget..capex=1", "a=[1"):
        with pytest.raises(InputError, match="--set"):
            parse_set(bad)


@pytest.mark.parametrize(
    ("names", "sets", "message"),
    [
        (["nope"], [], "unknown override 'nope' \\(overrides: bad_value, more_money, more_money_too"),
        (["more_money", "more_money_too"], [], "overrides 'more_money_too' and 'more_money' both set 'budget.capex'"),
        (["more_money_too", "whole_budget"], [], "both set 'budget.(capex|annual)'"),
        (["typo"], [], "field 'budget.capx': unknown key .* \\(set by override 'typo'\\)"),
        (["bad_value"], [], "field 'budget.capex': expected a number ≥ 0.* \\(set by override 'bad_value'\\)"),
        ([], ["budget.capx=1"], "field 'budget.capx': unknown key .* \\(set by --set budget.capx=1\\)"),
        ([], ["budget.capex.x=1"], "'budget.capex' is a value, not a section"),
        ([], ["budget.capex=1", "budget.capex=2"], "'budget.capex' is set twice"),
        ([], ["services.elderly_care.radius_m=far"], "radius_m.*\\(set by --set services.elderly_care.radius_m=far\\)"),
    ],
)
def test_bad_overrides_and_sets_are_input_errors(path, names, sets, message):
    with pytest.raises(InputError, match=message):
        load_scenario(path, names, sets)


def test_prefix_clash_between_overrides():
    document = {"overrides": {"a": {"budget": {"capex": 1}}, "b": {"budget": {"capex": {"x": 1}}}, "c": {"budget": 3}}}
    with pytest.raises(InputError, match="both set 'budget'"):
        apply(document, ["a", "c"])
    with pytest.raises(InputError, match="both set 'budget.capex'"):
        apply(document, ["a", "b"])


def test_a_scenario_without_overrides_names_none(tmp_path):
    path = make_scenario(
        tmp_path,
        communities=[community("C1", 0, 100)],
        buildings=[building("B1", 0)],
        options=[option("B1", "buy", 100)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 150},
    )
    with pytest.raises(InputError, match="no overrides section"):
        load_scenario(path, ["x"])


def test_run_writes_the_effective_scenario_and_its_hash(path, tmp_path):
    out = tmp_path / "out"
    done = run_main("run", path, "--override", "more_money", "--set", "budget.annual=25", "--out", out)
    assert done.returncode == 0, done.stderr
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["overrides"] == ["more_money"] and plan["sets"] == ["budget.annual=25"]
    assert plan["budget"]["capex"] == 500 and plan["budget"]["annual"] == 25
    effective = yaml.safe_load((out / "scenario.yaml").read_text(encoding="utf-8"))
    assert effective["budget"]["capex"] == 500 and "overrides" not in effective
    assert run_main("verify", out).returncode == 0  # re-checked with the same override and --set
    # The written scenario is the one planned: loading it from the original folder gives the same hash.
    copy = path.parent / "effective.yaml"
    copy.write_text((out / "scenario.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert run_main("run", copy, "--out", tmp_path / "again").returncode == 0
    again = json.loads((tmp_path / "again" / "plan.json").read_text(encoding="utf-8"))
    assert again["scenario_sha256"] == plan["scenario_sha256"]
    assert again["selected"] == plan["selected"]


def test_cli_names_the_unknown_override_and_key(path, tmp_path):
    done = run_main("run", path, "--override", "rent_only,missing", "--out", tmp_path / "x")
    assert done.returncode == 2 and "unknown override 'missing'" in done.stderr and not (tmp_path / "x").exists()
    done = run_main("run", path, "--override", "typo", "--out", tmp_path / "x")
    assert done.returncode == 2 and "budget.capx" in done.stderr and "override 'typo'" in done.stderr
