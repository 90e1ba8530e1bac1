"""plan -> apply -> plan through the CLI, against the in-process emulator (target: local)."""

from __future__ import annotations

import json
import shutil

from org_helpers import act_directly


def test_plan_apply_plan_is_clean_and_second_apply_creates_nothing(project, cli, state_of, server_accounts):
    planned = cli("plan", project, "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "+ account.acme" in planned.stdout
    assert "Plan: 3 to create, 0 to update, 0 to delete." in planned.stdout
    assert '"account.acme" (known after apply)' not in planned.stdout
    assert "account.acme (known after apply)" in planned.stdout.replace('"', "")

    applied = cli("apply", project, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "Apply complete! Resources: 3 created, 0 updated, 0 deleted." in applied.stdout

    state = state_of(project)
    ids = {address: r["id"] for address, r in state["resources"].items()}
    assert sorted(ids) == ["account.acme", "account.acme-nordics", "account.globex"]
    assert len(set(ids.values())) == 3
    acme = state["resources"]["account.acme"]
    assert acme["idempotency_key"] == "lfsync-" + acme["hash"][:40]
    assert acme["applied"]["fields"]["$primaryAddress"] == {"city": "Oslo", "country": "NO"}
    nordics = state["resources"]["account.acme-nordics"]
    assert nordics["applied"]["relationships"]["parentAccount"] == ids["account.acme"]

    records = {r["id"]: r for r in server_accounts(project)}
    assert set(records) == set(ids.values())
    assert records[ids["account.acme-nordics"]]["relationships"]["parentAccount"]["values"] == [ids["account.acme"]]

    again = cli("plan", project, "--detailed-exitcode")
    assert again.exit_code == 0 and "No changes." in again.stdout
    second = cli("apply", project, "--auto-approve")
    assert second.exit_code == 0 and "Nothing to change" in second.stdout
    assert len(server_accounts(project)) == 3


def test_forgotten_state_entry_is_planned_again_and_the_key_replays_the_same_id(project, cli, state_of, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    original = state_of(project)["resources"]["account.globex"]["id"]
    assert cli("state", "rm", "account.globex", "--dir", project).exit_code == 0

    planned = cli("plan", project)
    assert "Plan: 1 to create, 0 to update, 0 to delete." in planned.stdout
    assert "+ account.globex" in planned.stdout

    assert cli("apply", project, "--auto-approve").exit_code == 0
    assert state_of(project)["resources"]["account.globex"]["id"] == original
    assert len(server_accounts(project)) == 3


def test_changed_declaration_is_updated_with_only_the_changed_fields(project, cli, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    text = (project / "accounts.yaml").read_text()
    (project / "accounts.yaml").write_text(text.replace("tier: enterprise", "tier: smb").replace("      icp-score: 42\n", ""))
    planned = cli("plan", project, "--detailed-exitcode")
    assert planned.exit_code == 2
    assert "Plan: 0 to create, 2 to update, 0 to delete." in planned.stdout
    assert '~ tier:' in planned.stdout and '"enterprise" -> "smb"' in planned.stdout
    assert "- icp-score:" in planned.stdout and "42 -> null" in planned.stdout

    assert cli("apply", project, "--auto-approve").exit_code == 0
    by_name = {r["fields"]["$name"]["value"]: r for r in server_accounts(project)}
    assert "icp-score" not in by_name["Globex"]["fields"]
    assert by_name["Acme Corp"]["fields"]["tier"]["valueType"] == "SINGLE_SELECT"
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0


def test_prune_trashes_undeclared_accounts_only_when_asked(project, cli, state_of, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    text = (project / "accounts.yaml").read_text()
    (project / "accounts.yaml").write_text(text.split("  globex:")[0])
    planned = cli("plan", project)
    assert "account.globex is in state but no longer declared" in planned.stdout
    assert "No changes." in planned.stdout
    pruned = cli("apply", project, "--auto-approve", "--prune")
    assert pruned.exit_code == 0 and "1 deleted" in pruned.stdout
    assert "account.globex" not in state_of(project)["resources"]
    assert len(server_accounts(project)) == 2


def test_apply_refuses_without_a_terminal_or_auto_approve(project, cli):
    result = cli("apply", project)
    assert result.exit_code == 1
    assert "--auto-approve" in result.stderr
    assert not (project / "state" / "default.lfstate.json").exists()


def test_saved_plan_applies_once_and_refuses_when_stale(project, cli, tmp_path, backend):
    """Both backends: with PostgreSQL the lineage and serial checked are the shared ones."""
    plan_file = tmp_path / "release.lfplan"
    assert cli("plan", project, "--out", plan_file).exit_code == 0
    applied = cli("apply", plan_file)
    assert applied.exit_code == 0, applied.output
    assert "3 created" in applied.stdout
    again = cli("apply", plan_file)
    assert again.exit_code == 1 and "the saved plan is stale: state has changed since" in again.stderr

    second = tmp_path / "second.lfplan"
    text = (project / "accounts.yaml").read_text()
    (project / "accounts.yaml").write_text(text.replace("icp-score: 42", "icp-score: 43"))
    assert cli("plan", project, "--out", second).exit_code == 0
    (project / "accounts.yaml").write_text(text.replace("icp-score: 42", "icp-score: 44"))
    stale = cli("apply", second)
    assert stale.exit_code == 1 and "declaration files have changed" in stale.stderr


def test_markdown_and_json_formats(project, cli):
    markdown = cli("plan", project, "--format", "markdown").stdout
    assert markdown.startswith("### lfsync plan for workspace <code>default</code>")
    assert "| create | 3 |" in markdown and "<summary><code>+ account.acme</code>" in markdown and "```diff" in markdown
    document = json.loads(cli("plan", project, "--format", "json").stdout)
    assert document["summary"]["create"] == 3
    assert [c["address"] for c in document["changes"]] == ["account.acme", "account.acme-nordics", "account.globex"]


def test_adopt_matches_existing_accounts_instead_of_creating_duplicates(project, cli, make_project, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    shutil.rmtree(project / "state")  # e.g. state lost, or accounts made by hand before lfsync
    planned = cli("plan", project, "--adopt")
    assert "Plan: 3 to adopt, 0 to create, 0 to update, 0 to delete." in planned.stdout
    assert cli("apply", project, "--auto-approve", "--adopt").exit_code == 0
    assert len(server_accounts(project)) == 3
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0


def test_refresh_finds_drift_and_trash_and_corrects_them(project, cli, state_of, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    ids = {a: r["id"] for a, r in state_of(project)["resources"].items()}

    async def tamper(api):
        await api.update_account(ids["account.globex"], {"fields": {"icp-score": 7}})
        await api.delete_account(ids["account.acme-nordics"])

    act_directly(project, tamper)
    assert cli("plan", project, "--no-refresh", "--detailed-exitcode").exit_code == 0  # state alone can't see it
    refreshed = cli("plan", project, "--refresh", "--detailed-exitcode")
    assert refreshed.exit_code == 2, refreshed.output
    assert "account.globex will be updated in place (changed outside lfsync)" in refreshed.stdout
    assert "7 -> 42" in refreshed.stdout
    assert "account.acme-nordics is in the trash and will be restored" in refreshed.stdout
    applied = cli("apply", project, "--auto-approve", "--refresh")
    assert applied.exit_code == 0, applied.output
    # The restore is counted (it was counted nowhere before); the globex correction is the update.
    assert "Apply complete! Resources: 0 created, 1 updated, 0 deleted, 1 restored." in applied.stdout
    assert cli("plan", project, "--refresh", "--detailed-exitcode").exit_code == 0
    assert len(server_accounts(project)) == 3


def test_reference_cycle_is_created_then_linked(make_project, cli, state_of):
    project = make_project({"a.yaml": """
        accounts:
          left:
            fields: {$name: Left}
            relationships: {parentAccount: account.right}
          right:
            fields: {$name: Right}
            relationships: {parentAccount: account.left}
        """})
    planned = cli("plan", project)
    assert "linked by a follow-up update: parentAccount" in planned.stdout
    assert cli("apply", project, "--auto-approve").exit_code == 0
    resources = state_of(project)["resources"]
    assert resources["account.left"]["applied"]["relationships"]["parentAccount"] == resources["account.right"]["id"]
    assert resources["account.right"]["applied"]["relationships"]["parentAccount"] == resources["account.left"]["id"]
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0


def test_records_gone_from_lightfield_are_created_again_and_what_references_them_waits(make_project, cli, state_of, server_accounts):
    """The organisation lost the records (a wiped demo org): the parent is created again under a new
    ID, and its children wait for it and are linked to that ID, never to the recorded one."""
    children = "".join(
        f"  child-{n}:\n    fields: {{$name: Child {n}}}\n    relationships: {{parentAccount: account.parent}}\n" for n in range(6)
    )
    project = make_project({"a.yaml": f"accounts:\n  parent:\n    fields: {{$name: Parent}}\n{children}"})
    assert cli("apply", project, "--auto-approve").exit_code == 0
    old_parent = state_of(project)["resources"]["account.parent"]["id"]
    (project / ".lfsync" / "local.db").unlink()  # every record gone

    planned = json.loads(cli("plan", project, "--format", "json").stdout)
    by_address = {change["address"]: change for change in planned["changes"]}
    assert {change["action"] for change in planned["changes"]} == {"create"} and len(by_address) == 7
    assert all(by_address[f"account.child-{n}"]["depends_on"] == ["account.parent"] for n in range(6))

    applied = cli("apply", project, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    new_parent = state_of(project)["resources"]["account.parent"]["id"]
    assert new_parent != old_parent
    linked = {r["fields"]["$name"]["value"]: r["relationships"]["parentAccount"]["values"] for r in server_accounts(project)}
    assert all(linked[f"Child {n}"] == [new_parent] for n in range(6))
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0


def test_a_rejected_account_fails_alone_and_the_rest_carry_on(make_project, cli, state_of):
    project = make_project({"a.yaml": """
        accounts:
          good:
            fields: {$name: Good}
          bad:
            fields: {$name: Bad}
            relationships: {$contact: [con_c00000000000000000000]}
          child:
            fields: {$name: Child}
            relationships: {parentAccount: account.bad}
        """})
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 1
    assert "account.bad (a.yaml:4:3): HTTP 422 relationship_entity_missing" in result.stderr.replace("\n", " ")
    assert "account.child" in result.stderr and "depends on account.bad" in result.stderr
    assert "1 created" in result.stdout and "2 failed" in result.stdout
    assert list(state_of(project)["resources"]) == ["account.good"]
    assert not (project / "state" / "default.journal.jsonl").exists()


def test_state_commands_and_import(project, cli, state_of):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    listed = cli("state", "list", "--dir", project).stdout.split()
    assert listed == ["account.acme", "account.acme-nordics", "account.globex"]
    shown = json.loads(cli("state", "show", "account.acme", "--dir", project).stdout)
    assert shown["id"].startswith("acc_")
    assert cli("state", "mv", "account.globex", "account.globex-inc", "--dir", project).exit_code == 0
    assert "account.globex-inc" in cli("state", "list", "--dir", project).stdout
    assert cli("state", "rm", "account.globex-inc", "--dir", project).exit_code == 0
    acme = state_of(project)["resources"]["account.acme"]["id"]
    twice = cli("import", "account.globex", acme, "--dir", project)
    assert twice.exit_code == 1 and f"{acme} is already managed as account.acme" in twice.stderr
    missing = cli("import", "account.globex", "acc_doesnotexist", "--dir", project)
    assert missing.exit_code == 1 and "HTTP 404" in missing.stderr


def test_import_then_plan_shows_the_declared_values_as_an_update(project, cli, state_of, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    globex = state_of(project)["resources"]["account.globex"]["id"]
    assert cli("state", "rm", "account.globex", "--dir", project).exit_code == 0
    assert cli("import", "account.globex", globex, "--dir", project).exit_code == 0
    planned = cli("plan", project)
    assert "~ account.globex" in planned.stdout and "Plan: 0 to create, 1 to update" in planned.stdout
    assert cli("apply", project, "--auto-approve").exit_code == 0
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0
    assert len(server_accounts(project)) == 3


def test_workspaces_keep_separate_state(project, cli):
    assert cli("apply", project, "--auto-approve", env={"LFSYNC_WORKSPACE": "demo-eu"}).exit_code == 0
    assert (project / "state" / "demo-eu.lfstate.json").exists()
    assert cli("plan", project, "--detailed-exitcode", env={"LFSYNC_WORKSPACE": "demo-us"}).exit_code == 2


def test_remote_target_needs_an_api_key_and_never_prints_it(project, cli):
    result = cli("plan", project, "--refresh", env={"LIGHTFIELD_BASE_URL": "http://127.0.0.1:9"})
    assert result.exit_code == 1 and "LIGHTFIELD_API_KEY is not set" in result.stderr
    secret = "sk_lf_secret_do_not_print"
    result = cli("apply", project, "--auto-approve", env={"LIGHTFIELD_BASE_URL": "http://127.0.0.1:9", "LIGHTFIELD_API_KEY": secret})
    assert result.exit_code == 1
    assert "cannot reach the Lightfield API at http://127.0.0.1:9" in result.stderr
    assert secret not in result.output
    for path in (project / "state").glob("*"):
        assert secret not in path.read_text()


def test_a_refused_api_key_fails_fast_and_is_never_printed(project, cli, tmp_path):
    from lfsync.emulator.testing import served_emulator

    secret = "sk_lf_wrong_key_do_not_print"
    with served_emulator(tmp_path / "e.db") as url:
        result = cli("apply", project, "--auto-approve", env={"LIGHTFIELD_BASE_URL": url, "LIGHTFIELD_API_KEY": secret})
    assert result.exit_code == 1
    assert "the API key was refused (HTTP 401" in result.stderr
    assert secret not in result.output
    assert not (project / "state" / "default.journal.jsonl").exists()


def test_validate_offline_and_against_definitions(project, cli):
    ok = cli("validate", project)
    assert ok.exit_code == 0 and "checked against the definitions of local, read now" in ok.stdout
    (project / "more.yaml").write_text("accounts:\n  x:\n    fields:\n      $name: X\n      tier: platinum\n      colour: red\n")
    bad = cli("validate", project)
    assert bad.exit_code == 1
    assert "more.yaml:5:7" in bad.stderr and "more.yaml:6:7" in bad.stderr
    assert cli("validate", project, "--offline").exit_code == 0


def test_bad_declaration_stops_plan_and_apply_before_anything_is_sent(project, cli):
    (project / "broken.yaml").write_text("accounts:\n  Bad Key:\n    fields: {$name: X}\n")
    for command in (("plan", project), ("apply", project, "--auto-approve")):
        result = cli(*command)
        assert result.exit_code == 1
        assert "broken.yaml:2:3" in result.stderr
    assert not (project / "state").exists() and not (project / ".lfsync").exists()


def test_init_scaffolds_a_project_that_plans(tmp_path, cli):
    target = tmp_path / "new"
    assert cli("init", target).exit_code == 0
    assert {p.name for p in target.iterdir()} >= {"lfsync.yaml", "accounts.yaml", ".gitignore"}
    assert ".lfsync/" in (target / ".gitignore").read_text()
    assert "Plan: 1 to create" in cli("plan", target).stdout
    assert "Nothing to do" in cli("init", target).stdout


def test_fmt_and_schema_commands(project, cli):
    (project / "ugly.yaml").write_text("accounts:\n    ugly:   # keep me\n        fields: {$name: Ugly}\n")
    check = cli("fmt", "--check", project)
    assert check.exit_code == 1 and "ugly.yaml" in check.stdout
    assert cli("fmt", project).exit_code == 0
    assert "# keep me" in (project / "ugly.yaml").read_text()
    assert cli("fmt", "--check", project).exit_code == 0
    schema = json.loads(cli("schema").stdout)
    assert "accounts" in schema["properties"]


def test_the_examples_project_plans_and_applies(tmp_path, cli, state_of, repo_root):
    examples = tmp_path / "examples"
    shutil.copytree(repo_root / "examples", examples, ignore=shutil.ignore_patterns(".lfsync"))
    (examples / "lfsync.yaml").write_text((examples / "lfsync.yaml").read_text().replace("../state", "state"))
    assert cli("validate", examples).exit_code == 0
    assert cli("plan", examples, "--detailed-exitcode").exit_code == 2
    assert cli("apply", examples, "--auto-approve").exit_code == 0
    assert cli("plan", examples, "--detailed-exitcode").exit_code == 0
    state = state_of(examples, "demo")
    declared = sum(text.count("\n    fields:") for text in (p.read_text() for p in (examples / "accounts").glob("*.yaml")))
    assert len({r["id"] for r in state["resources"].values()}) == declared >= 20


def test_refresh_sees_no_drift_on_a_parent_with_children(make_project, cli):
    project = make_project({"a.yaml": """
        accounts:
          parent:
            fields: {$name: Parent}
          child:
            fields: {$name: Child}
            relationships: {parentAccount: account.parent}
          grandchild:
            fields: {$name: Grandchild}
            relationships: {parentAccount: account.child}
        """})
    assert cli("apply", project, "--auto-approve").exit_code == 0
    refreshed = cli("plan", project, "--refresh", "--detailed-exitcode")
    assert refreshed.exit_code == 0, refreshed.stdout


ENRICHMENT_ACCOUNTS = """
    accounts:
      bulk:
        fields: {$name: Bulk}
      special:
        fields: {$name: Special}
        skip_enrichment: false
    """


def test_skip_enrichment_per_project_and_per_account(make_project, cli):
    accounts = ENRICHMENT_ACCOUNTS
    quiet = make_project({"a.yaml": accounts}, settings="skip_enrichment: true\n", name="quiet")
    planned = cli("plan", quiet)
    assert "1 create(s) will trigger enrichment" in planned.stdout
    assert cli("apply", quiet, "--auto-approve").exit_code == 0
    loud = make_project({"a.yaml": accounts}, name="loud")
    assert "2 create(s) will trigger enrichment" in cli("plan", loud).stdout


def test_create_bodies_carry_skip_enrichment_as_declared(make_project):
    from lfsync.apply.applier import create_body
    from lfsync.operations.declared_project import load_declared

    project = make_project({"a.yaml": ENRICHMENT_ACCOUNTS}, settings="skip_enrichment: true\n")
    desired = load_declared(project).desired
    bodies = {a: create_body(d.payload({}), d.skip_enrichment) for a, d in desired.items()}
    assert bodies["account.bulk"] == {"fields": {"$name": "Bulk"}, "skipEnrichment": True}
    assert bodies["account.special"] == {"fields": {"$name": "Special"}}


def test_saved_plan_keeps_its_options(project, cli, tmp_path, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    text = (project / "accounts.yaml").read_text()
    (project / "accounts.yaml").write_text(text.split("  globex:")[0])
    plan_file = tmp_path / "prune.lfplan"
    planned = cli("plan", project, "--prune", "--out", plan_file)
    assert "Plan: 0 to create, 0 to update, 1 to delete." in planned.stdout
    refused = cli("apply", plan_file, "--prune")
    assert refused.exit_code == 1 and "belong to `lfsync plan`" in refused.stderr
    unasked = cli("apply", plan_file)  # a prune asks, also from a saved plan: not on a terminal, refused
    assert unasked.exit_code == 1 and "pass --auto-approve" in unasked.stderr
    applied = cli("apply", plan_file, "--auto-approve")
    assert applied.exit_code == 0 and "1 deleted" in applied.stdout
    assert len(server_accounts(project)) == 2


def test_saved_plan_names_its_project_relative_to_where_plan_ran(project, cli, monkeypatch, tmp_path):
    monkeypatch.chdir(project.parent)
    assert cli("plan", "project", "--out", "release.lfplan").exit_code == 0
    assert json.loads((project.parent / "release.lfplan").read_text())["project_dir"] == "project"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    moved = cli("apply", project.parent / "release.lfplan")
    assert moved.exit_code == 1 and "run apply from where plan ran" in moved.stderr
    monkeypatch.chdir(project.parent)
    assert cli("apply", "release.lfplan").exit_code == 0


def test_changing_a_field_back_and_forth_within_a_day_lands_every_time(project, cli, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    original = (project / "accounts.yaml").read_text()
    for score in (43, 42, 43):
        (project / "accounts.yaml").write_text(original.replace("icp-score: 42", f"icp-score: {score}"))
        assert cli("apply", project, "--auto-approve").exit_code == 0
        globex = next(r for r in server_accounts(project) if r["fields"]["$name"]["value"] == "Globex")
        assert globex["fields"]["icp-score"]["value"] == score
    assert cli("plan", project, "--refresh", "--detailed-exitcode").exit_code == 0
