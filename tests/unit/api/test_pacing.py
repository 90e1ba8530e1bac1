"""Client-side pacing: a token bucket per category that follows the server's rate-limit headers."""

from __future__ import annotations

import asyncio

import pytest

from lfsync.api.pacing import RATE_MARGIN, Pacer, TokenBucket


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_admits_one_second_of_requests_then_paces_at_the_limit():
    clock = FakeClock()
    bucket = TokenBucket(rate=25 * RATE_MARGIN, clock=clock)
    admitted = 0
    while bucket.delay() == 0:
        bucket.tokens -= 1
        admitted += 1
    assert admitted == int(bucket.capacity) == 25  # the server's documented bucket holds one second
    left = bucket.capacity - admitted
    assert abs(bucket.delay() - (1 - left) / (25 * RATE_MARGIN)) < 1e-9
    clock.now += 1.0
    assert bucket.delay() == 0 and bucket.tokens == bucket.capacity  # refilled, never beyond the burst


def test_bucket_follows_the_server_limit_and_remaining_count():
    clock = FakeClock()
    bucket = TokenBucket(clock=clock)
    bucket.observe(limit=10, remaining=None)
    assert bucket.rate == 10 * RATE_MARGIN
    bucket.observe(limit=10, remaining=0)  # someone else drained the server's bucket
    assert bucket.tokens == 0 and bucket.delay() > 0


def test_an_answer_counts_the_refill_since_its_request_left_and_what_was_sent_after_it():
    """X-RateLimit-Remaining was counted when the request reached the server: by the time its
    answer is read, the server has refilled for at most the time since the request took its token,
    and the requests sent after it will come off. A burst's answers no longer take that refill back."""
    clock = FakeClock()
    bucket = TokenBucket(rate=25, clock=clock)

    async def burst(count: int) -> list:
        return [await bucket.acquire() for _ in range(count)]

    tickets = asyncio.run(burst(25))  # the whole bucketful at once, every request in flight
    clock.now += 0.1  # the answers, 100 ms later: the server counted 25 - 25 = 0 left for the last
    bucket.observe(limit=25, remaining=0, ticket=tickets[-1])
    assert bucket.tokens == pytest.approx(2.5)  # what both buckets refilled since: not taken back
    bucket.observe(limit=25, remaining=24, ticket=tickets[0])  # the first: 24 sent after it, never below its count
    assert bucket.tokens == pytest.approx(2.5)
    later = asyncio.run(burst(2))
    bucket.observe(limit=25, remaining=0, ticket=tickets[-1])  # two sent after it since: they come off
    assert bucket.tokens == pytest.approx(0.5) and later[-1].taken == 27
    bucket.observe(limit=25, remaining=0)  # an answer without its ticket: the count as it stands
    assert bucket.tokens == 0


def test_retry_after_pauses_the_whole_category():
    clock = FakeClock()
    pacer = Pacer(clock=clock)
    pacer.pause("write", 2.0)
    assert pacer.buckets["write"].delay() == 2.0
    assert pacer.buckets["read"].delay() == 0
    clock.now += 2.0
    assert pacer.buckets["write"].delay() <= 1 / pacer.buckets["write"].rate


def test_acquire_waits_for_tokens_in_real_time():
    bucket = TokenBucket(rate=50)

    async def take(count: int) -> float:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.gather(*(bucket.acquire() for _ in range(count)))
        return loop.time() - started

    elapsed = asyncio.run(take(int(bucket.capacity) + 10))
    assert elapsed >= 0.15  # 10 tokens beyond the burst at 50/s (no upper bound: a loaded machine may stall)


def test_absurd_rate_limit_headers_are_clamped_to_sane_bounds():
    """`X-RateLimit-Limit: 1e-9` or `Remaining: -1000000` never hold a request beyond a second or so."""
    clock = FakeClock()
    pacer = Pacer(clock=clock)
    pacer.observe("write", {"x-ratelimit-limit": "1e-9", "x-ratelimit-remaining": "-1000000"})
    bucket = pacer.buckets["write"]
    assert bucket.tokens == 0
    assert 0 < bucket.delay() <= 1.0 / RATE_MARGIN
    for value in ("nan", "inf", "-inf", "1e308"):
        pacer.observe("read", {"x-ratelimit-limit": value, "x-ratelimit-remaining": value})
        assert 0 < pacer.buckets["read"].rate <= 1000.0
        assert 0 <= pacer.buckets["read"].delay() <= 1.0 / RATE_MARGIN
