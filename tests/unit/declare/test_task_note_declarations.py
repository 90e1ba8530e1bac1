"""Tasks and notes declared beside accounts (`tasks:`, `notes:`): their addresses, the parts each
kind requires or refuses at file:line:col, and their values checked against the definitions
(a task's `$status` in any case, markdown written as text, members by email, notes' links as lists
so that updates are adds and removes)."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from lfsync.api.records import member_from, parse_definitions, parse_record
from lfsync.declare.declarations import load_declarations
from lfsync.declare.schema import declaration_json_schema
from lfsync.errors import DeclarationError, render_problem
from lfsync.kinds.catalogue import NOTE, TASK, identity_field_of
from lfsync.plan.resources import update_operations
from lfsync.values.check import check_declarations
from lfsync.values.organisation import Organisation

ADA = "mem_cadalovelace000000000"
MEMBERS = [{"id": ADA, "createdAt": "2026-01-01T00:00:00Z", "fields": {"$email": {"value": "ada@example.com", "valueType": "EMAIL"}}, "relationships": {}}]


def _field(value_type: str, options: tuple[str, ...] = ()) -> dict:
    configuration = {"options": [{"id": option, "label": option} for option in options]} if options else {}
    return {"label": "x", "valueType": value_type, "typeConfiguration": configuration}


def _link(object_type: str, cardinality: str) -> dict:
    return {"label": "x", "cardinality": cardinality, "objectType": object_type}


ACCOUNTS = {"objectType": "account", "fieldDefinitions": {"$name": _field("TEXT")}, "relationshipDefinitions": {}}
TASKS = {
    "objectType": "task",
    "fieldDefinitions": {
        "$title": _field("TEXT"), "$status": _field("SINGLE_SELECT", ("TODO", "IN_PROGRESS", "COMPLETE", "CANCELLED")),
        "$description": _field("MARKDOWN"), "$dueAt": _field("DATETIME"),
    },
    "relationshipDefinitions": {
        "$assignedTo": _link("member", "HAS_ONE"), "$account": _link("account", "HAS_ONE"),
        "$opportunity": _link("opportunity", "HAS_ONE"), "$createdBy": _link("member", "HAS_ONE"),
        "$note": _link("note", "HAS_MANY"),
    },
}
NOTES = {
    "objectType": "note",
    "fieldDefinitions": {"$title": _field("TEXT"), "$content": _field("MARKDOWN")},
    "relationshipDefinitions": {key: _link(key[1:], "HAS_MANY") for key in ("$account", "$opportunity", "$contact", "$meeting")},
}


def organisation() -> Organisation:
    members = [member_from(parse_record(record, "GET /v1/members")) for record in MEMBERS]
    return Organisation.from_api(
        parse_definitions(ACCOUNTS, "accounts"), members,
        kinds={"task": parse_definitions(TASKS, "tasks"), "note": parse_definitions(NOTES, "notes")},
    )


@pytest.fixture(autouse=True)
def in_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # display paths are relative to the working directory


def write(directory: Path, text: str) -> None:
    (directory / "work.yaml").write_text(textwrap.dedent(text), encoding="utf-8")


def problems_of(project: Path) -> list[str]:
    with pytest.raises(DeclarationError) as caught:
        load_declarations(project)
    return [f"{problem.place}: {render_problem(dataclasses.replace(problem, place=None))}" for problem in caught.value.problems]


WORK = """\
accounts:
  acme:
    fields: {$name: Acme}
tasks:
  call:
    fields: {$title: Call Ada, $status: in_progress, $dueAt: now+3d, $description: "**soon**"}
    relationships: {$assignedTo: ADA@example.com, $account: account.acme}
notes:
  kickoff:
    fields: {$title: Kickoff, $content: "# Notes"}
    relationships: {$account: account.acme, $contact: con_c1}
