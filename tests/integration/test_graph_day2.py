"""Day-2 operations for contacts and opportunities, as accounts have them: drift with when it
happened (field history), `ignore_changes:`, `protect: true`, `moved:`, `--target` bringing the
account a contact needs, and the blast radius counting contact and opportunity updates.

One graph project is applied once per API mode and shared by the tests of this module (CI time;
drift runs in both modes, the rest in the default one), in file order: each test leaves it applied
and planning clean for the next. Against an emulator served on loopback that records every request
it receives, so "no write" is counted, not assumed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from applied_project import AppliedProject, in_both_modes, in_default_mode, targeting

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.clock import ShiftedClock
from lfsync.emulator.testing import DOCS_LITERAL, serve_in_thread

from conftest import write_files
from org_helpers import act_directly
from wire import records_of

WRITES = ("POST", "DELETE")
TWO_DAYS_LATER = 2 * 24 * 60 * 60 + 60 * 60  # an hour's margin keeps it "2 days"
# Field history differs by API mode (the docs-literal mode's forms), so drift runs in both; the
# other guarantees read nothing mode-specific and share the default mode's graph (CI time).
IN_BOTH_MODES = in_both_modes("graph")
IN_DEFAULT_MODE = in_default_mode("graph")

ACCOUNTS = """
    accounts:
      acme:
        fields: {$name: Acme}
      globex:
        fields: {$name: Globex}
      umbrella:
        fields: {$name: Umbrella}
    """
PEOPLE = """
    contacts:
      ada:
        fields:
          $name: {firstName: Ada, lastName: Lovelace}
          $email: [ada@acme.example]
          $title: Engineer
        relationships:
          $account: account.acme
      grace:
        fields:
          $email: [grace@globex.example]
          $title: Admiral
        relationships:
          $account: account.globex
      margaret:
        fields:
          $email: [margaret@acme.example]
          $title: Director
        relationships:
          $account: account.acme
      linus:
        fields:
          $email: [linus@example.org]
        protect: true
    """
DEALS = """
    opportunities:
      deal-a:
        fields: {$name: Deal A, $stage: Discovery, $amount: 1000}
        relationships: {$account: account.acme, $champion: contact.ada}
      deal-b:
        fields: {$name: Deal B, $stage: Proposal, $amount: 2000}
        relationships: {$account: account.globex}
      deal-c:
        fields: {$name: Deal C, $stage: Negotiation}
        relationships: {$account: account.umbrella}
    """


@dataclass
class Graph(AppliedProject):
    """The shared, applied project, its served emulator's clock and every request it received."""

    clock: ShiftedClock
    requests: list[tuple[str, str]] = field(default_factory=list)

    def writes(self) -> list[tuple[str, str]]:
        return [(method, path) for method, path in self.requests if method in WRITES]

    def edit(self, collection: str, address: str, body: dict) -> None:
        """Someone edits the record in Lightfield (a POST by another client of the API)."""
        record_id = self.id_of(address)
        act_directly(self.project, lambda api: api._write("POST", f"/v1/{collection}/{record_id}", body))

    def record(self, collection: str, address: str) -> dict:
        record_id = self.id_of(address)
        return next(record for record in records_of(self.project, collection) if record["id"] == record_id)

    def read(self, name: str) -> str:
        return (self.project / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def graph(request, tmp_path_factory):
    """The graph applied on an emulator in the API mode a test names (its indirect parameter)."""
    root = tmp_path_factory.mktemp(f"graph-{request.param}")
    clock = ShiftedClock()
    requests: list[tuple[str, str]] = []

    class Recording:
        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] == "http":
                requests.append((scope["method"], scope["path"]))
            await self.app(scope, receive, send)

    config = EmulatorConfig(db_path=str(root / "served.db"), docs_literal=request.param == DOCS_LITERAL, clock=clock)
    with serve_in_thread(config, middleware=Recording) as url, targeting(url):
        project = write_files(root / "project", {
            "lfsync.yaml": "skip_enrichment: true\n", "accounts.yaml": ACCOUNTS, "people.yaml": PEOPLE, "deals.yaml": DEALS,
        })
        shared = Graph(project, clock, requests)
        shared.applied()
        shared.assert_clean()
        yield shared


