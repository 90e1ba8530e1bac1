"""Contacts and opportunities beside accounts, in both API modes: the account-contact link written
from either side (decision 28), read-only and required relationships, cardinality, paging,
filters, trash, field history, idempotency, scopes and rate categories (decisions 22, 26)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .emulator_helpers import CONTACT, OTHER_CONTACT, READONLY_KEY, TRASHED_CONTACT, create, error_of, value

pytestmark = pytest.mark.anyio

SEEDED_ACTIVE_CONTACTS = 3  # the default fixture's contacts, one more in the trash


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == status, response.text
    return response.json()


async def contact(client: httpx.AsyncClient, first: str, **body: Any) -> dict[str, Any]:
    fields = {"$name": {"firstName": first, "lastName": "Test"}, **body.pop("fields", {})}
    return await post(client, "/v1/contacts", {"fields": fields, **body})


async def opportunity(client: httpx.AsyncClient, account_id: str, name: str = "Deal", **body: Any) -> dict[str, Any]:
    fields = {"$name": name, "$stage": "Discovery", **body.pop("fields", {})}
    relationships = {"$account": account_id, **body.pop("relationships", {})}
    return await post(client, "/v1/opportunities", {"fields": fields, "relationships": relationships, **body})


async def links(client: httpx.AsyncClient, path: str, key: str) -> list[str]:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return response.json()["relationships"][key]["values"]


async def test_a_contact_link_written_on_either_side_reads_back_on_both(connect) -> None:
    client = connect()
    acme, globex = await create(client, "Acme"), await create(client, "Globex")
    ada = await contact(client, "Ada", relationships={"$account": [acme["id"]]})
    assert ada["relationships"]["$account"] == {"cardinality": "has_many", "objectType": "account", "values": [acme["id"]]}
    assert await links(client, f"/v1/accounts/{acme['id']}", "$contact") == [ada["id"]]

    await post(client, f"/v1/accounts/{globex['id']}", {"relationships": {"$contact": {"add": [ada["id"], CONTACT]}}})
    assert await links(client, f"/v1/contacts/{ada['id']}", "$account") == [acme["id"], globex["id"]]
    assert await links(client, f"/v1/contacts/{CONTACT}", "$account") == [globex["id"]]

    moved = await post(client, f"/v1/contacts/{ada['id']}", {"relationships": {"$account": {"replace": globex["id"]}}})
    assert moved["relationships"]["$account"]["values"] == [globex["id"]]
    assert await links(client, f"/v1/accounts/{acme['id']}", "$contact") == []
    assert await links(client, f"/v1/accounts/{globex['id']}", "$contact") == [ada["id"], CONTACT]

    await post(client, f"/v1/contacts/{ada['id']}", {"relationships": {"$account": {"remove": globex["id"]}}})
    assert await links(client, f"/v1/accounts/{globex['id']}", "$contact") == [CONTACT]


async def test_a_write_on_the_contact_side_stamps_the_contact_not_the_account(connect, clock, api_mode) -> None:
    client = connect(clock=clock)
    account = await create(client, "Acme")
    ada = await contact(client, "Ada")
    clock.advance(60)
    linked = await post(client, f"/v1/contacts/{ada['id']}", {"relationships": {"$account": {"add": account["id"]}}})
    assert linked["updatedAt"] != ada["updatedAt"]
    assert (await client.get(f"/v1/accounts/{account['id']}")).json()["updatedAt"] == account["updatedAt"]
    unchanged = await post(client, f"/v1/contacts/{ada['id']}", {"relationships": {"$account": {"add": account["id"]}}})
    assert unchanged["updatedAt"] == linked["updatedAt"]  # adding a present link changes nothing


async def test_links_to_trashed_records_are_hidden_on_the_computed_side_until_restored(connect) -> None:
    client = connect()
    account = await create(client, "Acme", relationships={"$contact": [CONTACT]})
    deal = await opportunity(client, account["id"], relationships={"$champion": CONTACT})
    assert (await client.delete(f"/v1/contacts/{CONTACT}")).status_code == 200
    assert await links(client, f"/v1/accounts/{account['id']}", "$contact") == []
    assert await links(client, f"/v1/opportunities/{deal['id']}", "$champion") == [CONTACT]  # its own link, as written
    assert await links(client, f"/v1/accounts/{account['id']}", "$opportunity") == [deal["id"]]
    assert (await client.delete(f"/v1/opportunities/{deal['id']}")).status_code == 200
    assert await links(client, f"/v1/accounts/{account['id']}", "$opportunity") == []
    assert (await client.post(f"/v1/contacts/{CONTACT}/restore")).status_code == 200
    assert await links(client, f"/v1/accounts/{account['id']}", "$contact") == [CONTACT]
    refused = await client.post("/v1/contacts", json={"fields": {}, "relationships": {"$account": "acc_c00000000000000000000"}})
    assert error_of(refused) == (422, "relationship_entity_missing", "relationships.$account")
    inactive = await client.post("/v1/opportunities", json={
        "fields": {"$name": "Deal", "$stage": "Discovery"},
        "relationships": {"$account": account["id"], "$champion": TRASHED_CONTACT}})
    assert error_of(inactive) == (422, "relationship_entity_inactive", "relationships.$champion")


async def test_the_opportunity_side_of_an_account_is_read_only(connect) -> None:
    client = connect()
    account = await create(client)
    deal = await opportunity(client, account["id"])
    added = await client.post(f"/v1/accounts/{account['id']}", json={"relationships": {"$opportunity": {"add": deal["id"]}}})
    assert error_of(added) == (422, "invalid_configuration", "relationships.$opportunity")
    created = await client.post("/v1/accounts", json={"fields": {"$name": "X"}, "relationships": {"$opportunity": deal["id"]}})
    assert error_of(created) == (422, "invalid_configuration", "relationships.$opportunity")
    status = await client.post(f"/v1/opportunities/{deal['id']}", json={"fields": {"$opportunityStatus": "Won"}})
    assert error_of(status) == (422, "invalid_configuration", "fields.$opportunityStatus")


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"fields": {"$stage": "Discovery"}, "relationships": {}}, (422, "parameter_missing", "fields.name")),
        ({"fields": {"$name": " ", "$stage": "Discovery"}}, (422, "parameter_missing", "fields.name")),
        ({"fields": {"$name": "Deal"}, "relationships": {"$account": "ACCOUNT"}}, (422, "parameter_missing", "fields.stage")),
        ({"fields": {"$name": "Deal", "$stage": "Discovery"}}, (422, "parameter_missing", "relationships.account")),
        ({"fields": {"$name": "Deal", "$stage": "Discovery"}, "relationships": {"$account": ["ACCOUNT", "OTHER"]}},
         (400, "invalid_type", "relationships.$account")),
        ({"fields": {"$name": "Deal", "$stage": "Discovery"}, "relationships": {"$account": "ACCOUNT"},
          "skipEnrichment": True}, (400, "unknown_field", "skipEnrichment")),
        ({"fields": {"$name": "Deal", "$stage": "Discovery"},
          "relationships": {"$account": "ACCOUNT", "$champion": [CONTACT, OTHER_CONTACT]}},
         (400, "invalid_type", "relationships.$champion")),
        ({"fields": {"$name": "Deal", "$stage": "Discovery"}, "relationships": {"$account": CONTACT}},
         (400, "invalid_type", "relationships.$account")),
    ],
)
async def test_opportunity_create_refusals(connect, body, expected) -> None:
    client = connect()
    account, other = await create(client, "Acme"), await create(client, "Globex")
    ids = {"ACCOUNT": account["id"], "OTHER": other["id"]}
    relationships = {
        key: ([ids.get(v, v) for v in value] if isinstance(value, list) else ids.get(value, value))
        for key, value in body.get("relationships", {}).items()
    }
    response = await client.post("/v1/opportunities", json={**body, "relationships": relationships})
    assert error_of(response) == expected
    assert (await client.get("/v1/opportunities")).json()["totalCount"] == 0


async def test_an_opportunity_changes_account_by_replace_but_never_loses_it(connect) -> None:
    client = connect()
    acme, globex = await create(client, "Acme"), await create(client, "Globex")
    deal = await opportunity(client, acme["id"])
    second = await client.post(f"/v1/opportunities/{deal['id']}", json={"relationships": {"$account": {"add": globex["id"]}}})
    assert error_of(second) == (400, "invalid_type", "relationships.$account")
    cleared = await client.post(f"/v1/opportunities/{deal['id']}", json={"relationships": {"$account": {"replace": None}}})
    assert error_of(cleared) == (422, "parameter_missing", "relationships.account")
    no_stage = await client.post(f"/v1/opportunities/{deal['id']}", json={"fields": {"$stage": None}})
    assert error_of(no_stage) == (422, "parameter_missing", "fields.stage")
    moved = await post(client, f"/v1/opportunities/{deal['id']}", {"relationships": {"$account": {"replace": globex["id"]}}})
    assert moved["relationships"]["$account"]["values"] == [globex["id"]]
    assert await links(client, f"/v1/accounts/{acme['id']}", "$opportunity") == []
    assert await links(client, f"/v1/accounts/{globex['id']}", "$opportunity") == [deal["id"]]


async def test_contacts_page_newest_first_with_the_fixtures_contacts_last(connect, clock) -> None:
    client = connect(clock=clock)
    made = []
    for number in range(30):
        made.append((await contact(client, f"Person{number:02d}"))["id"])
        clock.advance(1)
    seen, offset = [], 0
    while True:
        page = (await client.get("/v1/contacts", params={"limit": 25, "offset": offset})).json()
        assert page["object"] == "list" and page["totalCount"] == 30 + SEEDED_ACTIVE_CONTACTS
        seen += [record["id"] for record in page["data"]]
        if len(page["data"]) < 25:
            break
        offset += 25
    assert seen[:30] == made[::-1] and len(seen) == 33 and CONTACT in seen[30:]
    trashed = (await client.get("/v1/contacts", params={"status": "trashed"})).json()
    assert [record["id"] for record in trashed["data"]] == [TRASHED_CONTACT]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"$name": "ada lovelace"}, ["Ada"]),
        ({"$name[startsWith]": "gra"}, ["Grace"]),
        ({"$email[contains]": "@acme.example"}, ["Grace", "Ada"]),
        ({"$email[-contains]": "@acme.example", "$name[startsWith]": "marie"}, ["Marie"]),
        ({"$contact-account": "ACME"}, ["Ada"]),
        ({"$account[-equal]": "ACME", "$email[contains]": "acme.example"}, ["Grace"]),
        ({"seniority": "Executive"}, ["Grace"]),
        ({"$doNotContact": "true"}, ["Ada"]),
    ],
)
async def test_contact_filters(connect, params, expected) -> None:
    client = connect()
    acme = await create(client, "Acme")
    await contact(client, "Ada", fields={"$name": {"firstName": "Ada", "lastName": "Lovelace"},
                                         "$email": ["ada@acme.example"], "$doNotContact": True},
                  relationships={"$account": acme["id"]})
    await contact(client, "Grace", fields={"$email": "grace@acme.example", "seniority": "executive"})
    resolved = {key: acme["id"] if text == "ACME" else text for key, text in params.items()}
    response = await client.get("/v1/contacts", params=resolved)
    assert response.status_code == 200, response.text
    assert [value(record, "$name")["firstName"] for record in response.json()["data"]] == expected


async def test_opportunity_filters_by_account_amount_and_stage_id(connect) -> None:
    client = connect()
    acme, globex = await create(client, "Acme"), await create(client, "Globex")
    small = await opportunity(client, acme["id"], "Small", fields={"$amount": 1000})
    big = await opportunity(client, globex["id"], "Big", fields={"$amount": 250000, "$stage": "Negotiation"})

    async def found(**params: str) -> list[str]:
        response = await client.get("/v1/opportunities", params=params)
        assert response.status_code == 200, response.text
        return [record["id"] for record in response.json()["data"]]

    assert await found(**{"$account": acme["id"]}) == [small["id"]]
    assert await found(**{"$opportunity-account[contains]": globex["id"]}) == [big["id"]]
    assert await found(**{"$account[-equal]": acme["id"]}) == [big["id"]]
    assert await found(**{"$amount[greaterThanOrEqual]": "100000"}) == [big["id"]]
    assert await found(**{"$stage": value(big, "$stage")}) == [big["id"]]
    assert await found(**{"$stage": "negotiation"}) == [big["id"]]  # a label of one pipeline only
    assert await found(**{"$name[startsWith]": "sm"}) == [small["id"]]


async def test_field_history_of_contacts_and_opportunities(connect, clock) -> None:
    client = connect(clock=clock)
    account = await create(client)
    deal = await opportunity(client, account["id"])
    clock.advance(10)
    await post(client, f"/v1/opportunities/{deal['id']}", {"fields": {"$stage": "Closed Lost"}})
    stages = (await client.get(f"/v1/opportunities/{deal['id']}/fields/$stage/history")).json()
    assert [(e["displayValue"], e["isCreate"]) for e in stages["data"]] == [("Closed Lost", False), ("Discovery", True)]
    status = (await client.get(f"/v1/opportunities/{deal['id']}/fields/$opportunityStatus/history")).json()
    assert [e["displayValue"] for e in status["data"]] == ["Lost", "Open"]
    for path in (f"/v1/opportunities/{deal['id']}", f"/v1/contacts/{CONTACT}"):
        assert error_of(await client.get(f"{path}/fields/$name/history")) == (400, "invalid_type", "fieldKey")
    emails = (await client.get(f"/v1/contacts/{CONTACT}/fields/$email/history")).json()
    assert [e["value"] for e in emails["data"]] == [["marie@example.com"]] and emails["data"][0]["isCreate"] is True
    assert emails["data"][0]["recordedAt"] == "2026-01-01T00:00:00.000Z"  # the fixture's contacts' creation


async def test_updates_replay_by_key_and_trashed_records_refuse_updates(connect) -> None:
    client = connect()
    ada = await contact(client, "Ada")
    headers = {"Idempotency-Key": "contact-update-once"}
    first = await client.post(f"/v1/contacts/{ada['id']}", json={"fields": {"$title": "CTO"}}, headers=headers)
    replay = await client.post(f"/v1/contacts/{ada['id']}", json={"fields": {"$title": "CEO"}}, headers=headers)
    assert replay.json() == first.json() and value(replay.json(), "$title") == "CTO"
    assert (await client.delete(f"/v1/contacts/{ada['id']}")).status_code == 200
    refused = await client.post(f"/v1/contacts/{ada['id']}", json={"fields": {"$title": "CEO"}})
    assert refused.status_code == 404


async def test_trashed_records_answer_404_on_retrieve_in_the_docs_literal_mode_only(connect, api_mode) -> None:
    client = connect()
    retrieved = await client.get(f"/v1/contacts/{TRASHED_CONTACT}")
    assert retrieved.status_code == (404 if api_mode == "docs-literal" else 200)


async def test_scopes_and_rate_categories_per_type(connect, clock) -> None:
    client = connect(clock=clock, write_rate=3, read_rate=5, search_rate=7)
    categories = {
        ("POST", "/v1/contacts"): "3", ("GET", "/v1/contacts"): "7", ("GET", "/v1/contacts/definitions"): "5",
        ("GET", f"/v1/contacts/{CONTACT}"): "5", ("GET", f"/v1/contacts/{CONTACT}/fields/$email/history"): "5",
        ("GET", "/v1/opportunities"): "7", ("GET", "/v1/opportunities/definitions"): "5",
    }
    for (method, path), limit in categories.items():
        response = await client.request(method, path, json={"fields": {}} if method == "POST" else None)
        assert response.status_code == 200, response.text
        assert response.headers["X-RateLimit-Limit"] == limit, (method, path)
    readonly = connect(key=READONLY_KEY)
    for method, path in (("GET", "/v1/contacts"), ("GET", "/v1/opportunities/definitions"), ("POST", "/v1/contacts")):
        assert (await readonly.request(method, path, json={"fields": {}} if method == "POST" else None)).status_code == 403
    limited = connect(key=READONLY_KEY)
    assert (await limited.get("/v1/accounts")).status_code == 200


async def test_the_record_pages_of_contacts_and_opportunities(connect) -> None:
    client = connect()
    account = await create(client)
    deal = await opportunity(client, account["id"], "Page Deal")
    ada = await contact(client, "Ada")
    assert "Page Deal" in (await client.get(deal["httpLink"].replace("http://lightfield.local", ""))).text
    assert "Ada Test" in (await client.get(ada["httpLink"].replace("http://lightfield.local", ""))).text
    assert (await client.get("/app/tasks/task_c1")).status_code == 404
