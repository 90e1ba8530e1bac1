"""What the planner knows of lists beyond the other kinds (lfsync.kinds.lists). Pure.

- A list cannot be restored through the API: trashing one (prune, destroy, reset) and creating
  one again after it was trashed outside lfsync are marked irreversible on their change, so every
  plan format says so.
- A list's `$objectType` cannot change (the API refuses it). Replacing the list (trash, create)
  would lose the old one for good, so a changed `$objectType` is refused at plan time with where
  it is declared, instead of planned. Nor can it be sent on an update: an adopt's or an update's
  body leaves it out (`without_object_type`), and a list taken into state by `lfsync import`
  records the `$objectType` it was found with (`found_payload`), so it is not planned as a change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lfsync.kinds.catalogue import kind_of_address
from lfsync.kinds.lists import OBJECT_TYPE_FIELD, member_type_of
from lfsync.plan.actions import Action
from lfsync.plan.model import Change
from lfsync.plan.resources import DesiredAccount
from lfsync.state.records import Payload, empty_payload

CANNOT_RESTORE = "lists cannot be restored"
OBJECT_TYPE_PATH = f"fields.{OBJECT_TYPE_FIELD}"


def is_unrestorable(address: str) -> bool:
    """Whether `address` names a record of a kind the API cannot restore (a list)."""
    try:
        return not kind_of_address(address).restorable
    except KeyError:
        return False


def mark_irreversible(changes: Iterable[Change]) -> None:
    """Mark every trash and every re-create of a list as irreversible (in place)."""
    for change in changes:
        undoable = change.action == Action.DELETE or (change.action == Action.CREATE and change.replaces)
        if undoable and is_unrestorable(change.address):
            change.irreversible = CANNOT_RESTORE


def object_type_changes(changes: Iterable[Change], desired: Mapping[str, DesiredAccount]) -> list[str]:
    """A problem for each planned update that would change a list's `$objectType`."""
    problems = []
    for change in changes:
        if change.action not in (Action.UPDATE, Action.RESTORE) or not is_unrestorable(change.address):
            continue
        for attribute in change.attributes:
            if attribute.path != OBJECT_TYPE_PATH or attribute.before is None:
                continue  # None: imported before its `$objectType` was recorded; never sent (without_object_type)
            declared = desired.get(change.address)
            where = f" ({declared.location})" if declared is not None and declared.location else ""
            problems.append(
                f"{change.address}: a list's $objectType cannot change ({attribute.before} -> {attribute.after}), and "
                f"replacing the list would lose it for good ({CANNOT_RESTORE}): declare the new list under another "
                f"address (and remove this one with --prune), or keep $objectType {attribute.before}{where}"
            )
    return problems


def without_object_type(address: str, body: dict) -> dict:
    """An update (or adopt) body for `address` without a list's `$objectType`, which the API
    refuses on an update even unchanged; the planner refuses a change of it (object_type_changes)."""
    if not is_unrestorable(address) or OBJECT_TYPE_FIELD not in body.get("fields", {}):
        return body
    fields = {key: value for key, value in body["fields"].items() if key != OBJECT_TYPE_FIELD}
    sent = {key: value for key, value in body.items() if key != "fields"}
    return {"fields": fields, **sent} if fields else sent


def found_payload(address: str, found_fields: Mapping[str, Any]) -> Payload:
    """What `lfsync import` records as applied for a record found with `found_fields`: nothing, so
    the next plan shows every declared value as an update, but a list's `$objectType` as found (in
    the form the API reads back), which cannot change and so is never an update."""
    payload = empty_payload()
    member_type = member_type_of(found_fields.get(OBJECT_TYPE_FIELD)) if is_unrestorable(address) else None
    if member_type is not None:
        payload["fields"][OBJECT_TYPE_FIELD] = member_type.object_type
    return payload
