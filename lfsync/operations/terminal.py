"""What operations need from the user's screen: the protocols a command passes in. Operations draw
nothing themselves; the commands implement these with lfsync.ui (bars, lines, prompts)."""

from __future__ import annotations

import asyncio
from contextlib import AbstractContextManager, nullcontext
from typing import Protocol

from lfsync.apply.progress import Progress
from lfsync.plan.model import Plan
from lfsync.remote.refresh import ReadCallback


class ReadingTerminal(Protocol):
    """Where long reads (--refresh, --adopt, reset, export) show how far they are."""

    def reading(self, label: str) -> AbstractContextManager[ReadCallback | None]:
        """A context for one read named `label`, yielding its `(read, total)` callback (None: not shown)."""
        ...


class Unshown:
    """Reads shown nowhere: for callers without a screen (tests, benchmarks, libraries)."""

    def reading(self, label: str) -> AbstractContextManager[ReadCallback | None]:
        return nullcontext(None)


UNSHOWN = Unshown()


class Interruptible(Protocol):
    """An apply that a signal can stop: `stop` ends it gently (nothing new is started), `halt()` at
    once (lfsync.apply.applier.Applier)."""

    stop: asyncio.Event

    def halt(self) -> None: ...


class ApplyTerminal(ReadingTerminal, Protocol):
    """What apply needs from the command edge: showing, asking, progress, Ctrl-C and SIGTERM."""

    def settling(self, count: int) -> None: ...

    def settled(self, lines: list[str]) -> None: ...

    def show_plan(self, plan: Plan) -> None: ...

    def confirm(self, plan: Plan) -> bool: ...

    def progress(self) -> Progress: ...

    def interrupts(self, applier: Interruptible) -> AbstractContextManager: ...
