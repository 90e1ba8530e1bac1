"""Tasks and notes as record kinds (issue 22): declared beside accounts, opportunities and contacts,
planned, applied, refreshed, restored, pruned and reset against the emulator served in both API
modes, with the official SDK (`lightfield`) reading what lfsync wrote and making a demo user's
edits. A note's links are changed by `add`/`remove` only (the API refuses `replace`), so the wire
bodies of note updates are recorded and looked at.

One project is applied once per API mode and shared by the tests of this module (CI time), in file
order: each test leaves it applied and planning clean for the next. Bad input and the crash test use
projects of their own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from applied_project import AppliedProject, in_both_modes, in_default_mode, targeting
from click.testing import Result
from graph_declarations import ACME_AND_GLOBEX, ada_at_acme
from killing import DropPoint, Killer, KillPoint, applies_until_done
from lightfield import Lightfield

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import DOCS_LITERAL, serve_in_thread

from conftest import write_files
from served import LOCAL_KEY
from wire import records_of

SETTINGS = "skip_enrichment: true\nowns_organisation: true\n"
WRITES = ("POST", "DELETE")
ADA = "mem_cadalovelace000000000"

GRAPH = ACME_AND_GLOBEX + "contacts:\n" + ada_at_acme() + """\
opportunities:
  acme-renewal:
    fields: {$name: Acme renewal, $stage: Discovery}
    relationships: {$account: account.acme}
