"""The record kinds lfsync knows (lightfield-api.md), and lookups by name and by address.

A new kind is one `RecordKind` here, added to `KINDS`."""

from __future__ import annotations

from lfsync.kinds.lists import list_kind
from lfsync.kinds.record_kind import ReadBack, RecordKind, RelationshipLink

ACCOUNT = RecordKind(
    name="account",
    declaration_key="accounts",
    api_path="/v1/accounts",
    read_back=ReadBack(id_prefix="acc_"),
    required_fields=("$name",),
    read_only_fields=frozenset({"$howTheyMakeMoney", "$accountStatus"}),
    read_only_relationships=frozenset({"$opportunity", "$task", "$note", "$meeting"}),
    identity_field="$name",
    field_history=True,
    relationships=(
        RelationshipLink("$owner", "member", "outgoing", "HAS_ONE"),
        RelationshipLink("$contact", "contact", "outgoing", "HAS_MANY"),
        RelationshipLink("$opportunity", "opportunity", "incoming", "HAS_MANY"),
        RelationshipLink("$task", "task", "incoming", "HAS_MANY"),
        RelationshipLink("$note", "note", "incoming", "HAS_MANY"),
        RelationshipLink("$meeting", "meeting", "incoming", "HAS_MANY"),
    ),
)

# Contacts: people, linked to their accounts. The account-contact link has two writable sides
# (a contact's `$account`, an account's `$contact`): lightfield-api-objects.md "Contacts".
CONTACT = RecordKind(
    name="contact",
    declaration_key="contacts",
    api_path="/v1/contacts",
    read_back=ReadBack(id_prefix="con_"),
    identity_field="$email",  # contacts are deduplicated by email (lightfield-api-objects.md)
    field_history=True,
    relationships=(
        RelationshipLink("$account", "account", "outgoing", "HAS_MANY"),
        RelationshipLink("$owner", "member", "outgoing", "HAS_ONE"),
    ),
)

# Opportunities: deals of one account; `$stage` is a pipeline stage (label or option ID).
OPPORTUNITY = RecordKind(
    name="opportunity",
    declaration_key="opportunities",
    api_path="/v1/opportunities",
    read_back=ReadBack(id_prefix="opp_"),
    required_fields=("$name", "$stage"),  # `$stage`: required on create (lightfield-api-objects.md)
    required_relationships=("$account",),
    read_only_fields=frozenset({"$opportunityStatus"}),
    read_only_relationships=frozenset({"$task", "$note", "$meeting"}),
    identity_field="$name",
    field_history=True,
    enriched=False,  # no `skipEnrichment` on create (lightfield-api-objects.md "Opportunities")
    relationships=(
        RelationshipLink("$account", "account", "outgoing", "HAS_ONE"),
        RelationshipLink("$owner", "member", "outgoing", "HAS_ONE"),
        RelationshipLink("$champion", "contact", "outgoing", "HAS_ONE"),
        RelationshipLink("$evaluator", "contact", "outgoing", "HAS_MANY"),
        RelationshipLink("$createdBy", "member", "outgoing", "HAS_ONE"),
        RelationshipLink("$task", "task", "incoming", "HAS_MANY"),
        RelationshipLink("$note", "note", "incoming", "HAS_MANY"),
        RelationshipLink("$meeting", "meeting", "incoming", "HAS_MANY"),
    ),
)

# Tasks: to-dos assigned to a member, of an account and/or an opportunity (lightfield-api-objects.md
# "Tasks"). No field history; `$status` is one of four values; `$note` is read-only.
TASK = RecordKind(
    name="task",
    declaration_key="tasks",
    api_path="/v1/tasks",
    read_back=ReadBack(),  # ID prefix not documented
    recognised_id_prefix="task_",  # the emulator's (decision 12): how an `unmanaged.<ID>` is known as a task
    required_fields=("$title", "$status"),
    required_relationships=("$assignedTo",),
    read_only_relationships=frozenset({"$note"}),
    identity_field="$title",
    enriched=False,  # no `skipEnrichment` on create
    markdown_fields=frozenset({"$description"}),
    fixed_choices=(("$status", ("TODO", "IN_PROGRESS", "COMPLETE", "CANCELLED")),),
    relationships=(
        RelationshipLink("$assignedTo", "member", "outgoing", "HAS_ONE"),
        RelationshipLink("$account", "account", "outgoing", "HAS_ONE"),
        RelationshipLink("$opportunity", "opportunity", "outgoing", "HAS_ONE"),
        RelationshipLink("$createdBy", "member", "outgoing", "HAS_ONE"),
        RelationshipLink("$note", "note", "incoming", "HAS_MANY"),
    ),
)

