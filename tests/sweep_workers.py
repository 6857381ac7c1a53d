"""Tasks for executor tests, in a module light enough for a spawned worker process to import quickly."""

from __future__ import annotations

import os
from pathlib import Path


def square_or_die_once(marker: str, value: int) -> int:
    """value²; given a marker, kills its own worker process the first time it runs (the marker file records it)."""
    if marker and not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)
    return value * value


def sleep_then(seconds: float, value: int) -> int:
    """value, after `seconds` of sleep (a task still running when the driver is interrupted)."""
    import time

    time.sleep(seconds)
    return value