"""
WORK = """
    tasks:
      call-ada:
        fields:
          $title: Call Ada
          $status: todo
          $dueAt: now+3d
          $description: "Ask about the **renewal**."
        relationships:
          $assignedTo: ada@example.com
          $account: account.acme
          $opportunity: opportunity.acme-renewal
      send-quote:
        fields: {$title: Send the quote, $status: IN_PROGRESS}
        relationships: {$assignedTo: ada@example.com, $opportunity: opportunity.acme-renewal}
      globex-intro:
        fields: {$title: Introduce Globex, $status: Complete, $dueAt: "2026-11-30T09:00:00Z"}
        relationships: {$assignedTo: mem_cadalovelace000000000, $account: account.globex}
    notes:
      kickoff:
        fields:
          $title: Kickoff call
          $content: "# Kickoff\\n- budget agreed\\n- next: a quote"
        relationships:
          $account: account.acme
          $opportunity: [opportunity.acme-renewal]
      globex-lunch:
        fields: {$title: Lunch with Globex}
        relationships: {$account: [account.globex]}
    """
IN_BOTH_MODES = in_both_modes("demo")
IN_DEFAULT_MODE = in_default_mode("demo")


@dataclass
class Demo(AppliedProject):
    """The shared, applied project, the SDK on its emulator, and every write request it received
    (method, path, JSON body)."""

    sdk: Lightfield
    writes: list[tuple[str, str, dict]] = field(default_factory=list)

    def assert_clean(self) -> Result:
        clean = super().assert_clean()
        assert "No changes." in clean.stdout
        return clean

    def ids(self, *addresses: str) -> list[str]:
        return sorted(self.id_of(address) for address in addresses)


def _recording(writes: list[tuple[str, str, dict]]) -> type:
    class Recording:
        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] != "http" or scope["method"] not in WRITES:
                return await self.app(scope, receive, send)
            chunks: list[bytes] = []

            async def received():
                message = await receive()
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    body = b"".join(chunks)
                    writes.append((scope["method"], scope["path"], json.loads(body) if body else {}))
                return message

            return await self.app(scope, received, send)

    return Recording


@pytest.fixture(scope="module")
def demo(request, tmp_path_factory):
    """The graph with its tasks and notes applied on an emulator in the API mode a test names."""
    root = tmp_path_factory.mktemp(f"tasknote-{request.param}")
    writes: list[tuple[str, str, dict]] = []
    config = EmulatorConfig(db_path=str(root / "served.db"), docs_literal=request.param == DOCS_LITERAL)
    with serve_in_thread(config, middleware=_recording(writes)) as url, targeting(url):
        project = write_files(root / "project", {"lfsync.yaml": SETTINGS, "graph.yaml": GRAPH, "work.yaml": WORK})
        shared = Demo(project, Lightfield(api_key=LOCAL_KEY, base_url=url, max_retries=2), writes)
        validated = shared.run("validate", project)
        assert "2 account(s), 1 contact(s), 1 opportunity(s), 3 task(s), 2 note(s)" in validated.stdout, validated.output
        planned = shared.plan()
        assert "Plan: 9 to create, 0 to update, 0 to delete." in planned.stdout, planned.output
        assert '+ $dueAt:       "now+3d (' in planned.stdout and '+ $status:      "TODO"' in planned.stdout
        shared.applied()
        yield shared


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@IN_BOTH_MODES
def test_tasks_and_notes_apply_read_back_through_the_sdk_and_replan_clean(demo):
    anchor = _instant(demo.state()["anchor"]["at"])  # recorded by the first apply, which resolved now+3d
    call = demo.sdk.task.retrieve(demo.id_of("task.call-ada"))
    assert call.fields["$title"].value == "Call Ada" and call.fields["$status"].value == "TODO"
    assert call.fields["$description"].value == "Ask about the **renewal**."
    due = _instant(call.fields["$dueAt"].value)
    assert due == anchor + timedelta(days=3)
    assert call.relationships["$assignedTo"].values == [ADA]
    assert call.relationships["$account"].values == [demo.id_of("account.acme")]
    assert call.relationships["$opportunity"].values == [demo.id_of("opportunity.acme-renewal")]
    statuses = {demo.sdk.task.retrieve(demo.id_of(address)).fields["$status"].value for address in ("task.send-quote", "task.globex-intro")}
    assert statuses == {"IN_PROGRESS", "COMPLETE"}  # written in any case, as the API holds them
    kickoff = demo.sdk.note.retrieve(demo.id_of("note.kickoff"))
    assert kickoff.fields["$content"].value == "# Kickoff\n- budget agreed\n- next: a quote"
    assert kickoff.relationships["$account"].values == [demo.id_of("account.acme")]
    assert kickoff.relationships["$opportunity"].values == [demo.id_of("opportunity.acme-renewal")]
    # the read-only sides are filled in by Lightfield: reading them back is no drift
    acme = demo.sdk.account.retrieve(demo.id_of("account.acme"))
    assert sorted(acme.relationships["$task"].values) == [demo.id_of("task.call-ada")]
    assert sorted(acme.relationships["$note"].values) == [demo.id_of("note.kickoff")]
    # each task and note is created after what it references, with every link in its create, no skipEnrichment
    first_apply = demo.writes[:9]
    assert sorted(path for _, path, _ in first_apply) == sorted(
        ["/v1/accounts"] * 2 + ["/v1/contacts", "/v1/opportunities"] + ["/v1/tasks"] * 3 + ["/v1/notes"] * 2)
    id_by_identity = {
        "Acme": demo.id_of("account.acme"), "Globex": demo.id_of("account.globex"),
        "Acme renewal": demo.id_of("opportunity.acme-renewal"), "ada@acme.example": demo.id_of("contact.ada"),
    }
    created_before: set[str] = set()
    for _, path, body in first_apply:
        if path in ("/v1/tasks", "/v1/notes"):
            assert "skipEnrichment" not in body
            linked = {target for value in body["relationships"].values() for target in (value if isinstance(value, list) else [value])}
            assert linked - {ADA} <= created_before, body
        else:
            name = body["fields"]["$name"]
            created_before.add(id_by_identity[name if isinstance(name, str) else body["fields"]["$email"][0]])
    demo.assert_clean()


@IN_BOTH_MODES
def test_drift_on_a_task_and_a_notes_links_is_reverted_with_add_and_remove(demo):
    acme, ada, kickoff = demo.id_of("account.acme"), demo.id_of("contact.ada"), demo.id_of("note.kickoff")
    demo.sdk.task.update(demo.id_of("task.call-ada"), fields={"$status": "CANCELLED"})
    demo.sdk.note.update(kickoff, relationships={"$account": {"remove": acme}, "$contact": {"add": ada}})

    planned = demo.plan("--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "# task.call-ada will be updated in place (changed outside lfsync)" in planned.stdout
    assert '~ $status: "CANCELLED" -> "TODO"' in planned.stdout
    assert "# note.kickoff will be updated in place (changed outside lfsync)" in planned.stdout
    assert "Plan: 0 to create, 2 to update, 0 to delete." in planned.stdout
    attributes = {
        (change["address"], attribute["path"]): (attribute["before"], attribute["after"])
        for change in json.loads(demo.plan("--format", "json").stdout)["changes"] for attribute in change["attributes"]
    }
    assert attributes[("note.kickoff", "relationships.$account")] == (None, [acme]), planned.stdout

    sent = len(demo.writes)
    assert "0 created, 2 updated, 0 deleted" in demo.applied()
    note_updates = [body for method, path, body in demo.writes[sent:] if path == f"/v1/notes/{kickoff}"]
    assert note_updates == [{"relationships": {"$account": {"add": [acme]}}}]  # never `replace`
    assert demo.sdk.note.retrieve(kickoff).relationships["$account"].values == [acme]
    assert demo.sdk.task.retrieve(demo.id_of("task.call-ada")).fields["$status"].value == "TODO"
    # the contact the demo user added stays: the note declares no `$contact`, so it is not managed
    assert demo.sdk.note.retrieve(kickoff).relationships["$contact"].values == [ada]
    demo.assert_clean()


@IN_DEFAULT_MODE
def test_a_note_link_declared_away_is_removed_and_one_added_is_added(demo):
    kickoff = demo.id_of("note.kickoff")
    work = (demo.project / "work.yaml").read_text()
    demo_work = work.replace("$opportunity: [opportunity.acme-renewal]", "$contact: [contact.ada]")
    (demo.project / "work.yaml").write_text(demo_work)
    planned = demo.plan()
    assert "- $opportunity: [opportunity.acme-renewal]" in planned.stdout, planned.stdout
    sent = len(demo.writes)
    demo.applied()
    bodies = [body for method, path, body in demo.writes[sent:] if path == f"/v1/notes/{kickoff}"]
    assert bodies == [{"relationships": {
        "$contact": {"add": [demo.id_of("contact.ada")]},
        "$opportunity": {"remove": [demo.id_of("opportunity.acme-renewal")]},
    }}] or bodies == [{"relationships": {"$opportunity": {"remove": [demo.id_of("opportunity.acme-renewal")]}}}], bodies
    note = demo.sdk.note.retrieve(kickoff)
    assert note.relationships["$opportunity"].values == [] and note.relationships["$contact"].values == [demo.id_of("contact.ada")]
    (demo.project / "work.yaml").write_text(work)
    demo.applied()
    demo.assert_clean()


@IN_BOTH_MODES
def test_a_task_trashed_through_the_sdk_is_restored(demo):
    quote = demo.id_of("task.send-quote")
    demo.sdk.task.delete(quote)
    planned = demo.plan("--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "# task.send-quote is in the trash and will be restored" in planned.stdout
    sent = len(demo.writes)
    demo.applied()
    assert ("POST", f"/v1/tasks/{quote}/restore") in [(method, path) for method, path, _ in demo.writes[sent:]]
    assert demo.sdk.task.retrieve(quote).fields["$title"].value == "Send the quote"
    assert demo.id_of("task.send-quote") == quote
    demo.assert_clean()


@IN_BOTH_MODES
def test_reset_reverts_edits_restores_and_trashes_the_tasks_and_notes_nobody_declared(demo):
    demo.sdk.task.update(demo.id_of("task.globex-intro"), fields={"$title": "Something else", "$dueAt": None})
    demo.sdk.note.delete(demo.id_of("note.globex-lunch"))
    extra_task = demo.sdk.task.create(
        fields={"$title": "Unplanned", "$status": "TODO"}, relationships={"$assignedTo": ADA}
    ).id
    extra_note = demo.sdk.note.create(fields={"$title": "Scribble"}).id

    reset = demo.run("reset", demo.project, "--auto-approve")
    assert reset.exit_code == 0, reset.output
    assert "# task.globex-intro will be updated in place" in reset.stdout
    assert "# note.globex-lunch is in the trash and will be restored" in reset.stdout
    assert f"# unmanaged.{extra_task} will be moved to the trash: 'Unplanned' is declared nowhere" in reset.stdout
    assert f"# unmanaged.{extra_note} will be moved to the trash: 'Scribble' is declared nowhere" in reset.stdout
    live_tasks = {record["id"] for record in records_of(demo.project, "tasks")}
    live_notes = {record["id"] for record in records_of(demo.project, "notes")}
    assert live_tasks == set(demo.ids("task.call-ada", "task.send-quote", "task.globex-intro"))
    assert live_notes == set(demo.ids("note.kickoff", "note.globex-lunch"))
    intro = demo.sdk.task.retrieve(demo.id_of("task.globex-intro"))
    assert intro.fields["$title"].value == "Introduce Globex" and intro.fields["$dueAt"].value.startswith("2026-11-30T09:00:00")
    demo.assert_clean()


@IN_DEFAULT_MODE
def test_a_note_is_pruned_alone(demo):
    lunch = demo.id_of("note.globex-lunch")
    work = (demo.project / "work.yaml").read_text()
    (demo.project / "work.yaml").write_text(work.split("  globex-lunch:")[0])
    pruning = demo.plan("--prune", "--detailed-exitcode")
    assert pruning.exit_code == 2, pruning.output
    assert "note.globex-lunch will be moved to the trash" in pruning.stdout
    assert "Plan: 0 to create, 0 to update, 1 to delete." in pruning.stdout
    demo.applied("--prune")
    assert lunch in {record["id"] for record in records_of(demo.project, "notes", status="trashed")}
    assert "note.globex-lunch" not in demo.resources() and len(demo.resources()) == 8
    assert len(records_of(demo.project, "tasks")) == 3
    demo.assert_clean()


@IN_DEFAULT_MODE
def test_adopt_finds_an_existing_task_and_note_by_their_title(demo):
    task = demo.sdk.task.create(fields={"$title": "Follow up", "$status": "TODO"}, relationships={"$assignedTo": ADA}).id
    note = demo.sdk.note.create(fields={"$title": "Pricing", "$content": "old"}).id
    with (demo.project / "work.yaml").open("a", encoding="utf-8") as work:
        work.write("  pricing:\n    fields: {$title: Pricing, $content: new}\n")
    (demo.project / "more.yaml").write_text(
        "tasks:\n  follow-up:\n    fields: {$title: Follow up, $status: TODO}\n    relationships: {$assignedTo: ada@example.com}\n"
    )
    planned = demo.plan("--adopt")
    assert "# task.follow-up will be adopted (an existing record with the same title)" in planned.stdout, planned.output
    assert "# note.pricing will be adopted (an existing record with the same title)" in planned.stdout
    demo.applied("--adopt")
    assert demo.id_of("task.follow-up") == task and demo.id_of("note.pricing") == note
    assert demo.sdk.note.retrieve(note).fields["$content"].value == "new"
    demo.assert_clean()


@IN_DEFAULT_MODE
def test_export_writes_tasks_and_notes_with_their_links_as_addresses_and_replans_clean(demo):
    acme, renewal = demo.id_of("account.acme"), demo.id_of("opportunity.acme-renewal")
    task = demo.sdk.task.create(
        fields={"$title": "Send the contract", "$status": "TODO"}, relationships={"$assignedTo": ADA, "$opportunity": renewal}
    ).id
    note = demo.sdk.note.create(fields={"$title": "Legal review", "$content": "*ok*"}, relationships={"$account": [acme]}).id
    exported = demo.run("export", demo.project, "--kind", "task", "--kind", "note", "--file", "exported.yaml")
    assert exported.exit_code == 0, exported.output
    assert "1 task(s), 1 note(s)" in exported.stdout
    text = (demo.project / "exported.yaml").read_text()
    assert "tasks:\n  send-the-contract:\n" in text and "notes:\n  legal-review:\n" in text, text
    assert "$opportunity: opportunity.acme-renewal" in text and "$assignedTo: ada@example.com" in text
    assert "$account: [account.acme]" in text and "$content: '*ok*'" in text
    assert demo.id_of("task.send-the-contract") == task and demo.id_of("note.legal-review") == note
    demo.assert_clean()


BAD = {
    "no-assignee.yaml": """
        tasks:
          orphan:
            fields: {$title: Nobody's, $status: TODO}
        """,
    "bad-status.yaml": """
        tasks:
          odd:
            fields: {$title: Odd, $status: WAITING}
            relationships: {$assignedTo: ada@example.com}
        """,
    "meeting.yaml": """
        notes:
          minutes:
            fields: {$title: Minutes}
            relationships: {$meeting: [meet_cabc]}
        """,
}


@IN_DEFAULT_MODE
def test_bad_tasks_and_notes_are_refused_at_plan_time_with_nothing_sent(demo, tmp_path):
    for name, text in BAD.items():
        project = write_files(tmp_path / name.split(".")[0], {"lfsync.yaml": SETTINGS, name: text})
        sent = len(demo.writes)
        planned = demo.run("plan", project)
        assert planned.exit_code == 1, planned.output
        applied = demo.run("apply", project, "--auto-approve")
        assert applied.exit_code == 1, applied.output
        assert len(demo.writes) == sent, name
        said = planned.output
        if name == "no-assignee.yaml":
            assert f"{name}:2:3: task.orphan has no $assignedTo in 'relationships'" in said, said
        elif name == "bad-status.yaml":
            assert f"{name}:3:27: fields.$status of task.odd: 'WAITING' is not one of TODO, IN_PROGRESS, COMPLETE, CANCELLED" in said, said
        else:
            assert f"{name}:4:21: relationship $meeting links notes to meetings, which lfsync does not declare" in said, said


# --- a task create interrupted: SIGKILLed after it landed, its answer lost on a retry ---------------

def test_an_interrupted_task_create_is_settled_exactly_once(make_project, cli, tmp_path):
    killer = Killer([KillPoint("tasks.create", 1)], [DropPoint("notes.create", 1)])
    project = make_project({"graph.yaml": GRAPH, "work.yaml": WORK}, settings="skip_enrichment: true\n")
    config = EmulatorConfig(db_path=str(tmp_path / "emulator.db"), index_lag_ms=0)
    with serve_in_thread(config, middleware=killer.middleware()) as url:
        outputs = applies_until_done(killer, project, url, runs=3, timeout=300)
        assert killer.fired == killer.kills and killer.dropped == killer.drops, outputs
        assert any("Settling" in output for output in outputs), outputs
        env = {"LIGHTFIELD_BASE_URL": url, "LIGHTFIELD_API_KEY": LOCAL_KEY}
        replanned = cli("plan", project, "--detailed-exitcode", env=env)
        assert replanned.exit_code == 0, replanned.output
        sdk = Lightfield(api_key=LOCAL_KEY, base_url=url, max_retries=2)
        titles = sorted(task.fields["$title"].value for task in sdk.task.list(limit=25).data)
        assert titles == ["Call Ada", "Introduce Globex", "Send the quote"]  # none twice, none lost
        assert sorted(note.fields["$title"].value for note in sdk.note.list(limit=25).data) == ["Kickoff call", "Lunch with Globex"]
        state = json.loads((project / "state" / "default.lfstate.json").read_text())["resources"]
        assert {address for address in state if address.startswith(("task.", "note."))} == {
            "task.call-ada", "task.send-quote", "task.globex-intro", "note.kickoff", "note.globex-lunch"}
        task_keys = {key for path, key in killer.creates if path == "/v1/tasks"}
        assert len(task_keys) == 3 and all(key and key.startswith("lfsync-") for key in task_keys)
