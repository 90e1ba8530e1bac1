"""`RecordKind`: one kind of Lightfield record described as data, so code that handles records
takes a kind instead of spelling "account", "accounts" or "/v1/accounts"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping
from urllib.parse import quote

Cardinality = Literal["HAS_ONE", "HAS_MANY"]
# outgoing: this record names the other (written here); incoming: the other record names this one
# (read-only here); both: a self-referential relationship, read back in both directions.
Direction = Literal["outgoing", "incoming", "both"]


@dataclass(frozen=True, slots=True)
class RelationshipLink:
    """A system relationship of a kind: which kind it points at, in which direction, how many."""

    key: str  # "$owner"
    target: str  # the name of the kind it links to ("member")
    direction: Direction
    cardinality: Cardinality


@dataclass(frozen=True, slots=True)
class ReadBack:
    """How a record of the kind reads back from the API: which wire parts hold its fields and its
    relationships, and the prefix of its IDs (None where the docs name none)."""

    fields_part: str = "fields"
    relationships_part: str = "relationships"
    id_prefix: str | None = None


@dataclass(frozen=True, slots=True)
class RecordKind:
    name: str  # "account": the address prefix's word, used in messages
    declaration_key: str  # "accounts": the declaration files' top-level key
    api_path: str  # "/v1/accounts"
    read_back: ReadBack
    required_fields: tuple[str, ...] = ()  # every declaration holds them
    required_relationships: tuple[str, ...] = ()  # every declaration holds them (an opportunity's `$account`)
    read_only_fields: frozenset[str] = frozenset()
    read_only_relationships: frozenset[str] = frozenset()
    identity_field: str = "$name"  # what --adopt matches on unless lfsync.yaml says otherwise
    relationships: tuple[RelationshipLink, ...] = ()
    declarable: bool = True  # False for kinds lfsync only reads (members)
    enriched: bool = True  # False where a create takes no `skipEnrichment` (opportunities: a summary is made instead)
    # The most records one list of the kind may hold: a server promising more (a hostile
    # `totalCount`) or paging on past it is an error, not a list that never ends.
    most_listed: int = 1_000_000
    # Whether the API serves each field's value history (`GET <record>/fields/{key}/history`).
    field_history: bool = False
    # Where the docs name no ID prefix: the prefix by which an ID is recognised as the kind's (an
    # `unmanaged.<ID>` address, a link's target), never required of the IDs the API answers.
    recognised_id_prefix: str | None = None
    # Fields whose value is one of a fixed set the docs list (a task's `$status`): (key, choices),
    # matched in any case, written as the choice.
    fixed_choices: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # MARKDOWN fields the docs say are written as markdown text (a note's `$content`); elsewhere
    # MARKDOWN is not writable (lightfield-api.md).
    markdown_fields: frozenset[str] = frozenset()
    # Definitions the kind has without a definitions endpoint (lists: lfsync.kinds.lists), as the
    # endpoint would answer them; None where the API serves them.
    fixed_definitions: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)
    # Whether a trashed record can be restored through the API (lists cannot: re-created instead).
    restorable: bool = True
    # Whether list reads take `status` and field filters (lists take only limit and offset: no trash
    # is listed, and lookups by a field read every record and narrow here).
    filterable: bool = True

    @property
    def address_prefix(self) -> str:
        """"account.": what every address of the kind starts with."""
        return self.name + "."

    @property
    def id_prefix(self) -> str | None:
        return self.read_back.id_prefix

    @property
    def definitions_path(self) -> str:
        return f"{self.api_path}/definitions"

    def record_path(self, record_id: str) -> str:
        """The record's URL path; the ID is escaped as one segment whatever it holds."""
        return f"{self.api_path}/{path_segment(record_id)}"

    def field_history_path(self, record_id: str, key: str) -> str:
        """The path of one field's history of a record; ID and field key each escaped as one segment."""
        return f"{self.record_path(record_id)}/fields/{path_segment(key)}/history"

    def owns_id(self, record_id: str) -> bool:
        """Whether `record_id` is an ID of this kind (by its documented prefix)."""
        prefix = self.id_prefix or self.recognised_id_prefix
        return prefix is not None and record_id.startswith(prefix)

    def choices_of(self, key: str) -> tuple[str, ...] | None:
        """The values a fixed-choice field takes (a task's `$status`), or None for any other field."""
        return next((choices for field_key, choices in self.fixed_choices if field_key == key), None)

    def link(self, key: str) -> RelationshipLink | None:
        return next((link for link in self.relationships if link.key == key), None)


def path_segment(value: str) -> str:
    """`value` escaped as one URL path segment: `/`, `?`, `#`, `%` and dots (a `..` segment would
    be resolved away) are percent-encoded, so no ID reaches another endpoint, a query or a fragment."""
    return quote(value, safe="").replace(".", "%2E")