@IN_BOTH_MODES
def test_drift_on_a_contact_and_an_opportunity_shows_when_it_changed(graph):
    graph.edit("contacts", "contact.ada", {"fields": {"$title": "CTO"}})
    graph.edit("opportunities", "opportunity.deal-a", {"fields": {"$amount": 5}})
    graph.clock.advance(TWO_DAYS_LATER)  # the server's time moves on; the runner's does not

    text = graph.plan("--detailed-exitcode")
    assert text.exit_code == 2, text.output
    assert "# contact.ada will be updated in place (changed outside lfsync)" in text.stdout
    assert '$title: "CTO" -> "Engineer"  (changed in Lightfield 2 days ago)' in text.stdout
    assert "# opportunity.deal-a will be updated in place (changed outside lfsync)" in text.stdout
    assert "$amount: 5 -> 1000  (changed in Lightfield 2 days ago)" in text.stdout
    assert "Plan: 0 to create, 2 to update, 0 to delete." in text.stdout
    document = json.loads(graph.plan("--format", "json").stdout)
    ages = {
        (change["address"], attribute["path"]): attribute.get("changed_ago")
        for change in document["changes"] for attribute in change["attributes"]
    }
    assert ages == {("contact.ada", "fields.$title"): "2 days ago", ("opportunity.deal-a", "fields.$amount"): "2 days ago"}

    assert "0 created, 2 updated, 0 deleted" in graph.applied()
    assert graph.record("contacts", "contact.ada")["fields"]["$title"]["value"] == "Engineer"
    graph.assert_clean()


@IN_DEFAULT_MODE
def test_ignore_changes_leaves_a_contacts_title_and_an_opportunitys_stage_to_people(graph):
    graph.write({
        "people.yaml": PEOPLE.replace("          $title: Engineer\n", "          $title: Engineer\n        ignore_changes: [$title]\n"),
        "deals.yaml": DEALS.replace(
            "relationships: {$account: account.acme, $champion: contact.ada}",
            "relationships: {$account: account.acme, $champion: contact.ada}\n        ignore_changes: [$stage]",
        ),
    })
    graph.applied()
    writes = len(graph.writes())
    stage_before = graph.record("opportunities", "opportunity.deal-a")["fields"]["$stage"]["value"]
    graph.edit("contacts", "contact.ada", {"fields": {"$title": "VP Engineering"}})
    graph.edit("opportunities", "opportunity.deal-a", {"fields": {"$stage": "Proposal"}})

    planned = graph.plan("--detailed-exitcode")
    assert planned.exit_code == 0, planned.output
    assert "Ignored drift: 2 field(s) on 2 record(s) differ in Lightfield (ignore_changes): $stage, $title." in planned.stdout
    assert "No changes." in planned.stdout
    markdown = graph.plan("--format", "markdown").stdout
    assert "Ignored drift: 2 field(s) on 2 record(s)" in markdown
    ignored = json.loads(graph.plan("--format", "json").stdout)["ignored_drift"]
    assert ignored == {"contact.ada": ["fields.$title"], "opportunity.deal-a": ["fields.$stage"]}
    edits = len(graph.writes())
    assert edits == writes + 2

    graph.applied()
    assert len(graph.writes()) == edits  # nothing reverted
    assert graph.record("contacts", "contact.ada")["fields"]["$title"]["value"] == "VP Engineering"
    assert graph.record("opportunities", "opportunity.deal-a")["fields"]["$stage"]["value"] != stage_before

    graph.write({"people.yaml": PEOPLE, "deals.yaml": DEALS})  # the fields are lfsync's again
    assert "0 created, 2 updated, 0 deleted" in graph.applied()
    assert graph.record("opportunities", "opportunity.deal-a")["fields"]["$stage"]["value"] == stage_before
    graph.assert_clean()


