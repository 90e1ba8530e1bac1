"""A journal that cannot be forged into harm (issue 23): the journal is committed with the state in
GitOps, so one line in a pull request could ask the next apply to trash, restore or update any
account. A pending intent lfsync could not have written against the state it is pending in is
refused by plan and by apply, with what it asks and what state holds, and nothing is sent; a
genuine interrupted apply still settles exactly; plans show each interrupted operation with its
ID and name.

Every test talks to a real emulator served on loopback, behind a middleware that records each
request (so "nothing was sent" is counted, not assumed) and can lose the answers to writes after
they landed (what a kill between send and answer leaves: an intent without an outcome).
"""

from __future__ import annotations

import asyncio
import html
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from recording import Recorder, recorded_target

from lfsync.api.client import LightfieldClient, RetryPolicy
from lfsync.apply.applier import Applier, create_body
from lfsync.operations.declared_project import checked_and_learned, load_declared
from lfsync.operations.planning import build_plan, read_remote
from lfsync.plan.model import PlanOptions
from lfsync.plan.resources import create_idempotency_key, resource_hash, update_idempotency_key, update_operations
from lfsync.state.records import DeleteIntent, empty_payload
from lfsync.state.workspace import StatePaths, load_state, locked_state

from wire import on_url

KEY = "sk_lf_local_dev"
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01)


@pytest.fixture
def recorded(monkeypatch, tmp_path, cli):
    """An emulator as the project's target, every request recorded; yields (recorder, base URL)."""
    with recorded_target(monkeypatch, tmp_path, key=KEY) as target:
        yield target


@pytest.fixture
def applied(project, cli, recorded, state_of):
    """The three declared accounts applied, and one account lfsync never managed (the victim)."""
    recorder, url = recorded
    assert cli("apply", project, "--auto-approve").exit_code == 0
    victim = asyncio.run(_create(url, {"fields": {"$name": "Victim Inc"}}))
    recorder.clear()
    return state_of(project)["resources"], victim


async def _create(url: str, body: dict) -> str:
    async with on_url(url) as api:
        return (await api.create_account(body))["id"]


def live(url: str) -> dict[str, str]:
    """ID -> $name of every live account on the target."""

    async def listed() -> list[dict]:
        async with on_url(url) as api:
            return await api.list_all_accounts()

    return {record["id"]: record["fields"]["$name"]["value"] for record in asyncio.run(listed())}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def forge(project: Path, intent: dict, backend: str = "local") -> None:
    """Add one intent to the journal by hand, as a line in a pull request would."""
    if backend != "local":  # the database takes journal rows only under the lock: lfsync writes one, then it is edited
        from pgtesting import sql_under_lock

        with locked_state(load_declared(project).project, "test") as state:
            state.begin(DeleteIntent(address="account.placeholder", resource_id="acc_cplaceholder"))
        sql_under_lock(
            backend, "default",
            "update lfsync_journal set body = %s::jsonb where workspace = 'default' and kind = 'intent' "
            "and entry_id = (select max(entry_id) from lfsync_journal where workspace = 'default')",
            (json.dumps(intent),),
        )
        return
    journal = StatePaths(load_declared(project).project).journal
    with open(journal, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"format_version": 1, "intent": intent}, sort_keys=True) + "\n")


def assert_refused_and_nothing_sent(project, cli, recorder, *shown: str) -> None:
    """plan and apply both exit 1 naming each of `shown`; no write reached the target."""
    planned = cli("plan", project)
    assert planned.exit_code == 1, planned.output
    markdown = cli("plan", project, "--format", "markdown")
    assert markdown.exit_code == 1 and "refused the interrupted" in markdown.stdout
    applied = cli("apply", project, "--auto-approve")
    assert applied.exit_code == 1, applied.output
    message = " ".join(applied.stderr.split())
    assert "refused the interrupted" in message and "nothing was sent" in message and "remove it from the journal" in message
    for text in shown:
        assert text in " ".join(planned.output.split()) and text in message, (text, message)
    assert "Settling" not in applied.stdout
    assert recorder.writes() == []


