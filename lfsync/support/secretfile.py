"""Secret files read with bounds: a key file (LIGHTFIELD_API_KEY_FILE, a mounted secret) must be a
regular file of at most MAX_SECRET_FILE_BYTES. It is opened without blocking (O_NONBLOCK: a FIFO
with no writer would wait forever) and checked with fstat before a byte is read, so a FIFO, a
device such as /dev/zero or a directory is refused at once, never read. Messages name the variable
and the file, never what the file holds."""

from __future__ import annotations

import os
import stat

MAX_SECRET_FILE_BYTES = 64 * 1024  # far above any API key; a bound on what is read


class SecretFileError(ValueError):
    """Why the file a variable names cannot be a secret (the message names the variable and file)."""


def read_secret_file(file_name: str, variable: str, what: str = "the secret") -> str:
    """The text of the regular file `file_name` (named by the environment variable `variable`),
    without one trailing line break. SecretFileError says why not: missing, unreadable, not a
    regular file, larger than MAX_SECRET_FILE_BYTES, or not UTF-8; `what` names the secret in it."""
    where = f"{what} from {variable} ({file_name})"
    try:
        descriptor = os.open(file_name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise SecretFileError(f"cannot read {where}: {error.strerror or error}") from None
    except ValueError:  # a NUL character in the name
        raise SecretFileError(f"cannot read {where}: not a file name") from None
    try:
        data = _bounded_read(descriptor, where)
    finally:
        os.close(descriptor)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretFileError(f"cannot read {where}: not UTF-8 text") from None
    return text.removesuffix("\n").removesuffix("\r")


def _bounded_read(descriptor: int, where: str) -> bytes:
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        raise SecretFileError(f"cannot read {where}: {_kind_of(mode)}, not a regular file")
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            chunk = os.read(descriptor, MAX_SECRET_FILE_BYTES + 1 - size)
        except OSError as error:
            raise SecretFileError(f"cannot read {where}: {error.strerror or error}") from None
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_SECRET_FILE_BYTES:
            raise SecretFileError(
                f"cannot read {where}: the file is larger than {MAX_SECRET_FILE_BYTES // 1024} KiB, "
                "far more than a key"
            )


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"
