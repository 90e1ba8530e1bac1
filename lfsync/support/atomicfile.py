"""Crash-safe file writes: temp file, fsync, rename, directory fsync."""

from __future__ import annotations

import os
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
