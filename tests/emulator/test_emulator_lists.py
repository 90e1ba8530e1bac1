"""Lists: pagination, status, filters with every operator and negation."""

from __future__ import annotations

import pytest

from .emulator_helpers import CONTACT, OWNER, create, error_of, is_literal

pytestmark = pytest.mark.anyio


async def names(client, **params) -> list[str]:
    response = await client.get("/v1/accounts", params=params)
    assert response.status_code == 200, response.text
    return [r["fields"]["$name"]["value"] for r in response.json()["data"]]


@pytest.fixture
async def seeded(connect, clock):
    client = connect(clock=clock)
    specs = [
        ("Acme", {"tier": "enterprise", "icp-score": 90, "annualRevenue": 5_000_000, "isPartner": True,
                  "renewalDate": "2026-06-30T00:00:00Z", "billingEmail": ["ap@acme.com"], "phone": ["4155551234"],
                  "$website": ["https://acme.com"], "champion": {"firstName": "Wile", "lastName": "Coyote"},
                  "$primaryAddress": {"city": "Oslo", "country": "NO"}, "$linkedIn": "https://linkedin.com/company/acme"},
         {"$owner": OWNER, "$contact": [CONTACT]}),
        ("Globex", {"tier": "smb", "icp-score": 40, "annualRevenue": 250_000.5,
                    "renewalDate": "2027-01-15T12:00:00+01:00", "$website": ["https://globex.io"]}, {}),
        ("Initech", {"tier": "mid-market", "icp-score": 65, "$primaryAddress": {"city": "Austin", "country": "US"}}, {}),
        ("acme labs", {}, {}),
    ]
    for name, fields, relationships in specs:
        await create(client, name, fields=fields, relationships=relationships)
        clock.advance(1)
    return client


async def test_newest_first_with_total_count_and_pagination(seeded) -> None:
    assert await names(seeded) == ["acme labs", "Initech", "Globex", "Acme"]
    page = (await seeded.get("/v1/accounts", params={"limit": 2, "offset": 1})).json()
    assert page["object"] == "list" and page["totalCount"] == 4
    assert [r["fields"]["$name"]["value"] for r in page["data"]] == ["Initech", "Globex"]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"$name": "acme"}, ["Acme"]),
        ({"$name[equal]": "ACME"}, ["Acme"]),
        ({"$name[-equal]": "Acme"}, ["acme labs", "Initech", "Globex"]),
        ({"$name[startsWith]": "acme"}, ["acme labs", "Acme"]),
        ({"$name[-startsWith]": "acme"}, ["Initech", "Globex"]),
        ({"icp-score[greaterThan]": "40"}, ["Initech", "Acme"]),
        ({"icp-score[greaterThanOrEqual]": "40"}, ["Initech", "Globex", "Acme"]),
        ({"icp-score[lessThan]": "65"}, ["Globex"]),
        ({"icp-score[lessThanOrEqual]": "65"}, ["Initech", "Globex"]),
        ({"icp-score": "90"}, ["Acme"]),
        ({"icp-score[-lessThan]": "65"}, ["acme labs", "Initech", "Acme"]),
        ({"annualRevenue[greaterThan]": "250000"}, ["Globex", "Acme"]),
        ({"renewalDate[lessThan]": "2027-01-15T11:00:00Z"}, ["Acme"]),
        ({"renewalDate[greaterThanOrEqual]": "2027-01-15T11:00:00Z"}, ["Globex"]),
        ({"renewalDate": "2026-06-30T02:00:00+02:00"}, ["Acme"]),
        ({"isPartner": "true"}, ["Acme"]),
        ({"isPartner[equal]": "false"}, ["acme labs", "Initech", "Globex"]),
        ({"tier": "enterprise"}, ["Acme"]),
        ({"tier[-equal]": "enterprise"}, ["acme labs", "Initech", "Globex"]),
        ({"billingEmail": "acme.com"}, ["Acme"]),
        ({"phone[contains]": "555-1234"}, ["Acme"]),
        ({"$website[contains]": "GLOBEX"}, ["Globex"]),
        ({"$website[-contains]": "globex"}, ["acme labs", "Initech", "Acme"]),
        ({"champion": "wile coyote"}, ["Acme"]),
        ({"champion[startsWith]": "coy"}, ["Acme"]),
        ({"$primaryAddress": "US"}, ["Initech"]),
        ({"$primaryAddress[startsWith]": "os"}, ["Acme"]),
        ({"$linkedIn[startsWith]": "https://linkedin.com/company"}, ["Acme"]),
        ({"$owner": OWNER}, ["Acme"]),
        ({"$owner[equal]": OWNER}, ["Acme"]),  # documented: relationship filters treat equal like contains
        ({"$account-contact[contains]": CONTACT}, ["Acme"]),
        ({"$contact[-contains]": CONTACT}, ["acme labs", "Initech", "Globex"]),
        ({"$name[startsWith]": "acme", "icp-score[greaterThan]": "0"}, ["Acme"]),
    ],
)
async def test_filters(seeded, params, expected) -> None:
    assert await names(seeded, **params) == expected


async def test_repeated_filter_keys_are_anded(seeded) -> None:
    response = await seeded.get("/v1/accounts?icp-score[greaterThan]=30&icp-score[lessThan]=70")
    assert [r["fields"]["$name"]["value"] for r in response.json()["data"]] == ["Initech", "Globex"]
    assert response.json()["totalCount"] == 2


