"""The blast radius rule (lfsync/plan/blast_radius.py): updates + deletes over the managed records,
from 10 managed records on, against max_change_fraction; creates, adopts and restores never count."""

from __future__ import annotations

import pytest

from lfsync.plan.actions import Action
from lfsync.plan.blast_radius import (
    DEFAULT_MAX_CHANGE_FRACTION,
    ChangeSize,
    change_size,
    large_change_warning,
    refusal,
    warning,
)
from lfsync.plan.model import Change, Plan, PlanOptions


def changes(**counts: int) -> list[Change]:
    made = []
    for action, count in counts.items():
        made += [Change(address=f"account.{action}-{i}", action=Action(action), resource_id=f"acc_{action}{i}") for i in range(count)]
    return made


def test_only_updates_and_deletes_are_counted():
    size = change_size(changes(create=50, adopt=7, restore=9, update=3, delete=2), managed=20)
    assert size == ChangeSize(updates=3, deletes=2, managed=20)
    assert size.changed == 5


def test_half_of_twenty_is_refused_with_its_numbers():
    size = change_size(changes(update=10), managed=20)
    assert refusal(size, DEFAULT_MAX_CHANGE_FRACTION) == (
        "this plan updates 10 and deletes 0 of 20 managed accounts (50%), more than max_change_fraction 0.3 (30%) allows. "
        "Review it, then apply with --allow-large-change (or raise max_change_fraction in lfsync.yaml)."
    )
    assert warning(size, 0.3).endswith("`lfsync apply` will refuse it without --allow-large-change (or a higher max_change_fraction in lfsync.yaml).")


@pytest.mark.parametrize(
    ("updates", "deletes", "managed", "fraction", "refused"),
    [
        (9, 0, 9, 0.3, False),  # fewer than 10 managed records: never refused
        (3, 0, 10, 0.3, False),  # exactly 30% is within 0.3 (compared as exact fractions)
        (4, 0, 10, 0.3, True),
        (2, 2, 10, 0.3, True),  # deletes count with updates
        (10, 0, 20, 0.5, False),
        (11, 0, 20, 0.5, True),
        (1, 0, 10, 0.0, True),  # 0: any update or delete needs --allow-large-change
        (20, 0, 20, 1.0, False),  # 1: never refused
        (30, 0, 100, 0.3, False),
        (0, 0, 1000, 0.0, False),  # nothing changed is never too large
    ],
)
def test_the_threshold(updates, deletes, managed, fraction, refused):
    assert ChangeSize(updates, deletes, managed).exceeds(fraction) is refused
    assert (refusal(ChangeSize(updates, deletes, managed), fraction) is not None) is refused


def test_a_share_just_over_the_limit_is_not_shown_as_the_limit():
    message = refusal(ChangeSize(601, 0, 2000), 0.3)
    assert message is not None and "(30.1%), more than max_change_fraction 0.3 (30%)" in message
    assert "of 11 managed accounts (36%), more than max_change_fraction 0.25 (25%)" in (refusal(ChangeSize(4, 0, 11), 0.25) or "")


def test_destroy_and_reset_plans_are_exempt_from_the_warning():
    def plan(**options: bool) -> Plan:
        return Plan(
            project_dir=".", workspace="w", target="local", lineage="", serial=1, declarations_digest="d",
            options=PlanOptions(**options), changes=changes(delete=20), managed=20,
        )

    assert large_change_warning(plan(), 0.3) is not None
    assert large_change_warning(plan(prune=True), 0.3) is not None
    assert large_change_warning(plan(destroy=True, prune=True), 0.3) is None
    assert large_change_warning(plan(reset=True, refresh=True), 0.3) is None
