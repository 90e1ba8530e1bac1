"""Declaration files: loading, positions, and every rejection with its file:line:col."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from lfsync.config.yamlio import load_yaml_file, location, to_plain, value_location
from lfsync.declare.addresses import is_lightfield_id, is_reference
from lfsync.declare.declarations import load_declarations
from lfsync.declare.discovery import find_declaration_files
from lfsync.declare.model import AccountDeclaration
from lfsync.errors import DeclarationError, Problem, SourceLocation, render_problem


@pytest.fixture(autouse=True)
def in_project(tmp_path, monkeypatch):
    # Display paths are relative to the working directory: make them "a.yaml".
    monkeypatch.chdir(tmp_path)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_problems(project: Path) -> list[tuple[str, str]]:
    with pytest.raises(DeclarationError) as caught:
        load_declarations(project)
    return [where_and_text(problem) for problem in caught.value.problems]


def where_and_text(problem: Problem) -> tuple[str, str]:
    """A problem's place and what users read after it (the message and its hint)."""
    return (str(problem.place) if problem.place else "", render_problem(dataclasses.replace(problem, place=None)))


def assert_problem(project: Path, where: str, *fragments: str) -> str:
    """Exactly one problem at `where` (file:line:col or file:line) whose message holds every fragment."""
    problems = load_problems(project)
    matching = [
        message
        for location_text, message in problems
        if (location_text == where or location_text.rsplit(":", 1)[0] == where)
        and all(fragment in message for fragment in fragments)
    ]
    assert len(matching) == 1, f"no single problem at {where} with {fragments}; got {problems}"
    return matching[0]


GOOD = """\
accounts:
  acme:                                   # the address key: account.acme
    fields:
      $name: Acme Corp
      $website: [https://acme.com]
      $industry: [Software]
      $primaryAddress: {city: Oslo, country: NO}
      tier: enterprise
      renewalDate: 2026-01-31T09:00:00+01:00
      founded: 2001-05-04
      icp-score: 7.5
      active: true
    relationships:
      $owner: mem_cm1abc123def456
      parentAccount: account.globex
      $contact: [con_1, account.globex, con_2]
    skip_enrichment: true
"""

GLOBEX = """\
accounts:
  globex:
    fields:
      $name: Globex
    relationships:
      $contact: []
"""


# --- loading -------------------------------------------------------------------------


def test_loads_accounts_with_plain_values_in_file_order(tmp_path):
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "sub/b.yml", GLOBEX)

    declarations = load_declarations(tmp_path)

    assert list(declarations.accounts) == ["account.acme", "account.globex"]
    assert declarations.files == ["a.yaml", "sub/b.yml"]
    acme = declarations.accounts["account.acme"]
    assert acme.key == "acme" and acme.address == "account.acme"
    assert list(acme.fields) == [
        "$name", "$website", "$industry", "$primaryAddress", "tier", "renewalDate", "founded", "icp-score", "active",
    ]
    assert acme.fields["$primaryAddress"] == {"city": "Oslo", "country": "NO"}  # YAML 1.2: NO is text
    assert type(acme.fields["$primaryAddress"]) is dict and type(acme.fields["$website"]) is list
    assert acme.fields["renewalDate"] == "2026-01-31T09:00:00+01:00"
    assert acme.fields["founded"] == "2001-05-04"
    assert acme.fields["icp-score"] == 7.5 and acme.fields["active"] is True
    assert acme.relationships == {
        "$owner": "mem_cm1abc123def456",
        "parentAccount": "account.globex",
        "$contact": ["con_1", "account.globex", "con_2"],
    }
    assert acme.skip_enrichment is True
    assert declarations.accounts["account.globex"].skip_enrichment is None
    assert declarations.accounts["account.globex"].relationships == {"$contact": []}


