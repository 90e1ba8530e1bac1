"""Issue 19's renames, against an emulator served on loopback in both API modes, every request
recorded (so "no request" is counted, not assumed): a `moved:` entry keeps the record's ID with
no write and then plans clean with or without the entry; a move with a field change is one update
of the same ID; a reference to the old address resolves; a plain rename hints at `moved:` in every
plan format; a rename applied with --adopt --prune never leaves a declared account trashed; bad
entries are refused at their file:line with nothing sent."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Iterator

import pytest
from recording import Recorder, recorded_target

from conftest import write_files
from wire import accounts_of

NO_KEY = {"LIGHTFIELD_API_KEY": None}  # CliRunner unsets a variable given as None


@pytest.fixture
def recorded(api_mode, monkeypatch, tmp_path, cli) -> Iterator[Recorder]:
    """An emulator in `api_mode` as the project's target, every request recorded."""
    with recorded_target(monkeypatch, tmp_path, api_mode) as (recorder, _url):
        yield recorder


ACCOUNTS = """
accounts:
  acme:
    fields:
      $name: Acme Corp
      tier: enterprise
  acme-nordics:
    fields:
      $name: Acme Nordics
    relationships:
      parentAccount: account.acme
  globex:
    fields:
      $name: Globex
"""


def applied(make_project, cli, recorder: Recorder, text: str = ACCOUNTS) -> Path:
    project = make_project({"accounts.yaml": text})
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 0, result.output
    recorder.clear()
    return project


def rename(project: Path, old: str, new: str) -> None:
    path = project / "accounts.yaml"
    path.write_text(path.read_text().replace(f"  {old}:\n", f"  {new}:\n"))


def declare_move(project: Path, old: str, new: str, name: str = "moves.yaml") -> None:
    write_files(project, {name: f"moved:\n  - {{from: account.{old}, to: account.{new}}}\n"})


def ids_in(state: dict) -> dict[str, str]:
    return {address: resource["id"] for address, resource in state["resources"].items()}


def live_names(project: Path) -> dict[str, str]:
    return {record["id"]: record["fields"]["$name"]["value"] for record in accounts_of(project)}


