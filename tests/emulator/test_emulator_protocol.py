"""Transport behaviour in-process: auth, headers, rate limits, idempotency, faults, storage."""

from __future__ import annotations

import asyncio
import sqlite3

import httpx
import pytest

from lfsync.api.client import retry_after_seconds
from lfsync.emulator import EmulatorConfig, create_app
from lfsync.emulator.decisions import DOCS_LITERAL_IN_FLIGHT_BODY

from .emulator_helpers import DEV_KEY, READONLY_KEY, client_for, create, error_details, error_of, is_literal

pytestmark = pytest.mark.anyio
ACCOUNT = {"fields": {"$name": "Acme"}}


async def test_auth_scopes_and_version_in_that_order(connect) -> None:
    client = connect()
    assert error_of(await client.get("/v1/accounts", headers={"Authorization": "Bearer sk_lf_nope"}))[0] == 401
    assert error_of(await client.get("/v1/accounts", headers={"Authorization": ""}))[0] == 401
    readonly = connect(key=READONLY_KEY)
    assert error_of(await readonly.post("/v1/accounts", json=ACCOUNT, headers={"Lightfield-Version": "x"}))[0] == 403
    assert error_of(await readonly.get("/v1/accounts", params={"status": "trashed"}))[0] == 403
    assert (await readonly.get("/v1/accounts")).status_code == 200
    assert error_of(await client.get("/v1/accounts", headers={"Lightfield-Version": "2025-01-01"})) == (
        400, "version_header", "Lightfield-Version")
    response = await client.get("/v1/nothing-here")
    assert error_of(response) == (404, None, None)
    assert error_details(response)["type"] == "not_found"


