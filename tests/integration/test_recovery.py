"""Interrupted applies: intents journalled but never answered are settled first, never duplicated.

Every test runs against the emulator in both API modes (`api_mode`): its own choices, and only the
forms Lightfield's docs show (no replay header, top-level errors, the docs' 409 body); and with state
in both backends (`backend`): local files, and a real PostgreSQL (in the default mode).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from journalled import journal_create_intent

from lfsync.api.client import LightfieldClient, RetryPolicy
from lfsync.apply.applier import Applier
from lfsync.apply.recovery import RecoveryStopped, settle_pending
from lfsync.emulator import EmulatorConfig, create_app
from lfsync.emulator.testing import DOCS_LITERAL
from lfsync.operations.declared_project import load_declared
from lfsync.operations.planning import build_plan
from lfsync.state.workspace import load_state, locked_state

from wire import on_app, on_project

# Every API mode with local state, and PostgreSQL state in the default mode (the backend and the
# API's forms are independent; this keeps the PostgreSQL share of CI short).
pytestmark = [
    pytest.mark.usefixtures("backend"),
    pytest.mark.parametrize(
        ("api_mode", "backend"), [("default", "local"), (DOCS_LITERAL, "local"), ("default", "postgres")], indirect=True
    ),
]

FAST_RETRY = RetryPolicy(attempts=12, base_delay=0.001, max_delay=0.01)


def journal_create(project, address: str, *, at: str | None = None):
    """Journal the create intent exactly as the applier would, without sending it."""
    journalled = journal_create_intent(project, address)
    if at:
        _rewrite_intent_time(journalled.settings, journalled.seq, at)
    return journalled.key, journalled.body


def _rewrite_intent_time(project, seq: int, at: str) -> None:
    if project.backend != "local":
        from pgtesting import sql_under_lock

        sql_under_lock(
            project.backend,
            project.workspace,
            "update lfsync_journal set body = jsonb_set(body, '{at}', to_jsonb(%s::text)) "
            "where kind = 'intent' and (body->>'seq')::int = %s",
            (at, seq),
        )
        return
    from lfsync.state.workspace import StatePaths

    path = StatePaths(project).journal
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line.replace('"at": "', f'"at": "{at}", "old_at": "', 1) if f'"seq": {seq}' in line else line for line in lines) + "\n")


async def send_directly(project, key: str, body: dict) -> str:
    """The create as sent, over plain HTTP: the account's ID."""
    async with on_project(project) as api:
        return (await api.create_account(body, key))["id"]


def test_unsent_intent_is_sent_on_the_next_apply(project, cli, served_target, server_accounts):
    journal_create(project, "account.globex")
    assert len(load_state(load_declared(project).project).pending) == 1
    planned = cli("plan", project)
    assert "account.globex: create (Globex) interrupted at" in planned.stdout
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Settling 1 operation(s)" in result.stdout and "account.globex: interrupted create settled" in result.stdout
    assert "Plan: 2 to create" in result.stdout
    assert len(server_accounts(project)) == 3
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0


def test_landed_but_unanswered_create_is_replayed_not_duplicated(project, cli, served_target, state_of, server_accounts):
    key, body = journal_create(project, "account.globex")
    landed = asyncio.run(send_directly(project, key, body))  # the answer was lost with the process
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert state_of(project)["resources"]["account.globex"]["id"] == landed
    assert len(server_accounts(project)) == 3


def two_days_ago() -> str:
    return (datetime.now(timezone.utc) - timedelta(days=2)).isoformat(timespec="milliseconds")


def test_create_older_than_the_key_window_is_adopted_by_name(project, cli, served_target, state_of, server_accounts):
    key, body = journal_create(project, "account.globex", at=two_days_ago())
    landed = asyncio.run(send_directly(project, key, body))
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert f"account.globex: adopted {landed}" in result.stdout
    assert state_of(project)["resources"]["account.globex"]["id"] == landed
    assert len(server_accounts(project)) == 3


COMPOSED, DECOMPOSED = "Caf\u00e9 No\u00ebl", "Cafe\u0301 Noe\u0308l"  # one name, NFC and NFD


@pytest.mark.parametrize("journalled, held", [(DECOMPOSED, COMPOSED), (COMPOSED, DECOMPOSED)], ids=["nfd-sent", "nfc-sent"])
def test_old_create_is_adopted_whichever_unicode_spelling_the_server_holds(
    make_project, cli, served_target, state_of, server_accounts, journalled, held
):
    """An old create journalled with one spelling of its name (an NFD one from an earlier lfsync, or
    NFC), whose account the server holds in the other: found by name all the same, not "never landed"."""
    project = make_project({"accounts.yaml": f'accounts:\n  cafe:\n    fields:\n      $name: "{journalled}"\n'})
    key, body = journal_create(project, "account.cafe", at=two_days_ago())
    assert body["fields"]["$name"] == journalled  # journalled as written (no organisation read, as an older lfsync did)
    landed = asyncio.run(send_directly(project, key, {**body, "fields": {"$name": held}}))
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert f"account.cafe: adopted {landed}" in result.stdout
    assert state_of(project)["resources"]["account.cafe"]["id"] == landed
    assert [account["id"] for account in server_accounts(project)] == [landed]


