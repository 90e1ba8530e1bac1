"""A key that may read but not write: where auth/validate names the key's scopes, the plan says
what it lacks before anything is sent; where it names none, the first 403 stops the apply with one
message, nothing more sent, what was sent recorded. Against a served emulator over loopback."""

from __future__ import annotations

import pytest

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.fixture import DEFAULT_ORG_FIXTURE
from lfsync.emulator.testing import serve_in_thread

READ_ONLY = "sk_lf_local_readonly"  # the default fixture's: auth/validate lists accounts:read, members:read
UNLISTED = "sk_lf_local_unlisted"  # the same scopes, but auth/validate lists none


@pytest.fixture
def served(tmp_path, monkeypatch):
    org = tmp_path / "org.yaml"
    org.write_text(
        DEFAULT_ORG_FIXTURE.read_text(encoding="utf-8").replace(
            "apiKeys:\n", f"apiKeys:\n  - key: {UNLISTED}\n    scopes: [accounts:read, members:read]\n    validateListsScopes: false\n"
        )
    )
    with serve_in_thread(EmulatorConfig(db_path=str(tmp_path / "served.db"), org_fixture=org)) as url:
        monkeypatch.setenv("LIGHTFIELD_BASE_URL", url)
        yield url


def with_key(monkeypatch, key: str) -> None:
    monkeypatch.setenv("LIGHTFIELD_API_KEY", key)


def test_a_key_whose_scopes_are_listed_fails_the_plan_that_would_write_before_anything_is_sent(
    project, cli, served, monkeypatch, server_accounts, state_of
):
    with_key(monkeypatch, READ_ONLY)
    planned = cli("plan", project)
    assert planned.exit_code == 1
    assert (
        "Error: the API key lacks scopes this plan needs: accounts:create (for account.acme, account.acme-nordics, "
        "account.globex); it has accounts:read, members:read (auth/validate). Use a key with these scopes"
    ) in planned.stdout
    applied = cli("apply", project, "--auto-approve")
    assert applied.exit_code == 1 and "the plan has errors (above); nothing was applied" in applied.stderr
    assert server_accounts(project) == [] and state_of(project)["resources"] == {}

    with_key(monkeypatch, "sk_lf_local_dev")
    assert cli("apply", project, "--auto-approve").exit_code == 0
    with_key(monkeypatch, READ_ONLY)
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0  # nothing to write: reading is all it may do
    (project / "accounts.yaml").write_text((project / "accounts.yaml").read_text().replace("icp-score: 42", "icp-score: 43"))
    changed = cli("plan", project)
    assert changed.exit_code == 1 and "accounts:update (for account.globex)" in changed.stdout


def test_a_key_whose_scopes_are_not_listed_stops_the_apply_at_the_first_403_with_one_message(
    project, cli, served, monkeypatch, server_accounts, state_of
):
    with_key(monkeypatch, UNLISTED)
    assert cli("plan", project).exit_code == 0  # the API did not say: the plan cannot know
    applied = cli("apply", project, "--auto-approve")
    assert applied.exit_code == 1
    errors = [line for line in applied.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [
        "Error: the API key may not make these changes (HTTP 403 forbidden: This API key lacks the `accounts:create` "
        "scope.); nothing more was sent: give the key the scope (or use one that has it) and apply again"
    ]
    assert "Apply stopped at the first refusal for a missing scope: 0 created, 0 updated, 0 deleted, 3 not made." in applied.stdout
    assert server_accounts(project) == [] and state_of(project)["resources"] == {}

    with_key(monkeypatch, "sk_lf_local_dev")  # nothing left pending: a key that may write makes every change once
    again = cli("apply", project, "--auto-approve")
    assert again.exit_code == 0 and "3 created" in again.stdout
    assert len(server_accounts(project)) == 3