@IN_DEFAULT_MODE
def test_a_protected_contact_is_never_pruned(graph):
    assert graph.resources()["contact.linus"]["protect"] is True
    graph.write({"people.yaml": PEOPLE.split("      linus:")[0]})
    writes = len(graph.writes())
    planned = graph.plan("--prune")
    assert planned.exit_code == 1, planned.output
    assert "contact.linus (" in planned.stdout and "is protected (`protect: true` when last applied)" in planned.stdout
    refused = graph.run("apply", graph.project, "--prune", "--auto-approve")
    assert refused.exit_code == 1 and "nothing was applied" in refused.stderr
    assert len(graph.writes()) == writes
    assert "contact.linus" in graph.resources()
    assert graph.id_of("contact.linus") in [record["id"] for record in records_of(graph.project, "contacts")]
    graph.write({"people.yaml": PEOPLE})
    graph.assert_clean()


@IN_DEFAULT_MODE
def test_a_moved_opportunity_keeps_its_id_with_no_write(graph):
    before = graph.id_of("opportunity.deal-c")
    graph.write({"deals.yaml": DEALS.rstrip(" ").replace("      deal-c:", "      deal-c-renewal:")
                 + "    moved:\n      - {from: opportunity.deal-c, to: opportunity.deal-c-renewal}\n"})
    planned = graph.plan("--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "  # opportunity.deal-c has moved to opportunity.deal-c-renewal\n" in planned.stdout
    assert "Plan: 0 to create, 0 to update, 0 to delete, 1 to move." in planned.stdout
    writes = len(graph.writes())
    assert "0 created, 0 updated, 0 deleted, 1 moved" in graph.applied()
    assert len(graph.writes()) == writes
    assert graph.id_of("opportunity.deal-c-renewal") == before and "opportunity.deal-c" not in graph.resources()
    graph.assert_clean()


@IN_DEFAULT_MODE
def test_target_a_new_contact_brings_the_account_it_needs(graph):
    graph.write({
        "accounts.yaml": ACCOUNTS.rstrip(" ") + "      initech:\n        fields: {$name: Initech}\n",
        "more-people.yaml": """
            contacts:
              peter:
                fields: {$email: [peter@initech.example]}
                relationships: {$account: account.initech}
              milton:
                fields: {$email: [milton@initech.example]}
            """,
    })
    planned = graph.plan("--target", "contact.peter")
    assert planned.exit_code == 0, planned.output
    assert "+ contact.peter" in planned.stdout and "+ account.initech" in planned.stdout and "contact.milton" not in planned.stdout
    assert "Plan: 2 to create, 0 to update, 0 to delete." in planned.stdout
    document = json.loads(graph.plan("--target", "contact.peter", "--format", "json").stdout)
    assert document["partial"]["brought_along"] == ["account.initech"]

    assert "2 created, 0 updated, 0 deleted" in graph.applied("--target", "contact.peter")
    assert {"account.initech", "contact.peter"} <= set(graph.resources()) and "contact.milton" not in graph.resources()
    peter = graph.record("contacts", "contact.peter")
    assert peter["relationships"]["$account"]["values"] == [graph.id_of("account.initech")]
    assert "1 created, 0 updated, 0 deleted" in graph.applied()
    graph.assert_clean()


@IN_DEFAULT_MODE
def test_the_blast_radius_counts_contact_and_opportunity_updates(graph):
    managed = len(graph.resources())
    people = graph.read("people.yaml").replace("$title: Engineer", "$title: Senior Engineer").replace("$title: Admiral", "$title: Rear Admiral")
    people = people.replace("$title: Director", "$title: Managing Director")
    deals = graph.read("deals.yaml").replace("$amount: 1000", "$amount: 1500").replace("$amount: 2000", "$amount: 2500")
    graph.write({"people.yaml": people, "deals.yaml": deals})
    writes = len(graph.writes())
    refused = graph.run("apply", graph.project, "--auto-approve")
    assert refused.exit_code == 1, refused.output
    share = f"{5 * 100 / managed:.0f}%"
    assert f"this plan updates 5 and deletes 0 of {managed} managed records ({share})" in " ".join(refused.stderr.split())
    assert len(graph.writes()) == writes  # nothing sent
    warned = graph.plan("--detailed-exitcode")
    assert warned.exit_code == 2 and f"of {managed} managed records ({share}), more than max_change_fraction 0.3 (30%) allows" in " ".join(warned.output.split())
    applied = graph.applied("--allow-large-change")
    assert "0 created, 5 updated, 0 deleted" in applied, applied
    graph.assert_clean()
