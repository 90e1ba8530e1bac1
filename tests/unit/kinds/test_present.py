"""The kinds a set of addresses holds, and the word texts use for them: "accounts" for accounts
alone (outputs written when they were all there was keep their words), "records" otherwise."""

from __future__ import annotations

from lfsync.kinds.catalogue import ACCOUNT, CONTACT, OPPORTUNITY
from lfsync.kinds.present import kinds_present, mixed_kinds, noun_for, records_noun


def test_kinds_present_are_in_catalogue_order_and_unmanaged_addresses_count_by_their_id():
    addresses = ["opportunity.deal", "unmanaged.con_cmariecurie0000000000", "account.acme", "nonsense"]
    assert kinds_present(addresses) == [ACCOUNT, CONTACT, OPPORTUNITY]
    assert kinds_present(["unmanaged.acc_c1"]) == [ACCOUNT]
    assert kinds_present([], always=(ACCOUNT,)) == [ACCOUNT] and kinds_present([]) == []


def test_accounts_alone_are_accounts_and_any_other_kind_makes_records():
    assert records_noun([]) == records_noun(["account"]) == "accounts"
    assert records_noun(["account", "contact"]) == "records" and records_noun(["opportunity"], plural=False) == "record"
    assert noun_for(["account.acme", "unmanaged.acc_c1"]) == "accounts"
    assert noun_for(["account.acme", "unmanaged.opp_c1"]) == "records"
    assert mixed_kinds(["account.acme", "account.globex"]) == []
    assert mixed_kinds(["contact.ada", "account.acme"]) == ["account", "contact"]