"""


def test_tasks_and_notes_load_and_check_to_their_canonical_forms(tmp_path):
    write(tmp_path, WORK)
    declarations = load_declarations(tmp_path)
    assert sorted(declarations.accounts) == ["account.acme", "note.kickoff", "task.call"]
    checked = check_declarations(declarations, organisation())
    assert not checked.problems
    assert checked.fields["task.call"] == {"$title": "Call Ada", "$status": "IN_PROGRESS", "$dueAt": "now+3d", "$description": "**soon**"}
    assert checked.relationships["task.call"] == {"$assignedTo": ADA, "$account": "account.acme"}  # the member by email
    assert checked.fields["note.kickoff"] == {"$title": "Kickoff", "$content": "# Notes"}  # markdown written as text
    assert checked.relationships["note.kickoff"] == {"$account": ["account.acme"], "$contact": ["con_c1"]}  # HAS_MANY: lists


def test_a_notes_links_change_by_add_and_remove_never_replace():
    before = {"fields": {}, "relationships": {"$account": ["acc_1"], "$opportunity": ["opp_1"]}}
    after = {"fields": {}, "relationships": {"$account": ["acc_2"], "$contact": ["con_1"]}}
    assert update_operations(before, after) == {"relationships": {
        "$account": {"remove": ["acc_1"], "add": ["acc_2"]}, "$contact": {"add": ["con_1"]}, "$opportunity": {"remove": ["opp_1"]},
    }}


def test_what_tasks_and_notes_require_and_refuse_is_said_at_file_line_and_column(tmp_path):
    write(tmp_path, """\
        tasks:
          a:
            fields: {$status: TODO}
          b:
            fields: {$title: B, $status: TODO}
            relationships: {$assignedTo: ada@example.com, $note: [note.n]}
        notes:
          n:
            fields: {$content: text}
            relationships: {$meeting: [meet_c1], $author: ada@example.com}
        """)
    assert problems_of(tmp_path) == [
        "work.yaml:2:3: task.a has no $assignedTo in 'relationships'; every task needs one (a member's email or ID, e.g. $assignedTo: ada@example.com)",
        "work.yaml:3:5: task.a has no $title in 'fields'; every task needs one",
        "work.yaml:6:51: relationship $note is read-only in Lightfield and cannot be set from a declaration",
        "work.yaml:9:5: note.n has no $title in 'fields'; every note needs one",
        "work.yaml:10:21: relationship $meeting links notes to meetings, which lfsync does not declare or manage; link them in Lightfield instead",
        "work.yaml:10:42: relationship $author is read-only in Lightfield and cannot be set from a declaration",
    ]


@pytest.mark.parametrize(("status", "said"), [
    ("WAITING", "'WAITING' is not one of TODO, IN_PROGRESS, COMPLETE, CANCELLED (any case)"),
    ("COMPLETED", "'COMPLETED' is not one of TODO, IN_PROGRESS, COMPLETE, CANCELLED (any case) (did you mean 'COMPLETE'?)"),
    ("3", "the number 3 is not one of TODO, IN_PROGRESS, COMPLETE, CANCELLED (any case)"),
])
def test_an_unknown_status_is_refused_naming_the_four(tmp_path, status, said):
    write(tmp_path, f"""\
        tasks:
          a:
            fields: {{$title: A, $status: {status}}}
            relationships: {{$assignedTo: {ADA}}}
        """)
    checked = check_declarations(load_declarations(tmp_path), organisation())
    assert [str(problem.place) for problem in checked.problems] == ["work.yaml:3:25"]
    assert list(checked.problems)[0].message.startswith(f"fields.$status of task.a: {said}")


def test_markdown_fields_take_text_only(tmp_path):
    write(tmp_path, """\
        notes:
          n:
            fields: {$title: N, $content: [a, b]}
        """)
    checked = check_declarations(load_declarations(tmp_path), organisation())
    assert [problem.message for problem in checked.problems] == [
        "fields.$content of note.n: expected markdown text, found a list (quote it to keep it as text) (MARKDOWN field)"
    ]


def test_identity_history_and_schema_of_the_two_kinds():
    assert identity_field_of(TASK, "$name") == "$title" and identity_field_of(NOTE, "$name") == "$title"
    assert not TASK.field_history and not NOTE.field_history  # the docs name field history for contacts and opportunities only
    assert TASK.owns_id("task_c1") and NOTE.owns_id("note_c1") and TASK.id_prefix is None  # never required of an answer
    schema = declaration_json_schema()
    task = schema["$defs"]["task"]
    assert task["required"] == ["fields", "relationships"] and task["properties"]["relationships"]["required"] == ["$assignedTo"]
    assert task["properties"]["fields"]["required"] == ["$title", "$status"]
    assert schema["$defs"]["note"]["properties"]["relationships"]["properties"]["$meeting"] == {
        "description": "Read-only in Lightfield: cannot be declared.", "not": {}
    } and "tasks" in schema["properties"] and "notes" in schema["properties"]
