"""Crash-safe file writes: temp file, fsync, rename, directory fsync."""

from __future__ import annotations

import errno
import os
import secrets
import tempfile
from pathlib import Path


def write_atomically(path: Path, text: str, *, mode: int | None = None, durable: bool = True) -> None:
    """Replace `path` with `text` (UTF-8, "\n" line ends) so that a crash leaves the old or the new file.

    `mode` is the file's permission bits (e.g. to keep a rewritten file's); default: 0666 less the umask.
    `durable=False` (a cache, whose reader takes a damaged file for none): no fsync, so a lost power
    may leave an empty or partial file, while a killed process still leaves the old or the new one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes 0600; state is meant to be shared
        os.fchmod(descriptor, (0o666 & ~_umask()) if mode is None else mode & 0o7777)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    if durable:
        fsync_directory(path.parent)


def link_atomically(source: Path, destination: Path) -> None:
    """Make `destination` name the file `source` names (a hard link, put in place by a rename), so
    that a crash leaves the old or the new `destination`; where the file system has no hard links,
    a copy (write_atomically). Durable once the directory is synced (the caller's next
    write_atomically in it does that): the file itself is the one already written."""
    temp = destination.with_name(f".{destination.name}.{secrets.token_hex(8)}.tmp")
    try:
        os.link(source, temp)
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        write_atomically(destination, source.read_text(encoding="utf-8"))
        return
    try:
        os.replace(temp, destination)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


# errno values of a file system (or a platform) that makes no hard links
_NO_HARD_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}


def fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
