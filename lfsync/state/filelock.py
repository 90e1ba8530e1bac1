"""An exclusive, OS-level lock on a file that names its holder and LOCK_ID and dies with its holder.

The lock is an flock on `<ws>.lock`, whose content is the holder's record (lock_id, pid, host,
command, since). The kernel releases an flock when its process dies, so kill -9 leaves no stale
lock on this machine.

A second, tiny lock, the guard (`.<ws>.guard.lock`, never removed), makes each of these steps
atomic with respect to the others: taking the lock and writing its record; releasing it and
clearing its record; reading the holder; breaking the lock. The guard is held only for those few
system calls, never while a command runs, and waited for only GUARD_WAIT_SECONDS: a holder frozen
(SIGSTOP) while holding it is an error naming the guard file, not a hang of every other lfsync.

Breaking a lock (force-unlock) cannot take an flock away from the process that holds it: no
process can release another's flock, and a live holder, on this machine or on another sharing
the folder, keeps it until it exits. Breaking therefore unlinks the lock file, under the guard and
only after checking that the lock held on it now is the one named by its LOCK_ID; the next
command locks a fresh file. Because taking a lock also happens under the guard, a lock taken
after the ID was read carries another ID, and no newer holder's file is ever unlinked. The broken
holder, if it is still alive, sees that its file is no longer the lock file (`HeldFileLock.intact`)
and the local backend stops it before its next write to state or journal.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from lfsync.errors import LfsyncError, display_path
from lfsync.state.locks import LockHeld, LockHolder, LockNotBroken

POLL_SECONDS = 0.1
# The guard is held for microseconds; a holder keeping it this long is frozen or hung (GuardHeld).
GUARD_WAIT_SECONDS = 10.0
GUARD_POLL_SECONDS = 0.01


class HeldFileLock:
    """The lock this process holds: its holder record, and whether it is still the lock file."""

    def __init__(self, path: Path, handle: IO[str], holder: LockHolder):
        self.path = path
        self.holder = holder
        self._handle = handle

    def intact(self) -> bool:
        """False once force-unlock has broken this lock (its file is no longer `path`)."""
        return _same_file(self._handle, self.path)


@contextmanager
def exclusive_lock(path: Path, command: str, timeout: float = 0.0) -> Iterator[HeldFileLock]:
    """Hold `path` exclusively; wait up to `timeout` seconds for another holder to finish.

    The file is never removed on release: removing it would let a waiter lock an unlinked inode
    while a newcomer locks a fresh file.
    """
    deadline = time.monotonic() + timeout
    while True:
        with _guard(path):
            handle = _open(path)
            taken = _try_flock(handle)
            if taken and _same_file(handle, path):
                holder = LockHolder.taking(command)
                try:
                    _write_record(handle, holder)
                except OSError as error:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
                    handle.close()
                    raise LfsyncError(f"cannot lock the state: {display_path(path)}: {error.strerror}") from None
                break
            current = None if taken else _read_record(handle)
            if taken:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()
        if taken:
            continue  # the file was replaced while we opened it: lock the new one
        if time.monotonic() >= deadline:
            raise LockHeld(
                current, display_path(path), timeout, "The lock is released when its holder's process ends."
            ) from None
        time.sleep(POLL_SECONDS)
    try:
        yield HeldFileLock(path, handle, holder)
    finally:
        with _guard(path):
            if _same_file(handle, path):  # a broken lock's file is gone; a newer holder's is not ours to clear
                _write_record(handle, None)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()


def lock_holder(path: Path) -> LockHolder | None:
    """Who holds the lock on `path` now (a live process), None if nobody does."""
    if not path.exists():
        return None
    with _guard(path):
        return _current_holder(path)


def break_lock(path: Path, lock_id: str) -> LockHolder:
    """Unlink the lock file if, and only if, the lock held on it now has `lock_id` (see the module's
    docstring for what that does to a live holder); returns the holder broken. Raises LockNotBroken,
    naming the current holder, for any other ID or when nothing holds the lock."""
    if not path.exists():
        raise LockNotBroken(lock_id, None)
    with _guard(path):
        current = _current_holder(path)
        if current is None or current.lock_id != lock_id:
            raise LockNotBroken(lock_id, current)
        path.unlink()
        return current


def is_locked(path: Path) -> bool:
    """Whether a live process holds the lock on `path` now."""
    return lock_holder(path) is not None


def _current_holder(path: Path) -> LockHolder | None:
    """The holder of `path`, read under the guard (so its record is the one its flock goes with)."""
    try:
        handle = open(path, "r")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise LfsyncError(f"cannot read the state lock: {display_path(path)}: {error.strerror}") from None
    with handle:
        if _try_flock(handle):
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return None
        return _read_record(handle)


class GuardHeld(LfsyncError):
    """The guard stayed held past GUARD_WAIT_SECONDS: its holder is frozen (SIGSTOP, a debugger) or
    hangs in one of the few system calls it guards."""

    def __init__(self, guard: Path):
        super().__init__(
            f"the state lock's guard {display_path(guard)} has been held by another process for more than "
            f"{GUARD_WAIT_SECONDS:g}s; it is held only for a few system calls at a time, so its holder is stopped "
            f"or hangs. Find it (`fuser {display_path(guard)}`) and resume or end it, then run this again"
        )
        self.guard = guard


@contextmanager
def _guard(path: Path) -> Iterator[None]:
    """Hold the guard of `path` (a few system calls at a time); waits at most GUARD_WAIT_SECONDS for
    another holder, then raises GuardHeld: a frozen holder never hangs every other lfsync."""
    guard = path.with_name(f".{path.stem}.guard.lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(guard, "a")
    except OSError as error:
        raise LfsyncError(f"cannot lock the state: {display_path(path)}: {error.strerror}") from None
    with handle:
        deadline = time.monotonic() + GUARD_WAIT_SECONDS
        while not _try_flock(handle):
            if time.monotonic() >= deadline:
                raise GuardHeld(guard)
            time.sleep(GUARD_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _open(path: Path) -> IO[str]:
    try:
        return open(path, "a+")
    except OSError as error:
        raise LfsyncError(f"cannot lock the state: {display_path(path)}: {error.strerror}") from None


def _try_flock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _read_record(handle: IO[str]) -> LockHolder:
    handle.seek(0)
    try:
        record = json.loads(handle.read() or "null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        record = None
    return LockHolder.from_record(record)


def _write_record(handle: IO[str], holder: LockHolder | None) -> None:
    handle.seek(0)
    handle.truncate()
    if holder is not None:
        handle.write(json.dumps(holder.record()) + "\n")
    handle.flush()


def _same_file(handle: IO[str], path: Path) -> bool:
    try:
        return os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False
