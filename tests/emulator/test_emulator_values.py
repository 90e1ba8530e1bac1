"""Field values and relationships: validation (status, code, param) and normalisation."""

from __future__ import annotations

from typing import Any

import pytest

from .emulator_helpers import (
    CONTACT,
    OTHER_CONTACT,
    OTHER_MEMBER,
    OWNER,
    TRASHED_CONTACT,
    create,
    error_of,
    value,
)

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "fields, status, code, param",
    [
        ({"$name": 42}, 400, "invalid_type", "fields.$name"),
        ({"icp-score": "high"}, 400, "invalid_type", "fields.icp-score"),
        ({"icp-score": 1.234}, 400, "invalid_type", "fields.icp-score"),
        ({"icp-score": 2**53}, 400, "invalid_type", "fields.icp-score"),
        ({"icp-score": True}, 400, "invalid_type", "fields.icp-score"),
        ({"annualRevenue": 10.005}, 400, "invalid_type", "fields.annualRevenue"),
        ({"annualRevenue": "1000"}, 400, "invalid_type", "fields.annualRevenue"),
        ({"isPartner": "yes"}, 400, "invalid_type", "fields.isPartner"),
        ({"renewalDate": "2026-06-30T00:00:00"}, 400, "invalid_type", "fields.renewalDate"),
        ({"renewalDate": "2026-06-30"}, 400, "invalid_type", "fields.renewalDate"),
        ({"renewalDate": "next year"}, 400, "invalid_type", "fields.renewalDate"),
        ({"billingEmail": "not-an-email"}, 400, "invalid_type", "fields.billingEmail"),
        ({"phone": "+14155551234"}, 400, "invalid_type", "fields.phone"),
        ({"phone": ["12"]}, 400, "invalid_type", "fields.phone"),
        ({"phone": ["+0123456789"]}, 400, "invalid_type", "fields.phone"),
        ({"$website": ["not a url"]}, 400, "invalid_type", "fields.$website"),
        ({"$primaryAddress": {"country": "NOR"}}, 400, "invalid_type", "fields.$primaryAddress.country"),
        ({"$primaryAddress": {"planet": "Earth"}}, 400, "invalid_type", "fields.$primaryAddress.planet"),
        ({"$primaryAddress": {"latitude": 91}}, 400, "invalid_type", "fields.$primaryAddress.latitude"),
        ({"$primaryAddress": "Oslo"}, 400, "invalid_type", "fields.$primaryAddress"),
        ({"champion": {"nickname": "Al"}}, 400, "invalid_type", "fields.champion.nickname"),
        ({"$linkedIn": "https://x.com/acme"}, 400, "invalid_type", "fields.$linkedIn"),
        ({"$twitter": "https://linkedin.com/in/acme"}, 400, "invalid_type", "fields.$twitter"),
        ({"$instagram": "https://instagram.com/"}, 400, "invalid_type", "fields.$instagram"),
        ({"tier": "platinum"}, 400, "invalid_type", "fields.tier"),
        ({"tier": "opt_cdoesnotexist00000000"}, 422, "referenced_resource_missing", "fields.tier"),
        ({"$industry": "Software"}, 400, "invalid_type", "fields.$industry"),
        ({"$industry": ["Software", "Alchemy"]}, 400, "invalid_type", "fields.$industry"),
        ({"nonsense": 1}, 400, "unknown_field", "fields.nonsense"),
        ({"$howTheyMakeMoney": "ads"}, 422, "invalid_configuration", "fields.$howTheyMakeMoney"),
        ({"$accountStatus": "Prospect"}, 422, "invalid_configuration", "fields.$accountStatus"),
        ({"accountPlan": "# plan"}, 422, "invalid_configuration", "fields.accountPlan"),
    ],
)
async def test_invalid_field_values_are_rejected(connect, fields, status, code, param) -> None:
    client = connect()
    response = await client.post("/v1/accounts", json={"fields": {"$name": "Acme", **fields}})
    assert error_of(response) == (status, code, param)
    listing = await client.get("/v1/accounts")
    assert listing.json()["totalCount"] == 0


