"""`lfsync export` of every kind: an organisation whose accounts, contacts and opportunities were made
through the official SDK (`lightfield`) exports to YAML and to CSV, references written as
addresses, and each export re-plans clean with refresh; `--kind` narrows it; a link to a record
outside the export keeps its ID and is named in a note. One served emulator per API mode, seeded
once, is shared by the module's tests: an export only reads the organisation, and each test has its
own project (its own state), so each sees every record unmanaged."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from demo_sdk import SDK_RETRIES
from lightfield import Lightfield

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import API_MODES, DOCS_LITERAL, serve_in_thread
from lfsync.remote.declaring import key_from_name

DEV_KEY = "sk_lf_local_dev"
OWNER = "mem_cadalovelace000000000"  # ada@example.com in the default organisation
FAST = {"write_rate": 1000, "read_rate": 1000, "search_rate": 1000}
SETTINGS = "skip_enrichment: true\n"
SEEDED_CONTACTS = ("marie-curie", "rosalind-franklin", "dorothy-hodgkin")  # the default organisation's own


@dataclass(frozen=True)
class Organisation:
    url: str
    ids: dict[str, str]  # what the SDK made: name -> ID
    closed_won_renewals: str  # the option ID of the "Closed Won" stage of the Renewals pipeline


def seed_with_sdk(url: str) -> Organisation:
    """Two accounts, two contacts (one linked to both accounts), two opportunities (one in a stage
    whose label two pipelines share), made through the official SDK."""
    sdk = Lightfield(api_key=DEV_KEY, base_url=url, max_retries=SDK_RETRIES)
    fields = sdk.opportunity.definitions().field_definitions
    pipelines = {o.id: o.label for o in fields["$pipeline"].type_configuration.options or []}
    stages = {(pipelines[o.parent_id or ""], o.label): o.id for o in fields["$stage"].type_configuration.options or []}
    acme = sdk.account.create(fields={"$name": "Acme", "$website": ["acme.example"]}, relationships={"$owner": OWNER},
                              skip_enrichment=True)
    globex = sdk.account.create(fields={"$name": "Globex"}, skip_enrichment=True)
    ada = sdk.contact.create(
        fields={"$name": {"firstName": "Ada", "lastName": "Lovelace"}, "$email": ["ada@acme.example"],
                "$title": "=HYPERLINK(\"x\")"},
        relationships={"$account": acme.id, "$owner": OWNER}, skip_enrichment=True,
    )
    grace = sdk.contact.create(
        fields={"$name": {"firstName": "Grace", "lastName": "Hopper"}, "$email": ["grace@globex.example"]},
        relationships={"$account": [acme.id, globex.id]}, skip_enrichment=True,
    )
    renewal = sdk.opportunity.create(
        fields={"$name": "Acme renewal 2027", "$stage": stages[("New business", "Discovery")], "$amount": 12000},
        relationships={"$account": acme.id, "$champion": ada.id, "$evaluator": [grace.id], "$owner": OWNER},
    )
    won = sdk.opportunity.create(
        fields={"$name": "Globex renewal", "$stage": stages[("Renewals", "Closed Won")]},
        relationships={"$account": globex.id},
    )
    ids = {"acme": acme.id, "globex": globex.id, "ada": ada.id, "grace": grace.id, "renewal": renewal.id, "won": won.id}
    return Organisation(url, ids, stages[("Renewals", "Closed Won")])


@pytest.fixture(scope="module", params=API_MODES)
def organisation(request) -> Iterator[Organisation]:
    with serve_in_thread(EmulatorConfig(docs_literal=request.param == DOCS_LITERAL, **FAST)) as url:
        yield seed_with_sdk(url)


@pytest.fixture(scope="module")
def default_mode_organisation() -> Iterator[Organisation]:
    with serve_in_thread(EmulatorConfig(docs_literal=False, **FAST)) as url:
        yield seed_with_sdk(url)


def on(organisation: Organisation, monkeypatch) -> Organisation:
    monkeypatch.setenv("LIGHTFIELD_BASE_URL", organisation.url)
    monkeypatch.setenv("LIGHTFIELD_API_KEY", DEV_KEY)
    return organisation


def exported(cli, project, *options: str) -> str:
    result = cli("export", project, *options)
    assert result.exit_code == 0, result.output
    return result.stdout


def replans_clean(cli, project) -> None:
    result = cli("plan", project, "--detailed-exitcode")  # refresh by default: every kind read back
    assert result.exit_code == 0, result.output


def state_ids(state_of, project) -> dict[str, str]:
    return {address: resource["id"] for address, resource in state_of(project)["resources"].items()}


def test_every_kind_exports_to_one_yaml_file_that_replans_clean(organisation, make_project, cli, state_of, monkeypatch):
    org = on(organisation, monkeypatch)
    project = make_project({}, settings=SETTINGS)
    said = exported(cli, project)
    assert "Exported 2 account(s), 5 contact(s), 2 opportunity(s) to" in said and "Note:" not in said
    text = (project / "accounts" / "exported.yaml").read_text()
    assert text.index("\naccounts:\n") < text.index("\ncontacts:\n") < text.index("\nopportunities:\n")
    assert "  ada-lovelace:\n    fields:\n      $name: {firstName: Ada, lastName: Lovelace}\n" in text
    assert "$account: account.acme\n" in text and "$account: [account.acme, account.globex]" in text
    assert "$champion: contact.ada-lovelace" in text and "$evaluator: [contact.grace-hopper]" in text
    assert "$owner: ada@example.com" in text and "mem_" not in text
    assert "$stage: Discovery" in text and f"$stage: {org.closed_won_renewals}" in text  # a shared label stays an ID
    assert "$contact:" not in text and "$opportunity:" not in text and "$opportunityStatus" not in text
    assert "acc_" not in text and "con_" not in text
    ids = state_ids(state_of, project)
    assert {ids["account.acme"], ids["contact.ada-lovelace"], ids["opportunity.globex-renewal"]} == {
        org.ids["acme"], org.ids["ada"], org.ids["won"]
    }
    assert sorted(a for a in ids if a.startswith("contact.")) == sorted(
        ["contact.ada-lovelace", "contact.grace-hopper", *(f"contact.{key}" for key in SEEDED_CONTACTS)]
    )
    replans_clean(cli, project)
    assert cli("fmt", "--check", project).exit_code == 0


def test_every_kind_exports_to_one_csv_file_per_kind_that_replans_clean(organisation, make_project, cli, state_of, monkeypatch):
    on(organisation, monkeypatch)
    project = make_project({}, settings=SETTINGS)
    said = exported(cli, project, "--format", "csv")
    folder = project / "accounts"
    assert sorted(path.name for path in folder.iterdir()) == [
        "exported-contacts.csv", "exported-opportunities.csv", "exported.csv"
    ]
    assert said.count(".csv") == 3
    rows = {name: list(csv.reader(io.StringIO((folder / name).read_text()))) for name in ("exported.csv",
            "exported-contacts.csv", "exported-opportunities.csv")}
    assert [rows[name][0][0] for name in rows] == ["key", "contact", "opportunity"]
    people = {row[0]: dict(zip(rows["exported-contacts.csv"][0], row)) for row in rows["exported-contacts.csv"][1:]}
    assert people["ada-lovelace"]["$title"] == "'=HYPERLINK(\"x\")"  # a formula start escaped
    assert people["grace-hopper"]["relationships.$account"] == "account.acme; account.globex"
    deals = {row[0]: dict(zip(rows["exported-opportunities.csv"][0], row)) for row in rows["exported-opportunities.csv"][1:]}
    assert deals["acme-renewal-2027"]["relationships.$champion"] == "contact.ada-lovelace"
    assert len(state_ids(state_of, project)) == 2 + 5 + 2
    replans_clean(cli, project)


def test_kind_contact_exports_only_contacts_linked_to_the_managed_accounts(default_mode_organisation, make_project, cli,
                                                                        state_of, monkeypatch):
    on(default_mode_organisation, monkeypatch)
    project = make_project({}, settings=SETTINGS)
    assert "Exported 2 account(s) to" in exported(cli, project, "--kind", "account")
    accounts = (project / "accounts" / "exported.yaml").read_text()
    assert "contacts:" not in accounts and "$contact" not in accounts  # the contacts' side of the link
    said = exported(cli, project, "--kind", "contact", "--file", "people.yaml")
    assert "Exported 5 contact(s) to" in said and "Note:" not in said
    people = (project / "people.yaml").read_text()
    assert "accounts:" not in people and "opportunities:" not in people
    assert "# Written by `lfsync export` --kind contact." in people
    assert "$account: [account.acme, account.globex]" in people
    assert {address.split(".")[0] for address in state_ids(state_of, project)} == {"account", "contact"}
    replans_clean(cli, project)
    # a filter on a field contacts lack: left out without --kind, an error with it
    assert exported(cli, project, "--filter", "$website[contains]=acme", "--file", "more.yaml").startswith(
        "Nothing to export: every matching record is already managed."
    )
    refused = cli("export", project, "--kind", "contact", "--filter", "$website[contains]=acme", "--file", "more.yaml")
    assert refused.exit_code == 1 and "unknown_field" in refused.stderr


def test_a_link_outside_the_export_keeps_its_id_and_is_named(default_mode_organisation, make_project, cli, state_of,
                                                              monkeypatch):
    org = on(default_mode_organisation, monkeypatch)
    project = make_project({}, settings=SETTINGS)
    said = exported(cli, project, "--kind", "opportunity")
    assert "Exported 2 opportunity(s) to" in said
    assert f"opportunity.acme-renewal-2027 $account {org.ids['acme']}" in said and "--kind account --kind contact" in said
    text = (project / "accounts" / "exported.yaml").read_text()
    assert f"$account: {org.ids['acme']}" in text and f"$champion: {org.ids['ada']}" in text
    replans_clean(cli, project)


def test_a_csv_export_refuses_when_any_of_its_files_exists(default_mode_organisation, make_project, cli, monkeypatch):
    on(default_mode_organisation, monkeypatch)
    project = make_project({"accounts/exported-opportunities.csv": "opportunity,$name\n"}, settings=SETTINGS)
    result = cli("export", project, "--format", "csv")
    assert result.exit_code == 1 and "exported-opportunities.csv already exists" in result.stderr
    assert sorted(path.name for path in (project / "accounts").iterdir()) == ["exported-opportunities.csv"]
    assert not list((project / "state").glob("*.lfstate.json"))


def test_keys_of_full_names():
    assert key_from_name({"firstName": "Ada", "lastName": "Lovelace"}) == "ada-lovelace"
    assert key_from_name({"firstName": "Linus", "lastName": None}) == "linus"
    assert key_from_name({"firstName": None}, "contact") == "contact"

