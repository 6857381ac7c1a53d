"""Property-based bad input (hypothesis): thousands of generated broken tables, YAML files and command lines, each
built to be wrong in one way (its class). Every one must end in exit 2 or 3 with a short `siting: error:` message,
no traceback, and the output folder untouched. The CLI runs in process (milliseconds per run), deterministically
(`derandomize=True`). `test_the_record` at the end prints inputs tried per class and their exit codes.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import signal
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml
from conftest import run_main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siting.scenario.aliases import VALUE_ALIASES, normalise
from siting.scenario.columns import TABLES as TABLE_COLUMNS
from siting.scenario.schema import ScenarioConfig
from siting.scenario.tables import parse_number

RECORD: dict[str, Counter] = defaultdict(Counter)
MARKER = "an earlier result that a failed run must leave as it is"

TABLES = {
    "communities": [
        ["id", "name", "x", "y", "population", "households", "district", "built_year", "elderly", "infant"],
        ["C1", "甲社区", "0", "0", "4000", "1600", "东街道", "1985", "700", "90"],
        ["C2", "乙社区", "1000", "0", "3000", "1200", "东街道", "1990", "500", "60"],
        ["C3", "丙社区", "2000", "500", "2000", "", "西街道", "", "", ""],
    ],
    "buildings": [
        ["id", "name", "x", "y", "floor_area_m2"],
        ["B1", "甲楼", "300", "0", "400"],
        ["B2", "乙楼", "1000", "0", "700"],
        ["B3", "丙楼", "2000", "400", "320"],
    ],
    "options": [
        ["building", "mode", "capex", "annual_cost", "capacity", "assets"],
        ["B1", "renovate", "1000000", "100000", "", ""],
        ["B1", "rent", "400000", "300000", "", ""],
        ["B2", "swap", "500000", "0", "80", "A1"],
        ["B3", "build", "900000", "50000", "", ""],
    ],
    "existing": [
        ["id", "name", "x", "y", "services", "capacity", "annual_cost", "closable", "asset"],
        ["E1", "老食堂", "1500", "0", "elderly_care", "30", "20000", "true", "A1"],
    ],
    "assets": [["id", "name", "value"], ["A1", "旧址", "5000000"]],
}
COLUMNS = {key: TABLE_COLUMNS[key]("planar") for key in TABLES}
CONFIG = {
    "name": "fuzz",
    "crs": "planar",
    "walking": {"detour_factor": 1.2},
    "services": {
        "elderly_care": {
            "label": {"zh": "养老", "en": "Elderly care"},
            "population": "elderly",
            "radius_m": 800,
            "uptake": 0.05,
            "min_area_m2": 300,
        },
        "childcare": {"population": "infant", "radius_m": 500, "per_1000_residents": 4.5, "min_area_m2": 200},
    },
    "budget": {"capex": 2_000_000, "annual": 400_000},
    **{name: f"{name}.csv" for name in TABLES},
}
FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)

# ------------------------------------------------------------------ running one input


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    """A folder for the generated scenarios, and an --out folder holding an earlier result."""
    base = tmp_path_factory.mktemp("fuzz")
    out = base / "out"
    out.mkdir()
    (out / "plan.json").write_text(MARKER, encoding="utf-8")
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield base
    assert {s: signal.getsignal(s) for s in previous} == previous, "a signal handler leaked out of a run"


def write_tables(folder: Path, tables: dict[str, list[list[str]]]) -> None:
    for name, rows in tables.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)


def errors(stderr: str) -> list[str]:
    """stderr's lines without the warnings (a scenario may warn, e.g. of an unused budget, before it is refused)."""
    return [line for line in stderr.splitlines() if not line.startswith("siting: warning: ")]


