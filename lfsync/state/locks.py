"""Who holds a workspace's lock, and the errors every backend raises about it.

Each acquisition of a lock gets a fresh LOCK_ID (a uuid4), recorded with its holder, so that
`lfsync force-unlock LOCK_ID` can name the one lock it means to break: a lock released and taken
again meanwhile has another ID, and is never broken by mistake.

A store that has held a lock writes only while it still holds that lock: once it is released,
broken or lost with its database session, every write raises LockLost.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from lfsync.errors import LfsyncError


@dataclass(frozen=True)
class LockHolder:
    lock_id: str | None  # None: the record is missing or was written by an lfsync without lock IDs
    pid: int | None
    host: str | None
    command: str | None
    since: str | None  # ISO 8601, UTC, to the second

    @classmethod
    def taking(cls, command: str) -> LockHolder:
        """The record of this process taking a lock now, with a fresh LOCK_ID. `since` is this
        machine's clock: right for a lock in a local folder; a shared backend records its own
        clock instead (pgstore: the database's now()), so a runner's skewed clock decides nothing
        others see."""
        return cls(
            lock_id=str(uuid.uuid4()),
            pid=os.getpid(),
            host=socket.gethostname(),
            command=command,
            since=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )

    @classmethod
    def from_record(cls, record: object) -> LockHolder:
        """A holder read back from storage; fields that are missing or of the wrong type are None."""
        fields = record if isinstance(record, dict) else {}

        def text(name: str) -> str | None:
            value = fields.get(name)
            return value if isinstance(value, str) else None

        pid = fields.get("pid")
        return cls(
            lock_id=text("lock_id"),
            pid=pid if isinstance(pid, int) and not isinstance(pid, bool) else None,
            host=text("host"),
            command=text("command"),
            since=text("since"),
        )

    def record(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        """`pid 12 on runner-3 (apply) since 2026-01-02T03:04:05+00:00, lock ID 1b4e...`"""
        if self.pid is None and self.host is None:
            who = "another process"
        else:
            who = f"pid {self.pid} on {self.host} ({self.command}) since {self.since}"
        return f"{who}, lock ID {self.lock_id}" if self.lock_id else f"{who} (no lock ID)"

    def running_here(self) -> bool:
        """Whether the holder is a live process on this machine."""
        if self.host != socket.gethostname() or self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


class LockHeld(LfsyncError):
    """Another process holds the lock: the message names it, its LOCK_ID and how to break it."""

    def __init__(self, holder: LockHolder | None, where: str, timeout: float, release: str):
        who = holder.describe() if holder else "another process"
        advice = (
            f"If that process is gone or hangs, run `lfsync force-unlock {holder.lock_id}`."
            if holder and holder.lock_id
            else "If that process is gone or hangs, stop it: its lock dies with it."
        )
        super().__init__(
            f"state is locked by {who} ({where}); waited {timeout:g}s (--lock-timeout). {release} {advice}"
        )
        self.holder = holder


class LockNotBroken(LfsyncError):
    """force-unlock named a lock that is not the one held now (a wrong ID, or one released since):
    nothing was broken. `holder` is the current holder, None if the state is not locked."""

    def __init__(self, lock_id: str, holder: LockHolder | None):
        if holder is None:
            message = f"the state is not locked (lock {lock_id} was released); nothing was broken"
        elif holder.lock_id is None:
            message = (
                f"the state is locked by {holder.describe()}: a lock without an ID (taken by an older lfsync, or its "
                "record is unreadable) cannot be broken by ID. Nothing was broken; stop that process: its lock dies "
                "with it"
            )
        else:
            message = (
                f"lock ID {lock_id} is not the lock held now: the state is locked by {holder.describe()}. "
                "Nothing was broken; check that this holder is the one to stop, then pass its lock ID"
            )
        super().__init__(message)
        self.holder = holder


class LockLost(LfsyncError):
    """A write came after this store's lock was released, broken (force-unlock) or lost with its
    database session: another command may hold the state now, so nothing more is written. Every
    request sent before was journalled under the lock, and the next apply settles it."""

    def __init__(self, lock_id: str | None, why: str):
        super().__init__(
            f"the state lock {lock_id} was lost: {why}. Another command may hold the state now, so this one "
            "stops and writes nothing more; every request sent before is recorded. Run `lfsync apply` again"
        )
        self.lock_id = lock_id


class WriteWithoutLock(RuntimeError):
    """A write to a store that never took the lock: a bug in lfsync (every writer holds the lock)."""

    def __init__(self, where: str):
        super().__init__(f"a write to the state {where} without its lock (every write must hold the state lock)")