def test_remembers_where_accounts_fields_and_relationships_are(tmp_path):
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GLOBEX)

    acme = load_declarations(tmp_path).accounts["account.acme"]

    assert acme.location == SourceLocation("a.yaml", 2, 3)
    assert acme.field_location("$name") == SourceLocation("a.yaml", 4, 7)
    assert acme.field_location("tier") == SourceLocation("a.yaml", 8, 7)
    assert acme.relationship_location("parentAccount") == SourceLocation("a.yaml", 15, 7)


def test_references_are_in_order_without_repeats(tmp_path):
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GLOBEX)

    acme = load_declarations(tmp_path).accounts["account.acme"]

    assert acme.references() == ["account.globex"]


def test_declarations_are_frozen(tmp_path):
    write(tmp_path, "b.yaml", GLOBEX)
    globex = load_declarations(tmp_path).accounts["account.globex"]
    with pytest.raises(Exception):
        globex.key = "other"
    assert isinstance(globex, AccountDeclaration)


@pytest.mark.parametrize("text", ["", "# nothing declared yet\n", "accounts:\n", "accounts: {}\n"])
def test_empty_files_declare_no_accounts(tmp_path, text):
    write(tmp_path, "a.yaml", text)
    declarations = load_declarations(tmp_path)
    assert declarations.accounts == {} and declarations.files == ["a.yaml"]


def test_digest_is_stable_and_follows_content_and_names(tmp_path):
    path = write(tmp_path, "b.yaml", GLOBEX)
    first = load_declarations(tmp_path).digest
    assert load_declarations(tmp_path).digest == first and len(first) == 64

    path.write_text(GLOBEX.replace("Globex", "Globex Inc"), encoding="utf-8")
    changed = load_declarations(tmp_path).digest
    assert changed != first

    path.rename(tmp_path / "c.yaml")
    assert load_declarations(tmp_path).digest != changed


def test_explicit_file_list_is_used_as_given(tmp_path):
    write(tmp_path, "a.yaml", "accounts: {a: {fields: {$name: A}}}\n")
    b = write(tmp_path, "b.yaml", "accounts: {b: {fields: {$name: B}}}\n")
    declarations = load_declarations(tmp_path, files=[b])
    assert list(declarations.accounts) == ["account.b"]


def test_finds_yaml_files_but_not_settings_hidden_folders_or_state(tmp_path):
    for name in [
        "lfsync.yaml", "a.yaml", "b.yml", "notes.txt", "sub/c.yaml", "sub/lfsync.yaml",
        ".hidden/d.yaml", "sub/.cache/e.yaml", ".f.yaml", "state/default.yaml", "custom-state/x.yaml",
    ]:
        write(tmp_path, name, "accounts:\n")

    assert find_declaration_files(tmp_path, tmp_path / "state") == [
        tmp_path / name for name in ["a.yaml", "b.yml", "custom-state/x.yaml", "sub/c.yaml", "sub/lfsync.yaml"]
    ]
    found = find_declaration_files(tmp_path, Path("custom-state"))
    assert tmp_path / "custom-state/x.yaml" not in found and tmp_path / "state/default.yaml" in found


def test_load_skips_the_given_state_dir_and_defaults_to_state(tmp_path):
    write(tmp_path, "a.yaml", "accounts: {a: {fields: {$name: A}}}\n")
    write(tmp_path, "state/broken.yaml", "accounts: [")
    assert list(load_declarations(tmp_path).accounts) == ["account.a"]

    write(tmp_path, "other/ignored.yaml", "accounts: [")
    with pytest.raises(DeclarationError, match="state/broken.yaml:1:12"):
        load_declarations(tmp_path, state_dir=tmp_path / "other")  # state/ is now an ordinary folder


def test_lightfield_ids_and_references():
    assert is_lightfield_id("mem_cm1abc123def456") and is_lightfield_id("acc_X1")
    assert not any(is_lightfield_id(v) for v in ["account.acme", "mem_", "Mem_x", "mem-x", "mem_x y", 5, None])
    assert is_reference("account.acme") and is_reference("account.a_b-2")
    assert not any(is_reference(v) for v in ["account.", "account.Acme", "meeting.bob", "acc_1", "account.-x", 1])


