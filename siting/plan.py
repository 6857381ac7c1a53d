"""A plan: which buildings are acquired, by which mode, hosting which services. Independent of any model."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Selection:
    """One acquired building.

    Attributes:
        building: building id.
        mode: acquisition mode (renovate, buy, rent, swap, build).
        services: service keys hosted there, sorted.
    """

    building: str
    mode: str
    services: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """The acquired buildings, sorted by building id."""

    selected: tuple[Selection, ...]

    @classmethod
    def of(cls, selections) -> Plan:
        """A plan from any iterable of Selection, sorted so that equal plans compare and print equal."""
        return cls(tuple(sorted(Selection(s.building, s.mode, tuple(sorted(s.services))) for s in selections)))

    def to_records(self) -> list[dict]:
        """JSON-ready list: [{"building", "mode", "services"}]."""
        return [{"building": s.building, "mode": s.mode, "services": list(s.services)} for s in self.selected]
