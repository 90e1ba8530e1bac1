"""Field history as the docs describe it (`GET /v1/accounts/{id}/fields/{key}/history?after&limit` ->
`{data: [{value, valueType, displayValue, recordedAt, isCreate}], hasMore, nextCursor}`, newest
first), in both API modes: every write records its entries at the emulator's clock, whoever sends
it; pages follow `after`/`limit`; the column-backed `$name` is refused (decision 20)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from lfsync.emulator import EmulatorConfig

from .emulator_helpers import create, error_of

pytestmark = pytest.mark.anyio

ENTRY_KEYS = {"value", "valueType", "displayValue", "recordedAt", "isCreate"}


def stamp(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, timezone.utc)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


async def test_every_write_is_recorded_at_the_emulators_clock_newest_first(connect, clock, api_mode) -> None:
    client = connect(EmulatorConfig(clock=clock, docs_literal=api_mode == "docs-literal"))
    start = clock()
    record = await create(client, fields={"tier": "smb"})
    clock.advance(3600)
    edited = (await client.post(f"/v1/accounts/{record['id']}", json={"fields": {"tier": "Enterprise"}})).json()
    clock.advance(60)
    assert (await client.delete(f"/v1/accounts/{record['id']}")).status_code == 200  # trash: no field changes
    assert (await client.post(f"/v1/accounts/{record['id']}/restore")).status_code == 200

    page = (await client.get(f"/v1/accounts/{record['id']}/fields/tier/history")).json()
    assert set(page) == {"data", "hasMore", "nextCursor"}
    assert all(set(entry) == ENTRY_KEYS for entry in page["data"])
    assert [(e["displayValue"], e["recordedAt"], e["isCreate"]) for e in page["data"]] == [
        ("enterprise", stamp(start + 3600), False),
        ("smb", stamp(start), True),
    ]
    assert page["data"][0]["recordedAt"] == edited["updatedAt"]  # the time that stamps the record
    assert page["data"][0]["value"] == edited["fields"]["tier"]["value"]  # the option ID, as records hold it
    assert {e["valueType"] for e in page["data"]} == {"SINGLE_SELECT"}
    assert page["hasMore"] is False and page["nextCursor"] is None


async def test_pages_follow_after_and_limit_to_the_oldest_entry(connect, clock, api_mode) -> None:
    client = connect(EmulatorConfig(clock=clock, docs_literal=api_mode == "docs-literal"))
    record = await create(client, fields={"icp-score": 0})
    for score in range(1, 5):
        clock.advance(10)
        await client.post(f"/v1/accounts/{record['id']}", json={"fields": {"icp-score": score}})
    url = f"/v1/accounts/{record['id']}/fields/icp-score/history"
    seen, after, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"after": after} if after else {})}
        page = (await client.get(url, params=params)).json()
        pages += 1
        seen += [entry["value"] for entry in page["data"]]
        assert not any(entry["isCreate"] for entry in page["data"])  # never on a paginated page
        if not page["hasMore"]:
            assert page["nextCursor"] is None
            break
        assert isinstance(page["nextCursor"], str) and len(page["data"]) == 2
        after = page["nextCursor"]
    assert seen == [4, 3, 2, 1, 0] and pages == 3
    whole = (await client.get(url, params={"limit": 100})).json()
    assert [e["value"] for e in whole["data"]] == [4, 3, 2, 1, 0] and whole["data"][-1]["isCreate"] is True


async def test_refusals_in_the_modes_error_shape(connect) -> None:
    client = connect()
    record = await create(client, fields={"tier": "smb"})
    column_backed = await client.get(f"/v1/accounts/{record['id']}/fields/$name/history")
    assert error_of(column_backed) == (400, "invalid_type", "fieldKey")
    escaped = await client.get(f"/v1/accounts/{record['id']}/fields/%24name/history")
    assert error_of(escaped) == (400, "invalid_type", "fieldKey")
    missing = await client.get("/v1/accounts/acc_c00000000000000000000/fields/tier/history")
    assert missing.status_code == 404
    bad_cursor = await client.get(f"/v1/accounts/{record['id']}/fields/tier/history", params={"after": "x"})
    assert error_of(bad_cursor) == (400, "invalid_type", "after")
    never_set = (await client.get(f"/v1/accounts/{record['id']}/fields/renewalDate/history")).json()
    assert never_set == {"data": [], "hasMore": False, "nextCursor": None}
