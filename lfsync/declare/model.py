"""The declaration model: declared accounts that remember where each part was written, and a
project's declarations as a whole. Data only; the readers (yamlcheck, csvfile) build it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from lfsync.declare.addresses import references_in
from lfsync.declare.ignorechanges import IgnoreChanges
from lfsync.errors import Problem, Problems, SourceLocation

Place = tuple[int, int]  # (line, column) in the file of the account it belongs to, 1-based


@dataclass(frozen=True, slots=True)
class AccountDeclaration:
    """One declared account. `location` is where its key was written; its fields and relationships
    keep only their places (a SourceLocation each is built for a message: 100,000 accounts hold
    about 700,000 of them)."""

    key: str
    address: str
    fields: dict[str, Any]
    relationships: dict[str, str | list[str]]
    skip_enrichment: bool | None
    location: SourceLocation
    protect: bool = False  # refuse to delete it, even with --prune
    field_places: dict[str, Place] = field(default_factory=dict)
    relationship_places: dict[str, Place] = field(default_factory=dict)
    # `ignore_changes:` (lfsync.declare.ignorechanges): `all`, or each key named with where it is written
    ignore_all: bool = False
    ignored_places: dict[str, Place] = field(default_factory=dict)

    @property
    def ignore_changes(self) -> IgnoreChanges:
        return IgnoreChanges(frozenset(self.ignored_places), self.ignore_all)

    def references(self) -> list[str]:
        return references_in(self.relationships)

    def field_location(self, key: str) -> SourceLocation:
        return SourceLocation(self.location.file, *self.field_places[key])

    def relationship_location(self, key: str) -> SourceLocation:
        return SourceLocation(self.location.file, *self.relationship_places[key])


@dataclass(frozen=True, slots=True)
class MoveDeclaration:
    """One entry of a `moved:` list: the record state holds under `source` is now declared as
    `destination` (both addresses like account.acme); `location` is where the entry was written."""

    source: str
    destination: str
    location: SourceLocation


@dataclass(frozen=True)
class GeneratedSet:
    """What one file's `generate:` block made, for the plan's check of the Faker version (the
    version the block pins, where it pins it, the addresses it made)."""

    file: str
    pinned: str
    place: Place
    addresses: tuple[str, ...]

    @property
    def location(self) -> SourceLocation:
        return SourceLocation(self.file, *self.place)


@dataclass(frozen=True)
class Declarations:
    accounts: dict[str, AccountDeclaration]
    files: list[str]
    digest: str
    # (content key, addresses) per file: the key names the file's bytes and how they were read,
    # not its name, for caches of per-file results (values.check.check_declarations_cached)
    file_accounts: list[tuple[str, list[str]]] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # found, not fatal: shown, and the run goes on
    # references to undeclared accounts, left for the caller to report with the values' problems
    # (load_declarations' defer_references); empty otherwise
    unresolved: Problems = field(default_factory=Problems)
    # `moved:` entries of every file, checked across files (declare.moves), in file order
    moves: list[MoveDeclaration] = field(default_factory=list)
    # what each file's `generate:` block made, in file order
    generated: list[GeneratedSet] = field(default_factory=list)

    def with_accounts(self, addresses: list[str]) -> "Declarations":
        """The same declarations narrowed to these accounts."""
        return replace(self, accounts={address: self.accounts[address] for address in addresses})


Reference = tuple[str, Place, str]  # (the address referred to, where, the relationship)


@dataclass
class ParsedAccount:
    """An account as found in a file; `declaration` is None when the account has problems."""

    address: str
    location: SourceLocation
    declaration: AccountDeclaration | None
    references: list[Reference] = field(default_factory=list)

    def location_of(self, place: Place) -> SourceLocation:
        return SourceLocation(self.location.file, *place)
