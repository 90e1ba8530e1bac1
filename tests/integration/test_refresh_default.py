"""Refresh by default and honest key-less plans (issue 19): plain `plan` and `apply` read the managed
records back wherever the target can be asked; `--no-refresh` skips it; a plan that did not refresh
says so in every format; a plan without a key and without definitions compares the declarations with
the declarations state recorded at the last apply. Against a served emulator, in both API modes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from lfsync.plan.refreshing import NOT_REFRESHED

from org_helpers import act_directly

NO_KEY = {"LIGHTFIELD_API_KEY": None}  # CliRunner unsets a variable given as None

# Values the API stores in another form than the files spell them: a select label, a multi-select
# label, a member's email, a reference, a URL without its scheme, a lower-case country, a datetime
# with an offset.
SPELLED = """
accounts:
  atlas:
    fields:
      $name: Atlas Consulting
      $website: [atlas.example]
      $industry: [software]
      $primaryAddress: {city: Oslo, country: no}
      tier: mid-market
      renewalDate: "2027-03-31T00:00:00+01:00"
    relationships:
      $owner: grace@example.com
  atlas-labs:
    fields:
      $name: Atlas Labs
    relationships:
      parentAccount: account.atlas
"""


def applied_with_a_key(make_project, cli) -> Path:
    """A project applied through a served target (the key set by `served_target`), then without
    what a keyed run keeps under .lfsync/ (a pull request's fresh checkout)."""
    project = make_project({"accounts.yaml": SPELLED})
    applied = cli("apply", project, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    shutil.rmtree(project / ".lfsync")
    return project


def plan_json(cli, project: Path, *args: str, env: dict | None = None) -> dict:
    result = cli("plan", project, "--format", "json", *args, env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_plain_plan_sees_a_ui_edit_and_no_refresh_does_not(project, cli, served_target, state_of):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    globex = state_of(project)["resources"]["account.globex"]["id"]
    act_directly(project, lambda api: api.update_account(globex, {"fields": {"icp-score": 7}}))

    plain = cli("plan", project, "--detailed-exitcode")
    assert plain.exit_code == 2, plain.output
    assert "account.globex will be updated in place (changed outside lfsync)" in plain.stdout
    assert "icp-score: 7 -> 42" in " ".join(plain.stdout.split())
    assert NOT_REFRESHED not in plain.stdout
    document = plan_json(cli, project)
    assert document["refreshed"] is True and document["refresh_note"] == "" and document["options"]["refresh"] is True

    skipped = cli("plan", project, "--no-refresh", "--detailed-exitcode")
    assert skipped.exit_code == 0, skipped.output
    assert "No changes." in skipped.stdout
    assert f"Note: {NOT_REFRESHED} (--no-refresh)." in skipped.stdout
    document = plan_json(cli, project, "--no-refresh")
    assert document["refreshed"] is False and document["options"]["refresh"] is False
    assert document["refresh_note"] == f"{NOT_REFRESHED} (--no-refresh)"
    markdown = cli("plan", project, "--no-refresh", "--format", "markdown")
    assert f"**Note: {NOT_REFRESHED} (--no-refresh).**" in markdown.stdout

    # --refresh is still accepted, and means what plain plan does now
    assert cli("plan", project, "--refresh", "--detailed-exitcode").exit_code == 2
    # apply refreshes by default too: it corrects the edit
    corrected = cli("apply", project, "--auto-approve")
    assert corrected.exit_code == 0 and "1 updated" in corrected.stdout, corrected.output
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0


def test_a_saved_plan_records_whether_it_was_refreshed_and_applies_so(project, cli, served_target, state_of, tmp_path):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    globex = state_of(project)["resources"]["account.globex"]["id"]
    act_directly(project, lambda api: api.update_account(globex, {"fields": {"icp-score": 7}}))
    unrefreshed, refreshed = tmp_path / "unrefreshed.lfplan", tmp_path / "refreshed.lfplan"
    assert cli("plan", project, "--no-refresh", "--out", unrefreshed).exit_code == 0
    assert cli("plan", project, "--out", refreshed).exit_code == 0
    assert json.loads(unrefreshed.read_text())["refreshed"] is False
    assert json.loads(refreshed.read_text())["refreshed"] is True

    shown = cli("show", unrefreshed)
    assert f"{NOT_REFRESHED} (--no-refresh)" in shown.stdout
    refused = cli("apply", unrefreshed, "--no-refresh")
    assert refused.exit_code == 1 and "a saved plan is applied with the options it was made with" in refused.stderr
    # applied as it was made: without a refresh, so nothing to change and the edit stays
    applied = cli("apply", unrefreshed)
    assert applied.exit_code == 0 and "Nothing to change" in applied.stdout, applied.output
    assert f"{NOT_REFRESHED} (the saved plan was made without a refresh)" in applied.stdout
    assert cli("plan", project, "--detailed-exitcode").exit_code == 2
    # the refreshed plan: apply refreshes again and makes exactly its correction (state moved on: plan anew)
    assert cli("plan", project, "--out", refreshed).exit_code == 0
    applied = cli("apply", refreshed)
    assert applied.exit_code == 0 and "1 updated" in applied.stdout, applied.output
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0


def test_a_keyless_plan_of_an_unchanged_project_plans_nothing_and_says_it_was_not_refreshed(make_project, cli, served_target):
    project = applied_with_a_key(make_project, cli)
    state = json.loads((project / "state" / "default.lfstate.json").read_text())
    atlas = state["resources"]["account.atlas"]
    assert atlas["declared_as"]["fields"]["tier"] == "mid-market" and atlas["applied"]["fields"]["tier"].startswith("opt_")
    assert atlas["declared_as"]["relationships"] == {"$owner": "grace@example.com"}

    text = cli("plan", project, "--detailed-exitcode", env=NO_KEY)
    assert text.exit_code == 0, text.output
    assert "No changes." in text.stdout
    assert f"Note: {NOT_REFRESHED} (no API key to read the organisation with)." in text.stdout
    markdown = cli("plan", project, "--detailed-exitcode", "--format", "markdown", env=NO_KEY)
    assert markdown.exit_code == 0 and f"**Note: {NOT_REFRESHED} (no API key to read the organisation with).**" in markdown.stdout
    document = plan_json(cli, project, "--detailed-exitcode", env=NO_KEY)
    assert document["changes"] == [] and document["refreshed"] is False
    assert document["refresh_note"] == f"{NOT_REFRESHED} (no API key to read the organisation with)"
    assert document["values_checked_against"] == ""
    assert not (project / ".lfsync").exists()  # a key-less plan leaves no trace


def test_a_keyless_plan_shows_a_changed_value_as_declared(make_project, cli, served_target):
    project = applied_with_a_key(make_project, cli)
    files = project / "accounts.yaml"
    files.write_text(files.read_text().replace("tier: mid-market", "tier: enterprise").replace("grace@", "alan@"))

    changed = cli("plan", project, "--detailed-exitcode", env=NO_KEY)
    assert changed.exit_code == 2, changed.output
    assert "Plan: 0 to create, 1 to update, 0 to delete." in changed.stdout
    words = " ".join(changed.stdout.split())  # labels are padded to one width
    assert 'tier: "mid-market" -> "enterprise"' in words
    assert '$owner: "grace@example.com" -> "alan@example.com"' in words
    [update] = plan_json(cli, project, env=NO_KEY)["changes"]
    assert [(a["path"], a["before"], a["after"]) for a in update["attributes"]] == [
        ("fields.tier", "mid-market", "enterprise"),
        ("relationships.$owner", "grace@example.com", "alan@example.com"),
    ]
    # with the key, the same change in the canonical form, applied; then clean with and without a key
    assert cli("apply", project, "--auto-approve").exit_code == 0
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0
    shutil.rmtree(project / ".lfsync")
    assert cli("plan", project, "--detailed-exitcode", env=NO_KEY).exit_code == 0


def test_state_without_declared_values_still_loads_and_plans(make_project, cli, served_target):
    project = applied_with_a_key(make_project, cli)
    state_file = project / "state" / "default.lfstate.json"
    old_format = json.loads(state_file.read_text())
    for resource in old_format["resources"].values():
        del resource["declared_as"]
    state_file.write_text(json.dumps(old_format, indent=2, sort_keys=True) + "\n")

    # as before declared values were recorded: canonical values against the files' spellings
    keyless = cli("plan", project, "--detailed-exitcode", env=NO_KEY)
    assert keyless.exit_code == 2, keyless.output
    assert '-> "mid-market"' in keyless.stdout
    # a plan with the key sees nothing to do; an apply with nothing to do records the declarations
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0
    applied = cli("apply", project, "--auto-approve")
    assert applied.exit_code == 0 and "Nothing to change" in applied.stdout
    assert json.loads(state_file.read_text())["resources"]["account.atlas"]["declared_as"]["fields"]["tier"] == "mid-market"
    shutil.rmtree(project / ".lfsync")
    assert cli("plan", project, "--detailed-exitcode", env=NO_KEY).exit_code == 0


def test_refresh_insists_on_a_key_where_plain_plan_goes_without(make_project, cli, served_target):
    project = applied_with_a_key(make_project, cli)
    refused = cli("plan", project, "--refresh", env=NO_KEY)
    assert refused.exit_code == 1 and "LIGHTFIELD_API_KEY is not set" in refused.stderr


def test_the_local_target_refreshes_without_a_key(make_project, cli):
    project = make_project({"accounts.yaml": SPELLED})
    assert cli("apply", project, "--auto-approve").exit_code == 0
    document = plan_json(cli, project, "--detailed-exitcode")
    assert document["refreshed"] is True and document["changes"] == []
    atlas = json.loads((project / "state" / "default.lfstate.json").read_text())["resources"]["account.atlas"]["id"]
    act_directly(project, lambda api: api.update_account(atlas, {"fields": {"$name": "Atlas Renamed"}}))
    drift = cli("plan", project, "--detailed-exitcode")
    assert drift.exit_code == 2 and '$name: "Atlas Renamed" -> "Atlas Consulting"' in " ".join(drift.stdout.split()), drift.output