@pytest.mark.parametrize("body", [{"fields": {}}, {"fields": {"$name": None}}, {"fields": {"$name": "  "}}, {}])
async def test_missing_name_is_422(connect, body) -> None:
    response = await connect().post("/v1/accounts", json=body)
    assert error_of(response) == (422, "parameter_missing", "fields.name")


async def test_values_are_normalised_on_write(connect) -> None:
    client = connect()
    definitions = (await client.get("/v1/accounts/definitions")).json()["fieldDefinitions"]
    options = {o["label"]: o["id"] for o in definitions["tier"]["typeConfiguration"]["options"]}
    industries = {o["label"]: o["id"] for o in definitions["$industry"]["typeConfiguration"]["options"]}
    record = await create(
        client,
        fields={
            "tier": "Enterprise",
            "$industry": ["Software", industries["Fintech"], "Software"],
            "$headcount": "51-200",
            "icp-score": 87.5,
            "annualRevenue": 1200000,
            "isPartner": False,
            "renewalDate": "2026-06-30T09:30:00+02:00",
            "billingEmail": "billing@acme.com",
            "phone": ["(415) 555-1234 x100", "+44 20 7946 0958", "555 1234 ext: 7", "14155550000#9"],
            "$website": ["acme.com", "https://www.acme.com/about"],
            "$primaryAddress": {"city": "Oslo", "country": "no", "latitude": 59.91},
            "champion": {"firstName": "Wile", "lastName": "Coyote"},
            "$linkedIn": "linkedin.com/company/acme",
            "$twitter": "https://x.com/acme",
            "region": "EMEA",
        },
    )
    assert value(record, "tier") == options["enterprise"]
    assert value(record, "$industry") == [industries["Software"], industries["Fintech"]]
    assert value(record, "icp-score") == 87.5
    assert value(record, "annualRevenue") == 1200000
    assert value(record, "isPartner") is False
    assert value(record, "renewalDate") == "2026-06-30T07:30:00.000Z"
    assert value(record, "billingEmail") == ["billing@acme.com"]
    assert value(record, "phone") == ["+14155551234;ext=100", "+442079460958", "5551234;ext=7", "+14155550000;ext=9"]
    assert value(record, "$website") == ["https://acme.com", "https://www.acme.com/about"]
    assert value(record, "$primaryAddress") == {"city": "Oslo", "country": "NO", "latitude": 59.91}
    assert value(record, "champion") == {"firstName": "Wile", "lastName": "Coyote"}
    assert value(record, "$linkedIn") == "https://linkedin.com/company/acme"
    assert record["fields"]["tier"]["valueType"] == "SINGLE_SELECT"
    # Decision 9: enrichment fills the read-only fields.
    assert record["fields"]["$howTheyMakeMoney"]["valueType"] == "MARKDOWN"
    assert "$accountStatus" in record["fields"]


async def test_update_changes_only_given_fields_and_null_clears(connect) -> None:
    client = connect()
    record = await create(client, fields={"tier": "smb", "region": "EMEA", "icp-score": 10})
    response = await client.post(
        f"/v1/accounts/{record['id']}", json={"fields": {"region": None, "icp-score": 20}}
    )
    assert response.status_code == 200
    updated = response.json()
    assert "region" not in updated["fields"]
    assert value(updated, "icp-score") == 20
    assert value(updated, "tier") == value(record, "tier")
    assert value(updated, "$name") == "Acme"


async def test_update_with_no_change_keeps_updated_at(connect, clock) -> None:
    client = connect(clock=clock)
    record = await create(client, fields={"region": "EMEA"})
    clock.advance(60)
    same = (await client.post(f"/v1/accounts/{record['id']}", json={"fields": {"region": "EMEA"}})).json()
    assert same["updatedAt"] == record["updatedAt"]
    changed = (await client.post(f"/v1/accounts/{record['id']}", json={"fields": {"region": "APAC"}})).json()
    assert changed["updatedAt"] > record["updatedAt"]


