"""Renames noticed in a plan [pure]: an address created while another, holding the same identity
value (`identity:` in lfsync.yaml, $name by default), leaves state. Such a plan would make a second
record (or trash the first, with --prune); the hint says how `moved:` keeps the one record."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lfsync.plan.actions import Action
from lfsync.plan.model import Change, RenameHint
from lfsync.plan.resources import DesiredAccount, canonical_json
from lfsync.state.records import ResourceState


def rename_hint(old: str, new: str, identity_field: str, value: Any, resource_id: str) -> RenameHint:
    shown = json.dumps(value, ensure_ascii=False)
    return RenameHint(
        from_address=old,
        to_address=new,
        identity_field=identity_field,
        hint=(
            f"{new} has the {identity_field} of {old} ({shown}), which leaves state: looks like a rename: add "
            f"`moved: [{{from: {old}, to: {new}}}]` to a declaration file to keep its record ({resource_id}) "
            "instead of creating another"
        ),
    )


def rename_hints(
    changes: list[Change],
    orphans: list[str],
    resources: Mapping[str, ResourceState],
    desired: Mapping[str, DesiredAccount],
    identity_field: str,
) -> list[RenameHint]:
    """One hint per created address whose identity value exactly one leaving address held (and no
    other created address has): where the pairing is unambiguous."""
    leaving = [change.address for change in changes if change.action == Action.DELETE and change.address in resources]
    old_by_value: dict[str, list[str]] = {}
    for address in leaving + orphans:
        value = resources[address].applied.get("fields", {}).get(identity_field)
        if _identifies(value):
            old_by_value.setdefault(canonical_json(value), []).append(address)
    if not old_by_value:
        return []
    new_by_value: dict[str, list[str]] = {}
    for change in changes:
        account = desired.get(change.address)
        if change.action == Action.CREATE and account is not None and _identifies(value := account.fields.get(identity_field)):
            new_by_value.setdefault(canonical_json(value), []).append(change.address)
    hints = []
    for key, created in sorted(new_by_value.items(), key=lambda item: item[1]):
        old = old_by_value.get(key, [])
        if len(created) == 1 and len(old) == 1:
            new = created[0]
            hints.append(rename_hint(old[0], new, identity_field, desired[new].fields[identity_field], resources[old[0]].id))
    return hints


def _identifies(value: Any) -> bool:
    return value is not None and value != "" and value != []
