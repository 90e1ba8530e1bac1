"""Drift explained, the pure half: which attributes drifted, how an age reads, a plan annotated."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lfsync.plan.actions import Action
from lfsync.plan.drift import DriftedField, DriftTimes, age_words, annotate_drift, drift_note, drifted_fields, iso_utc
from lfsync.plan.model import AttributeChange, Change, Plan
from lfsync.state.records import ResourceState

MINUTE, HOUR, DAY = 60, 3600, 86400
HASH = "0" * 64


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (-5, "just now"),  # a recordedAt ahead of the server's Date (to the second): not "in the future"
        (0, "just now"),
        (59.9, "just now"),
        (60, "1 minute ago"),
        (119, "1 minute ago"),
        (45 * MINUTE, "45 minutes ago"),
        (HOUR, "1 hour ago"),
        (23 * HOUR + 59 * MINUTE, "23 hours ago"),
        (DAY, "1 day ago"),
        (2 * DAY + HOUR, "2 days ago"),
        (400 * DAY, "400 days ago"),
    ],
)
def test_age_words(seconds: float, words: str) -> None:
    assert age_words(seconds) == words


def resource(fields: dict, resource_id: str = "acc_1") -> ResourceState:
    return ResourceState(id=resource_id, hash=HASH, applied={"fields": fields, "relationships": {}})


def update(address: str, attributes: list[AttributeChange], observed: dict | None) -> Change:
    return Change(address=address, action=Action.UPDATE, resource_id="acc_1", attributes=attributes, observed=observed)


def test_only_fields_that_differ_from_what_was_applied_count_as_drifted() -> None:
    applied = {"$name": "Acme", "tier": "opt_e", "icp-score": 1, "$website": ["https://a.example"]}
    observed = {"fields": {"$name": "Acme", "tier": "opt_s", "icp-score": 1}, "relationships": {"$owner": "mem_2"}}
    change = update("account.acme", [
        AttributeChange("fields.tier", "change", "opt_s", "opt_e"),  # changed in Lightfield
        AttributeChange("fields.icp-score", "change", 1, 2),  # changed in the declarations only
        AttributeChange("fields.$website", "add", None, ["https://a.example"]),  # cleared in Lightfield
        AttributeChange("relationships.$owner", "change", "mem_2", "mem_1"),  # no history for links
    ], observed)
    not_refreshed = update("account.globex", [AttributeChange("fields.tier", "change", "opt_s", "opt_e")], None)
    found = drifted_fields([change, not_refreshed], {"account.acme": resource(applied), "account.globex": resource({})})
    assert found == [DriftedField("account.acme", "acc_1", "tier"), DriftedField("account.acme", "acc_1", "$website")]


def plan_with(*changes: Change) -> Plan:
    return Plan(project_dir=".", workspace="default", target="local", lineage="", serial=0, declarations_digest="d",
                changes=list(changes))


def test_annotate_sets_time_and_age_by_the_servers_clock_and_leaves_the_rest() -> None:
    tier = AttributeChange("fields.tier", "change", "opt_s", "opt_e")
    name = AttributeChange("fields.$name", "change", "A", "B")
    plan = plan_with(update("account.acme", [tier, name], {"fields": {}}))
    now = datetime(2026, 3, 3, 12, 0, tzinfo=timezone.utc)
    edited = now - timedelta(days=2, minutes=5)
    annotate_drift(plan, DriftTimes(changed_at={("account.acme", "tier"): edited}, server_now=now))
    assert (tier.changed_at, tier.changed_ago) == ("2026-03-01T11:55:00.000Z", "2 days ago")
    assert (name.changed_at, name.changed_ago) == (None, None)
    assert plan.drift_history_note is None
    # ages are not part of what a change is: apply's re-plan (without them) still matches
    assert tier == AttributeChange("fields.tier", "change", "opt_s", "opt_e")


def test_without_the_servers_time_a_change_is_dated_not_aged() -> None:
    tier = AttributeChange("fields.tier", "change", "opt_s", "opt_e")
    plan = plan_with(update("account.acme", [tier], {"fields": {}}))
    moment = datetime(2026, 3, 1, 9, 30, 15, 250000, tzinfo=timezone(timedelta(hours=2)))
    annotate_drift(plan, DriftTimes(changed_at={("account.acme", "tier"): moment}))
    assert (tier.changed_at, tier.changed_ago) == ("2026-03-01T07:30:15.250Z", None)
    assert plan.drift_history_note == "The server's time is unknown, so changes are dated but not aged."


def test_the_note_says_once_what_was_not_read_or_could_not_be() -> None:
    assert drift_note(DriftTimes()) is None
    note = drift_note(DriftTimes(not_read=3, unreadable=1, most_reads=50, server_now=datetime.now(timezone.utc)))
    assert note == (
        "3 more drifted field(s) are shown without when they changed in Lightfield (at most 50 field histories "
        "are read per plan); the history of 1 drifted field(s) could not be read."
    )


def test_iso_utc_is_the_apis_form() -> None:
    assert iso_utc(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)) == "2026-01-02T03:04:05.678Z"
