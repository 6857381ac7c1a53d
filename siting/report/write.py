"""Write results safely: a whole folder at once (renamed into place), cells no spreadsheet runs as formulas."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from siting.errors import InputError, cut

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these may be run as a formula by Excel or LibreOffice (CSV injection)."""


def safe_cell(value: Any) -> Any:
    """A cell value that a spreadsheet shows as written: text starting like a formula gets a leading apostrophe.

    This is OWASP's advice for CSV injection (`=HYPERLINK(...)` in a building's name would otherwise become a
    live link in Excel). Only text is escaped: numbers, negative ones included, stay numbers.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The table with every text cell passed through `safe_cell` (numeric columns untouched)."""
    text = [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c].dtype)]
    if not text:
        return table
    out = table.copy()
    for column in text:
        out[column] = out[column].map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


#: A folder holding one of these was written by siting (run, frontier, audit, sweep; compare; demand): replacing it
#: loses nothing its user wrote. Any other folder with files in it is refused as --out.
SIGNS = ("manifest.json", "plan.json", "compare.md", "demand.csv", "frontier.csv", "sweep.csv")


def check_out(out: Path, *, keep: Sequence[Path] = (), folder: bool = True, adds: bool = False) -> Path:
    """Refuse, before any work is done, an output folder (or file) that could not be written or must not be replaced.

    Args:
        out: the folder results will replace (or the file, with folder=False).
        keep: files that must survive (the scenario): a folder holding one of them is refused, as is one holding
            the current directory.
        folder: out is a folder (else a file).
        adds: the command adds files to the folder (a resumed sweep, reproduce's results.csv) rather than replacing
            it whole: a folder with other files in it is then fine.

    Raises:
        InputError: out is a file (a folder; a pipe or device), its parent is a file or cannot be written, its name
            is unusable, it is a folder with files siting did not write (see SIGNS), or replacing it would delete
            `keep` or the current directory.
    """
    where = str(out)
    try:
        target = Path(os.path.abspath(out))
        if target.exists() and target.is_dir() != folder:
            kind = "not a folder" if folder else "a folder"
            raise InputError(f"exists and is {kind}; choose another --out", file=where, field="--out")
        if target.exists() and not folder and not target.is_file():  # renaming over it would replace the device
            raise InputError("exists and is not a regular file; choose another --out", file=where, field="--out")
        parent = target.parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise InputError(
                f"'{cut(parent)}' is a file, so this folder cannot be made; choose another --out",
                file=where,
                field="--out",
            )
        if not os.access(parent, os.W_OK | os.X_OK):
            raise InputError(
                f"cannot write in '{cut(parent)}' (permission denied); choose another --out", file=where, field="--out"
            )
        resolved = target.resolve()
        for path in (Path.cwd(), *keep):
            if path.resolve().is_relative_to(resolved):
                raise InputError(
                    f"replacing this folder would delete '{cut(path)}'; choose an empty or new folder for --out",
                    file=where,
                    field="--out",
                )
        foreign = target.is_dir() and any(target.iterdir()) and not any((target / n).exists() for n in SIGNS)
        if folder and not adds and foreign:
            raise InputError(
                f"this folder holds files siting did not write (none of {', '.join(SIGNS)}), and "
                "the output replaces the folder whole; choose a new or empty folder for --out",
                file=where,
                field="--out",
            )
    except (OSError, RuntimeError, ValueError) as err:  # a NUL byte, a name too long, a link loop
        raise InputError(
            f"cannot use this path ({cut(getattr(err, 'strerror', None) or err)})", file=where, field="--out"
        ) from None
    return target


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM for the few system calls that swap folders, so that none is left half-done."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError, OSError):  # not POSIX
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextmanager
def atomic_folder(out: Path, *, keep: Sequence[Path] = (), adds: bool = False) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces `out`, on error it is removed and `out` is untouched.

    Args:
        out: the folder to write.
        keep: files that replacing `out` must not delete (see `check_out`).
        adds: `out` is the caller's own (see `check_out`): replaced whatever it holds.
    """
    out = check_out(Path(out), keep=keep, adds=adds)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except OSError as err:
        raise InputError(f"cannot write here ({err.strerror})", file=str(out), field="--out") from None
    try:
        yield tmp
        with _signals_held():
            if out.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
                os.replace(out, old / "x")
                os.replace(tmp, out)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, out)
    except BaseException:
        with _signals_held():
            shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_text_file(path: Path, text: str) -> None:
    """Write one UTF-8 file whole (a temporary sibling renamed into place), or refuse the path with an InputError."""
    target = check_out(Path(path), folder=False)
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.tmp-", dir=target.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file (mkstemp makes it private)
        with _signals_held():
            os.replace(tmp, target)
    except OSError as err:
        raise InputError(f"cannot write here ({err.strerror})", file=str(path), field="--out") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def write_json(path: Path, document: dict) -> None:
    """UTF-8 JSON, keys in the given order, two-space indent, final newline."""
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


MANIFEST = "manifest.json"


def file_record(path: Path) -> dict[str, Any]:
    """A file's name, SHA-256 and size in bytes, as manifest.json's `files` lists it."""
    data = Path(path).read_bytes()
    return {"name": Path(path).name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def write_manifest(folder: Path, manifest: dict, names: Sequence[str]) -> tuple[str, ...]:
    """manifest.json into `folder`, its `files` the record of each file written there; returns names + manifest.json.

    The records (sorted by name, manifest.json itself left out) let `siting verify` tell a file changed after
    siting wrote it.
    """
    folder = Path(folder)
    files = [file_record(folder / name) for name in sorted(set(names) - {MANIFEST})]
    write_json(folder / MANIFEST, {**manifest, "files": files})
    return (*names, MANIFEST)


def write_csv(path: Path, table: pd.DataFrame) -> None:
    """UTF-8 with BOM (so that Excel shows Chinese text), LF line ends, no index, text cells made formula-safe."""
    safe_frame(table).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
