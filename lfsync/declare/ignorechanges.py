"""`ignore_changes:`: the fields and relationships of an account that people own in Lightfield.

lfsync sends them on create and never compares or updates them after. This module holds the value
type (IgnoreChanges) and how a declaration spells it, worded once for both readers: in YAML beside
`fields:` (`ignore_changes: [tier, $owner]`, or `ignore_changes: all` for a create-only account),
in CSV a column `ignore_changes` (`tier;$owner`, or `all`). Whether the names exist is checked later,
against the organisation's definitions or what is declared and recorded (lfsync.values.ignored).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from lfsync.declare.yamlscalars import yaml_type_name

IGNORE_CHANGES_KEY = "ignore_changes"
EVERYTHING = "all"  # `ignore_changes: all`: every field and relationship, a create-only account
SECTIONS = ("fields", "relationships")


@dataclass(frozen=True, slots=True)
class IgnoreChanges:
    """What an account leaves to people after its create: named field and relationship keys, or
    everything. A name covers a field or a relationship of that key (`tier`, `$owner`)."""

    names: frozenset[str] = frozenset()
    everything: bool = False

    def __bool__(self) -> bool:
        return self.everything or bool(self.names)

    def covers(self, key: str) -> bool:
        return self.everything or key in self.names

    def with_names(self, names: Iterable[str]) -> IgnoreChanges:
        """These rules and `names` too (the project's `ignore_changes:` joins each account's)."""
        added = frozenset(names)
        if self.everything or added <= self.names:
            return self
        return IgnoreChanges(self.names | added, self.everything)


NOTHING_IGNORED = IgnoreChanges()


def value_problem(address: str, value: Any) -> str | None:
    """What is wrong with the value of an account's `ignore_changes:` as a whole (None: `all`, a list,
    or empty); its items are checked one by one (name_problem)."""
    if value is None or value == EVERYTHING or isinstance(value, list):
        return None
    return (
        f"{IGNORE_CHANGES_KEY} of {address} must be a list of field and relationship keys, like [tier, $owner], "
        f"or `all` (create-only), found {yaml_type_name(value)}"
    )


def name_problem(address: str, name: Any) -> str | None:
    """What is wrong with one item of an account's `ignore_changes:` list, before definitions are asked."""
    if name == EVERYTHING:
        return f"{IGNORE_CHANGES_KEY} of {address}: `all` stands alone (`{IGNORE_CHANGES_KEY}: all`), not in a list"
    if isinstance(name, str) and name.strip():
        return None
    return (
        f"{IGNORE_CHANGES_KEY} of {address}: each item names a field or relationship key, like tier or $owner; "
        f"found {yaml_type_name(name)}"
    )


def from_cell(
    address: str, text: str, place: tuple[int, int], split: Callable[[str], list[str]]
) -> tuple[bool, dict[str, tuple[int, int]], list[str]]:
    """A CSV `ignore_changes` cell at `place` (`all`, or keys separated as `split` separates a list
    cell): `all` or not, each key named with the cell's place, and what is wrong with the items."""
    if text.strip() == EVERYTHING:
        return True, {}, []
    names = split(text)
    problems = [problem for name in names if (problem := name_problem(address, name))]
    return False, {name: place for name in names if name != EVERYTHING}, problems
