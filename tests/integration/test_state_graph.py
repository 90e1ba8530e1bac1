"""`lfsync import` and `lfsync state list|show|mv|rm` for contacts and opportunities: records made
through the official SDK are imported under declared `contact.` and `opportunity.` addresses (an ID
of another kind refused with nothing written), then listed, shown, moved within their kind (never
across kinds) and forgotten, the records themselves untouched. One served emulator per API mode for
the module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from demo_sdk import SDK_RETRIES
from graph_declarations import ada_at_acme
from lightfield import Lightfield

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import API_MODES, DOCS_LITERAL, serve_in_thread

DEV_KEY = "sk_lf_local_dev"
FAST = {"write_rate": 1000, "read_rate": 1000, "search_rate": 1000}

DECLARED = {
    "accounts.yaml": """
        accounts:
          acme:
            fields: {$name: Acme}
        """,
    "people.yaml": "contacts:\n" + ada_at_acme(),
    "deals.yaml": """
        opportunities:
          acme-renewal:
            fields:
              $name: Acme renewal 2027
              $stage: Proposal
            relationships:
              $account: account.acme
              $champion: contact.ada
        """,
}


@dataclass(frozen=True)
class Made:
    url: str
    sdk: Lightfield
    account: str
    contact: str
    opportunity: str


@pytest.fixture(scope="module", params=API_MODES)
def made(request) -> Iterator[Made]:
    """An account, a contact and an opportunity made outside lfsync, through the SDK (the
    opportunity in another stage than declared, so the plan after import updates it)."""
    with serve_in_thread(EmulatorConfig(docs_literal=request.param == DOCS_LITERAL, **FAST)) as url:
        sdk = Lightfield(api_key=DEV_KEY, base_url=url, max_retries=SDK_RETRIES)
        account = sdk.account.create(fields={"$name": "Acme"}, skip_enrichment=True)
        contact = sdk.contact.create(
            fields={"$name": {"firstName": "Ada", "lastName": "Lovelace"}, "$email": ["ada@acme.example"]},
            relationships={"$account": account.id}, skip_enrichment=True,
        )
        opportunity = sdk.opportunity.create(
            fields={"$name": "Acme renewal 2027", "$stage": "Discovery"},
            relationships={"$account": account.id, "$champion": contact.id},
        )
        yield Made(url, sdk, account.id, contact.id, opportunity.id)


@pytest.fixture
def project(made, make_project, cli, monkeypatch):  # after `cli`, which clears the target
    monkeypatch.setenv("LIGHTFIELD_BASE_URL", made.url)
    monkeypatch.setenv("LIGHTFIELD_API_KEY", DEV_KEY)
    return make_project(DECLARED, settings="skip_enrichment: true\n")


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def test_contacts_and_opportunities_import_then_plan_and_apply_clean(made, project, cli, state_of):
    for address, record_id in (("account.acme", made.account), ("contact.ada", made.contact),
                               ("opportunity.acme-renewal", made.opportunity)):
        assert f"Imported {record_id} as {address}." in ok(cli("import", address, record_id, "--dir", project))
    assert ok(cli("state", "list", "--dir", project)).split() == ["account.acme", "contact.ada", "opportunity.acme-renewal"]
    assert json.loads(ok(cli("state", "show", "opportunity.acme-renewal", "--dir", project)))["id"] == made.opportunity
    planned = ok(cli("plan", project))
    assert "~ opportunity.acme-renewal" in planned and "Plan: 0 to create, 3 to update" in planned
    discovery = made.sdk.opportunity.retrieve(made.opportunity).fields["$stage"].value
    ok(cli("apply", project, "--auto-approve"))
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0
    assert made.sdk.opportunity.retrieve(made.opportunity).fields["$stage"].value != discovery  # now Proposal


@pytest.mark.parametrize(
    ("address", "wrong", "message"),
    [
        ("contact.ada", "account", "cannot import {id!r} as contact.ada: a contact's ID starts with 'con_'; it is an account's ID"),
        ("opportunity.acme-renewal", "contact",
         "cannot import {id!r} as opportunity.acme-renewal: an opportunity's ID starts with 'opp_'; it is a contact's ID"),
    ],
)
def test_an_id_of_another_kind_is_refused_with_nothing_written(made, project, cli, address, wrong, message):
    record_id = getattr(made, wrong)
    refused = cli("import", address, record_id, "--dir", project)
    assert refused.exit_code == 1 and message.format(id=record_id) in refused.stderr
    assert not (project / "state" / "default.lfstate.json").exists()


def test_state_mv_keeps_a_record_in_its_kind_and_rm_leaves_it_in_lightfield(made, project, cli, state_of):
    ok(cli("import", "contact.ada", made.contact, "--dir", project))
    ok(cli("import", "opportunity.acme-renewal", made.opportunity, "--dir", project))
    assert ok(cli("state", "mv", "contact.ada", "contact.ada-lovelace", "--dir", project)) == (
        "Moved contact.ada to contact.ada-lovelace.\n"
    )
    before = state_of(project)
    across = cli("state", "mv", "contact.ada-lovelace", "account.ada", "--dir", project)
    assert across.exit_code == 1 and "a record keeps its kind (contact)" in across.stderr
    assert state_of(project) == before  # nothing written
    ok(cli("state", "mv", "contact.ada-lovelace", "contact.ada", "--dir", project))
    removed = ok(cli("state", "rm", "opportunity.acme-renewal", "contact.ada", "--dir", project))
    assert f"Removed opportunity.acme-renewal ({made.opportunity}) from state; the opportunity itself is untouched." in removed
    assert f"Removed contact.ada ({made.contact}) from state; the contact itself is untouched." in removed
    assert ok(cli("state", "list", "--dir", project)) == ""
    assert made.sdk.contact.retrieve(made.contact).id == made.contact  # still there, not trashed
    assert made.sdk.opportunity.list(extra_query={"$name[equal]": "Acme renewal 2027"}).total_count == 1
