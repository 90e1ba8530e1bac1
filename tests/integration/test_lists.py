"""Lists as a record kind (`lists:`, `list.<key>`): declared with their members, created, read back
with their members on refresh, changed by member adds and removes, trashed irreversibly, and
re-created (never restored) when trashed outside lfsync or by `lfsync reset`.

One project (3 accounts, 2 contacts, an account list and a contact list) is applied once per API
mode and shared by the tests of this module (CI time), in file order: each test leaves it applied
and planning clean for the next. The core cycle runs in both modes, the rest in the default one.
Lightfield's side is driven with the official SDK; the emulator records every write it receives
with its body, so "sends add only" is read from the wire, not assumed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from applied_project import LOCAL_KEY, AppliedProject, in_both_modes, in_default_mode, targeting
from demo_sdk import SDK_RETRIES
from lightfield import Lightfield

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import DOCS_LITERAL, serve_in_thread

from conftest import write_files

IN_BOTH_MODES = in_both_modes("org")
IN_DEFAULT_MODE = in_default_mode("org")

RECORDS = """
    accounts:
      acme:
        fields: {$name: Acme}
      globex:
        fields: {$name: Globex}
      initech:
        fields: {$name: Initech}
    contacts:
      ada:
        fields: {$email: [ada@acme.example]}
      grace:
        fields: {$email: [grace@globex.example]}
    """
LISTS = """
    lists:
      q1-targets:
        fields:
          $name: Q1 targets
          $objectType: $account
          $description: Accounts for the Q1 push
        relationships:
          $accounts: [account.acme, account.globex]
      champions:
        fields: {$name: Champions, $objectType: contact}
        relationships:
          $contacts: [contact.ada]
    """


@dataclass
class Org(AppliedProject):
    """The shared, applied project, the SDK on its organisation, and every write the emulator received."""

    sdk: Lightfield
    writes: list[tuple[str, str, dict]] = field(default_factory=list)  # (method, path, JSON body)

    def account_members(self, address: str) -> set[str]:
        return {account.id for account in self.sdk.list.list_accounts(self.id_of(address)).data}

    def contact_members(self, address: str) -> set[str]:
        return {contact.id for contact in self.sdk.list.list_contacts(self.id_of(address)).data}

    def ids(self, *addresses: str) -> set[str]:
        return {self.id_of(address) for address in addresses}

    def list_writes_since(self, count: int) -> list[tuple[str, str, dict]]:
        return [write for write in self.writes[count:] if write[1].startswith("/v1/lists")]


@pytest.fixture(scope="module")
def org(request, tmp_path_factory):
    """The project applied on an emulator in the API mode a test names (its indirect parameter)."""
    root = tmp_path_factory.mktemp(f"lists-{request.param}")
    writes: list[tuple[str, str, dict]] = []

    class Recording:
        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] != "http" or scope["method"] not in ("POST", "DELETE"):
                return await self.app(scope, receive, send)
            chunks: list[bytes] = []

            async def recorded():
                message = await receive()
                chunks.append(message.get("body", b""))
                return message

            async def answer(message):
                if message["type"] == "http.response.start":
                    body = b"".join(chunks)
                    writes.append((scope["method"], scope["path"], json.loads(body) if body else {}))
                await send(message)

            await self.app(scope, recorded, answer)

    config = EmulatorConfig(db_path=str(root / "served.db"), docs_literal=request.param == DOCS_LITERAL)
    with serve_in_thread(config, middleware=Recording) as url, targeting(url):
        project = write_files(root / "project", {
            "lfsync.yaml": "skip_enrichment: true\n", "records.yaml": RECORDS, "lists.yaml": LISTS,
        })
        shared = Org(project, Lightfield(api_key=LOCAL_KEY, base_url=url, max_retries=SDK_RETRIES), writes)
        planned = shared.plan()
        assert planned.exit_code == 0, planned.output
        assert "+ $accounts:    [account.acme, account.globex] (known after apply)" in planned.stdout
        shared.applied()
        yield shared


@IN_BOTH_MODES
def test_lists_are_created_with_their_members_and_plan_clean_on_refresh(org):
    q1 = org.sdk.list.retrieve(org.id_of("list.q1-targets"))
    assert {key: value.value for key, value in q1.fields.items()} == {
        "$name": "Q1 targets", "$objectType": "$account", "$description": "Accounts for the Q1 push",
    }
    assert org.account_members("list.q1-targets") == org.ids("account.acme", "account.globex")
    assert org.contact_members("list.champions") == org.ids("contact.ada")
    creates = [body for method, path, body in org.writes if path == "/v1/lists"]
    assert {"skipEnrichment"} & {key for body in creates for key in body} == set()  # a list create takes none
    assert org.resources()["list.champions"]["applied"]["fields"]["$objectType"] == "$contact"  # the bare form, canonical
    org.assert_clean()


@IN_BOTH_MODES
def test_members_changed_in_lightfield_are_drift_put_back_by_adds_and_removes(org):
    q1 = org.id_of("list.q1-targets")
    org.sdk.list.update(q1, relationships={"$accounts": {"add": [org.id_of("account.initech")],
                                                        "remove": [org.id_of("account.globex")]}})
    org.sdk.list.update(org.id_of("list.champions"), fields={"$name": "Heroes"})

    planned = org.plan("--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "# list.q1-targets will be updated in place (changed outside lfsync)" in planned.stdout
    assert "# list.champions will be updated in place (changed outside lfsync)" in planned.stdout
    assert '~ $name: "Heroes" -> "Champions"' in planned.stdout
    assert "Plan: 0 to create, 2 to update, 0 to delete." in planned.stdout

    written = len(org.writes)
    org.applied()
    update = next(body for _, path, body in org.list_writes_since(written) if path == f"/v1/lists/{q1}")
    assert update == {"relationships": {"$accounts": {"add": [org.id_of("account.globex")],
                                                      "remove": [org.id_of("account.initech")]}}}
    assert org.account_members("list.q1-targets") == org.ids("account.acme", "account.globex")
    assert org.sdk.list.retrieve(org.id_of("list.champions")).fields["$name"].value == "Champions"
    org.assert_clean()


@IN_DEFAULT_MODE
def test_a_member_added_in_yaml_is_planned_as_an_add_and_sent_alone(org):
    org.write({"lists.yaml": LISTS.replace("[account.acme, account.globex]", "[account.acme, account.globex, account.initech]")})
    planned = org.plan("--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "# list.q1-targets will be updated in place" in planned.stdout
    assert "~ $accounts: 1 to add, 0 to remove\n            + account.initech\n" in planned.stdout
    written = len(org.writes)
    org.applied()
    q1 = org.id_of("list.q1-targets")
    assert org.list_writes_since(written) == [
        ("POST", f"/v1/lists/{q1}", {"relationships": {"$accounts": {"add": [org.id_of("account.initech")]}}}),
    ]
    assert org.account_members("list.q1-targets") == org.ids("account.acme", "account.globex", "account.initech")
    org.write({"lists.yaml": LISTS})
    org.applied()  # back to two members: a remove alone
    assert org.account_members("list.q1-targets") == org.ids("account.acme", "account.globex")
    org.assert_clean()


@IN_BOTH_MODES
def test_a_list_trashed_in_lightfield_is_created_again_with_a_new_id_and_its_members(org):
    old = org.id_of("list.q1-targets")
    org.sdk.list.delete(old)

    planned = org.plan("--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert (
        f"# list.q1-targets was trashed or deleted outside lfsync ({old}) and will be created again with a new ID "
        "(irreversible: lists cannot be restored)"
    ) in planned.stdout
    assert "Plan: 1 to create, 0 to update, 0 to delete." in planned.stdout
    change = next(c for c in json.loads(org.plan("--format", "json").stdout)["changes"] if c["address"] == "list.q1-targets")
    assert change["action"] == "create" and change["replaces"] == old
    assert change["irreversible"] == "lists cannot be restored"

    org.applied()
    new = org.id_of("list.q1-targets")
    assert new != old
    assert org.account_members("list.q1-targets") == org.ids("account.acme", "account.globex")
    org.assert_clean()


@IN_DEFAULT_MODE
def test_pruning_a_list_is_marked_irreversible_in_every_format(org):
    org.write({"lists.yaml": LISTS.split("      champions:")[0]})
    text = org.plan("--prune")
    assert text.exit_code == 0, text.output
    assert "# list.champions will be moved to the trash (named \"Champions\") (irreversible: lists cannot be restored)" in text.stdout
    assert "(irreversible: lists cannot be restored)" in org.plan("--prune", "--format", "markdown").stdout
    document = json.loads(org.plan("--prune", "--format", "json").stdout)
    assert [(c["address"], c["action"], c.get("irreversible")) for c in document["changes"]] == [
        ("list.champions", "delete", "lists cannot be restored"),
    ]
    accounts_only = [c for c in json.loads(org.plan("--format", "json").stdout)["changes"]]
    assert all("irreversible" not in c for c in accounts_only)  # left out where nothing is irreversible

    gone = org.id_of("list.champions")
    org.applied("--prune")
    assert "list.champions" not in org.resources()
    assert gone not in {listed.id for listed in org.sdk.list.list().data}
    org.write({"lists.yaml": LISTS})
    org.applied()
    assert org.id_of("list.champions") != gone
    assert org.contact_members("list.champions") == org.ids("contact.ada")
    org.assert_clean()


@IN_DEFAULT_MODE
def test_reset_recreates_a_trashed_list_and_reverts_edits(org):
    champions, q1 = org.id_of("list.champions"), org.id_of("list.q1-targets")
    org.sdk.list.delete(champions)
    org.sdk.list.update(q1, fields={"$description": None},
                        relationships={"$accounts": {"remove": [org.id_of("account.acme")]}})

    reset = org.run("reset", org.project, "--auto-approve")
    assert reset.exit_code == 0, reset.output
    assert f"# list.champions was trashed or deleted outside lfsync ({champions}) and will be created again" in reset.stdout
    assert "# list.q1-targets will be updated in place (changed outside lfsync)" in reset.stdout
    assert "restore" not in reset.stdout.split("Plan:")[1].split("\n")[0]
    assert org.id_of("list.champions") != champions and org.id_of("list.q1-targets") == q1
    assert org.contact_members("list.champions") == org.ids("contact.ada")
    assert org.account_members("list.q1-targets") == org.ids("account.acme", "account.globex")
    assert org.sdk.list.retrieve(q1).fields["$description"].value == "Accounts for the Q1 push"
    org.assert_clean()


@IN_DEFAULT_MODE
@pytest.mark.parametrize(("lists", "expected"), [
    pytest.param(
        LISTS.replace("$contacts: [contact.ada]", "$accounts: [account.acme]"),
        "lists.yaml:12:7: relationships.$accounts of list.champions: this list's $objectType is $contact, "
        "so its members are contacts, written under $contacts",
        id="members-of-another-type",
    ),
    pytest.param(
        LISTS.replace("[account.acme, account.globex]", "[account.acme, contact.ada]"),
        "lists.yaml:8:7: relationships.$accounts of list.q1-targets: contact.ada is not an account ID",
        id="a-member-of-another-kind",
    ),
    pytest.param(
        LISTS.replace("[account.acme, account.globex]", "[account.acme, account.nobody]"),
        "lists.yaml:8:",
        id="an-undeclared-member",
    ),
    pytest.param(
        LISTS.replace("$objectType: contact", "$objectType: $meeting"),
        "lists.yaml:10:32: fields.$objectType of list.champions: '$meeting' is not an option",
        id="an-unknown-object-type",
    ),
    pytest.param(
        LISTS.replace("          $name: Q1 targets\n", ""),
        "lists.yaml:",
        id="no-name",
    ),
])
def test_bad_lists_are_refused_at_plan_time_where_they_are_written(org, lists, expected):
    org.write({"lists.yaml": lists})
    try:
        written = len(org.writes)
        refused = org.plan()
        assert refused.exit_code == 1, refused.output
        assert expected in refused.output
        assert len(org.writes) == written
    finally:
        org.write({"lists.yaml": LISTS})


@IN_DEFAULT_MODE
def test_a_changed_object_type_is_refused_not_replaced(org):
    org.write({"lists.yaml": LISTS.replace("$objectType: contact", "$objectType: opportunity").replace(
        "$contacts: [contact.ada]", "$opportunities: []")})
    try:
        refused = org.plan()
        assert refused.exit_code == 1, refused.output
        assert "list.champions: a list's $objectType cannot change" in refused.output
        assert "or keep $objectType $contact (lists.yaml:9:3)" in refused.output
        assert org.run("apply", org.project, "--auto-approve").exit_code == 1
    finally:
        org.write({"lists.yaml": LISTS})
    org.assert_clean()


@IN_DEFAULT_MODE
def test_destroy_trashes_the_lists_first_and_says_it_cannot_be_undone(org):
    """Last in this module: it leaves nothing applied."""
    lists = org.ids("list.q1-targets", "list.champions")
    written = len(org.writes)
    destroyed = org.run("destroy", org.project, "--auto-approve")
    assert destroyed.exit_code == 0, destroyed.output
    assert destroyed.stdout.count("(irreversible: lists cannot be restored)") == 2
    deletes = [path.rsplit("/", 1)[1] for method, path, _ in org.writes[written:] if method == "DELETE"]
    assert set(deletes[:2]) == lists and len(deletes) == 7  # the lists before the records they hold
    assert not lists & {listed.id for listed in org.sdk.list.list().data}
