"""`lfsync reset` and `lfsync destroy` over the CRM graph (accounts, contacts, opportunities), in
both API modes: a demo's edits made through the official SDK (a contact and an opportunity
trashed, a stage and a title edited, a contact and an opportunity nobody declared) are each planned
and fixed per kind by reset where the workspace owns the organisation; destroy trashes every kind,
dependents before the accounts they reference, and the next plan creates them all again."""

from __future__ import annotations

import re

from demo_sdk import SDK_RETRIES
from graph_declarations import ACME_AND_GLOBEX, ada_at_acme
from lightfield import Lightfield
from recording import recorded_target

from wire import records_of

SETTINGS = "skip_enrichment: true\nowns_organisation: true\n"
KEY = "sk_lf_local_dev"

GRAPH = ACME_AND_GLOBEX + "contacts:\n" + ada_at_acme("$title: Analyst") + """\
  grace:
    fields:
      $name: {firstName: Grace, lastName: Hopper}
      $email: [grace@globex.example]
    relationships:
      $account: account.globex
opportunities:
  acme-renewal:
    fields:
      $name: Acme renewal
      $stage: Discovery
    relationships:
      $account: account.acme
      $champion: contact.ada
  globex-deal:
    fields:
      $name: Globex deal
      $stage: Proposal
    relationships:
      $account: account.globex
"""

COLLECTIONS = ("accounts", "contacts", "opportunities")


def live_ids(project) -> dict[str, set[str]]:
    return {collection: {record["id"] for record in records_of(project, collection)} for collection in COLLECTIONS}


def headings(stdout: str) -> dict[str, str]:
    """address -> what the plan says happens to it (`  # <address> <headline>`)."""
    return dict(re.findall(r"^  # (\S+) (.+)$", stdout, flags=re.MULTILINE))


def test_reset_fixes_every_kind_and_destroy_trashes_dependents_first(make_project, cli, state_of, api_mode, monkeypatch, tmp_path):
    with recorded_target(monkeypatch, tmp_path, api_mode) as (recorder, url):
        project = make_project({"graph.yaml": GRAPH}, settings=SETTINGS)
        seeded = live_ids(project)  # the organisation's own records (the fixture's contacts)
        assert cli("apply", project, "--auto-approve").exit_code == 0
        ids = {address: resource["id"] for address, resource in state_of(project)["resources"].items()}

        sdk = Lightfield(api_key=KEY, base_url=url, max_retries=SDK_RETRIES)  # a demo, through the official SDK
        sdk.contact.delete(ids["contact.grace"])
        sdk.opportunity.delete(ids["opportunity.globex-deal"])
        sdk.opportunity.update(ids["opportunity.acme-renewal"], fields={"$stage": "Negotiation"})
        sdk.contact.update(ids["contact.ada"], fields={"$title": "CEO"})
        eve = sdk.contact.create(fields={"$name": {"firstName": "Eve", "lastName": "Extra"}}, relationships={"$account": ids["account.acme"]}).id
        side = sdk.opportunity.create(fields={"$name": "Side deal", "$stage": "Discovery"}, relationships={"$account": ids["account.globex"]}).id
        sdk.account.delete(ids["account.globex"])  # the trashed contact's and opportunity's account too

        sent = len(recorder.requests)

        reset = cli("reset", project, "--auto-approve")
        assert reset.exit_code == 0, reset.output
        unmanaged = {f"unmanaged.{record_id}" for ids_of_kind in seeded.values() for record_id in ids_of_kind} | {
            f"unmanaged.{eve}", f"unmanaged.{side}"
        }
        planned = headings(reset.stdout)
        assert set(planned) == {
            "account.globex", "contact.grace", "opportunity.globex-deal", "contact.ada", "opportunity.acme-renewal",
        } | unmanaged
        assert planned["account.globex"] == "is in the trash and will be restored"
        for address in ("contact.grace", "opportunity.globex-deal"):  # (their link to the trashed account may show)
            assert planned[address].startswith("is in the trash and will be restored"), reset.stdout
        assert planned["contact.ada"].startswith("will be updated in place") and "~ $title: \"CEO\" -> \"Analyst\"" in reset.stdout
        assert planned["opportunity.acme-renewal"].startswith("will be updated in place") and "~ $stage: \"Negotiation\" -> \"Discovery\"" in reset.stdout
        assert planned[f"unmanaged.{eve}"].startswith("will be moved to the trash: 'Eve Extra' is declared nowhere")
        assert planned[f"unmanaged.{side}"].startswith("will be moved to the trash: 'Side deal' is declared nowhere")
        assert f"- unmanaged.{eve}" in reset.stdout
        assert f"Plan: 0 to create, 2 to update, 3 to restore, {len(unmanaged)} to delete." in reset.stdout
        restores = [path.split("/")[2] for method, path in recorder.requests[sent:] if path.endswith("/restore")]
        assert restores[0] == "accounts" and sorted(restores[1:]) == ["contacts", "opportunities"]  # linked once it is back
        assert re.search(r"records/s, ETA", reset.stderr) and "accounts/s" not in reset.stderr  # the kinds' own word

        assert live_ids(project) == {
            "accounts": {ids["account.acme"], ids["account.globex"]},
            "contacts": {ids["contact.ada"], ids["contact.grace"]},
            "opportunities": {ids["opportunity.acme-renewal"], ids["opportunity.globex-deal"]},
        }
        ada = next(r for r in records_of(project, "contacts") if r["id"] == ids["contact.ada"])
        assert ada["fields"]["$title"]["value"] == "Analyst"
        clean = cli("plan", project, "--detailed-exitcode")
        assert clean.exit_code == 0, clean.output
        assert "No changes. Your records match the declarations." in clean.stdout
        assert cli("reset", project, "--auto-approve").stdout.count("Nothing to change") == 1

        sent = len(recorder.requests)
        destroyed = cli("destroy", project, "--auto-approve")
        assert destroyed.exit_code == 0, destroyed.output
        assert "Plan: 0 to create, 0 to update, 6 to delete." in destroyed.stdout
        assert '# contact.ada will be moved to the trash (named "Ada Lovelace")' in destroyed.stdout
        trashed = [path.rsplit("/", 2)[-2] for method, path in recorder.requests[sent:] if method == "DELETE"]
        assert trashed == ["opportunities"] * 2 + ["contacts"] * 2 + ["accounts"] * 2  # dependents first
        assert live_ids(project) == {collection: set() for collection in COLLECTIONS}
        assert state_of(project)["resources"] == {}
        again = cli("plan", project)
        assert "Plan: 6 to create, 0 to update, 0 to delete." in again.stdout
