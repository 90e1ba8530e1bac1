"""Token buckets per (organisation, category) and the X-RateLimit-* headers."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Callable

from . import decisions
from .errors import ApiError


@dataclass(frozen=True)
class BucketState:
    limit: float
    remaining: float
    full_at: float
    retry_after: float

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": _number(self.limit),
            "X-RateLimit-Remaining": str(max(0, math.floor(self.remaining))),
            "X-RateLimit-Reset": str(math.ceil(self.full_at)),
        }


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def check_rate(rate: float) -> None:
    if not rate > 0 or math.isinf(rate):
        raise ValueError(f"a rate must be a positive, finite number of requests per second, got {rate!r}")


class TokenBucket:
    """Capacity = rate (at least one token), refilled continuously."""

    def __init__(self, rate: float, now: float):
        check_rate(rate)
        self.rate = rate
        self.capacity = max(rate, decisions.MIN_BUCKET_CAPACITY)
        self.tokens = self.capacity
        self.updated = now

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = max(self.updated, now)

    def take(self, now: float) -> bool:
        self._refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def state(self, now: float) -> BucketState:
        self._refill(now)
        return BucketState(
            limit=self.rate,
            remaining=self.tokens,
            full_at=now + (self.capacity - self.tokens) / self.rate,
            retry_after=max(0.0, (1 - self.tokens) / self.rate),
        )


class RateLimiter:
    def __init__(self, rates: dict[str, float], clock: Callable[[], float]):
        for rate in rates.values():
            check_rate(rate)
        self._rates = rates
        self._clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def _bucket(self, org_id: str, category: str, now: float) -> TokenBucket:
        key = (org_id, category)
        if key not in self._buckets:
            self._buckets[key] = TokenBucket(self._rates[category], now)
        return self._buckets[key]

    def peek(self, org_id: str, category: str) -> BucketState:
        with self._lock:
            now = self._clock()
            return self._bucket(org_id, category, now).state(now)

    def acquire(self, org_id: str, category: str) -> BucketState:
        """Take one token; raises 429 (with Retry-After and the bucket's headers) when empty."""
        with self._lock:
            now = self._clock()
            bucket = self._bucket(org_id, category, now)
            allowed = bucket.take(now)
            state = bucket.state(now)
        if not allowed:
            retry_after = max(1, math.ceil(state.retry_after))
            raise ApiError(
                429,
                f"Rate limit exceeded for {category} requests ({_number(state.limit)}/s).",
                headers={"Retry-After": str(retry_after), **state.headers()},
            )
        return state
