"""Other names for the tables' columns and values, as officers' spreadsheets have them (the one alias table).

A header is matched after normalising it (Unicode NFKC: full-width letters, digits and brackets become
half-width; lower case; spaces, underscores and hyphens dropped), so `Floor Area m2`, `floor_area_m2` and
`ＦＬＯＯＲ_ＡＲＥＡ_Ｍ２` are the same column. A header may end with a unit in brackets: `一次性投入(万元)`,
`capex (万元)`, `建筑面积（㎡）`. Amounts in 万元 are multiplied by 10,000; every other unit must be the one the
column is kept in (a different unit is refused rather than guessed).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    # every table
    "id": ("编号", "编码", "代码", "标识", "社区编号", "建筑编号", "设施编号", "节点编号", "node"),
    "name": ("名称", "名字", "社区名称", "社区", "建筑名称", "设施名称", "资产名称"),
    "x": ("经度", "x坐标", "横坐标", "东坐标", "lon", "lng", "longitude", "easting"),
    "y": ("纬度", "y坐标", "纵坐标", "北坐标", "lat", "latitude", "northing"),
    # communities
    "population": ("人口", "常住人口", "总人口", "人口数", "居民人数", "residents"),
    "households": ("户数", "总户数", "住户数", "居民户数"),
    "district": ("街道", "所属街道", "街道办事处", "街道名称", "片区"),
    "street": ("街巷", "道路", "所在道路", "路名"),
    "elderly": (
        "60岁以上",
        "60岁及以上",
        "60岁以上人口",
        "60岁及以上人口",
        "60岁以上老人",
        "老年人口",
        "老年人",
        "60+",
    ),
    "elderly_65": ("65岁以上", "65岁及以上", "65岁以上人口", "65岁及以上人口", "65+"),
    "elderly_80": ("80岁以上", "80岁及以上", "80岁以上人口", "80岁及以上人口", "高龄老人", "80+"),
    "infant": ("0-2岁", "0~2岁", "0至2岁", "0-2岁人口", "0-2岁婴幼儿", "婴幼儿", "3岁以下", "0-2"),
    "built_year": ("建成年份", "建成年代", "建设年份", "竣工年份", "建成时间"),
    # buildings and options
    "floor_area_m2": ("建筑面积", "面积", "可用面积", "使用面积", "floor_area", "area", "area_m2"),
    "building": ("建筑", "建筑编号", "楼宇", "楼宇编号", "房屋编号", "候选建筑"),
    "mode": ("方式", "获取方式", "实施方式", "取得方式"),
    "capex": ("一次性投入", "一次性费用", "一次性投资", "投资", "建设投资", "改造费用", "购置费用"),
    "annual_cost": ("年度费用", "年费用", "每年费用", "年运营费用", "运营费用", "年租金", "annual"),
    "capacity": ("容量", "服务容量", "服务能力", "规模"),
    "assets": ("资产", "置换资产", "换出资产", "资产编号"),
    # existing facilities and assets
    "services": ("服务", "服务内容", "服务类型", "服务项目"),
    "closable": ("可关闭", "是否可关闭", "可否关闭"),
    "asset": ("资产", "所在资产", "所在房产", "房产", "资产编号"),
    "value": ("价值", "资产价值", "估值", "评估价值"),
    # walking: OD tables and networks
    "community": ("社区", "社区编号", "起点社区"),
    "walk_m": ("步行距离", "距离", "distance", "distance_m"),
    "walk_min": ("步行时间", "步行时长", "时间", "minutes"),
    "from": ("起点", "起点编号", "起点节点", "source"),
    "to": ("终点", "终点编号", "终点节点", "target"),
    "length_m": ("长度", "路段长度", "length"),
}
"""Canonical column -> other names. A table matches a header only against the columns it declares, so the
same alias may stand for different columns in different tables (社区 is the name in the communities table and
the community id in an OD table)."""

VALUE_ALIASES: dict[str, dict[str, str]] = {
    "mode": {
        "改造": "renovate",
        "改建": "renovate",
        "购置": "buy",
        "购买": "buy",
        "收购": "buy",
        "租赁": "rent",
        "租用": "rent",
        "承租": "rent",
        "置换": "swap",
        "补建": "build",
        "新建": "build",
    },
    "closable": {"是": "true", "否": "false", "可": "true", "不可": "false", "y": "true", "n": "false"},
}
"""Column -> other spellings of its allowed values (matched after normalising, like headers)."""

UNIT_SPELLINGS: dict[str, dict[str, float]] = {
    "元": {"元": 1.0, "yuan": 1.0, "cny": 1.0, "rmb": 1.0, "万元": 1e4, "万": 1e4, "wan": 1e4, "wanyuan": 1e4},
    "元/年": {
        "元/年": 1.0,
        "元": 1.0,
        "yuan": 1.0,
        "yuan/year": 1.0,
        "万元/年": 1e4,
        "万元": 1e4,
        "万": 1e4,
        "wan": 1e4,
        "wan/year": 1e4,
    },
    "m": {"m": 1.0, "米": 1.0, "metres": 1.0, "meters": 1.0},
    "m²": {"m2": 1.0, "平方米": 1.0, "平米": 1.0, "sqm": 1.0},
    "persons": {"人": 1.0, "persons": 1.0, "people": 1.0, "户": 1.0, "households": 1.0},
    "min": {"min": 1.0, "分钟": 1.0, "分": 1.0, "minutes": 1.0},
    "degrees": {"°": 1.0, "度": 1.0, "degrees": 1.0, "deg": 1.0},
    "year": {"年": 1.0, "year": 1.0},
    "units": {"units": 1.0, "人": 1.0, "个": 1.0, "张": 1.0, "位": 1.0, "床": 1.0},
}
"""The unit a column is kept in -> the spellings accepted in a header's brackets and their factor to it."""

_UNIT_SUFFIX = re.compile(r"^(?P<name>.*?)[(\[](?P<unit>[^()\[\]]*)[)\]]$")


@lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """The form headers and values are compared in: NFKC, lower case, no spaces, underscores or hyphens.

    The hyphen in an age band ("0-2") is kept, since "02" would read as a number.
    """
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    text = re.sub(r"[\s_]+", "", text)
    return re.sub(r"(?<![0-9])-|-(?![0-9])", "", text)


def split_unit(header: str) -> tuple[str, str | None]:
    """'一次性投入(万元)' -> ('一次性投入', '万元'); a header without a bracketed unit -> (header, None)."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    match = _UNIT_SUFFIX.match(text)
    if not match or not match["name"].strip():
        return text, None
    return match["name"].strip(), match["unit"].strip()


def header_names(columns: list[str]) -> dict[str, str]:
    """Normalised header -> canonical column, for a table that declares `columns`."""
    return dict(_header_names(tuple(columns)))


@lru_cache(maxsize=64)
def _header_names(columns: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    names: dict[str, str] = {}
    for column in columns:
        for alias in COLUMN_ALIASES.get(column, ()):
            names.setdefault(normalise(alias), column)
    for column in columns:  # a canonical name always wins over another column's alias
        names[normalise(column)] = column
    return tuple(names.items())


def unit_factor(unit: str, kept_in: str) -> float | None:
    """Factor from `unit` (as written in a header) to the unit `kept_in`; None when it is not accepted."""
    spellings = UNIT_SPELLINGS.get(kept_in, {})
    return spellings.get(normalise(unit).replace(" ", ""))


def accepted_units(kept_in: str) -> str:
    """The accepted spellings of a unit, for messages."""
    return ", ".join(UNIT_SPELLINGS.get(kept_in, {}))
