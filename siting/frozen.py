"""The one base of every typed configuration object: frozen, unknown keys rejected, documented in place.

The docstring under each field becomes its description in the JSON Schema that `siting schema` prints.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Immutable; an unknown key is an error, not a silent default; attribute docstrings are descriptions."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
