"""Read YAML input files safely, and turn pydantic's findings into one InputError listing every problem.

YAML is safe-loaded (no Python objects can be built from tags such as `!!python/object/apply`), a key given
twice in one mapping is an error (YAML would keep the last silently), and a file may not nest deeper than
MAX_DEPTH or let aliases (`*name`) expand it by more than MAX_ALIAS_EXPANSION values: a 1.5 kB "billion laughs"
file would otherwise become hundreds of megabytes once its aliases are copied into tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from siting.errors import InputError, cut

MAX_DEPTH = 64
"""Deepest nesting accepted (a scenario needs about six levels)."""
MAX_ALIAS_EXPANSION = 100_000
"""Most values that aliases may add to a file when expanded."""
MAX_BYTES = 50 * 2**20
"""Largest YAML file read, bytes (big tables belong in CSV or Excel files)."""
MAX_INT_BITS = 1024
"""Largest whole number read, in bits: beyond it no number is a float (about 1.8e308)."""
Model = TypeVar("Model", bound=BaseModel)


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when installed: 7× faster
    """SafeLoader that refuses a key given twice in one mapping, and a whole number larger than any float."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        # Python refuses to read an integer of more than 4,300 digits (ValueError), and one of fewer digits but
        # more bits than a float (0xfff…) could not be printed in a message; no figure of a scenario is that large.
        try:
            value = super().construct_yaml_int(node)
        except ValueError:
            value = None
        if value is None or value.bit_length() > MAX_INT_BITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"the number {cut(node.value)} is too large", node.start_mark
            ) from None
        return value

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key '{cut(key)}' is given twice in this mapping", key_node.start_mark
                    )
                seen.add(key)
            except TypeError:  # an unhashable key: SafeLoader itself says so
                pass
        return super().construct_mapping(node, deep=deep)


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


def read_yaml(path: Path, where: str | None = None) -> Any:
    """The data in a YAML file, or an InputError naming the file and line.

    Raises:
        InputError: not readable, not UTF-8, not YAML, a key given twice, too deep, aliases expanding too far.
    """
    where = where or str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(
                f"the file is larger than {MAX_BYTES // 2**20} MB; put large tables in CSV or Excel files", file=where
            )
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text; save the file as UTF-8", file=where) from None
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read the file ({cut(getattr(err, 'strerror', None) or err)})", file=where) from None
    return parse_yaml(text, where)


def read_model(path: Path, model: type[Model], *, missing: str, keys: str, field: str | None = None) -> Model:
    """A YAML configuration file (defaults, standards, a sweep) as the typed object `model`.

    Args:
        path: the file.
        model: the pydantic class of its content.
        missing: the message when there is no such file.
        keys: what the file's top-level mapping holds, for the message when it holds something else.
        field: the scenario key that named the file, for the 'not found' message.

    Raises:
        InputError: no such file, not YAML (see `read_yaml`), not a mapping, or every key pydantic refuses.
    """
    where = str(path)
    if not Path(path).is_file():
        raise InputError(missing, file=where, field=field)
    data = read_yaml(Path(path), where)
    if not isinstance(data, dict):
        raise InputError(f"expected a mapping of {keys}", file=where)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise validation_error(err, where) from None


def parse_yaml(text: str, where: str) -> Any:
    """The data in YAML text (see `read_yaml`)."""
    try:
        loader = _Loader(text)
    except yaml.YAMLError as err:  # a character YAML does not allow
        raise InputError(f"not valid YAML: {cut(str(err).splitlines()[0], 160)}", file=where) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_shape(node, where)
        return loader.construct_document(node)
    except RecursionError:
        raise InputError(f"nested too deeply; at most {MAX_DEPTH} levels are accepted", file=where) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or str(err)
        if "nesting depth" in problem:  # libyaml's own limit (1,000 levels)
            problem = f"nested too deeply; at most {MAX_DEPTH} levels are accepted"
        raise InputError(
            f"not valid YAML: {cut(problem, 160)}", file=where, line=mark.line + 1 if mark is not None else None
        ) from None
    finally:
        loader.dispose()


def _check_shape(root: yaml.Node, where: str) -> None:
    """Refuse a document nested deeper than MAX_DEPTH, or whose aliases expand it by more than the limit.

    Aliased nodes are the same object wherever they are used, so each node's expanded size is counted once
    (memoised by identity) and the walk is linear in the size of the file, however far the aliases expand.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        kids = _children(node)
        if finished:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if depth[key] > MAX_DEPTH:
                raise InputError(f"nested too deeply; at most {MAX_DEPTH} levels are accepted", file=where)
            continue
        if key in size:
            continue
        on_path.add(key)
        stack.append((node, True))
        for kid in kids:
            if id(kid) in on_path:
                mark = kid.start_mark
                raise InputError(
                    "an alias refers to a mapping or list that contains it", file=where, line=mark.line + 1
                )
            if id(kid) not in size:
                stack.append((kid, False))
    added = size[id(root)] - len(size)
    if added > MAX_ALIAS_EXPANSION:
        raise InputError(
            f"aliases (*name) expand this file by {added:,} values, more than the {MAX_ALIAS_EXPANSION:,} accepted; "
            "write the values out, or put large tables in CSV or Excel files",
            file=where,
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def validation_error(err: ValidationError, where: str, prefix: str = "") -> InputError:
    """Every problem pydantic found (up to `siting.errors.PROBLEMS_SHOWN` listed), each with its dotted key."""
    errors = err.errors()
    items = {tuple(e["loc"][:-1]) for e in errors if e["loc"] and isinstance(e["loc"][-1], int)}
    # "at least 1 item after validation" only repeats that the list's items were refused
    problems = [_problem(e, prefix) for e in errors if not (e["type"] == "too_short" and tuple(e["loc"]) in items)]
    return InputError.several(problems, file=where) if len(problems) > 1 else _with_file(problems[0], where)


def _with_file(problem: InputError, where: str) -> InputError:
    return InputError(problem.message, file=where, field=problem.field)


SHAPES = {
    "tuple_type": "a list ([a, b] or one '- item' line each)",
    "list_type": "a list ([a, b] or one '- item' line each)",
    "dict_type": "a mapping (one 'key: value' line each)",
    "model_type": "a mapping (one 'key: value' line each)",
}
"""pydantic's error types about the shape of a value -> the YAML shape expected."""


def _shape(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return cut(repr(value))


def _problem(error: dict, prefix: str) -> InputError:
    loc = [str(p) for p in error["loc"]]
    kind = error["type"]
    message = error["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        message = "unknown key (check the spelling; `siting schema` lists the keys)"
    elif kind == "missing":
        message = "required key is missing"
    elif kind in SHAPES:  # pydantic says "a valid tuple" or "an instance of Policy"; YAML has lists and mappings
        message = f"expected {SHAPES[kind]} (got {_shape(error.get('input'))})"
    else:
        key, _, rest = message.partition(": ")
        if rest and key.replace("_", "").isalnum() and kind == "value_error":
            loc, message = [*loc, key], rest  # validators name the key first: "elderly_65: ..."
        got = error.get("input")
        if not isinstance(got, (dict, list, tuple)) and "input" in error:
            message += f" (got {cut(repr(got))})"
    field = ".".join(filter(None, [prefix, *loc])) or None
    return InputError(message, field=field)
