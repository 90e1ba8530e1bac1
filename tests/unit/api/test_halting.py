"""Halt: a halted client's waits end at once; what is on the wire is cut off after the grace."""

from __future__ import annotations

import asyncio

import pytest

from lfsync.api.halting import Halt, Halted


def test_a_sleep_ends_at_once_when_halted_and_a_halted_sleep_does_not_start():
    async def scenario(halt: Halt) -> None:
        sleeping = asyncio.ensure_future(halt.sleep(3600))
        await asyncio.sleep(0)
        halt.halt()
        with pytest.raises(Halted) as raised:
            await sleeping
        assert not raised.value.sent
        with pytest.raises(Halted):
            await halt.sleep(3600)

    asyncio.run(asyncio.wait_for(scenario(Halt()), 60))


def test_a_wait_before_sending_is_cancelled_and_an_unhalted_one_returns():
    async def scenario(halt: Halt) -> None:
        assert await halt.unless_halted(asyncio.sleep(0, result="token")) == "token"
        never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiting = asyncio.ensure_future(halt.unless_halted(never))
        await asyncio.sleep(0)
        halt.halt()
        with pytest.raises(Halted):
            await waiting
        assert never.cancelled()

    asyncio.run(asyncio.wait_for(scenario(Halt()), 60))


def test_a_request_on_the_wire_is_cut_off_after_the_grace_but_an_answer_within_it_is_kept():
    async def scenario(halt: Halt) -> None:
        answered: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        on_the_wire = asyncio.ensure_future(halt.within_grace(answered))
        halt.halt()
        answered.set_result("answer")  # within the grace (an hour): kept
        assert await on_the_wire == "answer"

    asyncio.run(asyncio.wait_for(scenario(Halt(grace=3600)), 60))

    async def hung(halt: Halt) -> None:
        never: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        on_the_wire = asyncio.ensure_future(halt.within_grace(never))
        await asyncio.sleep(0)
        halt.halt()  # no grace: cut off at once
        with pytest.raises(Halted) as raised:
            await on_the_wire
        assert raised.value.sent and never.cancelled()

    asyncio.run(asyncio.wait_for(hung(Halt(grace=0)), 60))


def test_one_halt_serves_waits_in_successive_event_loops():
    halt = Halt()
    for _ in range(2):  # nothing of it is bound to the first loop
        assert asyncio.run(halt.unless_halted(asyncio.sleep(0, result=1))) == 1
