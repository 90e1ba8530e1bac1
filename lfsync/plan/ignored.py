"""`ignore_changes:` in a plan [pure]: the payload an update moves toward, with what people own kept
as Lightfield holds it, and the ignored drift a plan reports in one summary line instead of as changes.

Ignored keys are sent on create (and adopt) like any other; after that an update neither compares
nor sends them, whether the declaration changed them or someone changed them in Lightfield (seen with
--refresh). State then records them as Lightfield holds them, so its hash stays that of the payload
the next plan computes, and that plan is clean."""

from __future__ import annotations

from typing import Any, Mapping

from lfsync.declare.ignorechanges import SECTIONS, IgnoreChanges
from lfsync.plan.model import RemoteRecord
from lfsync.plan.resources import DesiredAccount
from lfsync.state.records import Payload, ResourceState

_ABSENT = object()


def kept_as_found(payload: Payload, before: Payload, ignored: IgnoreChanges) -> Payload:
    """`payload` with every key `ignored` covers as `before` holds it (left out where it holds none):
    the update from `before` sends nothing for them."""
    if not ignored:
        return payload
    if ignored.everything:
        return {section: dict(before.get(section, {})) for section in SECTIONS}
    kept: Payload = {}
    for section in SECTIONS:
        wanted, found = dict(payload.get(section, {})), before.get(section, {})
        for name in ignored.names:
            if name in found:
                wanted[name] = found[name]
            else:
                wanted.pop(name, None)
        kept[section] = wanted
    return kept


def ignored_differences(payload: Payload, before: Payload, ignored: IgnoreChanges) -> list[str]:
    """The paths (`fields.tier`, `relationships.$owner`) `ignored` covers where `payload` (declared)
    and `before` (Lightfield, as read back or as last applied) differ, fields first."""
    paths: list[str] = []
    for section in SECTIONS:
        wanted, found = payload.get(section, {}), before.get(section, {})
        keys = set(wanted) | set(found)
        for key in sorted(keys if ignored.everything else keys & ignored.names):
            if wanted.get(key, _ABSENT) != found.get(key, _ABSENT):
                paths.append(f"{section}.{key}")
    return paths


def ignored_drift(
    desired: Mapping[str, DesiredAccount],
    resources: Mapping[str, ResourceState],
    remote: Mapping[str, RemoteRecord] | None,
    ids: Mapping[str, str],
) -> dict[str, list[str]]:
    """Address -> the ignored paths whose declared value Lightfield does not hold (as --refresh read
    it, else as last applied), for accounts in state; a record gone from Lightfield is created again
    with every declared value, so it has none."""
    drift: dict[str, list[str]] = {}
    for address, account in desired.items():
        current = resources.get(address)
        if current is None or not account.ignore_changes:
            continue
        record = (remote or {}).get(address)
        if record is not None and record.status == "missing":
            continue
        before: Any = record.observed if record is not None else current.applied
        paths = ignored_differences(account.payload(ids), before, account.ignore_changes)
        if paths:
            drift[address] = paths
    return dict(sorted(drift.items()))
