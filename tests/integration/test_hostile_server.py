"""lfsync against a hostile or broken server: a small ASGI proxy on 127.0.0.1 in front of the
emulator (served on loopback as well) that answers every request through the emulator, then bends
the answers as its `mode` says. In every mode lfsync stops with a clear error naming what went
wrong, or finishes; never a hang, a MemoryError or an ID put into a URL.

The bounds are shortened for the tests (`LightfieldClient`'s DEFAULT_BOUNDS is replaced), so a
slow drip or an endless body is cut off in a second, not a minute; no assertion reads a clock."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn

from lfsync.api import client as api_client
from lfsync.api.bounds import Bounds
from lfsync.emulator import EmulatorConfig
from lfsync.emulator.serving import base_url, bind_socket
from lfsync.emulator.testing import serve_in_thread

pytestmark = pytest.mark.timeout(60)  # a safety net for a regression that hangs, not an assertion

KEY = "sk_lf_local_dev"
TEST_BOUNDS = Bounds(deadline=1.0, max_body_bytes=256 * 1024, max_retry_after=0.5)
DRIP_INTERVAL = 0.2  # seconds between the bytes of a slow-drip answer


class HostileProxy:
    """An ASGI app forwarding to `upstream`, bending the answers as `mode` says."""

    def __init__(self, upstream: str):
        self.upstream = upstream
        self.mode = "pass"
        self.stopping = threading.Event()
        self.requests: list[str] = []  # "METHOD path?query" of every request seen
        self.endless_bytes = 0  # bytes of endless bodies sent before their clients hung up
        self.held = threading.Event()  # set once a create is held (hang-writes) or throttled (throttle-writes)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        method, path, query = scope["method"], scope["path"], scope["query_string"].decode()
        self.requests.append(f"{method} {path}?{query}")
        create = method == "POST" and path == "/v1/accounts"
        if self.mode == "throttle-writes" and create:  # not forwarded: a 429 asking for a minute's wait
            await send({"type": "http.response.start", "status": 429, "headers": [
                (b"content-type", b"application/json"), (b"retry-after", b"60")]})
            await send({"type": "http.response.body", "body": b'{"type": "rate_limit_error", "message": "slow down"}'})
            self.held.set()
            return
        headers = {k.decode(): v.decode() for k, v in scope["headers"] if k.decode() not in ("host", "content-length")}
        async with httpx.AsyncClient(base_url=self.upstream) as upstream:
            answer = await upstream.request(method, path, params=query or None, content=body, headers=headers)
        status, content = answer.status_code, answer.content
        extra: list[tuple[bytes, bytes]] = []
        mode = self.mode
        if mode == "hang-writes" and create:  # the create landed; its answer never comes
            self.held.set()
            while not self.stopping.is_set():
                await asyncio.sleep(0.05)
            return
        listing = method == "GET" and path in ("/v1/accounts", "/v1/members")
        if mode == "slow-drip":
            return await self._drip(send, status, content)
        if mode == "endless-body":
            return await self._endless(send, status, receive)
        if mode in ("endless-pages", "endless-pages-huge-total") and listing:
            offset = int(dict(pair.split("=", 1) for pair in query.split("&") if "=" in pair).get("offset", 0))
            total = 30 if mode == "endless-pages" else 10**12
            content = _page([_record(path, f"page{offset}n{n}") for n in range(25)], total=total)
        elif mode == "repeated-ids" and listing:
            content = _page([_record(path, f"same{n}") for n in range(25)], total=1000)
        elif mode == "absurd-rate-limits":
            extra = [(b"x-ratelimit-limit", b"1e-9"), (b"x-ratelimit-remaining", b"-1000000"),
                     (b"x-ratelimit-reset", b"99999999999")]
        elif mode == "unsafe-ids" and listing and path == "/v1/members":
            content = _page([_record(path, "x/../../auth/validate?x=1#y")], total=1)
        elif mode == "create-answers-another" and method == "POST" and path == "/v1/accounts":
            other = json.loads(content)
            other["id"] = "acc_cs0meb0dyelse"
            other["fields"]["$name"] = {"value": "Somebody Else", "valueType": "TEXT"}
            content = json.dumps(other).encode()
        elif mode == "update-answers-another" and method == "POST" and path.startswith("/v1/accounts/"):
            other = json.loads(content)
            other["id"] = "acc_cs0meb0dyelse"
            content = json.dumps(other).encode()
        elif mode == "wrong-shape" and listing:
            content = json.dumps({"data": {"not": "a list"}, "totalCount": "many"}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), *extra]})
        await send({"type": "http.response.body", "body": content})

    async def _drip(self, send: Any, status: int, content: bytes) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]})
        for index in range(len(content)):
            if self.stopping.is_set():
                return
            await send({"type": "http.response.body", "body": content[index:index + 1], "more_body": True})
            await asyncio.sleep(DRIP_INTERVAL)
        await send({"type": "http.response.body", "body": b""})

    async def _endless(self, send: Any, status: int, receive: Any) -> None:
        """64 KiB chunks until the client hangs up (counted in `endless_bytes`), 256 MiB at most."""
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
        hung_up = asyncio.ensure_future(receive())  # the request is read: the next message is http.disconnect
        chunk = b"[" + b" " * 65535
        try:
            for _ in range(4096):
                if self.stopping.is_set() or hung_up.done():
                    return
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                self.endless_bytes += len(chunk)
                await asyncio.sleep(0)
            await send({"type": "http.response.body", "body": b""})
        finally:
            hung_up.cancel()


def _record(path: str, suffix: str) -> dict:
    prefix = "mem_" if path == "/v1/members" else "acc_"
    return {"id": prefix + suffix if "/" not in suffix else suffix, "fields": {}, "relationships": {}}


def _page(records: list[dict], total: int) -> bytes:
    return json.dumps({"object": "list", "data": records, "totalCount": total}).encode()


@contextmanager
def serve_proxy(proxy: HostileProxy) -> Iterator[str]:
    sock = bind_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(proxy, log_level="critical", lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="hostile-proxy", daemon=True)
    thread.start()
    try:
        while not server.started:  # started, or the thread is gone (then the test's requests fail)
            if not thread.is_alive():
                raise RuntimeError("the hostile proxy did not start")
            time.sleep(0.005)
        yield base_url(sock)
    finally:
        proxy.stopping.set()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def hostile(cli, tmp_path, monkeypatch) -> Iterator[HostileProxy]:
    """The proxy in front of a served emulator, as the target of every CLI run (bounds shortened)."""
    monkeypatch.setattr(api_client, "DEFAULT_BOUNDS", TEST_BOUNDS)
    with serve_in_thread(EmulatorConfig(db_path=str(tmp_path / "served.db"))) as upstream:
        proxy = HostileProxy(upstream)
        with serve_proxy(proxy) as url:
            monkeypatch.setenv("LIGHTFIELD_BASE_URL", url)
            monkeypatch.setenv("LIGHTFIELD_API_KEY", KEY)
            yield proxy


@pytest.fixture
def three_accounts(make_project):
    accounts = "".join(f"  a{n}:\n    fields: {{$name: Account {n}}}\n" for n in range(3))
    return make_project({"accounts.yaml": "accounts:\n" + accounts}, settings="skip_enrichment: true\n")


def failed(result) -> str:
    """The output of a run that must have stopped with a clear error (exit 1, no traceback)."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "a bug in lfsync" not in result.output, result.output
    return result.output


