"""`vars:` end to end: one project, two workspaces whose vars give each organisation its own
owner, region and tier; each plans and applies resolved values, re-plans clean, plans the update a
changed variable causes; an unknown variable stops the run at its file:line:col, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from wire import accounts_of

SETTINGS = """\
target: local
vars:
  region: EU
  tier: enterprise
workspaces:
  eu: {target: local, vars: {owner: grace@example.com}}
  us: {target: local, vars: {region: US, owner: ada@example.com, tier: smb}}
"""

ACCOUNTS = """\
accounts:
  hq:
    fields:
      $name: HQ ${vars.region}
      tier: ${vars.tier}
      region: "${vars.region}"
    relationships:
      $owner: ${vars.owner}
  branch:
    fields:
      $name: Branch $${vars.region}
    relationships:
      parentAccount: account.hq
"""

PARTNERS = "key,$name,region\npartner,Partner ${vars.region},${vars.region}-${vars.tier}\n"


@pytest.fixture
def two_regions(make_project) -> Path:
    return make_project({"accounts.yaml": ACCOUNTS, "partners.csv": PARTNERS}, settings=SETTINGS)


def plans(stdout: str) -> dict[str, str]:
    """Each workspace's part of a multi-workspace plan's output."""
    parts = stdout.split("Workspace ")[1:]
    return {part.split(":", 1)[0]: part for part in parts}


def by_name(project: Path, workspace: str) -> dict[str, dict]:
    return {account["fields"]["$name"]["value"]: account for account in accounts_of(project, workspace)}


def test_each_workspace_plans_and_applies_its_own_values_and_a_changed_variable_plans_its_update(two_regions, cli):
    project = two_regions
    planned = cli("plan", project, "--all-workspaces", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    eu_plan, us_plan = plans(planned.stdout)["eu"], plans(planned.stdout)["us"]
    for shown in ('"HQ EU"', '"enterprise"', '"grace@example.com"', '"Partner EU"', '"EU-enterprise"', '"Branch ${vars.region}"'):
        assert shown in eu_plan, eu_plan
    for shown in ('"HQ US"', '"smb"', '"ada@example.com"', '"Partner US"', '"US-smb"', '"Branch ${vars.region}"'):
        assert shown in us_plan, us_plan
    assert "${vars.owner}" not in planned.stdout and "${vars.tier}" not in planned.stdout

    applied = cli("apply", project, "--all-workspaces", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    eu, us = by_name(project, "eu"), by_name(project, "us")
    assert set(eu) == {"HQ EU", "Branch ${vars.region}", "Partner EU"}
    assert set(us) == {"HQ US", "Branch ${vars.region}", "Partner US"}
    assert eu["HQ EU"]["fields"]["region"]["value"] == "EU" and us["HQ US"]["fields"]["region"]["value"] == "US"
    assert eu["HQ EU"]["relationships"]["$owner"]["values"] != us["HQ US"]["relationships"]["$owner"]["values"]
    assert cli("plan", project, "--all-workspaces", "--detailed-exitcode").exit_code == 0

    (project / "lfsync.yaml").write_text(SETTINGS.replace("region: US,", "region: CA,"))
    changed = cli("plan", project, "--workspace", "us", "--workspace", "eu", "--detailed-exitcode")
    assert changed.exit_code == 2, changed.output
    eu_plan, us_plan = plans(changed.stdout)["eu"], plans(changed.stdout)["us"]
    assert "No changes" in eu_plan, eu_plan
    assert '"HQ US" -> "HQ CA"' in us_plan and '"US-smb" -> "CA-smb"' in us_plan, us_plan
    assert "Plan: 0 to create, 2 to update, 0 to delete." in us_plan

    # --var overrides lfsync.yaml for one run; a saved plan made with it is stale without it
    saved = project / "us.plan"
    overridden = cli("plan", project, "--workspace", "us", "--var", "tier=enterprise", "--detailed-exitcode")
    assert overridden.exit_code == 2 and '"smb" -> "enterprise"' in overridden.stdout, overridden.output
    env = {"LFSYNC_WORKSPACE": "us"}
    assert cli("plan", project, "--var", "tier=enterprise", "--out", saved, env=env).exit_code == 0
    stale = cli("apply", saved, "--auto-approve", env=env)
    assert stale.exit_code == 1 and "the vars substituted in them" in stale.output, stale.output
    assert cli("apply", saved, "--auto-approve", "--var", "tier=enterprise", env=env).exit_code == 0
    assert by_name(project, "us")["HQ CA"]["fields"]["tier"]["value"] == by_name(project, "eu")["HQ EU"]["fields"]["tier"]["value"]


def test_an_unknown_variable_stops_the_run_at_its_place_and_nothing_is_written(two_regions, cli):
    project = two_regions
    (project / "accounts.yaml").write_text(ACCOUNTS.replace("${vars.owner}", "${vars.ownr}"))
    (project / "partners.csv").write_text(PARTNERS.replace("${vars.tier}\n", "${vars.teir}\n"))
    for args in (("plan", project, "--workspace", "eu"), ("apply", project, "--all-workspaces", "--auto-approve")):
        refused = cli(*args)
        assert refused.exit_code == 1, refused.output
        assert (
            "accounts.yaml:8:15: relationships.$owner of account.hq: unknown variable 'ownr' "
            "(known: owner, region, tier) (did you mean 'owner'?)" in refused.output
        ), refused.output
        assert "partners.csv:2:47: region of account.partner: unknown variable 'teir'" in refused.output
    assert not (project / "state").exists()
    assert not (project / ".lfsync").exists()  # no parse cache entry, no local organisation
