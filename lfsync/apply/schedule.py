"""Which ready change takes the applier's next slot: the most urgent, so that the write bucket is
never idle while work is ready and the last writes are not a chain waiting on itself.

A change's urgency is its rank (smaller goes first): the longest chain of changes waiting on it
(an account whose contacts are an opportunity's champions: 2), then how many wait on it directly,
then its place in the plan. List scheduling by "highest level first": the accounts with the most
dependents are created first, a contact whose account's ID is known is not queued behind every
remaining account when an opportunity waits on it, and the kinds interleave as their dependencies
allow instead of going kind by kind. `urgency` is pure; `PrioritySlots` hands out the slots.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Sequence
from contextlib import asynccontextmanager
from typing import AsyncIterator

from lfsync.plan.model import Change

Rank = tuple[int, int, int]  # (-longest chain of dependents, -direct dependents, plan position)
# Follow-up updates (links held back to break a cycle) wait on both ends and nothing waits on
# them: after every create that is ready (every real rank's first item is <= 0).
FOLLOW_UP: Rank = (1, 0, 0)


def urgency(changes: Sequence[Change]) -> dict[str, Rank]:
    """address -> rank, for changes whose `depends_on` name each other (other addresses are
    ignored: they are settled already). A cycle cannot happen (the planner defers the relationship
    that closes one); were one there, its changes would only rank as if it were cut."""
    position = {change.address: number for number, change in enumerate(changes)}
    dependents: dict[str, list[str]] = {address: [] for address in position}
    for change in changes:
        for dependency in dict.fromkeys(change.depends_on):
            if dependency in dependents and dependency != change.address:
                dependents[dependency].append(change.address)
    chain = _longest_chains(dependents)
    return {address: (-chain[address], -len(dependents[address]), position[address]) for address in position}


def _longest_chains(dependents: dict[str, list[str]]) -> dict[str, int]:
    """address -> the number of changes on the longest path of dependents below it (iterative:
    parent chains can be thousands long)."""
    chain: dict[str, int] = {}
    on_walk: set[str] = set()
    for root in dependents:
        if root in chain:
            continue
        stack = [(root, iter(dependents[root]))]
        on_walk.add(root)
        while stack:
            address, below = stack[-1]
            following = next((d for d in below if d not in chain and d not in on_walk), None)
            if following is not None:
                on_walk.add(following)
                stack.append((following, iter(dependents[following])))
                continue
            stack.pop()
            on_walk.discard(address)
            chain[address] = max((1 + chain[d] for d in dependents[address] if d in chain), default=0)
    return chain


class PrioritySlots:
    """At most `count` holders at once; a freed slot goes to the waiter with the smallest rank
    (among equal ranks, the first to ask). Cancellation while waiting gives up the place; a slot
    handed to a waiter cancelled before it resumed is passed on."""

    def __init__(self, count: int):
        self._free = max(1, count)
        self._waiting: list[tuple[Rank, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    @asynccontextmanager
    async def taking(self, rank: Rank) -> AsyncIterator[None]:
        await self._acquire(rank)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, rank: Rank) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        handed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (rank, next(self._arrivals), handed))
        try:
            await handed
        except asyncio.CancelledError:
            if handed.done() and not handed.cancelled():
                self._release()  # the slot came, but this waiter will not use it
            raise

    def _release(self) -> None:
        while self._waiting:
            _, _, waiter = heapq.heappop(self._waiting)
            if not waiter.done():  # a cancelled waiter's future is done: skipped
                waiter.set_result(None)
                return
        self._free += 1
