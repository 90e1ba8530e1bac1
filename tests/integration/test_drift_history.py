"""Drift explained: a field changed in Lightfield (outside lfsync) shows in a refreshed plan with when
it changed, by the server's clock, in every plan format; a field without history shows its drift
without an age; history is read only for drifted fields, within a bound. Against a served emulator
in both API modes (`served_target`), its clock moved to make "2 days ago" exact."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from lfsync.remote import drifthistory

from org_helpers import act_directly

MINUTE, HOUR, DAY = 60, 60 * 60, 24 * 60 * 60
TWO_DAYS_LATER = 2 * DAY + HOUR  # the emulator's Date is to the second: an hour's margin keeps it "2 days"


def applied_ids(project, state_of) -> dict[str, str]:
    return {address: resource["id"] for address, resource in state_of(project)["resources"].items()}


def edit_in_lightfield(project, account_id: str, fields: dict) -> None:
    """A sales person's edit: a POST to the API by someone other than lfsync."""
    act_directly(project, lambda api: api.update_account(account_id, {"fields": fields}))


def attributes_of(document: dict, address: str) -> dict[str, dict]:
    change = next(change for change in document["changes"] if change["address"] == address)
    return {attribute["path"]: attribute for attribute in change["attributes"]}


def test_a_field_edited_in_lightfield_shows_when_it_changed_by_the_servers_clock(project, cli, served_target, state_of):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    ids = applied_ids(project, state_of)
    edit_in_lightfield(project, ids["account.acme"], {"tier": "smb"})
    edit_in_lightfield(project, ids["account.globex"], {"icp-score": 7})
    served_target.clock.advance(TWO_DAYS_LATER)  # the server's time moves on; the runner's does not

    text = cli("plan", project, "--refresh", "--detailed-exitcode")
    assert text.exit_code == 2, text.output
    assert 'tier: "smb" -> "enterprise"  (changed in Lightfield 2 days ago)' in text.stdout
    assert "icp-score: 7 -> 42  (changed in Lightfield 2 days ago)" in text.stdout
    assert "Note:" not in text.stdout

    markdown = cli("plan", project, "--refresh", "--format", "markdown")
    assert markdown.exit_code == 0, markdown.output
    assert '! tier: "smb" -> "enterprise"  (changed in Lightfield 2 days ago)' in markdown.stdout

    document = json.loads(cli("plan", project, "--refresh", "--format", "json").stdout)
    tier = attributes_of(document, "account.acme")["fields.tier"]
    assert tier["changed_ago"] == "2 days ago"
    edited = datetime.fromisoformat(tier["changed_at"].replace("Z", "+00:00"))
    # recorded at the emulator's time of the edit: two days and an hour before the server's now
    assert timedelta(0) <= datetime.fromtimestamp(served_target.clock(), edited.tzinfo) - edited - timedelta(seconds=TWO_DAYS_LATER) < timedelta(minutes=5)
    # attributes that did not drift carry no drift time at all
    assert all("changed_at" not in attribute for attribute in attributes_of(document, "account.globex").values()
               if attribute["path"] != "fields.icp-score")


def test_an_edit_made_just_now_and_a_field_without_history(project, cli, served_target, state_of):
    """`$name` is column-backed (the emulator refuses its history, as the docs say the API does): its
    drift shows without an age, and the plan does not fail."""
    assert cli("apply", project, "--auto-approve").exit_code == 0
    ids = applied_ids(project, state_of)
    edit_in_lightfield(project, ids["account.acme"], {"$name": "Acme Renamed", "tier": "smb"})

    result = cli("plan", project, "--refresh", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert '"smb" -> "enterprise"  (changed in Lightfield just now)' in result.stdout
    name_line = next(line for line in result.stdout.splitlines() if "$name:" in line)
    assert name_line.strip() == '~ $name: "Acme Renamed" -> "Acme Corp"'
    assert "Note:" not in result.stdout  # a field without history is not a failure to report

    document = json.loads(cli("plan", project, "--refresh", "--format", "json").stdout)
    name = attributes_of(document, "account.acme")["fields.$name"]
    assert "changed_at" not in name and "changed_ago" not in name


def test_history_reads_are_bounded_and_the_rest_said_once(project, cli, served_target, state_of, monkeypatch):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    ids = applied_ids(project, state_of)
    edit_in_lightfield(project, ids["account.acme"], {"tier": "smb"})
    edit_in_lightfield(project, ids["account.globex"], {"icp-score": 7})
    monkeypatch.setattr(drifthistory, "MAX_HISTORY_READS", 1)

    result = cli("plan", project, "--refresh")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("(changed in Lightfield just now)") == 1  # account.acme's tier, first in plan order
    notes = [line for line in result.stdout.splitlines() if line.startswith("Note:")]
    assert notes == [
        "Note: 1 more drifted field(s) are shown without when they changed in Lightfield "
        "(at most 1 field histories are read per plan)."
    ]
    document = json.loads(cli("plan", project, "--refresh", "--format", "json").stdout)
    assert document["drift_history_note"].startswith("1 more drifted field(s)")


@pytest.mark.parametrize("refresh", [True, False])
def test_no_history_is_read_without_drift(project, cli, served_target, state_of, monkeypatch, refresh):
    """No drift, or no refresh: not one history request."""
    assert cli("apply", project, "--auto-approve").exit_code == 0
    asked: list[str] = []
    real = drifthistory.read_field_history

    async def counted(*args, **kwargs):
        asked.append(args[3])
        return await real(*args, **kwargs)

    monkeypatch.setattr(drifthistory, "read_field_history", counted)
    result = cli("plan", project, *(["--refresh"] if refresh else []), "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert asked == []
    document = json.loads(cli("plan", project, "--format", "json").stdout)
    assert "drift_history_note" not in document


def test_apply_shows_the_age_before_it_reverts_the_edit(project, cli, served_target, state_of):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    ids = applied_ids(project, state_of)
    edit_in_lightfield(project, ids["account.acme"], {"tier": "smb"})
    served_target.clock.advance(3 * HOUR + 10 * MINUTE)
    result = cli("apply", project, "--auto-approve", "--refresh")
    assert result.exit_code == 0, result.output
    assert 'tier: "smb" -> "enterprise"  (changed in Lightfield 3 hours ago)' in result.stdout
    assert cli("plan", project, "--refresh", "--detailed-exitcode").exit_code == 0

