"""all_or_none: one failure cancels the rest, and they have stopped before the error goes on."""

from __future__ import annotations

import asyncio

import pytest

from lfsync.support.asyncrun import all_or_none


def test_results_come_in_order():
    async def value(number: int) -> int:
        await asyncio.sleep(0)
        return number

    async def scenario() -> list[int]:
        return await all_or_none(value(number) for number in range(5))

    assert asyncio.run(scenario()) == [0, 1, 2, 3, 4]


def test_a_failure_cancels_the_others_and_waits_for_them_before_it_goes_on():
    events: list[str] = []
    started = asyncio.Event()

    async def fails() -> None:
        await started.wait()
        raise OSError("disk full")

    async def in_flight(name: str) -> None:
        started.set()
        try:
            await asyncio.Event().wait()  # a request that would never end
        except asyncio.CancelledError:
            await asyncio.sleep(0)  # cleaning up takes a turn of the loop
            events.append(f"{name} stopped")
            raise

    async def scenario() -> None:
        try:
            await all_or_none([fails(), in_flight("a"), in_flight("b")])
        finally:
            events.append("error seen")

    with pytest.raises(OSError, match="disk full"):
        asyncio.run(scenario())
    assert events == ["a stopped", "b stopped", "error seen"]