# --- YAML-level rejections -----------------------------------------------------------


def test_syntax_error_names_file_line_and_column(tmp_path):
    write(tmp_path, "a.yaml", "accounts:\n  acme:\n    fields: {$name: Acme\n")
    message = assert_problem(tmp_path, "a.yaml:4:1", "invalid YAML")
    assert "a.yaml:3:13" in message  # where the unclosed flow mapping starts


def test_tab_indentation_is_a_syntax_error(tmp_path):
    write(tmp_path, "a.yaml", "accounts:\n\tacme: {}\n")
    assert_problem(tmp_path, "a.yaml:2:1", "invalid YAML", "'\\t'")


def test_duplicate_field_key_names_both_places(tmp_path):
    write(tmp_path, "a.yaml", """\
        accounts:
          acme:
            fields:
              $name: Acme
              tier: gold
              tier: silver
        """)
    assert_problem(tmp_path, "a.yaml:6:7", "duplicate key 'tier'", "a.yaml:5:7")


def test_same_address_twice_in_one_file_names_both_places(tmp_path):
    write(tmp_path, "a.yaml", """\
        accounts:
          acme:
            fields: {$name: Acme}
          globex:
            fields: {$name: Globex}
          acme:
            fields: {$name: Acme again}
        """)
    assert_problem(tmp_path, "a.yaml:6:3", "account.acme is declared twice: a.yaml:2:3 and a.yaml:6:3")


def test_other_problems_are_still_found_in_a_file_with_duplicates(tmp_path):
    write(tmp_path, "a.yaml", """\
        accounts:
          acme:
            fields: {$name: Acme}
            skip_enrichment: maybe
          acme:
            fields: {$name: Acme}
        """)
    problems = load_problems(tmp_path)
    assert [where for where, _ in problems] == ["a.yaml:4:22", "a.yaml:5:3"]


def test_same_address_in_two_files_names_both_places(tmp_path):
    write(tmp_path, "a.yaml", "accounts:\n  acme:\n    fields: {$name: Acme}\n")
    write(tmp_path, "b.yaml", "# second\naccounts:\n  globex: {fields: {$name: G}}\n  acme:\n    fields: {$name: Acme}\n")
    assert_problem(tmp_path, "b.yaml:4:3", "account.acme is declared twice: a.yaml:2:3 and b.yaml:4:3")


def test_invalid_utf8_is_reported_with_its_position(tmp_path):
    (tmp_path / "a.yaml").write_bytes(b"accounts:\n  acme:\n    fields: {$name: \xff}\n")
    assert_problem(tmp_path, "a.yaml:3:21", "not valid UTF-8")


def test_unsupported_tag_in_a_field_value(tmp_path):
    write(tmp_path, "a.yaml", "accounts:\n  acme:\n    fields:\n      $name: Acme\n      tier: !gold yes\n")
    assert_problem(tmp_path, "a.yaml:5:13", "fields.tier of account.acme", "!gold")


# --- structure ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "found"),
    [
        ("- acme\n- globex\n", "a.yaml:1:1", "found a list"),
        ("just text\n", "a.yaml:1:1", "found the string 'just text'"),
    ],
)
def test_top_level_must_be_a_mapping(tmp_path, text, where, found):
    write(tmp_path, "a.yaml", text)
    assert_problem(tmp_path, where, "expected a mapping with a single key 'accounts'", found)


def test_unknown_top_level_key_suggests_accounts(tmp_path):
    write(tmp_path, "a.yaml", "# comment\nacounts:\n  acme: {fields: {$name: A}}\n")
    assert_problem(tmp_path, "a.yaml:2:1", "unknown top-level key 'acounts'", "did you mean 'accounts'?")


