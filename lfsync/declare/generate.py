"""A `generate:` block -> ordinary declarations: each generated record is checked by the same parser
as one written by hand (lfsync.declare.yamlcheck.AccountParser), its fields and relationships placed
at the lines of the block that made them, so every later check (definitions, references, plan)
points there. The block itself is read by lfsync.declare.genblock; values come from
lfsync.declare.gentemplates and lfsync.declare.fakes.

A record's values depend on the block's seed, its set, its parent's address and its index `n` only:
the same file gives the same records, byte for byte, in every process. A larger `count` appends
records; a smaller one drops the last ones; the others stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lfsync.declare import rules
from lfsync.declare.addresses import address_of
from lfsync.declare.fakes import RecordFakes, derived_int
from lfsync.declare.genblock import GenerateBlock, RecordSet, read_block
from lfsync.declare.gentemplates import evaluate
from lfsync.declare.model import GeneratedSet, ParsedAccount, Place
from lfsync.declare.yamlcheck import AccountParser
from lfsync.declare.yamldocument import LoadedFile, ParsedDocument, PositionIndex
from lfsync.errors import Problem, Problems, SourceLocation
from lfsync.kinds.record_kind import RecordKind

# As the parse cache keeps it: (line, column, pinned version, addresses)
PlainGeneratedSet = tuple[int, int, str, list[str]]


def plain_generated(generated: GeneratedSet | None) -> PlainGeneratedSet | None:
    return None if generated is None else (*generated.place, generated.pinned, list(generated.addresses))


def generated_from_plain(plain: Any, shown: str) -> GeneratedSet | None:
    line, column, pinned, addresses = plain
    return GeneratedSet(shown, str(pinned), (int(line), int(column)), tuple(str(address) for address in addresses))


@dataclass(frozen=True)
class _Record:
    key: str
    address: str
    fields: dict[str, Any]
    relationships: dict[str, Any]
    fakes: RecordFakes


class _Context:
    """One record being generated: what its templates and specs are evaluated in."""

    __slots__ = ("index", "ordinal", "fakes", "parent", "made")

    def __init__(self, index: int, ordinal: int, fakes: RecordFakes, parent: _Record | None, made: dict[RecordKind, list[_Record]]):
        self.index = index
        self.ordinal = ordinal
        self.fakes = fakes
        self.parent = parent
        self.made = made  # the sets generated before this one

    def addresses_of(self, kind: str) -> list[str]:
        return next((list(record.address for record in records) for made, records in self.made.items() if made.name == kind), [])

    def fake(self, name: str) -> str:
        return self.fakes.get(name)

    def parent_value(self, kind: str, name: str) -> Any:
        parent = self.parent
        assert parent is not None  # templates name a parent only in a `per:` set (genblock checks it)
        if name == "key":
            return parent.key
        if name == "address":
            return parent.address
        for values in (parent.fields, parent.relationships):
            if name in values:
                value = values[name]
                return value[0] if isinstance(value, list) and value else value
        return parent.fakes.get(name)

    def seed_of(self, place: str) -> int:
        return derived_int(*self.fakes.identity, place)


def generate_records(loaded: LoadedFile, problems: Problems) -> tuple[list[ParsedAccount], GeneratedSet | None]:
    """The records of the file's `generate:` block, parsed as declarations (problems recorded), and
    what the block made; ([], None) for a file without one (or one with a problem)."""
    block = read_block(loaded, problems)
    if block is None:
        return [], None
    made = _made_records(block, loaded, problems)
    if made is None:
        return [], None
    document, record_places = made
    synthetic = LoadedFile(loaded.shown, document)
    parsed: list[ParsedAccount] = []
    for record_set in block.sets:
        key_location = SourceLocation(loaded.shown, *record_places[record_set.kind])
        for key in document.data.get(record_set.kind.declaration_key, {}):
            before = len(problems)
            record = AccountParser(synthetic, key, key_location, problems, record_set.kind).parse(
                document.data[record_set.kind.declaration_key][key]
            )
            parsed.append(record)
            if len(problems) > before or record.declaration is None:
                break  # the next records of the set would repeat the same problem at the same place
    place = block.pinned_place
    return parsed, GeneratedSet(loaded.shown, block.pinned, place, tuple(record.address for record in parsed))


def _made_records(
    block: GenerateBlock, loaded: LoadedFile, problems: Problems
) -> tuple[ParsedDocument, dict[RecordKind, Place]] | None:
    """Every record's plain body by kind and key, in a document whose positions are the block's."""
    data: dict[str, dict[str, Any]] = {}
    root: dict[str, Any] = {}
    record_places: dict[RecordKind, Place] = {}
    by_kind: dict[RecordKind, list[_Record]] = {}
    for record_set in block.sets:
        key_place = loaded.value_place(record_set.path + ("key",))
        record_places[record_set.kind] = key_place
        records = _generate_set(block, record_set, by_kind, loaded, key_place, problems)
        if records is None:
            return None
        by_kind[record_set.kind] = [record for record, _ in records]
        data[record_set.kind.declaration_key] = {record.key: body for record, body in records}
        set_place = loaded.key_at(record_set.path)
        root[record_set.kind.declaration_key] = (
            set_place.line, set_place.column, set_place.line, set_place.column,
            {record.key: (*key_place, *key_place, _body_positions(record_set, loaded, body)) for record, body in records},
        )
    return ParsedDocument(data, PositionIndex((1, 1, root))), record_places


def _generate_set(
    block: GenerateBlock,
    record_set: RecordSet,
    by_kind: dict[RecordKind, list[_Record]],
    loaded: LoadedFile,
    key_place: Place,
    problems: Problems,
) -> list[tuple[_Record, dict[str, Any]]] | None:
    parents: list[_Record | None] = list(by_kind[record_set.per]) if record_set.per is not None else [None]
    kind = record_set.kind
    made: list[tuple[_Record, dict[str, Any]]] = []
    first_of_key: dict[str, str] = {}
    for parent in parents:
        for index in range(1, record_set.count + 1):
            identity = (block.seed, kind.name, parent.address if parent is not None else "", index)
            context = _Context(index, len(made), RecordFakes(identity, block.locale), parent, by_kind)
            key = str(record_set.key.render(context))
            where = SourceLocation(loaded.shown, *key_place)
            key_problem = rules.address_key_problem(key, where)
            shown = f"record {index}" + (f" of {parent.address}" if parent is not None else "")
            if key_problem is not None:
                problems.append(Problem(f"generate.{kind.declaration_key}.key gives {shown} an invalid key: {key_problem.message}", where))
                return None
            if key in first_of_key:
                problems.append(Problem(
                    f"generate.{kind.declaration_key}.key gives {address_of(key, kind)} to {first_of_key[key]} and to {shown}",
                    where, hint="make the key differ per record: use {n}" + (f" and {{{parent_name(record_set)}.key}}" if record_set.per else ""),
                ))
                return None
            first_of_key[key] = shown
            fields = {name: evaluate(value, context, f"fields.{name}") for name, value in record_set.fields.items()}
            body: dict[str, Any] = {"fields": fields}
            relationships = {
                name: evaluate(value, context, f"relationships.{name}") for name, value in record_set.relationships.items()
            }
            if relationships:
                body["relationships"] = relationships
            body.update(record_set.passed_on)
            made.append((_Record(key, address_of(key, kind), fields, relationships, context.fakes), body))
    return made


def parent_name(record_set: RecordSet) -> str:
    return record_set.per.name if record_set.per is not None else ""


def _body_positions(record_set: RecordSet, loaded: LoadedFile, body: dict[str, Any]) -> dict[str, Any]:
    """Where each part of a generated record's body was written: at the block's lines for it."""
    positions: dict[str, Any] = {}
    for part, value in body.items():
        path = record_set.path + (part,)
        key_line, key_column = loaded.document.positions.key(path)
        value_line, value_column = loaded.document.positions.value(path)
        if isinstance(value, dict) and part in ("fields", "relationships"):
            children = {}
            for name, item in value.items():
                item_key = loaded.document.positions.key(path + (name,))
                item_value = loaded.document.positions.value(path + (name,))
                children[name] = (*item_key, *item_value, _mirror(item, item_value))
            positions[part] = (key_line, key_column, value_line, value_column, children)
        else:
            positions[part] = (key_line, key_column, value_line, value_column, _mirror(value, (value_line, value_column)))
    return positions


def _mirror(value: Any, place: Place) -> Any:
    """Positions shaped like `value`, every part of it at `place`."""
    if isinstance(value, dict):
        return {key: (*place, *place, _mirror(item, place)) for key, item in value.items()}
    if isinstance(value, list):
        return [(*place, _mirror(item, place)) for item in value]
    return None