def test_a_moved_key_keeps_its_id_with_no_request_then_plans_clean_with_or_without_the_entry(
    make_project, cli, recorded, state_of
):
    project = applied(make_project, cli, recorded)
    before = ids_in(state_of(project))
    rename(project, "globex", "globex-corp")
    declare_move(project, "globex", "globex-corp")
    planned = cli("plan", project, "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "  # account.globex has moved to account.globex-corp\n" in planned.stdout
    assert f"    account.globex -> account.globex-corp  ({before['account.globex']}, accounts.yaml:" in planned.stdout
    assert "Plan: 0 to create, 0 to update, 0 to delete, 1 to move." in planned.stdout
    assert "write request" not in planned.stdout  # a move costs none
    document = json.loads(cli("plan", project, "--format", "json").stdout)
    assert [(c["address"], c["action"], c["resource_id"], c["moved_from"]) for c in document["changes"]] == [
        ("account.globex-corp", "move", before["account.globex"], "account.globex"),
    ]
    assert document["summary"]["move"] == 1 and "renames" not in document
    markdown = cli("plan", project, "--format", "markdown").stdout
    assert "<code>account.globex -&#62; account.globex-corp</code> has moved to account.globex-corp" in markdown

    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 0 deleted, 1 moved" in result.stdout
    assert recorded.writes() == []
    after = ids_in(state_of(project))
    assert after == {**{a: i for a, i in before.items() if a != "account.globex"}, "account.globex-corp": before["account.globex"]}
    assert sorted(live_names(project).values()) == ["Acme Corp", "Acme Nordics", "Globex"]

    for refresh in ((), ("--refresh",)):
        clean = cli("plan", project, "--detailed-exitcode", *refresh)
        assert clean.exit_code == 0, clean.output  # the entry stays: its `from` is no longer in state
    (project / "moves.yaml").unlink()
    for refresh in ((), ("--refresh",)):
        clean = cli("plan", project, "--detailed-exitcode", *refresh)
        assert clean.exit_code == 0, clean.output
    assert recorded.writes() == []


def test_a_move_with_a_field_change_is_one_update_of_the_same_id_from_a_saved_plan(make_project, cli, recorded, state_of, tmp_path):
    project = applied(make_project, cli, recorded)
    acme = ids_in(state_of(project))["account.acme"]
    rename(project, "acme", "acme-corp")
    (project / "accounts.yaml").write_text((project / "accounts.yaml").read_text().replace("tier: enterprise", "tier: smb"))
    declare_move(project, "acme", "acme-corp")
    saved = tmp_path / "move.plan.json"
    planned = cli("plan", project, "--out", saved)
    assert planned.exit_code == 0, planned.output
    assert "  # account.acme has moved to account.acme-corp, and will be updated in place\n" in planned.stdout
    assert f"  ~ account.acme -> account.acme-corp  ({acme}, accounts.yaml:" in planned.stdout
    assert '~ tier: "enterprise" -> "smb"' in planned.stdout
    assert "Plan: 0 to create, 1 to update, 0 to delete, 1 to move." in planned.stdout
    # acme-nordics still names account.acme: the reference resolves to the moved record, nothing to change
    assert "account.acme-nordics" not in planned.stdout

    result = cli("apply", saved)
    assert result.exit_code == 0, result.output
    assert recorded.writes() == [("POST", f"/v1/accounts/{acme}")]
    state = state_of(project)
    assert state["resources"]["account.acme-corp"]["id"] == acme and "account.acme" not in state["resources"]
    assert state["resources"]["account.acme-nordics"]["applied"]["relationships"]["parentAccount"] == acme
    assert cli("plan", project, "--detailed-exitcode", "--refresh").exit_code == 0


def test_references_to_either_address_resolve_to_the_moved_record(make_project, cli, recorded, state_of):
    project = applied(make_project, cli, recorded)
    ids = ids_in(state_of(project))
    acme, globex = ids["account.acme"], ids["account.globex"]
    rename(project, "acme", "acme-corp")
    declare_move(project, "acme", "acme-corp")
    path = project / "accounts.yaml"
    path.write_text(path.read_text() + "    relationships:\n      parentAccount: account.acme\n")  # globex's, by the old address
    planned = cli("plan", project)
    assert "      relationships:\n        + parentAccount: account.acme-corp\n" in planned.stdout  # the record, by its new name
    assert cli("apply", project, "--auto-approve").exit_code == 0
    assert recorded.writes() == [("POST", f"/v1/accounts/{globex}")]
    path.write_text(path.read_text().replace("parentAccount: account.acme\n", "parentAccount: account.acme-corp\n"))
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0  # the new address: the same ID
    children = {record["fields"]["$name"]["value"]: record["relationships"]["parentAccount"]["values"]
                for record in accounts_of(project) if record["fields"]["$name"]["value"] != "Acme Corp"}
    assert children == {"Acme Nordics": [acme], "Globex": [acme]}


def test_key_less_plans_of_a_move_show_only_the_move_and_then_nothing(make_project, cli, recorded):
    """Without a key or definitions a plan compares the declarations with those state recorded as
    written: a reference written to the old address, or changed to the new one once the entry is
    gone, is the same record, not a change."""
    project = applied(make_project, cli, recorded)
    shutil.rmtree(project / ".lfsync")  # a pull request's checkout: no definitions kept
    rename(project, "acme", "acme-corp")
    declare_move(project, "acme", "acme-corp")
    keyless = cli("plan", project, "--detailed-exitcode", env=NO_KEY)
    assert keyless.exit_code == 2, keyless.output
    assert "Plan: 0 to create, 0 to update, 0 to delete, 1 to move." in keyless.stdout
    assert cli("apply", project, "--auto-approve").exit_code == 0
    shutil.rmtree(project / ".lfsync")
    assert cli("plan", project, "--detailed-exitcode", env=NO_KEY).exit_code == 0
    (project / "moves.yaml").unlink()
    path = project / "accounts.yaml"
    path.write_text(path.read_text().replace("parentAccount: account.acme\n", "parentAccount: account.acme-corp\n"))
    clean = cli("plan", project, "--detailed-exitcode", env=NO_KEY)
    assert clean.exit_code == 0, clean.output
    assert recorded.writes() == []


def test_a_move_survives_a_lost_answer_to_its_update_and_the_next_apply_settles_it(make_project, cli, recorded, state_of):
    """The move is recorded in state before the update is sent: a run that never hears back (as if
    killed after sending) leaves the record under its new address with the update pending, and the
    next apply settles it, with no second record and no record under two addresses."""
    project = applied(make_project, cli, recorded)
    globex = ids_in(state_of(project))["account.globex"]
    rename(project, "globex", "globex-corp")
    path = project / "accounts.yaml"
    path.write_text(path.read_text().replace("$name: Globex\n", "$name: Globex Corp\n"))
    declare_move(project, "globex", "globex-corp")
    recorded.lose_write_answers = True
    lost = cli("apply", project, "--auto-approve")
    assert lost.exit_code == 1, lost.output
    recorded.lose_write_answers = False
    assert ids_in(state_of(project))["account.globex-corp"] == globex
    assert "account.globex" not in state_of(project)["resources"]
    settled = cli("apply", project, "--auto-approve")
    assert settled.exit_code == 0, settled.output
    assert ids_in(state_of(project))["account.globex-corp"] == globex
    assert live_names(project)[globex] == "Globex Corp" and len(live_names(project)) == 3
    assert cli("plan", project, "--detailed-exitcode", "--refresh").exit_code == 0


def test_a_plain_rename_hints_at_moved_in_every_plan_format(make_project, cli, recorded, state_of):
    project = applied(make_project, cli, recorded)
    globex = ids_in(state_of(project))["account.globex"]
    rename(project, "globex", "globex-corp")
    text = cli("plan", project)
    assert text.exit_code == 0, text.output
    assert "Plan: 1 to create, 0 to update, 0 to delete." in text.stdout
    hint = (
        'Hint: account.globex-corp has the $name of account.globex ("Globex"), which leaves state: looks like a rename: '
        f"add `moved: [{{from: account.globex, to: account.globex-corp}}]` to a declaration file to keep its record ({globex})"
    )
    assert hint in text.stdout
    markdown = cli("plan", project, "--format", "markdown")
    assert "- :bulb: account.globex-corp has the $name of account.globex" in markdown.stdout
    assert "looks like a rename: add &#96;moved: &#91;&#123;from: account.globex, to: account.globex-corp&#125;&#93;&#96;" in markdown.stdout
    document = json.loads(cli("plan", project, "--format", "json").stdout)
    [rename_hint] = document["renames"]
    assert (rename_hint["from_address"], rename_hint["to_address"], rename_hint["identity_field"]) == (
        "account.globex", "account.globex-corp", "$name",
    )
    assert "looks like a rename: add `moved: [{from: account.globex, to: account.globex-corp}]`" in rename_hint["hint"]
    assert recorded.writes() == []


def twenty_accounts() -> str:
    return "accounts:\n" + "".join(f"  account-{n:02d}:\n    fields: {{$name: Company {n:02d}}}\n" for n in range(20))


def test_a_rename_applied_with_adopt_and_prune_never_trashes_a_declared_account(make_project, cli, recorded, state_of):
    """The issue's scenario: 20 declared accounts, one key renamed, `apply --adopt --prune`. It used
    to adopt the record into the new address and trash it through the old one (19 live)."""
    project = applied(make_project, cli, recorded, twenty_accounts())
    ids = ids_in(state_of(project))
    rename(project, "account-07", "account-07-renamed")
    refused = cli("apply", project, "--auto-approve", "--adopt", "--prune")
    assert refused.exit_code == 1, refused.output
    assert (
        f"one record, one address: account.account-07-renamed would adopt {ids['account.account-07']}, which state records "
        "as account.account-07 and this plan moves to the trash. This looks like a rename: add "
        "`moved: [{from: account.account-07, to: account.account-07-renamed}]`"
    ) in refused.output
    assert recorded.writes() == []
    assert len(live_names(project)) == 20

    declare_move(project, "account-07", "account-07-renamed")
    moved = cli("apply", project, "--auto-approve", "--adopt", "--prune")
    assert moved.exit_code == 0, moved.output
    assert recorded.writes() == []
    after = ids_in(state_of(project))
    assert after["account.account-07-renamed"] == ids["account.account-07"] and len(after) == 20
    assert sorted(live_names(project)) == sorted(ids.values())  # every declared account live, none trashed
    assert cli("plan", project, "--detailed-exitcode", "--refresh", "--prune").exit_code == 0


def test_chains_cycles_and_duplicates_are_refused_at_their_file_and_line_with_nothing_sent(make_project, cli, recorded):
    project = applied(make_project, cli, recorded)
    rename(project, "globex", "globex-corp")
    write_files(project, {"moves.yaml": """
        moved:
          - {from: account.globex, to: account.globex-2}
          - {from: account.globex-2, to: account.globex-corp}
          - {from: account.initech, to: account.acme-nordics}
          - {from: account.acme-nordics, to: account.initech}
          - {from: account.hooli, to: account.acme}
          - {from: account.hooli, to: account.acme-nordics}
          - {from: account.umbrella, to: account.acme}
        """})
    for command in ("plan", "validate"):
        result = cli(command, project)
        assert result.exit_code == 1, result.output
        assert (
            "moves.yaml:2:5: moved: account.globex -> account.globex-2 (moves.yaml:2:5) is followed by "
            "account.globex-2 -> account.globex-corp (moves.yaml:3:5), a chain of moves"
        ) in result.stderr
        assert (
            "moves.yaml:4:5: moved: these entries form a cycle: account.initech -> account.acme-nordics (moves.yaml:4:5), "
            "account.acme-nordics -> account.initech (moves.yaml:5:5)"
        ) in result.stderr
        assert "moves.yaml:7:5: account.hooli is moved twice" in result.stderr
        assert "moves.yaml:8:5: two records are moved to account.acme: account.hooli -> account.acme (moves.yaml:6:5)" in result.stderr
    assert cli("apply", project, "--auto-approve").exit_code == 1
    assert recorded.writes() == []


def test_fmt_and_the_schema_know_moved(make_project, cli, recorded):
    project = applied(make_project, cli, recorded)
    declare_move(project, "globex", "globex-corp")
    rename(project, "globex", "globex-corp")
    assert cli("fmt", "--check", project).exit_code == 0
    schema = json.loads(cli("schema", project).stdout)
    assert schema["properties"]["moved"]["items"]["required"] == ["from", "to"]
