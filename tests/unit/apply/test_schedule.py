"""The applier's order of ready work (lfsync.apply.schedule): urgency ranks a mixed graph so the
records with the longest chains and the most dependents go first, and PrioritySlots hands freed
slots to the most urgent waiter. Pure: no server, no timing (asyncio only orders the waiters)."""

from __future__ import annotations

import asyncio

from lfsync.apply.schedule import FOLLOW_UP, PrioritySlots, urgency
from lfsync.plan.actions import Action
from lfsync.plan.model import Change


def create(address: str, *depends_on: str) -> Change:
    return Change(address=address, action=Action.CREATE, depends_on=list(depends_on))


def order(changes: list[Change]) -> list[str]:
    ranks = urgency(changes)
    return sorted(ranks, key=ranks.__getitem__)


def test_a_mixed_graph_puts_the_accounts_others_wait_on_first_then_the_champions():
    changes = [  # in plan order: accounts, contacts, opportunities
        create("account.lone"),
        create("account.small"),
        create("account.big"),
        create("contact.ada", "account.big"),
        create("contact.bob", "account.big"),
        create("contact.cy", "account.small"),
        create("opportunity.deal", "account.big", "contact.bob"),
    ]
    assert order(changes) == [
        "account.big",  # a chain of two waits on it (contact.bob -> opportunity.deal), three in all
        "account.small",  # one waits on it
        "contact.bob",  # the champion: an opportunity waits on it
        "account.lone",  # nothing waits: plan order among the rest
        "contact.ada",
        "contact.cy",
        "opportunity.deal",
    ]


def test_a_long_parent_chain_is_ranked_without_recursion_and_addresses_outside_are_ignored():
    chain = [create("account.a00000")] + [create(f"account.a{n:05d}", f"account.a{n - 1:05d}") for n in range(1, 5000)]
    changes = [*chain, create("account.other", "account.in-state-already")]
    ranks = urgency(changes)
    assert ranks["account.a00000"] == (-4999, -1, 0)
    assert ranks["account.a04999"] == (0, 0, 4999)
    assert ranks["account.other"] == (0, 0, 5000)
    assert max(ranks.values()) < FOLLOW_UP  # follow-up links come after every create


def test_a_cycle_does_not_hang_the_ranking():
    ranks = urgency([create("account.a", "account.b"), create("account.b", "account.a")])
    assert set(ranks) == {"account.a", "account.b"}


def test_freed_slots_go_to_the_most_urgent_waiter_then_first_come():
    async def scenario() -> list[str]:
        slots = PrioritySlots(1)
        served: list[str] = []
        release = asyncio.Event()

        async def holder() -> None:
            async with slots.taking((0, 0, 0)):
                served.append("holder")
                await release.wait()

        async def waiter(name: str, rank: tuple[int, int, int]) -> None:
            async with slots.taking(rank):
                served.append(name)

        first = asyncio.ensure_future(holder())
        await asyncio.sleep(0)
        waiters = [asyncio.ensure_future(waiter(name, rank)) for name, rank in
                   [("leaf", (0, 0, 9)), ("account", (-2, -3, 5)), ("contact", (-1, -1, 7)), ("leaf-2", (0, 0, 9))]]
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(first, *waiters)
        return served

    assert asyncio.run(scenario()) == ["holder", "account", "contact", "leaf", "leaf-2"]


def test_a_cancelled_waiter_gives_up_its_place_and_never_holds_a_slot():
    async def scenario() -> tuple[list[str], int]:
        slots = PrioritySlots(1)
        served: list[str] = []
        release = asyncio.Event()
        waiting: dict[str, asyncio.Future] = {}

        async def holder() -> None:
            async with slots.taking((0, 0, 0)):
                await release.wait()
            waiting["handed"].cancel()  # handed the slot just now, cancelled before it resumes

        async def waiter(name: str, rank: tuple[int, int, int]) -> None:
            async with slots.taking(rank):
                served.append(name)

        first = asyncio.ensure_future(holder())
        await asyncio.sleep(0)
        for name, rank in [("cancelled", (-5, 0, 0)), ("handed", (-4, 0, 0)), ("later", (0, 0, 1))]:
            waiting[name] = asyncio.ensure_future(waiter(name, rank))
        await asyncio.sleep(0)
        waiting["cancelled"].cancel()  # gives up its place in the queue
        release.set()
        await asyncio.gather(first, *waiting.values(), return_exceptions=True)
        async with slots.taking((0, 0, 2)):  # and the slot is free again afterwards
            served.append("after")
        return served, slots._free

    served, free = asyncio.run(scenario())
    assert served == ["later", "after"] and free == 1
