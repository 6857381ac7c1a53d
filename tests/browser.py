"""Headless Chromium for the report tests: the page's DOM after its scripts ran, its console, a screenshot.

Uses the command line only (`--dump-dom`, `--screenshot`, `--enable-logging=stderr`): every console message the
page writes is logged as a `CONSOLE` line, so a test can demand none at all.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    """Path of a Chromium (or Chrome) executable, or None."""
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass(frozen=True)
class Page:
    """What Chromium made of a page: the DOM after scripts ran and every console message."""

    dom: str
    console: list[str]


def _run(browser: str, url: str, *extra: str, budget_ms: int = 10000) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="siting-chromium-") as profile:
        return subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}", *extra, url],
            capture_output=True,
            text=True,
            timeout=120,
        )


def load(browser: str, page: Path) -> Page:
    """Open `page` and return its DOM and console messages."""
    done = _run(browser, page.resolve().as_uri(), "--enable-logging=stderr", "--v=0", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return Page(done.stdout, console)


def screenshot(browser: str, page: Path, out: Path, width: int = 1280, height: int = 2000) -> Path:
    """Save a PNG of the top of `page`."""
    done = _run(browser, page.resolve().as_uri(), f"--window-size={width},{height}", f"--screenshot={out}")
    assert done.returncode == 0 and out.is_file(), done.stderr[-2000:]
    return out


def print_pdf(browser: str, page: Path, out: Path) -> Path:
    """Print `page` to PDF as a reader would (print styles apply)."""
    done = _run(browser, page.resolve().as_uri(), "--no-pdf-header-footer", f"--print-to-pdf={out}")
    assert done.returncode == 0 and out.is_file(), done.stderr[-2000:]
    return out


def marks(dom: str, chart: str) -> dict[str, int]:
    """Drawn marks of one chart (its div id chart-<name>): mark type -> number of SVG items drawn for data."""
    start = dom.find(f'id="chart-{chart}"')
    assert start >= 0, f"no chart-{chart} in the page"
    end = dom.find("</figure>", start)
    chunk = dom[start:end]
    counts: dict[str, int] = {}
    for kind, body in re.findall(r'<g class="mark-(\w+) role-mark[^"]*"[^>]*>(.*?)</g>', chunk, flags=re.S):
        counts[kind] = counts.get(kind, 0) + len(re.findall(r"<(?:path|text|line|rect)\b", body))
    return counts
