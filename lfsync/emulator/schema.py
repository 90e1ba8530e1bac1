"""Field and relationship definitions of one object type (account, contact, opportunity, task, note),
and their wire form. The system definitions each object type has are in `system_definitions.py`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import decisions
from .ids import stable_id

VALUE_TYPES = frozenset(
    {
        "ADDRESS", "CHECKBOX", "CURRENCY", "DATETIME", "EMAIL", "FULL_NAME", "MARKDOWN",
        "MULTI_SELECT", "NUMBER", "SINGLE_SELECT", "SOCIAL_HANDLE", "TELEPHONE", "TEXT", "URL", "HTML",
    }
)
NOT_WRITABLE_VALUE_TYPES = frozenset({"MARKDOWN", "HTML"})
HANDLE_SERVICES = frozenset({"TWITTER", "LINKEDIN", "FACEBOOK", "INSTAGRAM"})
CARDINALITIES = frozenset({"HAS_ONE", "HAS_MANY"})


@dataclass(frozen=True)
class SelectOption:
    """One option of a SINGLE_SELECT or MULTI_SELECT field; `parent_id`: the option of the parent
    field that owns it, in a dependent select (a `$stage` option's pipeline)."""

    id: str
    label: str
    parent_id: str | None = None

    def to_wire(self) -> dict[str, Any]:
        wire = {"id": self.id, "label": self.label}
        if self.parent_id is not None:
            wire["parentId"] = self.parent_id
        return wire


@dataclass(frozen=True)
class FieldDefinition:
    key: str
    label: str
    value_type: str
    id: str
    read_only: bool = False
    description: str | None = None
    options: tuple[SelectOption, ...] = ()
    currency: str | None = None
    handle_service: str | None = None
    multiple_values: bool | None = None
    parent_field_key: str | None = None  # a dependent select: the field whose option owns each option
    writes_markdown: bool = False  # a MARKDOWN field the API writes (a task's description, a note's content)

    @property
    def writable(self) -> bool:
        if self.read_only:
            return False
        return self.writes_markdown or self.value_type not in NOT_WRITABLE_VALUE_TYPES

    def option_by_id(self, option_id: str) -> SelectOption | None:
        return next((o for o in self.options if o.id == option_id), None)

    def option_by_label(self, label: str) -> SelectOption | None:
        """Documented: labels match without regard to case (an exact match first)."""
        exact = next((o for o in self.options if o.label == label), None)
        if exact is not None:
            return exact
        folded = label.casefold()
        return next((o for o in self.options if o.label.casefold() == folded), None)

    def to_wire(self) -> dict[str, Any]:
        type_configuration: dict[str, Any] = {}
        if self.value_type in ("SINGLE_SELECT", "MULTI_SELECT"):
            type_configuration["options"] = [o.to_wire() for o in self.options]
        if self.parent_field_key is not None:
            type_configuration["parentFieldKey"] = self.parent_field_key
        if self.currency is not None:
            type_configuration["currency"] = self.currency
        if self.handle_service is not None:
            type_configuration["handleService"] = self.handle_service
        if self.multiple_values is not None:
            type_configuration["multipleValues"] = self.multiple_values
        wire: dict[str, Any] = {
            "id": self.id,
            "label": self.label,
            "description": self.description,
            "valueType": self.value_type,
            "typeConfiguration": type_configuration,
        }
        if self.read_only:
            wire["readOnly"] = True
        return wire


@dataclass(frozen=True)
class Direction:
    cardinality: str
    label: str


@dataclass(frozen=True)
class Mirror:
    """A relationship whose links are stored on the other object: `source_key` of `source_type`
    records names this record (an account's `$opportunity`: opportunities' `$account`)."""

    source_type: str
    source_key: str


@dataclass(frozen=True)
class RelationshipDefinition:
    key: str
    label: str
    object_type: str
    cardinality: str
    id: str
    slug: str
    read_only: bool = False
    description: str | None = None
    as_source: Direction | None = None
    as_destination: Direction | None = None
    owner_type: str = "account"  # the object type whose definitions hold it
    mirror: Mirror | None = None  # None: the links are stored on the record that holds them

    @property
    def self_referential(self) -> bool:
        return self.object_type == self.owner_type

    @property
    def target_prefix(self) -> str:
        return decisions.ID_PREFIX_BY_OBJECT_TYPE.get(self.object_type, self.object_type[:3]) + "_"

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "id": self.id,
            "label": self.label,
            "description": self.description,
            "cardinality": self.cardinality,
            "objectType": self.object_type,
        }
        if self.as_source and self.as_destination:
            wire["directions"] = {
                "asSource": {"cardinality": self.as_source.cardinality, "label": self.as_source.label},
                "asDestination": {"cardinality": self.as_destination.cardinality, "label": self.as_destination.label},
            }
        return wire


@dataclass
class ObjectSchema:
    """The definitions of one object type."""

    object_type: str = "account"
    fields: dict[str, FieldDefinition] = field(default_factory=dict)
    relationships: dict[str, RelationshipDefinition] = field(default_factory=dict)

    def relationship_for_filter(self, name: str) -> RelationshipDefinition | None:
        """A relationship by key or by definition slug (decision 15)."""
        if name in self.relationships:
            return self.relationships[name]
        return next((r for r in self.relationships.values() if r.slug == name), None)

    def definitions_wire(self) -> dict[str, Any]:
        return {
            "objectType": self.object_type,
            "fieldDefinitions": {key: d.to_wire() for key, d in self.fields.items()},
            "relationshipDefinitions": {key: d.to_wire() for key, d in self.relationships.items()},
        }


def system_field(
    key: str, label: str, value_type: str, *, options: list[Any] | tuple[SelectOption, ...] = (),
    object_type: str = "account", **kwargs: Any,
) -> FieldDefinition:
    return FieldDefinition(
        key=key,
        label=label,
        value_type=value_type,
        id=stable_id("ad", object_type, key),
        options=tuple(make_options(key, options, object_type)),
        **kwargs,
    )


def make_options(
    field_key: str, options: list[Any] | tuple[Any, ...], object_type: str = "account"
) -> list[SelectOption]:
    """Options given as labels, `{label}` or `{id, label}`; missing IDs are derived (from the key and
    label, and the object type but for accounts, whose IDs predate the other types)."""
    scope = () if object_type == "account" else (object_type,)
    made = []
    for option in options:
        if isinstance(option, SelectOption):
            made.append(option)
        elif isinstance(option, dict):
            label = str(option["label"])
            made.append(SelectOption(id=str(option.get("id") or stable_id("opt", *scope, field_key, label)), label=label))
        else:
            made.append(SelectOption(id=stable_id("opt", *scope, field_key, str(option)), label=str(option)))
    return made
