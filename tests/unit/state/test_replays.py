"""Telling a replayed create from a fresh one without a header: tombstones and the createdAt check."""

from __future__ import annotations

import json

import pytest

from lfsync.config.project import load_project
from lfsync.state.records import CreateIntent, DeleteIntent, ResourceState, UpdateIntent
from lfsync.state.replays import RETIRED_KEPT, answers_with_an_earlier_record, last_retired, retire
from lfsync.state.workspace import StatePaths, load_state, locked_state

SENT_AT = "2026-11-27T12:00:00.000+00:00"


def test_retire_keeps_the_latest_ids_per_address_once_each():
    retired: dict[str, list[str]] = {}
    assert last_retired(retired, "account.a") is None
    retire(retired, "account.a", "acc_1")
    retire(retired, "account.a", "acc_2")
    retire(retired, "account.a", "acc_1")  # seen again: moves to the end, not twice
    assert retired == {"account.a": ["acc_2", "acc_1"]} and last_retired(retired, "account.a") == "acc_1"
    for number in range(3, 3 + RETIRED_KEPT):
        retire(retired, "account.a", f"acc_{number}")
    assert len(retired["account.a"]) == RETIRED_KEPT and last_retired(retired, "account.a") == f"acc_{2 + RETIRED_KEPT}"
    assert last_retired(retired, "account.b") is None


@pytest.mark.parametrize(
    ("created_at", "replay_hint", "earlier"),
    [
        ("2026-11-27T11:00:00.000Z", False, True),  # an hour before the intent: an earlier create
        ("2026-11-27T12:54:59+01:00", False, True),  # the same, written with an offset
        ("2026-11-27T11:56:00.000Z", False, False),  # within the clock-skew margin: this intent's own
        ("2026-11-27T12:00:00.200Z", False, False),  # after the intent: created by it
        ("2026-11-27T12:00:00.200Z", True, True),  # the server said it replayed (a hint, when sent)
        (None, False, False),
        ("not a time", False, False),
    ],
)
def test_an_answer_is_an_earlier_record_when_made_well_before_the_intent(created_at, replay_hint, earlier):
    assert answers_with_an_earlier_record(created_at, SENT_AT, replay_hint=replay_hint) is earlier


@pytest.fixture
def ws(make_project):
    return load_project(make_project({}, settings="target: local\n"))


def create(address: str) -> CreateIntent:
    return CreateIntent(address=address, idempotency_key="k", request={}, hash="h", applied={})


def resource(resource_id: str) -> ResourceState:
    return ResourceState(id=resource_id, hash="h", applied={"fields": {"$name": resource_id}, "relationships": {}})


def test_a_delete_leaves_a_tombstone_in_state_and_only_a_delete_does(ws):
    with locked_state(ws, "test") as state:
        for address, resource_id in [("account.a", "acc_1"), ("account.b", "acc_2")]:
            state.finish(state.begin(create(address)), resource(resource_id))
        state.compact()
    snapshot = json.loads(StatePaths(ws).snapshot.read_text())
    assert "retired" not in snapshot  # no tombstones, no key: old and new files read alike

    with locked_state(ws, "test") as state:
        state.finish(state.begin(DeleteIntent(address="account.a", resource_id="acc_1")), None)
        state.finish(state.begin(
            UpdateIntent(address="account.b", resource_id="acc_2", idempotency_key="k", request={}, hash="h", applied={})
        ), resource("acc_2"))
    assert load_state(ws).snapshot.retired == {"account.a": ["acc_1"]}  # folded from the journal alone
    with locked_state(ws, "test") as state:
        state.compact()
    snapshot = json.loads(StatePaths(ws).snapshot.read_text())
    assert snapshot["retired"] == {"account.a": ["acc_1"]} and "account.a" not in snapshot["resources"]


def test_a_state_file_written_before_tombstones_reads_as_having_none(ws):
    with locked_state(ws, "test") as state:
        state.finish(state.begin(create("account.a")), resource("acc_1"))
        state.compact()
    path = StatePaths(ws).snapshot
    document = json.loads(path.read_text())
    document.pop("retired", None)
    path.write_text(json.dumps(document))
    assert load_state(ws).snapshot.retired == {}
