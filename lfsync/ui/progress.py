"""Progress on the screen: an apply's bar, or a line every few seconds in CI; the same for long reads
(--refresh, --adopt, reset, export)."""

from __future__ import annotations

import sys
import time
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Callable, Iterator, TextIO

from lfsync.apply.progress import Progress
from lfsync.plan.actions import ApplyOutcome

if TYPE_CHECKING:
    from rich.progress import TaskID
from lfsync.ui.console import stderr
from lfsync.ui.render import format_duration

PLAIN_INTERVAL_SECONDS = 5.0


class PlainProgress(Progress):
    def __init__(self, stream: TextIO | None = None, interval: float = PLAIN_INTERVAL_SECONDS, clock: Callable[[], float] = time.monotonic):
        super().__init__(clock)
        self.stream = stream or sys.stderr  # the stderr of the run, not the one at import
        self.interval = interval
        self.last_line = self.started

    def show(self) -> None:
        now = self.clock()
        if now - self.last_line >= self.interval:
            self.last_line = now
            self._line()

    def stop(self) -> None:
        if self.total:
            self._line()

    def _line(self) -> None:
        rate = self.rate
        remaining = self.total - self.done
        eta = format_duration(remaining / rate) if rate > 0 else "?"
        percent = 100 * self.done / self.total if self.total else 100
        print(
            f"apply: {self.done}/{self.total} ({percent:.0f}%) {self.describe_counts()} "
            f"{rate:.1f} {self.noun}/s, ETA {eta}",
            file=self.stream,
            flush=True,
        )


class BarProgress(Progress):
    def __init__(self, console) -> None:
        super().__init__()
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("[bold]apply"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:.1f}/s"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[counts]}"),
            console=console,
            transient=False,
        )
        self._task: TaskID | None = None

    def start(self, total: int) -> None:
        super().start(total)
        self._bar.start()
        self._task = self._bar.add_task("apply", total=total, rate=0.0, counts="")

    def show(self) -> None:
        if self._task is not None:
            self._bar.update(self._task, completed=self.done, total=self.total, rate=self.rate, counts=self.describe_counts())

    def stop(self) -> None:
        if self._task is not None:
            self.show()
            self._bar.stop()


class SharedProgress:
    """One display for applies running at once (many workspaces): each takes a `part()`, whose
    total and counts add to the display. The display starts with the first part and stops at
    `finish()`, once every part is done: a part starting after another stopped adds to the same
    totals (restarting them showed 5/3 (167%))."""

    def __init__(self, display: Progress) -> None:
        self.display = display
        self.started = False

    def part(self) -> Progress:
        return _ProgressPart(self)

    def finish(self) -> None:
        if self.started:
            self.display.stop()


class _ProgressPart(Progress):
    def __init__(self, shared: SharedProgress) -> None:
        super().__init__()
        self.shared = shared

    def start(self, total: int) -> None:
        super().start(total)
        display = self.shared.display
        if self.shared.started:
            display.total += total
            display.noun = display.noun if self.noun == display.noun else "records"  # workspaces of other kinds
            display.show()
        else:
            display.noun = self.noun
            display.start(total)
            self.shared.started = True

    def count(self, outcome: ApplyOutcome) -> None:
        super().count(outcome)
        self.shared.display.count(outcome)

    def retried(self) -> None:
        super().retried()
        self.shared.display.retried()

    def stop(self) -> None:
        pass  # the shared display stops at SharedProgress.finish()


# --- long reads (--refresh, --adopt, export) ---------------------------------------------

ReadCallback = Callable[[int, int], None]  # (read so far, total) after each answer


class ReadingLines:
    """For CI logs: `label: read/total` every `interval` seconds, and once at the end if any was shown."""

    def __init__(self, label: str, stream: TextIO | None = None, interval: float | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.label = label
        self.stream = stream or sys.stderr
        self.interval = PLAIN_INTERVAL_SECONDS if interval is None else interval
        self.clock = clock
        self.last_line = clock()
        self.shown: tuple[int, int] | None = None  # the last line printed
        self.read = self.total = 0

    def __call__(self, read: int, total: int) -> None:
        self.read, self.total = read, total
        now = self.clock()
        if now - self.last_line >= self.interval:
            self.last_line = now
            self._line()

    def close(self) -> None:
        if self.shown and self.shown != (self.read, self.total):
            self._line()

    def _line(self) -> None:
        self.shown = (self.read, self.total)
        print(f"{self.label}: {self.read}/{self.total}", file=self.stream, flush=True)


class ReadingBar:
    """On a terminal: a bar that disappears when the read is done."""

    def __init__(self, label: str, console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=console, transient=True,
        )
        self._task = self._bar.add_task(label, total=None)
        self._bar.start()

    def __call__(self, read: int, total: int) -> None:
        self._bar.update(self._task, completed=read, total=total)

    def close(self) -> None:
        self._bar.stop()


@contextmanager
def reading_progress(label: str) -> Iterator[ReadCallback]:
    console = stderr()
    shown = ReadingBar(label, console) if console.is_terminal else ReadingLines(label)
    try:
        yield shown
    finally:
        shown.close()


class ReadsOnScreen:
    """The screen of a command's long reads (operations' ReadingTerminal): on stderr, a bar on a
    terminal, plain lines elsewhere."""

    def reading(self, label: str) -> AbstractContextManager[ReadCallback]:
        return reading_progress(label)
