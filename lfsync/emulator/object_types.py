"""The object types the emulator serves as records (accounts, contacts, opportunities, tasks,
notes): what differs between them beyond their definitions — URL path, create options, required
parts, which fields keep no history, whether they have field history and custom fields, which
relationship update operations they take, and the relationship a create fills with the acting
member. Everything else is the same code for every type (records.py). Lists are not records
(lists.py)."""

from __future__ import annotations

from dataclasses import dataclass

from . import decisions


@dataclass(frozen=True)
class Required:
    """A field or relationship a record must have; `param` is what a refusal names."""

    key: str
    param: str


@dataclass(frozen=True)
class ObjectType:
    name: str  # "contact": the definitions' objectType
    path: str  # "contacts": the URL segment under /v1/ (and the name of its store table)
    label: str  # "Contact", in messages
    takes_skip_enrichment: bool = True
    required_fields: tuple[Required, ...] = ()
    required_relationships: tuple[Required, ...] = ()
    column_backed_fields: frozenset[str] = decisions.HISTORY_COLUMN_BACKED_FIELDS
    has_field_history: bool = True
    takes_custom_fields: bool = True
    relationship_operations: tuple[str, ...] = ("replace", "remove", "add")
    # Filled on create when not written: with the key's member, else with the first ID of
    # `actor_fallback` (decisions 29, 30).
    actor_relationship: str | None = None
    actor_fallback: str | None = None

    def create_keys(self) -> frozenset[str]:
        keys = {"fields", "relationships"}
        return frozenset(keys | {"skipEnrichment"}) if self.takes_skip_enrichment else frozenset(keys)


ACCOUNT = ObjectType(
    name="account", path="accounts", label="Account",
    required_fields=(Required("$name", decisions.MISSING_PARAM["$name"]),),
)
CONTACT = ObjectType(name="contact", path="contacts", label="Contact")  # no required field (SDK)
OPPORTUNITY = ObjectType(
    name="opportunity", path="opportunities", label="Opportunity",
    takes_skip_enrichment=False,
    required_fields=(Required("$name", decisions.MISSING_PARAM["$name"]),
                     Required("$stage", decisions.MISSING_PARAM["$stage"])),
    required_relationships=(Required("$account", decisions.MISSING_PARAM["$account"]),),
)

TASK = ObjectType(
    name="task", path="tasks", label="Task",
    takes_skip_enrichment=False, has_field_history=False, takes_custom_fields=False,
    required_fields=(Required("$title", decisions.MISSING_PARAM["$title"]),
                     Required("$status", decisions.MISSING_PARAM["$status"])),
    required_relationships=(Required("$assignedTo", decisions.MISSING_PARAM["$assignedTo"]),),
    actor_relationship="$createdBy", actor_fallback="$assignedTo",
)
NOTE = ObjectType(
    name="note", path="notes", label="Note",
    takes_skip_enrichment=False, has_field_history=False, takes_custom_fields=False,
    required_fields=(Required("$title", decisions.MISSING_PARAM["$title"]),),
    relationship_operations=("remove", "add"),  # HAS_MANY only: "`replace` is not supported" (SDK)
    actor_relationship=decisions.NOTE_AUTHOR_KEY,
)

OBJECT_TYPES: dict[str, ObjectType] = {t.name: t for t in (ACCOUNT, CONTACT, OPPORTUNITY, TASK, NOTE)}