def test_accounts_must_be_a_mapping(tmp_path):
    write(tmp_path, "a.yaml", "accounts:\n  - acme\n")
    assert_problem(tmp_path, "a.yaml:2:3", "'accounts' must be a mapping", "found a list")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("Acme", "invalid account key 'Acme'"),
        ("-acme", "invalid account key '-acme'"),
        ("acme corp", "for example 'acme-corp'"),
        ("123", "found the number 123"),
        ("true", "found the boolean true"),
    ],
)
def test_bad_address_keys(tmp_path, key, expected):
    write(tmp_path, "a.yaml", f"accounts:\n  ok: {{fields: {{$name: OK}}}}\n  {key}:\n    fields: {{$name: X}}\n")
    assert_problem(tmp_path, "a.yaml:3:3", expected)


def test_digit_address_keys_are_fine_when_quoted(tmp_path):
    write(tmp_path, "a.yaml", "accounts:\n  '123':\n    fields: {$name: X}\n  3m-co:\n    fields: {$name: 3M}\n")
    assert list(load_declarations(tmp_path).accounts) == ["account.123", "account.3m-co"]


def test_account_must_be_a_mapping(tmp_path):
    write(tmp_path, "a.yaml", "accounts:\n  acme: Acme Corp\n  globex:\n")
    problems = load_problems(tmp_path)
    assert ("a.yaml:2:9", "account.acme must be a mapping with 'fields' (and optionally 'relationships' and "
            "'skip_enrichment'), found the string 'Acme Corp'") in problems
    assert any(where == "a.yaml:3:3" and "found nothing (null)" in message for where, message in problems)


def test_unknown_account_key_suggests_the_closest(tmp_path):
    write(tmp_path, "a.yaml", """\
        accounts:
          acme:
            fields: {$name: Acme}
            relationship:
              $owner: mem_1
        """)
    assert_problem(tmp_path, "a.yaml:4:5", "unknown key 'relationship' in account.acme", "did you mean 'relationships'?")


def test_fields_are_required(tmp_path):
    write(tmp_path, "a.yaml", "accounts:\n  acme:\n    skip_enrichment: true\n")
    assert_problem(tmp_path, "a.yaml:2:3", "account.acme has no 'fields'")


def test_fields_must_be_a_mapping(tmp_path):
    write(tmp_path, "a.yaml", "accounts:\n  acme:\n    fields: [Acme]\n")
    assert_problem(tmp_path, "a.yaml:3:13", "'fields' of account.acme must be a mapping", "found a list")


def test_name_is_required(tmp_path):
    write(tmp_path, "a.yaml", "accounts:\n  acme:\n    fields:\n      tier: gold\n")
    assert_problem(tmp_path, "a.yaml:3:5", "account.acme has no $name")


@pytest.mark.parametrize(
    ("value", "column", "found"),
    [("''", 14, "found the string ''"), ("'   '", 14, "found the string '   '"), ("42", 14, "found the number 42"),
     ("", 7, "found nothing (null)"), ("[Acme]", 14, "found a list")],
)
def test_name_must_be_non_empty_text(tmp_path, value, column, found):
    write(tmp_path, "a.yaml", f"accounts:\n  acme:\n    fields:\n      $name: {value}\n")
    assert_problem(tmp_path, f"a.yaml:4:{column}", "$name of account.acme must be non-empty text", found)


@pytest.mark.parametrize(("key", "found"), [("1", "the number 1"), ("null", "nothing (null)"), ("yes", None)])
def test_field_keys_must_be_text(tmp_path, key, found):
    write(tmp_path, "a.yaml", f"accounts:\n  acme:\n    fields:\n      $name: A\n      {key}: x\n")
    if found is None:  # YAML 1.2: yes is text, so a valid custom field slug
        assert load_declarations(tmp_path).accounts["account.acme"].fields["yes"] == "x"
    else:
        assert_problem(tmp_path, "a.yaml:5:7", "field keys must be text", found)


