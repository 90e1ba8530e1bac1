"""--adopt on the `identity:` field of lfsync.yaml, and `$owner` given as a member's email."""

from __future__ import annotations

import json

import pytest

from org_helpers import create_directly
from wire import accounts_of

SETTINGS = "target: local\nidentity: $website\n"
DECLARED = """
accounts:
  acme:
    fields:
      $name: Acme (as we call it)
      $website: [https://acme.example]
"""


def planned(cli, root, *args):
    result = cli("plan", root, "--adopt", "--format", "json", *args)
    return result, (json.loads(result.stdout) if result.stdout.startswith("{") else None)


def test_no_match_on_the_identity_field_creates(make_project, cli):
    root = make_project({"a.yaml": DECLARED}, settings=SETTINGS)
    # same name, other website; a website that merely contains the declared one
    create_directly(
        root,
        {"fields": {"$name": "Acme (as we call it)", "$website": ["https://other.example"]}},
        {"fields": {"$name": "Acme Org", "$website": ["https://acme.example.org"]}},
    )
    result, plan = planned(cli, root)
    assert result.exit_code == 0 and [c["action"] for c in plan["changes"]] == ["create"]


def test_one_match_on_the_identity_field_is_adopted_whatever_its_name(make_project, cli):
    root = make_project({"a.yaml": DECLARED}, settings=SETTINGS)
    [existing, _] = create_directly(
        root,
        {"fields": {"$name": "ACME Corporation", "$website": ["https://acme.example", "https://acme.example/eu"]}},
        {"fields": {"$name": "Acme Org", "$website": ["https://acme.example.org"]}},
    )
    result, plan = planned(cli, root)
    assert result.exit_code == 0
    [change] = plan["changes"]
    assert (change["action"], change["resource_id"]) == ("adopt", existing)
    assert cli("apply", root, "--adopt", "--auto-approve").exit_code == 0
    assert len(accounts_of(root)) == 2
    assert cli("plan", root, "--refresh", "--detailed-exitcode").exit_code == 0


def test_several_matches_on_the_identity_field_are_an_error_naming_them(make_project, cli):
    root = make_project({"a.yaml": DECLARED}, settings=SETTINGS)
    ids = create_directly(
        root,
        {"fields": {"$name": "Acme One", "$website": ["https://acme.example"]}},
        {"fields": {"$name": "Acme Two", "$website": ["https://acme.example"]}},
    )
    result, plan = planned(cli, root)
    assert result.exit_code == 1 and plan["changes"] == []
    [problem] = plan["problems"]
    assert "2 existing accounts have $website ['https://acme.example']" in problem
    assert all(account_id in problem for account_id in ids) and "lfsync import account.acme ID" in problem


def test_an_account_without_the_identity_field_cannot_be_matched(make_project, cli):
    root = make_project({"a.yaml": "accounts:\n  b:\n    fields: {$name: B}\n"}, settings=SETTINGS)
    result, plan = planned(cli, root)
    assert result.exit_code == 1
    assert "--adopt matches existing accounts on $website" in plan["problems"][0]


@pytest.mark.parametrize("email", ["grace@example.com", "Grace@Example.com"])
def test_owner_may_be_a_members_email(make_project, cli, email):
    root = make_project({"a.yaml": f"accounts:\n  a:\n    fields: {{$name: A}}\n    relationships: {{$owner: {email}}}\n"})
    assert cli("apply", root, "--auto-approve").exit_code == 0
    [record] = accounts_of(root)
    assert record["relationships"]["$owner"]["values"] == ["mem_cgracehopper000000000"]
    assert cli("plan", root, "--refresh", "--detailed-exitcode").exit_code == 0


def test_an_unknown_owner_email_is_named_and_nothing_is_sent(make_project, cli):
    root = make_project({"a.yaml": "accounts:\n  a:\n    fields: {$name: A}\n    relationships: {$owner: nobody@example.com}\n"})
    result = cli("apply", root, "--auto-approve")
    assert result.exit_code == 1
    assert "a.yaml:4:21: relationships.$owner of account.a: 'nobody@example.com' is the email of no member of this organisation" in result.stderr
    assert accounts_of(root) == []


COMPOSED, DECOMPOSED = "Caf\u00e9 No\u00ebl", "Cafe\u0301 Noe\u0308l"  # one name, NFC and NFD


@pytest.mark.parametrize("declared, held", [(COMPOSED, DECOMPOSED), (DECOMPOSED, COMPOSED)], ids=["declared-nfc", "declared-nfd"])
def test_nfc_and_nfd_spellings_of_one_name_are_one_identity(make_project, cli, declared, held):
    """--adopt matches names in Unicode NFC: the record the organisation holds is adopted, not
    created a second time, whichever form either side typed."""
    root = make_project({"a.yaml": f'accounts:\n  cafe:\n    fields:\n      $name: "{declared}"\n'})
    [existing] = create_directly(root, {"fields": {"$name": held}})
    result, plan = planned(cli, root)
    assert result.exit_code == 0, result.output
    [change] = plan["changes"]
    assert (change["action"], change["resource_id"]) == ("adopt", existing)
    applied = cli("apply", root, "--adopt", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert [account["id"] for account in accounts_of(root)] == [existing]
    assert cli("plan", root, "--refresh", "--detailed-exitcode").exit_code == 0


def test_an_nfd_declared_name_is_sent_in_nfc_and_either_spelling_plans_one_account(make_project, cli):
    """Names are held in NFC: the payload, its idempotency key and the plan are those of the NFC
    form, so re-spelling a declaration in NFD or NFC never plans a second create or an update."""
    root = make_project({"a.yaml": f'accounts:\n  cafe:\n    fields:\n      $name: "{DECOMPOSED}"\n'})
    planned_json = json.loads(cli("plan", root, "--format", "json").stdout)
    assert [(a["path"], a["after"]) for a in planned_json["changes"][0]["attributes"]] == [("fields.$name", COMPOSED)]
    applied = cli("apply", root, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert [account["fields"]["$name"]["value"] for account in accounts_of(root)] == [COMPOSED]
    (root / "a.yaml").write_text(f'accounts:\n  cafe:\n    fields:\n      $name: "{COMPOSED}"\n', encoding="utf-8")
    assert cli("plan", root, "--detailed-exitcode").exit_code == 0
