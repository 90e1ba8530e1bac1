"""Lists as a record kind (lightfield-api-objects.md "Lists"): named collections of accounts,
contacts or opportunities, declared under `lists:` as `list.<key>`.

A list differs from the other kinds, and this module holds those differences as data:
- the API serves no definitions for lists: `LIST_DEFINITIONS` is what such an endpoint would
  answer (`$name`, `$description` TEXT; `$objectType` a select whose option IDs are the forms the
  API reads back, `$account`, and whose labels are the deprecated bare forms, `account`);
- its members are relationships of the list in lfsync (`$accounts: [account.a]`, as the create
  body writes them) but are read back from `GET /v1/lists/{id}/<type>`, one path per `$objectType`;
- `$objectType` cannot change, and a trashed list cannot be restored (it is re-created).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lfsync.kinds.record_kind import ReadBack, RecordKind, RelationshipLink

OBJECT_TYPE_FIELD = "$objectType"


@dataclass(frozen=True, slots=True)
class MemberType:
    """What a list of one `$objectType` holds: the kind of its members, the relationship key they
    are written with and the path they are read from."""

    object_type: str  # "$account": the form the API reads back
    kind_name: str  # "account"
    key: str  # "$accounts"
    path: str  # "accounts": GET /v1/lists/{id}/accounts


MEMBER_TYPES: tuple[MemberType, ...] = (
    MemberType("$account", "account", "$accounts", "accounts"),
    MemberType("$contact", "contact", "$contacts", "contacts"),
    MemberType("$opportunity", "opportunity", "$opportunities", "opportunities"),
)
MEMBER_KEYS = frozenset(member.key for member in MEMBER_TYPES)


def member_type_of(object_type: Any) -> MemberType | None:
    """The MemberType of a `$objectType` value (`$account` or the bare `account`), or None."""
    if not isinstance(object_type, str):
        return None
    bare = object_type.removeprefix("$")
    return next((member for member in MEMBER_TYPES if member.kind_name == bare), None)


def _text_field(label: str) -> dict[str, Any]:
    return {"label": label, "valueType": "TEXT", "typeConfiguration": {}}


LIST_DEFINITIONS: dict[str, Any] = {
    "objectType": "list",
    "fieldDefinitions": {
        "$name": _text_field("Name"),
        "$description": _text_field("Description"),
        OBJECT_TYPE_FIELD: {
            "label": "Object type",
            "valueType": "SINGLE_SELECT",
            "typeConfiguration": {
                "options": [{"id": member.object_type, "label": member.kind_name} for member in MEMBER_TYPES]
            },
        },
    },
    "relationshipDefinitions": {
        member.key: {"label": member.path.capitalize(), "cardinality": "HAS_MANY", "objectType": member.kind_name}
        for member in MEMBER_TYPES
    },
}


def list_kind() -> RecordKind:
    """The LIST RecordKind (lfsync.kinds.catalogue.LIST)."""
    return RecordKind(
        name="list",
        declaration_key="lists",
        api_path="/v1/lists",
        read_back=ReadBack(),  # the docs name no list ID prefix
        recognised_id_prefix="list_",  # the emulator's (decision 31): how an `unmanaged.<ID>` is known as a list
        required_fields=("$name", OBJECT_TYPE_FIELD),
        identity_field="$name",
        enriched=False,  # no `skipEnrichment` on a list create
        relationships=tuple(RelationshipLink(member.key, member.kind_name, "outgoing", "HAS_MANY") for member in MEMBER_TYPES),
        fixed_definitions=LIST_DEFINITIONS,
        restorable=False,
        filterable=False,
    )
