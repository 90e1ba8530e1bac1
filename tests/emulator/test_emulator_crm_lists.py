"""Lists (the CRM object, `client.list`; tests/emulator/test_emulator_lists.py is about list
endpoints) through the official SDK against the emulator over HTTP, in both API modes: create with
members, the record shape, member reads paged like their type's list, add/remove, trash without
restore, scopes, rate categories and the refusals (decision 31)."""

from __future__ import annotations

from typing import Any

import httpx
import lightfield
import pytest
from lightfield import Lightfield
from lightfield.types import ListCreateResponse, ListListAccountsResponse, ListListResponse, ListRetrieveResponse

from .conftest import RATE_LIMIT_BY_CATEGORY, ServedSdk, refusal
from .emulator_helpers import (
    API_VERSION,
    CONTACT,
    DEV_KEY,
    OTHER_CONTACT,
    READONLY_KEY,
    app_with_keys,
    client_for,
    error_of,
    unique,
)


def new_accounts(sdk: Lightfield, count: int) -> list[str]:
    return [sdk.account.create(fields={"$name": unique("Acme")}).id for _ in range(count)]


def raw(served: ServedSdk, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {DEV_KEY}", "Lightfield-Version": API_VERSION}
    return httpx.request(method, served.url + path, headers=headers, **kwargs)


def test_account_list_shape_members_and_updates(served_sdk: ServedSdk) -> None:
    sdk = served_sdk.sdk
    first, second, third = new_accounts(sdk, 3)
    made = sdk.list.create(fields={"$name": unique("Top accounts"), "$objectType": "account",
                                   "$description": "Q3 focus"},
                           relationships={"$accounts": [first, second]})
    assert isinstance(made, ListCreateResponse) and made.id.startswith("list_c")
    assert made.fields["$objectType"].value == "$account"  # the deprecated bare form, read back with `$`
    assert made.fields["$description"].value == "Q3 focus"
    wire = raw(served_sdk, "GET", f"/v1/lists/{made.id}").json()
    assert set(wire) == {"id", "createdAt", "httpLink", "fields"}  # no relationships, updatedAt, externalId
    assert wire["httpLink"].endswith(f"/app/lists/{made.id}")
    page = httpx.get(wire["httpLink"])  # decision 13: a key-less page, titled with the list's name
    assert page.status_code == 200 and f"<h1>{made.fields['$name'].value}</h1>" in page.text

    members = sdk.list.list_accounts(made.id)
    assert isinstance(members, ListListAccountsResponse) and members.total_count == 2
    assert [a.id for a in members.data] == [second, first]  # newest first, in the account record form
    assert members.data[0].relationships["$owner"].cardinality == "has_one"
    page = sdk.list.list_accounts(made.id, limit=1, offset=1)
    assert page.total_count == 2 and [a.id for a in page.data] == [first]

    sdk.list.update(made.id, fields={"$name": "Renamed", "$description": None},
                    relationships={"$accounts": {"add": [third, first], "remove": second}})
    retrieved = sdk.list.retrieve(made.id)
    assert isinstance(retrieved, ListRetrieveResponse)
    assert {k: f.value for k, f in retrieved.fields.items()} == {"$name": "Renamed", "$objectType": "$account"}
    assert [a.id for a in sdk.list.list_accounts(made.id).data] == [third, first]
    assert sdk.list.list_contacts(made.id).total_count == 0  # an account list holds no contacts

    sdk.account.delete(third)  # a trashed member is not read back, and comes back with its restore
    assert [a.id for a in sdk.list.list_accounts(made.id).data] == [first]
    sdk.account.restore(third)
    assert [a.id for a in sdk.list.list_accounts(made.id).data] == [third, first]


def test_contact_and_opportunity_lists(served_sdk: ServedSdk) -> None:
    sdk = served_sdk.sdk
    contacts = sdk.list.create(fields={"$name": unique("People"), "$objectType": "$contact"},
                               relationships={"$contacts": CONTACT})
    sdk.list.update(contacts.id, relationships={"$contacts": {"add": OTHER_CONTACT}})
    assert {c.id for c in sdk.list.list_contacts(contacts.id).data} == {CONTACT, OTHER_CONTACT}
    account = new_accounts(sdk, 1)[0]
    deal = sdk.opportunity.create(fields={"$name": unique("Deal"), "$stage": "Discovery"},
                                  relationships={"$account": account}).id
    deals = sdk.list.create(fields={"$name": unique("Deals"), "$objectType": "$opportunity"},
                            relationships={"$opportunities": [deal]})
    listed = sdk.list.list_opportunities(deals.id)
    assert [o.id for o in listed.data] == [deal] and listed.data[0].relationships["$account"].values == [account]


def test_lists_are_listed_newest_first_and_paged(served_sdk: ServedSdk) -> None:
    sdk = served_sdk.sdk
    made = [sdk.list.create(fields={"$name": unique("Paged"), "$objectType": "$account"}).id for _ in range(3)]
    everything = sdk.list.list()
    assert isinstance(everything, ListListResponse) and everything.total_count >= 3
    assert [entry.id for entry in everything.data[:3]] == made[::-1]
    assert [entry.id for entry in sdk.list.list(limit=1, offset=1).data] == [made[1]]
    response = raw(served_sdk, "GET", "/v1/lists", params={"status": "trashed"})
    assert response.status_code == 400  # lists take limit and offset only


def test_trash_keeps_members_and_there_is_no_restore(served_sdk: ServedSdk) -> None:
    sdk = served_sdk.sdk
    member = new_accounts(sdk, 1)[0]
    made = sdk.list.create(fields={"$name": unique("Doomed"), "$objectType": "$account"},
                           relationships={"$accounts": member})
    assert sdk.list.delete(made.id).id == made.id and sdk.list.delete(made.id).id == made.id  # again: no-op
    assert made.id not in [entry.id for entry in sdk.list.list().data]
    assert sdk.account.retrieve(member).id == member  # members are untouched
    if served_sdk.literal:
        with pytest.raises(lightfield.NotFoundError):
            sdk.list.retrieve(made.id)
    else:
        assert sdk.list.retrieve(made.id).fields["$name"].value == made.fields["$name"].value
    assert refusal(served_sdk, lambda: sdk.list.update(made.id, fields={"$name": "x"}))[0] == 404
    assert refusal(served_sdk, lambda: sdk.list.list_accounts(made.id))[0] == 404
    restore = raw(served_sdk, "POST", f"/v1/lists/{made.id}/restore", json={})
    assert restore.status_code == 404  # "may be restored from the Lightfield UI" only
    assert raw(served_sdk, "GET", "/v1/lists/definitions").status_code == 404


@pytest.mark.parametrize(
    "fields, relationships, expected",
    [
        ({"$objectType": "$account"}, None, (422, "parameter_missing", "fields.name")),
        ({"$name": "x"}, None, (422, "parameter_missing", "fields.objectType")),
        ({"$name": "x", "$objectType": "$meeting"}, None, (400, "invalid_type", "fields.$objectType")),
        ({"$name": "x", "$objectType": "$account"}, {"$accounts": CONTACT},
         (400, "invalid_type", "relationships.$accounts")),
        ({"$name": "x", "$objectType": "$account"}, {"$contacts": CONTACT},
         (422, "invalid_configuration", "relationships.$contacts")),
        ({"$name": "x", "$objectType": "$account"}, {"$accounts": "acc_cmissing00000000000000"},
         (422, "relationship_entity_missing", "relationships.$accounts")),
        ({"$name": "x", "$objectType": "$account"}, {"$members": "acc_cmissing00000000000000"},
         (400, "unknown_relationship", "relationships.$members")),
        ({"$name": "x", "$objectType": "$opportunity", "$kind": "target"}, None,
         (422, "invalid_configuration", "fields.$kind")),
        ({"$name": "x", "$objectType": "$account", "$kind": "favourite"}, None,
         (400, "invalid_type", "fields.$kind")),
    ],
)
def test_refused_creates(served_sdk: ServedSdk, fields: dict[str, Any], relationships: dict[str, Any] | None,
                         expected: tuple[int, str, str]) -> None:
    extra = {} if relationships is None else {"relationships": relationships}
    assert refusal(served_sdk, lambda: served_sdk.sdk.list.create(fields=fields, **extra)) == expected  # type: ignore[arg-type]


def test_refused_updates(served_sdk: ServedSdk) -> None:
    sdk = served_sdk.sdk
    member = new_accounts(sdk, 1)[0]
    made = sdk.list.create(fields={"$name": unique("Fixed"), "$objectType": "$account"},
                           relationships={"$accounts": member})
    assert refusal(served_sdk, lambda: sdk.list.update(
        made.id, relationships={"$accounts": {"replace": member}})) == (400, "invalid_type", "relationships.$accounts")
    assert refusal(served_sdk, lambda: sdk.list.update(
        made.id, relationships={"$contacts": {"add": CONTACT}})) == (
        422, "invalid_configuration", "relationships.$contacts")
    changed_type = raw(served_sdk, "POST", f"/v1/lists/{made.id}", json={"fields": {"$objectType": "$contact"}})
    assert changed_type.status_code == 422
    assert refusal(served_sdk, lambda: sdk.list.update(made.id, fields={"$name": ""}))[:2] == (
        422, "parameter_missing")
    assert [a.id for a in sdk.list.list_accounts(made.id).data] == [member]


def test_rate_categories_and_idempotency(served_sdk: ServedSdk) -> None:
    sdk = served_sdk.sdk
    key = {"Idempotency-Key": unique("list").replace(" ", "-")}
    body = {"fields": {"$name": unique("Once"), "$objectType": "$account"}}
    first = sdk.list.with_raw_response.create(**body, extra_headers=key)  # type: ignore[arg-type]
    again = sdk.list.with_raw_response.create(**body, extra_headers=key)  # type: ignore[arg-type]
    list_id = first.parse().id
    assert again.parse().id == list_id
    assert first.headers["X-RateLimit-Limit"] == RATE_LIMIT_BY_CATEGORY["Write"]
    assert sdk.list.with_raw_response.retrieve(list_id).headers["X-RateLimit-Limit"] == RATE_LIMIT_BY_CATEGORY["Read"]
    for read in (sdk.list.with_raw_response.list, lambda: sdk.list.with_raw_response.list_accounts(list_id)):
        assert read().headers["X-RateLimit-Limit"] == RATE_LIMIT_BY_CATEGORY["Search"]
    readonly = served_sdk.with_key(READONLY_KEY)  # accounts:read but not lists:read
    assert refusal(served_sdk, lambda: readonly.list.list_accounts(list_id))[0] == 403


@pytest.mark.anyio
async def test_member_reads_need_the_members_read_scope(tmp_path, api_mode: str) -> None:
    with app_with_keys(tmp_path, [{"key": "sk_lf_all", "scopes": "all"},
                                  {"key": "sk_lf_lists", "scopes": ["lists:read", "contacts:read"]}], api_mode) as app:
        async with client_for(app, "sk_lf_all", api_mode) as client:
            made = await client.post("/v1/lists", json={"fields": {"$name": "A", "$objectType": "$account"}})
            list_id = made.json()["id"]
        async with client_for(app, "sk_lf_lists", api_mode) as reader:
            assert (await reader.get(f"/v1/lists/{list_id}")).status_code == 200
            assert (await reader.get(f"/v1/lists/{list_id}/contacts")).status_code == 200
            refused = await reader.get(f"/v1/lists/{list_id}/accounts")
            assert error_of(refused)[0] == 403 and "accounts:read" in refused.text
            assert error_of(await reader.post("/v1/lists", json={"fields": {"$name": "B"}}))[0] == 403


def test_one_target_list_per_organisation(served_sdk: ServedSdk) -> None:
    sdk = served_sdk.sdk
    target = sdk.list.create(fields={"$name": unique("APG"), "$objectType": "$account", "$kind": "target"})
    assert target.fields["$kind"].value == "target"
    second = sdk.list.create(fields={"$name": unique("Other"), "$objectType": "$contact"})
    assert refusal(served_sdk, lambda: sdk.list.update(second.id, fields={"$kind": "target"})) == (
        422, "invalid_configuration", "fields.$kind")
    assert "$kind" not in sdk.list.update(target.id, fields={"$kind": None}).fields  # null clears it
    assert sdk.list.update(second.id, fields={"$kind": "target"}).fields["$kind"].value == "target"
