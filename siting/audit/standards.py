"""The standards file (configs/standards.yaml): each national standard with its value, unit, source and confidence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, RootModel, model_validator

from siting.errors import InputError
from siting.frozen import Frozen
from siting.scenario.schema import Label
from siting.scenario.yamlfile import read_model

STANDARDS_PATH = Path(__file__).resolve().parents[2] / "configs" / "standards.yaml"
KINDS = ("area_per_households", "places_per_residents", "coverage", "life_circle")


class Standard(Frozen):
    """One standard the audit checks; `kind` says what is measured (see configs/standards.yaml)."""

    label: Label
    """Names shown in audit.md."""
    kind: Literal["area_per_households", "places_per_residents", "coverage", "life_circle"]
    """What is measured: floor area per households, places per residents, walking coverage, life circle."""
    value: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    """The required figure: m² or places per `per` households / residents, or a share (0-1]."""
    unit: str
    """Unit of the value, in words."""
    document: str
    """The document the figure comes from."""
    article: str
    """Where in the document, or "not verified here"."""
    confidence: Literal["H", "M", "L", "U"]
    """H official and agreed, M one secondary source, L weak, U not verified here."""
    service: str | None = None
    """The scenario service the standard is about (places and coverage kinds)."""
    per: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    """Households or residents the value is per (area and places kinds)."""
    radius_m: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    """Walking distance of the life circle, m (life_circle kind)."""

    @model_validator(mode="after")
    def _fields_of_kind(self) -> Standard:
        needs = {
            "area_per_households": ("per",),
            "places_per_residents": ("per", "service"),
            "coverage": ("service",),
            "life_circle": ("radius_m",),
        }[self.kind]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{missing[0]}: required for kind '{self.kind}'")
        if self.kind in ("coverage", "life_circle") and self.value > 1:
            raise ValueError(f"value: a share between 0 and 1 for kind '{self.kind}', got {self.value:g}")
        return self


class Standards(RootModel[dict[str, Standard]]):
    """Standards by key, in the file's order."""

    def coverage_shares(self, services: list[str] | tuple[str, ...]) -> dict[str, float]:
        """Service -> required covered share, for the coverage standards of services the scenario has."""
        return {s.service: s.value for s in self.root.values() if s.kind == "coverage" and s.service in services}


def load_standards(path: Path | None = None) -> Standards:
    """Read and check a standards file (default: the shipped configs/standards.yaml).

    Raises:
        InputError: naming the file and the key (e.g. "childcare_places.value") that is wrong.
    """
    path = Path(path) if path is not None else STANDARDS_PATH
    keys = "standards (service_space, childcare_places, ...)"
    standards = read_model(path, Standards, missing="standards file not found", keys=keys)
    if not standards.root:
        raise InputError(f"expected a mapping of {keys}", file=str(path))
    return standards
