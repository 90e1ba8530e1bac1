"""A list of items worked through from both ends: this process from the first, a forked helper
process from the last, until they meet.

Only in a process that runs one lfsync command (never in a program that imports lfsync, where
forking could copy another thread's held lock), with one thread and more than one core, and only
for enough input to pay for the fork. The two share a page with their positions: before each
item, each says which one it takes and looks at the other's, so neither waits while the other
still has work. The helper sends its answers (plain data, marshal bytes) through a pipe once it
stops, and leaves with os._exit (no atexit handlers, no flushing of this process's buffers).
Whatever goes wrong in it (an exception, a kill, a short answer) leaves this process without
those answers, and it does that work itself: the helper changes nothing but speed.
"""

from __future__ import annotations

import marshal
import mmap
import os
import signal
import struct
import threading
from typing import Any, Callable

# A helper pays from about this much input (forking and sending answers back cost ~10-20 ms);
# below it, or on one core, this process does all the work.
HELPER_MIN_BYTES = 256 * 1024

# The shared page: the index this process took last, then the index the helper took last.
_INDEX = struct.Struct("q")
OURS, HELPERS = 0, _INDEX.size

_enabled = False


def enable_for_command() -> None:
    """This process runs one lfsync command and exits (`lfsync`, `python -m lfsync`)."""
    global _enabled
    _enabled = True


def available() -> bool:
    return _enabled and hasattr(os, "fork") and threading.active_count() == 1 and cores() > 1


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class Share:
    """`work(name, data)` for each (name, data) item; this process asks result(name) for each item
    in order, and does the work itself for every None."""

    def __init__(self, items: list[tuple[str, bytes]], work: Callable[[str, bytes], Any], *, helper: bool = True):
        self._index = {name: index for index, (name, _) in enumerate(items)}
        self._answers: dict | None = None
        self._pid = 0
        if not helper or not items:
            return
        self._positions = mmap.mmap(-1, 2 * _INDEX.size)  # anonymous: shared with the child after fork
        _INDEX.pack_into(self._positions, OURS, -1)
        _INDEX.pack_into(self._positions, HELPERS, len(items))
        read_end, write_end = os.pipe()
        try:
            self._pid = os.fork()
        except OSError:  # no process to spare (a limit on processes or memory): all the work is done here
            os.close(read_end)
            os.close(write_end)
            return
        if self._pid == 0:
            os.close(read_end)
            self._help(write_end, items, work)
        os.close(write_end)
        self._pipe = os.fdopen(read_end, "rb")

    def result(self, name: str) -> Any | None:
        """The helper's answer for this item (waiting for it), or None: this process does it."""
        index = self._index.get(name)
        if index is None or not self._pid:
            return None
        if self._answers is None:
            _INDEX.pack_into(self._positions, OURS, index)  # taken here ...
            if _INDEX.unpack_from(self._positions, HELPERS)[0] > index:  # ... unless the helper has it already
                return None
            self._answers = self._collect()
        return self._answers.get(name)

    def __enter__(self) -> "Share":
        return self

    def __exit__(self, *exc_info: object) -> None:
        """A helper whose answers were never asked for (all done here, or the caller failed) is
        stopped, not waited for."""
        if self._pid and self._answers is None:
            self._pipe.close()
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._answers = {}

    def _collect(self) -> dict:
        self._answers = {}  # reaped below whatever happens (a Ctrl-C while reading): never stopped again
        try:
            with self._pipe:
                answer = self._pipe.read()
        finally:
            _, status = os.waitpid(self._pid, 0)
        return _decoded(answer) if os.waitstatus_to_exitcode(status) == 0 else {}

    def _help(self, write_end: int, items: list[tuple[str, bytes]], work: Callable[[str, bytes], Any]) -> None:
        """In the child: from the last item down, each one this process has not taken; never returns."""
        code = 1
        try:
            answers = {}
            for index in range(len(items) - 1, -1, -1):
                _INDEX.pack_into(self._positions, HELPERS, index)
                if _INDEX.unpack_from(self._positions, OURS)[0] >= index:
                    break  # taken there: from here on everything is
                name, data = items[index]
                answers[name] = work(name, data)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(marshal.dumps(answers))
            code = 0
        finally:
            os._exit(code)


def shared(items: list[tuple[str, bytes]], work: Callable[[str, bytes], Any]) -> Share:
    """A Share with a helper where one pays (enough bytes, a command process, two cores)."""
    enough = sum(len(data) for _, data in items) >= HELPER_MIN_BYTES
    return Share(items, work, helper=enough and available())


def _decoded(answer: bytes) -> dict:
    try:
        results: Any = marshal.loads(answer)
    except (EOFError, ValueError, TypeError):
        return {}
    return results if isinstance(results, dict) else {}
