"""Desired resources: API payloads resolved from declarations, their hashes and idempotency keys."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Mapping

from lfsync.declare.addresses import is_reference, references_in
from lfsync.declare.ignorechanges import NOTHING_IGNORED, IgnoreChanges

CREATE_KEY_PREFIX = "lfsync-"
KEY_HEX_LENGTH = 40


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class DesiredAccount:
    """What one declared account should look like; relationships may still hold references."""

    address: str
    fields: dict[str, Any]
    relationships: dict[str, str | list[str]]
    skip_enrichment: bool
    location: str | None = None
    protect: bool = False
    # what people own in Lightfield: sent on create, never compared or updated after (plan/ignored.py)
    ignore_changes: IgnoreChanges = NOTHING_IGNORED

    def references(self) -> list[str]:
        return references_in(self.relationships)

    def payload(self, ids: Mapping[str, str], *, leave_out: frozenset[str] = frozenset()) -> dict:
        """The managed payload with references replaced by IDs (unknown ones stay as references).

        `leave_out` names relationship keys held back, e.g. to break a reference cycle.
        """
        kept = {key: value for key, value in self.relationships.items() if key not in leave_out}
        return {"fields": dict(self.fields), "relationships": resolve_references(kept, ids)}

    def unresolved(self, ids: Mapping[str, str]) -> list[str]:
        return [ref for ref in self.references() if ref not in ids]


def resolve_references(relationships: Mapping[str, str | list[str]], ids: Mapping[str, str]) -> dict[str, str | list[str]]:
    """Relationships with references to accounts in `ids` replaced by their IDs (unknown ones stay)."""
    return {key: _resolve(value, ids) for key, value in relationships.items()}


def _resolve(value: str | list[str], ids: Mapping[str, str]) -> str | list[str]:
    if isinstance(value, list):
        return [ids.get(item, item) if is_reference(item) else item for item in value]
    return ids.get(value, value) if is_reference(value) else value


def resource_hash(payload: dict, address: str, workspace: str) -> str:
    document = {"address": address, "payload": payload, "workspace": workspace}
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def create_idempotency_key(payload_hash: str) -> str:
    return f"{CREATE_KEY_PREFIX}{payload_hash[:KEY_HEX_LENGTH]}"


def update_idempotency_key(payload_hash: str, prior_hash: str, state_serial: int) -> str:
    """An update's key names both ends of the change and the state it was planned from.

    The serial matters: A -> B, back to A, then B again within a day would otherwise reuse the
    first key and be answered by the replay of the first update, leaving the record at A.
    """
    return f"{CREATE_KEY_PREFIX}{payload_hash[:KEY_HEX_LENGTH]}-{prior_hash[:KEY_HEX_LENGTH]}-s{state_serial}"


def relationship_ids(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def update_operations(before: dict, after: dict) -> dict:
    """The update body turning payload `before` into `after`: changed fields, relationship operations."""
    fields: dict[str, Any] = {}
    for key, value in after["fields"].items():
        if before["fields"].get(key, _MISSING) != value:
            fields[key] = value
    for key in before["fields"]:
        if key not in after["fields"]:
            fields[key] = None
    relationships: dict[str, dict] = {}
    for key in sorted(set(before["relationships"]) | set(after["relationships"])):
        operation = _relationship_operation(before["relationships"].get(key), after["relationships"].get(key))
        if operation:
            relationships[key] = operation
    body: dict[str, Any] = {}
    if fields:
        body["fields"] = fields
    if relationships:
        body["relationships"] = relationships
    return body


def _relationship_operation(before: str | list[str] | None, after: str | list[str] | None) -> dict | None:
    if isinstance(after, str) or (after is None and isinstance(before, str)):
        return None if before == after else {"replace": after}
    old, new = relationship_ids(before), relationship_ids(after)
    operation: dict[str, list[str]] = {}
    removed = [item for item in old if item not in new]
    added = [item for item in new if item not in old]
    if removed:
        operation["remove"] = removed
    if added:
        operation["add"] = added
    return operation or None


_MISSING = object()
