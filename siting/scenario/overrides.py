"""Named overrides and one-off `--set key.path=value` changes, merged into the scenario before it is checked.

A scenario may carry ``overrides:``, named partial scenarios (as calliope's scenarios/overrides)::

    overrides:
      rent_only: {model: {policy: {max_by_mode: {buy: 0, build: 0}}}}
      more_money: {budget: {capex: 45000000}}

``siting run SCENARIO --override rent_only --override more_money --set budget.annual=3500000`` merges the
named overrides over the base in the order given (mappings merge key by key; any other value replaces),
then the ``--set`` values (each parsed as YAML: ``45000000``, ``[max_coverage]``, ``{buy: 0}``). Two
overrides that set the same key are an error (calliope's rule: the result must not depend on their order);
a ``--set`` may change a key an override set, since it is the one-off change on top. Every key an override
or ``--set`` introduced is remembered, so that when the merged scenario fails its check the message names
the override (or ``--set``) that brought the bad key in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from siting.errors import InputError
from siting.scenario.yamlfile import parse_yaml

OVERRIDES_KEY = "overrides"
Path_ = tuple[str, ...]


@dataclass(frozen=True)
class Merged:
    """A scenario document with overrides and `--set` values applied.

    Attributes:
        document: the merged YAML document (without its ``overrides`` section).
        overrides: names of the overrides applied, in order.
        sets: the ``key.path=value`` texts applied, in order.
        origin: key path -> what set it ("override 'rent_only'" or "--set budget.capex=...").
    """

    document: dict[str, Any]
    overrides: tuple[str, ...] = ()
    sets: tuple[str, ...] = ()
    origin: dict[Path_, str] = field(default_factory=dict)

    def blame(self, location: Iterable[Any]) -> str | None:
        """What set the key at `location` (or a key above or below it), or None for the base scenario."""
        loc = tuple(str(p) for p in location)
        best = None
        for path, source in self.origin.items():
            n = min(len(path), len(loc))
            if path[:n] == loc[:n] and (best is None or len(path) > len(best[0])):
                best = (path, source)
        return None if best is None else best[1]

    def blamed(self, error: InputError, locations: list[Iterable[Any]]) -> InputError:
        """`error` (one problem per location, in order) with what set each blamed key: "(set by override 'x')"."""
        problems = list(error.problems) if error.problems else [error]
        for problem, location in zip(problems, locations):
            source = self.blame(location)
            if source:
                problem.message += f" (set by {source})"
        return error


def split_names(values: Iterable[str] | None) -> tuple[str, ...]:
    """Names given as repeated options and/or comma-separated: ['a,b', 'c'] -> ('a', 'b', 'c')."""
    return tuple(n.strip() for v in values or () for n in str(v).split(",") if n.strip())


def leaf_paths(value: Any, prefix: Path_ = ()) -> list[Path_]:
    """Key paths of every non-mapping value (an empty mapping counts as a value)."""
    if isinstance(value, Mapping) and value:
        return [p for k, v in value.items() for p in leaf_paths(v, (*prefix, str(k)))]
    return [prefix]


def deep_merge(base: Any, update: Any) -> Any:
    """`update` over `base`: mappings merge key by key, anything else replaces."""
    if isinstance(base, Mapping) and isinstance(update, Mapping):
        merged = dict(base)
        for key, value in update.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return update


def parse_set(text: str) -> tuple[Path_, Any]:
    """'budget.capex=45000000' -> (('budget', 'capex'), 45000000); the value is parsed as YAML.

    Raises:
        InputError: no '=', an empty key part, or a value that is not YAML.
    """
    key, sep, raw = text.partition("=")
    path = tuple(part.strip() for part in key.strip().split("."))
    if not sep or not all(path):
        raise InputError(f"expected key.path=value (e.g. budget.capex=45000000), got {text!r}", field="--set")
    try:
        value = parse_yaml(raw, "--set")  # as safely as a scenario file: no key twice, no alias bomb, not too deep
    except InputError as err:
        raise InputError(f"the value of {key.strip()}: {err.message}", field="--set") from None
    return path, value


def _nest(path: Path_, value: Any) -> dict[str, Any]:
    for key in reversed(path):
        value = {key: value}
    return value


def _check_path(document: Mapping, path: Path_, source: str) -> None:
    """A key path may only go through mappings: `budget.capex.x` is an error when budget.capex is a number."""
    node: Any = document
    for depth, key in enumerate(path[:-1]):
        node = node.get(key) if isinstance(node, Mapping) else None
        if node is not None and not isinstance(node, Mapping):
            above = ".".join(path[: depth + 1])
            raise InputError(
                f"{source}: '{above}' is a value, not a section; it has no key '{path[depth + 1]}'",
                field=".".join(path),
            )


def apply(
    document: Mapping[str, Any], names: Iterable[str] = (), sets: Iterable[str] = (), *, file: str = "scenario"
) -> Merged:
    """Merge the named overrides of `document` and then the `--set` values over it.

    Args:
        document: the scenario YAML as parsed (may hold an ``overrides`` mapping).
        names: override names, in order (repeated or comma-separated).
        sets: ``key.path=value`` texts.
        file: the scenario file, for messages.

    Raises:
        InputError: an unknown override name, a malformed ``overrides`` section or ``--set``, two overrides that
            set the same key, a key set twice by ``--set``, or a key path through a value.
    """
    names, sets = split_names(names), tuple(sets)
    available = document.get(OVERRIDES_KEY) or {}
    if not isinstance(available, Mapping) or not all(isinstance(v, Mapping) for v in available.values()):
        raise InputError("expected a mapping of names to partial scenarios", file=file, field=OVERRIDES_KEY)
    base = {k: v for k, v in document.items() if k != OVERRIDES_KEY}
    merged: Any = base
    origin: dict[Path_, str] = {}
    for name in names:
        if name not in available:
            known = ", ".join(sorted(map(str, available))) or "none: the scenario has no overrides section"
            raise InputError(f"unknown override '{name}' (overrides: {known})", file=file, field=OVERRIDES_KEY)
        if OVERRIDES_KEY in available[name]:
            raise InputError("an override cannot define overrides", file=file, field=f"{OVERRIDES_KEY}.{name}")
        source = f"override '{name}'"
        for path in leaf_paths(available[name]):
            clash = [(p, s) for p, s in origin.items() if p[: len(path)] == path or path[: len(p)] == p]
            if clash:
                raise InputError(
                    f"overrides '{name}' and {clash[0][1].removeprefix('override ')} both set "
                    f"'{'.'.join(min(path, clash[0][0], key=len))}'; apply one or merge them",
                    file=file,
                    field=f"{OVERRIDES_KEY}.{name}",
                )
            _check_path(merged, path, source)
            origin[path] = source
        merged = deep_merge(merged, available[name])
    seen: set[Path_] = set()
    for text in sets:
        path, value = parse_set(text)
        if path in seen:
            raise InputError(f"'{'.'.join(path)}' is set twice", field="--set")
        seen.add(path)
        _check_path(merged, path, f"--set {text}")
        origin = {p: s for p, s in origin.items() if p[: len(path)] != path}  # --set replaces what it covers
        origin[path] = f"--set {text}"
        merged = deep_merge(merged, _nest(path, value))
    return Merged(merged, names, sets, origin)


def definitions(document: Mapping[str, Any]) -> dict[str, Any]:
    """The ``overrides`` section alone (kept in the checked scenario so that `siting validate` can list it)."""
    return {OVERRIDES_KEY: document[OVERRIDES_KEY]} if document.get(OVERRIDES_KEY) else {}


def effective_document(config: Any) -> dict[str, Any]:
    """The checked scenario as a plain document, every default written out, without its overrides section.

    This is what a run actually planned: written into the run folder and hashed into plan.json.
    """
    return config.model_dump(mode="json", exclude={OVERRIDES_KEY})


def document_sha256(document: Mapping[str, Any]) -> str:
    """SHA-256 of a scenario document as canonical JSON (key order kept: service order matters)."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