@pytest.mark.parametrize("field", ["$howTheyMakeMoney", "$accountStatus"])
def test_read_only_fields_are_rejected(tmp_path, field):
    write(tmp_path, "a.yaml", f"accounts:\n  acme:\n    fields:\n      $name: A\n      {field}: x\n")
    assert_problem(tmp_path, "a.yaml:5:7", f"{field} is read-only")


@pytest.mark.parametrize("relationship", ["$opportunity", "$task", "$note", "$meeting"])
def test_read_only_relationships_are_rejected(tmp_path, relationship):
    write(tmp_path, "a.yaml", f"accounts:\n  acme:\n    fields: {{$name: A}}\n    relationships:\n      {relationship}: opp_1\n")
    assert_problem(tmp_path, "a.yaml:5:7", f"relationship {relationship} is read-only")


@pytest.mark.parametrize(
    ("value", "found"), [("yes", "the string 'yes'"), ("1", "the number 1"), ("''", "the string ''")]
)
def test_skip_enrichment_must_be_a_boolean(tmp_path, value, found):
    write(tmp_path, "a.yaml", f"accounts:\n  acme:\n    fields: {{$name: A}}\n    skip_enrichment: {value}\n")
    assert_problem(tmp_path, "a.yaml:4:22", "skip_enrichment of account.acme must be true or false", found)


@pytest.mark.parametrize(
    ("value", "where", "found"),
    [
        ("Alice", "a.yaml:5:15", "found the string 'Alice'"),
        ("12", "a.yaml:5:15", "found the number 12"),
        ("account.Acme", "a.yaml:5:15", "found the string 'account.Acme'"),
        ("[mem_1, 'bad id']", "a.yaml:5:23", "found the string 'bad id'"),
        ("", "a.yaml:5:7", "use [] for none"),
        ("{id: mem_1}", "a.yaml:5:15", "found a mapping"),
    ],
)
def test_relationship_values_must_be_ids_or_references(tmp_path, value, where, found):
    write(tmp_path, "a.yaml", f"accounts:\n  acme:\n    fields: {{$name: A}}\n    relationships:\n      $owner: {value}\n")
    assert_problem(tmp_path, where, "relationships.$owner of account.acme", found, "expected a Lightfield ID")


def test_relationships_must_be_a_mapping(tmp_path):
    write(tmp_path, "a.yaml", "accounts:\n  acme:\n    fields: {$name: A}\n    relationships: [mem_1]\n")
    assert_problem(tmp_path, "a.yaml:4:20", "'relationships' of account.acme must be a mapping")


def test_block_list_items_are_located_one_by_one(tmp_path):
    write(tmp_path, "a.yaml", """\
        accounts:
          acme:
            fields: {$name: A}
            relationships:
              $contact:
                - con_1
                - not an id
        """)
    assert_problem(tmp_path, "a.yaml:7:11", "found the string 'not an id'")


def test_reference_to_an_undeclared_account(tmp_path):
    write(tmp_path, "a.yaml", """\
        accounts:
          acme:
            fields: {$name: A}
            relationships:
              parentAccount: account.globx
          globex:
            fields: {$name: G}
        """)
    assert_problem(
        tmp_path, "a.yaml:5:22", "relationships.parentAccount of account.acme refers to account.globx",
        "not declared in any file", "did you mean account.globex?",
    )


def test_reference_to_an_account_in_another_file_is_fine(tmp_path):
    write(tmp_path, "a.yaml", "accounts:\n  acme:\n    fields: {$name: A}\n    relationships: {parentAccount: account.globex}\n")
    write(tmp_path, "z/b.yaml", GLOBEX)
    assert load_declarations(tmp_path).accounts["account.acme"].references() == ["account.globex"]


def test_reference_to_an_invalid_account_does_not_pile_up_errors(tmp_path):
    write(tmp_path, "a.yaml", "accounts:\n  acme:\n    fields: {$name: A}\n    relationships: {p: account.globex}\n")
    write(tmp_path, "b.yaml", "accounts:\n  globex:\n    fields: {}\n")
    assert [where for where, _ in load_problems(tmp_path)] == ["b.yaml:3:5"]


