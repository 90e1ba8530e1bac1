"""The `local` backend: a snapshot file, a journal beside it and an flock, in the state folder.

The flock is the lock (filelock.py), and it cannot be taken from a live process: a lock is "lost"
when `lfsync force-unlock` removed its file (HeldFileLock.intact), or "released" once the command's
lock context has ended. Every journal append and compaction checks first that this store's lock is
held and intact, and raises LockLost otherwise: a store that has held a lock never writes without it.
The holder's `since` is this machine's clock (LockHolder.taking): the folder belongs to one machine.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Literal

from pydantic import BaseModel, ValidationError

from lfsync.config.project import Project
from lfsync.errors import LfsyncError, display_path
from lfsync.state.filelock import HeldFileLock, break_lock, exclusive_lock, lock_holder
from lfsync.state.journal import DamagedJournal, Journal
from lfsync.state.locks import LockHolder, LockLost, WriteWithoutLock
from lfsync.state.records import STATE_FORMAT_VERSION, STORED, Intent, Outcome, StateSnapshot, invalid_field
from lfsync.support.atomicfile import link_atomically, write_atomically


class StatePaths:
    def __init__(self, project: Project):
        self.snapshot = project.state_file("lfstate.json")
        self.backup = project.state_file("lfstate.backup.json")
        self.journal = project.state_file("journal.jsonl")
        self.lock = project.state_file("lock")


class LocalStore:
    def __init__(self, project: Project):
        self.paths = StatePaths(project)
        self.where = display_path(self.paths.snapshot)
        self._journal = Journal(self.paths.journal)
        self._held: HeldFileLock | None = None  # the lock held now
        self._taken: LockHolder | None = None  # the last lock this store took, kept once released

    def read(self) -> tuple[StateSnapshot | None, dict[int, Intent], list[Outcome]]:
        snapshot = _read_snapshot(self.paths)
        return (snapshot, *self._read_journal())

    def _read_journal(self) -> tuple[dict[int, Intent], list[Outcome]]:
        try:
            return self._journal.read()
        except DamagedJournal as damage:
            raise LfsyncError(
                f"{display_path(self.paths.journal)}:{damage.line}: damaged journal: {damage.problem}. It records "
                "requests sent by an apply that did not finish, so lfsync will not guess: look at that line (a line "
                "that is not an intent or outcome of lfsync can be removed), then run the command again"
            ) from None
        except OSError as error:
            raise LfsyncError(f"cannot read the journal {display_path(self.paths.journal)}: {error.strerror}") from None

    def append(self, kind: Literal["intent", "outcome"], model: BaseModel, *, sync: bool = True) -> None:
        self._check_lock()
        self._journal.append(kind, model, sync=sync)

    async def synced(self, kind: Literal["intent", "outcome"] = "intent") -> None:
        await self._journal.synced(kind)

    def compact(self, snapshot: StateSnapshot, pending: list[Intent], changed: list[str]) -> None:
        """The snapshot atomically (keeping a backup), then the journal shrunk."""
        self._check_lock()
        try:
            write_snapshot(self.paths, snapshot)
            self._journal.replace_with(pending)
        except OSError as error:
            raise StateWriteFailed(self.paths, error, changed) from None

    @contextmanager
    def lock(self, command: str, timeout: float) -> Iterator[LockHolder]:
        with exclusive_lock(self.paths.lock, command, timeout) as held:
            self._held = held
            self._taken = held.holder
            try:
                yield held.holder
            finally:
                self._held = None

    def holder(self) -> LockHolder | None:
        return lock_holder(self.paths.lock)

    def break_lock(self, lock_id: str) -> LockHolder:
        """Unlink the lock file if the lock held on it has `lock_id` (filelock.break_lock): the next
        command locks a fresh file, and a live holder stops before its next write (append, compact)."""
        return break_lock(self.paths.lock, lock_id)

    def _check_lock(self) -> None:
        """Raise unless this store holds its lock, intact, now: once the lock was released or broken
        (force-unlock removed its file, and another command may hold the state) nothing more is
        written. Checked before each write (two stat calls), which narrows two writers to the instant
        between the check and the write."""
        if self._taken is None:
            raise WriteWithoutLock(self.where)
        if self._held is None:
            raise LockLost(self._taken.lock_id, "it was released when the command that took it let go of it")
        if not self._held.intact():
            raise LockLost(
                self._taken.lock_id,
                f"`lfsync force-unlock` broke it while this command held it (its file {display_path(self.paths.lock)} "
                "was removed)",
            )

    def close(self) -> None:
        self._journal.close()


class StateWriteFailed(LfsyncError):
    """The snapshot could not be rewritten. Nothing is lost while the journal is readable: every
    outcome is in it, and the next command folds it in."""

    CHANGES_NAMED = 20

    def __init__(self, paths: StatePaths, error: OSError, changed: list[str]):
        where = display_path(Path(error.filename)) if error.filename else display_path(paths.snapshot)
        message = f"could not write the state: {where}: {error.strerror}."
        if changed:
            named = ", ".join(changed[: self.CHANGES_NAMED])
            more = f" and {len(changed) - self.CHANGES_NAMED} more" if len(changed) > self.CHANGES_NAMED else ""
            message += (
                f" This run changed {len(changed)} account(s) ({named}{more}); they are recorded in the journal "
                f"{display_path(paths.journal)}, and the next lfsync command that reads this state folds them in."
            )
        message += " Fix the cause (free disk space, permissions), then run `lfsync apply` again; do not delete the journal."
        super().__init__(message)


def write_snapshot(paths: StatePaths, snapshot: StateSnapshot) -> None:
    """The backup becomes the file the snapshot was until now (a hard link, no copy), then the
    snapshot is written anew (a new file, renamed over: the backup's file is never written again)."""
    if paths.snapshot.exists():
        link_atomically(paths.snapshot, paths.backup)
    write_atomically(paths.snapshot, snapshot.to_json())


def _read_snapshot(paths: StatePaths) -> StateSnapshot | None:
    path = paths.snapshot
    if not path.exists():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise LfsyncError(f"cannot read the state file {display_path(path)}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise CorruptState(paths, "1:1: not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise CorruptState(paths, f"{error.lineno}:{error.colno}: not valid JSON: {error.msg}") from None
    if not isinstance(document, dict):
        raise CorruptState(paths, f"1:1: not a state file (a JSON {type(document).__name__}, not an object)")
    if document.get("format_version") != STATE_FORMAT_VERSION:
        raise LfsyncError(
            f"{display_path(path)}: state format_version {document.get('format_version')!r} "
            f"is not supported (this lfsync reads {STATE_FORMAT_VERSION})"
        )
    try:
        return StateSnapshot.model_validate(document, context=STORED)
    except ValidationError as error:
        raise CorruptState(paths, f"invalid state at {invalid_field(error)}") from None


class CorruptState(LfsyncError):
    def __init__(self, paths: StatePaths, problem: str):
        separator = "" if problem[:1].isdigit() else " "
        advice = (
            f"The previous version is kept in {display_path(paths.backup)}: compare the two, and restore it "
            f"with `cp {display_path(paths.backup)} {display_path(paths.snapshot)}` if it is the one to keep."
            if paths.backup.exists()
            else "No backup exists; restore the file from version control."
        )
        super().__init__(f"{display_path(paths.snapshot)}:{separator}{problem}. {advice}")