def test_the_proxy_passes_answers_through_unbent(hostile, cli, three_accounts):
    result = cli("apply", three_accounts, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "3 created" in result.stdout
    assert any(request.startswith("POST /v1/accounts") for request in hostile.requests)


def test_a_slow_drip_answer_is_cut_off_at_the_request_deadline(hostile, cli, three_accounts):
    hostile.mode = "slow-drip"
    output = failed(cli("plan", three_accounts))
    assert f"no complete answer from the API within {TEST_BOUNDS.deadline:g} s" in output
    assert len(hostile.requests) == len(set(hostile.requests))  # overrunning the deadline is not retried


def test_an_endless_body_is_an_error_not_a_memory_error(hostile, cli, three_accounts):
    hostile.mode = "endless-body"
    output = failed(cli("plan", three_accounts))
    assert f"is larger than {TEST_BOUNDS.max_body_bytes} bytes" in output


def test_debug_shows_a_bounded_prefix_of_an_endless_body_and_reads_no_more_than_the_cap(hostile, cli, three_accounts):
    """--debug prints answers as the client read them: it never reads a body past the client's cap."""
    hostile.mode = "endless-body"
    result = cli("--debug", "plan", three_accounts)
    output = failed(result)
    assert f"is larger than {TEST_BOUNDS.max_body_bytes} bytes" in output
    assert f"< (body larger than {TEST_BOUNDS.max_body_bytes} bytes: not read)" in result.stderr
    assert len(result.stderr) < 64 * 1024  # headers and a short prefix per exchange, no body of megabytes
    # What was sent before lfsync hung up: the cap plus what socket buffers hold, not the proxy's 256 MiB.
    assert hostile.endless_bytes < 32 * 1024 * 1024, hostile.endless_bytes


def test_pages_that_never_end_stop_past_what_total_count_promised(hostile, cli, three_accounts):
    hostile.mode = "endless-pages"
    output = failed(cli("plan", three_accounts))
    assert "GET /v1/" in output and "pages go on past offset" in output
    assert len(hostile.requests) < 30


def test_pages_promising_a_trillion_members_stop_at_what_an_organisation_can_hold(hostile, cli, three_accounts):
    """A totalCount taken as given would page on for ever: members stop past 10,000 records."""
    hostile.mode = "endless-pages-huge-total"
    output = failed(cli("plan", three_accounts))
    assert "GET /v1/members" in output and "pages go on past offset" in output
    listed = [request for request in hostile.requests if request.startswith("GET /v1/members")]
    assert 400 < len(listed) <= (10_000 + 1_000) // 25 + 2, len(listed)


def test_a_page_repeating_ids_already_listed_is_an_error_naming_the_endpoint(hostile, cli, three_accounts):
    hostile.mode = "repeated-ids"
    output = failed(cli("plan", three_accounts))
    assert "GET /v1/" in output and "repeats" in output and "every other record on it, listed already" in output


def test_absurd_rate_limit_headers_do_not_stall_an_apply(hostile, cli, three_accounts, server_accounts):
    """One request at a time, so every write after the first meets the headers an answer brought:
    `Limit: 1e-9` and `Remaining: -1000000` taken as given would hold the second one for ages."""
    hostile.mode = "absurd-rate-limits"
    result = cli("apply", three_accounts, "--auto-approve", "--concurrency", "1")
    assert result.exit_code == 0, result.output
    assert sorted(record["fields"]["$name"]["value"] for record in server_accounts(three_accounts)) == [
        "Account 0", "Account 1", "Account 2"
    ]


def test_an_id_holding_path_query_and_fragment_characters_is_refused_before_any_url(hostile, cli, three_accounts):
    hostile.mode = "unsafe-ids"
    output = failed(cli("plan", three_accounts))
    assert "GET /v1/members" in output and "not URL-safe" in output
    assert not any("auth/validate?x" in request or request.startswith(("DELETE", "POST")) for request in hostile.requests)


def test_a_create_answered_with_another_record_stops_the_apply(hostile, cli, three_accounts, state_of):
    hostile.mode = "create-answers-another"
    output = failed(cli("apply", three_accounts, "--auto-approve"))
    assert "POST /v1/accounts" in output and "not the record just created" in output
    assert "acc_cs0meb0dyelse" not in json.dumps(state_of(three_accounts).get("resources", {}))


def test_an_update_answered_with_another_record_stops_the_apply(hostile, cli, three_accounts, state_of):
    assert cli("apply", three_accounts, "--auto-approve").exit_code == 0
    before = state_of(three_accounts)["resources"]
    (three_accounts / "accounts.yaml").write_text(
        (three_accounts / "accounts.yaml").read_text().replace("Account 1", "Account One")
    )
    hostile.mode = "update-answers-another"
    output = failed(cli("apply", three_accounts, "--auto-approve"))
    assert "account.a1" in output and "not the record updated" in output
    hostile.mode = "pass"
    after = state_of(three_accounts)["resources"]
    assert after["account.a1"]["id"] == before["account.a1"]["id"]
    assert "acc_cs0meb0dyelse" not in json.dumps(after)


def test_wrong_shaped_json_is_an_error_naming_the_endpoint(hostile, cli, three_accounts):
    hostile.mode = "wrong-shape"
    output = failed(cli("plan", three_accounts))
    assert "GET /v1/" in output and "unexpected shape" in output


def test_import_refuses_an_id_that_is_not_url_safe(hostile, cli, three_accounts):
    result = cli("import", "account.a0", "acc_x?force=1", "--dir", str(three_accounts))
    assert result.exit_code == 1 and "not URL-safe" in result.output, result.output
    assert hostile.requests == []  # refused before anything was sent
