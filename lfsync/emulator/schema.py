"""Field and relationship definitions of the account object, and their wire form."""

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
    """One option of a SINGLE_SELECT or MULTI_SELECT field."""

    id: str
    label: str


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

    @property
    def writable(self) -> bool:
        return not self.read_only and self.value_type not in NOT_WRITABLE_VALUE_TYPES

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
            type_configuration["options"] = [{"id": o.id, "label": o.label} for o in self.options]
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

    @property
    def self_referential(self) -> bool:
        return self.object_type == "account"

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
class AccountSchema:
    fields: dict[str, FieldDefinition] = field(default_factory=dict)
    relationships: dict[str, RelationshipDefinition] = field(default_factory=dict)

    def relationship_for_filter(self, name: str) -> RelationshipDefinition | None:
        """A relationship by key or by definition slug (decision 15)."""
        if name in self.relationships:
            return self.relationships[name]
        return next((r for r in self.relationships.values() if r.slug == name), None)

    def definitions_wire(self) -> dict[str, Any]:
        return {
            "objectType": "account",
            "fieldDefinitions": {key: d.to_wire() for key, d in self.fields.items()},
            "relationshipDefinitions": {key: d.to_wire() for key, d in self.relationships.items()},
        }


def system_field(
    key: str, label: str, value_type: str, *, options: list[str] | tuple[SelectOption, ...] = (), **kwargs: Any
) -> FieldDefinition:
    return FieldDefinition(
        key=key,
        label=label,
        value_type=value_type,
        id=stable_id("ad", "account", key),
        options=tuple(make_options(key, options)),
        **kwargs,
    )


def make_options(field_key: str, options: list[Any] | tuple[Any, ...]) -> list[SelectOption]:
    """Options given as labels, `{label}` or `{id, label}`; missing IDs are derived."""
    made = []
    for option in options:
        if isinstance(option, SelectOption):
            made.append(option)
        elif isinstance(option, dict):
            label = str(option["label"])
            made.append(SelectOption(id=str(option.get("id") or stable_id("opt", field_key, label)), label=label))
        else:
            made.append(SelectOption(id=stable_id("opt", field_key, str(option)), label=str(option)))
    return made


ACCOUNT_STATUS_OPTIONS = ["Prospect", "Active customer", "Former customer", "Partner"]


def system_account_fields(select_options: dict[str, list[Any]]) -> list[FieldDefinition]:
    """The system fields every Lightfield account has; select options come from the fixture."""
    return [
        system_field("$name", "Name", "TEXT"),
        system_field("$website", "Website", "URL", multiple_values=True),
        system_field("$industry", "Industry", "MULTI_SELECT", options=select_options.get("$industry", [])),
        system_field("$headcount", "Headcount", "SINGLE_SELECT", options=select_options.get("$headcount", [])),
        system_field(
            "$lastFundingType", "Last funding type", "SINGLE_SELECT",
            options=select_options.get("$lastFundingType", []),
        ),
        system_field("$linkedIn", "LinkedIn", "SOCIAL_HANDLE", handle_service="LINKEDIN"),
        system_field("$twitter", "X (Twitter)", "SOCIAL_HANDLE", handle_service="TWITTER"),
        system_field("$facebook", "Facebook", "SOCIAL_HANDLE", handle_service="FACEBOOK"),
        system_field("$instagram", "Instagram", "SOCIAL_HANDLE", handle_service="INSTAGRAM"),
        system_field("$primaryAddress", "Primary address", "ADDRESS"),
        system_field("$howTheyMakeMoney", "How they make money", "MARKDOWN", read_only=True),
        system_field(
            "$accountStatus", "Account status", "SINGLE_SELECT", read_only=True,
            options=select_options.get("$accountStatus", ACCOUNT_STATUS_OPTIONS),
        ),
    ]


def system_relationship(
    key: str, label: str, object_type: str, cardinality: str, *, read_only: bool = False
) -> RelationshipDefinition:
    return RelationshipDefinition(
        key=key,
        label=label,
        object_type=object_type,
        cardinality=cardinality,
        id=stable_id("rd", "account", key),
        slug=decisions.SYSTEM_RELATIONSHIP_SLUG.format(name=key.lstrip("$")),
        read_only=read_only,
    )


def system_account_relationships() -> list[RelationshipDefinition]:
    return [
        system_relationship("$owner", "Owner", "member", "HAS_ONE"),
        system_relationship("$contact", "Contacts", "contact", "HAS_MANY"),
        system_relationship("$opportunity", "Opportunities", "opportunity", "HAS_MANY", read_only=True),
        system_relationship("$task", "Tasks", "task", "HAS_MANY", read_only=True),
        system_relationship("$note", "Notes", "note", "HAS_MANY", read_only=True),
        system_relationship("$meeting", "Meetings", "meeting", "HAS_MANY", read_only=True),
    ]
