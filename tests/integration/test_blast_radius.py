"""The blast radius rail (issue 19) through the CLI against the emulator: an apply that updates and
deletes more than max_change_fraction of the managed records is refused with nothing sent (every
request reaching the emulator is recorded and counted), exit 1 and the numbers said; it applies
with --allow-large-change; `plan --detailed-exitcode` warns and exits 2; fewer than 10 managed
records are never refused; destroy and reset are exempt; lfsync.yaml and a workspace's entry set
the fraction."""

from __future__ import annotations

import json
from typing import Iterator

import pytest
from recording import Recorder, recorded_target

from org_helpers import act_directly

REFUSED_HALF = (
    "Error: this plan updates 10 and deletes 0 of 20 managed accounts (50%), more than max_change_fraction 0.3 (30%) "
    "allows. Review it, then apply with --allow-large-change (or raise max_change_fraction in lfsync.yaml)."
)


def accounts_yaml(count: int, changed: int = 0) -> str:
    """`count` accounts of tier smb, the first `changed` of them enterprise instead."""
    lines = ["accounts:"]
    for n in range(count):
        lines += [f"  acct-{n:02d}:", "    fields:", f"      $name: Account {n:02d}", f"      tier: {'enterprise' if n < changed else 'smb'}"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def recorded(api_mode, monkeypatch, tmp_path, cli) -> Iterator[Recorder]:
    """An emulator in `api_mode` as the project's target, every request recorded."""
    with recorded_target(monkeypatch, tmp_path, api_mode) as (recorder, _url):
        yield recorder


def test_half_of_twenty_accounts_is_refused_with_nothing_sent_then_applies_with_the_flag(make_project, cli, recorded, server_accounts):
    project = make_project({"accounts.yaml": accounts_yaml(20)})
    assert cli("apply", project, "--auto-approve").exit_code == 0
    (project / "accounts.yaml").write_text(accounts_yaml(20, changed=10))
    recorded.clear()

    refused = cli("apply", project, "--auto-approve")
    assert refused.exit_code == 1, refused.output
    assert REFUSED_HALF in refused.stderr
    assert "Plan: 0 to create, 10 to update, 0 to delete." in refused.stdout  # shown, so it can be reviewed
    assert recorded.writes() == []
    assert len({str(r["fields"]["tier"]["value"]) for r in server_accounts(project)}) == 1  # every account still smb

    applied = cli("apply", project, "--auto-approve", "--allow-large-change")
    assert applied.exit_code == 0, applied.output
    assert "10 updated" in applied.stdout
    assert len(recorded.writes()) == 10
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0


def test_a_plan_with_detailed_exitcode_warns_but_exits_2(make_project, cli):
    project = make_project({"accounts.yaml": accounts_yaml(20)})
    assert cli("apply", project, "--auto-approve").exit_code == 0
    (project / "accounts.yaml").write_text(accounts_yaml(20, changed=10))
    warning = "Warning: this plan updates 10 and deletes 0 of 20 managed accounts (50%), more than max_change_fraction 0.3 (30%) allows"

    planned = cli("plan", project, "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert warning in planned.stdout and "`lfsync apply` will refuse it without --allow-large-change" in planned.stdout
    markdown = cli("plan", project, "--detailed-exitcode", "--format", "markdown")
    assert markdown.exit_code == 2 and "> [!WARNING]" in markdown.stdout
    assert "this plan updates 10 and deletes 0 of 20 managed accounts (50%)" in markdown.stdout
    document = json.loads(cli("plan", project, "--detailed-exitcode", "--format", "json").stdout)
    assert document["large_change"].startswith("this plan updates 10 and deletes 0 of 20") and document["managed"] == 20

    assert warning not in cli("plan", project).stdout  # a plain plan only shows the changes
    silenced = cli("plan", project, "--detailed-exitcode", "--allow-large-change")
    assert silenced.exit_code == 2 and "Warning: this plan updates" not in silenced.stdout


def test_nine_managed_accounts_are_never_refused(make_project, cli):
    project = make_project({"accounts.yaml": accounts_yaml(9)})
    assert cli("apply", project, "--auto-approve").exit_code == 0
    (project / "accounts.yaml").write_text(accounts_yaml(9, changed=9))
    planned = cli("plan", project, "--detailed-exitcode")
    assert planned.exit_code == 2 and "Warning" not in planned.stdout
    applied = cli("apply", project, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "9 updated" in applied.stdout


def test_creates_never_count_and_prune_deletes_do(make_project, cli, state_of):
    project = make_project({"accounts.yaml": accounts_yaml(10)})
    assert cli("apply", project, "--auto-approve").exit_code == 0
    (project / "accounts.yaml").write_text(accounts_yaml(40))  # 30 creates against 10 managed
    assert cli("apply", project, "--auto-approve").exit_code == 0
    (project / "accounts.yaml").write_text(accounts_yaml(24, changed=2))  # 2 updates + 16 deletes of 40
    refused = cli("apply", project, "--auto-approve", "--prune")
    assert refused.exit_code == 1
    assert "this plan updates 2 and deletes 16 of 40 managed accounts (45%)" in refused.stderr
    assert len(state_of(project)["resources"]) == 40
    assert cli("apply", project, "--auto-approve", "--prune", "--allow-large-change").exit_code == 0
    assert len(state_of(project)["resources"]) == 24


def test_drift_corrections_count_and_reset_and_destroy_are_exempt(make_project, cli, state_of, server_accounts):
    project = make_project({"accounts.yaml": accounts_yaml(20)})
    assert cli("apply", project, "--auto-approve").exit_code == 0
    ids = [r["id"] for r in state_of(project)["resources"].values()]

    async def edit_half(api):
        for account_id in ids[:10]:
            await api.update_account(account_id, {"fields": {"tier": "enterprise"}})

    act_directly(project, edit_half)
    refused = cli("apply", project, "--auto-approve", "--refresh")
    assert refused.exit_code == 1 and "updates 10 and deletes 0 of 20 managed accounts (50%)" in refused.stderr

    reset = cli("reset", project, "--auto-approve")
    assert reset.exit_code == 0, reset.output
    assert "10 updated" in reset.stdout
    destroyed = cli("destroy", project, "--auto-approve")
    assert destroyed.exit_code == 0, destroyed.output
    assert "20 deleted" in destroyed.stdout and server_accounts(project) == []


def test_max_change_fraction_in_lfsync_yaml_and_per_workspace(make_project, cli):
    settings = "target: local\nmax_change_fraction: 0.5\nworkspaces:\n  loose: {}\n  strict: {max_change_fraction: 0.3}\n"
    project = make_project({"accounts.yaml": accounts_yaml(20)}, settings=settings)
    assert cli("apply", project, "--all-workspaces", "--auto-approve").exit_code == 0
    (project / "accounts.yaml").write_text(accounts_yaml(20, changed=10))

    strict = cli("apply", project, "--workspace", "strict", "--auto-approve")
    assert strict.exit_code == 1 and "of 20 managed accounts (50%), more than max_change_fraction 0.3 (30%)" in strict.output
    loose = cli("apply", project, "--workspace", "loose", "--auto-approve")
    assert loose.exit_code == 0, loose.output
    assert "10 updated" in loose.stdout

    (project / "accounts.yaml").write_text(accounts_yaml(20, changed=11))
    (project / "lfsync.yaml").write_text("target: local\nmax_change_fraction: 0.5\n")  # the project's own workspace
    assert cli("apply", project, "--auto-approve").exit_code == 0  # its first apply: 20 creates
    (project / "accounts.yaml").write_text(accounts_yaml(20))  # 11 back to smb
    over = cli("apply", project, "--auto-approve")
    assert over.exit_code == 1 and "(55%), more than max_change_fraction 0.5 (50%)" in over.stderr


def test_a_bad_fraction_is_refused_at_its_place(make_project, cli):
    project = make_project({"accounts.yaml": accounts_yaml(2)}, settings="target: local\nmax_change_fraction: 30%\n")
    result = cli("plan", project)
    assert result.exit_code == 1
    assert "lfsync.yaml:2:1: 'max_change_fraction' must be a number from 0 to 1" in result.stderr


def test_a_saved_plan_is_checked_again_and_needs_its_own_flag(make_project, cli, tmp_path):
    project = make_project({"accounts.yaml": accounts_yaml(20)})
    assert cli("apply", project, "--auto-approve").exit_code == 0
    (project / "accounts.yaml").write_text(accounts_yaml(20, changed=10))
    saved = tmp_path / "large.lfplan"
    assert cli("plan", project, "--out", saved, "--allow-large-change").exit_code == 0
    assert json.loads(saved.read_text())["managed"] == 20

    refused = cli("apply", saved, "--auto-approve")
    assert refused.exit_code == 1 and REFUSED_HALF in refused.stderr
    applied = cli("apply", saved, "--allow-large-change")
    assert applied.exit_code == 0, applied.output
    assert "10 updated" in applied.stdout
