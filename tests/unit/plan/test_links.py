"""One link, two sides: an account's `$contact` and a contact's `$account` completed from each other."""

from __future__ import annotations

from lfsync.plan.links import with_both_sides
from lfsync.plan.resources import DesiredAccount


def record(address: str, **relationships: str | list[str]) -> DesiredAccount:
    return DesiredAccount(address, {}, {f"${key}": value for key, value in relationships.items()}, False)


def test_each_declared_side_holds_the_links_the_other_side_declares():
    desired = {
        "account.acme": record("account.acme", contact=["con_marie"]),
        "contact.ada": record("contact.ada", account="account.acme"),
        "contact.grace": record("contact.grace", account=["account.acme"]),
        "account.globex": record("account.globex", contact=["contact.grace"]),
    }
    both = with_both_sides(desired)
    assert both["account.acme"].relationships == {"$contact": ["con_marie", "contact.ada", "contact.grace"]}
    assert both["contact.grace"].relationships == {"$account": ["account.acme", "account.globex"]}
    assert both["contact.ada"].relationships == {"$account": "account.acme"}  # nothing to add: as declared
    assert both["account.globex"] is desired["account.globex"]


def test_a_side_left_undeclared_stays_undeclared():
    desired = {
        "account.acme": record("account.acme"),
        "contact.ada": record("contact.ada", account="account.acme"),
        "account.globex": record("account.globex", contact=["contact.linus"]),
        "contact.linus": record("contact.linus"),
    }
    assert with_both_sides(desired) == desired  # neither acme's $contact nor linus's $account is written or compared
