"""Projection from the base year to the target year, one cohort step per year.

State per community (persons): T total; A55 aged 55-59, A60 60-64, A65 65-74, A75 75-79, A80 80+;
B0, B1, B2 births of the current year and the two before (the 0-2 group is B0 + B1 + B2).

Start (base year), from the base-year groups and the region's census shares s:
    A80 = E80;  A75 = (E65 - E80) · s75_79 / (s65 - s80);  A65 = E65 - E80 - A75;  A60 = E60 - E65;
    A55 = E60 · s55_59 / s60;  B_k = I · n(base - k) / (n(base) + n(base - 1) + n(base - 2)), k = 0, 1, 2
(E60, E65, E80, I are the 60+, 65+, 80+ and 0-2 counts, n the national births of a year: the 0-2 group is
split over its three birth years like the national births; equal thirds when a year's births are unknown.
Each community keeps its own mix.)

One step, year t -> t+1 (`cohort_step`), with annual survival probabilities p and population growth g:
    (1) T'   = T · (1 + g)
    (2) A55' = A55 · (1 + g)                             (55-59 keeps its share of the total)
    (3) A60' = p55 · A55 / 5 + p60 · A60 · 4/5           (a fifth of each 5-year band moves up a band)
    (4) A65' = p60 · A60 / 5 + p65 · A65 · 9/10          (65-74 is a 10-year band: a tenth moves up)
    (5) A75' = p65 · A65 / 10 + p75 · A75 · 4/5
    (6) A80' = p75 · A75 / 5 + p80 · A80
    (7) B0'  = b(t+1) · T',  B1' = B0,  B2' = B1         (infant deaths are ignored: about 0.5 % a year)
Groups: 60+ = A60 + A65 + A75 + A80; 65+ = A65 + A75 + A80; 80+ = A80; 0-2 = B0 + B1 + B2; total = T.

Births per person b(y) = B0(base) / T(base) · cbr(y) / cbr(base): each community's base-year birth rate
follows the national crude birth rate cbr, known for 2020-2025 and then
cbr(y) = cbr(last) · (1 + birth_rate_trend)^(y - last). Variants take the low / high values of the trend,
the survival probabilities and the growth. The total follows (1) alone: the ageing within it does not
change it, so a very old community can in principle reach elderly + infants > total (a note says so).

Check against published figures (national, central variant, 2020 -> 2025): 60+ 22.3 % (NBS 2025: 23.0 %),
65+ 16.0 % (15.9 %), 0-2 1.88 % (three years of births / population: about 1.9 %). Ageing a fifth of each
band per year assumes ages spread evenly within a band, which smooths the large 1961-65 birth cohorts:
60+ comes out a little low.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from siting.demand.base import COHORTS, GROUPS
from siting.demand.parameters import Parameters

STATE: tuple[str, ...] = ("total", *COHORTS, "births_0", "births_1", "births_2")
"""Columns of the cohort state table."""


def initial_cohorts(
    groups: pd.DataFrame, shares: Mapping[str, float], birth_split: tuple[float, float, float] = (1 / 3, 1 / 3, 1 / 3)
) -> pd.DataFrame:
    """Split base-year groups into the cohort state (see "Start" in the module docstring).

    Args:
        groups: base-year groups (columns GROUPS).
        shares: census shares elderly, elderly_65, elderly_80, age_55_59, age_75_79.
        birth_split: fractions of the 0-2 count born in the base year, the year before and the one before.
    """
    e60, e65, e80 = (groups[g].to_numpy(dtype=float) for g in ("elderly", "elderly_65", "elderly_80"))
    infant, total = groups["infant"].to_numpy(dtype=float), groups["total"].to_numpy(dtype=float)
    band = shares["elderly_65"] - shares["elderly_80"]
    r75 = shares["age_75_79"] / band if band > 0 else 0.0
    a75 = (e65 - e80) * r75
    if shares["elderly"] > 0:
        a55 = e60 * shares["age_55_59"] / shares["elderly"]
    else:
        a55 = total * shares["age_55_59"]
    state = {
        "total": total,
        "age_55_59": a55,
        "age_60_64": e60 - e65,
        "age_65_74": e65 - e80 - a75,
        "age_75_79": a75,
        "age_80_plus": e80,
        "births_0": infant * birth_split[0],
        "births_1": infant * birth_split[1],
        "births_2": infant * birth_split[2],
    }
    return pd.DataFrame(state, index=groups.index, columns=list(STATE))


def cohort_step(
    state: pd.DataFrame,
    *,
    survival: Mapping[str, float],
    birth_rate: float | np.ndarray | pd.Series,
    growth: float = 0.0,
) -> pd.DataFrame:
    """Age the cohort state by one year: equations (1)-(7) of the module docstring.

    Args:
        state: columns STATE, one row per community.
        survival: annual survival probability per band: age_55_59, age_60_64, age_65_74, age_75_79,
            age_80_plus.
        birth_rate: births per resident in the new year, b(t+1): a number or one per row.
        growth: annual relative change of the total population, g.

    Returns:
        The state one year later (same index and columns).
    """
    p = survival
    s = {c: state[c].to_numpy(dtype=float) for c in STATE}
    total = s["total"] * (1.0 + growth)
    rate = birth_rate.to_numpy(dtype=float) if isinstance(birth_rate, pd.Series) else birth_rate
    new = {
        "total": total,
        "age_55_59": s["age_55_59"] * (1.0 + growth),
        "age_60_64": p["age_55_59"] * s["age_55_59"] / 5 + p["age_60_64"] * s["age_60_64"] * 4 / 5,
        "age_65_74": p["age_60_64"] * s["age_60_64"] / 5 + p["age_65_74"] * s["age_65_74"] * 9 / 10,
        "age_75_79": p["age_65_74"] * s["age_65_74"] / 10 + p["age_75_79"] * s["age_75_79"] * 4 / 5,
        "age_80_plus": p["age_75_79"] * s["age_75_79"] / 5 + p["age_80_plus"] * s["age_80_plus"],
        "births_0": np.broadcast_to(rate, total.shape) * total,
        "births_1": s["births_0"],
        "births_2": s["births_1"],
    }
    return pd.DataFrame(new, index=state.index, columns=list(STATE))


def groups_from_cohorts(state: pd.DataFrame) -> pd.DataFrame:
    """The population groups (columns GROUPS) of a cohort state."""
    a = {c: state[c].to_numpy(dtype=float) for c in STATE}
    e80 = a["age_80_plus"]
    e65 = a["age_65_74"] + a["age_75_79"] + e80
    out = {
        "elderly": a["age_60_64"] + e65,
        "elderly_65": e65,
        "elderly_80": e80,
        "infant": a["births_0"] + a["births_1"] + a["births_2"],
        "total": a["total"],
    }
    return pd.DataFrame(out, index=state.index, columns=list(GROUPS))


def birth_split(params: Parameters, base_year: int) -> tuple[float, float, float]:
    """Fractions of a 0-2 count born in base_year, base_year - 1 and base_year - 2.

    Proportional to the national births of those years; equal thirds when one of them is unknown.
    """
    births = [params.births(base_year - k) for k in range(3)]
    if any(b is None for b in births):
        return (1 / 3, 1 / 3, 1 / 3)
    total = sum(births)
    return tuple(b / total for b in births)  # type: ignore[return-value]


def project(groups: pd.DataFrame, params: Parameters, base_year: int, year: int) -> pd.DataFrame:
    """Project base-year groups to `year`, one `cohort_step` per year, with the run's parameters."""
    if year == base_year:
        return groups.copy()
    shares = {k: params.share(k) for k in ("elderly", "elderly_65", "elderly_80", "age_55_59", "age_75_79")}
    survival = {c: params.get(f"survival.{c}") for c in COHORTS}
    growth = params.get("population_growth")
    state = initial_cohorts(groups, shares, birth_split(params, base_year))
    total = state["total"].to_numpy(dtype=float)
    base_rate = np.divide(state["births_0"].to_numpy(dtype=float), total, out=np.zeros_like(total), where=total > 0)
    cbr0 = params.birth_rate(base_year)
    for y in range(base_year + 1, year + 1):
        index = params.birth_rate(y) / cbr0 if cbr0 > 0 else 0.0
        state = cohort_step(state, survival=survival, birth_rate=base_rate * index, growth=growth)
    return groups_from_cohorts(state)
