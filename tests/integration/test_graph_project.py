"""The CRM graph declared, planned and applied: accounts with their contacts and opportunities,
against the emulator served in both API modes (`served_target`): a graph applies and re-plans
clean with refresh, a contact is pruned alone, a link declared on the account side is no drift,
bad graph input is refused at plan time with nothing sent, an interrupted contact create is settled
with its journalled key."""

from __future__ import annotations

import asyncio
import json

from graph_declarations import ACME_AND_GLOBEX, ada_at_acme
from journalled import journal_create

from lfsync.operations.declared_project import load_declared
from lfsync.state.workspace import load_state

from wire import on_project, records_of

SETTINGS = "skip_enrichment: true\n"

ACCOUNTS = ACME_AND_GLOBEX

PEOPLE = "contacts:\n" + ada_at_acme() + """\
  grace:
    fields:
      $name: {firstName: Grace, lastName: Hopper}
      $email: [grace@globex.example]
    relationships:
      $account: [account.acme, account.globex]
  linus:
    fields:
      $name: {firstName: Linus}
      $email: [linus@example.org]
"""

DEALS = """
    opportunities:
      acme-renewal:
        fields:
          $name: Acme renewal 2027
          $stage: discovery
        relationships:
          $account: account.acme
          $champion: contact.ada
          $evaluator: [contact.grace]
          $owner: ada@example.com
      globex-won:
        fields:
          $name: Globex renewal
          $stage: Closed Won
          $pipeline: Renewals
        relationships:
          $account: account.globex
    """


OURS = {"ada@acme.example", "grace@globex.example", "linus@example.org"}


def applied(cli, project, *options: str) -> str:
    result = cli("apply", project, "--auto-approve", *options)
    assert result.exit_code == 0, result.output
    return result.stdout


def by_email(project) -> dict[str, dict]:
    return {record["fields"]["$email"]["value"][0]: record for record in records_of(project, "contacts")}


def linked(record: dict, key: str) -> list[str]:
    return sorted(record["relationships"].get(key, {}).get("values", []))


def test_a_graph_project_applies_replans_clean_and_prunes_a_contact_alone(make_project, cli, served_target, state_of):
    project = make_project({"accounts.yaml": ACCOUNTS, "people.yaml": PEOPLE, "deals.yaml": DEALS}, settings=SETTINGS)
    validated = cli("validate", project)
    assert "Success! 2 account(s), 3 contact(s), 2 opportunity(s) in 3 file(s) are valid" in validated.stdout
    planned = cli("plan", project)
    assert planned.exit_code == 0, planned.output
    assert "+ contact.ada  (people.yaml:2:3)" in planned.stdout and "+ opportunity.globex-won" in planned.stdout
    assert "Plan: 7 to create, 0 to update, 0 to delete." in planned.stdout
    markdown = cli("plan", project, "--format", "markdown").stdout
    assert markdown.index("#### Accounts (2)") < markdown.index("#### Contacts (3)") < markdown.index("#### Opportunities (2)")
    as_json = json.loads(cli("plan", project, "--format", "json").stdout)
    assert {change["address"] for change in as_json["changes"]} >= {"contact.linus", "opportunity.acme-renewal"}
    applied(cli, project)
    ids = {address: resource["id"] for address, resource in state_of(project)["resources"].items()}
    assert sorted(ids) == [
        "account.acme", "account.globex", "contact.ada", "contact.grace", "contact.linus",
        "opportunity.acme-renewal", "opportunity.globex-won",
    ]
    contacts = by_email(project)  # the fixture's own contacts besides
    assert {email for email in contacts if email in OURS} == OURS and contacts["ada@acme.example"]["id"] == ids["contact.ada"]
    assert linked(contacts["grace@globex.example"], "$account") == sorted([ids["account.acme"], ids["account.globex"]])
    deals = {record["id"]: record for record in records_of(project, "opportunities")}
    seeded = len(deals) - 2
    renewal = deals[ids["opportunity.acme-renewal"]]
    assert linked(renewal, "$account") == [ids["account.acme"]] and linked(renewal, "$champion") == [ids["contact.ada"]]
    assert renewal["fields"]["$stage"]["value"] != deals[ids["opportunity.globex-won"]]["fields"]["$stage"]["value"]

    clean = cli("plan", project, "--detailed-exitcode")  # refresh by default: every kind read back
    assert clean.exit_code == 0, clean.output

    (project / "people.yaml").write_text(
        (project / "people.yaml").read_text().split("  linus:")[0], encoding="utf-8"
    )
    pruning = cli("plan", project, "--prune", "--detailed-exitcode")
    assert pruning.exit_code == 2, pruning.output
    assert "contact.linus will be moved to the trash" in pruning.stdout
    assert "Plan: 0 to create, 0 to update, 1 to delete." in pruning.stdout
    applied(cli, project, "--prune")
    assert {email for email in by_email(project) if email in OURS} == {"ada@acme.example", "grace@globex.example"}
    assert ids["contact.linus"] in [record["id"] for record in records_of(project, "contacts", status="trashed")]
    assert "contact.linus" not in state_of(project)["resources"] and len(state_of(project)["resources"]) == 6
    assert len(records_of(project, "opportunities")) == seeded + 2
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0


