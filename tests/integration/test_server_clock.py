"""Server time, not local time: runners whose clocks are an hour or five minutes off settle, replay and
wait exactly as a runner with the right time does, against the emulator over real HTTP.

The emulator is served in a thread of this process with a clock a test moves (`ShiftedClock`: a day
passes in a moment); lfsync runs as a separate process under libfaketime (tests/skewed.py), its own
clock off by a fixed offset. An apply "killed after its creates were sent" is made exact, not raced:
a middleware stores every create and never answers it, the test waits until all of them are stored,
then kills the process. No assertion reads a clock.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from email.utils import formatdate
from pathlib import Path

import httpx
import pytest
from skewed import DAY, HOUR, requires_faketime, run_skewed, start_skewed_apply

from lfsync.api.client import ApiError, LightfieldClient
from lfsync.api.serverclock import ServerClock, parse_imf_fixdate, parse_record_time
from lfsync.apply.applier import create_body
from lfsync.apply.recovery import RecoveryReport, settle_pending
from lfsync.config.project import load_project
from lfsync.emulator import EmulatorConfig
from lfsync.emulator.clock import ShiftedClock
from lfsync.emulator.testing import serve_in_thread, served_emulator
from lfsync.kinds.catalogue import ACCOUNT
from lfsync.operations.declared_project import load_declared
from lfsync.plan.resources import create_idempotency_key, resource_hash
from lfsync.state import workspace
from lfsync.state.records import CreateIntent
from lfsync.state.workspace import load_state, locked_state

from served import account_count, all_accounts, numbered_accounts, wait_until

pytestmark = pytest.mark.timeout(240)  # a safety net for a regression that hangs, not an assertion

ACCOUNTS = 6  # at most the apply's concurrency (8): every create is in flight when the process is killed
KEY = "sk_lf_local_dev"


class Wire:
    """What the middleware does and saw: creates held unanswered while `holding`; restores counted."""

    def __init__(self) -> None:
        self.holding = False
        self.restores = 0
        self.throttle_next = False  # answer the next request 429, Retry-After two seconds after its Date


class InFrontOfTheEmulator:
    """An ASGI middleware in front of the emulator, doing what its `Wire` says."""

    def __init__(self, app, wire: Wire, clock: ShiftedClock):
        self.app, self.wire, self.clock = app, wire, clock

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if method == "POST" and path.endswith("/restore"):
            self.wire.restores += 1
        if self.wire.throttle_next:
            self.wire.throttle_next = False
            await self._throttle(send)
            return
        if not (self.wire.holding and method == "POST" and path == "/v1/accounts"):
            await self.app(scope, receive, send)
            return

        async def swallow(message) -> None:
            pass  # the create is stored; its answer is lost

        await self.app(scope, receive, swallow)
        while (await receive())["type"] != "http.disconnect":  # until the process that sent it is killed
            pass

    async def _throttle(self, send) -> None:
        now = math.floor(self.clock())
        body = json.dumps({"type": "rate_limit_error", "message": "Too many requests."}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"date", formatdate(now, usegmt=True).encode()),
            (b"retry-after", formatdate(now + 2, usegmt=True).encode()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@contextmanager
def emulator(tmp_path: Path, docs_literal: bool = False) -> Iterator[tuple[str, Wire, ShiftedClock]]:
    """The emulator on loopback behind InFrontOfTheEmulator: its URL, the wire, its clock."""
    clock, wire = ShiftedClock(), Wire()
    config = EmulatorConfig(db_path=str(tmp_path / "emulator.db"), clock=clock, write_rate=1000, docs_literal=docs_literal)
    with serve_in_thread(config, middleware=functools.partial(InFrontOfTheEmulator, wire=wire, clock=clock)) as url:
        yield url, wire, clock


def accounts_project(make_project) -> Path:
    return make_project({"accounts.yaml": numbered_accounts(ACCOUNTS)}, settings="skip_enrichment: true\n")


def kill_after_every_create_landed(project: Path, url: str, wire: Wire, runner_offset: float) -> None:
    """An apply by a runner `runner_offset` seconds off, killed once all its creates are stored
    (none answered): every one of them is an unsettled intent in the journal."""
    wire.holding = True
    process = start_skewed_apply(project, url, runner_offset)
    try:
        assert wait_until(lambda: account_count(url) == ACCOUNTS, process), process.communicate()[0]
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        wire.holding = False
    unsettled = load_state(load_project(project, env={**os.environ, "LIGHTFIELD_BASE_URL": url})).pending
    assert len(unsettled) == ACCOUNTS  # in the backend LFSYNC_BACKEND names, if any


def apply_to_the_end(project: Path, url: str, runner_offset: float) -> str:
    process = start_skewed_apply(project, url, runner_offset)
    output, _ = process.communicate(timeout=180)
    assert process.returncode == 0, output
    return output


def names(url: str) -> list[str]:
    return sorted(record["fields"]["$name"]["value"] for record in all_accounts(url))


DECLARED = sorted(f"Crash Test {i:04d}" for i in range(ACCOUNTS))


@requires_faketime
@pytest.mark.parametrize("runner_offset", [HOUR, -HOUR], ids=["runner-1h-fast", "runner-1h-slow"])
def test_an_apply_killed_after_its_creates_and_resumed_a_day_later_creates_nothing_twice(make_project, tmp_path, runner_offset):
    """The resume comes 25 hours later by every clock, past the keys' 24 hours: recovery adopts the
    accounts the killed apply created, found by name and created since the intents (server time)."""
    project = accounts_project(make_project)
    with emulator(tmp_path) as (url, wire, clock):
        kill_after_every_create_landed(project, url, wire, runner_offset)
        clock.advance(25 * HOUR)
        output = apply_to_the_end(project, url, runner_offset + 25 * HOUR)
        assert output.count("created by an interrupted apply") == ACCOUNTS, output
        assert names(url) == DECLARED
        assert wire.restores == 0


@requires_faketime
def test_two_runners_an_hour_apart_one_killed_the_other_resuming_create_nothing_twice(make_project, tmp_path, backend):
    """Runner A (an hour fast) is killed mid-apply; runner B (on time) resumes it a day later. B must
    not read A's intents as journalled an hour after the accounts they created. State in local
    files and in PostgreSQL (runners on two machines share it there)."""
    project = accounts_project(make_project)
    with emulator(tmp_path) as (url, wire, clock):
        kill_after_every_create_landed(project, url, wire, HOUR)
        clock.advance(25 * HOUR)
        apply_to_the_end(project, url, 25 * HOUR)
        assert names(url) == DECLARED


@requires_faketime
def test_two_runners_an_hour_apart_within_the_key_window_replay_without_restores(make_project, tmp_path, backend):
    """Runner A (an hour fast) is killed; runner B (an hour slow) resumes an hour later by the server's
    clock: B re-sends with the same keys, the API replays the accounts, and nothing is restored: the
    replays were created after their intents. (Docs-literal: no replay header, which is a reason
    to restore of its own; the createdAt check alone decides.)"""
    project = accounts_project(make_project)
    with emulator(tmp_path, docs_literal=True) as (url, wire, clock):
        kill_after_every_create_landed(project, url, wire, HOUR)
        clock.advance(HOUR)
        output = apply_to_the_end(project, url, HOUR - HOUR)  # an hour slow, an hour later
        assert output.count("interrupted create settled") == ACCOUNTS, output
        assert names(url) == DECLARED
        assert wire.restores == 0


@requires_faketime
def test_a_runner_five_minutes_fast_sends_no_restore_after_its_creates(make_project, tmp_path):
    """Its intents carry the server's time, so the accounts it creates are not taken for replays of
    earlier creates (a restore after every create, each one a write of the rate limit)."""
    project = accounts_project(make_project)
    with emulator(tmp_path) as (url, wire, _):
        apply_to_the_end(project, url, 5 * 60 + 20)
        assert names(url) == DECLARED
        assert wire.restores == 0


def test_an_interrupted_create_resumed_a_day_later_with_injected_runner_clocks(make_project, tmp_path, monkeypatch):
    """In this process (libfaketime not needed): the runner journals a create an hour fast (its
    `utc_now` moved), the create lands and its answer is lost; a day later by the server's clock the
    runner, still an hour fast, settles it: adopted, not dropped and created again."""
    project = accounts_project(make_project)
    address = "account.acct-0000"
    an_hour_fast = lambda: (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat(timespec="milliseconds")  # noqa: E731
    monkeypatch.setattr(workspace, "utc_now", an_hour_fast)
    with emulator(tmp_path) as (url, _, clock):
        monkeypatch.setenv("LIGHTFIELD_BASE_URL", url)
        monkeypatch.setenv("LIGHTFIELD_API_KEY", KEY)
        declared = load_declared(project)

        def runner(offset: float) -> LightfieldClient:
            return LightfieldClient(url, KEY, server_clock=ServerClock(local=lambda: time.time() + offset))

        async def interrupted() -> str:
            async with runner(HOUR) as client:
                await client.validate_auth()
                with locked_state(declared.project, "test") as state:
                    payload = declared.desired[address].payload(state.ids())
                    digest = resource_hash(payload, address, declared.project.workspace)
                    intent = CreateIntent(address=address, idempotency_key=create_idempotency_key(digest),
                                          request=create_body(payload, True), hash=digest, applied=payload)
                    journalled = state.begin(intent, client.server_clock.now())
                answer = await client.create(ACCOUNT, journalled.request, journalled.idempotency_key)  # then lost
                return answer.record.id if answer.record else ""

        async def resumed() -> RecoveryReport:
            async with runner(25 * HOUR + HOUR) as client:
                await client.validate_auth()
                with locked_state(declared.project, "test") as state:
                    report = await settle_pending(client, state)
                    state.compact()
                return report

        landed = asyncio.run(interrupted())
        clock.advance(25 * HOUR)
        report = asyncio.run(resumed())
        assert report.settled == [f"{address}: adopted {landed}, created by an interrupted apply"], report
        assert load_state(declared.project).resources[address].id == landed


THROTTLED_REQUEST = """
import asyncio, json, sys
from lfsync.api.client import ApiError, LightfieldClient

