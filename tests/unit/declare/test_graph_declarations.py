"""Contacts and opportunities declared beside accounts: top-level `contacts:` and `opportunities:`
maps, their addresses, references across kinds and files, and their problems at file:line:col."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest
from graph_declarations import ada_at_acme

from lfsync.declare.declarations import load_declarations
from lfsync.declare.parsecache import ParseCache
from lfsync.errors import DeclarationError, render_problem

GRAPH = """\
accounts:
  acme:
    fields:
      $name: Acme
contacts:
""" + ada_at_acme() + """\
opportunities:
  acme-renewal:
    fields:
      $name: Acme renewal 2027
      $stage: Discovery
    relationships:
      $account: account.acme
      $champion: contact.ada
      $owner: grace@example.com
"""


@pytest.fixture(autouse=True)
def in_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # display paths are relative to the working directory


def write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")


def problems_of(project: Path) -> list[str]:
    with pytest.raises(DeclarationError) as caught:
        load_declarations(project)
    return [f"{problem.place}: {render_problem(dataclasses.replace(problem, place=None))}" for problem in caught.value.problems]


def test_contacts_and_opportunities_load_beside_accounts_with_their_addresses(tmp_path):
    write(tmp_path, "graph.yaml", GRAPH)
    declarations = load_declarations(tmp_path)
    assert list(declarations.accounts) == ["account.acme", "contact.ada", "opportunity.acme-renewal"]
    ada = declarations.accounts["contact.ada"]
    assert ada.fields == {"$name": {"firstName": "Ada", "lastName": "Lovelace"}, "$email": ["ada@acme.example"]}
    assert ada.relationships == {"$account": "account.acme"} and str(ada.location) == "graph.yaml:6:3"
    deal = declarations.accounts["opportunity.acme-renewal"]
    assert deal.references() == ["account.acme", "contact.ada"]
    assert str(deal.relationship_location("$champion")) == "graph.yaml:19:7"


def test_a_cached_file_reads_back_with_the_same_kinds(tmp_path):
    write(tmp_path, "graph.yaml", GRAPH)
    first = load_declarations(tmp_path, cache=ParseCache.for_project(tmp_path))
    again = load_declarations(tmp_path, cache=ParseCache.for_project(tmp_path))
    assert again.accounts == first.accounts and "contact.ada" in again.accounts


def test_references_across_kinds_and_files(tmp_path):
    write(tmp_path, "accounts.yaml", "accounts:\n  acme:\n    fields:\n      $name: Acme\n")
    write(tmp_path, "people.yaml", "contacts:\n  ada:\n    fields: {}\n    relationships:\n      $account: [account.acme]\n")
    write(
        tmp_path, "deals.yaml",
        "opportunities:\n  deal:\n    fields: {$name: Deal, $stage: Discovery}\n"
        "    relationships: {$account: account.acme, $evaluator: [contact.ada]}\n",
    )
    assert sorted(load_declarations(tmp_path).accounts) == ["account.acme", "contact.ada", "opportunity.deal"]


def test_graph_problems_are_all_named_at_once_with_file_line_and_column(tmp_path):
    write(
        tmp_path, "bad.yaml",
        """\
        contacts:
          ada:
            fields:
              $email: [ada@acme.example]
          ada2:
            fields: {}
            relationships:
              $account: account.acne
        opportunities:
          no-account:
            fields:
              $stage: Discovery
              $opportunityStatus: Won
            relationships:
              $champion: contact.adaa
          empty-account:
            fields: {$name: Deal}
            relationships:
              $account: []
              $task: tsk_1
        """,
    )
    assert problems_of(tmp_path) == [
        "bad.yaml:8:17: relationships.$account of contact.ada2 refers to account.acne, which is not declared in any file",
        "bad.yaml:11:5: opportunity.no-account has no $name in 'fields'; every opportunity needs a name",
        "bad.yaml:13:7: $opportunityStatus is read-only in Lightfield (Lightfield fills it in); remove it from 'fields'",
        "bad.yaml:14:5: opportunity.no-account has no $account in 'relationships'; every opportunity belongs to one "
        "(e.g. $account: account.acme)",
        "bad.yaml:15:18: relationships.$champion of opportunity.no-account refers to contact.adaa, which is not declared "
        "in any file (did you mean contact.ada?)",
        "bad.yaml:17:5: opportunity.empty-account has no $stage in 'fields'; every opportunity needs one",
        "bad.yaml:19:7: opportunity.empty-account has no $account in 'relationships'; every opportunity belongs to one "
        "(e.g. $account: account.acme)",
        "bad.yaml:20:7: relationship $task is read-only in Lightfield and cannot be set from a declaration",
    ]


def test_an_address_is_declared_once_per_kind_and_the_kinds_do_not_collide(tmp_path):
    write(tmp_path, "a.yaml", "accounts:\n  acme:\n    fields: {$name: Acme}\ncontacts:\n  acme:\n    fields: {}\n")
    write(tmp_path, "b.yaml", "contacts:\n  acme:\n    fields: {}\n")
    assert problems_of(tmp_path) == ["b.yaml:2:3: contact.acme is declared twice: a.yaml:5:3 and b.yaml:2:3"]


def test_an_unknown_top_level_key_names_every_kind(tmp_path):
    write(tmp_path, "a.yaml", "contact:\n  ada:\n    fields: {}\n")
    assert problems_of(tmp_path) == [
        "a.yaml:1:1: unknown top-level key 'contact': a declaration file holds only 'accounts', 'contacts', "
        "'opportunities', 'tasks', 'notes' and 'lists' (and 'moved') (did you mean 'contacts'?)"
    ]


def test_csv_files_declare_one_kind_each_named_by_their_key_column(tmp_path):
    write(tmp_path, "accounts.yaml", "accounts:\n  acme:\n    fields:\n      $name: Acme\n")
    write(
        tmp_path, "contacts.csv",
        'contact,$name,$email,relationships.$account\nada,"{""firstName"": ""Ada""}",ada@acme.example,account.acme\n',
    )
    write(tmp_path, "deals.csv", "opportunity,$name,$stage,relationships.$account,relationships.$champion\n"
          "deal,Deal,Discovery,account.acme,contact.ada\n")
    declarations = load_declarations(tmp_path)
    assert sorted(declarations.accounts) == ["account.acme", "contact.ada", "opportunity.deal"]
    assert declarations.accounts["opportunity.deal"].relationships == {"$account": "account.acme", "$champion": "contact.ada"}
    assert str(declarations.accounts["contact.ada"].relationship_location("$account")) == "contacts.csv:2:49"


def test_a_csv_file_of_two_kinds_or_an_opportunity_without_its_account_is_refused(tmp_path):
    write(tmp_path, "mixed.csv", "key,contact,$name\nacme,ada,Acme\n")
    write(tmp_path, "deals.csv", "opportunity,$name,$opportunityStatus\ndeal,Deal,Won\n")
    assert problems_of(tmp_path) == [
        "deals.csv:1:19: $opportunityStatus is read-only in Lightfield (Lightfield fills it in); remove it from 'fields'",
        "mixed.csv:1:5: the header names key columns 'key' and 'contact': a CSV file declares one kind (key: accounts, "
        "contact: contacts, opportunity: opportunities)",
    ]
    (tmp_path / "mixed.csv").unlink()
    write(tmp_path, "deals.csv", "opportunity,$name\ndeal,Deal\n")
    assert problems_of(tmp_path) == [
        "deals.csv:2:1: opportunity.deal has no $stage in 'fields'; every opportunity needs one",
        "deals.csv:2:1: opportunity.deal has no $account in 'relationships'; every opportunity belongs to one "
        "(e.g. $account: account.acme)",
    ]


def test_a_move_keeps_the_kind(tmp_path):
    write(tmp_path, "a.yaml", "contacts:\n  ada-lovelace:\n    fields: {}\nmoved:\n  - {from: account.ada, to: contact.ada-lovelace}\n")
    assert problems_of(tmp_path) == [
        "a.yaml:5:5: moved[0] moves account.ada to contact.ada-lovelace: a record keeps its kind; only its key can change"
    ]
    write(tmp_path, "a.yaml", "contacts:\n  ada-lovelace:\n    fields: {}\nmoved:\n  - {from: contact.ada, to: contact.ada-lovelace}\n")
    assert load_declarations(tmp_path).moves[0].destination == "contact.ada-lovelace"


def test_task_note_and_list_name_a_csv_files_kind_only_as_its_first_column(tmp_path):
    """Files written before those kinds may have fields named `task`, `note` or `list`."""
    write(tmp_path, "accounts.csv", "key,$name,note,list\nacme,Acme,VIP customer,gold\n")
    write(tmp_path, "people.csv", "contact,$name,$email,task\nada,\"{\"\"firstName\"\": \"\"Ada\"\"}\",ada@acme.example,call\n")
    write(tmp_path, "notes.csv", "note,$title,$content\nkickoff,Kickoff,Went well\n")
    declarations = load_declarations(tmp_path)
    assert sorted(declarations.accounts) == ["account.acme", "contact.ada", "note.kickoff"]
    assert declarations.accounts["account.acme"].fields["note"] == "VIP customer"
    assert declarations.accounts["contact.ada"].fields["task"] == "call"
