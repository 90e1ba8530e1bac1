"""Declaration files -> plain data plus a position index, with limits for hostile input.

libyaml's C parser (through PyYAML) composes the node tree; this module turns it into plain
Python (dict, list, str, int, float, bool, None) in one pass, resolving scalars by the YAML 1.2
core schema (lfsync.declare.yamlscalars), and records where every key and value was written in a
`PositionIndex` keyed by path: ("accounts", "acme", "fields", "tier") -> line:column of the key
and of the value. Validation works on the plain data and asks the index only to report a
problem. Problems name the file as it is shown (`shown`) and word the path of a value as the
caller's `PathWording` says (lfsync.declare.yamlcheck names `fields.tier of account.acme`).

Refused with a message naming line and column: files over the size limit, nesting deeper than
the depth limit, aliases expanding past the alias limit (an "alias bomb" is counted, not
expanded: it is refused before anything is copied), custom tags, duplicate keys, non-plain keys,
numbers JSON cannot carry. ruamel.yaml stays the round-trip parser for `lfsync fmt`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
import yaml.reader
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from lfsync.declare.yamldocument import DOTTED_PATHS, ParsedDocument, PathWording, PositionIndex, Positions
from lfsync.declare.yamlscalars import (
    MAP_TAG,
    NUMERIC_START,
    SEQ_TAG,
    STR_TAG,
    WORDS,
    ScalarProblem,
    excerpt,
    resolve_plain,
    resolve_tagged,
    unsupported_tag,
)
from lfsync.errors import DeclarationError, Problem, Problems, SourceLocation

try:  # libyaml's C parser; PyYAML's wheels ship it, a source build without libyaml does not.
    from yaml._yaml import CParser as _Parser

    HAVE_LIBYAML = True
except ImportError:  # pragma: no cover - exercised only where PyYAML was built without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)

    HAVE_LIBYAML = False

PLAIN = "?"  # the tag our resolver gives an untagged plain scalar: its value is resolved by yamlscalars
MERGE_KEY = "<<"


@dataclass(frozen=True)
class LoaderSettings:
    """Limits for one file. They are part of the parse cache's key."""

    max_file_bytes: int = 8 * 1024 * 1024
    max_depth: int = 64
    max_alias_nodes: int = 100_000  # values brought in by aliases (each use counts its whole subtree)

    def key(self) -> str:
        return f"bytes={self.max_file_bytes};depth={self.max_depth};aliases={self.max_alias_nodes}"


DEFAULT_SETTINGS = LoaderSettings()


# --- reading a file safely -------------------------------------------------------------------


def read_declaration_bytes(path: Path, shown: str, project_root: Path, settings: LoaderSettings = DEFAULT_SETTINGS) -> bytes:
    """The bytes of a declaration file that resolves inside the project and is within the size limit.

    A symlink out of the project is refused before anything is read, and the message names only
    the link, never the target's path or contents.
    """
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise DeclarationError([Problem(f"{shown}: cannot read the file (a broken or looping link?)", None)]) from None
    if not resolved.is_relative_to(project_root.resolve()):
        raise DeclarationError(
            [Problem(f"{shown}: the file resolves to a place outside the project (a symlink?); "
                     "declaration files must live inside the project directory", None)]
        )
    if not resolved.is_file():  # checked before opening: opening a FIFO would wait for a writer
        raise DeclarationError([Problem(f"{shown}: not a regular file", None)])
    try:
        with open(resolved, "rb") as handle:
            data = handle.read(settings.max_file_bytes + 1)
    except OSError as error:
        raise DeclarationError([Problem(f"{shown}: cannot read the file: {error.strerror or error}", None)]) from None
    if len(data) > settings.max_file_bytes:
        raise DeclarationError(
            [Problem(f"the file is larger than {settings.max_file_bytes:,} bytes, the limit for one declaration file; "
                     "split it into several files", SourceLocation(shown, 1, 1))]
        )
    return data


# --- parsing ---------------------------------------------------------------------------------


