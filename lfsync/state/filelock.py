"""An exclusive, OS-level lock on a file that says who holds it and dies with its holder."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from lfsync.errors import LfsyncError, display_path

POLL_SECONDS = 0.1


class LockHeld(LfsyncError):
    pass


def read_holder(path: Path) -> dict | None:
    try:
        text = path.read_text()
    except OSError:
        return None
    try:
        return json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        return None


def describe_holder(holder: dict | None) -> str:
    if not holder:
        return "another process"
    return (
        f"pid {holder.get('pid')} on {holder.get('host')} "
        f"({holder.get('command')}) since {holder.get('since')}"
    )


@contextmanager
def exclusive_lock(path: Path, command: str, timeout: float = 0.0) -> Iterator[None]:
    """Hold `path` exclusively; wait up to `timeout` seconds for another holder to finish.

    flock is released by the kernel when its process dies, so kill -9 leaves no stale lock.
    The file is never removed on release: removing it would let a waiter lock an unlinked inode
    while a newcomer locks a fresh file.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a+")
        except OSError as error:
            raise LfsyncError(f"cannot lock the state: {display_path(path)}: {error.strerror}") from None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            if time.monotonic() >= deadline:
                raise LockHeld(
                    f"state is locked by {describe_holder(read_holder(path))}; "
                    f"waited {timeout:g}s (--lock-timeout). If that process is gone and the lock "
                    f"is stale, run `lfsync force-unlock` ({display_path(path)})."
                ) from None
            time.sleep(POLL_SECONDS)
            continue
        if _same_file(handle, path):
            break
        handle.close()  # force-unlock replaced the file while we waited: lock the new one
    try:
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": command,
            "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(holder) + "\n")
        handle.flush()
        yield
    finally:
        handle.seek(0)
        handle.truncate()
        handle.flush()
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()


def _same_file(handle, path: Path) -> bool:
    try:
        return os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def is_locked(path: Path) -> bool:
    """Whether a live process holds the lock on `path` now."""
    if not path.exists():
        return False
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False


def force_unlock(path: Path) -> dict | None:
    """Remove the lock file; returns who held it. A live holder keeps its now-orphaned lock."""
    holder = read_holder(path)
    try:
        path.unlink()
    except FileNotFoundError:
        return None
    return holder
