"""`lfsync export` of lists: a list made through the official SDK is exported with its members
written as addresses (of records exported with it, or already managed), to YAML and to CSV, and the
exported organisation re-plans clean with refresh (members read back from the list's own paths). A
member that is neither exported nor managed keeps its ID and is named. One served emulator, seeded
once, is shared by the module's tests: an export only reads the organisation, and each test has its
own project (its own state)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from demo_sdk import SDK_RETRIES
from lightfield import Lightfield

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import serve_in_thread

DEV_KEY = "sk_lf_local_dev"
FAST = {"write_rate": 1000, "read_rate": 1000, "search_rate": 1000, "index_lag_ms": 0}  # listed at once
SETTINGS = "skip_enrichment: true\n"


@dataclass(frozen=True)
class Organisation:
    url: str
    ids: dict[str, str]


@pytest.fixture(scope="module")
def organisation() -> Iterator[Organisation]:
    """Three accounts, an account list holding two of them, and an opportunity list holding none."""
    with serve_in_thread(EmulatorConfig(**FAST)) as url:
        sdk = Lightfield(api_key=DEV_KEY, base_url=url, max_retries=SDK_RETRIES)
        acme = sdk.account.create(fields={"$name": "Acme"}, skip_enrichment=True)
        globex = sdk.account.create(fields={"$name": "Globex"}, skip_enrichment=True)
        sdk.account.create(fields={"$name": "Initech"}, skip_enrichment=True)
        targets = sdk.list.create(
            fields={"$name": "Q1 targets", "$objectType": "$account", "$description": "Accounts for the Q1 push"},
            relationships={"$accounts": [acme.id, globex.id]},
        )
        deals = sdk.list.create(fields={"$name": "Big deals", "$objectType": "$opportunity"})
        yield Organisation(url, {"acme": acme.id, "globex": globex.id, "targets": targets.id, "deals": deals.id})


@pytest.fixture
def on(organisation: Organisation, cli, monkeypatch) -> Organisation:  # after `cli`, which clears these
    monkeypatch.setenv("LIGHTFIELD_BASE_URL", organisation.url)
    monkeypatch.setenv("LIGHTFIELD_API_KEY", DEV_KEY)
    return organisation


def replans_clean(cli, project) -> None:
    result = cli("plan", project, "--detailed-exitcode")  # refresh by default: each list's members read back
    assert result.exit_code == 0, result.output


def test_lists_export_with_their_members_as_addresses_and_replan_clean(on, make_project, cli, state_of):
    project = make_project({}, settings=SETTINGS)
    result = cli("export", project, "--kind", "account", "--kind", "list")
    assert result.exit_code == 0, result.output
    assert "2 list(s)" in result.stdout and "Note:" not in result.stdout
    text = (project / "accounts" / "exported.yaml").read_text()
    assert text.index("\naccounts:\n") < text.index("\nlists:\n")
    assert "  q1-targets:\n    fields:\n      $name: Q1 targets\n" in text
    assert "$accounts: [account.acme, account.globex]" in text
    assert "Big deals" in text and "$opportunities" not in text  # an empty list declares no members
    resources = state_of(project)["resources"]
    assert resources["list.q1-targets"]["id"] == on.ids["targets"] and resources["list.big-deals"]["id"] == on.ids["deals"]
    replans_clean(cli, project)


def test_a_member_neither_exported_nor_managed_keeps_its_id_and_is_named(on, make_project, cli):
    project = make_project({}, settings=SETTINGS)
    result = cli("export", project, "--kind", "list")
    assert result.exit_code == 0, result.output
    text = (project / "accounts" / "exported.yaml").read_text()
    assert f"$accounts: [{', '.join(sorted([on.ids['acme'], on.ids['globex']]))}]" in text  # sorted: stable
    assert "Note:" in result.stdout and "list.q1-targets" in result.stdout
    replans_clean(cli, project)


def test_lists_export_to_a_csv_file_of_their_own_that_replans_clean(on, make_project, cli):
    project = make_project({}, settings=SETTINGS)
    result = cli("export", project, "--kind", "account", "--kind", "list", "--format", "csv")
    assert result.exit_code == 0, result.output
    lists = next(path for path in (project / "accounts").iterdir() if "list" in path.name)
    rows = list(csv.reader(io.StringIO(lists.read_text())))
    assert rows[0][0] == "list"
    by_key = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert by_key["q1-targets"]["relationships.$accounts"] == "account.acme; account.globex"
    replans_clean(cli, project)


def test_filters_lists_cannot_take_leave_them_out_or_are_refused_with_kind_list(on, make_project, cli):
    project = make_project({}, settings=SETTINGS)
    named = cli("export", project, "--filter", "$name=Q1 targets", "--file", "q1.yaml")
    assert named.exit_code == 0, named.output
    assert "1 list(s)" in named.stdout and "q1-targets" in (project / "q1.yaml").read_text()
    left_out = cli("export", project, "--filter", "$name[startsWith]=Acme", "--file", "acme.yaml")
    assert left_out.exit_code == 0, left_out.output  # lists left out, the accounts' filter asked of the server
    assert "1 account(s)" in left_out.stdout and "list(s)" not in left_out.stdout
    refused = cli("export", project, "--kind", "list", "--filter", "tier=smb", "--file", "more.yaml")
    assert refused.exit_code == 1 and "lists have no field 'tier'" in refused.stderr
    assert not (project / "more.yaml").exists()
