"""What an apply reports as it goes: outcomes counted, retries; the display is the UI's (a subclass)."""

from __future__ import annotations

import time
from collections import Counter
from typing import Callable

from lfsync.plan.actions import ApplyOutcome

ALWAYS_SHOWN = (ApplyOutcome.CREATED, ApplyOutcome.FAILED)


class Progress:
    """Counts outcomes; subclasses show them."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.counts: Counter[ApplyOutcome] = Counter()
        self.retries = 0
        self.total = 0
        # what the rate counts, set before start (lfsync.kinds.present.noun_for): "records" once
        # other kinds than accounts are applied
        self.noun = "accounts"
        self.clock = clock
        self.started = clock()

    def start(self, total: int) -> None:
        self.total = total
        self.started = self.clock()

    def count(self, outcome: ApplyOutcome) -> None:
        """One request finished (a change of two requests, like a restore with changes, counts twice)."""
        self.counts[outcome] += 1
        self.show()

    def retried(self) -> None:
        self.retries += 1
        self.show()

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    @property
    def rate(self) -> float:
        elapsed = self.clock() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def describe_counts(self) -> str:
        shown = [f"{outcome}={self.counts[outcome]}" for outcome in ApplyOutcome if self.counts[outcome] or outcome in ALWAYS_SHOWN]
        if self.retries:
            shown.append(f"retried={self.retries}")
        return " ".join(shown)

    def show(self) -> None:
        pass

    def stop(self) -> None:
        pass
