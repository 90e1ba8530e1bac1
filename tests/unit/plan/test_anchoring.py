"""The anchor of relative dates in a plan (plan/anchoring.py, pure) and in state (StateSnapshot.anchor):
which anchor a plan takes, the payloads resolved against it, how a plan shows them, what apply
records, when a saved plan is stale, and state files with and without an anchor read back strictly."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from lfsync.plan.anchoring import (
    PlanAnchor,
    anchor_note,
    anchor_staleness,
    anchor_text,
    choose_anchor,
    relative_fields,
    resolved,
    shown_as,
    to_record,
)
from lfsync.plan.model import Plan, PlanOptions, plan_fingerprint
from lfsync.plan.resources import DesiredAccount
from lfsync.state.records import STORED, Anchor, StateSnapshot
from lfsync.values.organisation import Organisation

NOW = datetime(2026, 12, 7, 12, 0, 0, 750000, tzinfo=timezone.utc)
LINEAGE = "0b6f3c6e-4c1a-4f7e-9d1a-2f3e4d5c6b7a"


def _field(value_type: str) -> dict:
    return {"label": value_type.title(), "valueType": value_type, "typeConfiguration": {}}


ORGANISATION = Organisation.from_wire(
    {
        "objectType": "account",
        "fieldDefinitions": {"$name": _field("TEXT"), "renewalDate": _field("DATETIME"), "region": _field("TEXT")},
        "relationshipDefinitions": {},
    },
    None,
)


def desired(**fields) -> dict[str, DesiredAccount]:
    return {"account.acme": DesiredAccount("account.acme", {"$name": "Acme", **fields}, {}, True)}


def test_only_datetime_fields_holding_an_expression_are_relative():
    found = relative_fields(desired(renewalDate="now+3d", region="now+3d"), ORGANISATION)
    assert {address: {key: date.expression for key, date in dates.items()} for address, dates in found.items()} == {
        "account.acme": {"renewalDate": "now+3d"}
    }
    assert relative_fields(desired(renewalDate="2026-03-01T09:00:00.000Z"), ORGANISATION) == {}


def test_payloads_hold_the_instant_in_the_api_form():
    wanted = desired(renewalDate="now+3d", region="now+3d")
    anchor = choose_anchor(None, NOW, "date")
    resolved_now = resolved(wanted, relative_fields(wanted, ORGANISATION), anchor.moment)
    assert resolved_now["account.acme"].fields == {"$name": "Acme", "renewalDate": "2026-12-10T12:00:00.000Z", "region": "now+3d"}
    assert wanted["account.acme"].fields["renewalDate"] == "now+3d"  # the declaration itself is left alone


def test_which_anchor_a_plan_takes():
    first = choose_anchor(None, NOW, "date")
    assert (first.at, first.source, first.recorded, first.moves) == ("2026-12-07T12:00:00Z", "date", None, True)
    recorded = Anchor(at="2026-12-01T08:00:00Z", clock="date")
    kept = choose_anchor(recorded, NOW, "date")
    assert (kept.at, kept.source, kept.moves) == ("2026-12-01T08:00:00Z", "state", False)
    moved = choose_anchor(recorded, NOW, "local", reanchor=True)
    assert (moved.at, moved.source, moved.recorded, moved.moves) == ("2026-12-07T12:00:00Z", "local", "2026-12-01T08:00:00Z", True)
    saved = PlanAnchor(at="2026-12-05T00:00:00Z", source="date", recorded=None)
    assert choose_anchor(recorded, NOW, "date", reanchor=True, saved=saved) is saved


def test_apply_records_a_new_anchor_only():
    assert to_record(choose_anchor(None, NOW, "records")) == Anchor(at="2026-12-07T12:00:00Z", clock="records")
    assert to_record(choose_anchor(Anchor(at="2026-12-01T08:00:00Z", clock="date"), NOW, "date")) is None


def test_a_plan_shows_the_expression_beside_each_instant_it_moves_between():
    wanted = desired(renewalDate="now+3d")
    relative = relative_fields(wanted, ORGANISATION)
    moved = choose_anchor(Anchor(at="2026-12-06T12:00:00Z", clock="date"), NOW, "date", reanchor=True)
    shown = ["2026-12-09T12:00:00.000Z", "2026-12-10T12:00:00.000Z", "Acme", ["x"]]
    assert shown_as(relative, moved, shown) == {
        "2026-12-09T12:00:00.000Z": "now+3d (2026-12-09T12:00:00.000Z)",
        "2026-12-10T12:00:00.000Z": "now+3d (2026-12-10T12:00:00.000Z)",
    }
    assert shown_as(relative, moved, ["Acme"]) == {}


def test_the_plans_note_says_what_apply_records():
    assert anchor_note(None) == ""
    assert anchor_note(choose_anchor(Anchor(at="2026-12-01T08:00:00Z", clock="date"), NOW, "date")) == ""
    assert anchor_note(choose_anchor(None, NOW, "date")) == (
        "relative dates resolve against now, 2026-12-07T12:00:00Z (the API's clock); apply records it as this workspace's anchor"
    )
    assert "this machine's clock, as the target could not be asked" in anchor_note(choose_anchor(None, NOW, "local"))
    moved = choose_anchor(Anchor(at="2026-12-06T10:00:00Z", clock="date"), NOW, "date", reanchor=True)
    assert anchor_note(moved) == (
        "--reanchor moves the anchor of relative dates from 2026-12-06T10:00:00Z to now, 2026-12-07T12:00:00Z "
        "(the API's clock; +1d 02:00:00)"
    )


def test_a_saved_plan_is_stale_once_another_apply_moved_the_anchor():
    saved = PlanAnchor(at="2026-12-07T12:00:00Z", source="date", recorded="2026-12-01T08:00:00Z")
    assert anchor_staleness(saved, Anchor(at="2026-12-01T08:00:00Z", clock="date")) is None
    assert anchor_staleness(None, Anchor(at="2026-12-01T08:00:00Z", clock="date")) is None
    assert anchor_staleness(saved, Anchor(at="2026-12-07T12:00:05Z", clock="date")) == (
        "the anchor of relative dates has moved since it was made (2026-12-01T08:00:00Z -> 2026-12-07T12:00:05Z)"
    )
    first = PlanAnchor(at="2026-12-07T12:00:00Z", source="date", recorded=None)
    assert "(none -> 2026-12-07T12:00:00Z)" in str(anchor_staleness(first, Anchor(at="2026-12-07T12:00:00Z", clock="date")))


def test_anchors_are_kept_to_the_second_in_utc():
    assert anchor_text(datetime(2026, 12, 7, 13, 0, 0, 999999, tzinfo=timezone.utc)) == "2026-12-07T13:00:00Z"


def test_plans_without_relative_dates_keep_their_json_and_fingerprint():
    plan = Plan(project_dir=".", workspace="default", target="local", lineage="", serial=0, declarations_digest="d")
    assert "anchor" not in json.loads(plan.model_dump_json()) and "reanchor" not in plan.options.model_dump()
    assert plan_fingerprint(plan) != plan_fingerprint(plan.model_copy(update={"options": PlanOptions(reanchor=True)}))
    anchored = plan.model_copy(update={"anchor": choose_anchor(None, NOW, "date")})
    assert Plan.model_validate_json(anchored.model_dump_json()).anchor == anchored.anchor


def _snapshot(**extra) -> dict:
    return {"lineage": LINEAGE, "serial": 1, "workspace": "default", "target": "local", "resources": {}, **extra}


def test_state_without_an_anchor_reads_and_writes_as_before():
    snapshot = StateSnapshot.model_validate(_snapshot(), context=STORED)
    assert snapshot.anchor is None
    assert "anchor" not in json.loads(snapshot.to_json())


def test_state_with_an_anchor_reads_back():
    document = _snapshot(anchor={"at": "2026-12-07T12:00:00Z", "clock": "date"})
    snapshot = StateSnapshot.model_validate(document, context=STORED)
    assert snapshot.anchor == Anchor(at="2026-12-07T12:00:00Z", clock="date")
    assert json.loads(snapshot.to_json())["anchor"] == {"at": "2026-12-07T12:00:00Z", "clock": "date"}


@pytest.mark.parametrize(
    "anchor, problem",
    [
        ({"at": "2026-12-07T12:00:00+01:00", "clock": "date"}, "is not an instant in UTC"),
        ({"at": "2026-12-07 12:00:00Z", "clock": "date"}, "is not an instant in UTC"),
        ({"at": "2026-02-30T12:00:00Z", "clock": "date"}, "is not a real date and time"),
        ({"at": "now", "clock": "date"}, "is not an instant in UTC"),
        ({"at": "2026-12-07T12:00:00Z", "clock": "sundial"}, "clock"),
        ({"at": "2026-12-07T12:00:00Z"}, "clock"),
        ("2026-12-07T12:00:00Z", "anchor"),
    ],
)
def test_a_hand_edited_anchor_is_refused(anchor, problem):
    with pytest.raises(ValidationError, match=problem):
        StateSnapshot.model_validate(_snapshot(anchor=anchor), context=STORED)
