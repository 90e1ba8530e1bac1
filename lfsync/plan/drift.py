"""Drift explained: which fields of a plan drifted in Lightfield, and when they changed there.

A refreshed plan shows a record that differs from what lfsync last applied as an update (or a
restore) whose `observed` payload is the server's; a field whose observed value differs from the
applied one was changed outside lfsync. Where the API keeps field history, the time of that field's
newest history entry says when ("changed in Lightfield 2 days ago"), measured against the server's
clock, never the runner's. This module is pure: which fields to ask about (`drifted_fields`), the
answers (`DriftTimes`), how an age reads (`age_words`), and the plan annotated with them
(`annotate_drift`). The reading itself is lfsync.remote.drifthistory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Mapping

from lfsync.plan.model import Change, Plan
from lfsync.state.records import ResourceState

FIELDS_PREFIX = "fields."


@dataclass(frozen=True, slots=True)
class DriftedField:
    """A field of a managed record whose value in Lightfield is not the one lfsync last applied."""

    address: str
    record_id: str
    key: str  # the field key, e.g. "tier" or "$website"


@dataclass
class DriftTimes:
    """What the field histories said: when each drifted field last changed, the server's time they
    are measured against, and how many drifted fields are left without a time (and why)."""

    changed_at: dict[tuple[str, str], datetime] = field(default_factory=dict)  # (address, key) -> newest entry
    server_now: datetime | None = None  # None: the server's time is not known (no age is said)
    not_read: int = 0  # drifted fields past the per-plan bound on history reads
    unreadable: int = 0  # history reads that failed (other than "this field has no history")
    most_reads: int = 0  # the bound that applied


def drifted_fields(changes: list[Change], resources: Mapping[str, ResourceState]) -> list[DriftedField]:
    """The fields the plan shows that were changed in Lightfield: attributes of a change made from a
    refreshed record (`observed`) whose observed value differs from the one last applied. In plan order."""
    drifted: list[DriftedField] = []
    for change in changes:
        current = resources.get(change.address)
        if change.observed is None or current is None:
            continue
        observed, applied = change.observed.get("fields", {}), current.applied.get("fields", {})
        for attribute in change.attributes:
            if not attribute.path.startswith(FIELDS_PREFIX):
                continue
            key = attribute.path[len(FIELDS_PREFIX):]
            if observed.get(key) != applied.get(key):
                drifted.append(DriftedField(change.address, current.id, key))
    return drifted


def annotate_drift(plan: Plan, times: DriftTimes) -> None:
    """Each drifted attribute of `plan` with the time its field changed and its age by the server's
    clock; the plan's note says once what could not be told."""
    for change in plan.changes:
        for attribute in change.attributes:
            if not attribute.path.startswith(FIELDS_PREFIX):
                continue
            moment = times.changed_at.get((change.address, attribute.path[len(FIELDS_PREFIX):]))
            if moment is None:
                continue
            attribute.changed_at = iso_utc(moment)
            if times.server_now is not None:
                attribute.changed_ago = age_words((times.server_now - moment).total_seconds())
    plan.drift_history_note = drift_note(times)


def drift_note(times: DriftTimes) -> str | None:
    """One sentence for what the plan does not say about when drift happened, or None."""
    parts = []
    if times.not_read:
        parts.append(
            f"{times.not_read} more drifted field(s) are shown without when they changed in Lightfield "
            f"(at most {times.most_reads} field histories are read per plan)"
        )
    if times.unreadable:
        parts.append(f"the history of {times.unreadable} drifted field(s) could not be read")
    if times.changed_at and times.server_now is None:
        parts.append("the server's time is unknown, so changes are dated but not aged")
    if not parts:
        return None
    sentence = "; ".join(parts) + "."
    return sentence[0].upper() + sentence[1:]


MINUTE, HOUR, DAY = 60, 60 * 60, 24 * 60 * 60


def age_words(seconds: float) -> str:
    """How long ago, in words: "just now" under a minute (and for a time ahead of the server's, a
    clock's disagreement), else whole minutes, hours or days ("1 day ago", "3 days ago")."""
    for unit, name in ((DAY, "day"), (HOUR, "hour"), (MINUTE, "minute")):
        if seconds >= unit:
            count = int(seconds // unit)
            return f"{count} {name}{'' if count == 1 else 's'} ago"
    return "just now"


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and `Z` (the API's own form)."""
    utc = moment.astimezone(timezone.utc)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"
