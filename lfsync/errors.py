"""Expected errors, exit codes, and the one mapping from an error to what the user sees."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2  # plan --detailed-exitcode: there are changes
EXIT_BUG = 3  # an unexpected exception: a bug in lfsync (a crash report is written)
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT; SIGTERM too (lfsync stops cleanly, then exits)


@dataclass(frozen=True, order=True)
class SourceLocation:
    """A place in a declaration file; line and column are 1-based."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class LfsyncError(Exception):
    """An error the user can act on; the CLI prints it and exits 1."""


class Terminated(KeyboardInterrupt):
    """SIGTERM outside an apply's sending (plan, refresh, a lock wait, settling): raised where the
    process is, like Ctrl-C, so every wait ends at once and the run exits EXIT_INTERRUPTED. A Ctrl-C
    in kind, it is handled wherever a Ctrl-C is."""


def raise_terminated(signum: int, frame: object) -> None:
    """The SIGTERM handler of a process running one lfsync command (lfsync.__main__)."""
    raise Terminated


Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of any check (declaration files, settings, values against the organisation):
    what is wrong, where (None when no place in a file can be named), an optional hint on how to
    fix it, and how bad it is."""

    message: str
    place: SourceLocation | None
    hint: str | None = None
    severity: Severity = "error"


def render_problem(problem: Problem) -> str:
    """A problem as users see it: `file:line:col: message (hint)`, or the message alone without a place."""
    text = f"{problem.place}: {problem.message}" if problem.place else problem.message
    return f"{text} ({problem.hint})" if problem.hint else text


def problem_order(problem: Problem) -> tuple[bool, SourceLocation]:
    """Problems in file order; those without a place last."""
    return (problem.place is None, problem.place or _NOWHERE)


_NOWHERE = SourceLocation("", 0, 0)


class DeclarationError(LfsyncError):
    """One or more problems in declaration or settings files, each with its location.

    Takes Problems; a (location, message) pair is taken as the Problem it describes (the settings
    reader still speaks pairs)."""

    def __init__(self, problems: Iterable[Problem | tuple[SourceLocation | None, str]]):
        self.problems: list[Problem] = sorted(
            (problem if isinstance(problem, Problem) else Problem(problem[1], problem[0]) for problem in problems),
            key=problem_order,
        )
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(render_problem(problem) for problem in self.problems)


def display_path(path: Path, base: Path | None = None) -> str:
    """A path as users should see it: relative to the working directory when possible."""
    for root in (Path.cwd(), base):
        if root is None:
            continue
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except (ValueError, RuntimeError):  # RuntimeError: a symlink loop
            continue
    return str(path)


def describe_failure(failure: BaseException, bug_note: str = "set LFSYNC_DEBUG=1 for the traceback") -> tuple[str, int]:
    """The message (without "Error: ") and exit code for an error that reached the top; `bug_note`
    ends the message of a bug (where its crash report is)."""
    if isinstance(failure, Terminated):
        return "Terminated (SIGTERM)", EXIT_INTERRUPTED
    if isinstance(failure, KeyboardInterrupt):
        return "Interrupted", EXIT_INTERRUPTED
    if isinstance(failure, LfsyncError):
        return str(failure), EXIT_ERROR
    if isinstance(failure, OSError) and failure.strerror:
        where = f"{display_path(Path(failure.filename))}: " if failure.filename else ""
        return f"{where}{failure.strerror}", EXIT_ERROR
    return (
        f"unexpected {type(failure).__name__}: {failure} (a bug in lfsync; {bug_note})",
        EXIT_BUG,
    )
