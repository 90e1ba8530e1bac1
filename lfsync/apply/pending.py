"""Pending intents (what an interrupted apply left in the journal) checked against state before
anything trusts them, and described for plans with their IDs and names.

The journal is committed with the state in GitOps, so one line in a pull request could ask the
next apply to trash, restore or update any account. An intent is settled only when lfsync could
have written it against the state it is pending in (`refusal` holds the rules, each one what the
applier does when it journals); any other is refused with what it asks and what state holds, and
nothing is sent (`refuse_untrusted`). `lfsync plan` shows the same refusals as errors.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from lfsync.api.ids import id_problem
from lfsync.apply.applier import create_body
from lfsync.apply.dispatch import derived_create_key
from lfsync.errors import LfsyncError
from lfsync.kinds.catalogue import UNMANAGED, kind_of_address
from lfsync.plan.resources import relationship_ids, resource_hash, update_idempotency_key, update_operations
from lfsync.state.records import (
    AdoptIntent,
    CreateIntent,
    DeleteIntent,
    Intent,
    ResourceState,
    RestoreIntent,
    StateSnapshot,
    UpdateIntent,
    WriteIntent,
    empty_payload,
)
from lfsync.state.replays import last_retired


class UntrustedJournal(LfsyncError):
    """Pending intents lfsync did not write as they stand; nothing was sent."""


def refuse_untrusted(snapshot: StateSnapshot, pending: Mapping[int, Intent], *, owns_organisation: bool) -> None:
    """Raise UntrustedJournal naming every pending intent lfsync could not have written."""
    refused = untrusted_intents(snapshot, pending, owns_organisation=owns_organisation)
    if refused:
        raise UntrustedJournal("\n".join(refused))


def untrusted_intents(snapshot: StateSnapshot, pending: Mapping[int, Intent], *, owns_organisation: bool) -> list[str]:
    """A message for each pending intent that does not match state (see `refusal`), oldest first."""
    messages = []
    for intent in sorted(pending.values(), key=lambda i: i.seq):
        reason = refusal(intent, snapshot, owns_organisation=owns_organisation)
        if reason:
            messages.append(refusal_message(intent, snapshot, reason))
    return messages


def refusal(intent: Intent, snapshot: StateSnapshot, *, owns_organisation: bool) -> str | None:
    """Why lfsync would not have journalled `intent` against `snapshot`, or None if it could have.

    - every intent: an address of a kind lfsync manages, a readable time, an ID of that kind;
    - delete, restore, update: the ID state holds for the address (a delete also the ID the
      address's last delete retired: settling it again trashes nothing new);
    - `unmanaged.<ID>` (reset of an organisation the workspace owns): a delete of that very ID;
    - create: the address not in state, or in state with the ID a re-create replaces (a record
      deleted outside lfsync); the key derived from its payload, address, workspace and that ID or
      the address's last retired one; the body is the payload it records;
    - update and adopt: the key derived from the payload, the prior hash (state's, or an empty
      payload's for an adopt of an address not in state) and a serial state has reached; the body
      sets nothing but what the payload records (an adopt: the whole payload);
    - create, update, adopt: `hash` is the hash of `applied`.
    """
    try:
        kind = kind_of_address(intent.address)
    except KeyError:
        return "its address names no kind of record lfsync manages"
    resource_id = _resource_id(intent)
    if resource_id is not None:
        problem = id_problem(resource_id, kind.id_prefix)
        if problem:
            return f"{problem}, not an ID of a {kind.name}"
    if intent.address.startswith(UNMANAGED + "."):
        return _unmanaged_refusal(intent, owns_organisation) or (
            None if _journalled_time(intent.at) else f"its time {intent.at!r} is not a time lfsync journals"
        )
    held = snapshot.resources.get(intent.address)
    if isinstance(intent, (DeleteIntent, RestoreIntent, UpdateIntent)):
        retired = last_retired(snapshot.retired, intent.address) if isinstance(intent, DeleteIntent) else None
        if resource_id is None or resource_id not in ((held.id if held else None), retired):
            return f"it names {resource_id}, which is not the {kind.name} state holds for {intent.address}"
    if not _journalled_time(intent.at):
        return f"its time {intent.at!r} is not a time lfsync journals"
    if isinstance(intent, (CreateIntent, UpdateIntent, AdoptIntent)):
        return _write_refusal(intent, held, snapshot)
    return None


def _unmanaged_refusal(intent: Intent, owns_organisation: bool) -> str | None:
    if not isinstance(intent, DeleteIntent):
        return f"only a delete is journalled for an {UNMANAGED}. address"
    if not owns_organisation:
        return "only `lfsync reset` of a workspace that owns the organisation (owns_organisation: true) trashes records nobody declared"
    if intent.address.removeprefix(UNMANAGED + ".") != intent.resource_id:
        return f"it names {intent.resource_id}, not the ID its address names"
    return None


def _write_refusal(intent: CreateIntent | UpdateIntent | AdoptIntent, held: ResourceState | None, snapshot: StateSnapshot) -> str | None:
    workspace, address = snapshot.workspace, intent.address
    if not _is_payload(intent.applied):
        return "the payload it records is not a payload lfsync writes"
    if intent.hash != resource_hash(intent.applied, address, workspace):
        return "its hash is not the hash of the payload it records"
    if isinstance(intent, CreateIntent):
        replaces = held.id if held else last_retired(snapshot.retired, address)
        if intent.idempotency_key != derived_create_key(intent.applied, intent.hash, address, workspace, replaces):
            return f"its key {intent.idempotency_key} is not the one lfsync derives for this create"
        if intent.request not in (create_body(intent.applied, False), create_body(intent.applied, True)):
            return "its request is not the create of the payload it records"
        return None
    if isinstance(intent, AdoptIntent):
        if held is not None:
            return f"{address} is in state already ({held.id}); an adopt takes a record not yet managed"
        prior = resource_hash(empty_payload(), address, workspace)
        if intent.request != update_operations(empty_payload(), intent.applied):
            return "its request is not the adopt of the payload it records"
    else:
        prior = held.hash if held else ""
        if not _sends_only(intent.request, intent.applied):
            return "its request sets values other than the payload it records"
    if not _update_key_matches(intent, prior, snapshot.serial):
        return f"its key {intent.idempotency_key} is not the one lfsync derives for this {intent.operation}"
    return None


def _update_key_matches(intent: WriteIntent, prior_hash: str, serial: int) -> bool:
    """The key of an update or adopt names the state serial its apply started from: at most `serial`."""
    _, marker, planned = intent.idempotency_key.rpartition("-s")
    if not marker or not planned.isdigit() or int(planned) > serial:
        return False
    return intent.idempotency_key == update_idempotency_key(intent.hash, prior_hash, int(planned))


def _sends_only(request: dict[str, Any], applied: dict[str, Any]) -> bool:
    """Whether an update body sets only what `applied` holds: each field to its applied value (None
    where applied has none), each relationship to, or by, its applied IDs."""
    if set(request) - {"fields", "relationships"}:
        return False
    fields, relationships = request.get("fields") or {}, request.get("relationships") or {}
    if not isinstance(fields, dict) or not isinstance(relationships, dict):
        return False
    if any(applied["fields"].get(key) != value for key, value in fields.items()):
        return False
    for key, operation in relationships.items():
        wanted = relationship_ids(applied["relationships"].get(key))
        if not isinstance(operation, dict) or set(operation) - {"replace", "add", "remove"}:
            return False
        if "replace" in operation and operation["replace"] != applied["relationships"].get(key):
            return False
        if any(item not in wanted for item in _listed(operation.get("add"))):
            return False
        if any(item in wanted for item in _listed(operation.get("remove"))):
            return False
    return True


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _is_payload(value: Any) -> bool:
    return (
        isinstance(value, dict) and set(value) == {"fields", "relationships"}
        and isinstance(value["fields"], dict) and isinstance(value["relationships"], dict)
    )


def _journalled_time(at: str) -> bool:
    try:
        return datetime.fromisoformat(at).tzinfo is not None
    except ValueError:
        return False


def _resource_id(intent: Intent) -> str | None:
    return None if isinstance(intent, CreateIntent) else intent.resource_id


# --- what plans and messages show ----------------------------------------------------------------


def describe_pending(intent: Intent, resources: Mapping[str, ResourceState]) -> str:
    """A plan's line for a pending intent: its address, operation, ID and name, time and key."""
    return (
        f"{intent.address}: {_operation_of(intent, resources)} interrupted at {intent.at} "
        f"(key {intent.key or '-'}); the next apply settles it first"
    )


def _operation_of(intent: Intent, resources: Mapping[str, ResourceState]) -> str:
    """e.g. "delete of acc_123 (Acme Corp)": the ID always (a create has none yet), the name where
    the intent or state has one for that ID."""
    resource_id = _resource_id(intent)
    name = intent_name(intent, resources)
    return intent.operation + (f" of {resource_id}" if resource_id else "") + (f" ({name})" if name else "")


def intent_name(intent: Intent, resources: Mapping[str, ResourceState]) -> str | None:
    """The name the intent sets, else the one state records for the ID it names (never another's)."""
    key = _identity_field(intent.address)
    if isinstance(intent, WriteIntent) and _is_payload(intent.applied):
        name = intent.applied["fields"].get(key)
        if isinstance(name, str):
            return name
    held = resources.get(intent.address)
    if held is not None and held.id == _resource_id(intent):
        name = held.applied.get("fields", {}).get(key)
        return name if isinstance(name, str) else None
    return None


def _identity_field(address: str) -> str:
    try:
        return kind_of_address(address).identity_field
    except KeyError:
        return "$name"


def refusal_message(intent: Intent, snapshot: StateSnapshot, reason: str) -> str:
    """What was refused (where it was read, what it asks), why, what state holds, and what to do."""
    where = intent.read_from or "the journal"
    return (
        f"{where}: refused the interrupted {_operation_of(intent, snapshot.resources)} for {intent.address} "
        f"(key {intent.key or '-'}): {reason}. State holds {_held(intent.address, snapshot)}. lfsync does not "
        "journal such an intent (was it added or edited by hand, e.g. in a pull request?), so nothing was sent. "
        "If lfsync did not write it, remove it from the journal; then run the command again."
    )


def _held(address: str, snapshot: StateSnapshot) -> str:
    held = snapshot.resources.get(address)
    if held is not None:
        name = held.applied.get("fields", {}).get(_identity_field(address))
        return f"{held.id}" + (f" ({name})" if isinstance(name, str) else "") + f" for {address}"
    retired = last_retired(snapshot.retired, address)
    return f"nothing for {address}" + (f" (its last ID, trashed by lfsync, was {retired})" if retired else "")
