"""`moved:` entries in declaration files: read with their places, kept by the parse cache, checked
across files (duplicates, chains, cycles, `to` declared, `from` no longer declared), accepted by
the JSON Schema, and references to a `from` naming the moved record."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from lfsync.declare.declarations import load_declarations
from lfsync.declare.model import MoveDeclaration
from lfsync.declare.moves import redirected, renamed_addresses
from lfsync.declare.parsecache import ParseCache, Uncached
from lfsync.declare.schema import declaration_json_schema
from lfsync.errors import DeclarationError, SourceLocation, render_problem
from unit.declare.test_schema import validate_yaml


@pytest.fixture(autouse=True)
def in_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # display paths relative to it: "a.yaml"


def write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")


def problems_of(project: Path) -> list[str]:
    with pytest.raises(DeclarationError) as caught:
        load_declarations(project, cache=Uncached())
    return [render_problem(problem) for problem in caught.value.problems]


ACCOUNTS = """\
accounts:
  litware-inc:
    fields: {$name: Litware}
  contoso:
    fields: {$name: Contoso}
    relationships:
      parentAccount: account.litware
"""


def test_moves_of_every_file_are_gathered_with_their_places(tmp_path):
    write(tmp_path, "a.yaml", ACCOUNTS + "moved:\n  - {from: account.litware, to: account.litware-inc}\n")
    write(tmp_path, "b.yaml", "moved:\n  - from: account.old-contoso\n    to: account.contoso\n")
    declarations = load_declarations(tmp_path, cache=Uncached())
    assert declarations.moves == [
        MoveDeclaration("account.litware", "account.litware-inc", SourceLocation("a.yaml", 9, 5)),
        MoveDeclaration("account.old-contoso", "account.contoso", SourceLocation("b.yaml", 2, 5)),
    ]
    # a reference to the old address is one to a declared account: it names the moved record
    assert declarations.accounts["account.contoso"].relationships == {"parentAccount": "account.litware-inc"}


def test_moves_come_back_the_same_from_the_parse_cache(tmp_path):
    write(tmp_path, "a.yaml", ACCOUNTS + "moved:\n  - {from: account.litware, to: account.litware-inc}\n")
    cache = ParseCache(tmp_path / ".cache", b"secret")
    first = load_declarations(tmp_path, cache=cache)
    cached = ParseCache(tmp_path / ".cache", b"secret")
    assert cached.holds(first.file_accounts[0][0])
    assert load_declarations(tmp_path, cache=cached).moves == first.moves


def test_without_moves_a_reference_to_an_undeclared_address_is_still_refused(tmp_path):
    write(tmp_path, "a.yaml", ACCOUNTS)
    [problem] = problems_of(tmp_path)
    assert problem.startswith("a.yaml:7:22: relationships.parentAccount of account.contoso refers to account.litware")


@pytest.mark.parametrize(
    ("moved", "expected"),
    [
        ("moved: {from: account.a, to: account.b}\n", "a.yaml:8:8: 'moved' must be a list of entries"),
        ("moved:\n  - account.a\n", "a.yaml:9:5: moved[0] must be a mapping with 'from' and 'to', found the string"),
        ("moved:\n  - {to: account.litware-inc}\n", "a.yaml:9:5: moved[0] has no 'from'"),
        ("moved:\n  - {from: account.litware, to: litware-inc}\n",
         "a.yaml:9:33: moved[0].to: expected an address like account.acme, found the string 'litware-inc'"),
        ("moved:\n  - {form: account.litware, to: account.litware-inc}\n",
         "a.yaml:9:6: unknown key 'form' in moved[0]; allowed: from, to (did you mean 'from'?)"),
        ("moved:\n  - {from: account.litware-inc, to: account.litware-inc}\n",
         "a.yaml:9:5: moved[0] moves account.litware-inc to itself"),
    ],
)
def test_a_malformed_entry_is_refused_at_its_place(tmp_path, moved, expected):
    write(tmp_path, "a.yaml", ACCOUNTS + moved)
    problems = problems_of(tmp_path)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_a_chain_of_moves_is_refused_naming_both_entries(tmp_path):
    write(tmp_path, "a.yaml", ACCOUNTS + "moved:\n  - {from: account.litware, to: account.litware-2}\n")
    write(tmp_path, "b.yaml", "moved:\n  - {from: account.litware-2, to: account.litware-inc}\n")
    assert (
        "a.yaml:9:5: moved: account.litware -> account.litware-2 (a.yaml:9:5) is followed by "
        "account.litware-2 -> account.litware-inc (b.yaml:2:5), a chain of moves; write it as one entry, "
        "from: account.litware, to: account.litware-inc"
    ) in problems_of(tmp_path)


def test_a_cycle_of_moves_is_refused_naming_every_entry(tmp_path):
    write(tmp_path, "a.yaml", ACCOUNTS + "moved:\n  - {from: account.litware-inc, to: account.contoso}\n"
          "  - {from: account.contoso, to: account.litware-inc}\n")
    assert any(problem.startswith("a.yaml:9:5: moved: these entries form a cycle: account.litware-inc -> account.contoso "
                              "(a.yaml:9:5), account.contoso -> account.litware-inc (a.yaml:10:5)") for problem in problems_of(tmp_path))


def test_two_entries_with_one_from_or_one_to_are_refused(tmp_path):
    write(tmp_path, "a.yaml", ACCOUNTS + "moved:\n  - {from: account.litware, to: account.litware-inc}\n"
          "  - {from: account.litware, to: account.contoso}\n  - {from: account.old, to: account.litware-inc}\n")
    problems = problems_of(tmp_path)
    assert (
        "a.yaml:10:5: account.litware is moved twice: account.litware -> account.litware-inc (a.yaml:9:5) and "
        "account.litware -> account.contoso (a.yaml:10:5); keep one entry"
    ) in problems
    assert (
        "a.yaml:11:5: two records are moved to account.litware-inc: account.litware -> account.litware-inc (a.yaml:9:5) "
        "and account.old -> account.litware-inc (a.yaml:11:5); keep one entry"
    ) in problems


def test_to_must_be_declared_and_from_no_longer(tmp_path):
    write(tmp_path, "a.yaml", ACCOUNTS + "moved:\n  - {from: account.litware, to: account.litware-incc}\n"
          "  - {from: account.contoso, to: account.litware-inc}\n")
    problems = problems_of(tmp_path)
    assert any(p.startswith("a.yaml:9:5: moved: account.litware -> account.litware-incc: account.litware-incc is not "
                            "declared in any file") and p.endswith("(did you mean account.litware-inc?)") for p in problems)
    assert any(p.startswith("a.yaml:10:5: moved: account.contoso -> account.litware-inc: account.contoso is still declared")
               for p in problems)


def test_references_to_an_old_address_are_redirected_to_the_new_one():
    renamed = renamed_addresses([MoveDeclaration("account.a", "account.b", SourceLocation("a.yaml", 1, 1))])
    relationships = {"parentAccount": "account.a", "$contact": ["con_1", "account.a"], "$owner": "mem_1"}
    assert redirected(relationships, renamed) == {
        "parentAccount": "account.b", "$contact": ["con_1", "account.b"], "$owner": "mem_1",
    }
    assert redirected(relationships, {}) is relationships


def test_the_schema_accepts_moved_entries_and_refuses_malformed_ones():
    assert "moved" in declaration_json_schema()["properties"]
    assert validate_yaml(ACCOUNTS + "moved:\n  - {from: account.litware, to: account.litware-inc}\n")
    assert not validate_yaml(ACCOUNTS + "moved:\n  - {from: account.litware}\n")
    assert not validate_yaml(ACCOUNTS + "moved:\n  - {from: litware, to: account.litware-inc}\n")
    assert not validate_yaml(ACCOUNTS + "moved:\n  - {from: account.a, to: account.b, why: renamed}\n")


def test_a_move_declaration_is_frozen():
    move = MoveDeclaration("account.a", "account.b", SourceLocation("a.yaml", 1, 1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        move.source = "account.c"  # type: ignore[misc]
