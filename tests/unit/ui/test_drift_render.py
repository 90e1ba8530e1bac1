"""Drift explained in each plan format: the age after a drifted attribute, the note said once, and
nothing at all (not even a null) where the plan knows no drift time."""

from __future__ import annotations

import json
from pathlib import Path

from lfsync.plan.actions import Action
from lfsync.plan.model import AttributeChange, Change, Plan, load_plan, plan_fingerprint
from lfsync.ui.markdown import render_markdown
from lfsync.ui.planjson import plan_json
from lfsync.ui.render import render_text


def plan_of(*attributes: AttributeChange, note: str | None = None) -> Plan:
    change = Change(address="account.acme", action=Action.UPDATE, resource_id="acc_1", attributes=list(attributes),
                    observed={"fields": {}, "relationships": {}})
    return Plan(project_dir=".", workspace="default", target="local", lineage="", serial=0, declarations_digest="d",
                changes=[change], drift_history_note=note)


AGED = AttributeChange("fields.tier", "change", "smb", "enterprise", changed_at="2026-03-01T10:00:00.000Z",
                       changed_ago="2 days ago")
DATED = AttributeChange("fields.icp-score", "change", 7, 42, changed_at="2026-03-01T10:00:00.000Z")
PLAIN = AttributeChange("fields.$name", "change", "Acme Renamed", "Acme")


def test_text_and_markdown_say_when_a_field_changed() -> None:
    plan = plan_of(AGED, DATED, PLAIN, note="1 more drifted field(s) are shown without when they changed.")
    lines = [line for line, _ in render_text(plan)]
    assert '      ~ tier:      "smb" -> "enterprise"  (changed in Lightfield 2 days ago)' in lines
    assert "      ~ icp-score: 7 -> 42  (changed in Lightfield at 2026-03-01T10:00:00.000Z)" in lines
    assert '      ~ $name:     "Acme Renamed" -> "Acme"' in lines
    assert lines.count("Note: 1 more drifted field(s) are shown without when they changed.") == 1
    markdown = render_markdown(plan)
    assert '! tier:      "smb" -> "enterprise"  (changed in Lightfield 2 days ago)' in markdown
    assert markdown.count("Note: 1 more drifted field(s)") == 1


def test_json_carries_the_time_and_the_age_and_nothing_when_unknown() -> None:
    document = json.loads(plan_json(plan_of(AGED, PLAIN)))
    aged, plain = document["changes"][0]["attributes"]
    assert (aged["changed_at"], aged["changed_ago"]) == ("2026-03-01T10:00:00.000Z", "2 days ago")
    assert set(plain) == {"path", "kind", "before", "after", "known_after_apply"}
    assert "drift_history_note" not in document


def test_a_saved_plan_keeps_its_drift_times_under_its_fingerprint(tmp_path: Path) -> None:
    plan = plan_of(AGED, PLAIN)
    plan.save(tmp_path / "plan.json")
    loaded = load_plan(tmp_path / "plan.json")
    assert loaded.changes[0].attributes[0].changed_ago == "2 days ago"
    assert plan_fingerprint(loaded) == plan_fingerprint(plan)
    # an attribute with no drift time is saved as before drift times existed: no new keys
    assert "changed_at" not in (tmp_path / "plan.json").read_text().split('"fields.$name"')[1]
