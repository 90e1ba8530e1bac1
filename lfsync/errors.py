"""Expected errors, exit codes, and the one mapping from an error to what the user sees."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

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


MAX_PROBLEMS_SHOWN = 100  # a check reports the first this many in detail, then how many more


class Problems:
    """The problems a check collects, bounded: the first `limit` are kept, the rest only counted
    (a million empty CSV columns must not become a million Problems). `len()` is the exact total,
    so "did this file add a problem?" still holds past the limit; iterating gives the kept ones."""

    __slots__ = ("kept", "omitted", "limit")

    def __init__(self, problems: Iterable[Problem] = (), limit: int = MAX_PROBLEMS_SHOWN):
        self.kept: list[Problem] = []
        self.omitted = 0  # found after the limit: counted, not kept
        self.limit = limit
        self.extend(problems)

    def append(self, problem: Problem) -> None:
        if len(self.kept) < self.limit:
            self.kept.append(problem)
        else:
            self.omitted += 1

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.append(problem)
        if isinstance(problems, Problems):
            self.omitted += problems.omitted

    def sort(self, key: Callable[[Problem], Any] = problem_order) -> None:
        self.kept.sort(key=key)

    def __len__(self) -> int:
        return len(self.kept) + self.omitted

    def __bool__(self) -> bool:
        return bool(self.kept) or self.omitted > 0

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.kept)

    def __repr__(self) -> str:
        return f"Problems({self.kept!r}, omitted={self.omitted})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Problems):
            return NotImplemented
        return (self.kept, self.omitted) == (other.kept, other.omitted)

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list


def render_problems(problems: Iterable[Problem], omitted: int = 0) -> str:
    """Problems one per line, then `... and N more problems` for those only counted."""
    lines = [render_problem(problem) for problem in problems]
    if omitted:
        lines.append(f"... and {omitted} more problem{'s' if omitted != 1 else ''}")
    return "\n".join(lines)


class DeclarationError(LfsyncError):
    """One or more problems in declaration or settings files, each with its location.

    Takes Problems (a bounded Problems collection keeps its count of the ones past its limit); a
    (location, message) pair is taken as the Problem it describes (the settings reader still speaks
    pairs). At most MAX_PROBLEMS_SHOWN are kept and shown, in file order, then how many more."""

    def __init__(self, problems: Iterable[Problem | tuple[SourceLocation | None, str]]):
        bounded = Problems(problem if isinstance(problem, Problem) else Problem(problem[1], problem[0]) for problem in problems)
        if isinstance(problems, Problems):
            bounded.omitted += problems.omitted
        bounded.sort()
        self.problems = bounded
        super().__init__(self.render())

    def render(self) -> str:
        return render_problems(self.problems, self.problems.omitted)


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