def attempt(
    place: Path, kind: str, *, config=CONFIG, tables=None, text=None, argv=(), files=None, command="run"
) -> None:
    """Write one scenario, run `siting COMMAND` (run by default) on it, and check the refusal."""
    folder = Path(tempfile.mkdtemp(dir=place))
    try:
        write_tables(folder, TABLES if tables is None else tables)
        for name, content in (files or {}).items():
            (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        scenario = folder / "scenario.yaml"
        if text is None:
            text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
        scenario.write_text(text, encoding="utf-8")
        result = run_main(command, scenario, "--out", place / "out", *argv)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    RECORD[kind][result.returncode] += 1
    lines = errors(result.stderr)
    assert result.returncode in (2, 3), (kind, result.returncode, result.stderr[-3000:])
    assert "Traceback" not in result.stderr and lines and lines[0].startswith("siting: error: "), result.stderr
    assert len(lines) <= 12 and max(map(len, lines)) <= 700, result.stderr[:3000]
    assert [p.name for p in (place / "out").iterdir()] == ["plan.json"]
    assert (place / "out" / "plan.json").read_text(encoding="utf-8") == MARKER
    assert sorted(p.name for p in place.iterdir()) == ["out"]  # no temporary folder left beside --out


def with_cell(table: str, row: int, column: str, value: str) -> dict[str, list[list[str]]]:
    tables = {k: [list(r) for r in v] for k, v in TABLES.items()}
    header = tables[table][0]
    tables[table][row][header.index(column)] = value
    return tables


# ------------------------------------------------------------------ strategies

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
MISSING = {"", "nan", "none", "null", "-", "—"}


def parses(text: str) -> bool:
    """The value reads as a finite number (after the separators and full-width digits the reader accepts)."""
    return math.isfinite(parse_number(text.strip()))


def cells_of(kinds: tuple[str, ...]) -> list[tuple[str, str]]:
    """(table, column) of the base tables' columns whose declared kind is one of `kinds`."""
    found = []
    for table, columns in COLUMNS.items():
        for col in columns:
            if col.kind in kinds and col.name in TABLES[table][0]:
                found.append((table, col.name))
    return found


def spec(table: str, column: str):
    return next(c for c in COLUMNS[table] if c.name == column)


NUMBER_CELLS = cells_of(("number", "int"))


@st.composite
def not_a_number(draw):
    table, column = draw(st.sampled_from(NUMBER_CELLS))
    col = spec(table, column)
    text = draw(TEXT.filter(lambda t: not parses(t) and (t.strip().lower() not in MISSING or not col.allow_missing)))
    return table, column, text


@st.composite
def out_of_range(draw):
    table, column = draw(st.sampled_from(NUMBER_CELLS))
    col = spec(table, column)
    choices = [st.just(float("inf")), st.just(float("-inf"))]
    if col.max is not None:
        choices.append(st.floats(min_value=col.max, exclude_min=True, allow_infinity=False))
    if col.min is not None:
        choices.append(st.floats(max_value=col.min, exclude_max=not col.min_exclusive, allow_infinity=False))
    value = draw(st.one_of(choices).filter(lambda v: v == v))
    return table, column, repr(value)


REQUIRED_CELLS = [(t, c.name) for t, cols in COLUMNS.items() for c in cols if c.required and not c.allow_missing]
MODE_SPELLINGS = {normalise(m) for m in spec("options", "mode").choices} | set(map(normalise, VALUE_ALIASES["mode"]))
BOOL_SPELLINGS = {"true", "false", "yes", "no", "1", "0"} | set(map(normalise, VALUE_ALIASES["closable"]))


@st.composite
def bad_choice(draw):
    column = draw(st.sampled_from(["mode", "closable"]))
    known = MODE_SPELLINGS if column == "mode" else BOOL_SPELLINGS | {normalise(m) for m in MISSING}
    text = draw(TEXT.filter(lambda t: normalise(t) not in known and t.strip()))
    return ("options" if column == "mode" else "existing"), column, text


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(TEXT, kids, max_size=4),
    max_leaves=20,
)
SCALAR = st.none() | st.booleans() | st.integers() | st.floats() | TEXT


# ------------------------------------------------------------------ tables


@FUZZ
@given(case=not_a_number(), row=st.integers(1, 3))
def test_cell_not_a_number(place, case, row):
    table, column, text = case
    attempt(place, "table cell: not a number", tables=with_cell(table, min(row, len(TABLES[table]) - 1), column, text))


@FUZZ
@given(case=out_of_range(), row=st.integers(1, 3))
def test_cell_out_of_physical_range(place, case, row):
    table, column, text = case
    attempt(place, "table cell: out of range", tables=with_cell(table, min(row, len(TABLES[table]) - 1), column, text))


@FUZZ
@given(cell=st.sampled_from(REQUIRED_CELLS), blank=st.sampled_from(["", " ", "\t", "  \u3000"]), row=st.integers(1, 3))
def test_cell_empty_where_required(place, cell, blank, row):
    table, column = cell
    attempt(place, "table cell: empty", tables=with_cell(table, min(row, len(TABLES[table]) - 1), column, blank))


@FUZZ
@given(case=bad_choice())
def test_cell_not_one_of_the_choices(place, case):
    table, column, text = case
    attempt(place, "table cell: unknown choice", tables=with_cell(table, 1, column, text))