async def main(url):
    async with LightfieldClient(url, "sk_lf_local_dev") as client:
        try:
            await client.request("GET", "/v1/accounts", category="search")
        except ApiError as error:
            bucket = client.pacer.buckets["search"]
            print(json.dumps([error.status, error.retry_after, bucket.paused_until - bucket.clock()]))

asyncio.run(main(sys.argv[1]))
"""


def check_two_seconds(status: int, retry_after: float | None, paused: float) -> None:
    assert status == 429
    assert retry_after == 2.0  # the Retry-After date less the answer's Date, whatever the runner's clock says
    assert 0 < paused <= 2.0  # the pacer holds the category that long, not a clamped minute


@requires_faketime
@pytest.mark.parametrize("runner_offset", [-HOUR, HOUR], ids=["runner-1h-slow", "runner-1h-fast"])
def test_a_retry_after_date_is_measured_from_the_answers_date_in_a_skewed_runner(tmp_path, runner_offset):
    """A runner an hour slow read `Retry-After: <date>` as an hour and a bit (a minute, clamped)."""
    script = tmp_path / "throttled.py"
    script.write_text(THROTTLED_REQUEST)
    with emulator(tmp_path) as (url, wire, _):
        wire.throttle_next = True
        result = run_skewed([sys.executable, str(script), url], url, runner_offset)
    assert result.returncode == 0, result.stderr
    check_two_seconds(*json.loads(result.stdout))


def test_a_retry_after_date_is_measured_from_the_answers_date_with_an_injected_runner_clock(tmp_path):
    """In this process, the runner's clock an hour slow by injection (libfaketime not needed)."""
    with emulator(tmp_path) as (url, wire, _):

        async def throttled() -> tuple[int, float | None, float]:
            slow = ServerClock(local=lambda: time.time() - HOUR)
            async with LightfieldClient(url, KEY, server_clock=slow) as client:
                await client.validate_auth()
                wire.throttle_next = True
                with pytest.raises(ApiError) as refused:
                    await client.request("GET", "/v1/accounts", category="search")
                bucket = client.pacer.buckets["search"]
                return refused.value.status, refused.value.retry_after, bucket.paused_until - bucket.clock()

        check_two_seconds(*asyncio.run(throttled()))


def test_the_emulator_clock_offset_moves_its_date_header_and_its_records(tmp_path):
    """`lfsync emulator serve --clock-offset` a day ahead: one Date header, the emulator's, and
    createdAt on the same clock."""
    headers = {"Authorization": f"Bearer {KEY}", "Lightfield-Version": "2026-03-01", "Idempotency-Key": "k-1"}
    with served_emulator(tmp_path / "ahead.db", "--clock-offset", str(DAY)) as url:
        created = httpx.post(f"{url}/v1/accounts", json={"fields": {"$name": "Tomorrow"}}, headers=headers)
    assert created.is_success, created.text
    dates = created.headers.get_list("date")
    assert len(dates) == 1
    said = parse_imf_fixdate(dates[0])
    assert said is not None and DAY - 60 < said.timestamp() - time.time() <= DAY + 1
    made = parse_record_time(created.json()["createdAt"])
    assert made is not None and abs((made - said).total_seconds()) < 2
