"""The address vocabulary: how resources are named in declarations, state and plans.

An address is `<kind>.<key>` (`account.acme`; the kinds are lfsync.kinds'); a relationship value
is either a Lightfield ID or a reference (an address of another declared record), and `$owner`
may also name a member by email (resolved against the members list before planning). The planner,
the renderer, resources, the schema and the state commands all speak it, so it lives here alone.
"""

from __future__ import annotations

import re
from typing import Any, TypeGuard

from lfsync.api.ids import id_problem
from lfsync.kinds.catalogue import ACCOUNT, DECLARABLE_KINDS, UNMANAGED, kind_of_address
from lfsync.kinds.record_kind import RecordKind

ADDRESS_KEY_PATTERN = r"[a-z0-9][a-z0-9_-]*"
ADDRESS_PREFIX = ACCOUNT.address_prefix  # the kind declared so far
LIGHTFIELD_ID_PATTERN = r"[a-z]+_[A-Za-z0-9]+"
REFERENCE_PATTERN = (
    "(?:" + "|".join(re.escape(kind.address_prefix) for kind in DECLARABLE_KINDS) + ")" + ADDRESS_KEY_PATTERN
)

_ADDRESS_KEY_RE = re.compile(ADDRESS_KEY_PATTERN)
_LIGHTFIELD_ID_RE = re.compile(LIGHTFIELD_ID_PATTERN)
_REFERENCE_RE = re.compile(REFERENCE_PATTERN)
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
OWNER_RELATIONSHIP = "$owner"


def is_address_key(value: Any) -> bool:
    """True for a valid address key like `acme` (the part after `account.`)."""
    return isinstance(value, str) and _ADDRESS_KEY_RE.fullmatch(value) is not None


def is_lightfield_id(value: Any) -> bool:
    return isinstance(value, str) and _LIGHTFIELD_ID_RE.fullmatch(value) is not None


def is_reference(value: Any) -> bool:
    """True for an address like `account.acme` (also what a relationship uses to refer to one)."""
    return isinstance(value, str) and _REFERENCE_RE.fullmatch(value) is not None


def is_member_email(value: Any) -> TypeGuard[str]:
    """`$owner` may name its member by email; it is resolved against the members list."""
    return isinstance(value, str) and _EMAIL_RE.fullmatch(value) is not None


def address_problem(value: Any) -> str | None:
    """What is wrong with `value` as an address that state and the journal record (None if
    nothing): `<kind>.<key>` of a declarable kind, or `unmanaged.<ID>` (an account nobody declared,
    which reset trashes) with a URL-safe ID of a declarable kind."""
    if not isinstance(value, str):
        return "not an address (a non-text value)"
    shown = repr(value[:80])
    try:
        kind = kind_of_address(value)
    except KeyError:
        known = ", ".join(kind.address_prefix + "<key>" for kind in DECLARABLE_KINDS)
        return f"{shown} is not an address of a known kind ({known})"
    name, _, rest = value.partition(".")
    if name == UNMANAGED:
        return id_problem(rest, kind.id_prefix)
    if not is_address_key(rest):
        return f"{shown} is not a valid address: its key must match {ADDRESS_KEY_PATTERN}"
    return None


def address_of(key: str, kind: RecordKind = ACCOUNT) -> str:
    return kind.address_prefix + key


def key_of(address: str) -> str:
    """`acme` of `account.acme` (the part after the kind's prefix)."""
    return address.partition(".")[2] if is_reference(address) else address


def references_in(relationships: dict[str, str | list[str]]) -> list[str]:
    """Addresses ("account.x") the relationships refer to, in order, without repeats."""
    found: dict[str, None] = {}
    for value in relationships.values():
        for target in value if isinstance(value, list) else [value]:
            if is_reference(target):
                found[target] = None
    return list(found)