def test_a_contact_link_declared_on_the_account_side_plans_no_drift(make_project, cli, served_target, state_of):
    one_side = {
        "graph.yaml": """
            accounts:
              acme:
                fields: {$name: Acme}
                relationships:
                  $contact: [contact.ada]
            contacts:
              ada:
                fields:
                  $email: [ada@acme.example]
            """
    }
    project = make_project(one_side, settings=SETTINGS)
    applied(cli, project)
    ids = {address: resource["id"] for address, resource in state_of(project)["resources"].items()}
    ada = by_email(project)["ada@acme.example"]
    assert linked(ada, "$account") == [ids["account.acme"]]  # the link read back from the contact's side
    clean = cli("plan", project, "--detailed-exitcode")
    assert clean.exit_code == 0, clean.output


def test_a_link_declared_on_both_sides_plans_one_link_and_replans_clean(make_project, cli, served_target, state_of):
    both_sides = {
        "graph.yaml": """
            accounts:
              acme:
                fields: {$name: Acme}
                relationships:
                  $contact: [contact.ada]
            contacts:
              ada:
                fields:
                  $email: [ada@acme.example]
                relationships:
                  $account: [account.acme]
            """
    }
    project = make_project(both_sides, settings=SETTINGS)
    applied(cli, project)
    ids = {address: resource["id"] for address, resource in state_of(project)["resources"].items()}
    assert linked(by_email(project)["ada@acme.example"], "$account") == [ids["account.acme"]]
    accounts = records_of(project, "accounts")
    assert len(accounts) == 1 and linked(accounts[0], "$contact") == [ids["contact.ada"]]
    clean = cli("plan", project, "--detailed-exitcode")
    assert clean.exit_code == 0, clean.output


def test_bad_graph_input_is_refused_at_plan_time_with_nothing_sent(make_project, cli, served_target, state_of):
    bad_values = """
        accounts:
          acme:
            fields: {$name: Acme}
        contacts:
          bob:
            fields:
              $name: Bob Smith
              $email: [bob@acme.example]
        opportunities:
          won:
            fields:
              $name: Won deal
              $stage: closed won
            relationships:
              $account: account.acme
              $champion: contact.bobby
        """
    project = make_project({"graph.yaml": bad_values}, settings=SETTINGS)
    before = {collection: records_of(project, collection) for collection in ("accounts", "contacts", "opportunities")}
    for command in (("plan",), ("apply", "--auto-approve")):
        result = cli(*command, project)
        assert result.exit_code == 1, result.output
        errors = result.stderr.replace("\n", " ")
        assert "graph.yaml:7:7: fields.$name of contact.bob: expected a mapping like {firstName: Ada, lastName: Lovelace}, " \
            "found the string 'Bob Smith'" in errors
        assert "graph.yaml:13:7: fields.$stage of opportunity.won: stage 'closed won' is in 2 pipelines: New business (opt_" in errors
        assert "Renewals (opt_" in errors and "name the pipeline with $pipeline: <name>" in errors
        assert "graph.yaml:16:18: relationships.$champion of opportunity.won refers to contact.bobby, which is not declared " \
            "in any file (did you mean contact.bob?)" in errors
    (project / "graph.yaml").write_text(
        "opportunities:\n  orphan:\n    fields: {$name: Orphan, $stage: Discovery}\n", encoding="utf-8"
    )
    refused = cli("plan", project)
    assert refused.exit_code == 1
    assert "graph.yaml:2:3: opportunity.orphan has no $account in 'relationships'; every opportunity belongs to one" in refused.stderr
    assert {collection: records_of(project, collection) for collection in before} == before
    assert not (project / "state").exists()