@FUZZ
@given(
    case=st.sampled_from(
        [("communities", "id", "C1"), ("buildings", "id", "B1"), ("options", "building", "B9")]
        + [("existing", "asset", "A9"), ("options", "assets", "A1;A7"), ("existing", "services", "library")]
    ),
    row=st.integers(2, 3),
    noise=st.sampled_from(["", " "]),
)
def test_cell_duplicate_or_unknown_reference(place, case, row, noise):
    table, column, value = case
    attempt(
        place,
        "table cell: duplicate id or unknown reference",
        tables=with_cell(table, min(row, len(TABLES[table]) - 1), column, noise + value),
    )


@FUZZ
@given(
    cell=st.sampled_from([(t, c.name) for t, cols in COLUMNS.items() for c in cols if c.required]),
    how=st.integers(0, 2),
)
def test_header_missing_or_repeated(place, cell, how):
    table, column = cell
    tables = {k: [list(r) for r in v] for k, v in TABLES.items()}
    at = tables[table][0].index(column)
    if how == 0:  # the column removed
        tables[table] = [r[:at] + r[at + 1 :] for r in tables[table]]
    else:  # repeated as written, or by another name
        other = column if how == 1 else {"x": "经度", "y": "纬度", "id": "编号", "name": "名称"}.get(column, column)
        tables[table] = [r + [other if i == 0 else r[at]] for i, r in enumerate(tables[table])]
    attempt(place, "table header: column missing or repeated", tables=tables)


@FUZZ
@given(
    cell=st.sampled_from(NUMBER_CELLS),
    unit=TEXT.filter(lambda u: "(" not in u and ")" not in u and "[" not in u and "]" not in u),
)
def test_header_with_a_unit_not_understood(place, cell, unit):
    from siting.scenario.aliases import unit_factor

    table, column = cell
    col = spec(table, column)
    if unit_factor(unit, col.unit or "") is not None:
        unit = unit + " furlongs"
    tables = {k: [list(r) for r in v] for k, v in TABLES.items()}
    tables[table][0][tables[table][0].index(column)] = f"{column}({unit})"
    attempt(place, "table header: unit not understood", tables=tables)


@FUZZ
@given(table=st.sampled_from(list(TABLES)), extra=TEXT.filter(lambda t: t.strip() != ""), row=st.integers(1, 3))
def test_row_longer_than_the_header(place, table, extra, row):
    tables = {k: [list(r) for r in v] for k, v in TABLES.items()}
    tables[table][min(row, len(tables[table]) - 1)] += ["", extra]
    attempt(place, "table row: value beyond the header", tables=tables)


@FUZZ
@given(
    table=st.sampled_from(list(TABLES)),
    content=st.binary(max_size=300),
    suffix=st.sampled_from([".csv", ".xlsx", ".geojson"]),
)
def test_file_of_random_bytes(place, table, content, suffix):
    config = {**CONFIG, table: f"{table}{suffix}"}
    attempt(place, "table file: random bytes", config=config, files={f"{table}{suffix}": content})


@FUZZ
@given(table=st.sampled_from(["communities", "buildings", "options"]), doc=JSON)
def test_geojson_of_any_shape(place, table, doc):
    config = {**CONFIG, table: f"{table}.geojson"}
    attempt(place, "table file: JSON of any shape", config=config, files={f"{table}.geojson": json.dumps(doc)})


@FUZZ
@given(
    table=st.sampled_from(["communities", "buildings", "options", "existing", "assets"]),
    rows=st.lists(st.dictionaries(TEXT, SCALAR, max_size=6), max_size=5),
)
def test_inline_table_of_random_rows(place, table, rows):
    attempt(place, "inline table: random rows", config={**CONFIG, table: rows})


@FUZZ
@given(table=st.sampled_from(list(TABLES)), name=TEXT)
def test_table_path_of_any_text(place, table, name):
    if name.strip() in {f"{t}.csv" for t in TABLES} | {"scenario.yaml"}:
        name = "../" + name
    attempt(place, "table path: any text", config={**CONFIG, table: name})