async def test_self_referential_direction_filters(connect) -> None:
    client = connect()
    parent = await create(client, "Parent")
    await create(client, "Child", relationships={"parentAccount": parent["id"]})
    assert await names(client, **{"parentAccount:asSource[contains]": parent["id"]}) == ["Child"]
    child_id = (await client.get("/v1/accounts", params={"$name": "Child"})).json()["data"][0]["id"]
    assert await names(client, **{"parentAccount:asDestination": child_id}) == ["Parent"]
    assert await names(client, **{"parentAccount": parent["id"]}) == ["Child"]


@pytest.mark.parametrize(
    "params, status, code, param",
    [
        ({"limit": "0"}, 400, "invalid_type", "limit"),
        ({"limit": "26"}, 400, "invalid_type", "limit"),
        ({"limit": "ten"}, 400, "invalid_type", "limit"),
        ({"offset": "-1"}, 400, "invalid_type", "offset"),
        ({"status": "deleted"}, 400, "invalid_type", "status"),
        ({"nope[equal]": "x"}, 400, "unknown_field", "nope[equal]"),
        ({"$name[contains]": "x"}, 400, "invalid_type", "$name[contains]"),
        ({"$name[-greaterThan]": "x"}, 400, "invalid_type", "$name[-greaterThan]"),
        ({"$industry": "Software"}, 400, "invalid_type", "$industry"),
        ({"$howTheyMakeMoney": "x"}, 400, "invalid_type", "$howTheyMakeMoney"),
        ({"icp-score[greaterThan]": "lots"}, 400, "invalid_type", "icp-score[greaterThan]"),
        ({"tier": "platinum"}, 400, "invalid_type", "tier"),
        ({"isPartner": "maybe"}, 400, "invalid_type", "isPartner"),
        ({"$owner:asSource": OWNER}, 400, "invalid_type", "$owner:asSource"),
    ],
)
async def test_bad_list_parameters(connect, params, status, code, param) -> None:
    response = await connect().get("/v1/accounts", params=params)
    assert error_of(response) == (status, code, param)


async def test_trash_and_restore_move_between_lists(connect) -> None:
    client = connect()
    record = await create(client)
    deleted = await client.delete(f"/v1/accounts/{record['id']}")
    assert deleted.status_code == 200 and deleted.json()["id"] == record["id"]
    again = await client.delete(f"/v1/accounts/{record['id']}")
    assert again.status_code == 200 and again.json()["updatedAt"] == deleted.json()["updatedAt"]
    assert (await client.get("/v1/accounts")).json()["totalCount"] == 0
    assert (await client.get("/v1/accounts", params={"status": "trashed"})).json()["totalCount"] == 1
    retrieved = await client.get(f"/v1/accounts/{record['id']}")
    if is_literal(client):  # decision 23: "not found ... or was deleted"
        assert error_of(retrieved) == (404, None, None)
    else:
        assert retrieved.status_code == 200 and retrieved.json()["id"] == record["id"]
    update = await client.post(f"/v1/accounts/{record['id']}", json={"fields": {"region": "x"}})
    assert error_of(update) == (404, None, None)
    restored = await client.post(f"/v1/accounts/{record['id']}/restore")
    assert restored.status_code == 200
    assert (await client.post(f"/v1/accounts/{record['id']}/restore")).status_code == 200
    assert (await client.get("/v1/accounts")).json()["totalCount"] == 1


async def test_index_lag_hides_recent_writes_from_lists_only(connect, clock) -> None:
    client = connect(clock=clock, index_lag_ms=2000)
    record = await create(client, "Old name")
    assert (await client.get("/v1/accounts")).json()["totalCount"] == 0
    assert (await client.get(f"/v1/accounts/{record['id']}")).status_code == 200
    clock.advance(2.5)
    assert await names(client) == ["Old name"]
    await client.post(f"/v1/accounts/{record['id']}", json={"fields": {"$name": "New name"}})
    assert await names(client) == ["Old name"]
    assert await names(client, **{"$name": "New name"}) == []
    fresh = (await client.get(f"/v1/accounts/{record['id']}")).json()
    assert fresh["fields"]["$name"]["value"] == "New name"
    await client.delete(f"/v1/accounts/{record['id']}")
    assert await names(client) == ["Old name"]
    clock.advance(2.5)
    assert await names(client) == []
    assert await names(client, status="trashed") == ["New name"]


@pytest.mark.parametrize("index_lag_ms", [0, 2000], ids=["no-lag", "index-lag"])
async def test_every_page_is_its_slice_of_the_whole_list(connect, clock, index_lag_ms) -> None:
    """A page is read as a page (not every account decoded for each one), and is exactly the slice
    the whole list would give: newest first, ties in creation time in the order of creation."""
    client = connect(clock=clock, index_lag_ms=index_lag_ms)
    records = []
    for number in range(9):
        records.append(await create(client, f"Company {number}"))
        if number % 3 == 2:  # three accounts at each instant: the order among them is the tie-break's
            clock.advance(1)
    for record in records[:2]:
        await client.delete(f"/v1/accounts/{record['id']}")
    clock.advance(5)  # past the lag
    for status, count in (("active", 7), ("trashed", 2)):
        whole = await names(client, status=status, limit=25)
        assert len(whole) == count
        for limit in (1, 2, 3, count, count + 1):
            for offset in range(count + 2):
                clock.advance(0.05)  # within the search rate
                page = (await client.get("/v1/accounts", params={"status": status, "limit": limit, "offset": offset})).json()
                assert [r["fields"]["$name"]["value"] for r in page["data"]] == whole[offset : offset + limit]
                assert page["totalCount"] == count
    assert await names(client, limit=3) == ["Company 8", "Company 7", "Company 6"]
