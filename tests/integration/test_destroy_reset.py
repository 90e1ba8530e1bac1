"""`lfsync destroy` and `lfsync reset` through the CLI, against the in-process emulator."""

from __future__ import annotations

from org_helpers import act_directly, create_directly

PROTECTED = """
accounts:
  keep:
    protect: true
    fields:
      $name: Keep Me
"""


def live_ids(server_accounts, project) -> set[str]:
    return {record["id"] for record in server_accounts(project)}


def test_destroy_trashes_every_account_in_state_and_apply_brings_them_back_as_new_records(project, cli, state_of, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    first = {address: r["id"] for address, r in state_of(project)["resources"].items()}

    unconfirmed = cli("destroy", project)
    assert unconfirmed.exit_code == 1 and "destroy is not on a terminal" in unconfirmed.output
    assert live_ids(server_accounts, project) == set(first.values())

    destroyed = cli("destroy", project, "--auto-approve")
    assert destroyed.exit_code == 0, destroyed.output
    assert "Plan: 0 to create, 0 to update, 3 to delete." in destroyed.stdout
    assert "3 deleted" in destroyed.stdout
    assert state_of(project)["resources"] == {}
    assert live_ids(server_accounts, project) == set()

    again = cli("apply", project, "--auto-approve")
    assert again.exit_code == 0, again.output
    second = {address: r["id"] for address, r in state_of(project)["resources"].items()}
    assert sorted(second) == sorted(first)
    assert not set(second.values()) & set(first.values())  # new records, not replays of the trashed ones
    records = server_accounts(project)
    assert sorted(r["id"] for r in records) == sorted(second.values())  # each live once
    assert cli("plan", project, "--refresh", "--detailed-exitcode").exit_code == 0


def test_destroy_refuses_a_protected_account_and_sends_nothing(make_project, cli, state_of, server_accounts):
    project = make_project({"accounts.yaml": PROTECTED})
    assert cli("apply", project, "--auto-approve").exit_code == 0
    refused = cli("destroy", project, "--auto-approve")
    assert refused.exit_code == 1
    assert "account.keep" in refused.output and "protect" in refused.output
    assert len(server_accounts(project)) == 1
    assert list(state_of(project)["resources"]) == ["account.keep"]


def simulate_demo(project, state_of) -> str:
    """An edit and a trash of managed accounts, and a new account made directly; its ID."""
    ids = {address: r["id"] for address, r in state_of(project)["resources"].items()}

    async def demo(api):
        await api.update_account(ids["account.globex"], {"fields": {"$name": "Globex (demo edit)"}})
        await api.delete_account(ids["account.acme-nordics"])

    act_directly(project, demo)
    [unmanaged] = create_directly(project, {"fields": {"$name": "Prospect Added In Demo"}})
    return unmanaged


def test_reset_brings_the_organisation_back_and_leaves_unmanaged_accounts_alone_by_default(project, cli, state_of, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    unmanaged = simulate_demo(project, state_of)

    reset = cli("reset", project, "--auto-approve")
    assert reset.exit_code == 0, reset.output
    assert "unmanaged." not in reset.stdout
    managed = {r["id"] for r in state_of(project)["resources"].values()}
    names = {r["fields"]["$name"]["value"] for r in server_accounts(project)}
    assert names == {"Acme Corp", "Acme Nordics", "Globex", "Prospect Added In Demo"}
    assert live_ids(server_accounts, project) == managed | {unmanaged}
    assert cli("plan", project, "--refresh", "--detailed-exitcode").exit_code == 0


def test_reset_trashes_undeclared_accounts_where_the_workspace_owns_the_organisation(make_project, cli, state_of, server_accounts):
    from conftest import ACCOUNTS

    project = make_project({"accounts.yaml": ACCOUNTS}, settings="target: local\nowns_organisation: true\n")
    assert cli("apply", project, "--auto-approve").exit_code == 0
    unmanaged = simulate_demo(project, state_of)

    reset = cli("reset", project, "--auto-approve")
    assert reset.exit_code == 0, reset.output
    assert f"- unmanaged.{unmanaged}" in reset.stdout and "'Prospect Added In Demo' is declared nowhere" in reset.stdout
    assert live_ids(server_accounts, project) == {r["id"] for r in state_of(project)["resources"].values()}
    names = sorted(r["fields"]["$name"]["value"] for r in server_accounts(project))
    assert names == ["Acme Corp", "Acme Nordics", "Globex"]
    assert cli("reset", project, "--auto-approve").stdout.count("Nothing to change") == 1


def test_destroy_does_not_need_the_declarations_to_parse(project, cli, state_of, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    (project / "accounts.yaml").write_text("accounts:\n  Bad Key: [\n")
    assert cli("plan", project).exit_code == 1
    destroyed = cli("destroy", project, "--auto-approve")
    assert destroyed.exit_code == 0, destroyed.output
    assert state_of(project)["resources"] == {} and server_accounts(project) == []


def test_unattended_destroy_and_reset_suggest_only_what_they_offer(project, cli):
    """destroy and reset take no saved plan: their refusal names --auto-approve alone; apply's also the saved plan."""
    assert cli("apply", project, "--auto-approve").exit_code == 0
    for command in ("destroy", "reset"):
        refused = cli(command, project)
        assert refused.exit_code == 1
        assert f"{command} is not on a terminal and cannot ask for confirmation: pass --auto-approve\n" in refused.stderr
        assert "saved plan" not in refused.stderr
    (project / "accounts.yaml").write_text("accounts: {}\n")
    pruning = cli("apply", project, "--prune")
    assert pruning.exit_code == 1 and "pass --auto-approve, or apply a saved plan" in pruning.stderr
