"""The one place that reads YAML: round-trip loading with 1-based source positions.

ruamel.yaml's round-trip loader keeps positions and comments and follows YAML 1.2,
so `NO` stays the string "NO". Every failure becomes a DeclarationError that names
file:line:col.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lfsync.errors import DeclarationError, Problem, SourceLocation, display_path
from lfsync.support.utf8 import decode

MERGE_KEY = "<<"


@dataclass(frozen=True)
class DuplicateKey:
    """A mapping key written twice; `parents` is the key/index path to the mapping."""

    parents: tuple[Any, ...]
    key: Any
    first: SourceLocation
    second: SourceLocation


class DuplicateKeysError(DeclarationError):
    """A document with duplicate mapping keys; `duplicates` lists every one of them."""

    def __init__(self, duplicates: list[DuplicateKey]):
        self.duplicates = duplicates
        super().__init__(
            [Problem(f"duplicate key {d.key!r}: it is already defined at {d.first}", d.second) for d in duplicates]
        )


class UnsupportedValueError(TypeError):
    """A YAML value with no plain-Python equivalent (custom tag, set, binary)."""

    def __init__(self, value: Any):
        self.value = value
        super().__init__(describe_unsupported(value))


def round_trip_yaml(allow_duplicate_keys: bool = False) -> YAML:
    """A round-trip (comment- and position-keeping) YAML 1.2 instance."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = allow_duplicate_keys
    return yaml


def load_yaml_text(text: str, path_display: str, allow_duplicate_keys: bool = False) -> Any:
    """Parse one YAML document; None for an empty document.

    Raises DuplicateKeysError (listing every duplicate) or DeclarationError.
    """
    try:
        return round_trip_yaml(allow_duplicate_keys).load(text)
    except DuplicateKeyError as error:
        duplicates = find_duplicate_keys(text, path_display)
        if duplicates:
            raise DuplicateKeysError(duplicates) from None
        raise DeclarationError([syntax_problem(error, path_display)]) from None
    except YAMLError as error:
        raise DeclarationError([syntax_problem(error, path_display)]) from None
    except RecursionError:  # ruamel.yaml's composer recurses once per nesting level
        raise DeclarationError([Problem(f"{path_display}: the YAML is nested too deeply", None)]) from None


def load_yaml_file(path: Path, path_display: str | None = None) -> Any:
    """Read and parse a YAML file; None when it is empty (or only comments)."""
    shown = path_display or display_path(path)
    return load_yaml_text(read_text(path, shown), shown)


def read_text(path: Path, path_display: str) -> str:
    return decode(read_bytes(path, path_display), path_display)


def read_bytes(path: Path, path_display: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise DeclarationError([Problem(f"{path_display}: cannot read the file: {error.strerror or error}", None)]) from None


def syntax_problem(error: YAMLError, path_display: str) -> Problem:
    if not isinstance(error, MarkedYAMLError) or error.problem_mark is None:
        return Problem(f"{path_display}: invalid YAML: {error}", None)
    where = mark_location(path_display, error.problem_mark)
    message = f"invalid YAML: {error.problem}"
    if error.context:
        context_mark = error.context_mark
        started = f" that starts at {mark_location(path_display, context_mark)}" if context_mark else ""
        message += f" ({error.context}{started})"
    return Problem(message, where)


def mark_location(path_display: str, mark: Any) -> SourceLocation:
    """A ruamel mark (0-based line and column) as a 1-based SourceLocation."""
    return SourceLocation(path_display, mark.line + 1, mark.column + 1)


def find_duplicate_keys(text: str, path_display: str) -> list[DuplicateKey]:
    """Every duplicate mapping key in the document, with both positions.

    Composing (without constructing) keeps all keys, so the first occurrence is
    still known; ruamel's own error only names the second.
    """
    try:
        root = round_trip_yaml().compose(text)
    except YAMLError:
        return []
    return list(_duplicates_in(root, (), path_display)) if root is not None else []


def _duplicates_in(node: Node, parents: tuple[Any, ...], path_display: str) -> Iterator[DuplicateKey]:
    if isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicates_in(item, parents + (index,), path_display)
    elif isinstance(node, MappingNode):
        seen: dict[tuple[str, str], Node] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value != MERGE_KEY:
                identity = (str(key_node.tag), key_node.value)
                if identity in seen:
                    yield DuplicateKey(
                        parents,
                        key_node.value,
                        mark_location(path_display, seen[identity].start_mark),
                        mark_location(path_display, key_node.start_mark),
                    )
                else:
                    seen[identity] = key_node
            yield from _duplicates_in(value_node, parents + (key_node.value,), path_display)


_NO_KEY: Any = object()  # not None: None is a valid YAML mapping key (`null: x`)


def location(path_display: str, node: Any, key: Any = _NO_KEY, index: int | None = None) -> SourceLocation:
    """1-based position of a mapping key (key=...), a sequence item (index=...) or the node itself."""
    try:
        if key is not _NO_KEY:
            line, column = node.lc.key(key)
        elif index is not None:
            line, column = node.lc.item(index)
        else:
            line, column = node.lc.line, node.lc.col
    except (AttributeError, KeyError, IndexError, TypeError):
        # Keys brought in by a merge (<<) and plain scalars carry no position of their own.
        return _fallback_location(path_display, node)
    return SourceLocation(path_display, line + 1, column + 1)


def value_location(path_display: str, node: Any, key: Any) -> SourceLocation:
    """1-based position of the value of `key` in a mapping (of the key when the value is empty)."""
    if node.get(key) is None:
        # ruamel places an empty value at the start of the next line, which misleads.
        return location(path_display, node, key=key)
    try:
        line, column = node.lc.value(key)
    except (AttributeError, KeyError, TypeError):
        return location(path_display, node, key=key)
    return SourceLocation(path_display, line + 1, column + 1)


def _fallback_location(path_display: str, node: Any) -> SourceLocation:
    lc = getattr(node, "lc", None)
    if lc is not None and lc.line is not None:
        return SourceLocation(path_display, lc.line + 1, lc.col + 1)
    return SourceLocation(path_display, 1, 1)


def to_plain(node: Any) -> Any:
    """A round-trip node as plain Python: dict, list, str, int, float, bool or None.

    Dates and date-times become ISO 8601 strings. Raises UnsupportedValueError for
    values with no plain equivalent (custom tags, sets, binary).
    """
    if node is None or isinstance(node, bool):
        return node
    if isinstance(node, CommentedMap) or isinstance(node, dict):
        return {to_plain_key(key): to_plain(value) for key, value in node.items()}
    if isinstance(node, (CommentedSeq, list)):
        return [to_plain(item) for item in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, int):
        # ruamel's ScalarBoolean (an anchored boolean) is an int subclass.
        return bool(node) if type(node).__name__ == "ScalarBoolean" else int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, (datetime.date, datetime.datetime)):
        return node.isoformat()
    raise UnsupportedValueError(node)


def to_plain_key(key: Any) -> Any:
    if isinstance(key, tuple):
        raise UnsupportedValueError(key)
    return to_plain(key)


def describe_unsupported(value: Any) -> str:
    if isinstance(value, TaggedScalar):
        return f"the YAML tag {value.tag.value if hasattr(value.tag, 'value') else value.tag} is not supported here"
    if isinstance(value, tuple):
        return "a mapping key must be a plain value, not a list or mapping"
    return f"a YAML {type(value).__name__} value is not supported here; use a string, number, boolean, list or mapping"
