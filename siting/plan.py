"""A plan: which buildings are acquired, by which mode, hosting which services. Independent of any model."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Selection:
    """One acquired building.

    Attributes:
        building: building id.
        mode: acquisition mode (renovate, buy, rent, swap, build).
        services: service keys hosted there, sorted.
        area_m2: floor area given to each service (same order); empty = each service's minimum area.
    """

    building: str
    mode: str
    services: tuple[str, ...]
    area_m2: tuple[float, ...] = ()


@dataclass(frozen=True, order=True)
class Assignment:
    """Demand units of one community and service served by one building (capacitated plans)."""

    community: str
    service: str
    building: str
    units: float


@dataclass(frozen=True)
class Plan:
    """The acquired buildings (sorted by id), existing facilities closed, and assignments if any."""

    selected: tuple[Selection, ...]
    closed: tuple[str, ...] = ()
    assignments: tuple[Assignment, ...] = ()

    @classmethod
    def of(
        cls, selections: Iterable[Selection], *, closed: Iterable[str] = (), assignments: Iterable[Assignment] = ()
    ) -> Plan:
        """A plan with everything sorted, so that equal plans compare and print equal."""
        tidy = []
        for s in selections:
            order = sorted(range(len(s.services)), key=lambda i: s.services[i])
            tidy.append(
                Selection(
                    s.building,
                    s.mode,
                    tuple(s.services[i] for i in order),
                    tuple(s.area_m2[i] for i in order) if s.area_m2 else (),
                )
            )
        return cls(tuple(sorted(tidy)), tuple(sorted(closed)), tuple(sorted(assignments)))
