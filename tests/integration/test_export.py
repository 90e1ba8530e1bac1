"""`lfsync export`: an organisation lfsync never managed becomes declarations + state that re-plan clean."""

from __future__ import annotations

import json
import shutil

import pytest

from lfsync.api.records import parse_record
from lfsync.remote.declaring import assign_keys, key_from_name, unique_emails

from org_helpers import create_directly

NO_DECLARATIONS = {}


def seed_organisation(root) -> dict[str, str]:
    """A parent/child pair with select values, a name twin, and a lone account, made through the API."""
    [parent] = create_directly(
        root,
        {
            "fields": {
                "$name": "Nordic Holding AS", "$industry": ["Software", "Fintech"], "$headcount": "5000+",
                "tier": "enterprise", "$primaryAddress": {"city": "Oslo", "country": "no"},
                "$website": ["nordic.example"], "renewalDate": "2026-03-01T10:00:00+01:00", "annualRevenue": 12.5,
            },
            "relationships": {"$owner": "mem_cadalovelace000000000"},
        },
    )
    child, twin, lone = create_directly(
        root,
        {"fields": {"$name": "Nordic Retail", "segments": ["plg", "channel"], "tier": "smb"}, "relationships": {"parentAccount": parent}},
        {"fields": {"$name": "Nordic Retail"}},
        {"fields": {"$name": "Ærø Shipping & Co."}},
    )
    return {"parent": parent, "child": child, "twin": twin, "lone": lone}


def declared(root) -> str:
    return (root / "accounts" / "exported.yaml").read_text()


def test_export_writes_declarations_and_state_that_replan_clean(make_project, cli):
    root = make_project(NO_DECLARATIONS)
    ids = seed_organisation(root)
    result = cli("export", root, "--kind", "account")  # the organisation's own contacts left out
    assert result.exit_code == 0, result.output
    assert "Exported 4 account(s) to" in result.stdout

    text = declared(root)
    assert "  nordic-holding-as:\n    fields:\n      $name: Nordic Holding AS\n" in text
    assert "$industry: [Software, Fintech]" in text and "$headcount: 5000+" in text
    assert "tier: enterprise" in text and "segments: [plg, channel]" in text  # labels, not option IDs
    assert "parentAccount: account.nordic-holding-as" in text
    assert "$owner: ada@example.com" in text and "mem_" not in text  # members by email, as plans show them
    assert "  nordic-retail:\n" in text and "  nordic-retail-2:\n" in text and "  aero-shipping-co:\n" in text
    assert "$howTheyMakeMoney" not in text and "$accountStatus" not in text

    state = json.loads(next((root / "state").glob("*.lfstate.json")).read_text())
    assert {address: r["id"] for address, r in state["resources"].items()} == {
        "account.nordic-holding-as": ids["parent"], "account.nordic-retail": ids["child"],
        "account.nordic-retail-2": ids["twin"], "account.aero-shipping-co": ids["lone"],
    }
    replanned = cli("plan", root, "--refresh", "--detailed-exitcode")
    assert replanned.exit_code == 0, replanned.output
    assert cli("fmt", "--check", root).exit_code == 0
    # and it is managed from now on: a change to the file is an update of that record only
    (root / "accounts" / "exported.yaml").write_text(text.replace("tier: smb", "tier: mid-market"))
    changed = json.loads(cli("plan", root, "--format", "json").stdout)
    assert [(c["action"], c["resource_id"]) for c in changed["changes"]] == [("update", ids["child"])]


def test_the_same_organisation_exported_twice_gets_the_same_file(make_project, cli):
    root = make_project(NO_DECLARATIONS)
    seed_organisation(root)
    assert cli("export", root).exit_code == 0
    first = declared(root)
    shutil.rmtree(root / "state")
    (root / "accounts" / "exported.yaml").unlink()
    assert cli("export", root).exit_code == 0
    assert declared(root) == first