# --- forged lines are refused, nothing is sent ------------------------------------------------------


@pytest.mark.parametrize("when", ["with a time", "as the issue wrote it"])
def test_a_forged_delete_of_another_account_is_refused(project, cli, recorded, applied, when):
    recorder, url = recorded
    resources, victim = applied
    intent = {"address": "account.acme", "operation": "delete", "resource_id": victim}
    if when == "with a time":
        intent.update(seq=7, at=now())
    forge(project, intent)
    acme = resources["account.acme"]["id"]
    assert_refused_and_nothing_sent(project, cli, recorder, victim, f"{acme} (Acme Corp) for account.acme", "journal.jsonl line 1")
    assert victim in live(url) and acme in live(url)


@pytest.mark.usefixtures("postgres_url")
def test_a_forged_journal_row_in_postgresql_is_refused_naming_its_entry(project, cli, recorded, applied):
    recorder, url = recorded
    resources, victim = applied
    import os

    forge(project, {"address": "account.acme", "operation": "delete", "resource_id": victim, "seq": 3, "at": now()},
          backend=os.environ["LFSYNC_BACKEND"])
    assert_refused_and_nothing_sent(project, cli, recorder, victim, "journal entry", resources["account.acme"]["id"])
    assert victim in live(url)


@pytest.mark.parametrize("operation", ["update", "restore"])
def test_a_forged_update_or_restore_of_another_id_is_refused(project, cli, recorded, applied, operation):
    """Even with the key lfsync would derive: the ID is not the one state holds for the address."""
    recorder, url = recorded
    resources, victim = applied
    globex = resources["account.globex"]
    intent = {"address": "account.globex", "operation": operation, "resource_id": victim, "seq": 9, "at": now()}
    if operation == "update":
        applied_payload = {"fields": {"$name": "Pwned"}, "relationships": {}}
        digest = resource_hash(applied_payload, "account.globex", "default")
        intent.update(
            idempotency_key=update_idempotency_key(digest, globex["hash"], 1), request={"fields": {"$name": "Pwned"}},
            hash=digest, applied=applied_payload,
        )
    forge(project, intent)
    assert_refused_and_nothing_sent(project, cli, recorder, victim, f"{globex['id']} (Globex) for account.globex")
    assert live(url)[victim] == "Victim Inc"


def test_a_forged_create_with_a_key_lfsync_does_not_derive_is_refused(project, cli, recorded, applied):
    recorder, url = recorded
    payload = {"fields": {"$name": "Initech"}, "relationships": {}}
    forge(project, {
        "address": "account.initech", "operation": "create", "seq": 4, "at": now(), "idempotency_key": "lfsync-not-ours",
        "request": create_body(payload, False), "hash": resource_hash(payload, "account.initech", "default"), "applied": payload,
    })
    assert_refused_and_nothing_sent(project, cli, recorder, "lfsync-not-ours", "nothing for account.initech")
    assert "Initech" not in live(url).values()


def test_a_forged_update_that_sends_other_values_than_it_records_is_refused(project, cli, recorded, applied):
    """The right ID and key, but a body that sets what the recorded payload does not hold."""
    recorder, url = recorded
    resources, _ = applied
    globex = resources["account.globex"]
    digest = globex["hash"]
    forge(project, {
        "address": "account.globex", "operation": "update", "resource_id": globex["id"], "seq": 5, "at": now(),
        "idempotency_key": update_idempotency_key(digest, globex["hash"], 1), "request": {"fields": {"$name": "Pwned"}},
        "hash": digest, "applied": globex["applied"],
    })
    assert_refused_and_nothing_sent(project, cli, recorder, "its request sets values other than the payload it records")
    assert live(url)[globex["id"]] == "Globex"


