"""Where state lives: the seam between State (state.py) and its storage.

A backend stores one workspace's snapshot and journal and holds its lock. Every acquisition of the
lock gets a fresh LOCK_ID (locks.py), recorded with its holder; `holder()` reads it back and
`break_lock(lock_id)` breaks that lock and no other (`lfsync force-unlock LOCK_ID`). `local` is files beside
the project (localstore.py); a PostgreSQL URL is a database shared by every runner (pgstore.py).
State folds snapshot and journal itself, so recovery and compaction rules are the same for both.

Writes (append, compact) happen only under the store's own lock, held now: a store that has held a
lock raises LockLost once it was released, broken or lost, and never writes without it.
"""

from __future__ import annotations

from typing import ContextManager, Literal, Protocol

from pydantic import BaseModel

from lfsync.config.project import LOCAL_BACKEND, Project
from lfsync.state.locks import LockHolder
from lfsync.state.records import Intent, Outcome, StateSnapshot


class StateStore(Protocol):
    where: str  # names the storage in messages (a path, or the database URL without its password)

    def read(self) -> tuple[StateSnapshot | None, dict[int, Intent], list[Outcome]]:
        """The last compacted snapshot (None if this workspace has none yet), every journalled intent
        (by seq) and every outcome in the order written, all as of one moment."""

    def append(self, kind: Literal["intent", "outcome"], model: BaseModel, *, sync: bool = True) -> None:
        """Make one entry durable before returning (an intent's request is sent only afterwards);
        with `sync=False`, durable once `synced()` has returned. Raises LockLost unless this store
        holds its lock now."""

    async def synced(self, kind: Literal["intent", "outcome"] = "intent") -> None:
        """Every entry appended so far is durable (appends made with `sync=False` included); raises
        JournalWriteFailed (naming `kind`, what the caller waits for) if that cannot be."""

    def compact(self, snapshot: StateSnapshot, pending: list[Intent], changed: list[str]) -> None:
        """Write `snapshot` and keep only `pending` in the journal, as one atomic step.
        `changed` (addresses changed since the last compaction) only serves error messages.
        Raises LockLost unless this store holds its lock now."""

    def lock(self, command: str, timeout: float) -> ContextManager[LockHolder]:
        """Hold the workspace exclusively under a fresh LOCK_ID (the holder yielded); wait up to
        `timeout` s; raise LockHeld naming the holder and its LOCK_ID."""

    def holder(self) -> LockHolder | None:
        """Who holds the workspace's lock now (a live holder, with its LOCK_ID), None if nobody."""

    def break_lock(self, lock_id: str) -> LockHolder:
        """Break the lock held now if its ID is `lock_id`, checking and breaking in one atomic step, so a
        lock taken after the ID was read is never broken; returns the holder broken. Raises
        LockNotBroken (naming the current holder) for any other ID, or when nothing holds the lock."""

    def close(self) -> None:
        """Release what reading or appending opened (files, connections); the store can be reused."""


def open_store(project: Project) -> StateStore:
    if project.backend == LOCAL_BACKEND:
        from lfsync.state.localstore import LocalStore

        return LocalStore(project)
    from lfsync.state.pgstore import PostgresStore

    return PostgresStore(project)
