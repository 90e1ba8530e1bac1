"""What a plan can do to an account (Action), what applying it came to (ApplyOutcome, ApplyReport).

Both are strings on disk and in JSON (`"create"`, `"created"`); in code they are these enums, so
a new action is added here once and every count, summary and progress line picks it up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class _Word(str, Enum):
    """A string enum that prints as its value (`f"{Action.CREATE}"` is "create")."""

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


class ApplyOutcome(_Word):
    """How one change (or one of its requests) ended; failures are counted like the rest."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    ADOPTED = "adopted"
    RESTORED = "restored"
    MOVED = "moved"  # re-keyed in state (moved:), no request
    FAILED = "failed"


class Action(_Word):
    """A plan action, in the order summaries list them."""

    ADOPT = "adopt"
    CREATE = "create"
    UPDATE = "update"
    RESTORE = "restore"
    DELETE = "delete"
    MOVE = "move"  # a `moved:` entry: state re-keyed, no request; counted also where a move comes with an update

    @property
    def outcome(self) -> ApplyOutcome:
        """What a successful change of this action is counted as."""
        return _PAST[self]


_PAST = {
    Action.ADOPT: ApplyOutcome.ADOPTED,
    Action.CREATE: ApplyOutcome.CREATED,
    Action.UPDATE: ApplyOutcome.UPDATED,
    Action.RESTORE: ApplyOutcome.RESTORED,
    Action.DELETE: ApplyOutcome.DELETED,
    Action.MOVE: ApplyOutcome.MOVED,
}


@dataclass
class ApplyReport:
    """What an apply came to. `record` is the one place outcomes are counted."""

    # addresses by how their change ended; failures are in `failed` and `unsettled`, with why
    done: dict[ApplyOutcome, list[str]] = field(
        default_factory=lambda: {outcome: [] for outcome in ApplyOutcome if outcome is not ApplyOutcome.FAILED}
    )
    failed: dict[str, str] = field(default_factory=dict)
    unsettled: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    # changes an interrupted apply never sent (nothing failed: the next apply makes them)
    not_started: list[str] = field(default_factory=list)
    retried: int = 0
    interrupted: bool = False
    # terminated (SIGTERM): waits ended at once, requests on the wire cut off after a short grace
    terminated: bool = False
    # journalled requests a terminated apply cut off or never sent: pending, settled by the next apply
    in_flight: list[str] = field(default_factory=list)
    # the first 403 (the key lacks a scope), which stopped the apply: nothing more was sent
    forbidden: str | None = None

    def record(self, outcome: ApplyOutcome, address: str) -> None:
        self.done[outcome].append(address)

    def count(self, outcome: ApplyOutcome) -> int:
        return len(self.done[outcome])

    @property
    def ok(self) -> bool:
        return not (self.failed or self.unsettled or self.interrupted)
