"""Work handed to a second process (forked) while this one does its own share.

Only in a process that runs one lfsync command (never in a program that imports lfsync, where
forking could copy another thread's held lock), with one thread and more than one core. The
child computes plain data, sends it back as marshal bytes through a pipe and leaves with
os._exit (no atexit handlers, no flushing of the parent's buffers). Whatever goes wrong in it
(an exception, a kill, a short answer) leaves the parent with no results, so the parent does
that work itself: a helper changes nothing but speed.
"""

from __future__ import annotations

import marshal
import os
import signal
import threading
from typing import Any, Callable

_enabled = False


def enable_for_command() -> None:
    """This process runs one lfsync command and exits (`lfsync`, `python -m lfsync`)."""
    global _enabled
    _enabled = True


def available() -> bool:
    return _enabled and hasattr(os, "fork") and threading.active_count() == 1 and len(os.sched_getaffinity(0)) > 1


class Helper:
    """`work(items)` running in a forked child; results() waits for its answer ({} if it failed)."""

    def __init__(self, work: Callable[[list], dict], items: list):
        self._results: dict | None = None
        read_end, write_end = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the child
            os.close(read_end)
            _answer(write_end, work, items)
        os.close(write_end)
        self._pipe = os.fdopen(read_end, "rb")

    def __enter__(self) -> "Helper":
        return self

    def __exit__(self, *exc_info: object) -> None:
        """An answer never asked for (the caller failed first): the child is stopped, not waited for."""
        if self._results is None:
            self._pipe.close()
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)

    def results(self) -> dict:
        if self._results is None:
            try:
                with self._pipe:
                    answer = self._pipe.read()
            finally:
                _, status = os.waitpid(self._pid, 0)
            self._results = _decoded(answer) if os.waitstatus_to_exitcode(status) == 0 else {}
        return self._results


def _answer(write_end: int, work: Callable[[list], dict], items: list) -> None:
    code = 1
    try:
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(marshal.dumps(work(items)))
        code = 0
    finally:
        os._exit(code)


def _decoded(answer: bytes) -> dict:
    try:
        results: Any = marshal.loads(answer)
    except (EOFError, ValueError, TypeError):
        return {}
    return results if isinstance(results, dict) else {}
