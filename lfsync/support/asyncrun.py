"""asyncio.run for coroutines whose results are large."""

from __future__ import annotations

import asyncio
from typing import Any, Coroutine, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, with the result handed over outside the task. On the main thread asyncio's
    runner installs a SIGINT handler bound to the task and, when done, looks it up with
    signal.getsignal, which formats repr() of that handler (Python 3.11: enum's error message): the
    repr of the finished task, result and all. For a plan of 10,000 accounts that took seconds."""
    box: list[T] = []

    async def keep_result() -> None:
        box.append(await coroutine)

    asyncio.run(keep_result())
    return box[0]
