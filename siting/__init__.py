"""siting: plan where a city puts its community embedded service facilities (社区嵌入式服务设施).

The Python API (see siting.api): ``load_scenario``, ``run`` (a verified plan with ``.selected``, ``.coverage``,
``.plan`` and ``.report(folder)``), ``frontier`` and ``compare``. They are imported on first use, so that
``import siting`` stays fast and loads no solver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Result", "__version__", "compare", "frontier", "load_scenario", "run"]

if TYPE_CHECKING:
    from siting.api import Result, compare, frontier, load_scenario, run


def __getattr__(name: str) -> Any:
    if name in ("Result", "compare", "frontier", "load_scenario", "run"):
        from siting import api

        return getattr(api, name)
    raise AttributeError(f"module 'siting' has no attribute {name!r}")
