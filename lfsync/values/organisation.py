"""What lfsync knows of the target organisation: its field and relationship definitions and its
members, as one value with a digest, and the definitions snapshot a project may commit.

A pull-request job often has no API key. `lfsync definitions pull` writes `lfsync.definitions.json`
beside lfsync.yaml; plan checks values against it when the target cannot be asked, and apply, which
always asks, refuses while the live organisation differs from the committed snapshot.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from lfsync.api.records import (
    Definitions,
    Member,
    RelationshipDefinition,
    UnexpectedAnswer,
    member_from,
    parse_definitions,
    parse_record,
)
from lfsync.config.project import LOCAL_DIR
from lfsync.errors import LfsyncError, display_path
from lfsync.support.atomicfile import write_atomically
from lfsync.support.jsonfile import read_versioned
from lfsync.values.types import FieldSpec

if TYPE_CHECKING:
    from lfsync.config.project import Project

SNAPSHOT_FILE = "lfsync.definitions.json"
ACCOUNT_KIND = "account"  # the kind `Organisation.definitions` describes (lfsync.kinds.catalogue.ACCOUNT)
SNAPSHOT_FORMAT_VERSION = 1


RelationshipSpec = RelationshipDefinition  # key, cardinality (HAS_ONE | HAS_MANY), object type; holds_one


@dataclass(frozen=True)
class Organisation:
    """Built from the wire documents, which it keeps (sorted) for the snapshot file and the digest."""

    definitions: dict[str, Any]
    members: list[dict[str, str]] | None  # [{id, email}] sorted by id; None when not known

    # The same definitions typed (lfsync.api.records): parsed once, when built from them.
    parsed: Definitions | None = field(default=None, compare=False, repr=False)
    # The definitions of the other kinds read (contacts, opportunities) by kind name, as on the wire;
    # only those a project declares, so an accounts-only project's digest is what it always was.
    kinds: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_api(
        cls, definitions: Definitions, members: list[Member] | None, kinds: dict[str, Definitions] | None = None
    ) -> "Organisation":
        listed = None if members is None else sorted(
            ({"id": member.id, "email": member.email} for member in members), key=lambda member: member["id"]
        )
        return cls(
            definitions=definitions.document, members=listed, parsed=definitions,
            kinds={name: typed.document for name, typed in sorted((kinds or {}).items())},
        )

    def of_kind(self, name: str) -> "Organisation | None":
        """The organisation as records of kind `name` see it: that kind's definitions, the same
        members; None where its definitions were not read."""
        if name == ACCOUNT_KIND:
            return self
        document = self.kinds.get(name)
        if document is None:
            return None
        return _kind_view(self, name, document)

    def narrowed_to(self, names: Iterable[str]) -> "Organisation":
        """The same organisation with only these kinds' definitions besides the accounts' (what a
        project declaring them compares and records)."""
        wanted = set(names)
        if set(self.kinds) <= wanted:
            return self
        return Organisation(
            self.definitions, self.members, self.parsed, {name: doc for name, doc in self.kinds.items() if name in wanted}
        )

    @classmethod
    def from_wire(cls, definitions: dict, member_records: list[dict] | None) -> "Organisation":
        """From a definitions answer and member records as JSON (checks against a fixture, tests)."""
        members = None if member_records is None else [
            member_from(parse_record(record, "GET /v1/members")) for record in member_records
        ]
        return cls.from_api(parse_definitions(definitions, "a definitions document"), members)

    @cached_property
    def typed(self) -> Definitions:
        return self.parsed or parse_definitions(self.definitions, "a definitions document")

    @cached_property
    def fields(self) -> dict[str, FieldSpec]:
        return {key: FieldSpec.from_definition(definition) for key, definition in self.typed.fields.items()}

    @cached_property
    def relationships(self) -> dict[str, RelationshipSpec]:
        return self.typed.relationships

    @cached_property
    def member_emails(self) -> dict[str, str]:
        """member ID -> email ('' where a member has none)."""
        return {member["id"]: member["email"] for member in self.members or []}

    @cached_property
    def digest(self) -> str:
        document: dict[str, Any] = {"definitions": self.definitions, "members": self.members}
        if self.kinds:
            document["kinds"] = self.kinds
        return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _kind_view(organisation: Organisation, name: str, document: dict[str, Any]) -> Organisation:
    cached = organisation.__dict__.setdefault("_kind_views", {})
    if name not in cached:
        cached[name] = Organisation(document, organisation.members)
    return cached[name]


# --- the committed snapshot --------------------------------------------------------------------


def snapshot_path(project_root: Path) -> Path:
    return project_root / SNAPSHOT_FILE


def write_snapshot(path: Path, organisation: Organisation, target: str, *, cache: bool = False) -> None:
    """The committed snapshot (`definitions pull`: indented, for review and diffs, made durable);
    with `cache`, a run's cache of it: compact and without an fsync (a damaged cache reads as none)."""
    document = {
        "format_version": SNAPSHOT_FORMAT_VERSION,
        "target": target,
        "pulled_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "digest": organisation.digest,
        "definitions": organisation.definitions,
        "members": organisation.members,
        **({"kinds": organisation.kinds} if organisation.kinds else {}),
    }
    indent = None if cache else 2
    write_atomically(path, json.dumps(document, indent=indent, sort_keys=True, ensure_ascii=False) + "\n", durable=not cache)


