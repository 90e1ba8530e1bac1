"""The organisation an emulator serves, loaded from a YAML fixture (decision 10): the definitions of
accounts, contacts and opportunities (`accounts:`, `contacts:`, `opportunities:`, each with
`systemFieldOptions`, `customFields`, `customRelationships`; opportunities also `pipelines`), the
custom relationships of tasks and notes (`tasks:`, `notes:`; they take no custom fields), the
contacts it starts with, members and API keys (each may name the `member` acting through it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from .ids import stable_id
from .object_types import OBJECT_TYPES
from .pipelines import Pipelines, make_pipeline
from .schema import (
    CARDINALITIES,
    HANDLE_SERVICES,
    VALUE_TYPES,
    Direction,
    FieldDefinition,
    ObjectSchema,
    RelationshipDefinition,
    make_options,
)
from .system_definitions import system_fields, system_relationships

DEFAULT_ORG_FIXTURE = Path(__file__).with_name("default_org.yaml")

ALL_SCOPES = (
    *(f"{path}:{action}" for path in ("accounts", "contacts", "opportunities", "tasks", "notes")
      for action in ("create", "read", "update", "delete", "restore")),
    *(f"lists:{action}" for action in ("create", "read", "update", "delete")),  # no restore over the API
    "members:read",
)


class FixtureError(ValueError):
    """The organisation fixture is malformed; the message names the file and the place."""


@dataclass(frozen=True)
class Member:
    id: str
    email: str
    first_name: str | None
    last_name: str | None
    role: str
    user_id: str


@dataclass(frozen=True)
class Contact:
    """A contact the organisation starts with (stored as a contact record when first served)."""

    id: str
    first_name: str | None
    last_name: str | None
    email: str | None = None
    trashed: bool = False


@dataclass(frozen=True)
class ApiKey:
    key: str
    scopes: frozenset[str]
    full_access: bool
    description: str = ""
    lists_scopes: bool = True  # decision 10: False, auth/validate names no scopes (as for full access)
    member_id: str | None = None  # the member acting through the key (decisions 29, 30), if any


@dataclass
class Organisation:
    id: str
    name: str
    schemas: dict[str, ObjectSchema]  # by object type: account, contact, opportunity
    members: dict[str, Member] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    pipelines: dict[str, Pipelines] = field(default_factory=dict)  # by object type, where it has them

    @property
    def schema(self) -> ObjectSchema:
        """The account definitions."""
        return self.schemas["account"]


def load_organisation(path: Path | None = None) -> Organisation:
    path = path or DEFAULT_ORG_FIXTURE
    try:
        data = YAML(typ="safe").load(Path(path).read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise FixtureError(f"{path}: cannot read organisation fixture: {exc}") from exc
    try:
        return _build_organisation(data or {})
    except (KeyError, TypeError, ValueError) as exc:
        raise FixtureError(f"{path}: {exc}") from exc


def _build_organisation(data: dict[str, Any]) -> Organisation:
    org = data.get("organization") or {}
    sections = {name: data.get(object_type.path) or {} for name, object_type in OBJECT_TYPES.items()}
    contact_records = sections["contact"]
    if isinstance(contact_records, list):  # the older form: `contacts:` lists the records alone
        sections["contact"] = {"records": contact_records}
    pipelines = {name: _pipelines(name, section["pipelines"]) for name, section in sections.items()
                 if section.get("pipelines")}
    schemas = {name: _schema(name, section, pipelines.get(name)) for name, section in sections.items()}

    members = {m.id: m for m in (_member(spec) for spec in data.get("members") or [])}
    contacts = {c.id: c for c in (_contact(spec) for spec in sections["contact"].get("records") or [])}
    api_keys = {k.key: k for k in (_api_key(spec) for spec in data.get("apiKeys") or [])}
    if not api_keys:
        raise ValueError("apiKeys: at least one API key is needed")
    for key in api_keys.values():
        if key.member_id is not None and key.member_id not in members:
            raise ValueError(f"apiKeys.{key.key}.member: {key.member_id!r} is not a member")
    return Organisation(
        id=str(org.get("id") or "org_local"),
        name=str(org.get("name") or "Local Lightfield"),
        schemas=schemas,
        members=members,
        contacts=contacts,
        api_keys=api_keys,
        pipelines=pipelines,
    )


def _schema(object_type: str, section: dict[str, Any], pipelines: Pipelines | None) -> ObjectSchema:
    schema = ObjectSchema(object_type=object_type)
    for definition in system_fields(object_type, section.get("systemFieldOptions") or {}):
        schema.fields[definition.key] = definition
    for definition in pipelines.field_definitions(object_type) if pipelines else ():
        schema.fields[definition.key] = definition
    if section.get("customFields") and not OBJECT_TYPES[object_type].takes_custom_fields:
        raise ValueError(f"{OBJECT_TYPES[object_type].path}.customFields: only system fields are supported")
    for key, spec in (section.get("customFields") or {}).items():
        schema.fields[key] = _custom_field(str(key), spec, object_type)
    for relationship in system_relationships(object_type):
        schema.relationships[relationship.key] = relationship
    for key, spec in (section.get("customRelationships") or {}).items():
        schema.relationships[key] = _custom_relationship(str(key), spec, object_type)
    return schema


def _pipelines(object_type: str, specs: list[dict[str, Any]]) -> Pipelines:
    """`pipelines: [{name, stages: [labels], default?, id?, active?}]`; at most one default, which
    is active; `active: false` retires a pipeline (decision 27)."""
    made = tuple(
        make_pipeline(object_type, str(spec["name"]), [str(label) for label in spec["stages"]],
                      default=bool(spec.get("default", False)), pipeline_id=spec.get("id"))
        for spec in specs
    )
    active = tuple(spec.get("active", True) is not False for spec in specs)
    if sum(p.default for p in made) > 1:
        raise ValueError(f"{OBJECT_TYPES[object_type].path}.pipelines: at most one default pipeline")
    if any(p.default and not on for p, on in zip(made, active)):
        raise ValueError(f"{OBJECT_TYPES[object_type].path}.pipelines: the default pipeline must be active")
    if any(not p.stages for p in made):
        raise ValueError(f"{OBJECT_TYPES[object_type].path}.pipelines: every pipeline needs stages")
    return Pipelines(tuple(p for p, on in zip(made, active) if on), retired=tuple(p for p, on in zip(made, active) if not on))


def _custom_field(key: str, spec: dict[str, Any], object_type: str = "account") -> FieldDefinition:
    if key.startswith("$"):
        raise ValueError(f"customFields.{key}: custom field keys have no `$` prefix")
    value_type = spec["valueType"]
    if value_type not in VALUE_TYPES:
        raise ValueError(f"customFields.{key}.valueType: unknown value type {value_type!r}")
    handle_service = spec.get("handleService")
    if value_type == "SOCIAL_HANDLE" and handle_service not in HANDLE_SERVICES:
        raise ValueError(f"customFields.{key}.handleService: one of {sorted(HANDLE_SERVICES)}")
    if value_type == "CURRENCY" and not spec.get("currency"):
        raise ValueError(f"customFields.{key}.currency: a CURRENCY field needs an ISO 4217 code")
    return FieldDefinition(
        key=key,
        label=str(spec.get("label") or key),
        value_type=value_type,
        id=str(spec.get("id") or stable_id("ad", object_type, key)),
        read_only=bool(spec.get("readOnly", False)),
        description=spec.get("description"),
        options=tuple(make_options(key, spec.get("options") or [], object_type)),
        currency=spec.get("currency"),
        handle_service=handle_service,
        multiple_values=spec.get("multipleValues"),
    )


def _custom_relationship(key: str, spec: dict[str, Any], owner_type: str = "account") -> RelationshipDefinition:
    cardinality = str(spec.get("cardinality", "HAS_MANY")).upper()
    if cardinality not in CARDINALITIES:
        raise ValueError(f"customRelationships.{key}.cardinality: HAS_ONE or HAS_MANY")
    object_type = spec["objectType"]
    if object_type not in ("account", "contact", "member", "opportunity"):
        raise ValueError(f"customRelationships.{key}.objectType: account, contact, member or opportunity")
    directions = spec.get("directions") or {}
    as_source = as_destination = None
    if object_type == owner_type:
        source = directions.get("asSource") or {}
        destination = directions.get("asDestination") or {}
        as_source = Direction(str(source.get("cardinality", cardinality)).upper(), str(source.get("label", key)))
        as_destination = Direction(
            str(destination.get("cardinality", "HAS_MANY")).upper(), str(destination.get("label", key))
        )
    return RelationshipDefinition(
        key=key,
        label=str(spec.get("label") or key),
        object_type=object_type,
        cardinality=cardinality,
        id=str(spec.get("id") or stable_id("rd", owner_type, key)),
        slug=str(spec.get("slug") or key),
        read_only=bool(spec.get("readOnly", False)),
        description=spec.get("description"),
        as_source=as_source,
        as_destination=as_destination,
        owner_type=owner_type,
    )


def _member(spec: dict[str, Any]) -> Member:
    member_id = str(spec["id"])
    if not member_id.startswith("mem_"):
        raise ValueError(f"members: {member_id!r} must start with mem_")
    return Member(
        id=member_id,
        email=str(spec["email"]),
        first_name=spec.get("firstName"),
        last_name=spec.get("lastName"),
        role=str(spec.get("role", "Member")),
        user_id=str(spec.get("userId") or stable_id("usr", member_id)),
    )


def _contact(spec: dict[str, Any]) -> Contact:
    contact_id = str(spec["id"])
    if not contact_id.startswith("con_"):
        raise ValueError(f"contacts: {contact_id!r} must start with con_")
    first, _, last = str(spec.get("name", "")).strip().partition(" ")
    return Contact(id=contact_id, first_name=spec.get("firstName", first or None),
                   last_name=spec.get("lastName", last or None), email=spec.get("email"),
                   trashed=bool(spec.get("trashed", False)))


def _api_key(spec: dict[str, Any]) -> ApiKey:
    scopes = spec.get("scopes", "all")
    full_access = scopes == "all"
    granted = frozenset(ALL_SCOPES) if full_access else frozenset(str(s) for s in scopes)
    unknown = granted - set(ALL_SCOPES)
    if unknown:
        raise ValueError(f"apiKeys.{spec['key']}: unknown scopes {sorted(unknown)}")
    return ApiKey(key=str(spec["key"]), scopes=granted, full_access=full_access,
                  description=str(spec.get("description", "")), lists_scopes=bool(spec.get("validateListsScopes", True)),
                  member_id=str(spec["member"]) if spec.get("member") else None)
