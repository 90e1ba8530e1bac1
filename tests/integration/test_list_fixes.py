"""Two defects a review found in lists and notes, each refused or fixed where the API would
otherwise refuse an apply after a green plan:

- a list taken into state by `--adopt` or `lfsync import` is applied without sending its
  `$objectType` (which an update cannot carry), and one of another `$objectType` is refused at
  plan time;
- an update whose relationship operations reference more than 25 IDs over its body (13 members
  removed and 13 added) is refused at plan time, naming the record and what to do, with nothing sent.

One emulator and one project (26 accounts) are shared by the tests of this module (CI time), per
API mode: the list tests run in both (the form `$objectType` is read back in), the rest in the default one.
"""

from __future__ import annotations

import pytest
from applied_project import LOCAL_KEY, AppliedProject, in_both_modes, in_default_mode, targeting
from demo_sdk import SDK_RETRIES
from lightfield import Lightfield

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import DOCS_LITERAL, serve_in_thread

from conftest import write_files

IN_BOTH_MODES = in_both_modes("org")  # the form `$objectType` is read back in differs
IN_DEFAULT_MODE = in_default_mode("org")
ACCOUNTS = "accounts:\n" + "".join(
    f"  {side}{n}:\n    fields: {{$name: {side.upper()}{n} Corp}}\n" for side in "ab" for n in range(13)
)


def members(side: str) -> str:
    return "[" + ", ".join(f"account.{side}{n}" for n in range(13)) + "]"


class Org(AppliedProject):
    sdk: Lightfield
    writes: list[str]  # "METHOD path" of each write the emulator received

    def account_members(self, address: str) -> set[str]:
        return {account.id for account in self.sdk.list.list_accounts(self.id_of(address)).data}

    def ids(self, side: str) -> set[str]:
        return {self.id_of(f"account.{side}{n}") for n in range(13)}


@pytest.fixture(scope="module")
def org(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("list-fixes")
    writes: list[str] = []

    def counting(app):
        async def counted(scope, receive, send):
            if scope["type"] == "http" and scope["method"] in ("POST", "DELETE"):
                writes.append(f"{scope['method']} {scope['path']}")
            await app(scope, receive, send)
        return counted

    with serve_in_thread(EmulatorConfig(db_path=str(root / "served.db"), docs_literal=request.param == DOCS_LITERAL), middleware=counting) as url, targeting(url):
        shared = Org(write_files(root / "project", {"lfsync.yaml": "skip_enrichment: true\n", "accounts.yaml": ACCOUNTS}))
        shared.sdk, shared.writes = Lightfield(api_key=LOCAL_KEY, base_url=url, max_retries=SDK_RETRIES), writes
        shared.applied()
        yield shared


def declared_list(key: str, name: str, object_type: str, accounts: str = "[]") -> str:
    return f"lists:\n  {key}:\n    fields: {{$name: {name}, $objectType: {object_type}}}\n    relationships:\n      $accounts: {accounts}\n"


@IN_BOTH_MODES
def test_a_list_created_through_the_api_is_adopted_and_applied(org):
    found = org.sdk.list.create(fields={"$name": "Partners", "$objectType": "$account"})
    org.write({"lists.yaml": declared_list("partners", "Partners", "$account", "[account.a0]")})
    planned = org.plan("--adopt")
    assert planned.exit_code == 0, planned.output
    assert "1 to adopt" in planned.stdout
    org.applied("--adopt")
    assert org.id_of("list.partners") == found.id
    assert org.account_members("list.partners") == {org.id_of("account.a0")}
    org.assert_clean()


@IN_BOTH_MODES
def test_adopting_a_list_of_another_object_type_is_refused_at_plan_time(org):
    found = org.sdk.list.create(fields={"$name": "Heroes", "$objectType": "$contact"})
    org.write({"lists.yaml": declared_list("heroes", "Heroes", "$account", "[account.a1]")})
    written = len(org.writes)
    try:
        for command in ("plan", "apply"):
            refused = org.run(command, org.project, "--adopt", *(["--auto-approve"] if command == "apply" else []))
            assert refused.exit_code == 1, refused.output
            assert (
                f"list.heroes: --adopt found list {found.id} named 'Heroes' with $objectType $contact, but it is "
                "declared $account, which a list cannot change (lists.yaml:2:3)"
            ) in refused.output
        assert "list.heroes" not in org.resources()
        assert org.writes[written:] == []  # nothing sent
    finally:
        org.write({"lists.yaml": ""})


@IN_BOTH_MODES
def test_an_imported_list_is_applied_and_plans_clean(org):
    found = org.sdk.list.create(fields={"$name": "Imported", "$objectType": "account"})
    org.write({"lists.yaml": declared_list("imported", "Imported", "account", "[account.a2, account.a3]")})
    imported = org.run("import", "list.imported", found.id, "--dir", org.project)
    assert imported.exit_code == 0, imported.output
    planned = org.plan()
    assert planned.exit_code == 0, planned.output
    assert "$objectType" not in planned.stdout  # not a change: the list already has it
    org.applied()
    assert org.account_members("list.imported") == {org.id_of("account.a2"), org.id_of("account.a3")}
    org.assert_clean()


@IN_DEFAULT_MODE
def test_swapping_13_list_members_for_13_others_is_refused_at_plan_time(org):
    org.write({"lists.yaml": declared_list("swapped", "Swapped", "$account", members("a"))})
    org.applied()
    org.write({"lists.yaml": declared_list("swapped", "Swapped", "$account", members("b"))})
    written = len(org.writes)
    for command in ("plan", "apply"):
        refused = org.run(command, org.project, *(["--auto-approve"] if command == "apply" else []))
        assert refused.exit_code == 1, refused.output
        assert (
            "lists.yaml:2:3: list.swapped: this update would reference 26 IDs in one request (relationships.$accounts: "
            "13 removed, 13 added); the API takes at most 25: apply it in two steps"
        ) in refused.output
    assert org.writes[written:] == [] and org.account_members("list.swapped") == org.ids("a")  # nothing sent
    half = "[" + ", ".join([f"account.a{n}" for n in range(7, 13)] + [f"account.b{n}" for n in range(7)]) + "]"
    org.write({"lists.yaml": declared_list("swapped", "Swapped", "$account", half)})
    org.applied()  # the first step: 7 removed, 7 added
    org.write({"lists.yaml": declared_list("swapped", "Swapped", "$account", members("b"))})
    org.applied()
    assert org.account_members("list.swapped") == org.ids("b")
    org.assert_clean()


@IN_DEFAULT_MODE
def test_a_note_whose_links_change_by_more_than_25_ids_is_refused_at_plan_time(org):
    def note(accounts: str) -> str:
        return f"notes:\n  minutes:\n    fields: {{$title: Minutes}}\n    relationships:\n      $account: {accounts}\n"

    org.write({"lists.yaml": "", "notes.yaml": note(members("a"))})
    org.applied()
    org.write({"notes.yaml": note(members("b"))})
    written = len(org.writes)
    refused = org.run("apply", org.project, "--auto-approve")
    assert refused.exit_code == 1, refused.output
    assert "notes.yaml:2:3: note.minutes: this update would reference 26 IDs in one request" in refused.output
    linked = org.sdk.note.retrieve(org.id_of("note.minutes")).relationships["$account"].values
    assert org.writes[written:] == [] and set(linked) == org.ids("a")  # nothing sent
