"""The two consoles: colour only on a terminal (and never with NO_COLOR), errors on stderr; and
what a closed stdout (`lfsync plan | head`) becomes: nothing more written, no error."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:  # rich is imported when something is printed through it: a JSON plan never is
    from rich.console import Console

_stdout: Console | PlainConsole | None = None
_stderr: Console | PlainConsole | None = None


class PlainConsole:
    """Output where there is neither colour nor a terminal (CI, a pipe, a file): the text as it is,
    as rich writes it there, without importing rich (some 25 ms of every such run). Goes quiet when
    its reader leaves, as the rich one does."""

    no_color = True
    is_terminal = False

    def __init__(self, *, stderr: bool = False):
        self.stderr = stderr
        self.quiet = False

    @property
    def file(self) -> Any:
        return sys.stderr if self.stderr else sys.stdout  # looked up each time, as rich does

    def out(self, *objects: object, sep: str = " ", end: str = "\n") -> None:
        if self.quiet:
            return
        try:
            self.file.write(sep.join(str(item) for item in objects) + end)
            self.file.flush()
        except BrokenPipeError:
            reader_left(self)


def stdout() -> Console | PlainConsole:
    global _stdout
    if _stdout is None:
        _stdout = _console(highlight=False, soft_wrap=True, no_color=_no_colour(sys.stdout))
    return _stdout


def stderr() -> Console | PlainConsole:
    global _stderr
    if _stderr is None:
        _stderr = _console(stderr=True, highlight=False, soft_wrap=True, no_color=_no_colour(sys.stderr))
    return _stderr


def _console(**options: Any) -> Console | PlainConsole:
    """A rich Console that goes quiet when its reader leaves (rich's own would exit 1); a
    PlainConsole where rich would see no terminal and show no colour."""
    stream = sys.stderr if options.get("stderr") else sys.stdout
    if options["no_color"] and not _may_be_terminal(stream):
        return PlainConsole(stderr=bool(options.get("stderr")))
    from rich.console import Console

    class QuietWhenClosed(Console):
        def on_broken_pipe(self) -> None:
            reader_left(self)

    return QuietWhenClosed(**options)


def reader_left(console: Console | PlainConsole) -> None:
    """The reader of `console` has gone: it writes nothing more, and a gone stdout is silenced."""
    console.quiet = True
    if not console.stderr:
        silence_stdout()


def _no_colour(stream) -> bool:
    return "NO_COLOR" in os.environ or not stream.isatty()


def _may_be_terminal(stream) -> bool:
    """What rich would call a terminal: a TTY, or one said to be (TTY_COMPATIBLE, FORCE_COLOR)."""
    return "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ or _isatty(stream)


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


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
