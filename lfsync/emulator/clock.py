"""The emulator's clock: the machine's time moved by an offset, which tests may change while it serves.

Everything time-dependent in the emulator reads `EmulatorConfig.clock`: `createdAt`/`updatedAt`,
idempotency keys' 24 hours, rate-limit buckets, `Retry-After` dates and the `Date` header of every
answer. `lfsync emulator serve --clock-offset SECONDS` (or LFSYNC_EMULATOR_CLOCK_OFFSET) serves with
a `ShiftedClock`; in-process tests pass one and move it (`advance`) to play a day passing.
"""

from __future__ import annotations

import time
from typing import Callable


class ShiftedClock:
    """`source()` (the machine's time by default) plus `offset` seconds, as a Unix timestamp."""

    def __init__(self, offset: float = 0.0, source: Callable[[], float] = time.time):
        self.offset = offset
        self._source = source

    def __call__(self) -> float:
        return self._source() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds
