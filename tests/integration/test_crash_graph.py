"""A CRM graph survives SIGKILLs under dropped answers, with exact counts per kind (issue 21).

A real `lfsync apply` (a process of its own) applies accounts, contacts and opportunities against an
emulator served on loopback in both API modes, which drops answers (its own seeded faults, plus
chosen ones: tests/killing.py) and has the process SIGKILLed at chosen requests: during account
creates, contact creates, link writes deferred to close a cycle, and opportunity creates, after a
request landed (its answer lost) or before it reached the emulator. Kill points are counts of
requests the emulator received, never a guess of time. Apply is then run until one finishes; after
it, per kind: exactly the declared records (none lost, none duplicated by identity), each with its
declared values and links (the account-contact links exactly the declared set, from either side;
each opportunity's account, champion and evaluator), state holding each address once with its
record's ID and no journal, a refreshing re-plan with no changes, and no record created by two
creates: the emulator's idempotency entries name each of our records once, under lfsync's key.

CI runs a small graph and a handful of kills; `pytest --run-slow -m slow` runs a bigger graph under
many kills at the real 25 writes/s.

Recovery of a contact, found by its e-mail: a create interrupted longer ago than the key window
is adopted by the `$email` it sent (it was looked up by `$name`, which a contact may not send and
which is an object: exit 3), and an adopt killed before it landed is re-sent to the contact it
matched (it was refused as a forged journal line: checked against the accounts' `$name`, and its
e-mails compared as a whole list).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
from pathlib import Path

import pytest
from graph_org import Graph, assert_graph_exactly_once, crm_graph
from journalled import journal_old_create
from killing import ACCOUNT_CREATE, CONTACT_CREATE, LINK_WRITE, OPPORTUNITY_CREATE, DropPoint, Killer, KillPoint

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import DOCS_LITERAL, serve_in_thread

from served import LOCAL_KEY, start_apply
from wire import on_project, on_url

COLLECTIONS = ("accounts", "contacts", "opportunities")
SETTINGS = "skip_enrichment: true\n"
APPLIES_AFTER_THE_KILLS = 4  # runs that may give up under faults before one finishes

# Kills in CI: one in each phase of the graph, one of them before its request lands.
KILLS = [
    KillPoint(ACCOUNT_CREATE, 2, lands=False),
    KillPoint(CONTACT_CREATE, 3),
    KillPoint(LINK_WRITE, 1),
    KillPoint(OPPORTUNITY_CREATE, 2),
]
# Answers lost on the wire (the process goes on) to a create of each kind and to a link write.
DROPS = [DropPoint(ACCOUNT_CREATE, 1), DropPoint(CONTACT_CREATE, 1), DropPoint(LINK_WRITE, 2), DropPoint(OPPORTUNITY_CREATE, 1)]


def emulator_config(tmp_path: Path, api_mode: str, write_rate: float, seed: int) -> EmulatorConfig:
    """Seeded faults on top of the chosen ones: dropped answers after commit, 500s before storing,
    and in docs-literal mode 504s whose writes run on."""
    return EmulatorConfig(
        db_path=str(tmp_path / "emulator.db"), docs_literal=api_mode == DOCS_LITERAL, write_rate=write_rate,
        drop_after_commit_rate=0.1, fail_rate=0.05, gateway_timeout_rate=0.05 if api_mode == DOCS_LITERAL else 0,
        seed=seed, index_lag_ms=0,
    )


def apply_until_done(project: Path, url: str, killer: Killer) -> list[str]:
    """Apply, each run killed at the next kill point it reaches, until one run finishes cleanly."""
    outputs: list[str] = []
    for _ in range(len(killer.kills) + APPLIES_AFTER_THE_KILLS):
        returncode, output = killer.run(url, lambda: start_apply(project, url, "--concurrency", "8"), timeout=600)
        outputs.append(output)
        assert "Traceback" not in output and "unexpected" not in output, output
        if returncode == -signal.SIGKILL:
            continue
        if returncode == 0 and not killer.pending:
            return outputs
        assert returncode == 1, output  # gave up under faults; the next run settles what it left
    raise AssertionError(f"no apply finished; kill points never reached: {killer.pending}\n" + "\n---\n".join(outputs))


async def records_by_collection(url: str, status: str = "active") -> dict[str, list[dict]]:
    async with on_url(url) as api:
        return {collection: await api.list_all_records(collection, status=status) for collection in COLLECTIONS}


def existing_ids(url: str) -> set[str]:
    """The IDs of every record of the three kinds, live or trashed."""
    held = [asyncio.run(records_by_collection(url, status)) for status in ("active", "trashed")]
    return {record["id"] for collections in held for records in collections.values() for record in records}


async def stage_ids(url: str) -> dict[str, str]:
    """Stage label -> option ID, for the labels of one pipeline only (Discovery, Proposal, ...)."""
    async with on_url(url) as api:
        definitions = await api.definitions("opportunities")
    options = definitions["fieldDefinitions"]["$stage"]["typeConfiguration"]["options"]
    labels = [option["label"] for option in options]
    return {option["label"]: option["id"] for option in options if labels.count(option["label"]) == 1}


def created_by_each_key(db_path: str) -> dict[str, list[str]]:
    """Record ID -> the Idempotency-Keys whose create produced it, from the emulator's idempotency
    entries (a completed entry holds the answer: the record created)."""
    connection = sqlite3.connect(db_path)
    try:
        rows = connection.execute(
            "SELECT key, body FROM idempotency_keys WHERE operation LIKE '%.create' AND state = 'completed'"
        ).fetchall()
    finally:
        connection.close()
    created: dict[str, list[str]] = {}
    for key, body in rows:
        created.setdefault(json.loads(body)["id"], []).append(key)
    return created


def state_ids(project: Path) -> dict[str, str]:
    state = json.loads((project / "state" / "default.lfstate.json").read_text())
    return {address: resource["id"] for address, resource in state["resources"].items()}


def crash_and_recover(make_project, cli, tmp_path: Path, api_mode: str, graph: Graph, killer: Killer,
                      *, write_rate: float, seed: int) -> None:
    project = make_project({"graph.yaml": graph.yaml()}, settings=SETTINGS)
    config = emulator_config(tmp_path, api_mode, write_rate, seed)
    with serve_in_thread(config, middleware=killer.middleware()) as url:
        before = existing_ids(url)  # the fixture's records, live and trashed
        outputs = apply_until_done(project, url, killer)
        assert set(killer.fired) == set(killer.kills), f"kill points never reached: {killer.pending}"
        assert any("Settling" in output for output in outputs), "no kill left an intent to settle"
        assert set(killer.dropped) == set(killer.drops), "a drop point was never reached"

        held = asyncio.run(records_by_collection(url))
        ours = {collection: [r for r in records if r["id"] not in before] for collection, records in held.items()}
        ids = assert_graph_exactly_once(graph, ours, asyncio.run(stage_ids(url)))

        assert state_ids(project) == ids  # each address once, with its record's ID
        assert not (project / "state" / "default.journal.jsonl").exists()  # nothing left pending

        assert existing_ids(url) - before == set(ids.values()), "a stray record, in the trash"

        replanned = cli("plan", project, "--detailed-exitcode", env={"LIGHTFIELD_BASE_URL": url, "LIGHTFIELD_API_KEY": LOCAL_KEY})
        assert replanned.exit_code == 0, replanned.output  # refreshed: every kind read back
        assert "No changes." in replanned.stdout

        created = created_by_each_key(config.db_path)
        assert sorted(created) == sorted(ids.values()), "a create made a record that is not one of ours"
        twice = {record: keys for record, keys in created.items() if len(keys) != 1}
        assert not twice, f"records created by more than one key: {twice}"
        assert all(key and key.startswith("lfsync-") for _, key in killer.creates), "a create was sent without lfsync's key"
        keys_sent: dict[str, set[str | None]] = {f"/v1/{collection}": set() for collection in COLLECTIONS}
        for path, key in killer.creates:
            keys_sent[path].add(key)
        for collection in COLLECTIONS:  # one key per declared record, however often it was sent
            assert len(keys_sent[f"/v1/{collection}"]) == graph.sizes[collection], collection


def test_a_graph_survives_kills_in_each_phase_under_dropped_answers(make_project, cli, tmp_path, api_mode):
    killer = Killer(list(KILLS), list(DROPS))
    crash_and_recover(make_project, cli, tmp_path, api_mode, crm_graph(3), killer, write_rate=150, seed=21)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_a_bigger_graph_survives_many_kills_at_the_real_write_rate(make_project, cli, tmp_path, api_mode, seed):
    graph = crm_graph(20)
    kills = [
        *(KillPoint(ACCOUNT_CREATE, n, lands=n % 4 != 0) for n in (2, 5, 9, 14)),
        *(KillPoint(CONTACT_CREATE, n, lands=n % 4 != 0) for n in (1, 6, 12, 20, 28, 36)),
        *(KillPoint(LINK_WRITE, n, lands=n % 4 != 0) for n in (1, 3, 4, 7)),
        *(KillPoint(OPPORTUNITY_CREATE, n, lands=n % 4 != 0) for n in (2, 8, 12, 17)),
    ]
    drops = [DropPoint(request, n) for request in (ACCOUNT_CREATE, CONTACT_CREATE, OPPORTUNITY_CREATE) for n in (3, 10)]
    drops += [DropPoint(LINK_WRITE, 2), DropPoint(LINK_WRITE, 6)]
    crash_and_recover(make_project, cli, tmp_path, api_mode, graph, Killer(kills, drops), write_rate=25, seed=2100 + seed)


# --- creates interrupted longer ago than the key window: found by the kind's identity -------------

def create_contact_directly(project: Path, body: dict, key: str) -> str:
    async def create() -> str:
        async with on_project(project) as api:
            return (await api.create_record("contacts", body, key))["id"]

    return asyncio.run(create())


ADA = "contacts:\n  ada:\n    fields:\n{name}      $email: [ada@acme.example]\n"
TWO_PEOPLE = ADA.format(name="      $name: {firstName: Ada, lastName: Lovelace}\n") + (
    "  bob:\n    fields:\n      $email: [bob@acme.example]\n"
)


def test_old_contact_creates_that_landed_are_adopted_by_their_email(make_project, cli, served_target, state_of):
    """A contact's identity is its e-mail: its `$name` is an object (ada's), or absent (bob's), never
    a name to look up. Another contact whose e-mail merely contains the address (the API's email
    filter matches substrings) is not taken for it."""
    project = make_project({"people.yaml": TWO_PEOPLE}, settings=SETTINGS)
    journalled = {address: journal_old_create(project, address) for address in ("contact.ada", "contact.bob")}
    create_contact_directly(project, {"fields": {"$email": ["grace.ada@acme.example"]}}, "someone-else")
    landed = {address: create_contact_directly(project, body, key) for address, (key, body) in journalled.items()}
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 0, result.output
    for address, record_id in landed.items():
        assert f"{address}: adopted {record_id}, created by an interrupted apply" in result.stdout
        assert state_of(project)["resources"][address]["id"] == record_id
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0


def test_an_old_contact_create_that_never_landed_is_planned_again(make_project, cli, served_target, state_of):
    """Not even when another contact's e-mail contains its address."""
    project = make_project({"people.yaml": ADA.format(name="")}, settings=SETTINGS)
    journal_old_create(project, "contact.ada")
    other = create_contact_directly(project, {"fields": {"$email": ["grace.ada@acme.example"]}}, "someone-else")
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "contact.ada: the interrupted create never landed; it will be planned again" in result.stdout
    assert state_of(project)["resources"]["contact.ada"]["id"] not in (other, None)


def test_an_old_contact_create_without_an_email_stops_and_says_what_to_do(make_project, cli, served_target):
    project = make_project({"people.yaml": "contacts:\n  ada:\n    fields:\n      $name: {firstName: Ada}\n"}, settings=SETTINGS)
    journal_old_create(project, "contact.ada")
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 1, result.output
    message = result.stderr.replace("\n", " ")
    assert "sent no $email to find the contact by" in message and "lfsync import contact.ada ID" in message


# --- an adopt interrupted before it landed: re-sent to the record it matched ---------------------

def test_a_contact_adopt_killed_before_it_landed_is_settled(make_project, cli, tmp_path, state_of):
    """The contact was matched by one of its e-mails; until the adopt lands it holds its own name and
    both e-mails, and the account identity of lfsync.yaml (`$name`) is not a contact's. (One API
    mode: nothing here depends on the API's forms.)"""
    people = "contacts:\n  ada:\n    fields:\n      $name: {firstName: Ada, lastName: Lovelace}\n      $email: [ada@acme.example]\n"
    project = make_project({"people.yaml": people}, settings=SETTINGS)
    killer = Killer([KillPoint(LINK_WRITE, 1, lands=False)])  # the adopt: an update of the contact
    with serve_in_thread(EmulatorConfig(db_path=str(tmp_path / "emulator.db")), middleware=killer.middleware()) as url:
        existing = {"fields": {"$name": {"firstName": "Ada"}, "$email": ["ada@home.example", "ada@acme.example"]}}
        matched = asyncio.run(_create_on(url, "contacts", existing))
        returncode, output = killer.run(url, lambda: start_apply(project, url, "--adopt"), timeout=600)
        assert returncode == -signal.SIGKILL and killer.fired, output
        env = {"LIGHTFIELD_BASE_URL": url, "LIGHTFIELD_API_KEY": LOCAL_KEY}
        result = cli("apply", project, "--auto-approve", "--adopt", env=env)
        assert result.exit_code == 0, result.output
        assert "contact.ada: interrupted adopt settled" in result.stdout
        assert state_of(project)["resources"]["contact.ada"]["id"] == matched
        assert cli("plan", project, "--detailed-exitcode", env=env).exit_code == 0


async def _create_on(url: str, collection: str, body: dict) -> str:
    async with on_url(url) as api:
        return (await api.create_record(collection, body, "made-by-a-person"))["id"]
