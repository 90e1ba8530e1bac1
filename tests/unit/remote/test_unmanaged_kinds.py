"""Which kinds reset reads for records nobody declared: accounts always, other kinds once the project
declares them or state holds them (an accounts-only project needs no contact scope)."""

from __future__ import annotations

from lfsync.kinds.catalogue import ACCOUNT, CONTACT, OPPORTUNITY
from lfsync.remote.unmanaged import reset_kinds


def test_accounts_always_and_the_kinds_declared_or_in_state():
    assert reset_kinds([], []) == [ACCOUNT]
    assert reset_kinds(["account.acme"], ["account.acme"]) == [ACCOUNT]
    assert reset_kinds(["contact.ada"], []) == [ACCOUNT, CONTACT]
    assert reset_kinds(["account.acme"], ["opportunity.deal"]) == [ACCOUNT, OPPORTUNITY]
