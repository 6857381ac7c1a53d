"""Output tables: per community (values, demand, sources), per area, and the report's markdown section."""

from __future__ import annotations

import pandas as pd

from siting.demand.model import DemandEstimate


def community_table(estimate: DemandEstimate, demand: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per community: groups, demand per service, `estimated`, and `source.<group>` texts."""
    parts = [estimate.groups]
    if demand is not None:
        parts.append(demand.add_prefix("demand."))
    parts.append(estimate.estimated.rename("estimated").to_frame())
    parts.append(estimate.sources.add_prefix("source."))
    return pd.concat(parts, axis=1)


def area_summary(
    estimate: DemandEstimate, communities: pd.DataFrame, *, by: str = "district", demand: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Sums per area (`by` column of the communities; "(none)" where missing), with community counts.

    Returns:
        Index = area; columns: communities, estimated (communities with an estimated value), the groups and,
        when given, the demand per service.
    """
    if by in communities:
        text = communities[by].astype(str).str.strip()
        area = text.where(communities[by].notna() & ~text.isin(["", "nan", "None", "<NA>"]), "(none)")
    else:
        area = pd.Series("(all)", index=communities.index)
    area = area.reindex(estimate.groups.index).rename(by)
    frame = estimate.groups.copy()
    if demand is not None:
        frame = frame.join(demand.add_prefix("demand."))
    frame.insert(0, "estimated", estimate.estimated.astype(int))
    frame.insert(0, "communities", 1)
    return frame.groupby(area, sort=True).sum(min_count=1)


def _fmt(value: float) -> str:
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def markdown_section(
    estimate: DemandEstimate, *, title: str = "需求：假设与来源 Demand: assumptions and sources"
) -> str:
    """The report's section, in Chinese and English.

    It gives the years and variant, what was estimated, every assumption used, calibration and notes.

    Returns:
        Markdown text starting with a level-2 heading.
    """
    n, est = len(estimate.estimated), int(estimate.estimated.sum())
    if estimate.year > estimate.base_year:
        projected = (
            f"由 {estimate.base_year} 年推算至 {estimate.year} 年（{estimate.variant} 方案，逐年队列推移）。"
            f"Projected from {estimate.base_year} to {estimate.year} ({estimate.variant} variant, one "
            "cohort step per year)."
        )
    else:
        projected = f"{estimate.year} 年（未推算）。For {estimate.year} (no projection)."
    lines = [
        f"## {title}",
        "",
        f"各社区人群规模 Population groups per community: {projected} "
        f"{est} / {n} 个社区至少有一项为估算值（其余为输入值）。{est} of {n} communities have at least one "
        "value estimated rather than given (see the `source_*` columns of `siting demand`); given counts "
        "are kept as given unless calibration changed them.",
        "",
        "| 参数 parameter | 取值 value | 单位 unit | 来源 source | 可信度 confidence |",
        "|---|---|---|---|---|",
    ]
    for a in estimate.assumptions:
        source = a.source.replace("|", "/")
        lines.append(f"| {a.name} | {a.value:g} | {a.unit} | {source} | {a.confidence} |")
    lines += [
        "",
        "可信度 Confidence: H 官方数据，多源一致 official figure several sources agree on; M 单一二手来源 "
        "one secondary source; L 弱来源或推算 weak or derived; U 未核实 not verified here; "
        "scenario 由场景设定 set by the scenario.",
    ]
    if not estimate.calibration.empty:
        lines += [
            "",
            "### 校准 Calibration",
            "",
            "| 人群 group | 按 by | 区域 area | 社区数 communities | 原估计 raw estimate | 目标 total | "
            "差 raw − total | 比 total / raw | 来源 source of the total |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in estimate.calibration.itertuples(index=False):
            lines.append(
                f"| {r.group} | {r.by} | {r.category} | {r.communities} | {_fmt(r.raw)} | "
                f"{_fmt(r.target)} | {_fmt(r.difference)} | {r.ratio:.4f} | {r.source} |"
            )
    if estimate.notes:
        lines += ["", "### 说明 Notes", "", *[f"- {note}" for note in estimate.notes]]
    return "\n".join(lines) + "\n"