def read_snapshot(path: Path, target: str) -> Organisation | None:
    """The snapshot at `path`, or None if there is none or it was pulled from another target (a
    plan then says its values were not checked)."""
    if not path.exists():
        return None
    shown = display_path(path)
    document = read_versioned(path, SNAPSHOT_FORMAT_VERSION, "a definitions snapshot", "; run `lfsync definitions pull` again")
    if document.get("target") != target:
        return None  # another organisation's (e.g. another workspace's): it says nothing of this one
    definitions, members = document.get("definitions"), document.get("members")
    if not isinstance(definitions, dict) or not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
        raise LfsyncError(f"{shown}: damaged definitions snapshot; run `lfsync definitions pull` again")
    kinds = document.get("kinds", {})
    try:
        if not isinstance(kinds, dict):
            raise UnexpectedAnswer(shown, "kinds is not a mapping")
        typed = parse_definitions(definitions, shown)
        typed_kinds = {str(name): parse_definitions(doc, shown) for name, doc in kinds.items()}
    except UnexpectedAnswer:
        raise LfsyncError(f"{shown}: damaged definitions snapshot; run `lfsync definitions pull` again") from None
    return Organisation.from_api(typed, [Member(str(m.get("id")), str(m.get("email") or "")) for m in members], typed_kinds)


# --- where a run learns the organisation -------------------------------------------------------


@dataclass(frozen=True)
class KnownOrganisation:
    """The organisation a run checks values against, and where it came from (said in the plan)."""

    organisation: Organisation
    source: str


def cache_path(project: "Project") -> Path:
    return project.root / LOCAL_DIR / "definitions" / f"{project.workspace}.json"


def remember(project: "Project", organisation: Organisation) -> None:
    """Keep what was fetched under .lfsync/, for a later run that cannot ask the target."""
    try:
        write_snapshot(cache_path(project), organisation, project.target, cache=True)
    except OSError:
        pass  # a cache: a read-only checkout plans the same, only without it


def offline_organisation(project: "Project") -> KnownOrganisation | None:
    """For a run that cannot ask the target: the committed snapshot, else the cache of an earlier run."""
    for path, kind in ((snapshot_path(project.root), "committed"), (cache_path(project), "cached")):
        organisation = read_snapshot(path, project.target) if kind == "committed" else _read_cache(path, project.target)
        if organisation is not None:
            pulled = _pulled_at(path)
            return KnownOrganisation(organisation, f"the {kind} definitions in {display_path(path)} (pulled {pulled})")
    return None


def _read_cache(path: Path, target: str) -> Organisation | None:
    """The cache of an earlier run, or None if it is damaged: written without an fsync (remember), a
    lost power may have left it empty or cut short, and the run goes on as if there were none."""
    try:
        return read_snapshot(path, target)
    except LfsyncError:
        return None


def _pulled_at(path: Path) -> str:
    try:
        return str(json.loads(path.read_text(encoding="utf-8")).get("pulled_at", "at an unknown time"))
    except (OSError, ValueError):
        return "at an unknown time"


def differences(snapshot: Organisation, live: Organisation) -> list[str]:
    """What changed between a committed snapshot and the live organisation, for a refusal message."""
    changed: list[str] = []
    for section, noun in (("fieldDefinitions", "field"), ("relationshipDefinitions", "relationship")):
        before, after = snapshot.definitions[section], live.definitions[section]
        changed += [f"{noun} {key} added" for key in sorted(set(after) - set(before))]
        changed += [f"{noun} {key} removed" for key in sorted(set(before) - set(after))]
        changed += [f"{noun} {key} changed" for key in sorted(set(before) & set(after)) if before[key] != after[key]]
    changed += [f"definitions of {name} records added" for name in sorted(set(live.kinds) - set(snapshot.kinds))]
    changed += [f"definitions of {name} records changed" for name in sorted(set(live.kinds) & set(snapshot.kinds))
                if live.kinds[name] != snapshot.kinds[name]]
    before_members, after_members = snapshot.member_emails, live.member_emails
    changed += [f"member {after_members[m] or m} added" for m in sorted(set(after_members) - set(before_members))]
    changed += [f"member {before_members[m] or m} removed" for m in sorted(set(before_members) - set(after_members))]
    return changed