async def test_every_response_has_request_id_and_rate_limit_headers(connect) -> None:
    """X-RateLimit-* are documented; X-Request-Id is the emulator's own (not in docs-literal mode)."""
    client = connect(write_rate=5)
    responses = [
        await client.post("/v1/accounts", json=ACCOUNT),
        await client.post("/v1/accounts", json={}),
        await client.get("/v1/accounts", headers={"Authorization": "Bearer bad"}),
        await client.get("/v1/missing"),
    ]
    ids = set()
    for response in responses:
        ids.add(response.headers.get("X-Request-Id"))
        assert all(name in response.headers for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"))
    assert ids == {None} if is_literal(client) else len(ids) == len(responses)
    assert responses[0].headers["X-RateLimit-Limit"] == "5"
    assert responses[0].headers["X-RateLimit-Remaining"] == "4"


async def test_json_content_type_is_required_but_empty_delete_and_restore_bodies_pass(connect) -> None:
    client = connect()
    response = await client.post("/v1/accounts", content=b'{"fields": {"$name": "A"}}',
                                 headers={"Content-Type": "text/plain"})
    assert error_of(response) == (415, None, None)
    assert error_details(response)["type"] == "unsupported_media_type"
    broken = await client.post("/v1/accounts", content=b"{", headers={"Content-Type": "application/json"})
    assert error_of(broken) == (400, "invalid_type", "body")
    record = await create(client)
    json_header = {"Content-Type": "application/json"}
    assert (await client.delete(f"/v1/accounts/{record['id']}", headers=json_header)).status_code == 200
    assert (await client.post(f"/v1/accounts/{record['id']}/restore", headers=json_header)).status_code == 200
    assert (await client.post(f"/v1/accounts/{record['id']}/restore", json={})).status_code == 200


async def test_rate_limit_answers_429_with_retry_after_and_refills(connect, clock) -> None:
    client = connect(clock=clock, write_rate=3, read_rate=100)
    statuses = [(await client.post("/v1/accounts", json=ACCOUNT)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = await client.post("/v1/accounts", json=ACCOUNT)
    assert error_of(limited) == (429, None, None)
    assert error_details(limited)["type"] == "too_many_requests"
    retry_after = limited.headers["Retry-After"]
    if is_literal(client):  # decision 23: the HTTP-date form
        assert retry_after.endswith(" GMT") and 1 <= retry_after_seconds(retry_after, now=clock) <= 2
    else:
        assert int(retry_after) >= 1
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert int(limited.headers["X-RateLimit-Reset"]) >= int(clock.now) + 1
    assert (await client.get("/v1/accounts/definitions")).status_code == 200  # other category
    clock.advance(0.34)
    assert (await client.post("/v1/accounts", json=ACCOUNT)).status_code == 200


async def test_401_and_403_take_no_tokens(connect) -> None:
    app = create_app(EmulatorConfig(write_rate=1))
    readonly, dev = client_for(app, READONLY_KEY), client_for(app, DEV_KEY)
    for _ in range(3):
        assert (await readonly.post("/v1/accounts", json=ACCOUNT)).status_code == 403
        assert (await dev.post("/v1/accounts", json=ACCOUNT, headers={"Authorization": "Bearer x"})).status_code == 401
    assert (await dev.post("/v1/accounts", json=ACCOUNT)).status_code == 200
    app.state.emulator.close()


async def test_idempotent_create_replays_and_expires_after_24h(connect, clock) -> None:
    client = connect(clock=clock)
    headers = {"Idempotency-Key": "create-acme"}
    first = await client.post("/v1/accounts", json=ACCOUNT, headers=headers)
    second = await client.post("/v1/accounts", json={"fields": {"$name": "Other"}}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers.get("Idempotent-Replayed") == (None if is_literal(client) else "true")
    assert "Idempotent-Replayed" not in first.headers
    # Scoped by operation type: the same key on an update is a different entry.
    update = await client.post(f"/v1/accounts/{first.json()['id']}", json={"fields": {"region": "x"}}, headers=headers)
    assert "Idempotent-Replayed" not in update.headers and update.json()["fields"]["region"]["value"] == "x"
    clock.advance(24 * 3600 - 1)
    assert (await client.post("/v1/accounts", json=ACCOUNT, headers=headers)).json() == first.json()
    clock.advance(2)
    fresh = await client.post("/v1/accounts", json=ACCOUNT, headers=headers)
    assert fresh.json()["id"] != first.json()["id"]
    assert (await client.get("/v1/accounts")).json()["totalCount"] == 2


async def test_a_write_forgets_every_expired_idempotency_entry(connect, clock) -> None:
    client = connect(clock=clock)
    for number in range(3):
        await client.post("/v1/accounts", json=ACCOUNT, headers={"Idempotency-Key": f"old-{number}"})
    clock.advance(3600)
    await client.post("/v1/accounts", json=ACCOUNT, headers={"Idempotency-Key": "newer"})
    emulator = client._transport.app.state.emulator  # type: ignore[attr-defined]

    def keys() -> list[str]:
        return sorted(row[0] for row in emulator.store.execute("SELECT key FROM idempotency_keys").fetchall())

    assert keys() == ["newer", "old-0", "old-1", "old-2"]
    clock.advance(24 * 3600 - 1800)  # the old entries are past 24 h, the newer one is not
    await client.post("/v1/accounts", json=ACCOUNT, headers={"Idempotency-Key": "latest"})
    assert keys() == ["latest", "newer"]


async def test_idempotency_key_too_long(connect) -> None:
    response = await connect().post("/v1/accounts", json=ACCOUNT, headers={"Idempotency-Key": "k" * 256})
    assert error_of(response) == (400, "idempotency_key_too_long", "Idempotency-Key")
    ok = await connect().post("/v1/accounts", json=ACCOUNT, headers={"Idempotency-Key": "k" * 255})
    assert ok.status_code == 200


async def test_same_key_in_flight_is_409(connect) -> None:
    client = connect(latency_ms=200)
    headers = {"Idempotency-Key": "slow"}
    first, second = await asyncio.gather(
        client.post("/v1/accounts", json=ACCOUNT, headers=headers),
        _after(0.05, client.post("/v1/accounts", json=ACCOUNT, headers=headers)),
    )
    assert first.status_code == 200
    if is_literal(client):  # exactly the idempotency page's example
        assert second.status_code == 409 and second.json() == DOCS_LITERAL_IN_FLIGHT_BODY
    else:
        assert error_of(second) == (409, "idempotency_conflict", "Idempotency-Key")
        assert error_details(second)["type"] == "conflict"
    replay = await client.post("/v1/accounts", json=ACCOUNT, headers=headers)
    assert replay.json()["id"] == first.json()["id"]


async def _after(seconds: float, awaitable):
    await asyncio.sleep(seconds)
    return await awaitable


async def test_failed_originals_are_not_cached(connect) -> None:
    client = connect()
    headers = {"Idempotency-Key": "fix-and-retry"}
    failed = await client.post("/v1/accounts", json={"fields": {"tier": "platinum"}}, headers=headers)
    assert failed.status_code == 400
    retried = await client.post("/v1/accounts", json=ACCOUNT, headers=headers)
    assert retried.status_code == 200 and "Idempotent-Replayed" not in retried.headers


async def test_fail_rate_stores_nothing(connect) -> None:
    client = connect(fail_rate=1, seed=7, read_rate=1000, search_rate=1000)
    for _ in range(5):
        response = await client.post("/v1/accounts", json=ACCOUNT, headers={"Idempotency-Key": "k"})
        assert response.status_code in (500, 503)
        assert error_details(response)["type"] in ("internal_server_error", "service_unavailable")
    emulator = client._transport.app.state.emulator  # type: ignore[attr-defined]
    assert emulator.store.list_accounts(trashed=False) == []
    assert emulator.store.execute("SELECT COUNT(*) FROM idempotency_keys").fetchone()[0] == 0


async def test_faults_are_reproducible_with_a_seed(connect) -> None:
    async def statuses(seed: int) -> list[int]:
        client = connect(fail_rate=0.5, seed=seed, read_rate=1000)
        return [(await client.get("/v1/accounts/definitions")).status_code for _ in range(20)]

    assert await statuses(3) == await statuses(3)
    assert set(await statuses(3)) & {500, 503}


async def test_drop_after_commit_stores_the_write_and_its_idempotency_entry(connect) -> None:
    client = connect(drop_after_commit_rate=1)
    headers = {"Idempotency-Key": "dropped"}
    dropped = await client.post("/v1/accounts", json=ACCOUNT, headers=headers)
    assert dropped.status_code == 500
    listing = await client.get("/v1/accounts")
    assert listing.json()["totalCount"] == 1
    replay = await client.post("/v1/accounts", json=ACCOUNT, headers=headers)
    assert replay.status_code == 200 and replay.headers.get("Idempotent-Replayed") == (
        None if is_literal(client) else "true")
    assert replay.json()["id"] == listing.json()["data"][0]["id"]
    assert (await client.get("/v1/accounts")).json()["totalCount"] == 1


async def test_data_and_idempotency_survive_a_restart(tmp_path) -> None:
    db = tmp_path / "local.db"
    app = create_app(EmulatorConfig(db_path=str(db)))
    client = client_for(app)
    first = await client.post("/v1/accounts", json=ACCOUNT, headers={"Idempotency-Key": "durable"})
    await client.post(f"/v1/accounts/{first.json()['id']}", json={"fields": {"region": "EMEA"}})
    app.state.emulator.close()
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    reopened = create_app(EmulatorConfig(db_path=str(db)))
    client = client_for(reopened)
    record = (await client.get(f"/v1/accounts/{first.json()['id']}")).json()
    assert record["fields"]["region"]["value"] == "EMEA"
    replay = await client.post("/v1/accounts", json=ACCOUNT, headers={"Idempotency-Key": "durable"})
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json()["id"] == record["id"]
    history = (await client.get(f"/v1/accounts/{record['id']}/fields/region/history")).json()
    assert [e["value"] for e in history["data"]] == ["EMEA"]
    reopened.state.emulator.close()


async def test_abandoned_in_flight_claim_of_a_dead_process_is_reclaimed(tmp_path) -> None:
    db = tmp_path / "local.db"
    app = create_app(EmulatorConfig(db_path=str(db)))
    emulator = app.state.emulator
    emulator.store.execute(
        "INSERT INTO idempotency_keys (org_id, operation, key, state, owner, claimed_at) VALUES (?, ?, ?, ?, ?, ?)",
        (emulator.org.id, "accounts.create", "crashed", "in_flight",
         f"{emulator.idempotency.owner.split(':')[0]}:999999999:gone", emulator.config.clock()),
    )
    response = await client_for(app).post("/v1/accounts", json=ACCOUNT, headers={"Idempotency-Key": "crashed"})
    assert response.status_code == 200
    emulator.close()


async def test_concurrent_creates(connect) -> None:
    client = connect(write_rate=1000, latency_ms=5, latency_jitter_ms=10)
    responses = await asyncio.gather(
        *(client.post("/v1/accounts", json={"fields": {"$name": f"A{i}"}}) for i in range(40))
    )
    assert all(r.status_code == 200 for r in responses)
    assert len({r.json()["id"] for r in responses}) == 40
    same_key = await asyncio.gather(
        *(client.post("/v1/accounts", json=ACCOUNT, headers={"Idempotency-Key": "race"}) for _ in range(10))
    )
    assert {r.status_code for r in same_key} <= {200, 409}
    assert len({r.json()["id"] for r in same_key if r.status_code == 200}) == 1
    assert (await client.get("/v1/accounts", params={"$name": "Acme"})).json()["totalCount"] == 1


async def test_members_and_auth_validate(connect) -> None:
    client = connect()
    members = (await client.get("/v1/members", params={"limit": 2})).json()
    assert members["totalCount"] == 3 and len(members["data"]) == 2
    member = (await client.get(f"/v1/members/{members['data'][0]['id']}")).json()
    assert isinstance(member["fields"]["$email"]["value"], str)
    assert error_of(await client.get("/v1/members/mem_cnobody")) == (404, None, None)
    assert (await client.get("/v1/auth/validate")).json() == {
        "active": True, "scopes": [], "subjectType": "workspace", "tokenType": "api_key"}
    readonly = (await connect(key=READONLY_KEY).get("/v1/auth/validate")).json()
    assert readonly["scopes"] == ["accounts:read", "members:read"]


async def test_http_link_opens_a_read_only_page(connect) -> None:
    client = connect()
    record = await create(client)
    page = await client.get(record["httpLink"].replace("http://lightfield.local", ""))
    assert page.status_code == 200 and "Acme" in page.text


async def test_gateway_timeout_answers_504_while_the_write_runs_on(connect) -> None:
    """The 504 comes at once; a prompt retry with the same key meets the in-flight write (409),
    a retry after it finished gets the replay: one account, whatever the mode."""
    client = connect(gateway_timeout_rate=1, latency_ms=1000, seed=1)  # long: no stall can overtake it
    headers = {"Idempotency-Key": "through-a-gateway"}
    timed_out = await client.post("/v1/accounts", json=ACCOUNT, headers=headers)
    assert error_of(timed_out) == (504, None, None)
    assert error_details(timed_out)["type"] == "gateway_timeout"
    in_flight = await client.post("/v1/accounts", json=ACCOUNT, headers=headers)
    assert in_flight.status_code == 409
    emulator = client._transport.app.state.emulator  # type: ignore[attr-defined]
    await emulator.finish_background_writes()
    replay = await client.post("/v1/accounts", json=ACCOUNT, headers=headers)
    assert replay.status_code == 200
    assert [row.id for row in emulator.store.list_accounts(trashed=False)] == [replay.json()["id"]]


async def test_a_refused_write_behind_a_gateway_timeout_is_not_kept(connect) -> None:
    client = connect(gateway_timeout_rate=1, seed=1)
    headers = {"Idempotency-Key": "invalid-behind-a-gateway"}
    assert (await client.post("/v1/accounts", json={"fields": {"tier": "platinum"}}, headers=headers)).status_code == 504
    await client._transport.app.state.emulator.finish_background_writes()  # type: ignore[attr-defined]
    client = connect()
    assert (await client.get("/v1/accounts")).json()["totalCount"] == 0


async def test_bodies_above_one_mebibyte_are_refused_before_parsing(connect) -> None:
    client = connect()
    padding = "x" * (1024 * 1024)
    too_big = await client.post("/v1/accounts", json={"fields": {"$name": "Big", "notes": padding}})
    assert error_of(too_big) == (413, "payload_too_large", "body")

    async def chunks():  # no Content-Length: the limit holds while streaming too
        for _ in range(3):
            yield b" " * (512 * 1024)

    streamed = await client.post("/v1/accounts", content=chunks(), headers={"Content-Type": "application/json"})
    assert error_of(streamed) == (413, "payload_too_large", "body")
    assert (await client.get("/v1/accounts")).json()["totalCount"] == 0


@pytest.mark.parametrize("depth", [33, 100_000])
async def test_deeply_nested_json_is_a_400_not_a_500(connect, depth) -> None:
    client = connect()
    nested = "[" * depth + "]" * depth
    body = '{"fields": {"$name": "Deep", "notes": ' + nested + "}}"
    response = await client.post("/v1/accounts", content=body.encode(), headers={"Content-Type": "application/json"})
    assert error_of(response) == (400, "invalid_type", "body")


async def test_the_keyless_account_page_answers_loopback_clients_only(connect) -> None:
    client = connect()
    record = await create(client)
    path = record["httpLink"].replace("http://lightfield.local", "")
    app = client._transport.app  # type: ignore[attr-defined]
    remote = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("203.0.113.7", 40000)),
                               base_url="http://lightfield.local")
    refused = await remote.get(path)
    assert refused.status_code == 403 and "Acme" not in refused.text
    assert (await client.get(path)).status_code == 200  # ASGITransport's client is 127.0.0.1
