"""Console output shared by commands: colour only on a terminal, errors on stderr."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from lfsync.errors import Problem, render_problem
from lfsync.plan.model import Plan
from lfsync.support.secrets import redact, redact_bytes
from lfsync.support.textsafe import for_terminal
from lfsync.ui.console import PlainConsole, stderr, stdout, stdout_reader_may_leave
from lfsync.ui.render import Line, render_text

if TYPE_CHECKING:  # rich is imported when something is printed through it: a JSON plan never is
    from rich.console import Console

def print_lines(lines: list[Line], console: Console | PlainConsole | None = None) -> None:
    """Styled lines in one print: a plan of thousands of lines printed one call a line spent
    seconds in rich (issue 8). Without colour (not a terminal, NO_COLOR) they are written directly."""
    console = console or stdout()
    with stdout_reader_may_leave():
        _print_lines(lines, console)


def _print_lines(lines: list[Line], console: Console | PlainConsole) -> None:
    if isinstance(console, PlainConsole) or console.no_color or not console.is_terminal:
        console.file.write(for_terminal("\n".join(text for text, _ in lines)) + "\n" if lines else "")
        console.file.flush()
        return
    from rich.text import Text

    block = Text()
    for text, style in lines:
        block.append(for_terminal(text), style=style or "")
        block.append("\n")
    console.print(block, end="")


def say(text: str = "", style: str | None = None) -> None:
    with stdout_reader_may_leave():
        _print(stdout(), for_terminal(text), style)


def warn(text: str) -> None:
    _print(stderr(), for_terminal(text), "yellow")


def show_warnings(warnings: Iterable[Problem]) -> None:
    """Problems that do not stop the run (e.g. spaces around a CSV cell), each at its place, on stderr."""
    for problem in warnings:
        warn(f"Warning: {render_problem(problem)}")


def error(text: str) -> None:
    _print(stderr(), f"Error: {for_terminal(text)}", "bold red")


def _print(console: Console | PlainConsole, text: str, style: str | None) -> None:
    if isinstance(console, PlainConsole):
        console.out(text)
        return
    from rich.text import Text

    console.print(Text(text, style=style or ""))


def is_interactive() -> bool:
    return sys.stdin.isatty()


def show_plan(plan: Plan, output_format: str, *, full_plan: str | None = None, changed_state: Sequence[str] = ()) -> None:
    """Text through rich (colour on a terminal); JSON and markdown, made for machines, written
    directly: a big plan printed through rich spent a sixth of its time there (issue 8).
    `changed_state`: state files the change under review modifies, warned about (text, markdown)."""
    if output_format == "json":
        from lfsync.ui.planjson import plan_json  # imported for the format asked: apply prints text

        write_out_bytes(plan_json(plan), b"\n")
    elif output_format == "markdown":
        from lfsync.ui.markdown import render_markdown  # with its diagrams, for the format asked

        write_out(render_markdown(plan, full_plan=full_plan, changed_state=changed_state))
    else:
        print_lines(render_text(plan, changed_state))


def write_out(text: str) -> None:
    with stdout_reader_may_leave():
        sys.stdout.write(redact(text))
        sys.stdout.flush()


def write_out_bytes(*chunks: bytes) -> None:
    """UTF-8 straight to stdout's bytes, where it has them (no copy of a big plan as text)."""
    with stdout_reader_may_leave():
        _write_out_bytes(chunks)


def _write_out_bytes(chunks: tuple[bytes, ...]) -> None:
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    for chunk in map(redact_bytes, chunks):
        if buffer is None:
            sys.stdout.write(chunk.decode())
        else:
            buffer.write(chunk)
    (buffer or sys.stdout).flush()


STEP_SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"


def append_step_summary(markdown: Callable[[], str]) -> None:
    """In GitHub Actions, add markdown to the job's summary page (the file it names); made only
    there (a plan of 10,000 accounts takes a third of a second to render)."""
    path = os.environ.get(STEP_SUMMARY_VARIABLE)
    if path:
        text = markdown()
        with open(path, "a", encoding="utf-8") as summary:
            text = redact(text)
            summary.write(text if text.endswith("\n") else text + "\n")