@FUZZ
@given(
    axis=st.sampled_from(["x", "y"]),
    table=st.sampled_from(["communities", "buildings", "existing"]),
    value=st.floats(allow_nan=False),
)
def test_lonlat_beyond_the_globe(place, axis, table, value):
    limit = 180 if axis == "x" else 90
    if abs(value) <= limit:
        value = limit + 1 + abs(value)
    tables = {k: [list(r) for r in v] for k, v in TABLES.items()}
    for rows in tables.values():  # every point on the globe but one
        if "x" in rows[0]:
            for r in rows[1:]:
                r[rows[0].index("x")], r[rows[0].index("y")] = "116.4", "39.9"
    tables[table][1][tables[table][0].index(axis)] = repr(value)
    attempt(place, "lon/lat beyond ±180/±90", config={**CONFIG, "crs": "lonlat"}, tables=tables)


# ------------------------------------------------------------------ the YAML

LEAVES = [
    ("name",),
    ("crs",),
    ("walking", "detour_factor"),
    ("services", "elderly_care", "radius_m"),
    ("services", "elderly_care", "uptake"),
    ("services", "elderly_care", "min_area_m2"),
    ("services", "elderly_care", "population"),
    ("services", "childcare", "per_1000_residents"),
    ("budget", "capex"),
    ("budget", "annual"),
    ("walking", "speed_kmh"),
    ("demand", "year"),
    ("demand", "household_size"),
    ("model", "objectives"),
    ("model", "policy", "max_facilities"),
    ("communities",),
    ("services",),
    ("budget",),
]


def put(config: dict, path: tuple[str, ...], value) -> dict:
    doc = json.loads(json.dumps(config))
    node = doc
    for key in path[:-1]:
        node = node.setdefault(key, {})
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


DELETE = object()
REQUIRED_KEYS = [("name",), ("services",), ("budget",), ("budget", "capex"), ("communities",), ("options",)]
REQUIRED_KEYS += [("services", "elderly_care", k) for k in ("population", "radius_m", "min_area_m2", "uptake")]


def wrong_for(path: tuple[str, ...]):
    """Values wrong for a key: the wrong type, or a number outside its physical range."""
    numbers = st.one_of(
        st.floats(max_value=-1e-9), st.floats(min_value=1e13), st.just(float("nan")), st.just(float("inf"))
    )
    structures = st.lists(SCALAR, max_size=3) | st.dictionaries(TEXT, SCALAR, min_size=1, max_size=3)
    if path[-1] in ("name",):
        return structures | st.just("")
    if path[-1] in ("crs", "population"):
        return (
            TEXT.filter(
                lambda t: t not in ("planar", "lonlat", "elderly", "elderly_65", "elderly_80", "infant", "total")
            )
            | structures
        )
    if path[-1] == "objectives":
        return st.lists(
            TEXT.filter(lambda t: t not in ("max_coverage", "min_cost", "min_distance", "max_min_share")),
            min_size=1,
            max_size=3,
        ) | st.just([])
    if path[-1] in ("communities",):
        return st.integers() | st.just([]) | st.lists(st.integers(), min_size=1, max_size=3)
    if path[-1] in ("services", "budget"):
        return st.lists(SCALAR, max_size=3) | TEXT | st.integers() | st.just({})
    return numbers | structures | TEXT.filter(lambda t: not parses(t))


@FUZZ
@given(data=st.data(), path=st.sampled_from(LEAVES))
def test_yaml_value_of_the_wrong_kind(place, data, path):
    attempt(place, "YAML: wrong value", config=put(CONFIG, path, data.draw(wrong_for(path))))


SCHEMA = ScenarioConfig.model_json_schema()
KNOWN_KEYS = set(SCHEMA["properties"]) | {k for d in SCHEMA["$defs"].values() for k in d.get("properties", {})}


@FUZZ
@given(
    level=st.sampled_from(
        [(), ("budget",), ("walking",), ("services", "elderly_care"), ("services", "elderly_care", "label")]
    ),
    key=TEXT.filter(lambda k: k.strip() and k not in {"zh", "en"}),
    value=SCALAR,
)
def test_yaml_unknown_key(place, level, key, value):
    doc = json.loads(json.dumps(CONFIG))
    node = doc
    for part in level:
        node = node.setdefault(part, {})
    if key in node or key in KNOWN_KEYS:
        key = key + "_typo"
    node[key] = value
    attempt(place, "YAML: unknown key", config=doc)


@FUZZ
@given(path=st.sampled_from(REQUIRED_KEYS))
def test_yaml_required_key_missing(place, path):
    attempt(place, "YAML: required key missing", config=put(CONFIG, path, DELETE))


@FUZZ
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_yaml_file_of_random_text(place, text):
    attempt(place, "YAML: random text", text=text)


