"""Service demand from the population groups.

demand(c, s) = group_s(c) × uptake_s                    (e.g. day-care places per elderly person, meals/day)
demand(c, s) = total(c) × per_1000_residents_s / 1000   (a norm, e.g. 4.5 childcare places per 1,000)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from siting.demand.base import GROUPS
from siting.demand.model import DemandEstimate
from siting.errors import InputError

SERVICES = "scenario services"


def service_demand(
    estimate: DemandEstimate, services: Mapping[str, tuple[str, float | None, float | None]]
) -> pd.DataFrame:
    """Demand units per community and service.

    Args:
        estimate: the groups per community.
        services: name -> (group, uptake, per_1000_residents); exactly one of the last two is given.

    Returns:
        Float table, index = community id (the estimate's order), one column per service in the given order.

    Raises:
        InputError: unknown group, both or neither of uptake / per_1000_residents, a negative rate, or a
            community without a value for the group the service needs.
    """
    out = {}
    for name, (group, uptake, per_1000) in services.items():
        field = f"services.{name}"
        if group not in GROUPS:
            raise InputError(
                f"unknown population group '{group}'; expected one of {', '.join(GROUPS)}",
                file=SERVICES,
                field=f"{field}.population",
            )
        if (uptake is None) == (per_1000 is None):
            raise InputError(
                "give exactly one of 'uptake' (per person of the group) or 'per_1000_residents'",
                file=SERVICES,
                field=field,
            )
        rate, basis = (uptake, group) if uptake is not None else (per_1000 / 1000.0, "total")
        key = "uptake" if uptake is not None else "per_1000_residents"
        if not np.isfinite(rate) or rate < 0:
            got = uptake if uptake is not None else per_1000
            raise InputError(f"{key} must be a number >= 0 (got {got})", file=SERVICES, field=f"{field}.{key}")
        values = estimate.groups[basis].to_numpy(dtype=float)
        missing = np.isnan(values)
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise InputError(
                f"community '{estimate.groups.index[row]}' has no {basis} value (no population, "
                f"households or count), which service '{name}' needs",
                file="communities",
                row=row + 2,  # the header is row 1
                field=basis if basis != "total" else "population",
            )
        out[name] = values * rate
    return pd.DataFrame(out, index=estimate.groups.index, columns=list(services), dtype=float)