@pytest.mark.parametrize(
    "body, status, code, param",
    [
        ({"fields": {"$name": None}}, 422, "parameter_missing", "fields.name"),
        ({"skipEnrichment": True}, 400, "unknown_field", "skipEnrichment"),
        ({"fields": "x"}, 400, "invalid_type", "fields"),
        ({"relationships": {"$owner": OWNER}}, 400, "invalid_type", "relationships.$owner"),
        ({"relationships": {"$owner": {"set": OWNER}}}, 400, "invalid_type", "relationships.$owner"),
        ({"relationships": {"$owner": {"add": OTHER_MEMBER}}}, 400, "invalid_type", "relationships.$owner"),
        ({"relationships": {"$task": {"add": "task_c1"}}}, 422, "invalid_configuration", "relationships.$task"),
        ({"relationships": {"friends": {"add": CONTACT}}}, 400, "unknown_relationship", "relationships.friends"),
    ],
)
async def test_invalid_updates(connect, body, status, code, param) -> None:
    client = connect()
    record = await create(client, relationships={"$owner": OWNER})
    response = await client.post(f"/v1/accounts/{record['id']}", json=body)
    assert error_of(response) == (status, code, param)


@pytest.mark.parametrize(
    "relationships, status, code, param",
    [
        ({"$owner": "mem_cnobody0000000000000"}, 422, "relationship_entity_missing", "relationships.$owner"),
        ({"$owner": CONTACT}, 400, "invalid_type", "relationships.$owner"),
        ({"$owner": [OWNER, OTHER_MEMBER]}, 400, "invalid_type", "relationships.$owner"),
        ({"$contact": [CONTACT, TRASHED_CONTACT]}, 422, "relationship_entity_inactive", "relationships.$contact"),
        ({"$contact": 7}, 400, "invalid_type", "relationships.$contact"),
        ({"$opportunity": "opp_c1"}, 422, "invalid_configuration", "relationships.$opportunity"),
        ({"$friends": CONTACT}, 400, "unknown_relationship", "relationships.$friends"),
        ({"parentAccount": "acc_cmissing000000000000"}, 422, "relationship_entity_missing",
         "relationships.parentAccount"),
    ],
)
async def test_invalid_relationship_targets(connect, relationships, status, code, param) -> None:
    response = await connect().post("/v1/accounts", json={"fields": {"$name": "A"}, "relationships": relationships})
    assert error_of(response) == (status, code, param)


async def test_relating_to_a_trashed_account_is_inactive(connect) -> None:
    client = connect()
    parent = await create(client, "Parent")
    await client.delete(f"/v1/accounts/{parent['id']}")
    response = await client.post(
        "/v1/accounts", json={"fields": {"$name": "Child"}, "relationships": {"parentAccount": parent["id"]}}
    )
    assert error_of(response) == (422, "relationship_entity_inactive", "relationships.parentAccount")


async def test_relationship_write_limit_counts_the_whole_body(connect) -> None:
    client = connect()
    contacts = [f"con_c{i:020d}" for i in range(25)]
    response = await client.post(
        "/v1/accounts", json={"fields": {"$name": "A"}, "relationships": {"$contact": contacts, "$owner": OWNER}}
    )
    assert error_of(response) == (422, "relationship_write_limit_exceeded", "relationships")
    record = await create(client)
    response = await client.post(
        f"/v1/accounts/{record['id']}",
        json={"relationships": {"$contact": {"remove": contacts[:20], "add": contacts[20:]}, "$owner": {"replace": OWNER}}},
    )
    assert error_of(response) == (422, "relationship_write_limit_exceeded", "relationships")