def test_a_forged_delete_of_an_unmanaged_record_needs_a_workspace_that_owns_the_organisation(project, cli, recorded, applied):
    recorder, url = recorded
    _, victim = applied
    forge(project, {"address": f"unmanaged.{victim}", "operation": "delete", "resource_id": victim, "seq": 2, "at": now()})
    assert_refused_and_nothing_sent(project, cli, recorder, "owns_organisation")
    assert victim in live(url)


def test_a_forged_delete_of_an_id_of_another_kind_is_refused(project, cli, recorded, applied):
    """Refused as the journal is read (state validated on load), before any intent is weighed."""
    recorder, _ = recorded
    forge(project, {"address": "account.acme", "operation": "delete", "resource_id": "mem_cadalovelace000000000", "seq": 2, "at": now()})
    for command in (("plan", project), ("apply", project, "--auto-approve")):
        result = cli(*command)
        assert result.exit_code == 1, result.output
        message = " ".join(result.stderr.split())
        assert "journal.jsonl:1: damaged journal" in message and "does not start with 'acc_'" in message, message
    assert recorder.writes() == []


def test_a_forged_adopt_is_sent_only_to_a_record_holding_the_name_it_sets(project, cli, recorded, applied):
    """An adopt lfsync could have journalled (its key, hash and body check out) aimed at a record
    named otherwise: apply reads the record back, refuses, and sends no write."""
    recorder, url = recorded
    _, victim = applied
    payload = {"fields": {"$name": "Initech"}, "relationships": {}}
    digest = resource_hash(payload, "account.initech", "default")
    key = update_idempotency_key(digest, resource_hash(empty_payload(), "account.initech", "default"), 1)
    forge(project, {
        "address": "account.initech", "operation": "adopt", "resource_id": victim, "seq": 6, "at": now(),
        "idempotency_key": key, "request": update_operations(empty_payload(), payload), "hash": digest, "applied": payload,
    })
    planned = cli("plan", project)
    assert planned.exit_code == 0 and f"account.initech: adopt of {victim} (Initech) interrupted" in planned.stdout
    refused = cli("apply", project, "--auto-approve")
    assert refused.exit_code == 1, refused.output
    message = " ".join(refused.stderr.split())
    assert f"{victim} holds $name 'Victim Inc', not 'Initech' that the adopt sets" in message
    assert ("GET", f"/v1/accounts/{victim}") in recorder.requests and recorder.writes() == []
    assert live(url)[victim] == "Victim Inc"


# --- a genuine interrupted apply still settles exactly ------------------------------------------------


CHANGED = """
accounts:
  acme:
    fields:
      $name: Acme Corporation
      $website: [https://acme.example]
      $industry: [Software]
      $primaryAddress: {city: Oslo, country: NO}
      tier: enterprise
    relationships:
      $owner: mem_cadalovelace000000000
  acme-nordics:
    fields:
      $name: Acme Nordics
    relationships:
      parentAccount: account.acme
  initech:
    fields:
      $name: Initech
"""


def interrupt_every_write(project: Path, url: str, recorder: Recorder, options: PlanOptions) -> None:
    """Plan and apply with lfsync's own code while every write lands and its answer is lost: the
    journal an apply killed between each send and its answer leaves."""

    async def run() -> None:
        async with LightfieldClient(url, KEY, read_retry=FAST_RETRY) as client:
            declared = await checked_and_learned(client, load_declared(project))
            with locked_state(declared.project, "test") as state:
                remote = await read_remote(client, declared, state, options)
                plan = build_plan(declared, state, options, remote)
                recorder.lose_write_answers = True
                try:
                    await Applier(client, state, declared.desired, "default", retry=FAST_RETRY).execute(plan.changes)
                finally:
                    recorder.lose_write_answers = False
                state.compact()

    asyncio.run(run())


def test_genuine_interrupted_update_delete_adopt_and_restore_are_shown_and_settle_exactly(project, cli, recorded, applied, state_of):
    recorder, url = recorded
    resources, victim = applied
    acme, nordics, globex = (resources[f"account.{key}"]["id"] for key in ("acme", "acme-nordics", "globex"))
    initech = asyncio.run(_create(url, {"fields": {"$name": "Initech"}}))

    async def trash(record_id: str) -> None:
        async with on_url(url) as api:
            await api.delete_account(record_id)

    asyncio.run(trash(nordics))  # drift: --refresh plans a restore
    (project / "accounts.yaml").write_text(CHANGED)
    interrupt_every_write(project, url, recorder, PlanOptions(prune=True, adopt=True, refresh=True))
    pending = sorted((i.address, i.operation) for i in load_state(load_declared(project).project).pending.values())
    assert pending == [("account.acme", "update"), ("account.acme-nordics", "restore"), ("account.globex", "delete"),
                       ("account.initech", "adopt")]

    shown = {
        "text": cli("plan", project),
        "markdown": cli("plan", project, "--format", "markdown"),
        "json": cli("plan", project, "--format", "json"),
    }
    for output_format, result in shown.items():
        assert result.exit_code == 0, (output_format, result.output)
        text = {"text": result.stdout, "markdown": html.unescape(result.stdout)}.get(output_format) or "\n".join(
            json.loads(result.stdout)["pending"]
        )
        assert f"account.globex: delete of {globex} (Globex) interrupted" in text, (output_format, text)
        assert f"account.acme: update of {acme} (Acme Corporation) interrupted" in text
        assert f"account.acme-nordics: restore of {nordics} (Acme Nordics) interrupted" in text
        assert f"account.initech: adopt of {initech} (Initech) interrupted" in text

    settled = cli("apply", project, "--auto-approve", "--prune")
    assert settled.exit_code == 0, settled.output
    assert "Settling 4 operation(s)" in settled.stdout
    assert live(url) == {acme: "Acme Corporation", nordics: "Acme Nordics", initech: "Initech", victim: "Victim Inc"}
    ids = {address: resource["id"] for address, resource in state_of(project)["resources"].items()}
    assert ids == {"account.acme": acme, "account.acme-nordics": nordics, "account.initech": initech}
    assert cli("plan", project, "--detailed-exitcode", "--prune", "--refresh").exit_code == 0


def test_a_genuine_interrupted_create_is_shown_with_its_name_and_settles(project, cli, recorded, applied, state_of):
    recorder, url = recorded
    (project / "accounts.yaml").write_text(CHANGED)
    interrupt_every_write(project, url, recorder, PlanOptions())
    planned = cli("plan", project)
    assert planned.exit_code == 0, planned.output
    assert "account.initech: create (Initech) interrupted at" in planned.stdout
    assert cli("apply", project, "--auto-approve").exit_code == 0
    names = sorted(live(url).values())
    assert names == ["Acme Corporation", "Acme Nordics", "Globex", "Initech", "Victim Inc"]
    assert state_of(project)["resources"]["account.initech"]["id"] in live(url)


def test_a_second_intent_under_one_number_is_refused_instead_of_hiding_the_first(project, cli, recorded, applied):
    """lfsync numbers each intent once; a line reusing a pending intent's number would replace it."""
    recorder, _ = recorded
    resources, _ = applied
    acme = resources["account.acme"]["id"]
    forge(project, {"address": "account.acme", "operation": "restore", "resource_id": acme, "seq": 3, "at": now()})
    forge(project, {"address": "account.acme", "operation": "delete", "resource_id": acme, "seq": 3, "at": now()})
    for command in (("plan", project), ("apply", project, "--auto-approve")):
        result = cli(*command)
        assert result.exit_code == 1, result.output
        assert "journal.jsonl:2: damaged journal: a second intent numbered 3" in " ".join(result.stderr.split())
        assert "journal.jsonl line 1 is the first" in " ".join(result.stderr.split())
    assert recorder.writes() == []


