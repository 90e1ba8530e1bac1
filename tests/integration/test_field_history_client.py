"""lfsync's client reading field history from an in-process emulator, in both API modes: one page at
a time through the client's reads (pacing, retries, bounds), and the drift reads that are decoration,
never a failure of the plan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from lfsync.api.client import ApiError, LightfieldClient, RetryPolicy
from lfsync.api.history import read_field_history
from lfsync.emulator import EmulatorConfig, create_app
from lfsync.emulator.clock import ShiftedClock
from lfsync.emulator.testing import DOCS_LITERAL
from lfsync.kinds.catalogue import ACCOUNT, MEMBER
from lfsync.plan.drift import DriftedField
from lfsync.remote.drifthistory import read_drift_times

DEV_KEY, READONLY_KEY = "sk_lf_local_dev", "sk_lf_local_readonly"
FAST = {"write_rate": 1000, "read_rate": 1000, "search_rate": 1000}
QUICK_RETRY = RetryPolicy(attempts=2, base_delay=0.01)


@pytest.fixture
def make_app(api_mode: str) -> Iterator[Any]:
    apps: list[Starlette] = []

    def make(**fields: Any) -> Starlette:
        app = create_app(EmulatorConfig(db_path=":memory:", docs_literal=api_mode == DOCS_LITERAL, **{**FAST, **fields}))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.emulator.close()


@asynccontextmanager
async def connected(app: Starlette, key: str = DEV_KEY) -> AsyncIterator[LightfieldClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with LightfieldClient("http://lightfield.local", key, transport=transport, read_retry=QUICK_RETRY) as client:
        yield client


def test_pages_of_a_fields_history_through_the_client(make_app) -> None:
    clock = ShiftedClock(source=lambda: 1_780_000_000.0)  # moves only when told
    app = make_app(clock=clock)

    async def scenario() -> list:
        async with connected(app) as writer:
            record = (await writer.create(ACCOUNT, {"fields": {"$name": "H", "tier": "smb"}}, "h-1")).record
            for tier in ("mid-market", "enterprise"):
                clock.advance(3600)
                await writer.update(ACCOUNT, record.id, {"fields": {"tier": tier}}, None)
        async with connected(app, READONLY_KEY) as reader:  # accounts:read is enough
            first = await read_field_history(reader, ACCOUNT, record.id, "tier", limit=2)
            rest = await read_field_history(reader, ACCOUNT, record.id, "tier", limit=2, after=first.next_cursor)
            with pytest.raises(ApiError) as refused:
                await read_field_history(reader, ACCOUNT, record.id, "$name")
            return [first, rest, refused.value]

    first, rest, refused = asyncio.run(scenario())
    assert [e.display_value for e in first.entries] == ["enterprise", "mid-market"] and first.has_more
    assert [e.display_value for e in rest.entries] == ["smb"] and not rest.has_more and rest.next_cursor is None
    assert first.entries[0].recorded_at - rest.entries[0].recorded_at == timedelta(hours=2)
    assert (refused.status, refused.code, refused.param) == (400, "invalid_type", "fieldKey")


def test_a_kind_without_history_is_not_asked() -> None:
    with pytest.raises(ValueError, match="no field history of members"):
        asyncio.run(read_field_history(None, MEMBER, "mem_1", "$email"))  # type: ignore[arg-type]


def test_no_history_is_no_age_and_failures_are_counted_not_raised(make_app) -> None:
    """A missing record (404) and a column-backed field (400) have no history: no age, nothing to
    report. A server failing every read is counted for the plan's note; the plan goes on."""
    app = make_app()

    async def scenario():
        async with connected(app) as client:
            record = (await client.create(ACCOUNT, {"fields": {"$name": "H", "tier": "smb"}}, "h-2")).record
            wanted = [
                DriftedField("account.h", record.id, "tier"),
                DriftedField("account.h", record.id, "$name"),
                DriftedField("account.gone", "acc_c00000000000000000000", "tier"),
            ]
            found = await read_drift_times(client, wanted, most_reads=3)
        failing = make_app(fail_rate=1.0)
        async with connected(failing) as client:
            failed = await read_drift_times(client, wanted[:1])
        return found, failed

    found, failed = asyncio.run(scenario())
    assert list(found.changed_at) == [("account.h", "tier")]
    assert (found.not_read, found.unreadable) == (0, 0) and found.server_now is not None
    assert found.server_now - found.changed_at[("account.h", "tier")] < timedelta(minutes=5)
    assert failed.changed_at == {} and failed.unreadable == 1
