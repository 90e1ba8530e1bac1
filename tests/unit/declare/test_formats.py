"""Stored formats: every file lfsync writes carries a format version it checks on reading, and what
earlier versions wrote still loads."""

from __future__ import annotations

import json

import pydantic
import pytest

from lfsync.config.project import load_project
from lfsync.errors import LfsyncError
from lfsync.plan.model import FINGERPRINT_FIELD, PLAN_FORMAT_VERSION, Plan, load_plan, plan_fingerprint
from lfsync.state.records import INTENT, JOURNAL_FORMAT_VERSION, STATE_FORMAT_VERSION, CreateIntent, UpdateIntent
from lfsync.state.workspace import StatePaths, load_state, locked_state


@pytest.fixture
def ws(make_project):
    return load_project(make_project({}))


def test_state_of_another_format_version_is_refused(ws):
    with locked_state(ws, "test"):
        pass
    path = StatePaths(ws).snapshot
    document = json.loads(path.read_text())
    assert document["format_version"] == STATE_FORMAT_VERSION
    path.write_text(json.dumps({**document, "format_version": STATE_FORMAT_VERSION + 1}))
    with pytest.raises(LfsyncError, match=f"state format_version {STATE_FORMAT_VERSION + 1} is not supported"):
        load_state(ws)


def test_journal_lines_carry_their_version_and_another_one_is_refused(ws):
    with locked_state(ws, "test") as state:
        state.begin(CreateIntent(address="account.a", idempotency_key="k", request={"fields": {}}, hash="h",
                                 applied={"fields": {}, "relationships": {}}))
    path = StatePaths(ws).journal
    line = json.loads(path.read_text())
    assert line["format_version"] == JOURNAL_FORMAT_VERSION and line["intent"]["operation"] == "create"
    path.write_text(json.dumps({**line, "format_version": JOURNAL_FORMAT_VERSION + 1}) + "\n")
    with pytest.raises(LfsyncError, match=r"journal.jsonl:1: journal format_version 2 is not supported"):
        load_state(ws)


def test_a_journal_written_before_versions_and_typed_intents_still_loads(ws):
    with locked_state(ws, "test"):
        pass
    # As lfsync wrote it before this format was documented: no format_version, one shape for all intents.
    old = [
        {"intent": {"seq": 1, "operation": "create", "address": "account.a", "idempotency_key": "lfsync-abc",
                    "request": {"fields": {"$name": "A"}}, "hash": "h1",
                    "applied": {"fields": {"$name": "A"}, "relationships": {}}, "at": "2026-01-01T00:00:00.000+00:00"}},
        {"intent": {"seq": 2, "operation": "update", "address": "account.b", "resource_id": "acc_b",
                    "idempotency_key": "k2", "request": {"fields": {"x": 1}}, "hash": "h2",
                    "applied": {"fields": {"x": 1}, "relationships": {}}, "at": "2026-01-01T00:00:01.000+00:00"}},
        {"intent": {"seq": 3, "operation": "delete", "address": "account.c", "resource_id": "acc_c",
                    "at": "2026-01-01T00:00:02.000+00:00"}},
        {"outcome": {"intent": 3, "result": "done", "serial": 1, "address": "account.c"}},
    ]
    StatePaths(ws).journal.write_text("".join(json.dumps(entry) + "\n" for entry in old))
    state = load_state(ws)
    assert sorted(state.pending) == [1, 2] and state.serial == 1
    create, update = state.pending[1], state.pending[2]
    assert isinstance(create, CreateIntent) and create.request == {"fields": {"$name": "A"}}
    assert isinstance(update, UpdateIntent) and update.resource_id == "acc_b"


def test_an_intent_cannot_lack_what_its_request_needs():
    with pytest.raises(pydantic.ValidationError):
        INTENT.validate_python({"seq": 1, "operation": "create", "address": "account.a", "at": "x"})  # no key, no body
    with pytest.raises(pydantic.ValidationError):
        INTENT.validate_python({"seq": 1, "operation": "delete", "address": "account.a", "at": "x"})  # no ID


def test_a_saved_plan_of_another_format_version_is_refused(tmp_path):
    plan = Plan(project_dir=".", workspace="default", target="local", lineage="", serial=0, declarations_digest="d")
    path = tmp_path / "p.lfplan"
    plan.save(path)
    assert load_plan(path) == plan
    document = json.loads(path.read_text())
    path.write_text(json.dumps({**document, "format_version": PLAN_FORMAT_VERSION + 1}))
    with pytest.raises(LfsyncError, match=f"not a saved lfsync plan of format {PLAN_FORMAT_VERSION}"):
        load_plan(path)


def test_a_saved_plan_keeps_its_changes_as_written(tmp_path):
    """Change (inside a Plan) is read back by a later apply: the actions stay plain strings on disk."""
    document = {
        "format_version": PLAN_FORMAT_VERSION, "lfsync_version": "0.1.0", "project_dir": ".", "workspace": "default",
        "target": "local", "lineage": "", "serial": 0, "declarations_digest": "d",
        "changes": [{"address": "account.a", "action": "restore", "resource_id": "acc_1"}],
    }
    document[FINGERPRINT_FIELD] = plan_fingerprint(Plan.model_validate(document))  # as plan --out writes it
    path = tmp_path / "p.lfplan"
    path.write_text(json.dumps(document))
    plan = load_plan(path)
    assert plan.changes[0].action == "restore" and plan.changes[0].requests == 1
    assert json.loads(plan.model_dump_json())["changes"][0]["action"] == "restore"
