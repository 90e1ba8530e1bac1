"""The rules every declaration reader applies, worded once: YAML (yamlcheck) and CSV (csvfile)
files call the same checks, so the same mistake reads the same in either format.

Each check takes the plain value and says what is wrong with it (a message, or None when it is
fine); where it was written is the reader's to say.
"""

from __future__ import annotations

import re
from typing import Any

from lfsync.declare.addresses import (
    OWNER_RELATIONSHIP,
    is_address_key,
    is_lightfield_id,
    is_member_email,
    is_reference,
)
from lfsync.declare.yamlscalars import shown_key, yaml_type_name
from lfsync.errors import Problem, SourceLocation
from lfsync.kinds.catalogue import ACCOUNT, DECLARABLE_KINDS, KINDS
from lfsync.kinds.record_kind import RecordKind

READ_ONLY_FIELDS = ACCOUNT.read_only_fields
READ_ONLY_RELATIONSHIPS = ACCOUNT.read_only_relationships

TOP_LEVEL_KEY = ACCOUNT.declaration_key
MOVED_KEY = "moved"  # beside the records: renamed declarations (declare.moves)
GENERATE_KEY = "generate"  # beside the records: generated records (declare.genblock)
# Relationships that link to a member, so a member's email may name one ($owner, a task's $assignedTo)
MEMBER_RELATIONSHIPS = frozenset(
    link.key for kind in DECLARABLE_KINDS for link in kind.relationships if link.target == "member"
) | {OWNER_RELATIONSHIP}
RECORD_KEYS = tuple(kind.declaration_key for kind in DECLARABLE_KINDS)  # accounts, contacts, opportunities
TOP_LEVEL_KEYS = (*RECORD_KEYS, MOVED_KEY, GENERATE_KEY)
ACCOUNT_KEYS = ("fields", "relationships", "skip_enrichment", "protect", "ignore_changes")
FLAG_KEYS = ("skip_enrichment", "protect")
NAME_FIELD = "$name"


def address_key_problem(key: Any, where: SourceLocation) -> Problem | None:
    """An account key that is no valid address key (`[a-z0-9][a-z0-9_-]*`), with a suggestion."""
    if is_address_key(key):
        return None
    if not isinstance(key, str):
        return Problem(
            f"invalid account key: found {yaml_type_name(key)}; an account key is text like 'acme' "
            "(quote it if YAML reads it as something else)",
            where,
        )
    suggestion = _suggest_address_key(key)
    return Problem(
        f"invalid account key {shown_key(key, quoted=True)}: use lower-case letters, digits, '-' and '_', "
        "starting with a letter or digit",
        where,
        hint=f"for example {suggestion!r}" if suggestion else None,
    )


def _suggest_address_key(key: str) -> str | None:
    suggestion = re.sub(r"[^a-z0-9_-]+", "-", key.strip().lower()).strip("-_")
    return suggestion if is_address_key(suggestion) and len(suggestion) <= 60 else None


def read_only_field_problem(key: str, kind: RecordKind = ACCOUNT) -> str | None:
    if key in kind.read_only_fields:
        filled = "it is filled in by enrichment" if kind is ACCOUNT else "Lightfield fills it in"
        return f"{key} is read-only in Lightfield ({filled}); remove it from 'fields'"
    return None


def read_only_relationship_problem(key: str, kind: RecordKind = ACCOUNT) -> str | None:
    link = kind.link(key)
    if key in kind.read_only_relationships and link is not None and link.direction == "outgoing" and link.target not in KINDS:
        # writable in Lightfield, but to records lfsync does not declare (a note's `$meeting`)
        return (
            f"relationship {shown_key(key)} links {kind.name}s to {link.target}s, which lfsync does not declare or "
            f"manage; link them in Lightfield instead"
        )
    if key in kind.read_only_relationships:
        return f"relationship {shown_key(key)} is read-only in Lightfield and cannot be set from a declaration"
    return None


def missing_name_problem(address: str, kind: RecordKind = ACCOUNT) -> str:
    return f"{address} has no $name in 'fields'; every {kind.name} needs a name"


def missing_field_problem(address: str, key: str, kind: RecordKind) -> str:
    """A field the kind requires (other than $name) left out."""
    return f"{address} has no {key} in 'fields'; every {kind.name} needs one"


def missing_relationship_problem(address: str, key: str, kind: RecordKind) -> str:
    """A relationship the kind requires (an opportunity's `$account`, a task's `$assignedTo`) left out."""
    link = kind.link(key)
    if link is not None and link.target == "member":
        return f"{address} has no {key} in 'relationships'; every {kind.name} needs one (a member's email or ID, e.g. {key}: ada@example.com)"
    return f"{address} has no {key} in 'relationships'; every {kind.name} belongs to one (e.g. {key}: account.acme)"


def name_problem(address: str, name: Any) -> str | None:
    """A $name that is not non-empty text."""
    if isinstance(name, str) and name.strip():
        return None
    return f"$name of {address} must be non-empty text, found {yaml_type_name(name)}"


def is_relationship_target(relationship: str, value: Any) -> bool:
    """A Lightfield ID, a reference to a declared account, or (for $owner) a member's email."""
    return (
        is_lightfield_id(value)
        or is_reference(value)
        or (relationship in MEMBER_RELATIONSHIPS and is_member_email(value))
    )


def relationship_target_problem(address: str, relationship: str, value: Any) -> str:
    """What is wrong with a value that is no relationship target (is_relationship_target)."""
    hint = " (use [] for none)" if value is None else ""
    return (
        f"relationships.{shown_key(relationship)} of {address}: found {yaml_type_name(value)}{hint}; expected a "
        "Lightfield ID like mem_cm1abc123def456 or a reference to a declared account like account.acme, "
        "or a list of them"
    )


def flag_problem(key: str, address: str, value: Any) -> str:
    """A skip_enrichment or protect value that is not true or false."""
    return f"{key} of {address} must be true or false, found {yaml_type_name(value)}"