def test_a_filter_exports_only_matching_accounts_and_links_others_by_id(make_project, cli):
    root = make_project(NO_DECLARATIONS)
    ids = seed_organisation(root)
    result = cli("export", root, "--filter", "tier=smb")
    assert result.exit_code == 0, result.output
    text = declared(root)
    assert "nordic-retail:" in text and "nordic-holding-as" not in text and "nordic-retail-2" not in text
    assert f"parentAccount: {ids['parent']}" in text
    assert cli("plan", root, "--refresh", "--detailed-exitcode").exit_code == 0
    # a second export leaves the managed account alone and keeps its key taken
    again = cli("export", root, "--file", "accounts/rest.yaml")
    assert again.exit_code == 0, again.output
    rest = (root / "accounts" / "rest.yaml").read_text()
    assert "  nordic-retail:\n" not in rest and "  nordic-retail-2:\n" in rest and "  nordic-holding-as:\n" in rest
    assert cli("plan", root, "--refresh", "--detailed-exitcode").exit_code == 0
    assert cli("export", root, "--file", "accounts/more.yaml").stdout.startswith("Nothing to export")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--filter", "tier"], "--filter 'tier': expected KEY=VALUE or KEY[OP]=VALUE"),
        (["--filter", "nosuchfield=1"], "HTTP 400 unknown_field"),
        (["--file", "../outside.yaml"], "must be inside the project directory"),
        (["--file", "accounts.yml.txt"], "is not among the declaration files"),
    ],
)
def test_bad_export_requests_are_refused_and_write_nothing(make_project, cli, args, message):
    root = make_project(NO_DECLARATIONS)
    seed_organisation(root)
    result = cli("export", root, *args)
    assert result.exit_code == 1 and message in result.stderr
    assert not (root / "accounts").exists() and not list((root / "state").glob("*.lfstate.json"))


def test_keys_from_names():
    assert key_from_name("Acme Corp (EMEA)") == "acme-corp-emea"
    assert key_from_name("Ærø Straße") == "aero-strasse"
    assert key_from_name("株式会社") == "account"
    records = [
        parse_record(wire, "GET /v1/accounts")
        for wire in (
            {"id": "acc_b", "createdAt": "2026-01-02", "fields": {"$name": {"value": "Acme"}}},
            {"id": "acc_a", "createdAt": "2026-01-01", "fields": {"$name": {"value": "acme"}}},
            {"id": "acc_c", "createdAt": "2026-01-01", "fields": {"$name": {"value": "Acme!"}}},
        )
    ]
    expected = {"acc_a": "acme-2", "acc_c": "acme-3", "acc_b": "acme-4"}
    assert assign_keys(records, taken={"acme"}) == expected
    assert assign_keys(list(reversed(records)), taken={"acme"}) == expected


def test_export_shows_its_read_only_through_the_terminal_it_is_given(make_project, capsys, monkeypatch):
    from contextlib import nullcontext

    from lfsync.operations.export import ExportRequest, export_project

    monkeypatch.setattr("lfsync.ui.progress.PLAIN_INTERVAL_SECONDS", 0.0)  # anything drawn directly would show
    root = make_project(NO_DECLARATIONS)
    seed_organisation(root)

    class RecordingReads:
        def __init__(self) -> None:
            self.told: dict[str, list[tuple[int, int]]] = {}

        def reading(self, label: str):
            told = self.told.setdefault(label, [])
            return nullcontext(lambda read, total: told.append((read, total)))

    reads = RecordingReads()
    result = export_project(ExportRequest(root, {}, "accounts/exported.yaml", kinds=("account",)), reads)
    assert result.exported == 4
    assert list(reads.told) == ["export: reading accounts"] and reads.told["export: reading accounts"][-1] == (4, 4)
    assert capsys.readouterr().err == ""


def test_members_are_written_by_email_only_where_the_email_is_theirs_alone():
    members = {"mem_a": "ada@example.com", "mem_b": "Bob@example.com", "mem_c": "bob@EXAMPLE.com", "mem_d": ""}
    assert unique_emails(members) == {"mem_a": "ada@example.com"}


@pytest.mark.parametrize("file_format", ["yaml", "csv"])
def test_text_that_looks_like_a_variable_is_exported_as_text(make_project, cli, file_format):
    root = make_project(NO_DECLARATIONS, settings="target: local\nvars: {region: EU}\n")
    create_directly(
        root,
        {"fields": {"$name": "Acme ${vars.region} desk", "region": "$${vars.region} and ${vars.nowhere}"}},
        {"fields": {"$name": "Globex", "$primaryAddress": {"city": "${vars.region}"}}},
    )
    result = cli("export", root, "--kind", "account", "--format", file_format)
    assert result.exit_code == 0, result.output
    written = (root / "accounts" / f"exported.{file_format}").read_text()
    assert "Acme $${vars.region} desk" in written and "$$${vars.region} and $${vars.nowhere}" in written
    replanned = cli("plan", root, "--detailed-exitcode")  # refreshed: the names and values as Lightfield holds them
    assert replanned.exit_code == 0, replanned.output
