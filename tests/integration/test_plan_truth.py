"""The plan is a promise: values are checked against the organisation before anything is sent,
compared in the one canonical form the API stores (so they settle after apply), and shown by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lfsync.emulator.testing import served_emulator

EVERY_VALUE_TYPE = """
accounts:
  parent:
    fields:
      $name: Parent Co
  every:
    fields:
      $name: Every Type Inc
      $website: [foo.example, "https://bar.example/path"]
      $industry: [software, Fintech]
      $headcount: 11-50
      $linkedIn: linkedin.com/company/every
      $twitter: x.com/every
      $primaryAddress: {street: 1 Main St, city: Oslo, country: no, latitude: 59.9}
      tier: ENTERPRISE
      renewalDate: "2026-03-01T10:00:00+01:00"
      annualRevenue: 1000000.5
      icp-score: 42.0
      isPartner: true
      billingEmail: billing@every.example
      phone: ["(415) 555-0100 x12", "+47 22 33 44 55"]
      champion: {firstName: Ada, lastName: Lovelace}
      region: EMEA
      segments: [sales-led, plg]
    relationships:
      $owner: grace@example.com
      parentAccount: account.parent
"""


def test_every_value_type_settles_after_apply_on_the_local_target(make_project, cli):
    project = make_project({"accounts.yaml": EVERY_VALUE_TYPE})
    assert cli("apply", project, "--auto-approve").exit_code == 0
    refreshed = cli("plan", project, "--refresh", "--detailed-exitcode")
    assert refreshed.exit_code == 0, refreshed.output
    assert "No changes." in refreshed.stdout


@pytest.mark.parametrize("mode", [[], ["--docs-literal"]], ids=["emulator", "docs-literal"])
def test_every_value_type_settles_after_apply_on_a_served_api(make_project, cli, tmp_path, mode):
    project = make_project({"accounts.yaml": EVERY_VALUE_TYPE}, settings="skip_enrichment: true\n")
    with served_emulator(tmp_path / "api.db", *mode) as url:
        env = {"LIGHTFIELD_BASE_URL": url, "LIGHTFIELD_API_KEY": "sk_lf_local_dev"}
        applied = cli("apply", project, "--auto-approve", env=env)
        assert applied.exit_code == 0, applied.output
        refreshed = cli("plan", project, "--refresh", "--detailed-exitcode", env=env)
    assert refreshed.exit_code == 0, refreshed.output


def test_a_label_in_any_case_and_its_option_id_plan_as_the_same_value(make_project, cli, state_of):
    project = make_project({"accounts.yaml": "accounts:\n  a:\n    fields: {$name: A, tier: enterprise}\n"})
    assert cli("apply", project, "--auto-approve").exit_code == 0
    option_id = state_of(project)["resources"]["account.a"]["applied"]["fields"]["tier"]
    assert option_id.startswith("opt_")
    for spelling in ("ENTERPRISE", option_id, "Enterprise"):
        (project / "accounts.yaml").write_text(f"accounts:\n  a:\n    fields: {{$name: A, tier: {spelling}}}\n")
        planned = cli("plan", project, "--detailed-exitcode")
        assert planned.exit_code == 0, (spelling, planned.output)


@pytest.mark.parametrize(
    "line, message",
    [
        ("tierr: smb", "fields.tierr of account.bad: no such field in this organisation (did you mean 'tier'?)"),
        ("$webiste: [a.example]", "no such field in this organisation (did you mean '$website'?)"),
        ("$industry: [Sofware]", "'Sofware' is not an option (did you mean 'Software'?); valid labels:"),
        ("tier: growth", "'growth' is not an option; valid labels: smb, mid-market, enterprise"),
        ("renewalDate: '2026-03-01T09:00:00'", "has no UTC offset"),
        ("$primaryAddress: {country: NOR}", "country must be a 2-letter ISO 3166-1 code"),
        ("$primaryAddress: Oslo", "expected a mapping like {city: Oslo, country: 'NO'}"),
        ("icp-score: 1.23456", "1.23456 has more than 2 decimals"),
        ("$website: 42", "expected text or a list of text, found the number 42"),
        ("phone: '+4722334455'", "expected a list of text"),
        ("$howTheyMakeMoney: lots", "read-only"),
    ],
)
def test_values_the_api_would_refuse_stop_plan_and_apply_before_anything_is_sent(make_project, cli, line, message):
    project = make_project({"accounts.yaml": f"accounts:\n  bad:\n    fields:\n      $name: Bad\n      {line}\n"})
    for command in (["plan"], ["apply", "--auto-approve"]):
        result = cli(*command, project)
        assert result.exit_code == 1, result.output
        assert "accounts.yaml:5:7: " in result.stderr and message in result.stderr.replace("\n", " ")
        assert "unexpected" not in result.stderr and "Traceback" not in result.output
    assert not (project / "state").exists()
    assert not (project / ".lfsync" / "local.db").exists() or _accounts_on_local(project) == 0


@pytest.mark.parametrize(
    "line, where, message",
    [
        ("icp-score: .nan", "5:18", ".nan is not a number lfsync can send (JSON has no NaN or infinity)"),
        ("icp-score: -.inf", "5:18", "-.inf is not a number lfsync can send (JSON has no NaN or infinity)"),
        ("icp-score: 1" + "0" * 400, "5:18", "has 401 digits, more than any number field holds"),
        ("icp-score: 9007199254740993", "5:7", "9007199254740993 is beyond the range the API can hold"),
    ],
)
def test_numbers_json_cannot_carry_stop_plan_and_apply_before_anything_is_sent(make_project, cli, line, where, message):
    # NaN, infinities and numbers of over 100 digits are refused by the loader (at the value);
    # integers beyond the API's safe range by the definitions check (at the key).
    project = make_project({"accounts.yaml": f"accounts:\n  bad:\n    fields:\n      $name: Bad\n      {line}\n"})
    for command in (["plan"], ["apply", "--auto-approve"]):
        result = cli(*command, project)
        assert result.exit_code == 1, result.output
        assert f"accounts.yaml:{where}: " in result.stderr and message in result.stderr.replace("\n", " ")
        assert "unexpected" not in result.stderr and "Traceback" not in result.output
    assert not (project / "state").exists()
    assert not (project / ".lfsync" / "local.db").exists() or _accounts_on_local(project) == 0


@pytest.mark.parametrize(
    "relationship, message",
    [
        ("$owner: [mem_cadalovelace000000000, mem_cgracehopper000000000]", "holds one record, but 2 are given"),
        ("$owner: nobody@example.com", "'nobody@example.com' is the email of no member of this organisation"),
        ("$owner: mem_cnosuchmember00000000", "mem_cnosuchmember00000000 is no member of this organisation"),
        ("parentAccount: con_c00000000000000000000", "is not an account ID"),
        ("parentAccunt: acc_c00000000000000000000", "no such relationship in this organisation (did you mean 'parentAccount'?)"),
    ],
)
def test_relationships_the_api_would_refuse_stop_the_plan(make_project, cli, relationship, message):
    project = make_project({"accounts.yaml": f"accounts:\n  bad:\n    fields: {{$name: Bad}}\n    relationships:\n      {relationship}\n"})
    result = cli("plan", project)
    assert result.exit_code == 1 and "accounts.yaml:5:7" in result.stderr, result.output
    assert message in result.stderr.replace("\n", " ")


def _accounts_on_local(project: Path) -> int:
    import sqlite3

    with sqlite3.connect(project / ".lfsync" / "local.db") as db:
        return db.execute("select count(*) from accounts").fetchone()[0]


def test_plans_name_ids_as_reviewers_know_them(make_project, cli):
    files = {"accounts.yaml": """
        accounts:
          a: {fields: {$name: A}}
          b: {fields: {$name: B}}
          child:
            fields: {$name: Child, tier: smb, $industry: [Software]}
            relationships: {parentAccount: account.a, $owner: mem_cadalovelace000000000}
        """}
    project = make_project(files)
    assert cli("apply", project, "--auto-approve").exit_code == 0
    text = (project / "accounts.yaml").read_text()
    text = text.replace("account.a, $owner: mem_cadalovelace000000000", "account.b, $owner: grace@example.com")
    (project / "accounts.yaml").write_text(text.replace("tier: smb, $industry: [Software]", "tier: enterprise, $industry: [Fintech]"))
    planned = cli("plan", project, "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    shown = " ".join(planned.stdout.split())
    assert '~ tier: "smb" -> "enterprise"' in shown
    assert '~ $industry: ["Software"] -> ["Fintech"]' in shown
    assert "~ parentAccount: account.a -> account.b" in shown
    assert '~ $owner: "ada@example.com" -> "grace@example.com"' in shown
    assert "opt_" not in shown and "mem_" not in shown
    names = json.loads(cli("plan", project, "--format", "json").stdout)["names"]
    assert sorted(names.values()) == sorted(["smb", "enterprise", "Software", "Fintech", "account.a", "account.b",
                                             "ada@example.com", "grace@example.com"])  # only the IDs the plan shows


def test_a_plan_without_key_or_snapshot_says_values_were_not_checked_and_writes_nothing(make_project, cli):
    project = make_project({"accounts.yaml": "accounts:\n  a:\n    fields: {$name: A, tier: growth}\n"})
    env = {"LIGHTFIELD_BASE_URL": "https://api.lightfield.example"}
    planned = cli("plan", project, "--detailed-exitcode", env=env)
    assert planned.exit_code == 2, planned.output
    assert "Values were not checked against the organisation's definitions" in planned.stdout
    markdown = cli("plan", project, "--format", "markdown", env=env)
    assert "Values were not checked" in markdown.stdout
    assert not (project / "state").exists() and not (project / ".lfsync").exists()


def test_a_wrong_key_fails_the_plan(make_project, cli, tmp_path):
    project = make_project({"accounts.yaml": "accounts:\n  a:\n    fields: {$name: A}\n"})
    with served_emulator(tmp_path / "api.db") as url:
        planned = cli("plan", project, env={"LIGHTFIELD_BASE_URL": url, "LIGHTFIELD_API_KEY": "sk_lf_wrong"})
    assert planned.exit_code == 1 and "the API key was refused" in planned.stderr
    assert not (project / "state").exists()


def test_a_committed_definitions_snapshot_checks_plans_without_a_key(make_project, cli, tmp_path):
    project = make_project({"accounts.yaml": "accounts:\n  a:\n    fields: {$name: A, tier: enterprise}\n"}, settings="")
    with served_emulator(tmp_path / "api.db") as url:
        keyed = {"LIGHTFIELD_BASE_URL": url, "LIGHTFIELD_API_KEY": "sk_lf_local_dev"}
        pulled = cli("definitions", "pull", project, env=keyed)
        assert pulled.exit_code == 0, pulled.output
        assert "Wrote lfsync.definitions.json" in pulled.stdout or "lfsync.definitions.json" in pulled.stdout
        keyless = {"LIGHTFIELD_BASE_URL": url}
        planned = cli("plan", project, "--detailed-exitcode", env=keyless)
        assert planned.exit_code == 2 and "Values were not checked" not in planned.output, planned.output
        (project / "accounts.yaml").write_text("accounts:\n  a:\n    fields: {$name: A, tier: growth}\n")
        refused = cli("plan", project, env=keyless)
        assert refused.exit_code == 1 and "'growth' is not an option" in refused.stderr
        (project / "accounts.yaml").write_text("accounts:\n  a:\n    fields: {$name: A, tier: enterprise}\n")
        snapshot = project / "lfsync.definitions.json"
        document = json.loads(snapshot.read_text())
        document["members"] = [m for m in document["members"] if m["email"] != "grace@example.com"]
        snapshot.write_text(json.dumps(document))
        stale = cli("apply", project, "--auto-approve", env=keyed)
    assert stale.exit_code == 1
    assert "the organisation has changed since lfsync.definitions.json was pulled (member grace@example.com added)" in stale.stderr
    assert not (project / "state" / "default.journal.jsonl").exists()


def test_a_saved_plan_is_stale_once_the_organisation_changed(make_project, cli, tmp_path):
    project = make_project({"accounts.yaml": "accounts:\n  a:\n    fields: {$name: A}\n"})
    saved = tmp_path / "a.lfplan"
    assert cli("plan", project, "--out", saved).exit_code == 0
    document = json.loads(saved.read_text())
    document["organisation_digest"] = "0" * 64
    saved.write_text(json.dumps(document))
    result = cli("apply", saved)
    assert result.exit_code == 1 and "the organisation's definitions or members have changed" in result.stderr


def test_a_directory_without_lfsync_yaml_is_not_a_project(tmp_path, cli):
    (tmp_path / "accounts.yaml").write_text("accounts:\n  a:\n    fields: {$name: A}\n")
    result = cli("plan", tmp_path)
    assert result.exit_code == 1 and "no lfsync.yaml in" in result.stderr and "lfsync init" in result.stderr


def test_account_ids_named_directly_must_be_live_accounts(make_project, cli, state_of):
    project = make_project({"accounts.yaml": "accounts:\n  gone:\n    fields: {$name: Gone}\n"})
    assert cli("apply", project, "--auto-approve").exit_code == 0
    gone_id = state_of(project)["resources"]["account.gone"]["id"]
    (project / "accounts.yaml").write_text("accounts: {}\n")
    assert cli("apply", project, "--auto-approve", "--prune").exit_code == 0  # now in the trash
    (project / "accounts.yaml").write_text(
        "accounts:\n"
        "  child:\n    fields: {$name: Child}\n    relationships: {parentAccount: " + gone_id + "}\n"
        "  other:\n    fields: {$name: Other}\n    relationships: {parentAccount: acc_c00000000000000000000}\n"
    )
    for command in (["plan"], ["apply", "--auto-approve"]):
        result = cli(*command, project)
        assert result.exit_code == 1, result.output
        errors = result.stderr.replace("\n", " ")
        assert f"accounts.yaml:4:21: relationships.parentAccount of account.child: {gone_id} is in the trash" in errors
        assert "accounts.yaml:7:21: relationships.parentAccount of account.other: acc_c00000000000000000000 is no account" in errors
    assert state_of(project)["resources"] == {}


def test_a_snapshot_of_another_target_neither_checks_nor_blocks(make_project, cli):
    project = make_project({"accounts.yaml": "accounts:\n  a:\n    fields: {$name: A, tier: enterprise}\n"})
    assert cli("definitions", "pull", project).exit_code == 0  # of target local
    elsewhere = {"LIGHTFIELD_BASE_URL": "https://api.lightfield.example"}
    planned = cli("plan", project, env=elsewhere)
    assert planned.exit_code == 0 and "Values were not checked" in planned.stdout
    assert cli("apply", project, "--auto-approve").exit_code == 0  # its own target: the snapshot matches
