"""Halting a client at once (SIGTERM: CI cancelling a job, with SIGKILL some 10 s later).

Once `Halt.halt()` is called, the client sends nothing new: a request waiting for the pacer, or a
retry sleeping before its next attempt, ends at once with `Halted`; a request already on the wire
gets GRACE_SECONDS (counted from the halt) to be answered and is then cancelled, also with
`Halted`. Cancelling is safe: every write is journalled before it is sent, and the next apply
settles it with the same idempotency key.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, TypeVar

# How long a request already sent may still take once the run is halted: time for an answer on its
# way to be recorded (saving the next apply a re-send), well inside CI's ~10 s before SIGKILL.
GRACE_SECONDS = 3.0

T = TypeVar("T")


class Halted(Exception):
    """The client was halted: the request was not sent (`sent` False) or was cut off after the grace."""

    def __init__(self, sent: bool):
        super().__init__("cut off after the grace for requests in flight" if sent else "not sent: the run was halted")
        self.sent = sent


class Halt:
    """A client's halt switch; every wait of the client goes through it. It holds no event bound to
    an event loop: each wait makes a future in the loop it runs in, and `halt` resolves them all."""

    def __init__(self, grace: float = GRACE_SECONDS):
        self.grace = grace
        self._at: float | None = None  # when halt() was called (monotonic)
        self._waiters: set[asyncio.Future[None]] = set()

    @property
    def halted(self) -> bool:
        return self._at is not None

    def halt(self) -> None:
        """Called on the event loop's thread (a signal handler added to the loop)."""
        if self._at is None:
            self._at = time.monotonic()
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def sleep(self, seconds: float) -> None:
        """asyncio.sleep that ends at once, raising Halted(sent=False), when the client is halted."""
        if self.halted:
            raise Halted(sent=False)
        try:
            await asyncio.wait_for(self._halted(), seconds)
        except asyncio.TimeoutError:
            return
        raise Halted(sent=False)

    async def unless_halted(self, awaitable: Awaitable[T]) -> T:
        """`awaitable` (a wait before sending), cancelled with Halted(sent=False) once halted."""
        if self.halted:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            raise Halted(sent=False)
        return await self._race(asyncio.ensure_future(awaitable), self._halted(), sent=False)

    async def within_grace(self, awaitable: Awaitable[T]) -> T:
        """`awaitable` (a request on the wire), cancelled with Halted(sent=True) GRACE_SECONDS after the halt."""
        return await self._race(asyncio.ensure_future(awaitable), self._grace_over(), sent=True)

    async def _halted(self) -> None:
        """Returns once the client is halted."""
        if self.halted:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await waiter
        finally:
            self._waiters.discard(waiter)

    async def _grace_over(self) -> None:
        await self._halted()
        elapsed = time.monotonic() - (self._at if self._at is not None else time.monotonic())
        await asyncio.sleep(max(0.0, self.grace - elapsed))

    async def _race(self, work: asyncio.Future[T], halting: Awaitable[None], *, sent: bool) -> T:
        watcher: asyncio.Future[None] = asyncio.ensure_future(halting)
        try:
            pending: list[asyncio.Future[Any]] = [work, watcher]
            await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # cancelled from outside: take the work down with us
            work.cancel()
            watcher.cancel()
            await asyncio.gather(work, watcher, return_exceptions=True)
            raise
        watcher.cancel()
        if work.done():
            await asyncio.gather(watcher, return_exceptions=True)
            return work.result()
        work.cancel()
        await asyncio.gather(work, watcher, return_exceptions=True)
        raise Halted(sent=sent)
