"""asyncio.run for coroutines whose results are large; awaiting many coroutines all or none."""

from __future__ import annotations

import asyncio
from typing import Any, Coroutine, Iterable, TypeVar

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


async def all_or_none(coroutines: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Every coroutine's result, in order. When one fails (or this is cancelled), the others are
    cancelled and awaited before the error goes on: nothing keeps sending requests behind an apply
    that stopped, into a client being closed or past a lock being released."""
    tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
