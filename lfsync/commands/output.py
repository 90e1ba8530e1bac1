"""Console output shared by commands: colour only on a terminal, errors on stderr."""

from __future__ import annotations

import os
import sys

from rich.console import Console
from rich.text import Text

from lfsync.plan import Plan
from lfsync.render import Line, render_json, render_markdown, render_text

_stdout: Console | None = None
_stderr: Console | None = None


def stdout() -> Console:
    global _stdout
    if _stdout is None:
        _stdout = Console(highlight=False, soft_wrap=True, no_color=_no_colour(sys.stdout))
    return _stdout


def stderr() -> Console:
    global _stderr
    if _stderr is None:
        _stderr = Console(stderr=True, highlight=False, soft_wrap=True, no_color=_no_colour(sys.stderr))
    return _stderr


def _no_colour(stream) -> bool:
    return "NO_COLOR" in os.environ or not stream.isatty()


def print_lines(lines: list[Line], console: Console | None = None) -> None:
    console = console or stdout()
    for text, style in lines:
        console.print(Text(text, style=style or ""))


def say(text: str = "", style: str | None = None) -> None:
    stdout().print(Text(text, style=style or ""))


def warn(text: str) -> None:
    stderr().print(Text(text, style="yellow"))


def error(text: str) -> None:
    stderr().print(Text(f"Error: {text}", style="bold red"))


def is_interactive() -> bool:
    return sys.stdin.isatty()


def show_plan(plan: Plan, output_format: str) -> None:
    if output_format == "json":
        stdout().out(render_json(plan), end="")
    elif output_format == "markdown":
        stdout().out(render_markdown(plan), end="")
    else:
        print_lines(render_text(plan))
