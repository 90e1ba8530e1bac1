"""`protect: true`: an account lfsync refuses to delete, even with --prune, once it was applied so."""

from __future__ import annotations

import json

PROTECTED = """
accounts:
  keep:
    fields:
      $name: Keep Me
    protect: true
  other:
    fields:
      $name: Other
"""


def state_record(cli, root, address):
    return json.loads(cli("state", "show", address, "--dir", root).stdout)


def test_protect_refuses_a_prune_and_says_how_to_delete(make_project, cli):
    root = make_project({"accounts.yaml": PROTECTED})
    assert cli("apply", root, "--auto-approve").exit_code == 0
    assert state_record(cli, root, "account.keep")["protect"] is True
    assert "protect" not in state_record(cli, root, "account.other")

    (root / "accounts.yaml").write_text("accounts: {}\n")
    planned = cli("plan", root, "--prune")
    assert planned.exit_code == 1
    assert "account.keep (" in planned.stdout and "is protected (`protect: true` when last applied)" in planned.stdout
    assert "- account.other" in planned.stdout  # the unprotected one would go
    refused = cli("apply", root, "--prune", "--auto-approve")
    assert refused.exit_code == 1 and "nothing was applied" in refused.stderr
    assert cli("state", "list", "--dir", root).stdout.split() == ["account.keep", "account.other"]

    # the way out: declare it unprotected and apply (no API call), then prune it
    (root / "accounts.yaml").write_text(PROTECTED.replace("protect: true", "protect: false"))
    assert cli("apply", root, "--auto-approve").exit_code == 0
    assert "protect" not in state_record(cli, root, "account.keep")
    (root / "accounts.yaml").write_text("accounts: {}\n")
    assert cli("apply", root, "--prune", "--auto-approve").exit_code == 0
    assert cli("state", "list", "--dir", root).stdout == ""


def test_an_update_keeps_the_protection(make_project, cli):
    root = make_project({"accounts.yaml": PROTECTED})
    assert cli("apply", root, "--auto-approve").exit_code == 0
    (root / "accounts.yaml").write_text(PROTECTED.replace("Keep Me", "Keep Me Renamed"))
    assert cli("apply", root, "--auto-approve").exit_code == 0
    assert state_record(cli, root, "account.keep")["protect"] is True


def test_protect_must_be_a_boolean(make_project, cli):
    root = make_project({"accounts.yaml": PROTECTED.replace("protect: true", "protect: yes please")})
    result = cli("plan", root)
    assert result.exit_code == 1 and "accounts.yaml:5:14: protect of account.keep must be true or false" in result.stderr
