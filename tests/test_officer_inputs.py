"""Data as officers have it: Chinese headers and mode names, a title row in Excel, thousands separators, amounts in
万元, a budget that looks like a unit slip, and rows numbered as the spreadsheet shows them."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from conftest import REPO, make_scenario, run_main, write_csv
from test_model_tiny import ELDERLY, building, community, option

from siting import pipeline
from siting.errors import InputError
from siting.scenario.aliases import COLUMN_ALIASES, VALUE_ALIASES
from siting.scenario.columns import TABLES as SCENARIO_TABLES
from siting.scenario.load import load_scenario
from siting.scenario.readers import read_table
from siting.scenario.schema import SERVICE_LABELS
from siting.scenario.tables import check_columns

TABLES = {key: columns("planar") for key, columns in SCENARIO_TABLES.items()}
SAMPLE = {"number": "12", "int": "1990", "id": "K1", "text": "甲", "choice": None}


def one_row(columns) -> dict[str, str]:
    """A valid row for a table: a sample value per column."""
    return {c.name: c.choices[0] if c.kind == "choice" else SAMPLE[c.kind] for c in columns}


@pytest.mark.parametrize("table", TABLES)
def test_every_alias_names_its_column(tmp_path, table):
    columns = TABLES[table]
    row = one_row(columns)
    reference = check_columns(read_table([row], base_dir=tmp_path, label=table)[0], columns, "t")
    for column in columns:
        for alias in COLUMN_ALIASES.get(column.name, ()):
            renamed = {(alias if k == column.name else k): v for k, v in row.items()}
            frame, _ = read_table([renamed], base_dir=tmp_path, label=table, columns=columns)
            pd.testing.assert_frame_equal(check_columns(frame, columns, "t"), reference, obj=f"{column.name}={alias}")
    write_csv(tmp_path / "t.csv", [{(COLUMN_ALIASES[k][0] if k in COLUMN_ALIASES else k): v for k, v in row.items()}])
    frame, _ = read_table("t.csv", base_dir=tmp_path, label=table, columns=columns)
    pd.testing.assert_frame_equal(check_columns(frame, columns, "t"), reference, check_index_type=False)


def test_every_column_of_every_table_has_a_chinese_alias():
    missing = {
        c.name
        for columns in TABLES.values()
        for c in columns
        if not any(ord(ch) > 127 for a in COLUMN_ALIASES.get(c.name, ()) for ch in a)
    }
    assert not missing


@pytest.mark.parametrize(
    ("column", "spelling", "value"), [(c, a, v) for c, m in VALUE_ALIASES.items() for a, v in m.items()]
)
def test_value_aliases(tmp_path, column, spelling, value):
    columns = TABLES["options"] if column == "mode" else TABLES["existing"]
    frame, _ = read_table([{**one_row(columns), column: spelling}], base_dir=tmp_path, label="t")
    assert check_columns(frame, columns, "t")[column].iloc[0] == value


CHINESE = {
    "communities": [
        {"编号": "C1", "名称": "甲社区", "X坐标": 0, "Y坐标": 0, "人口": "1,000", "60岁以上": 100, "0-2岁": 0},
        {"编号": "C2", "名称": "乙社区", "X坐标": 2000, "Y坐标": 0, "人口": "1，000", "60岁以上": 60, "0-2岁": 0},
    ],
    "buildings": [
        {"建筑编号": "B1", "建筑名称": "楼B1", "经度": 0, "纬度": 0, "建筑面积（㎡）": 400},
        {"建筑编号": "B2", "建筑名称": "楼B2", "经度": 2000, "纬度": 0, "建筑面积（㎡）": 400},
    ],
    "options": [
        {"建筑": "B1", "方式": "购置", "一次性投入(万元)": 0.01, "年度费用": 0},
        {"建筑": "B2", "方式": "改造", "一次性投入(万元)": 0.006, "年度费用": 0},
    ],
}


def test_a_scenario_with_chinese_headers_and_modes_plans_like_the_english_one(tmp_path):
    english = dict(
        communities=[community("C1", 0, 100), community("C2", 2000, 60)],
        buildings=[building("B1", 0), building("B2", 2000)],
        options=[option("B1", "buy", 100), option("B2", "renovate", 60)],
    )
    common = {"services": {"elderly_care": ELDERLY}, "budget": {"capex": 150}}
    a = load_scenario(make_scenario(tmp_path / "en", **english, **common))
    b = load_scenario(make_scenario(tmp_path / "zh", **CHINESE, **common))
    for name in ("buildings", "options"):
        pd.testing.assert_frame_equal(getattr(b, name), getattr(a, name), check_like=True)
    assert b.communities["population"].tolist() == [1000.0, 1000.0]
    # 100 of 160 demand units: 62.5 % (objective basis share)
    assert pipeline.run(b).evaluation.objective == pipeline.run(a).evaluation.objective == pytest.approx(62.5)


def test_csv_saved_by_a_chinese_excel_in_gbk_loads_like_utf8(tmp_path):
    # Excel on a Chinese Windows saves "CSV (逗号分隔)" in GBK; the same tables in UTF-8 and in GBK are one scenario
    common = {"services": {"elderly_care": ELDERLY}, "budget": {"capex": 150}}
    utf8 = load_scenario(make_scenario(tmp_path / "utf8", **CHINESE, **common))
    path = make_scenario(tmp_path / "gbk", **CHINESE, **common)
    for table in ("communities", "buildings", "options"):
        csv_file = path.parent / f"{table}.csv"
        csv_file.write_bytes(csv_file.read_text(encoding="utf-8").encode("gbk"))
    gbk = load_scenario(path)
    for name in ("communities", "buildings", "options"):
        pd.testing.assert_frame_equal(getattr(gbk, name), getattr(utf8, name))
    assert gbk.communities["name"].tolist() == ["甲社区", "乙社区"]


def test_existing_services_by_their_labels(tmp_path):
    services = {
        "elderly_care": {**ELDERLY, "label": {"zh": "养老服务站", "en": "Elderly care"}},
        "meals": {**ELDERLY, "label": {"zh": "助餐点", "en": "Meals"}},
    }
    path = make_scenario(
        tmp_path,
        communities=[community("C1", 0, 100)],
        buildings=[building("B1", 0)],
        options=[option("B1", "buy", 100)],
        services=services,
        budget={"capex": 150},
        existing=[
            {"编号": "E1", "名称": "e", "x": 0, "y": 0, "服务": "养老服务站、meals", "可关闭": "是"},
            {"编号": "E2", "名称": "f", "x": 0, "y": 0, "服务": "elderly care；助餐点", "可关闭": "否"},
        ],
    )
    existing = load_scenario(path).existing
    assert existing["services"].tolist() == [("elderly_care", "meals"), ("elderly_care", "meals")]
    assert existing["closable"].tolist() == [True, False]


def test_standard_services_without_labels_are_named_as_the_standards_name_them(tmp_path):
    # a planner who writes `meals: {...}` without a label reads 助餐点 in the reports, not the key "meals"
    services = {"meals": dict(ELDERLY), "library": dict(ELDERLY)}
    path = make_scenario(
        tmp_path,
        communities=[community("C1", 0, 100)],
        buildings=[building("B1", 0, 700)],
        options=[option("B1", "buy", 100)],
        services=services,
        budget={"capex": 150},
        existing=[{"id": "E1", "name": "食堂", "x": 0, "y": 0, "services": "助餐点"}],
    )
    scenario = load_scenario(path)
    labels = {k: s.label and (s.label.zh, s.label.en) for k, s in scenario.config.services.items()}
    assert labels == {"meals": ("助餐点", "Community meals"), "library": None}  # an unknown key stays as it is
    assert scenario.existing["services"].tolist() == [("meals",)]
    out = tmp_path / "run"
    assert run_main("run", path, "--out", out, "--quiet").returncode == 0
    assert "| 助餐点 Community meals |" in (out / "report.md").read_text(encoding="utf-8")
    standard = yaml.safe_load((REPO / "configs" / "services.yaml").read_text(encoding="utf-8"))
    assert {k: (v["label"]["zh"], v["label"]["en"]) for k, v in standard.items()} == SERVICE_LABELS


def test_existing_services_the_scenario_does_not_plan_are_set_aside_not_refused(tmp_path):
    # the district's register lists every service; a meals plan keeps 卫生站's meals and leaves the clinic out
    existing = [
        {"id": "E1", "name": "卫生站", "x": 0, "y": 0, "services": "卫生服务站；助餐点"},
        {"id": "E2", "name": "社区医院", "x": 0, "y": 0, "services": "health"},
        {"id": "E3", "name": "托管班", "x": 0, "y": 0, "services": "After-school care, meals"},
    ]
    path = small(tmp_path, services={"meals": dict(ELDERLY)}, existing=existing)
    scenario = load_scenario(path)
    assert scenario.existing["services"].to_dict() == {"E1": ("meals",), "E3": ("meals",)}
    assert any("E2" in w and "left out" in w and "row 3" in w for w in scenario.warnings)
    retable(path, existing=[{**existing[0], "services": "文化活动室；助餐点"}])
    with pytest.raises(InputError, match="unknown service.*文化活动室"):
        load_scenario(path)


def test_degrees_in_a_planar_scenario_are_warned_about(tmp_path):
    # crs defaults to planar: 经度/纬度 read as metres put every building within reach of every community
    communities = [{**community("C1", 113.26, 100), "y": 23.13}, {**community("C2", 113.29, 60), "y": 23.15}]
    buildings = [{**building("B1", 113.27), "y": 23.14}]
    path = small(tmp_path, communities=communities, buildings=buildings, options=[option("B1", "buy", 100)])
    (warning,) = load_scenario(path).warnings
    assert "crs: lonlat" in warning and "0.03 m" in warning
    retable(path, crs="lonlat")
    assert load_scenario(path).warnings == ()
    assert load_scenario(small(tmp_path / "metres")).warnings == ()


def test_ids_that_lost_their_leading_zeros_are_named(tmp_path):
    # Excel keeps 001 typed into a number cell as 1: the options sheet then names building 1
    path = small(tmp_path, buildings=[building("001", 0), building("002", 10)], options=[option(1, "buy", 100)])
    with pytest.raises(InputError, match=r"building '1' is not in the buildings table \(did you mean '001'\?"):
        load_scenario(path)
    retable(path, options="options.csv", model={"policy": {"must_choose": [2]}})
    (path.parent / "options.csv").write_text("building,mode,capex\n001,buy,100\n", encoding="utf-8")
    with pytest.raises(InputError, match="did you mean '002'") as err:
        load_scenario(path)
    assert err.value.field == "model.policy.must_choose"
    retable(path, model={"policy": {"must_choose": [3]}})
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert "did you mean" not in str(err.value)


def test_communities_without_a_district_under_district_rules_are_warned_about(tmp_path):
    # a blank 街道 cell leaves the community out of every district rule, silently until now
    communities = [community("C1", 0, 100, district="东区"), community("C2", 5, 10, district=""), community("C3", 9, 1)]
    path = small(tmp_path, communities=communities)
    assert load_scenario(path).warnings == ()  # no district rule: nothing to warn about
    retable(path, model={"policy": {"district_min_share": {"elderly_care": 0.5}}})
    (warning,) = load_scenario(path).warnings
    assert "2 communities have no district (C2, C3)" in warning


def small(tmp_path, **tables):
    base = dict(
        communities=[community("C1", 0, 100)],
        buildings=[building("B1", 0), building("B2", 10)],
        options=[option("B1", "buy", 300_000), option("B2", "rent", 500_000, 20_000)],
        services={"elderly_care": ELDERLY},
        budget={"capex": 1_000_000},
    )
    return make_scenario(tmp_path, **{**base, **tables})


def retable(path, **tables):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc.update(tables)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def excel_with_title(path, rows, *, sheet="候选建筑", title_rows=1):
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame(rows).to_excel(writer, sheet_name=sheet, index=False, startrow=title_rows)
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="说明", index=False)
    from openpyxl import load_workbook

    book = load_workbook(path)
    for i in range(title_rows):
        book[sheet].cell(row=i + 1, column=1, value=f"某区候选建筑表（第{i + 1}行标题）")
    book.save(path)


def test_title_rows_above_the_header_are_skipped_and_counted(tmp_path):
    path = small(tmp_path)
    rows = [{**building("B1", 0), "floor_area_m2": "1,200"}, building("B2", 10)]
    excel_with_title(path.parent / "b.xlsx", rows, title_rows=2)
    retable(path, buildings={"path": "b.xlsx", "sheet": "候选建筑"})
    assert load_scenario(path).buildings["floor_area_m2"].tolist() == [1200.0, 400.0]
    # the second data row sits on spreadsheet row 5: two title rows, the header, the first data row
    excel_with_title(path.parent / "b.xlsx", [building("B1", 0), {**building("B2", 10), "x": "east"}], title_rows=2)
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert (err.value.row, err.value.field) == (5, "x") and "b.xlsx (sheet 候选建筑)" in str(err.value)


def test_header_row_may_be_given(tmp_path):
    path = small(tmp_path)
    excel_with_title(path.parent / "b.xlsx", [building("B1", 0), building("B2", 10)])
    retable(path, buildings={"path": "b.xlsx", "sheet": "候选建筑", "header_row": 2})
    assert len(load_scenario(path).buildings) == 2
    retable(path, buildings={"path": "b.xlsx", "sheet": "候选建筑", "header_row": 1})
    with pytest.raises(InputError, match="beyond the header's last column") as err:
        load_scenario(path)
    assert err.value.row == 2


def test_a_title_row_in_a_csv_file_is_skipped_too(tmp_path):
    path = small(tmp_path)
    table = path.parent / "buildings.csv"
    table.write_text(
        "某区候选建筑,,,,\n" + table.read_text(encoding="utf-8") + "\n\nB3,楼B3,0,0,-1\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert (err.value.row, err.value.field) == (7, "floor_area_m2")  # title, header, 2 rows, 2 blank lines, B3


def test_a_wrong_sheet_is_answered_with_the_sheets_that_exist(tmp_path):
    path = small(tmp_path)
    excel_with_title(path.parent / "b.xlsx", [building("B1", 0)])
    retable(path, buildings={"path": "b.xlsx", "sheet": "Sheet1"})
    result = run_main("validate", path)
    assert result.returncode == 2
    assert "no sheet named 'Sheet1'; the workbook has: 候选建筑, 说明" in result.stderr


@pytest.mark.parametrize(
    ("text", "value"),
    [("12,000", 12000.0), ("12，000", 12000.0), ("1,234,567.5", 1234567.5), ("１２０００", 12000.0), ("-0", 0.0)],
)
def test_numbers_with_thousands_separators(tmp_path, text, value):
    path = small(tmp_path, options=[{**option("B1", "buy", 1), "capex": text}])
    assert load_scenario(path).options["capex"].iloc[0] == value


@pytest.mark.parametrize("text", ["1,5", "12,00", "1,2345", "1.000,5"])
def test_commas_that_are_not_thousands_separators_are_refused(tmp_path, text):
    path = small(tmp_path, options=[{**option("B1", "buy", 1), "capex": text}])
    with pytest.raises(InputError, match="not a finite number") as err:
        load_scenario(path)
    assert (err.value.row, err.value.field) == (2, "capex")


@pytest.mark.parametrize(
    ("header", "given", "column", "value"),
    [
        ("一次性投入(万元)", "30", "capex", 300_000.0),
        ("capex (万元)", "1,200", "capex", 12_000_000.0),
        ("capex [wan]", "2", "capex", 20_000.0),
        ("capex(元)", "300", "capex", 300.0),
        ("年度费用（万元/年）", "2.5", "annual_cost", 25_000.0),
        ("容量(人)", "40", "capacity", 40.0),
    ],
)
def test_amounts_in_wan_yuan_and_units_in_headers(tmp_path, header, given, column, value):
    row = {"building": "B1", "mode": "buy", "capex": "1", header: given}
    if column == "capex":
        del row["capex"]
    options = load_scenario(small(tmp_path, options=[row])).options
    assert options[column].iloc[0] == value


@pytest.mark.parametrize(
    ("header", "words"),
    [("capex(千元)", "unit '千元'"), ("建筑面积(亩)", "give it in m2"), ("floor_area_m2(万元)", "unit '万元'")],
)
def test_a_unit_that_is_not_understood_is_refused(tmp_path, header, words):
    path = small(tmp_path, options=[{**option("B1", "buy", 1), header: 5}])
    if header.startswith("建筑") or header.startswith("floor"):
        path = small(
            tmp_path, buildings=[{**{k: v for k, v in building("B1", 0).items() if k != "floor_area_m2"}, header: 5}]
        )
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert words in err.value.message and err.value.row == 1


def test_a_budget_below_the_cheapest_option_is_a_warning(tmp_path):
    path = small(tmp_path, budget={"capex": 300, "annual": 2})
    warnings = load_scenario(path).warnings
    assert len(warnings) == 2
    assert "budget.capex is 300 元, less than the cheapest option's capex (300,000 元, B1 buy)" in warnings[0]
    assert "if 300 was meant in 万元, write 3,000,000" in warnings[0]
    assert warnings[1].startswith("budget.annual is 2 元/年") and "万元" in warnings[1]
    result = run_main("validate", path)
    assert result.returncode == 0 and result.stderr.count("siting: warning: budget.") == 2
    assert load_scenario(small(tmp_path / "fine")).warnings == ()
    assert load_scenario(small(tmp_path / "zero", budget={"capex": 0})).warnings == ()


def test_inline_rows_are_numbered_from_one(tmp_path):
    path = small(tmp_path)
    retable(path, options=[option("B1", "buy", 1), option("B2", "rent", "lots")])
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert (err.value.file, err.value.row, err.value.field) == ("scenario 'options' (inline)", 2, "capex")