def test_old_create_that_never_landed_is_planned_again(project, cli, served_target, server_accounts):
    journal_create(project, "account.globex", at=two_days_ago())
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "account.globex: the interrupted create never landed" in result.stdout
    assert len(server_accounts(project)) == 3


def test_old_create_with_two_candidates_stops_and_import_settles_it(project, cli, served_target, state_of):
    key, body = journal_create(project, "account.globex", at=two_days_ago())
    first = asyncio.run(send_directly(project, key, body))
    asyncio.run(send_directly(project, key + "-by-hand", body))
    stopped = cli("apply", project, "--auto-approve")
    assert stopped.exit_code == 1
    message = stopped.stderr.replace("\n", " ")
    assert "2 accounts named 'Globex' were created since" in message and first in message
    assert "lfsync import account.globex ID" in message
    assert cli("import", "account.globex", first, "--dir", project).exit_code == 0
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert state_of(project)["resources"]["account.globex"]["id"] == first


def test_recovery_stopped_part_way_stores_and_says_what_it_settled(project, cli, served_target, state_of):
    """The first interrupted create settles, the next one stops recovery: the first is in state
    and in the output of that very apply, not only in the journal (the fault matrix counts it)."""
    journal_create(project, "account.acme")
    key, body = journal_create(project, "account.globex", at=two_days_ago())
    asyncio.run(send_directly(project, key, body))
    asyncio.run(send_directly(project, key + "-by-hand", body))
    stopped = cli("apply", project, "--auto-approve")
    assert stopped.exit_code == 1
    assert "2 accounts named 'Globex' were created since" in stopped.stderr.replace("\n", " ")
    assert "account.acme: interrupted create settled" in stopped.stdout
    assert "account.acme" in state_of(project)["resources"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_faults_never_duplicate_or_lose_an_account(make_project, seed, api_mode):
    """500s before storing, 500s after committing, 504s while the write runs on, and a tight rate
    limit, all at once."""
    accounts = "accounts:\n" + "".join(f"  a{i}:\n    fields: {{$name: Account {i}}}\n" for i in range(40))
    project = make_project({"accounts.yaml": accounts})
    declared = load_declared(project)
    app = create_app(EmulatorConfig(
        fail_rate=0.15, drop_after_commit_rate=0.15, gateway_timeout_rate=0.15, latency_ms=2, write_rate=200,
        seed=seed, docs_literal=api_mode == DOCS_LITERAL,
    ))

    async def run():
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with LightfieldClient("http://emulator", "sk_lf_local_dev", transport=transport, read_retry=FAST_RETRY) as client:
            with locked_state(declared.project, "test") as state:
                plan = build_plan(declared, state)
                report = await Applier(client, state, declared.desired, "default", concurrency=8, retry=FAST_RETRY).execute(plan.changes)
                state.compact()
        async with on_app(app) as api:
            return report, await api.list_all_accounts()

    report, records = asyncio.run(run())
    assert report.ok and report.retried > 0
    names = sorted(r["fields"]["$name"]["value"] for r in records)
    assert names == sorted(f"Account {i}" for i in range(40))
    state = load_state(declared.project)
    assert sorted(r.id for r in state.resources.values()) == sorted(r["id"] for r in records)


def test_settle_reports_a_still_failing_target_without_losing_the_intent(project, api_mode):
    journal_create(project, "account.globex")
    app = create_app(EmulatorConfig(fail_rate=1.0, docs_literal=api_mode == DOCS_LITERAL))
    declared = load_declared(project)

    async def run():
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with LightfieldClient("http://emulator", "sk_lf_local_dev", transport=transport) as client:
            with locked_state(declared.project, "test") as state:
                await settle_pending(client, state, RetryPolicy(attempts=2, base_delay=0.001))

    with pytest.raises(RecoveryStopped, match="Nothing was lost; run apply again"):
        asyncio.run(run())
    assert len(load_state(declared.project).pending) == 1


def test_a_504_then_the_in_flight_409_are_waited_out_in_one_apply(project, api_mode):
    """Every write times out at the gateway (504) and runs on for half a second; the retry meets it in
    flight (in docs-literal mode the docs' exact 409 body, with no code), waits, and gets the
    replay. Timers of one event loop fire in order, so the 409 is not left to chance."""
    declared = load_declared(project)
    app = create_app(EmulatorConfig(gateway_timeout_rate=1.0, latency_ms=500, write_rate=1000,
                                    docs_literal=api_mode == DOCS_LITERAL))
    retry = RetryPolicy(attempts=12, base_delay=0.01)

    async def run():
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with LightfieldClient("http://emulator", "sk_lf_local_dev", transport=transport, read_retry=retry) as client:
            with locked_state(declared.project, "test") as state:
                plan = build_plan(declared, state)
                only_globex = [change for change in plan.changes if change.address == "account.globex"]
                report = await Applier(client, state, declared.desired, "default", retry=retry).execute(only_globex)
                state.compact()
        async with on_app(app) as api:
            return report, dict(client.statuses), await api.list_all_accounts()

    report, statuses, records = asyncio.run(run())
    assert report.ok and report.done["created"] == ["account.globex"]
    assert statuses[504] == 1 and statuses[409] >= 1 and statuses[200] == 1  # the 200 is the replay
    assert set(statuses) == {200, 409, 504}
    state = load_state(declared.project)
    assert [record["id"] for record in records] == [state.resources["account.globex"].id]
