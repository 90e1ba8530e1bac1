"""`generate:` for tasks, notes and lists (a demo's activity): tasks per opportunity with statuses and
relative due dates in turn, assigned from a variable, linked to the opportunity's account through the
parent's relationships; notes with markdown content linked to their parent; lists whose members are a
selection of another generated set (`{select: account, every: 3, first: N}`), which depends on the
counts alone; bad selections refused at file:line:col."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from lfsync.declare.declarations import load_declarations
from lfsync.declare.fakes import faker_version
from lfsync.declare.genselect import Selection, parse_selection
from lfsync.declare.parsecache import Uncached
from lfsync.errors import DeclarationError, render_problem

BLOCK = """\
generate:
  faker: "@FAKER@"
  seed: demo-2026
  accounts:
    count: @ACCOUNTS@
    key: "acct-{n:02}"
    fields: {$name: "{company}"}
  opportunities:
    per: account
    key: "{account.key}-deal"
    fields: {$name: "{account.$name} renewal", $stage: {cycle: [Discovery, Proposal]}}
    relationships: {$account: "{account.address}"}
  tasks:
    per: opportunity
    count: 2
    key: "{opportunity.key}-t{n}"
    fields:
      $title: "Call {first_name} about {opportunity.$name}"
      $status: {cycle: [TODO, IN_PROGRESS, COMPLETE]}
      $dueAt: {cycle: [now+1d, now+3d, now-2d, now+1w]}
      $description: "{sentence}"
    relationships:
      $assignedTo: ${vars.owner}
      $account: "{opportunity.$account}"
      $opportunity: "{opportunity.address}"
  notes:
    per: account
    key: "{account.key}-note"
    fields:
      $title: "Call notes: {account.$name}"
      $content: "## {catch_phrase}\\n- {sentence}"
    relationships:
      $account: ["{account.address}"]
  lists:
    count: 1
    key: "targets"
    fields: {$name: Target accounts, $objectType: $account}
    relationships:
      $accounts: {select: account, every: 3, first: 2}
"""


def block(accounts: int = 7) -> str:
    return BLOCK.replace("@ACCOUNTS@", str(accounts)).replace("@FAKER@", faker_version())


def project(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "project"
    root.mkdir(exist_ok=True)
    (root / "demo.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def declared(tmp_path: Path, text: str) -> dict:
    loaded = load_declarations(project(tmp_path, text), cache=Uncached(), variables={"owner": "grace@example.com"})
    return loaded.accounts


def problems_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(DeclarationError) as raised:
        declared(tmp_path, text)
    return [render_problem(problem) for problem in raised.value.problems]


def test_tasks_per_opportunity_take_statuses_and_relative_due_dates_in_turn(tmp_path):
    records = declared(tmp_path, block())
    tasks = [records[f"task.acct-0{n}-deal-t{m}"] for n in (1, 2) for m in (1, 2)]
    assert [task.fields["$status"] for task in tasks] == ["TODO", "IN_PROGRESS", "COMPLETE", "TODO"]
    assert [task.fields["$dueAt"] for task in tasks] == ["now+1d", "now+3d", "now-2d", "now+1w"]  # resolved at plan time
    deal = records["opportunity.acct-02-deal"]
    assert tasks[2].fields["$title"].endswith(f" about {deal.fields['$name']}")
    assert tasks[2].relationships == {
        "$assignedTo": "grace@example.com", "$account": "account.acct-02", "$opportunity": "opportunity.acct-02-deal",
    }
    assert all(task.fields["$description"] for task in tasks)


def test_notes_hold_markdown_and_link_to_their_parent(tmp_path):
    records = declared(tmp_path, block())
    note = records["note.acct-03-note"]
    assert note.fields["$title"] == f"Call notes: {records['account.acct-03'].fields['$name']}"
    heading, item = note.fields["$content"].split("\n")
    assert heading.startswith("## ") and item.startswith("- ") and len(item) > 3
    assert note.relationships == {"$account": ["account.acct-03"]}


def test_a_list_takes_every_third_generated_account_up_to_first(tmp_path):
    records = declared(tmp_path, block(accounts=7))
    assert records["list.targets"].relationships == {"$accounts": ["account.acct-03", "account.acct-06"]}
    assert records["list.targets"].fields == {"$name": "Target accounts", "$objectType": "$account"}


def test_a_selection_depends_on_the_counts_alone():
    class Made:
        def addresses_of(self, kind: str) -> list[str]:
            return [f"{kind}.a{n}" for n in range(1, 11)] if kind == "account" else []

    assert Selection("account").evaluate(Made()) == [f"account.a{n}" for n in range(1, 11)]
    assert Selection("account", every=4).evaluate(Made()) == ["account.a4", "account.a8"]
    assert Selection("account", first=3).evaluate(Made()) == ["account.a1", "account.a2", "account.a3"]
    assert Selection("contact", every=2).evaluate(Made()) == []
    assert parse_selection({"select": "account", "every": 2, "first": 25}) == Selection("account", 2, 25)


def test_another_seed_changes_the_values_but_not_the_keys_or_the_selection(tmp_path):
    first = declared(tmp_path, block())
    other = declared(tmp_path, block().replace("seed: demo-2026", "seed: demo-us"))
    assert sorted(first) == sorted(other)
    assert first["list.targets"].relationships == other["list.targets"].relationships
    assert first["task.acct-01-deal-t1"].fields["$title"] != other["task.acct-01-deal-t1"].fields["$title"]


def test_the_generated_activity_is_the_same_in_two_loads(tmp_path):
    def dumped() -> str:
        return json.dumps({a: [d.fields, d.relationships] for a, d in declared(tmp_path, block()).items()}, sort_keys=True)

    assert dumped() == dumped()


@pytest.mark.parametrize("written, bad, expected", [
    ("{select: account, every: 3, first: 2}", "{select: contact}",
     "demo.yaml:39:18: generate.lists.relationships.$accounts: select names 'contact', which is no other set of this block"),
    ("{select: account, every: 3, first: 2}", "{select: account, every: 0}",
     "demo.yaml:39:18: generate.lists.relationships.$accounts: select's every must be a whole number of at least 1"),
    ("{select: account, every: 3, first: 2}", "{select: account, evry: 3}",
     "demo.yaml:39:18: generate.lists.relationships.$accounts: unknown option 'evry' of select: allowed every, first"),
    ("{select: account, every: 3, first: 2}", "{select: list}",
     "demo.yaml:39:18: generate.lists.relationships.$accounts: select names 'list', which is no other set"),
])
def test_a_bad_selection_is_refused_at_file_line_col(tmp_path, written, bad, expected):
    assert written in BLOCK
    found = problems_of(tmp_path, block().replace(written, bad))
    assert any(problem.startswith(expected) for problem in found), found


def test_sets_selecting_each_other_are_refused_as_a_circle(tmp_path):
    text = block().replace('    fields: {$name: "{company}"}\n', '    fields: {$name: "{company}"}\n'
                           "    relationships: {$contact: {select: list}}\n", 1)
    found = problems_of(tmp_path, text)
    assert any("'select' goes round in a circle" in problem for problem in found), found
