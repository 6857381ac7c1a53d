"""A scenario as bytes: its YAML and every table file it references, so that any machine can plan it.

A sweep's task must not depend on the worker's disk: the driver reads each scenario once into a `Bundle`
(relative path -> bytes), the executor ships it, and the worker writes it into a private temporary folder
and loads it from there. The bundle's hash is the content part of a task's cache key.

Files are found in the parsed YAML, overrides included, under the keys that hold file names (communities,
buildings, options, existing, assets, od_table, nodes, edges, shares, and `path` of a table with a sheet);
names that are not files are left for the loader to report. Paths keep their layout relative to the deepest
folder that holds the scenario and all its files, so `../tables/x.csv` works in the copy too.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siting.errors import InputError
from siting.scenario.yamlfile import read_yaml

FILE_KEYS = frozenset({"communities", "buildings", "options", "existing", "assets", "od_table", "nodes", "edges"})
FILE_KEYS |= {"shares", "path"}


@dataclass(frozen=True)
class Bundle:
    """A scenario file and the files it references, as bytes.

    Attributes:
        scenario: the scenario file's path relative to `root`, with / separators.
        files: (relative path, bytes) of the scenario file and each file it references, sorted by path.
        root: the folder the paths are relative to, on the machine that read them (for messages only).
        sha256: hash of every path and byte, in order.
    """

    scenario: str
    files: tuple[tuple[str, bytes], ...]
    root: str
    sha256: str

    @property
    def size(self) -> int:
        """Bytes held."""
        return sum(len(data) for _, data in self.files)


def file_names(document: Any) -> Iterator[str]:
    """Every string held under a file key of a parsed scenario YAML, at any depth (overrides included)."""
    if isinstance(document, dict):
        for key, value in document.items():
            if isinstance(value, str) and key in FILE_KEYS:
                yield value
            else:
                yield from file_names(value)
    elif isinstance(document, list):
        for value in document:
            yield from file_names(value)


def read_bundle(path: Path, *, allow_outside: bool = False) -> Bundle:
    """Read a scenario file and every existing file it names into a Bundle.

    A YAML file that does not parse is bundled alone: the task loading it reports the error. Files outside the
    scenario's folder are read only when `allow_outside` (as `siting run --allow-outside-paths`); otherwise the
    task's loader refuses the path, with the message `siting run` gives.

    Raises:
        InputError: the scenario file does not exist.
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise InputError("scenario file not found", file=str(path))
    try:
        document = read_yaml(path)  # safely: a number of 5,000 digits, nesting too deep, an alias bomb
    except InputError:
        document = None
    referenced = {(path.parent / name).resolve() for name in file_names(document) if name and "\x00" not in name}
    usable = {p for p in referenced if (allow_outside or p.is_relative_to(path.parent)) and p.is_file()}
    paths = sorted({path} | usable)
    root = Path(os.path.commonpath([p.parent for p in paths]))
    files = tuple((p.relative_to(root).as_posix(), p.read_bytes()) for p in paths)
    digest = hashlib.sha256()
    for name, data in files:
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return Bundle(path.relative_to(root).as_posix(), files, str(root), digest.hexdigest())


def unpack(bundle: Bundle, folder: Path) -> Path:
    """Write the bundle's files under `folder` (their relative layout kept); returns the scenario file's path."""
    folder = Path(folder)
    for name, data in bundle.files:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder / bundle.scenario
