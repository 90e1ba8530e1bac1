"""The two consoles: colour only on a terminal (and never with NO_COLOR), errors on stderr; and
what a closed stdout (`lfsync plan | head`) becomes: nothing more written, no error."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:  # rich is imported when something is printed through it: a JSON plan never is
    from rich.console import Console

_stdout: Console | None = None
_stderr: Console | None = None


def stdout() -> Console:
    global _stdout
    if _stdout is None:
        _stdout = _console(highlight=False, soft_wrap=True, no_color=_no_colour(sys.stdout))
    return _stdout


def stderr() -> Console:
    global _stderr
    if _stderr is None:
        _stderr = _console(stderr=True, highlight=False, soft_wrap=True, no_color=_no_colour(sys.stderr))
    return _stderr


def _console(**options: Any) -> Console:
    """A rich Console that goes quiet when its reader leaves (rich's own would exit 1)."""
    from rich.console import Console

    class QuietWhenClosed(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            if not self.stderr:
                silence_stdout()

    return QuietWhenClosed(**options)


def _no_colour(stream) -> bool:
    return "NO_COLOR" in os.environ or not stream.isatty()


def silence_stdout() -> None:
    """The reader of stdout has gone (a pipe closed early, as `| head` does): what is still to be
    written goes to the null device, as git and kubectl stop writing, so neither this run nor the
    interpreter's final flush reports a broken pipe. Without a file descriptor (a test's captured
    stdout) there is nothing to redirect."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, descriptor)
    finally:
        os.close(null)


@contextmanager
def stdout_reader_may_leave() -> Iterator[None]:
    """Writes to stdout inside: a closed pipe silences stdout and the command goes on (an apply
    still makes its changes and records them; its exit code is its own)."""
    try:
        yield
    except BrokenPipeError:
        silence_stdout()
