"""A parsed YAML document: its plain data, where every key and value was written (PositionIndex,
by path), the problems that did not stop its load, and the name it is shown by (LoadedFile, which
turns paths into file:line:col). How a problem names the place of a value is a PathWording:
keys joined with dots here, a reader's own vocabulary where it has one (yamlcheck).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lfsync.declare.yamlscalars import shown_key
from lfsync.errors import Problems, SourceLocation

# The index mirrors the data: a mapping's positions are {key: (key line, key col, value line,
# value col, positions of the value or None)}, a sequence's [(line, col, positions or None)].
# Plain tuples, dicts and lists, so the index is as cheap to cache as the data (lines and
# columns are 1-based).

Positions = Any


class PositionIndex:
    """Where each key and value of a document was written, looked up by path."""

    __slots__ = ("root",)

    def __init__(self, root: tuple[int, int, Positions]):
        self.root = root  # (line, column, positions of the top-level value)

    def key(self, path: tuple) -> tuple[int, int]:
        """Line and column of the key (in a mapping) or of the item (in a sequence) at `path`."""
        entry = self._entry(path)
        return (entry[0], entry[1])

    def value(self, path: tuple) -> tuple[int, int]:
        """Line and column of the value at `path` (for a sequence item, the item itself)."""
        entry = self._entry(path)
        return (entry[2], entry[3]) if len(entry) == 5 else (entry[0], entry[1])

    def children(self, path: tuple) -> Any:
        """The positions of what the value at `path` holds (a dict for a mapping, a list for a sequence)."""
        return self._entry(path)[-1]

    def _entry(self, path: tuple) -> tuple:
        entry: tuple = self.root
        for step in path:
            children = entry[-1]
            try:
                entry = children[step]
            except (KeyError, IndexError, TypeError):
                raise KeyError(path) from None
        return entry


class PathWording:
    """How a problem of the load names the place of a value by its path: keys joined with dots
    here; a reader with its own vocabulary (lfsync.declare.yamlcheck) words them its way."""

    def value(self, path: tuple, message: str) -> str:
        """A refused value (or key) at `path`; `message` says why."""
        return f"{'.'.join(shown_key(step) for step in path)}: {message}" if path else message

    def duplicate(self, path: tuple, first: SourceLocation, where: SourceLocation) -> str:
        """The key that ends `path` written again at `where`; the first one (kept) is at `first`."""
        return f"duplicate key {shown_key(path[-1], quoted=True)}: it is already defined at {first}"


DOTTED_PATHS = PathWording()


@dataclass
class ParsedDocument:
    """One file's plain data, its positions, the problems that did not stop the load (each at its
    file:line:col) and the paths whose value (or key) the load refused and left out (None)."""

    data: Any
    positions: PositionIndex
    problems: Problems = field(default_factory=Problems)  # bounded: the first ones kept, the rest counted
    refused: frozenset[tuple] = frozenset()


@dataclass(frozen=True)
class LoadedFile:
    """A parsed document and the name it is shown by: turns paths into file:line:col."""

    shown: str
    document: ParsedDocument

    @property
    def data(self) -> Any:
        return self.document.data

    def root_location(self) -> SourceLocation:
        line, column, _ = self.document.positions.root
        return SourceLocation(self.shown, line, column)

    def key_at(self, path: tuple) -> SourceLocation:
        """Where the key at `path` (or the sequence item) was written."""
        return SourceLocation(self.shown, *self.document.positions.key(path))

    def key_places(self, path: tuple) -> dict[Any, tuple[int, int]]:
        """(line, column) of each key of the mapping at `path` (one lookup for all of them)."""
        children = self.document.positions.children(path)
        return {key: (entry[0], entry[1]) for key, entry in children.items()}

    def value_place(self, path: tuple) -> tuple[int, int]:
        """(line, column) of the (non-empty) value at `path`."""
        return self.document.positions.value(path)

    def value_at(self, path: tuple, value: Any = ...) -> SourceLocation:
        """Where the value at `path` was written; for an empty (null) value, where its key was."""
        if value is None:
            return self.key_at(path)
        return SourceLocation(self.shown, *self.value_place(path))

    @property
    def refused_paths(self) -> frozenset[tuple]:
        """Paths whose value (or key) the loader refused; validation does not complain about them again."""
        return self.document.refused
