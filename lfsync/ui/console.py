"""The two consoles: colour only on a terminal (and never with NO_COLOR), errors on stderr."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich is imported when something is printed through it: a JSON plan never is
    from rich.console import Console

_stdout: Console | None = None
_stderr: Console | None = None


def stdout() -> Console:
    global _stdout
    if _stdout is None:
        from rich.console import Console

        _stdout = Console(highlight=False, soft_wrap=True, no_color=_no_colour(sys.stdout))
    return _stdout


def stderr() -> Console:
    global _stderr
    if _stderr is None:
        from rich.console import Console

        _stderr = Console(stderr=True, highlight=False, soft_wrap=True, no_color=_no_colour(sys.stderr))
    return _stderr


def _no_colour(stream) -> bool:
    return "NO_COLOR" in os.environ or not stream.isatty()