# Notes: markdown written about accounts, opportunities and contacts (lightfield-api-objects.md
# "Notes"). Their links are HAS_MANY and updated by add/remove only (never `replace`); meetings are
# not declared, so `$meeting` cannot be; the author is the API key's member. No field history.
NOTE = RecordKind(
    name="note",
    declaration_key="notes",
    api_path="/v1/notes",
    read_back=ReadBack(),  # ID prefix not documented
    recognised_id_prefix="note_",
    required_fields=("$title",),
    markdown_fields=frozenset({"$content"}),
    read_only_relationships=frozenset({"$meeting", "$author"}),
    identity_field="$title",
    enriched=False,
    relationships=(
        RelationshipLink("$account", "account", "outgoing", "HAS_MANY"),
        RelationshipLink("$opportunity", "opportunity", "outgoing", "HAS_MANY"),
        RelationshipLink("$contact", "contact", "outgoing", "HAS_MANY"),
        RelationshipLink("$meeting", "meeting", "outgoing", "HAS_MANY"),
        RelationshipLink("$author", "member", "outgoing", "HAS_ONE"),
    ),
)

# Lists: named collections of accounts, contacts or opportunities (lfsync.kinds.lists).
LIST = list_kind()

# Members are read, never declared: `$owner` names one (by ID or email).
MEMBER = RecordKind(
    name="member",
    declaration_key="members",
    api_path="/v1/members",
    read_back=ReadBack(id_prefix="mem_"),
    declarable=False,
    most_listed=10_000,  # people with a seat: every plan lists them all
)

# Links writable from both sides, one link in Lightfield: (kind, key, other kind, other key). An
# account's `$contact` and a contact's `$account` name the same account-contact link.
TWO_SIDED_LINKS: tuple[tuple[str, str, str, str], ...] = (("account", "$contact", "contact", "$account"),)

KINDS: dict[str, RecordKind] = {kind.name: kind for kind in (ACCOUNT, CONTACT, OPPORTUNITY, TASK, NOTE, LIST, MEMBER)}
DECLARABLE_KINDS: tuple[RecordKind, ...] = tuple(kind for kind in KINDS.values() if kind.declarable)


def kind_named(name: str) -> RecordKind:
    return KINDS[name]


def kind_declared_as(declaration_key: str) -> RecordKind | None:
    """The declarable kind whose declarations sit under `declaration_key` ("contacts"), or None."""
    return next((kind for kind in DECLARABLE_KINDS if kind.declaration_key == declaration_key), None)


def identity_field_of(kind: RecordKind, configured: str) -> str:
    """The field --adopt matches a record of `kind` on: lfsync.yaml's `identity:` for accounts
    (`configured`, $name unless set), each other kind's own (a contact's $email)."""
    return configured if kind is ACCOUNT else kind.identity_field


UNMANAGED = "unmanaged"  # `unmanaged.<ID>`: a record no declaration names (reset trashes it)


def kind_of_address(address: str) -> RecordKind:
    """The kind an address names: `account.acme` by its prefix, `unmanaged.acc_...` by its ID's
    prefix. KeyError for an address of no declarable kind."""
    name, dot, rest = address.partition(".")
    if dot and name == UNMANAGED:
        kind = next((kind for kind in DECLARABLE_KINDS if kind.owns_id(rest)), None)
    else:
        kind = KINDS.get(name) if dot else None
    if kind is None or not kind.declarable:
        raise KeyError(address)
    return kind
