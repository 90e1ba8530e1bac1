"""Client-side pacing: a token bucket per rate category, corrected by the server's X-RateLimit-* headers."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from typing import Callable, Literal

Category = Literal["write", "read", "search"]
# Lightfield's documented limit per organisation and category (requests per second); corrected
# at run time from X-RateLimit-Limit. The plan's time estimate uses it too.
DOCUMENTED_RATE_PER_SECOND = 25.0
# Our rate as a share of the server's. Every answer caps our tokens at its X-RateLimit-Remaining
# (a whole number, at most what the server had), which keeps us from overrunning its bucket, so we
# pace at its full rate: 0 429s in 2,000 writes at 25/s, also with 30 ms of latency jitter
# (bench/bench_graph.py). 0.99 left 1% of every apply unused, 0.97 3%.
RATE_MARGIN = 1.0
# The documented bucket holds one second of requests (X-RateLimit-Limit is its capacity): ours may
# too. Every answer caps our tokens at the server's X-RateLimit-Remaining, so a bucket another
# client has drained is followed after the first answers, not overrun.
BURST_SECONDS = 1.0
# What an X-RateLimit-Limit may set our rate to: a hostile or broken `1e-9` would stall every
# write for ages, a huge one would drop pacing altogether.
MIN_RATE_PER_SECOND = 1.0
MAX_RATE_PER_SECOND = 1000.0


@dataclass(frozen=True)
class Ticket:
    """When a request took its token, and how many the bucket had handed out by then (its own
    included): what its answer's X-RateLimit-Remaining is read against."""

    at: float
    taken: int


@dataclass
class TokenBucket:
    rate: float = DOCUMENTED_RATE_PER_SECOND * RATE_MARGIN
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    updated: float = field(init=False)
    paused_until: float = 0.0
    taken: int = 0  # tokens handed out so far
    _lock: asyncio.Lock | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.tokens = self.capacity
        self.updated = self.clock()

    @property
    def capacity(self) -> float:
        return max(1.0, self.rate * BURST_SECONDS)

    def _refill(self) -> float:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return now

    def delay(self) -> float:
        """Seconds until a token is free (0 if one is free now)."""
        now = self._refill()
        if now < self.paused_until:
            return self.paused_until - now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    async def acquire(self) -> Ticket:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # first come, first served
            while (wait := self.delay()) > 0:
                await asyncio.sleep(wait)
            self.tokens -= 1
            self.taken += 1
            return Ticket(self.updated, self.taken)

    def observe(self, limit: float | None, remaining: float | None, ticket: Ticket | None = None) -> None:
        """Follow the server within sane bounds: its limit sets our rate (clamped to
        [MIN_RATE_PER_SECOND, MAX_RATE_PER_SECOND]), its remaining count caps our tokens (never
        below zero: a negative count is no debt to pay off).

        With the `ticket` of the request answered, the count is brought up to now: the server
        counted it after that request left, so since then its bucket has refilled at most for the
        time since the ticket, and the requests we sent after it come off too. Without that, an
        answer after a burst (every slot in flight, none sent meanwhile) took back the refill of
        its round trip: 2.5 tokens at 25/s and 100 ms, 0.1 s of every apply."""
        now = self._refill()
        if limit is not None and limit > 0:
            self.rate = min(MAX_RATE_PER_SECOND, max(MIN_RATE_PER_SECOND, limit)) * RATE_MARGIN
        if remaining is not None:
            since = (now - ticket.at) * self.rate - (self.taken - ticket.taken) if ticket is not None else 0.0
            self.tokens = min(self.tokens, max(0.0, remaining + max(0.0, since)))

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self.clock() + seconds)
        self.tokens = min(self.tokens, 0)


class Pacer:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.buckets: dict[str, TokenBucket] = {
            name: TokenBucket(clock=clock) for name in ("write", "read", "search")
        }

    async def acquire(self, category: Category) -> Ticket:
        return await self.buckets[category].acquire()

    def observe(self, category: Category, headers, ticket: Ticket | None = None) -> None:
        self.buckets[category].observe(
            _number(headers.get("x-ratelimit-limit")), _number(headers.get("x-ratelimit-remaining")), ticket
        )

    def pause(self, category: Category, seconds: float) -> None:
        self.buckets[category].pause(seconds)


def _number(text: str | None) -> float | None:
    """A header's number; None if absent, unreadable, infinite or NaN."""
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None