def forge_outcome(project: Path, outcome: dict) -> None:
    journal = StatePaths(load_declared(project).project).journal
    with open(journal, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"format_version": 1, "outcome": outcome}, sort_keys=True) + "\n")


@pytest.mark.parametrize("forged", ["no intent", "another address", "a delete leaving a record", "another ID"])
def test_a_forged_outcome_cannot_re_point_an_address(project, cli, recorded, applied, state_of, forged):
    """An outcome settles an intent journalled beside it, for its address, with what its operation
    leaves: any other would put another record (the victim) under a managed address."""
    recorder, url = recorded
    resources, victim = applied
    acme = resources["account.acme"]
    stolen = {**acme, "id": victim}
    if forged != "no intent":
        operation = "delete" if forged == "a delete leaving a record" else "restore"
        address = "account.globex" if forged == "another address" else "account.acme"
        resource_id = resources[address]["id"]
        forge(project, {"address": address, "operation": operation, "resource_id": resource_id, "seq": 5, "at": now()})
    forge_outcome(project, {"intent": 5, "result": "done", "serial": 99, "address": "account.acme", "resource": stolen})
    for command in (("plan", project), ("apply", project, "--auto-approve")):
        result = cli(*command)
        assert result.exit_code == 1, result.output
        message = " ".join(result.stderr.split())
        assert "journal outcome of intent 5 for account.acme" in message and "lfsync did not write it" in message
    assert recorder.writes() == []
    assert state_of(project)["resources"]["account.acme"]["id"] == acme["id"]
    assert live(url)[victim] == "Victim Inc"


def test_a_forged_re_create_of_an_address_whose_record_exists_is_refused(project, cli, recorded, applied):
    """A create of an address in state replaces a record deleted outside lfsync; aimed at one that
    exists it would orphan it for a second one. Its key and body check out, so apply reads the
    record back, finds it, refuses and sends no write."""
    recorder, url = recorded
    resources, _ = applied
    acme = resources["account.acme"]
    digest = resource_hash(acme["applied"], "account.acme", "default")
    forge(project, {
        "address": "account.acme", "operation": "create", "seq": 8, "at": now(),
        # a re-create's key, as lfsync derives it: the replaced ID mixed into the hash
        "idempotency_key": create_idempotency_key(resource_hash(acme["applied"], "account.acme", f"default/{acme['id']}")),
        "request": create_body(acme["applied"], False), "hash": digest, "applied": acme["applied"],
    })
    refused = cli("apply", project, "--auto-approve")
    assert refused.exit_code == 1, refused.output
    message = " ".join(refused.stderr.split())
    assert f"state's {acme['id']} for account.acme exists" in message and "nothing was sent" in message
    assert ("GET", f"/v1/accounts/{acme['id']}") in recorder.requests and recorder.writes() == []
    assert sorted(live(url).values()).count("Acme Corp") == 1


def test_a_genuine_interrupted_re_create_of_a_record_deleted_outside_lfsync_settles(project, cli, recorded, applied, state_of):
    recorder, url = recorded
    snapshot = StatePaths(load_declared(project).project).snapshot
    document = json.loads(snapshot.read_text())
    document["resources"]["account.globex"]["id"] = "acc_cneverexisted0000000000"  # gone from the organisation
    snapshot.write_text(json.dumps(document))
    interrupt_every_write(project, url, recorder, PlanOptions(refresh=True))
    [pending] = load_state(load_declared(project).project).pending.values()
    assert (pending.address, pending.operation) == ("account.globex", "create")
    assert "account.globex: create (Globex) interrupted" in cli("plan", project).stdout
    settled = cli("apply", project, "--auto-approve")
    assert settled.exit_code == 0, settled.output
    globex = state_of(project)["resources"]["account.globex"]["id"]
    assert globex != "acc_cneverexisted0000000000" and live(url)[globex] == "Globex"
    assert sorted(live(url).values()).count("Globex") == 2  # the one state lost track of, and its replacement