@FUZZ
@given(depth=st.integers(65, 3000), mapping=st.booleans(), key=st.sampled_from(["name", "description", "budget"]))
def test_yaml_nested_too_deep(place, depth, mapping, key):
    nested = ("{a: " * depth + "1" + "}" * depth) if mapping else ("[" * depth + "]" * depth)
    base = yaml.safe_dump({k: v for k, v in CONFIG.items() if k != key}, allow_unicode=True, sort_keys=False)
    attempt(place, "YAML: nested too deep", text=f"{key}: {nested}\n{base}")


@FUZZ
@given(fan=st.integers(2, 12), levels=st.integers(2, 12), where=st.sampled_from(["description", "communities", "x"]))
def test_yaml_aliases_that_expand_too_far(place, fan, levels, where):
    while fan**levels <= 150_000:
        levels += 1
    anchors = "anchors:\n  l0: &l0 [lol, lol]\n" + "".join(
        f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * fan)}]\n" for i in range(1, levels + 1)
    )
    use = f"*l{levels}"
    body = {k: v for k, v in CONFIG.items() if k != where}
    text = anchors + yaml.safe_dump(body, allow_unicode=True, sort_keys=False)
    text += f"{where}: {use}\n" if where != "communities" else f"communities:\n- {{id: C1, name: {use}, x: 0, y: 0}}\n"
    attempt(place, "YAML: alias bomb", text=text)


@FUZZ
@given(
    key=st.sampled_from(["name", "budget", "services", "crs", "communities"]), value=st.sampled_from(["x", "1", "[]"])
)
def test_yaml_key_given_twice(place, key, value):
    base = yaml.safe_dump(CONFIG, allow_unicode=True, sort_keys=False)
    attempt(place, "YAML: key given twice", text=base + f"{key}: {value}\n")


# ------------------------------------------------------------------ the command line

OPTION_VALUES = {
    "--threads": st.one_of(
        st.integers(max_value=0),
        st.integers(min_value=1025),
        TEXT.filter(lambda t: not t.strip().lstrip("+").isdigit()),
    ),
    "--time-limit": st.one_of(
        st.floats(max_value=0),
        st.floats(min_value=1e7, exclude_min=True),
        st.just(float("nan")),
        TEXT.filter(lambda t: not parses(t)),
    ),
    "--gap": st.one_of(
        st.floats(max_value=0, exclude_max=True),
        st.floats(min_value=1, exclude_min=True),
        st.just(float("nan")),
        TEXT.filter(lambda t: not parses(t)),
    ),
    "--solver": TEXT.filter(lambda t: t not in ("highs", "cbc", "ortools", "ortools-cpsat")),
}


@FUZZ
@given(data=st.data(), option=st.sampled_from(list(OPTION_VALUES)))
def test_command_line_option_out_of_range(place, data, option):
    value = data.draw(OPTION_VALUES[option])
    attempt(place, "CLI: bad option value", argv=(f"{option}={value}",))


FLAGS = ("--debug", "--allow-outside-paths", "--help", "-h")  # options without a value: a prefix of one is valid


@FUZZ
@given(words=st.lists(st.from_regex(r"-{1,2}[A-Za-z0-9][\w-]{0,12}", fullmatch=True), min_size=1, max_size=3))
def test_command_line_unknown_options(place, words):
    words = [w + "zz" if any(flag.startswith(w) for flag in FLAGS) else w for w in words]
    attempt(place, "CLI: unknown option", argv=tuple(words))


@settings(FUZZ, max_examples=25)
@given(share=st.floats(0.5, 1.0), service=st.sampled_from(["elderly_care", "childcare"]))
def test_infeasible_requirements_exit_3(place, share, service):
    config = put(put(CONFIG, ("services", service, "min_share"), share), ("budget", "capex"), 0)
    attempt(place, "requirements that cannot be met (exit 3)", config=config)


def test_the_record(capsys):
    """Print what was tried (the lead's figures) and check the total: thousands of inputs, every one refused."""
    if len(RECORD) < 20:
        pytest.skip("the record needs the whole file")
    total = sum(sum(c.values()) for c in RECORD.values())
    codes = Counter()
    for c in RECORD.values():
        codes.update(c)
    with capsys.disabled():
        print(f"\nbad-input record: {total} generated inputs over {len(RECORD)} classes; exit codes {dict(codes)}")
        for kind, counts in sorted(RECORD.items()):
            print(f"  {kind}: {sum(counts.values())} inputs, exit codes {dict(counts)}")
    assert set(codes) <= {2, 3}
    assert total >= 2000 and len(RECORD) >= 20
