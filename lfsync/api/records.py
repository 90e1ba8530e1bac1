"""Typed API records: every answer lfsync reads is parsed here, once, from its wire JSON.

Above lfsync.api nothing reads wire JSON by hand; it gets an `ApiRecord` (fields by key,
relationships as `RelationshipValue`s), `Definitions` (typed field and relationship definitions),
`Member`s and `ListPage`s. A wrong-shaped answer raises `UnexpectedAnswer` naming the endpoint.

The documented forms of a relationship are all accepted, and decided here alone:
- a record's relationship `{cardinality, objectType, values}`, cardinality in either case
  (records use `has_one`, definitions `HAS_ONE`), `values` a list, one ID or null;
- a self-referential one also carries `directions: {asSource: {cardinality, values},
  asDestination: {...}}`: its merged `values` list both directions, and what a record wrote is
  the source direction, so `asSource` decides both the IDs and the cardinality where present;
- a definition's cardinality likewise: `directions.asSource.cardinality`, else `cardinality`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping

from lfsync.api.ids import id_problem
from lfsync.errors import LfsyncError
from lfsync.kinds.record_kind import ReadBack

_DEFAULT_READ_BACK = ReadBack()

Cardinality = Literal["HAS_ONE", "HAS_MANY", ""]  # "" when the answer does not say


class UnexpectedAnswer(LfsyncError):
    """An answer whose JSON is not in any documented shape."""

    def __init__(self, endpoint: str, what: str):
        self.endpoint = endpoint
        super().__init__(f"the API answered {endpoint} in an unexpected shape: {what}")


@dataclass(frozen=True, slots=True)
class RelationshipValue:
    ids: tuple[str, ...]  # what the record links to (for a self-referential one: the source direction)
    cardinality: Cardinality

    @property
    def holds_one(self) -> bool:
        return self.cardinality == "HAS_ONE"


@dataclass(frozen=True, slots=True)
class ApiRecord:
    id: str
    fields: Mapping[str, Any]  # key -> value (null values left out)
    relationships: Mapping[str, RelationshipValue]
    created_at: str | None = None
    updated_at: str | None = None
    http_link: str | None = None

    def field(self, key: str) -> Any:
        return self.fields.get(key)


@dataclass(frozen=True, slots=True)
class ListPage:
    records: list[ApiRecord]
    total_count: int | None  # an estimate: the docs do not promise it stable across pages


@dataclass(frozen=True, slots=True)
class SelectOption:
    id: str
    label: str
    parent_id: str | None = None  # a dependent select's option: the parent field's option (a stage's pipeline)


@dataclass(frozen=True, slots=True)
class FieldDefinition:
    key: str
    value_type: str
    read_only: bool = False
    multiple: bool = False
    handle_service: str | None = None
    options: tuple[SelectOption, ...] = ()
    label: str = ""  # how the organisation's users know it (display only)
    parent_field_key: str | None = None  # a dependent select: the field its options depend on ($stage on $pipeline)


@dataclass(frozen=True, slots=True)
class RelationshipDefinition:
    key: str
    cardinality: Cardinality
    object_type: str  # account, member, contact, ... (lower case)
    label: str = ""  # how the organisation's users know it (display only)
    parent_field_key: str | None = None  # a dependent select: the field its options depend on ($stage on $pipeline)

    @property
    def holds_one(self) -> bool:
        return self.cardinality == "HAS_ONE"


@dataclass(frozen=True, slots=True)
class Definitions:
    fields: dict[str, FieldDefinition]
    relationships: dict[str, RelationshipDefinition]
    # The two definition maps as answered: what the snapshot file keeps and the digest is taken over.
    document: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    email: str  # '' where the member has none


# --- parsing ---------------------------------------------------------------------------------


def _mapping(value: Any, endpoint: str, where: str, *, optional: bool = True) -> dict:
    if value is None and optional:
        return {}
    if not isinstance(value, dict):
        raise UnexpectedAnswer(endpoint, f"{where} is {_kind_of(value)}, not an object")
    return value


def _kind_of(value: Any) -> str:
    return "missing" if value is None else f"a {type(value).__name__}"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


_CARDINALITIES: dict[Any, Cardinality] = {
    None: "", "": "", "HAS_ONE": "HAS_ONE", "has_one": "HAS_ONE", "HAS_MANY": "HAS_MANY", "has_many": "HAS_MANY"
}
# No links: one shared value per cardinality (most relationships of most records are empty).
_NO_LINKS = {cardinality: RelationshipValue((), cardinality) for cardinality in ("HAS_ONE", "HAS_MANY", "")}


def cardinality_of(value: Any, endpoint: str, where: str) -> Cardinality:
    """HAS_ONE / HAS_MANY in either case; "" when the answer leaves it out."""
    found = _CARDINALITIES.get(value) if value is None or type(value) is str else None
    if found is not None:
        return found
    if isinstance(value, str) and value.upper() in ("HAS_ONE", "HAS_MANY"):
        return "HAS_ONE" if value.upper() == "HAS_ONE" else "HAS_MANY"
    raise UnexpectedAnswer(endpoint, f"{where}.cardinality is {value!r}, not HAS_ONE or HAS_MANY")


def _ids(value: Any, endpoint: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if type(value) is list:
        for item in value:
            if type(item) is not str:
                raise UnexpectedAnswer(endpoint, f"{where}.values is not a list of IDs")
            _check_id(item, endpoint, f"{where}.values")
        return tuple(value)
    if isinstance(value, str):
        return (_check_id(value, endpoint, f"{where}.values"),)
    raise UnexpectedAnswer(endpoint, f"{where}.values is not a list of IDs")


def _check_id(value: str, endpoint: str, where: str, prefix: str | None = None) -> str:
    """`value` if it is a URL-safe ID (with `prefix` where the docs name one), else UnexpectedAnswer."""
    problem = id_problem(value, prefix)
    if problem:
        raise UnexpectedAnswer(endpoint, f"{where}: {problem}")
    return value


def _link(ids: tuple[str, ...], cardinality: Cardinality) -> RelationshipValue:
    return RelationshipValue(ids, cardinality) if ids else _NO_LINKS[cardinality]


def relationship_value(wire: Any, endpoint: str, where: str) -> RelationshipValue:
    wire = _mapping(wire, endpoint, where)
    directions = wire.get("directions")
    if directions:
        source = _mapping(_mapping(directions, endpoint, f"{where}.directions").get("asSource"), endpoint, f"{where}.directions.asSource")
        cardinality = source.get("cardinality") or wire.get("cardinality")
        return _link(_ids(source.get("values"), endpoint, f"{where}.directions.asSource"), cardinality_of(cardinality, endpoint, where))
    return _link(_ids(wire.get("values"), endpoint, where), cardinality_of(wire.get("cardinality"), endpoint, where))


def parse_record(wire: Any, endpoint: str, read_back: ReadBack = _DEFAULT_READ_BACK) -> ApiRecord:
    """One record (`{id, createdAt, updatedAt, httpLink, fields: {key: {value, valueType}},
    relationships: {key: {...}}}`, the parts named as its kind's `read_back` says) as an ApiRecord."""
    wire = _mapping(wire, endpoint, "the record", optional=False)
    record_id = wire.get("id")
    if not isinstance(record_id, str) or not record_id:
        raise UnexpectedAnswer(endpoint, "a record without an `id`")
    record_id = _check_id(record_id, endpoint, "the record's `id`", read_back.id_prefix)
    fields: dict[str, Any] = {}
    for key, held in _mapping(wire.get(read_back.fields_part), endpoint, f"{record_id}.{read_back.fields_part}").items():
        if type(held) is dict:
            value = held.get("value")
            if value is not None:
                fields[key] = value
        elif held is not None:
            raise UnexpectedAnswer(endpoint, f"{record_id}.fields.{key} is {_kind_of(held)}, not {{value, valueType}}")
    relationships: dict[str, RelationshipValue] = {}
    for key, held in _mapping(wire.get(read_back.relationships_part), endpoint, f"{record_id}.{read_back.relationships_part}").items():
        if type(held) is dict and "directions" not in held:  # the common form, read without a detour
            cardinality = _CARDINALITIES.get(held.get("cardinality"))
            values = held.get("values")
            if cardinality is not None and not values and (values is None or type(values) is list):
                relationships[key] = _NO_LINKS[cardinality]
                continue
        relationships[key] = relationship_value(held, endpoint, f"{record_id}.relationships.{key}")
    return ApiRecord(
        record_id, fields, relationships, _text(wire.get("createdAt")), _text(wire.get("updatedAt")), _text(wire.get("httpLink"))
    )


def parse_list_page(wire: Any, endpoint: str, read_back: ReadBack = _DEFAULT_READ_BACK) -> ListPage:
    """A list answer: `{data: [record], object: "list", totalCount}`."""
    wire = _mapping(wire, endpoint, "the list page", optional=False)
    data = wire.get("data", [])
    if not isinstance(data, list):
        raise UnexpectedAnswer(endpoint, f"`data` is {_kind_of(data)}, not a list of records")
    total = wire.get("totalCount")
    return ListPage([parse_record(item, endpoint, read_back) for item in data], total if isinstance(total, int) else None)


def parse_field_definition(key: str, wire: Any, endpoint: str) -> FieldDefinition:
    wire = _mapping(wire, endpoint, f"fieldDefinitions.{key}", optional=False)
    config = _mapping(wire.get("typeConfiguration"), endpoint, f"fieldDefinitions.{key}.typeConfiguration")
    options = config.get("options") or []
    if not isinstance(options, list) or not all(isinstance(option, dict) for option in options):
        raise UnexpectedAnswer(endpoint, f"fieldDefinitions.{key}.typeConfiguration.options is not a list of options")
    handle_service = config.get("handleService")
    return FieldDefinition(
        key=key,
        value_type=str(wire.get("valueType", "")),
        read_only=bool(wire.get("readOnly")),
        multiple=bool(config.get("multipleValues")),
        handle_service=handle_service if isinstance(handle_service, str) else None,
        options=tuple(_select_option(option) for option in options),
        label=_text(wire.get("label")) or "",
        parent_field_key=parent if isinstance(parent := config.get("parentFieldKey"), str) else None,
    )


def _select_option(wire: dict) -> SelectOption:
    parent = wire.get("parentId")
    return SelectOption(str(wire.get("id")), str(wire.get("label")), parent if isinstance(parent, str) else None)


def parse_relationship_definition(key: str, wire: Any, endpoint: str) -> RelationshipDefinition:
    where = f"relationshipDefinitions.{key}"
    wire = _mapping(wire, endpoint, where, optional=False)
    directions = _mapping(wire.get("directions"), endpoint, f"{where}.directions")
    source = _mapping(directions.get("asSource"), endpoint, f"{where}.directions.asSource")
    cardinality = cardinality_of(source.get("cardinality") or wire.get("cardinality"), endpoint, where)
    return RelationshipDefinition(key, cardinality, str(wire.get("objectType", "")).lower(), _text(wire.get("label")) or "")


def parse_definitions(wire: Any, endpoint: str) -> Definitions:
    """A definitions answer (`{objectType, fieldDefinitions, relationshipDefinitions}`), or the
    same two maps as a definitions snapshot keeps them."""
    wire = _mapping(wire, endpoint, "the definitions", optional=False)
    field_wire = _mapping(wire.get("fieldDefinitions"), endpoint, "fieldDefinitions")
    relationship_wire = _mapping(wire.get("relationshipDefinitions"), endpoint, "relationshipDefinitions")
    return Definitions(
        fields={key: parse_field_definition(key, d, endpoint) for key, d in field_wire.items()},
        relationships={key: parse_relationship_definition(key, d, endpoint) for key, d in relationship_wire.items()},
        document={"fieldDefinitions": field_wire, "relationshipDefinitions": relationship_wire},
    )


def member_from(record: ApiRecord) -> Member:
    """A member record's ID and email (`$email` is one string; a list is read as its first)."""
    value = record.fields.get("$email")
    if isinstance(value, list):
        value = value[0] if value else ""
    return Member(record.id, value if isinstance(value, str) else "")