class _Composer(_Parser):
    """libyaml's composer with tag resolution left to yamlscalars (PyYAML's own resolver is YAML 1.1)."""

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            return PLAIN if implicit[0] else STR_TAG
        return SEQ_TAG if kind is SequenceNode else MAP_TAG

    def descend_resolver(self, parent: Any, index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


def parse_text(
    text: str, shown: str, settings: LoaderSettings = DEFAULT_SETTINGS, wording: PathWording = DOTTED_PATHS
) -> ParsedDocument:
    """Parse one YAML document (None data for an empty file); fatal problems raise DeclarationError,
    the others are kept in the document, worded by `wording`."""
    parser = None
    try:
        parser = _Composer(text)
        root = parser.get_single_node()
    except yaml.MarkedYAMLError as error:
        raise DeclarationError([_syntax_problem(error, text, shown)]) from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow (a control character, say)
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        raise DeclarationError(
            [Problem(f"invalid YAML: character #x{error.character:04x} is not allowed", SourceLocation(shown, line, column))]
        ) from None
    except yaml.YAMLError as error:
        raise DeclarationError([Problem(f"{shown}: invalid YAML: {type(error).__name__}", None)]) from None
    except RecursionError:  # only the pure-Python fallback parser recurses
        raise DeclarationError([Problem(f"{shown}: the YAML is nested too deeply", None)]) from None
    finally:
        if parser is not None and hasattr(parser, "dispose"):
            parser.dispose()
    if root is None:
        return ParsedDocument(None, PositionIndex((1, 1, None)))
    builder = _Builder(shown, settings, wording)
    data, positions, _ = builder.build(root, (), 1)
    mark = root.start_mark
    return ParsedDocument(
        data, PositionIndex((mark.line + 1, mark.column + 1, positions)), builder.problems, frozenset(builder.refused)
    )


def _syntax_problem(error: yaml.MarkedYAMLError, text: str, shown: str) -> Problem:
    mark = error.problem_mark
    problem = error.problem or "not valid YAML"
    if mark is None:
        return Problem(f"{shown}: invalid YAML: {problem}", None)
    if "cannot start any token" in problem and "'" not in problem and 0 <= mark.index < len(text):
        # libyaml does not name the character; ruamel.yaml did, and a tab is the usual culprit.
        problem = problem.replace("character", f"character {text[mark.index]!r}", 1)
    if problem == "found undefined alias" and 0 <= mark.index < len(text):
        name = re.match(r"\*([^\s,\[\]{}]*)", text[mark.index :])
        problem += f" {excerpt(name.group(1))}" if name else ""
    message = f"invalid YAML: {problem}"
    if error.context:
        context_mark = error.context_mark
        same_place = context_mark is not None and context_mark.index == mark.index
        where = f" that starts at {_mark_location(context_mark, text, shown)}" if context_mark and not same_place else ""
        message += f" ({error.context}{where})"
    return Problem(message, _mark_location(mark, text, shown))


def _mark_location(mark: Any, text: str, shown: str) -> SourceLocation:
    """A libyaml mark as file:line:col; the end of the stream is the end of the text (libyaml puts it a line further)."""
    if mark.index >= len(text):
        line = text.count("\n") + 1
        return SourceLocation(shown, line, len(text) - (text.rfind("\n") + 1) + 1)
    return SourceLocation(shown, mark.line + 1, mark.column + 1)


class _Refusal(Exception):
    """A fatal problem at a position; becomes a DeclarationError naming the file."""

    def __init__(self, line: int, column: int, message: str):
        self.line, self.column, self.message = line, column, message


class _Builder:
    """Node tree -> (plain data, positions), depth- and alias-limited, without recursion beyond max_depth."""

    def __init__(self, shown: str, settings: LoaderSettings, wording: PathWording):
        self.shown = shown
        self.settings = settings
        self.wording = wording
        self.problems = Problems()  # a file of a million duplicate keys keeps the first ones, counts the rest
        self.refused: set[tuple] = set()
        self.built: dict[int, tuple[Any, Positions, int]] = {}  # id(node) -> (data, positions, node count)
        self.in_progress: set[int] = set()
        self.alias_nodes = 0

    def build(self, node: Any, path: tuple, depth: int) -> tuple[Any, Positions, int]:
        try:
            return self._node(node, path, depth)
        except _Refusal as refusal:
            raise DeclarationError([Problem(refusal.message, SourceLocation(self.shown, refusal.line, refusal.column))]) from None

    def _node(self, node: Any, path: tuple, depth: int) -> tuple[Any, Positions, int]:
        """(data, positions of its children or None, number of nodes)."""
        if node.__class__ is ScalarNode:
            return self._scalar(node, path, "value"), None, 1
        identity = id(node)
        done = self.built.get(identity)
        if done is not None:  # a second use of an anchored node: an alias
            return self._alias(done, node)
        if identity in self.in_progress:
            mark = node.start_mark
            raise _Refusal(mark.line + 1, mark.column + 1, "an alias refers to a node that contains it")
        if depth > self.settings.max_depth:
            mark = node.start_mark
            raise _Refusal(
                mark.line + 1, mark.column + 1,
                f"the YAML is nested more than {self.settings.max_depth} levels deep here",
            )
        if node.tag not in (MAP_TAG, SEQ_TAG):
            mark = node.start_mark
            self._problem("value", path, mark, unsupported_tag(node.tag))
            return None, None, 1
        self.in_progress.add(identity)
        built = self._mapping(node, path, depth) if node.__class__ is MappingNode else self._sequence(node, path, depth)
        self.in_progress.discard(identity)
        self.built[identity] = built
        return built

    def _alias(self, done: tuple[Any, Positions, int], node: Any) -> tuple[Any, Positions, int]:
        data, positions, count = done
        self.alias_nodes += count
        if self.alias_nodes > self.settings.max_alias_nodes:
            mark = node.start_mark
            raise _Refusal(
                mark.line + 1, mark.column + 1,
                f"aliases to the node that starts here expand to more than {self.settings.max_alias_nodes:,} "
                "values in this file (an alias bomb?); write the values out or use fewer aliases",
            )
        return copy_plain(data), positions, count

    def _scalar(self, node: Any, path: tuple, at: str) -> Any:
        """The scalar's value; None (and a problem recorded) when it is refused."""
        text = node.value
        try:
            if node.tag != PLAIN:
                return resolve_tagged(node.tag, text)
            if text[:1] in NUMERIC_START:
                return resolve_plain(text)
        except ScalarProblem as problem:
            self._problem(at, path, node.start_mark, str(problem))
            return None
        return WORDS.get(text, text)

    def _problem(self, at: str, path: tuple, mark: Any, message: str) -> None:
        """The value (or, at "key", the key) at `path` is refused: left out, and `message` says why."""
        self.refused.add(path)
        self.problems.append(Problem(self.wording.value(path, message), self._location(mark)))

    def _location(self, mark: Any) -> SourceLocation:
        return SourceLocation(self.shown, mark.line + 1, mark.column + 1)

    def _mapping(self, node: Any, path: tuple, depth: int) -> tuple[dict, dict, int]:
        data: dict[Any, Any] = {}
        positions: dict[Any, tuple] = {}
        count = 1
        merges: list[tuple[Any, Any]] = []
        for key_node, value_node in node.value:
            key_mark = key_node.start_mark
            if key_node.__class__ is not ScalarNode:
                self._problem("key", path, key_mark, "a mapping key must be a plain value, not a list or mapping")
                continue
            if key_node.tag == PLAIN and key_node.value == MERGE_KEY:
                merges.append((key_node, value_node))
                continue
            problems_before = len(self.problems)
            key = self._scalar(key_node, path + (key_node.value,), "key")
            if len(self.problems) > problems_before:
                continue  # a refused key: the problem is recorded, the entry left out
            if key in positions:
                first, where = SourceLocation(self.shown, *positions[key][:2]), self._location(key_mark)
                self.problems.append(Problem(self.wording.duplicate(path + (key,), first, where), where))
                continue
            value_mark = value_node.start_mark
            if value_node.__class__ is ScalarNode:
                # The bulk of every file: resolved inline, the path built only for a problem.
                text = value_node.value
                if value_node.tag == PLAIN and text[:1] not in NUMERIC_START:
                    value = WORDS.get(text, text)
                else:
                    value = self._scalar(value_node, path + (key,), "value")
                children = None
                count += 2
            else:
                value, children, size = self._node(value_node, path + (key,), depth + 1)
                count += 1 + size
            data[key] = value
            positions[key] = (key_mark.line + 1, key_mark.column + 1, value_mark.line + 1, value_mark.column + 1, children)
        for key_node, value_node in merges:
            count += self._merge(key_node, value_node, data, positions, path, depth)
        return data, positions, count

    def _merge(self, key_node: Any, value_node: Any, data: dict, positions: dict, path: tuple, depth: int) -> int:
        """`<<: *defaults` or `<<: [*a, *b]`: keys not written in the mapping itself, earlier sources first."""
        sources = value_node.value if value_node.__class__ is SequenceNode else [value_node]
        count = 0
        mark = key_node.start_mark
        for source in sources:
            if source.__class__ is not MappingNode:
                self._problem("value", path, source.start_mark, "a merge key (<<) takes a mapping or a list of mappings")
                continue
            merged, merged_positions, size = self._node(source, path, depth)
            count += size
            for key, value in merged.items():
                if key not in data:
                    data[key] = value
                    entry = merged_positions[key]
                    # Merged keys point at the `<<` that brought them in.
                    positions[key] = (mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 1, entry[4])
        return count

    def _sequence(self, node: Any, path: tuple, depth: int) -> tuple[list, list, int]:
        data: list[Any] = []
        positions: list[tuple] = []
        count = 1
        for index, item in enumerate(node.value):
            mark = item.start_mark
            if item.__class__ is ScalarNode:
                data.append(self._scalar(item, path + (index,), "value"))
                positions.append((mark.line + 1, mark.column + 1, None))
                count += 1
            else:
                value, children, size = self._node(item, path + (index,), depth + 1)
                data.append(value)
                positions.append((mark.line + 1, mark.column + 1, children))
                count += size
        return data, positions, count


def copy_plain(value: Any) -> Any:
    """A copy of plain data, so that an alias never shares a mutable value with its anchor."""
    if isinstance(value, dict):
        return {key: copy_plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_plain(item) for item in value]
    return value