async def test_relationship_operations_apply_replace_then_remove_then_add(connect) -> None:
    client = connect()
    record = await create(client, relationships={"$contact": [CONTACT], "$owner": [OWNER]})
    assert record["relationships"]["$owner"] == {"cardinality": "has_one", "objectType": "member", "values": [OWNER]}
    third = "con_cdorothyhodgkin000000"
    response = await client.post(
        f"/v1/accounts/{record['id']}",
        json={"relationships": {
            "$contact": {"add": [third, OTHER_CONTACT], "remove": OTHER_CONTACT, "replace": OTHER_CONTACT},
            "$owner": {"replace": OTHER_MEMBER},
        }},
    )
    assert response.status_code == 200, response.text
    relationships = response.json()["relationships"]
    assert relationships["$contact"]["values"] == [third, OTHER_CONTACT]
    assert relationships["$owner"]["values"] == [OTHER_MEMBER]
    cleared = await client.post(f"/v1/accounts/{record['id']}", json={"relationships": {"$owner": {"replace": None}}})
    assert cleared.json()["relationships"]["$owner"]["values"] == []
    # Removing an absent link and adding a present one are no-ops.
    again = await client.post(
        f"/v1/accounts/{record['id']}", json={"relationships": {"$contact": {"remove": CONTACT, "add": third}}}
    )
    assert again.json()["relationships"]["$contact"]["values"] == [third, OTHER_CONTACT]


async def test_self_referential_relationship_has_directions(connect) -> None:
    client = connect()
    parent = await create(client, "Parent")
    child = await create(client, "Child", relationships={"parentAccount": parent["id"]})
    assert child["relationships"]["parentAccount"]["directions"]["asSource"]["values"] == [parent["id"]]
    reread = (await client.get(f"/v1/accounts/{parent['id']}")).json()["relationships"]["parentAccount"]
    assert reread["directions"]["asDestination"] == {"cardinality": "HAS_MANY", "values": [child["id"]]}
    assert reread["directions"]["asSource"]["values"] == []
    itself = await client.post(
        f"/v1/accounts/{parent['id']}", json={"relationships": {"parentAccount": {"replace": parent["id"]}}}
    )
    assert error_of(itself) == (422, "invalid_configuration", "relationships.parentAccount")


async def test_every_readable_relationship_appears(connect) -> None:
    record = await create(connect())
    assert set(record["relationships"]) >= {"$owner", "$contact", "$opportunity", "$task", "$note", "$meeting",
                                            "parentAccount"}
    assert all(r["values"] == [] for r in record["relationships"].values())
    assert set(record["fields"]) == {"$name", "$howTheyMakeMoney", "$accountStatus"}


def _history_values(payload: dict[str, Any]) -> list[Any]:
    return [entry["value"] for entry in payload["data"]]


async def test_field_history_collapses_repeats_and_paginates(connect) -> None:
    client = connect()
    record = await create(client, fields={"region": "EMEA"})
    for region in ("EMEA", "APAC", None, "AMER"):
        await client.post(f"/v1/accounts/{record['id']}", json={"fields": {"region": region}})
    url = f"/v1/accounts/{record['id']}/fields/region/history"
    full = (await client.get(url)).json()
    assert _history_values(full) == ["AMER", None, "APAC", "EMEA"]
    assert [e["isCreate"] for e in full["data"]] == [False, False, False, True]
    assert full["hasMore"] is False and full["nextCursor"] is None
    first = (await client.get(url, params={"limit": 3})).json()
    assert _history_values(first) == ["AMER", None, "APAC"] and first["hasMore"] is True
    second = (await client.get(url, params={"limit": 3, "after": first["nextCursor"]})).json()
    assert _history_values(second) == ["EMEA"] and second["hasMore"] is False
    assert not any(e["isCreate"] for e in first["data"] + second["data"])
    tier = (await client.get(f"/v1/accounts/{record['id']}/fields/tier/history")).json()
    assert tier == {"data": [], "hasMore": False, "nextCursor": None}
    bad = await client.get(f"/v1/accounts/{record['id']}/fields/nope/history")
    assert error_of(bad) == (400, "unknown_field", "fieldKey")
    bad_limit = await client.get(url, params={"limit": 101})
    assert error_of(bad_limit) == (400, "invalid_type", "limit")
