"""Telling a replayed create from a fresh one without a header: tombstones and the createdAt check."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from lfsync.api.serverclock import ServerTime
from lfsync.config.project import load_project
from lfsync.state.records import INTENT, CreateIntent, DeleteIntent, ResourceState, UpdateIntent
from lfsync.state.replays import (
    CLOCK_SKEW,
    RETIRED_KEPT,
    SERVER_CLOCK_TOLERANCE,
    answers_with_an_earlier_record,
    intent_age,
    journalled_at,
    last_retired,
    retire,
)
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
    return ResourceState(id=resource_id, hash="0" * 64, applied={"fields": {"$name": resource_id}, "relationships": {}})


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


# -- the API's clock: intents stamped with it, ages and "before" read on it --------------------------

SERVER_AT = "2026-11-27T12:00:00.000+00:00"
RUNNER_AN_HOUR_FAST = "2026-11-27T13:00:00.000+00:00"


def on_server(moment: str) -> ServerTime:
    return ServerTime(datetime.fromisoformat(moment), "date")


def stamped(at: str = RUNNER_AN_HOUR_FAST, server_at: str | None = SERVER_AT) -> CreateIntent:
    return create("account.a").model_copy(update={"at": at, "server_at": server_at, "server_clock": "date" if server_at else None})


def test_an_intent_with_server_time_is_aged_and_compared_on_the_servers_clock():
    intent = stamped()
    assert intent_age(intent, on_server("2026-11-28T13:00:00.000+00:00")) == timedelta(hours=25)
    assert journalled_at(intent) == (datetime.fromisoformat(SERVER_AT), SERVER_CLOCK_TOLERANCE)
    sent_at, margin = journalled_at(intent)
    # Its own account, created a moment after the intent by the server's clock: not an earlier record,
    # though the runner's clock (an hour fast) journalled it "later".
    assert not answers_with_an_earlier_record("2026-11-27T12:00:00.300Z", sent_at, skew=margin)
    assert not answers_with_an_earlier_record("2026-11-27T11:59:30.000Z", sent_at, skew=margin)  # within the margin
    assert answers_with_an_earlier_record("2026-11-27T11:58:00.000Z", sent_at, skew=margin)
    assert SERVER_CLOCK_TOLERANCE < CLOCK_SKEW


def test_an_intent_without_server_time_keeps_the_runners_clock_and_its_margin():
    intent = stamped(at=SENT_AT, server_at=None)
    assert journalled_at(intent) == (datetime.fromisoformat(SENT_AT), CLOCK_SKEW)
    runner_now = ServerTime(datetime.fromisoformat("2026-11-28T12:00:00.000+00:00"), "local")
    assert intent_age(intent, runner_now) == timedelta(hours=24)
    assert intent_age(stamped(at=SENT_AT), runner_now) == timedelta(hours=24)  # no server time now: the runner's


def test_begin_stamps_the_servers_time_only_when_it_is_the_servers(ws):
    with locked_state(ws, "test") as state:
        told = state.begin(create("account.a"), on_server(SERVER_AT))
        untold = state.begin(create("account.b"), ServerTime(datetime.fromisoformat(SERVER_AT), "local"))
        unknown = state.begin(create("account.c"))
    assert (told.server_at, told.server_clock) == (SERVER_AT, "date")
    assert told.at != SERVER_AT  # the runner's clock, still kept for people to read
    assert untold.server_at is None and unknown.server_at is None
    lines = StatePaths(ws).journal.read_text().splitlines()
    assert '"server_at"' in lines[0] and '"server_at"' not in lines[1]  # omitted: older journals read alike
    assert load_state(ws).pending[told.seq].server_at == SERVER_AT


def test_a_server_now_known_only_from_records_never_makes_an_intent_younger_than_the_runners_clock_does():
    """Without a Date, "now" is a lower bound (the newest stamp the server answered): the longer age
    counts, so an old create is looked up by name rather than re-sent with a forgotten key."""
    intent = stamped(at=datetime.now(timezone.utc).isoformat(timespec="milliseconds"), server_at=SERVER_AT)
    behind = ServerTime(datetime.fromisoformat(SERVER_AT) + timedelta(hours=1), "records")
    assert intent_age(intent, behind) == timedelta(hours=1)  # the records' (1 h), not the runner's (about 0 s)
    earlier = ServerTime(datetime.fromisoformat(SERVER_AT) - timedelta(days=1), "records")
    assert timedelta(0) <= intent_age(intent, earlier) < timedelta(minutes=1)  # the runner's, not -1 day


@pytest.mark.parametrize("server_at", ["yesterday", "2026-11-27T12:00:00", "2026-13-01T00:00:00Z"])
def test_a_journalled_server_time_that_names_no_instant_is_refused_on_reading(server_at):
    line = {"operation": "create", "address": "account.a", "idempotency_key": "k", "request": {}, "hash": "h",
            "applied": {}, "at": SERVER_AT, "server_at": server_at}
    with pytest.raises(ValidationError, match="server_at"):
        INTENT.validate_python(line)
    assert INTENT.validate_python({**line, "server_at": SERVER_AT}).server_at == SERVER_AT