def test_account_referring_to_itself(tmp_path):
    write(tmp_path, "a.yaml", """\
        accounts:
          acme:
            fields: {$name: A}
            relationships:
              parentAccount: [acc_1, account.acme]
        """)
    assert_problem(tmp_path, "a.yaml:5:30", "account.acme refers to itself in relationships.parentAccount")


def test_all_problems_of_all_files_are_reported_together(tmp_path):
    write(tmp_path, "a.yaml", "accounts:\n  Bad: {fields: {$name: A}}\n  acme:\n    fields: {tier: x}\n")
    write(tmp_path, "b.yaml", "accounts: [\n")
    write(tmp_path, "c.yaml", "accounts:\n  c:\n    fields: {$name: C}\n    skip_enrichment: 0\n")
    with pytest.raises(DeclarationError) as caught:
        load_declarations(tmp_path)
    rendered = str(caught.value).splitlines()
    assert [line.split(": ", 1)[0] for line in rendered] == ["a.yaml:2:3", "a.yaml:4:5", "b.yaml:2:1", "c.yaml:4:22"]


# --- yamlio helpers ------------------------------------------------------------------


def test_load_yaml_file_and_locations(tmp_path):
    path = write(tmp_path, "lfsync.yaml", "target: local\nworkspace:\n  - a\n  - b\n")
    document = load_yaml_file(path)
    assert location("lfsync.yaml", document, key="workspace") == SourceLocation("lfsync.yaml", 2, 1)
    assert value_location("lfsync.yaml", document, "target") == SourceLocation("lfsync.yaml", 1, 9)
    assert location("lfsync.yaml", document["workspace"], index=1) == SourceLocation("lfsync.yaml", 4, 5)
    assert location("lfsync.yaml", document["workspace"]) == SourceLocation("lfsync.yaml", 3, 3)
    assert load_yaml_file(write(tmp_path, "empty.yaml", "# only a comment\n")) is None


def test_load_yaml_file_reports_errors_with_the_display_path(tmp_path):
    path = write(tmp_path, "lfsync.yaml", "target: local\ntarget: other\n")
    with pytest.raises(DeclarationError) as caught:
        load_yaml_file(path)
    assert str(caught.value) == "lfsync.yaml:2:1: duplicate key 'target': it is already defined at lfsync.yaml:1:1"


def test_to_plain_gives_builtin_types(tmp_path):
    path = write(tmp_path, "x.yaml", """\
        map: {a: 1, b: [x, 2.5, true, null]}
        octal: 0o17
        anchored: &flag true
        alias: *flag
        day: 2026-03-01
        moment: 2026-03-01T10:00:00Z
        naive: 2026-03-01 10:00:00
        no: NO
        """)
    plain = to_plain(load_yaml_file(path))
    assert plain == {
        "map": {"a": 1, "b": ["x", 2.5, True, None]},
        "octal": 15,
        "anchored": True,
        "alias": True,
        "day": "2026-03-01",
        "moment": "2026-03-01T10:00:00+00:00",
        "naive": "2026-03-01T10:00:00",
        "no": "NO",
    }
    assert type(plain["anchored"]) is bool and type(plain["octal"]) is int and type(plain["map"]["b"][1]) is float


def test_a_declaration_error_renders_its_problems_in_file_order_with_their_hints():
    error = DeclarationError(
        [
            Problem("no place", None),
            Problem("second", SourceLocation("a.yaml", 7, 1), hint="did you mean 'x'?"),
            (SourceLocation("a.yaml", 2, 5), "a pair, as the settings reader passes it"),
        ]
    )
    assert str(error) == (
        "a.yaml:2:5: a pair, as the settings reader passes it\n"
        "a.yaml:7:1: second (did you mean 'x'?)\n"
        "no place"
    )
    assert all(isinstance(problem, Problem) for problem in error.problems)
