"""Crash safety for lists (tests/killing.py kills `lfsync apply` at chosen requests): a list create
killed after it landed, one killed before it landed and one whose answer is lost end with each
list created exactly once, recorded in state under its address with its members; a list create
interrupted longer ago than the API keeps idempotency keys is adopted by its `$name` (lists take
no filters: every list is read and narrowed by lfsync)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from demo_sdk import SDK_RETRIES
from journalled import journal_old_create
from killing import DropPoint, Killer, KillPoint, applies_until_done
from lightfield import Lightfield

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import serve_in_thread

from served import LOCAL_KEY
from wire import on_project

LIST_CREATE = "lists.create"
SETTINGS = "skip_enrichment: true\n"
PROJECT = """
accounts:
  acme: {fields: {$name: Acme}}
  globex: {fields: {$name: Globex}}
contacts:
  ada: {fields: {$email: [ada@acme.example]}}
lists:
  q1: {fields: {$name: Q1, $objectType: $account}, relationships: {$accounts: [account.acme, account.globex]}}
  people: {fields: {$name: People, $objectType: $contact}, relationships: {$contacts: [contact.ada]}}
  later: {fields: {$name: Later, $objectType: $account}, relationships: {$accounts: [account.globex]}}
"""


def state_ids(project: Path) -> dict[str, str]:
    state = json.loads((project / "state" / "default.lfstate.json").read_text())
    return {address: resource["id"] for address, resource in state["resources"].items()}


def test_list_creates_killed_or_unanswered_end_with_each_list_once(make_project, cli, tmp_path):
    project = make_project({"crm.yaml": PROJECT}, settings=SETTINGS)
    killer = Killer([KillPoint(LIST_CREATE, 1), KillPoint(LIST_CREATE, 3, lands=False)], [DropPoint(LIST_CREATE, 4)])
    config = EmulatorConfig(db_path=str(tmp_path / "emulator.db"), index_lag_ms=0)
    with serve_in_thread(config, middleware=killer.middleware()) as url:
        outputs = applies_until_done(killer, project, url, runs=4, timeout=120, forbidden=("Traceback", "unexpected"))
        assert not killer.pending and set(killer.dropped) == set(killer.drops), outputs
        assert any("Settling" in output for output in outputs), "no kill left an intent to settle"

        sdk = Lightfield(api_key=LOCAL_KEY, base_url=url, max_retries=SDK_RETRIES)
        lists = {listed.id: listed.fields["$name"].value for listed in sdk.list.list().data}
        ids = state_ids(project)
        assert sorted(lists.values()) == ["Later", "People", "Q1"]  # each once
        assert {ids[f"list.{key}"] for key in ("q1", "people", "later")} == set(lists)
        assert {a.id for a in sdk.list.list_accounts(ids["list.q1"]).data} == {ids["account.acme"], ids["account.globex"]}
        assert {c.id for c in sdk.list.list_contacts(ids["list.people"]).data} == {ids["contact.ada"]}
        list_keys = {key for path, key in killer.creates if path == "/v1/lists"}
        assert len(list_keys) == 3 and all(key and key.startswith("lfsync-") for key in list_keys)
        assert not (project / "state" / "default.journal.jsonl").exists()
        replanned = cli("plan", project, "--detailed-exitcode", env={"LIGHTFIELD_BASE_URL": url, "LIGHTFIELD_API_KEY": LOCAL_KEY})
        assert replanned.exit_code == 0, replanned.output


@pytest.mark.parametrize("api_mode", ["default"], indirect=True)
def test_an_old_list_create_that_landed_is_adopted_by_its_name(make_project, cli, served_target, state_of):
    # `$account`, the canonical form: the helper journals the payload as declared, unchecked
    project = make_project({"crm.yaml": "lists:\n  q1: {fields: {$name: Q1, $objectType: $account}}\n"}, settings=SETTINGS)
    key, body = journal_old_create(project, "list.q1")

    async def create() -> tuple[str, str]:
        async with on_project(project) as api:
            await api.create_record("lists", {"fields": {"$name": "Q2", "$objectType": "$account"}}, "someone-else")
            return (await api.create_record("lists", body, key))["id"], ""

    landed, _ = asyncio.run(create())
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert f"list.q1: adopted {landed}, created by an interrupted apply" in result.stdout
    assert state_of(project)["resources"]["list.q1"]["id"] == landed
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0
