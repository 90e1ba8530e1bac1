"""The CRM graph as a picture, pure data: records (nodes) and the links between them (edges), either
as declared (`lfsync graph`) or as a plan changes them (the markdown plan's diagram). The renderers
(lfsync.ui.mermaid, lfsync.ui.dot) only draw what this holds.

A node is a declared record (account, contact, opportunity); a link is a relationship naming another
record of the picture. Members (`$owner`), Lightfield IDs of undeclared records and option values
are no nodes. A link writable from both sides (lfsync.kinds.catalogue.TWO_SIDED_LINKS: an account's
`$contact`, a contact's `$account`) is one edge, drawn from the second side (contact -> account).
Nodes come in catalogue order of their kinds, each kind's by address; edges sorted. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lfsync.declare.addresses import is_reference
from lfsync.kinds.catalogue import DECLARABLE_KINDS, TWO_SIDED_LINKS, kind_of_address
from lfsync.plan.model import Change, Plan
from lfsync.plan.resources import DesiredAccount

ADDED = "added"  # an edge a plan's change writes
REMOVED = "removed"  # an edge a plan's change takes away
LINKED = "linked"  # a node a changed record links to, itself unchanged

_KIND_ORDER = {kind.name: position for position, kind in enumerate(DECLARABLE_KINDS)}
# (kind, key) of a two-sided link's first side -> the key of its second side
_SECOND_SIDE = {(kind, key): other_key for kind, key, _other_kind, other_key in TWO_SIDED_LINKS}
_UNSAFE_IN_ID = re.compile(r"[^A-Za-z0-9]")


@dataclass(frozen=True, slots=True)
class Node:
    """One record: its address, its kind's name, the lines of its label (the address first, then its
    name where it has one, both as written: the renderers escape them), and what a plan does to it
    (an Action's value, LINKED for a record a change links to, None in the declared graph)."""

    address: str
    kind: str
    label: tuple[str, ...]
    state: str | None = None


@dataclass(frozen=True, slots=True, order=True)
class Edge:
    """A link from one record to another through the relationship `key` of `source`; `change`:
    ADDED or REMOVED by a plan, None where it stays (and in the declared graph)."""

    source: str
    target: str
    key: str
    change: str | None = None


@dataclass(frozen=True)
class Picture:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def kinds(self) -> list[tuple[str, list[Node]]]:
        """(kind name, its nodes) for each kind present, in catalogue order."""
        grouped: dict[str, list[Node]] = {}
        for node in self.nodes:
            grouped.setdefault(node.kind, []).append(node)
        return list(grouped.items())

    def identifiers(self) -> dict[str, str]:
        """address -> a node ID safe in Mermaid and DOT alike: `n_` then the address with every
        character but ASCII letters and digits as `_` (`n_opportunity_acme_renewal`); the prefix keeps
        it off keywords (`end`, `graph`) and Mermaid's `o`/`x` edge ends. Addresses that come out the
        same are told apart by a number, in address order."""
        taken: set[str] = set()
        identifiers: dict[str, str] = {}
        for address in sorted(node.address for node in self.nodes):
            base = "n_" + _UNSAFE_IN_ID.sub("_", address)
            identifier, number = base, 1
            while identifier in taken:
                number += 1
                identifier = f"{base}_{number}"
            taken.add(identifier)
            identifiers[address] = identifier
        return identifiers


def declared_picture(desired: Mapping[str, DesiredAccount]) -> Picture:
    """Every declared record, and every link between two of them."""
    nodes = [Node(address, _kind_of(address), _label(address, record.fields)) for address, record in desired.items()]
    edges = {
        _one_way(address, target, key)
        for address, record in desired.items()
        for key, value in record.relationships.items()
        for target in _listed(value)
        if is_reference(target) and target in desired and target != address
    }
    return _picture(nodes, edges)


def changes_picture(plan: Plan) -> Picture:
    """The records a plan changes (marked with their action) and the records their changed
    relationships link to (LINKED), with those links: ADDED where a change writes one, REMOVED where it
    takes one away, unmarked where it stays. An update shows the links of the relationships it
    changes, not those it leaves alone (the plan holds no others). References are the addresses the
    plan shows (`plan.names` for IDs); IDs of records nobody declared, members and options are left out."""
    changed = {change.address: change for change in plan.changes}
    nodes = {
        address: Node(address, _kind_of(address), _changed_label(change), str(change.action))
        for address, change in changed.items()
        if _kind_of(address)
    }
    edges: set[Edge] = set()
    for change in changed.values():
        if change.address not in nodes:
            continue
        for key, before, after in _relationship_changes(change):
            was = _addresses(before, plan.names)
            now = _addresses(after, plan.names)
            for target in dict.fromkeys([*was, *now]):
                if target == change.address:
                    continue
                marked = None if target in was and target in now else ADDED if target in now else REMOVED
                edges.add(_one_way(change.address, target, key, marked))
                nodes.setdefault(target, Node(target, _kind_of(target), (target,), LINKED))
    return _picture(list(nodes.values()), edges)


def links_anything(plan: Plan) -> bool:
    """Whether a change of `plan` writes or removes a link to a record (changes_picture has an
    edge); stops at the first, so a plan of 100,000 field changes costs one pass over its attributes."""
    for change in plan.changes:
        for attribute in change.attributes:
            if attribute.path.startswith("relationships.") and (
                _addresses(attribute.after, plan.names) or _addresses(attribute.before, plan.names)
            ):
                return True
    return False


# --- helpers ----------------------------------------------------------------------------------


def _picture(nodes: Iterable[Node], edges: Iterable[Edge]) -> Picture:
    ordered = sorted(nodes, key=lambda node: (_KIND_ORDER.get(node.kind, len(_KIND_ORDER)), node.address))
    return Picture(tuple(ordered), tuple(sorted(_one_per_link(edges))))


def _one_per_link(edges: Iterable[Edge]) -> list[Edge]:
    """A link named from both sides (and so met twice) is one edge; a plan's mark on it wins."""
    found: dict[tuple[str, str, str], Edge] = {}
    for edge in sorted(edges, key=lambda edge: edge.change is None):
        found.setdefault((edge.source, edge.target, edge.key), edge)
    return list(found.values())


def _one_way(source: str, target: str, key: str, change: str | None = None) -> Edge:
    """The edge of `source`'s `key` naming `target`; a two-sided link's first side turned around."""
    other_key = _SECOND_SIDE.get((_kind_of(source), key))
    if other_key is not None:
        return Edge(target, source, other_key, change)
    return Edge(source, target, key, change)


def _kind_of(address: str) -> str:
    """The name of the kind an address names (`unmanaged.acc_...` too); "" for none."""
    try:
        return kind_of_address(address).name
    except KeyError:
        return ""


def _addresses(value: Any, names: Mapping[str, str]) -> list[str]:
    """The declared records a relationship's value names: references as they are, IDs by the name the
    plan knows them by, when that is a record's address."""
    found = []
    for item in _listed(value):
        address = item if is_reference(item) else names.get(item) if isinstance(item, str) else None
        if address is not None and is_reference(address) and _kind_of(address):
            found.append(address)
    return list(dict.fromkeys(found))


def _relationship_changes(change: Change) -> list[tuple[str, Any, Any]]:
    prefix = "relationships."
    return [
        (attribute.path.removeprefix(prefix), attribute.before, attribute.after)
        for attribute in change.attributes
        if attribute.path.startswith(prefix)
    ]


def _changed_label(change: Change) -> tuple[str, ...]:
    """The address, the name the change shows (a create shows every field), where a move comes from."""
    names = [attribute.after or attribute.before for attribute in change.attributes if attribute.path in ("fields.$name", "fields.$title")]
    label = _label(change.address, {"$name": names[0]} if names else {})
    return (*label, f"moved from {change.moved_from}") if change.moved_from else label


def _label(address: str, fields: Mapping[str, Any]) -> tuple[str, ...]:
    name = display_name(fields.get("$name") or fields.get("$title"))  # tasks and notes: their $title
    return (address, name) if name else (address,)


NAME_LIMIT = 60  # characters of a record's name a label shows


def display_name(value: Any) -> str:
    """A record's `$name` as one short line: an account's text, a contact's first and last name."""
    if isinstance(value, dict):
        value = " ".join(str(value[part]) for part in ("firstName", "lastName") if value.get(part))
    if not isinstance(value, str):
        return ""
    text = " ".join(value.split())
    return text if len(text) <= NAME_LIMIT else text[: NAME_LIMIT - 1] + "…"


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
