"""The record kinds as data (lfsync.kinds): accounts are one row of the table, and what the rest of
lfsync asks of a kind is answered from it."""

from __future__ import annotations

import pytest

from lfsync.declare import addresses
from lfsync.declare.rules import READ_ONLY_FIELDS, READ_ONLY_RELATIONSHIPS
from lfsync.kinds.catalogue import (
    ACCOUNT,
    CONTACT,
    DECLARABLE_KINDS,
    KINDS,
    LIST,
    MEMBER,
    NOTE,
    OPPORTUNITY,
    TASK,
    kind_named,
    kind_of_address,
)


def test_the_account_kind_is_the_documented_account():
    assert (ACCOUNT.name, ACCOUNT.address_prefix, ACCOUNT.declaration_key) == ("account", "account.", "accounts")
    assert (ACCOUNT.api_path, ACCOUNT.definitions_path, ACCOUNT.record_path("acc_1")) == (
        "/v1/accounts", "/v1/accounts/definitions", "/v1/accounts/acc_1"
    )
    assert ACCOUNT.required_fields == ("$name",) and ACCOUNT.identity_field == "$name"
    assert ACCOUNT.read_only_fields == {"$howTheyMakeMoney", "$accountStatus"}
    assert ACCOUNT.read_only_relationships == {"$opportunity", "$task", "$note", "$meeting"}
    assert ACCOUNT.id_prefix == "acc_" and ACCOUNT.owns_id("acc_x") and not ACCOUNT.owns_id("mem_x")


def test_relationship_directions_point_at_kinds():
    owner, contact = ACCOUNT.link("$owner"), ACCOUNT.link("$contact")
    assert owner is not None and (owner.target, owner.direction, owner.cardinality) == ("member", "outgoing", "HAS_ONE")
    assert contact is not None and (contact.target, contact.cardinality) == ("contact", "HAS_MANY")
    incoming = {link.key for link in ACCOUNT.relationships if link.direction == "incoming"}
    assert incoming == ACCOUNT.read_only_relationships  # what others write about an account is read-only here
    assert ACCOUNT.link("parentAccount") is None  # custom relationships come from the definitions


def test_the_registry_and_lookups():
    assert KINDS == {"account": ACCOUNT, "contact": CONTACT, "opportunity": OPPORTUNITY, "task": TASK, "note": NOTE, "list": LIST, "member": MEMBER}
    assert kind_named("member") is MEMBER
    assert DECLARABLE_KINDS == (ACCOUNT, CONTACT, OPPORTUNITY, TASK, NOTE, LIST)  # accounts first; members are read, never declared
    assert kind_of_address("account.acme") is ACCOUNT
    assert kind_of_address("unmanaged.acc_c60ta9i963p1t3u2zzb58") is ACCOUNT  # by its ID (reset trashes it)
    assert kind_of_address("contact.ada") is CONTACT and kind_of_address("unmanaged.con_1") is CONTACT
    assert kind_of_address("opportunity.deal") is OPPORTUNITY
    assert kind_of_address("task.call") is TASK and kind_of_address("unmanaged.task_c1") is TASK
    assert kind_of_address("note.kickoff") is NOTE and kind_of_address("unmanaged.note_c1") is NOTE
    for address in ("member.x", "meeting.x", "acme", "unmanaged.mem_1", "unmanaged.x"):
        with pytest.raises(KeyError):
            kind_of_address(address)


def test_declarations_and_addresses_read_the_kind():
    assert READ_ONLY_FIELDS == ACCOUNT.read_only_fields and READ_ONLY_RELATIONSHIPS == ACCOUNT.read_only_relationships
    assert addresses.address_of("acme") == "account.acme" and addresses.address_of("x", ACCOUNT) == "account.x"
    assert addresses.is_reference("account.acme") and not addresses.is_reference("member.acme")
    assert addresses.key_of("account.acme") == "acme"