def test_an_interrupted_contact_create_is_settled_with_its_journalled_key(make_project, cli, served_target, state_of):
    project = make_project({"accounts.yaml": ACCOUNTS}, settings=SETTINGS)
    applied(cli, project)
    (project / "people.yaml").write_text(
        "contacts:\n  ada:\n    fields:\n      $email: [ada@acme.example]\n    relationships:\n      $account: account.acme\n",
        encoding="utf-8",
    )
    key, body = journal_create(project, "contact.ada")
    assert [intent.address for intent in load_state(load_declared(project).project).pending.values()] == ["contact.ada"]

    async def send_directly() -> str:  # the create landed; its answer was lost with the process
        async with on_project(project) as api:
            return (await api.create_record("contacts", body, key))["id"]

    landed = asyncio.run(send_directly())
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "contact.ada: interrupted create settled" in result.stdout
    assert state_of(project)["resources"]["contact.ada"]["id"] == landed
    sent = [record["id"] for record in records_of(project, "contacts") if "ada@acme.example" in record["fields"]["$email"]["value"]]
    assert sent == [landed]  # no duplicate
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0


def test_adopt_finds_an_existing_contact_by_its_email(make_project, cli, served_target, state_of):
    project = make_project({"accounts.yaml": ACCOUNTS}, settings=SETTINGS)

    async def made_in_lightfield() -> str:
        async with on_project(project) as api:
            body = {"fields": {"$name": {"firstName": "Ada"}, "$email": ["ada@acme.example"]}}
            return (await api.create_record("contacts", body, "made-by-a-person"))["id"]

    existing = asyncio.run(made_in_lightfield())
    (project / "people.yaml").write_text(
        "contacts:\n  ada:\n    fields:\n      $name: {firstName: Ada}\n      $email: [ada@acme.example]\n", encoding="utf-8"
    )
    adopting = cli("plan", project, "--adopt")
    assert adopting.exit_code == 0, adopting.output
    assert "contact.ada will be adopted (an existing record with the same email)" in adopting.stdout
    applied(cli, project, "--adopt")
    assert state_of(project)["resources"]["contact.ada"]["id"] == existing
    assert [record["id"] for record in records_of(project, "contacts") if record["id"] == existing] == [existing]
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0


def test_contacts_and_opportunities_declared_in_csv_files_apply_and_replan_clean(make_project, cli, served_target, state_of):
    contacts_csv = (
        "contact,$name,$email,relationships.$account\n"
        'ada,"{""firstName"": ""Ada"", ""lastName"": ""Lovelace""}",ada@acme.example;ada@globex.example,account.acme\n'
    )
    deals_csv = "opportunity,$name,$stage,relationships.$account,relationships.$evaluator\nrenewal,Renewal,Proposal,account.acme,contact.ada\n"
    project = make_project(
        {"accounts.yaml": ACCOUNTS, "contacts.csv": contacts_csv, "deals.csv": deals_csv},
        settings=SETTINGS + 'declarations: ["*.yaml", "*.csv"]\n',
    )
    applied(cli, project)
    ids = {address: resource["id"] for address, resource in state_of(project)["resources"].items()}
    ada = by_email(project)["ada@acme.example"]
    assert ada["id"] == ids["contact.ada"] and ada["fields"]["$name"]["value"] == {"firstName": "Ada", "lastName": "Lovelace"}
    deal = next(record for record in records_of(project, "opportunities") if record["id"] == ids["opportunity.renewal"])
    assert linked(deal, "$evaluator") == [ids["contact.ada"]]
    clean = cli("plan", project, "--detailed-exitcode")
    assert clean.exit_code == 0, clean.output


def test_a_contact_moved_to_a_new_key_keeps_its_record(make_project, cli, served_target, state_of):
    project = make_project({"accounts.yaml": ACCOUNTS, "people.yaml": PEOPLE}, settings=SETTINGS)
    applied(cli, project)
    before = state_of(project)["resources"]["contact.ada"]["id"]
    (project / "people.yaml").write_text(
        (project / "people.yaml").read_text().replace("  ada:", "  ada-lovelace:")
        + "moved:\n  - {from: contact.ada, to: contact.ada-lovelace}\n",
        encoding="utf-8",
    )
    planned = cli("plan", project, "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "  # contact.ada has moved to contact.ada-lovelace\n" in planned.stdout
    assert "Plan: 0 to create, 0 to update, 0 to delete, 1 to move." in planned.stdout
    applied(cli, project)
    assert state_of(project)["resources"]["contact.ada-lovelace"]["id"] == before
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0
