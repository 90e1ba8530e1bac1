"""lfsync against the API as its docs show it: no replay header, top-level errors, the docs' 409 body,
trashed records that answer 404, gateway timeouts while the write runs on. Each test runs against
the emulator in both API modes (`api_mode`) unless it is about the docs-literal forms alone."""

from __future__ import annotations

import json
from pathlib import Path

from lfsync.emulator.testing import served_emulator

from org_helpers import act_directly
from served import all_accounts, numbered_accounts, start_apply
from wire import accounts_of

GATEWAY_ACCOUNTS = 40


def trashed_ids(project: Path) -> set[str]:
    return {record["id"] for record in accounts_of(project, status="trashed")}


def prune_globex_then_declare_it_again(project: Path, cli, state_of) -> str:
    """Apply, prune account.globex, declare it again: returns the ID it had first."""
    assert cli("apply", project, "--auto-approve").exit_code == 0
    original = (project / "accounts.yaml").read_text()
    first_id = state_of(project)["resources"]["account.globex"]["id"]
    (project / "accounts.yaml").write_text(original.split("  globex:")[0])
    assert cli("apply", project, "--auto-approve", "--prune").exit_code == 0
    assert first_id in trashed_ids(project)
    (project / "accounts.yaml").write_text(original)
    return first_id


def test_pruned_then_declared_again_within_a_day_comes_back_live(project, cli, served_target, state_of, server_accounts):
    first_id = prune_globex_then_declare_it_again(project, cli, state_of)
    assert state_of(project)["retired"] == {"account.globex": [first_id]}  # the tombstone
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "1 created" in result.stdout
    globex = state_of(project)["resources"]["account.globex"]
    live = {record["id"] for record in server_accounts(project)}
    # Its own key (the retired ID mixed in), so the API could not answer with the trashed record.
    assert globex["id"] != first_id and globex["id"] in live and len(live) == 3
    assert first_id in trashed_ids(project)
    assert cli("plan", project, "--refresh", "--detailed-exitcode").exit_code == 0


def test_a_replayed_create_older_than_its_intent_is_restored_with_no_replay_header(project, cli, served_target, state_of, server_accounts):
    """State written before tombstones: the create reuses the old key and the API answers with the
    trashed record. Its createdAt (made an hour before, by the server's clock, which moves on) predates
    the intent by more than any clock's margin, so lfsync restores it, header or not."""
    served_target.clock.offset = -3600
    first_id = prune_globex_then_declare_it_again(project, cli, state_of)
    state_file = project / "state" / "default.lfstate.json"
    old_format = json.loads(state_file.read_text())
    del old_format["retired"]
    state_file.write_text(json.dumps(old_format, indent=2))
    served_target.clock.offset = 0.0  # an hour later on the server, within the key's 24 hours
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert state_of(project)["resources"]["account.globex"]["id"] == first_id  # the key replayed it ...
    assert first_id in {record["id"] for record in server_accounts(project)}  # ... and it is live again
    assert first_id not in trashed_ids(project)
    assert len(server_accounts(project)) == 3


def test_refresh_looks_in_the_trash_before_planning_a_404_as_gone(project, cli, served_target, state_of, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    nordics = state_of(project)["resources"]["account.acme-nordics"]["id"]

    act_directly(project, lambda api: api.delete_account(nordics))
    refreshed = cli("plan", project, "--refresh", "--detailed-exitcode")
    assert refreshed.exit_code == 2, refreshed.output
    assert "account.acme-nordics is in the trash and will be restored" in refreshed.stdout
    assert cli("apply", project, "--auto-approve", "--refresh").exit_code == 0
    assert state_of(project)["resources"]["account.acme-nordics"]["id"] == nordics
    assert len(server_accounts(project)) == 3
    assert cli("plan", project, "--refresh", "--detailed-exitcode").exit_code == 0


def test_one_apply_through_gateway_timeouts_records_every_account_once(make_project, tmp_path):
    """The documented forms only, 30% of writes answered 504 while they still run (300 ms): a prompt
    retry meets the docs' 409, a later one a replay with no header. One apply settles them all."""
    project = make_project({"accounts.yaml": numbered_accounts(GATEWAY_ACCOUNTS)}, settings="skip_enrichment: true\n")
    flags = ("--docs-literal", "--gateway-timeout-rate", "0.3", "--latency-ms", "300", "--write-rate", "200",
             "--seed", "7")
    with served_emulator(tmp_path / "emulator.db", *flags) as url:
        apply = start_apply(project, url, "--concurrency", "8")
        output, _ = apply.communicate(timeout=300)
        assert apply.returncode == 0, output
        assert f"Apply complete! Resources: {GATEWAY_ACCOUNTS} created" in output
        assert "retried with the same idempotency key" in output
        records = all_accounts(url)
    names = sorted(record["fields"]["$name"]["value"] for record in records)
    assert names == [f"Crash Test {i:04d}" for i in range(GATEWAY_ACCOUNTS)]  # each exactly once
    state = json.loads((project / "state" / "default.lfstate.json").read_text())
    assert sorted(r["id"] for r in state["resources"].values()) == sorted(r["id"] for r in records)
    assert not (project / "state" / "default.journal.jsonl").exists()


def test_a_malformed_api_key_is_named_not_reported_as_unreachable(project, cli):
    for key, problem in [("sk_lf_secret_canary\n", "ends in a line break"),
                         ("sk_lf_sécret_canary", "U+00E9 at position 8")]:
        env = {"LIGHTFIELD_BASE_URL": "http://127.0.0.1:9", "LIGHTFIELD_API_KEY": key}
        result = cli("apply", project, "--auto-approve", env=env)
        assert result.exit_code == 1
        assert problem in result.stderr and "cannot reach" not in result.output
        assert "canary" not in result.output and "Traceback" not in result.output
