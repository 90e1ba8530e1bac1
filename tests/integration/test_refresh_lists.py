"""--refresh through list pages: the same records as one retrieve per account, in both API modes,
in-process and served, with and without a lagging search index.

The story: an hour ago (the emulator's clock moved back) lfsync created the accounts and someone
else changed one and trashed another. Now lfsync updates two of them. With a lagging index the
lists still show those two as they were an hour ago: their copies are older than lfsync's write,
so they must be retrieved fresh, not reported as drift."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from lfsync.api.client import LightfieldClient
from lfsync.api.records import ApiRecord
from lfsync.apply.applier import Applier
from lfsync.emulator import EmulatorConfig, create_app
from lfsync.emulator.clock import ShiftedClock
from lfsync.emulator.testing import DOCS_LITERAL, serve_in_thread
from lfsync.kinds.catalogue import ACCOUNT
from lfsync.operations import planning
from lfsync.operations.declared_project import learn_organisation, load_declared
from lfsync.operations.planning import build_plan
from lfsync.plan.model import RemoteRecord
from lfsync.remote.refresh import refresh_remote, retrieve_each
from lfsync.state.workspace import State, locked_state

ACCOUNTS = 30  # more than one list page
HOUR = 3600.0
INDEX_LAG_MS = 600_000.0  # ten minutes: the index shows the hour-old accounts, not this minute's writes
DRIFTED, TRASHED, UPDATED, ALSO_UPDATED, GONE, UNTIMED_DRIFTED, UNTIMED = (
    f"account.acct-{i:04d}" for i in (1, 2, 3, 4, 6, 7, 8)
)


def declarations(count: int, updated: tuple[int, ...] = ()) -> str:
    return "accounts:\n" + "".join(
        f"  acct-{i:04d}:\n    fields:\n      $name: Refresh {i:04d}\n"
        f"      icp-score: {i + 50 if i in updated else i}\n"
        for i in range(count)
    )


@contextmanager
def lightfield(config: EmulatorConfig, transport: str) -> Iterator[LightfieldClient]:
    if transport == "in-process":
        asgi = httpx.ASGITransport(app=create_app(config), raise_app_exceptions=False)
        yield LightfieldClient("http://emulator", "sk_lf_local_dev", transport=asgi, event_hooks=counting_hooks())
        return
    with serve_in_thread(config) as url:
        yield LightfieldClient(url, "sk_lf_local_dev", event_hooks=counting_hooks())


RETRIEVES: Counter[str] = Counter()


def counting_hooks() -> dict[str, list]:
    async def count(request: httpx.Request) -> None:
        parts = request.url.path.strip("/").split("/")
        if request.method == "GET" and len(parts) == 3 and parts[2].startswith("acc_"):
            RETRIEVES[parts[2]] += 1

    return {"request": [count]}


async def apply_project(client: LightfieldClient, project: Path) -> None:
    declared = await learn_organisation(client, load_declared(project))
    with locked_state(declared.project, "test") as state:
        plan = build_plan(declared, state)
        report = await Applier(client, state, declared.desired, "default").execute(plan.changes)
        assert report.ok
        state.compact()


def managed(project: Path) -> State:
    with locked_state(load_declared(project).project, "test") as state:
        return state


@pytest.mark.parametrize("lag_ms", [0.0, INDEX_LAG_MS], ids=["no-lag", "index-lag"])
@pytest.mark.parametrize("transport", ["in-process", "served"])
def test_refresh_by_lists_equals_one_retrieve_per_account(make_project, tmp_path, api_mode, transport, lag_ms):
    project = make_project({"accounts.yaml": declarations(ACCOUNTS)}, settings="target: local\nskip_enrichment: true\n")
    clock = ShiftedClock()  # an emulator that lives in the past, then now
    clock.offset = -HOUR
    config = EmulatorConfig(db_path=str(tmp_path / "emulator.db"), docs_literal=api_mode == DOCS_LITERAL,
                            write_rate=1000, read_rate=1000, search_rate=1000, index_lag_ms=lag_ms, clock=clock)

    async def scenario() -> tuple[dict[str, RemoteRecord], dict[str, RemoteRecord], State, dict[str, int]]:
        with lightfield(config, transport) as client:
            async with client:
                await apply_project(client, project)  # an hour ago
                state = managed(project)
                ids = {address: resource.id for address, resource in state.resources.items()}
                await client.update(ACCOUNT, ids[DRIFTED], {"fields": {"icp-score": 99}}, None)
                await client.update(ACCOUNT, ids[UNTIMED_DRIFTED], {"fields": {"icp-score": 98}}, None)
                await client.delete(ACCOUNT, ids[TRASHED])
                clock.offset = 0.0  # now
                (project / "accounts.yaml").write_text(declarations(ACCOUNTS, updated=(3, 4)))
                await apply_project(client, project)
                state = managed(project)
                resources = state.resources
                resources[GONE] = resources[GONE].model_copy(update={"id": "acc_cneverexisted0000000000"})
                for address in (UNTIMED_DRIFTED, UNTIMED):  # written by an lfsync that kept no updatedAt
                    resources[address] = resources[address].model_copy(update={"updated_at": None})
                declared = await learn_organisation(client, load_declared(project))
                fields = declared.organisation.organisation.fields if declared.organisation else {}
                RETRIEVES.clear()
                by_lists = await refresh_remote(client, state, {"account": fields})
                retrieved = dict(RETRIEVES)
                trashed = {r.id: r for r in await client.list_records(ACCOUNT, status="trashed")}
                one_by_one = await retrieve_each(client, ACCOUNT, state.resources, trashed, fields)
                return by_lists, one_by_one, state, retrieved

    by_lists, one_by_one, state, retrieved = asyncio.run(scenario())
    assert by_lists == one_by_one
    assert by_lists[DRIFTED].status == "present" and by_lists[DRIFTED].observed["fields"]["icp-score"] == 99
    assert by_lists[UNTIMED_DRIFTED].observed["fields"]["icp-score"] == 98
    assert by_lists[TRASHED].status == "trashed" and by_lists[GONE].status == "missing"
    for address in (UPDATED, ALSO_UPDATED):  # no false drift from an hour-old list copy
        assert by_lists[address].observed == state.resources[address].applied
    # Retrieved: the record in neither list, the drift no write time vouches for, and (index lag
    # only) the two copies older than lfsync's last write. Every other record came from a list.
    expected = {GONE, UNTIMED_DRIFTED} | ({UPDATED, ALSO_UPDATED} if lag_ms else set())
    assert set(retrieved) == {state.resources[address].id for address in expected}


def test_list_pages_are_asked_ahead_and_end_at_the_first_short_page(tmp_path):
    """51 records: three pages (25, 25, 1), each asked once, whatever the order of the answers."""
    config = EmulatorConfig(db_path=str(tmp_path / "emulator.db"), write_rate=1000, search_rate=1000)
    offsets: list[str] = []

    async def scenario() -> list[ApiRecord]:
        async def seen(request: httpx.Request) -> None:
            if request.url.path == "/v1/accounts" and request.method == "GET":
                offsets.append(request.url.params["offset"])

        asgi = httpx.ASGITransport(app=create_app(config), raise_app_exceptions=False)
        async with LightfieldClient("http://emulator", "sk_lf_local_dev", transport=asgi,
                                    event_hooks={"request": [seen]}) as client:
            for number in range(51):
                await client.create(ACCOUNT, {"fields": {"$name": f"Paged {number}"}}, f"paged-{number}")
            return await client.list_records(ACCOUNT, window=8)

    records = asyncio.run(scenario())
    assert sorted(offsets) == ["0", "25", "50"]
    assert sorted(record.fields["$name"] for record in records) == sorted(f"Paged {n}" for n in range(51))


def test_a_list_copy_counts_as_current_only_when_not_older_than_the_last_write():
    from lfsync.remote.refresh import not_older

    assert not_older("2026-01-01T10:00:00.001Z", "2026-01-01T10:00:00.001Z")
    assert not_older("2026-01-01T11:00:00+01:00", "2026-01-01T10:00:00.000Z")
    assert not not_older("2026-01-01T09:59:59.999Z", "2026-01-01T10:00:00.000Z")
    assert not not_older(None, "2026-01-01T10:00:00.000Z") and not not_older("yesterday", "2026-01-01T10:00:00Z")


def test_a_contact_value_is_compared_by_the_contacts_own_field_definition(make_project, tmp_path):
    """`birthday` is a contact field only: state that recorded it as declared (`+00:00`) is the
    instant the API reads back (`.000Z`), found equal by the contacts' DATETIME definition."""
    project = make_project(
        {"people.yaml": "contacts:\n  ada:\n    fields:\n      $name: {firstName: Ada}\n"
                        "      birthday: '1990-01-02T00:00:00.000Z'\n"},
        settings="target: local\nskip_enrichment: true\n",
    )
    config = EmulatorConfig(db_path=str(tmp_path / "emulator.db"), write_rate=1000, read_rate=1000, search_rate=1000)

    async def scenario() -> tuple[dict, dict[str, RemoteRecord]]:
        with lightfield(config, "in-process") as client:
            async with client:
                await apply_project(client, project)
                state = managed(project)
                ada = state.resources["contact.ada"]
                as_declared = {**ada.applied, "fields": {**ada.applied["fields"], "birthday": "1990-01-02T00:00:00+00:00"}}
                state.resources["contact.ada"] = ada.model_copy(update={"applied": as_declared, "updated_at": None})
                declared = await learn_organisation(client, load_declared(project))
                return as_declared, await refresh_remote(client, state, planning.fields_by_kind(declared))

    as_declared, records = asyncio.run(scenario())
    assert records["contact.ada"].status == "present"
    assert records["contact.ada"].observed == as_declared
