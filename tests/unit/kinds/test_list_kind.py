"""Lists as a kind (lfsync.kinds.lists): the definitions the API does not serve, member types by
`$objectType`, and list reads that take no filters (lfsync.api.listing.local_filters)."""

from __future__ import annotations

import pytest

from lfsync.api.listing import local_filters
from lfsync.api.records import ApiRecord, parse_definitions
from lfsync.kinds.catalogue import ACCOUNT, LIST, kind_of_address
from lfsync.kinds.lists import LIST_DEFINITIONS, member_type_of


def test_the_list_kind_is_the_documented_list():
    assert (LIST.address_prefix, LIST.declaration_key, LIST.api_path) == ("list.", "lists", "/v1/lists")
    assert LIST.required_fields == ("$name", "$objectType") and not LIST.restorable and not LIST.filterable
    assert LIST.id_prefix is None and kind_of_address("unmanaged.list_c1") is LIST  # known by the emulator's prefix
    assert kind_of_address("list.q1") is LIST
    assert {link.key: link.target for link in LIST.relationships} == {
        "$accounts": "account", "$contacts": "contact", "$opportunities": "opportunity",
    }


def test_member_types_read_both_forms_of_the_object_type():
    assert member_type_of("$account") == member_type_of("account")
    member = member_type_of("$opportunity")
    assert member is not None and (member.key, member.path, member.kind_name) == ("$opportunities", "opportunities", "opportunity")
    assert member_type_of("$meeting") is None and member_type_of(None) is None


def test_the_fixed_definitions_parse_as_an_endpoint_would_answer_them():
    definitions = parse_definitions(LIST_DEFINITIONS, "list definitions")
    assert definitions.fields["$name"].value_type == "TEXT"
    assert [(o.id, o.label) for o in definitions.fields["$objectType"].options][0] == ("$account", "account")
    assert definitions.relationships["$contacts"].object_type == "contact"
    assert definitions.relationships["$contacts"].cardinality == "HAS_MANY"


def test_list_reads_send_no_filters_and_narrow_here():
    lists = [ApiRecord("l1", {"$name": "Q1"}, {}), ApiRecord("l2", {"$name": "Q2"}, {})]
    query, narrowed = local_filters(LIST, {"$name[equal]": "Q1", "status": "active"})
    assert query == {} and [r.id for r in narrowed(lists)] == ["l1"]
    query, narrowed = local_filters(LIST, {"status": "trashed"})
    assert query == {} and narrowed(lists) == []  # the API lists no trashed lists
    with pytest.raises(ValueError):
        local_filters(LIST, {"$name[contains]": "Q"})
    assert local_filters(ACCOUNT, {"status": "active"})[0] == {"status": "active"}  # other kinds: sent as asked
