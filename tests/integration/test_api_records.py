"""The one parser of API answers (lfsync.api.records): every documented form of a relationship and
its cardinality, definitions, members and list pages; a wrong-shaped answer is refused naming the
endpoint; and the client answers typed records from the real emulator."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from lfsync.api.client import LightfieldClient
from lfsync.api.records import (
    ApiRecord,
    RelationshipValue,
    UnexpectedAnswer,
    member_from,
    parse_definitions,
    parse_list_page,
    parse_record,
    parse_relationship_definition,
    relationship_value,
)
from lfsync.emulator import EmulatorConfig, create_app
from lfsync.kinds.catalogue import ACCOUNT
from lfsync.kinds.record_kind import ReadBack

ENDPOINT = "GET /v1/accounts/acc_1"


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ({"cardinality": "has_one", "objectType": "member", "values": ["mem_1"]}, RelationshipValue(("mem_1",), "HAS_ONE")),
        ({"cardinality": "HAS_MANY", "objectType": "contact", "values": ["con_1", "con_2"]},
         RelationshipValue(("con_1", "con_2"), "HAS_MANY")),
        ({"cardinality": "Has_Many", "values": []}, RelationshipValue((), "HAS_MANY")),
        ({"cardinality": "has_one", "values": "mem_1"}, RelationshipValue(("mem_1",), "HAS_ONE")),  # one ID, not a list
        ({"cardinality": "has_one", "values": None}, RelationshipValue((), "HAS_ONE")),
        ({"values": ["acc_2"]}, RelationshipValue(("acc_2",), "")),  # cardinality left out
        (None, RelationshipValue((), "")),
        # self-referential: merged values list both directions; what was written is asSource
        ({"cardinality": "has_one", "values": ["acc_parent", "acc_child"],
          "directions": {"asSource": {"cardinality": "HAS_ONE", "values": ["acc_parent"]},
                         "asDestination": {"cardinality": "HAS_MANY", "values": ["acc_child"]}}},
         RelationshipValue(("acc_parent",), "HAS_ONE")),
        # asSource without a cardinality: the relationship's own decides
        ({"cardinality": "has_many", "values": ["acc_child"],
          "directions": {"asSource": {"values": []}, "asDestination": {"values": ["acc_child"]}}},
         RelationshipValue((), "HAS_MANY")),
        # asSource's cardinality wins over the merged one
        ({"cardinality": "has_many", "values": ["acc_p"], "directions": {"asSource": {"cardinality": "has_one", "values": ["acc_p"]}}},
         RelationshipValue(("acc_p",), "HAS_ONE")),
    ],
    ids=["lower-has-one", "upper-has-many", "mixed-case", "one-id", "null-values", "no-cardinality", "null",
         "directions", "directions-without-cardinality", "directions-decide-cardinality"],
)
def test_every_documented_relationship_form(wire, expected):
    assert relationship_value(wire, ENDPOINT, "relationships.x") == expected


@pytest.mark.parametrize(
    ("wire", "holds_one"),
    [
        ({"cardinality": "HAS_ONE", "objectType": "member"}, True),
        ({"cardinality": "has_one", "objectType": "Member"}, True),
        ({"cardinality": "HAS_MANY", "objectType": "contact"}, False),
        ({"cardinality": "HAS_MANY", "objectType": "account",
          "directions": {"asSource": {"cardinality": "HAS_ONE", "label": "Parent"},
                         "asDestination": {"cardinality": "HAS_MANY", "label": "Children"}}}, True),
        ({"objectType": "account", "directions": {"asSource": {"cardinality": "has_many"}}}, False),
    ],
    ids=["upper", "lower", "many", "directions-decide", "directions-only"],
)
def test_a_relationship_definitions_cardinality_in_every_form(wire, holds_one):
    definition = parse_relationship_definition("rel", wire, "GET /v1/accounts/definitions")
    assert definition.holds_one is holds_one
    assert definition.object_type == wire["objectType"].lower()


def test_a_record_reads_into_an_api_record():
    wire = {
        "id": "acc_1", "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-02T00:00:00Z", "httpLink": "https://x/acc_1",
        "externalId": None,
        "fields": {"$name": {"value": "Acme", "valueType": "TEXT"}, "tier": {"value": None, "valueType": "SINGLE_SELECT"},
                   "gone": None},
        "relationships": {"$owner": {"cardinality": "has_one", "objectType": "member", "values": ["mem_1"]}},
    }
    assert parse_record(wire, ENDPOINT) == ApiRecord(
        "acc_1", {"$name": "Acme"}, {"$owner": RelationshipValue(("mem_1",), "HAS_ONE")},
        "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "https://x/acc_1",
    )


def test_members_read_their_email_as_one_string():
    one = parse_record({"id": "mem_1", "fields": {"$email": {"value": "a@x.example"}}}, "GET /v1/members")
    listed = parse_record({"id": "mem_2", "fields": {"$email": {"value": ["b@x.example", "c@x.example"]}}}, "GET /v1/members")
    none = parse_record({"id": "mem_3"}, "GET /v1/members")
    assert [member_from(r).email for r in (one, listed, none)] == ["a@x.example", "b@x.example", ""]


def test_definitions_keep_the_answered_document_for_the_digest():
    wire = {
        "objectType": "account",
        "fieldDefinitions": {"tier": {"valueType": "SINGLE_SELECT", "typeConfiguration": {"options": [{"id": "opt_1", "label": "SMB"}]}}},
        "relationshipDefinitions": {"$owner": {"cardinality": "HAS_ONE", "objectType": "member"}},
    }
    definitions = parse_definitions(wire, "GET /v1/accounts/definitions")
    assert definitions.document == {"fieldDefinitions": wire["fieldDefinitions"], "relationshipDefinitions": wire["relationshipDefinitions"]}
    assert definitions.fields["tier"].options[0].label == "SMB" and definitions.relationships["$owner"].holds_one


@pytest.mark.parametrize(
    ("parse", "wire", "what"),
    [
        (parse_record, ["not", "an", "object"], "the record is a list, not an object"),
        (parse_record, {"fields": {}}, "a record without an `id`"),
        (parse_record, {"id": "acc_1", "fields": ["$name"]}, "acc_1.fields is a list, not an object"),
        (parse_record, {"id": "acc_1", "fields": {"$name": "Acme"}}, "acc_1.fields.$name is a str"),
        (parse_record, {"id": "acc_1", "relationships": {"$owner": {"values": [1]}}}, "acc_1.relationships.$owner.values"),
        (parse_record, {"id": "acc_1", "relationships": {"$owner": {"cardinality": "one", "values": []}}},
         "cardinality is 'one', not HAS_ONE or HAS_MANY"),
        (parse_list_page, {"data": {"id": "acc_1"}}, "`data` is a dict, not a list of records"),
        (parse_definitions, {"fieldDefinitions": []}, "fieldDefinitions is a list, not an object"),
        (parse_definitions, {"relationshipDefinitions": {"x": "HAS_ONE"}}, "relationshipDefinitions.x is a str"),
    ],
)
def test_a_wrong_shaped_answer_is_refused_naming_the_endpoint(parse, wire, what):
    with pytest.raises(UnexpectedAnswer, match="unexpected shape") as raised:
        parse(wire, ENDPOINT)
    assert str(raised.value).startswith(f"the API answered {ENDPOINT} in an unexpected shape")
    assert what in str(raised.value)


def test_the_client_answers_typed_records_from_the_emulator():
    transport = httpx.ASGITransport(app=create_app(EmulatorConfig()), raise_app_exceptions=False)

    async def scenario():
        async with LightfieldClient("http://emulator", "sk_lf_local_dev", transport=transport) as client:
            definitions = await client.definitions_of(ACCOUNT)
            members = await client.members()
            parent = await client.create(ACCOUNT, {"fields": {"$name": "Parent Co"}}, "records-parent")
            assert parent.record is not None
            child = await client.create(
                ACCOUNT,
                {"fields": {"$name": "Child Co"}, "relationships": {"parentAccount": parent.record.id, "$owner": members[0].id}},
                "records-child",
            )
            assert child.record is not None
            return definitions, members, await client.retrieve(ACCOUNT, parent.record.id), child.record, await client.list_page(ACCOUNT)

    definitions, members, parent, child, page = asyncio.run(scenario())
    assert definitions.relationships["parentAccount"].holds_one and definitions.relationships["parentAccount"].object_type == "account"
    assert definitions.relationships["$owner"].holds_one and not definitions.relationships["$contact"].holds_one
    assert all(member.id.startswith("mem_") and "@" in member.email for member in members)
    assert child.relationships["parentAccount"] == RelationshipValue((parent.id,), "HAS_ONE")
    assert child.relationships["$owner"] == RelationshipValue((members[0].id,), "HAS_ONE")
    # the parent reads its child back in the merged values, but wrote nothing itself
    assert parent.relationships["parentAccount"].ids == ()
    assert parent.fields["$name"] == "Parent Co" and parent.created_at and parent.http_link
    assert page.total_count == 2 and {r.id for r in page.records} == {parent.id, child.id}


def test_a_wrong_shaped_answer_from_a_server_names_the_endpoint():
    def server(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": [{"id": "acc_1", "fields": {"$name": "Acme"}}], "totalCount": 1})

    async def scenario():
        async with LightfieldClient("http://api", "sk_lf_test", transport=httpx.MockTransport(server)) as client:
            return await client.list_records(ACCOUNT, status="active")

    with pytest.raises(UnexpectedAnswer, match=r"GET /v1/accounts in an unexpected shape: acc_1.fields.\$name is a str"):
        asyncio.run(scenario())


def test_a_kind_names_the_parts_its_records_read_back_from():
    read_back = ReadBack(fields_part="properties", relationships_part="links", id_prefix="x_")
    wire = {"id": "x_1", "properties": {"$name": {"value": "X"}}, "links": {"$owner": {"cardinality": "has_one", "values": ["mem_1"]}},
            "fields": {"ignored": {"value": 1}}}
    record = parse_record(wire, "GET /v1/xs/x_1", read_back)
    assert record.fields == {"$name": "X"} and record.relationships["$owner"].ids == ("mem_1",)
