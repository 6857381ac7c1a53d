"""The published benchmark sets: instance names, files, published values, tolerances and model mapping.

A set is a folder of ``../shared/benchmarks`` (see each folder's MANIFEST.md). :func:`cases` lists its
instances as :class:`Case` objects with their published values (read by
:mod:`siting.reproduce.known_values`); :meth:`Case.read` parses the instance file and :meth:`Case.prepare`
turns it into the model (:mod:`siting.reproduce.models`) with its independent evaluator
(:mod:`siting.reproduce.evaluate`).

Instance names:

* ``orlib-pmed``: ``pmed1`` … ``pmed40``.
* ``orlib-cap``: ``cap41`` … ``cap134`` capacitated (capopt); ``cap71-uncap`` … ``cap134-uncap`` (the 12 of
  uncapopt: cap71–74, cap101–104, cap131–134) and ``capa``, ``capb``, ``capc`` uncapacitated; ``capa-8000``
  … ``capc-7250`` capacitated at the capacities capopt lists.
* ``sjc-cpmp``: ``SJC1``, ``SJC2``, ``SJC3a``, ``SJC3b``, ``SJC4a``, ``SJC4b``.
* ``sjc-mclp``: ``SJC324``, ``SJC402``, ``SJC500``, ``SJC708``, ``SJC818`` at a radius S and p sites.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import siting
from siting.errors import InputError
from siting.model.data import ModelData
from siting.model.spec import ModelSpec
from siting.plan import Plan
from siting.reproduce import evaluate, models
from siting.reproduce.known_values import capopt_key, read_capopt, read_pmed_opt, read_sjc_best, read_uncap_opt
from siting.reproduce.readers import read_cap, read_pmed, read_sjc_cpmp, read_sjc_mclp

__all__ = [
    "DEFAULT_GAP",
    "MCLP_DEFAULT_P",
    "MCLP_DEFAULT_RADIUS",
    "SETS",
    "TOLERANCE",
    "Case",
    "Prepared",
    "cases",
    "data_folder",
    "default_folders",
    "instance_names",
    "select",
]

#: Sets and what they hold.
SETS: dict[str, str] = {
    "orlib-pmed": "OR-Library p-median pmed1–40 (Beasley 1985)",
    "orlib-cap": "OR-Library capacitated / uncapacitated facility location cap41–134, capa–c (Beasley 1988)",
    "sjc-cpmp": "Lorena–Senne capacitated p-median SJC1–SJC4b",
    "sjc-mclp": "Lorena–Pereira maximal covering SJC324–SJC818 (no published table here)",
}

#: Default relative MIP gap per set: small enough that "optimal" proves the value to the published rounding.
#: pmed and mclp objectives are integers (integer distances / demands) below ~3e4, so 1e-6 leaves less than one
#: unit; cap values reach 2e7 and are published to 1e-3 (1e-10 × 2e7 = 2e-3, and HiGHS also stops at an
#: absolute gap of 1e-6); SJC values reach 6.2e4 and are published to 2 decimals (1e-8 × 6.2e4 < 1e-3).
DEFAULT_GAP: dict[str, float] = {"orlib-pmed": 1e-6, "orlib-cap": 1e-10, "sjc-cpmp": 1e-8, "sjc-mclp": 1e-6}

#: Agreement tolerance with the published value: pmed optima are integers (exact up to float noise); capopt and
#: uncapopt are rounded to 3 decimals (the true optima are often at .xxx5); BestSolution.txt to 2 decimals.
TOLERANCE: dict[str, float] = {"orlib-pmed": 1e-6, "orlib-cap": 1e-3 + 1e-6, "sjc-cpmp": 0.005 + 1e-6, "sjc-mclp": 0.0}

#: The literature's usual settings are S = 800 or 1200 metres; p = 10 is one of the p values reported.
MCLP_DEFAULT_RADIUS = 800.0
MCLP_DEFAULT_P = 10

# OR-Library's capacitated instances: cap41-44, cap51, cap61-64, ..., cap131-134 (groups of four but cap51)
_CAP_CAPACITATED = tuple(
    f"cap{g}{i}" for g in (4, 5, 6, 7, 8, 9, 10, 11, 12, 13) for i in range(1, 5) if g != 5 or i == 1
)
_CAP_UNCAPACITATED = tuple(f"cap{n}" for n in (71, 72, 73, 74, 101, 102, 103, 104, 131, 132, 133, 134))
_CAP_LARGE = {"capa": (8000, 10000, 12000, 14000), "capb": (5000, 6000, 7000, 8000), "capc": (5000, 5750, 6500, 7250)}
_UNCAP_SUFFIX = "-uncap"
_CPMP = ("SJC1", "SJC2", "SJC3a", "SJC3b", "SJC4a", "SJC4b")
_MCLP = ("SJC324", "SJC402", "SJC500", "SJC708", "SJC818")


@dataclass(frozen=True)
class Prepared:
    """An instance turned into the model, with its size and its independent evaluator.

    Attributes:
        data: the model data (:func:`siting.model.data.from_arrays`).
        spec: the model switches.
        n: clients (customers, vertices, nodes, demand points).
        m: candidate sites.
        p: the facility count, or None when the model chooses it (facility location).
        evaluate: recomputes the objective of a plan from the instance data alone.
    """

    data: ModelData
    spec: ModelSpec
    n: int
    m: int
    p: int | None
    evaluate: Callable[[Plan], evaluate.Evaluation]


@dataclass(frozen=True)
class Case:
    """One instance of a set: where it is, its published value and how to model it.

    Attributes:
        set: the set name, e.g. ``orlib-cap``.
        name: the instance name, e.g. ``capa-8000``.
        file: the instance file.
        kind: ``pmed``, ``cap`` (capacitated), ``uncap``, ``cpmp`` or ``mclp``.
        published: the published optimum / best-known value, or None.
        tolerance: the absolute agreement tolerance with ``published``.
        capacity: for capa/capb/capc, the value of their literal ``capacity`` tokens.
        radius: for maximal covering, the coverage radius S.
        p: for maximal covering, the number of sites.
    """

    set: str
    name: str
    file: Path
    kind: str
    published: float | None
    tolerance: float
    capacity: float | None = None
    radius: float | None = None
    p: int | None = None

    @property
    def maximize(self) -> bool:
        """True for maximal covering, the one maximisation problem."""
        return self.kind == "mclp"

    def read(self):
        """Parse the instance file (an InputError names the file and line of any problem)."""
        if self.kind == "pmed":
            return read_pmed(self.file)
        if self.kind in ("cap", "uncap"):
            return read_cap(self.file, capacity=self.capacity)
        if self.kind == "cpmp":
            return read_sjc_cpmp(self.file)
        return read_sjc_mclp(self.file)

    def prepare(self, inst=None) -> Prepared:
        """The model of the instance (read now unless given) and its independent evaluator."""
        inst = self.read() if inst is None else inst
        if self.kind == "pmed":
            data, spec = models.pmedian_model(inst)
            return Prepared(data, spec, inst.n, inst.n, inst.p, functools.partial(evaluate.pmedian_cost, inst))
        if self.kind in ("cap", "uncap"):
            capacitated = self.kind == "cap"
            data, spec = models.cflp_model(inst, capacitated=capacitated)
            return Prepared(
                data, spec, inst.n, inst.m, None, functools.partial(evaluate.cflp_cost, inst, capacitated=capacitated)
            )
        if self.kind == "cpmp":
            data, spec = models.cpmp_model(inst)
            return Prepared(data, spec, inst.n, inst.n, inst.p, functools.partial(evaluate.cpmp_cost, inst))
        assert self.radius is not None and self.p is not None
        data, spec = models.mclp_model(inst, radius=self.radius, p=self.p)
        return Prepared(
            data,
            spec,
            inst.n,
            inst.n,
            self.p,
            functools.partial(evaluate.mclp_coverage, inst, radius=self.radius, p=self.p),
        )


def instance_names(set_name: str) -> tuple[str, ...]:
    """Every instance name of a set, in table order.

    Raises:
        InputError: an unknown set.
    """
    _check_set(set_name)
    if set_name == "orlib-pmed":
        return tuple(f"pmed{k}" for k in range(1, 41))
    if set_name == "orlib-cap":
        return (
            _CAP_CAPACITATED
            + tuple(n + _UNCAP_SUFFIX for n in _CAP_UNCAPACITATED)
            + tuple(_CAP_LARGE)
            + tuple(capopt_key(n, c) for n, caps in _CAP_LARGE.items() for c in caps)
        )
    return _CPMP if set_name == "sjc-cpmp" else _MCLP


def _check_set(set_name: str) -> None:
    if set_name not in SETS:
        raise InputError(f"unknown set '{set_name}'; choose one of: {', '.join(SETS)}", field="SET")


def select(set_name: str, wanted: list[str] | None) -> list[str]:
    """The requested instance names in table order (all when ``wanted`` is None or empty).

    Raises:
        InputError: a name that is not an instance of the set (the message lists the valid names).
    """
    names = instance_names(set_name)
    if not wanted:
        return list(names)
    unknown = [w for w in wanted if w not in names]
    if unknown:
        raise InputError(
            f"unknown instance '{unknown[0]}' in set {set_name}; valid names: {', '.join(names)}", field="--instances"
        )
    chosen = set(wanted)
    return [n for n in names if n in chosen]


def _need(table: dict[str, float], key: str, source: Path) -> float:
    if key not in table:
        raise InputError(f"expected a published value for {key}, found none", file=str(source))
    return table[key]


def _file(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise InputError(f"instance file not found (expected {name} in the data folder)", file=str(path))
    return path


def cases(
    set_name: str,
    folder: Path,
    names: list[str] | None = None,
    *,
    radius: float = MCLP_DEFAULT_RADIUS,
    p: int = MCLP_DEFAULT_P,
) -> list[Case]:
    """The cases of a set, with their published values, for the given instance names (default: all).

    Instance files are located (not read); the published-value files are read.

    Args:
        set_name: one of :data:`SETS`.
        folder: the set's data folder.
        names: instance names to keep, or None for all (table order is kept either way).
        radius: maximal covering radius S (``sjc-mclp`` only).
        p: maximal covering site count (``sjc-mclp`` only).

    Returns:
        One case per instance.

    Raises:
        InputError: unknown set or instance, a missing instance file, a missing or malformed published-value
            file, or an instance without a published value.
    """
    chosen = select(set_name, names)
    folder = Path(folder)

    def case(name: str, file: str, kind: str, published: float | None, **details: float | None) -> Case:
        return Case(set_name, name, _file(folder, file), kind, published, TOLERANCE[set_name], **details)

    if set_name == "orlib-pmed":
        opt = read_pmed_opt(folder)
        return [case(name, f"{name}.txt", "pmed", _need(opt, name, folder / "pmedopt.txt")) for name in chosen]
    if set_name == "sjc-cpmp":
        best = read_sjc_best(folder)
        return [case(name, f"{name}.dat", "cpmp", _need(best, name, folder / "BestSolution.txt")) for name in chosen]
    if set_name == "sjc-mclp":
        return [case(name, f"{name}.txt", "mclp", None, radius=float(radius), p=int(p)) for name in chosen]
    uncapacitated = [name.endswith(_UNCAP_SUFFIX) or name in _CAP_LARGE for name in chosen]
    capopt = read_capopt(folder) if not all(uncapacitated) else {}
    uncap = read_uncap_opt(folder) if any(uncapacitated) else {}
    out: list[Case] = []
    for name, without_capacities in zip(chosen, uncapacitated):
        if without_capacities:
            base = name.removesuffix(_UNCAP_SUFFIX)
            published = _need(uncap, base, folder / "optimal-solutions.txt")
            capacity = math.inf if base in _CAP_LARGE else None
            out.append(case(name, f"{base}.txt", "uncap", published, capacity=capacity))
        else:
            base, _, capacity = name.partition("-")  # capa-8000: capa's literal capacities set to 8000
            published = _need(capopt, name, folder / "capopt.txt")
            out.append(case(name, f"{base}.txt", "cap", published, capacity=float(capacity) if capacity else None))
    return out


def default_folders(set_name: str) -> list[Path]:
    """Where a set's data is looked for: ``../shared/benchmarks/<set>`` next to the repository, then from the cwd."""
    repo = Path(siting.__file__).resolve().parents[1]
    found = [repo.parent / "shared" / "benchmarks" / set_name, Path.cwd() / ".." / "shared" / "benchmarks" / set_name]
    unique: list[Path] = []
    for path in found:
        if path.resolve() not in [u.resolve() for u in unique]:
            unique.append(path)
    return unique


def data_folder(set_name: str, given: Path | None = None) -> Path:
    """The set's data folder: ``given`` (must be a folder) or the first default folder that exists.

    Raises:
        InputError: ``given`` is not a folder, or no default folder exists (the message says where it looked
            and to pass ``--data``).
    """
    _check_set(set_name)
    if given is not None:
        if not Path(given).is_dir():
            what = "is not a folder" if Path(given).exists() else "not found"
            raise InputError(
                f"{what}: expected the folder of the {set_name} instances", file=str(given), field="--data"
            )
        return Path(given)
    for path in default_folders(set_name):
        if path.is_dir():
            return path
    looked = " and ".join(str(p) for p in default_folders(set_name))
    raise InputError(
        f"no data folder for {set_name}: looked in {looked}; pass --data DIR (the folder with the "
        "instance files and their published values)",
        field="--data",
    )
