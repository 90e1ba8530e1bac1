"""Markdown plans group changes by kind once more than one kind changes."""

from __future__ import annotations

from lfsync.plan.actions import Action
from lfsync.plan.model import Change
from lfsync.ui.bykind import changes_by_kind


def change(address: str) -> Change:
    return Change(address=address, action=Action.CREATE)


def test_one_kind_is_one_group_without_a_heading():
    changes = [change("account.b"), change("account.a")]
    assert changes_by_kind(changes) == [(None, changes)]


def test_kinds_come_in_catalogue_order_each_in_plan_order():
    changes = [change("opportunity.deal"), change("contact.ada"), change("account.acme"), change("contact.bob")]
    assert [(heading, [c.address for c in listed]) for heading, listed in changes_by_kind(changes)] == [
        ("Accounts (1)", ["account.acme"]),
        ("Contacts (2)", ["contact.ada", "contact.bob"]),
        ("Opportunities (1)", ["opportunity.deal"]),
    ]
