"""`lfsync fmt`: canonical layout, comments kept, idempotent, meaning unchanged."""

from __future__ import annotations

import textwrap

import pytest

from lfsync.declare.declarations import load_declarations
from lfsync.declare.fmt import format_files, format_text
from lfsync.errors import DeclarationError


@pytest.fixture(autouse=True)
def in_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def dedent(text: str) -> str:
    return textwrap.dedent(text)


CANONICAL = dedent("""\
    # yaml-language-server: $schema=./lfsync.schema.json
    accounts:
      acme:                 # the address key
        fields:
          $name: Acme Corp
          $website: [https://acme.com]
          $primaryAddress: {city: Oslo, country: 'NO'}
          tier: enterprise
        relationships:
          $owner: mem_cm1abc123def456
          $contact:
            - con_1
            - con_2
        skip_enrichment: true

      # Globex is the parent company
      globex:
        fields:
          $name: Globex
    """)

MESSY = dedent("""\
    # yaml-language-server: $schema=./lfsync.schema.json
    accounts:
        acme:
            skip_enrichment: true   # bulk load
            relationships:
                parentAccount: account.globex
                $contact:
                - con_1
                - con_2
            # the fields come first
            fields:
                $name: "Acme Corp"
                country: "NO"
                on: yes
                zip: '0150'
                renewal: 2026-03-01T09:00:00Z
                notes: |
                    two
                    lines
                long: "a long value that goes on and on and on and on and on and on and on and on and on and on"
        # Globex is the parent company
        globex:
            fields: {$name: Globex, tier: 'SMB'}
    """)

SAMPLES = [
    CANONICAL,
    MESSY,
    "accounts:\n",
    "",
    "# only a comment\n",
    "accounts: {a: {fields: {$name: A}}}\n",
    "- not\n-   a: 1   # valid\n    declaration: [1]\n",
    "accounts:\n    base: &b\n        fields: {$name: B}\n    other:\n        <<: *b\n        skip_enrichment: true\n",
    "accounts:\n  a:\n    fields:\n      $name: A\n      list:\n      - x: 1\n        y: 2   # yy\n      - - n1\n        - n2\n",
]


def test_canonical_text_is_left_as_it_is():
    assert format_text(CANONICAL) == CANONICAL


def test_messy_text_is_made_canonical():
    assert format_text(MESSY) == dedent("""\
        # yaml-language-server: $schema=./lfsync.schema.json
        accounts:
          acme:
            # the fields come first
            fields:
              $name: "Acme Corp"
              country: "NO"
              on: yes
              zip: '0150'
              renewal: 2026-03-01T09:00:00Z
              notes: |
                two
                lines
              long: "a long value that goes on and on and on and on and on and on and on and on and on and on"
            relationships:
              parentAccount: account.globex
              $contact:
                - con_1
                - con_2
            skip_enrichment: true   # bulk load
          # Globex is the parent company
          globex:
            fields: {$name: Globex, tier: 'SMB'}
        """)


@pytest.mark.parametrize("sample", SAMPLES)
def test_formatting_is_idempotent(sample):
    once = format_text(sample)
    assert format_text(once) == once


def test_formatting_keeps_the_meaning(tmp_path):
    (tmp_path / "globex.yaml").write_text("accounts:\n  globex2:\n    fields: {$name: G}\n", encoding="utf-8")
    before_path = tmp_path / "a.yaml"
    before_path.write_text(MESSY, encoding="utf-8")
    before = load_declarations(tmp_path).accounts
    before_path.write_text(format_text(MESSY), encoding="utf-8")
    after = load_declarations(tmp_path).accounts
    for address in before:
        assert after[address].fields == before[address].fields
        assert list(after[address].fields) == list(before[address].fields)
        assert after[address].relationships == before[address].relationships
        assert after[address].skip_enrichment == before[address].skip_enrichment


@pytest.mark.parametrize(
    "scalar", ['"NO"', "'NO'", "NO", '"5000+"', "5000+", "'0150'", '"Acme"', "Acme", "'yes'", "on", '"mem_1"']
)
def test_scalars_keep_the_quoting_they_were_written_with(scalar):
    text = f"accounts:\n  a:\n    fields:\n      $name: {scalar}\n      x: [{scalar}]\n      y: {{z: {scalar}}}\n"
    assert format_text(text) == text


def test_keys_keep_their_quoting():
    for text in ("accounts:\n  no:\n    fields: {$name: No Inc}\n", "accounts:\n  'no':\n    fields: {'$name': No Inc}\n"):
        assert format_text(text) == text


def test_comments_follow_their_lines_when_the_indentation_changes():
    text = dedent("""\
        # top
        accounts:
            # lead acme
            acme:   # the acme
                # first in acme
                fields:
                    $name: A   # eol name
                    # between fields
                    list:
                    - a   # eol a
                    # between items
                    - b
                # after fields
                relationships: {}
        # end
        """)
    assert format_text(text) == dedent("""\
        # top
        accounts:
          # lead acme
          acme:   # the acme
            # first in acme
            fields:
              $name: A   # eol name
              # between fields
              list:
                - a   # eol a
                # between items
                - b
            # after fields
            relationships: {}
        # end
        """)


def test_unknown_account_keys_go_after_the_known_ones():
    text = format_text("accounts:\n  a:\n    extra: 1\n    skip_enrichment: false\n    fields: {$name: A}\n")
    assert text == "accounts:\n  a:\n    fields: {$name: A}\n    skip_enrichment: false\n    extra: 1\n"


def test_blank_and_comment_only_files():
    assert format_text("") == ""
    assert format_text("\n\n") == ""
    assert format_text("# later   \n\n\n") == "# later\n"


def test_invalid_yaml_is_a_declaration_error_with_location():
    with pytest.raises(DeclarationError) as caught:
        format_text("accounts:\n  a: [1, 2\n", "a.yaml")
    assert str(caught.value).startswith("a.yaml:3:1: invalid YAML")


def test_duplicate_keys_are_a_declaration_error():
    with pytest.raises(DeclarationError, match="a.yaml:3:3: duplicate key 'a'"):
        format_text("accounts:\n  a: {}\n  a: {}\n", "a.yaml")


def test_format_files_check_reports_without_writing(tmp_path):
    tidy = tmp_path / "tidy.yaml"
    tidy.write_text(CANONICAL, encoding="utf-8")
    messy = tmp_path / "messy.yaml"
    messy.write_text(MESSY, encoding="utf-8")

    assert format_files([tidy, messy], check=True) == [messy]
    assert messy.read_text(encoding="utf-8") == MESSY


def test_format_files_rewrites_changed_files(tmp_path):
    tidy = tmp_path / "tidy.yaml"
    tidy.write_text(CANONICAL, encoding="utf-8")
    messy = tmp_path / "messy.yaml"
    messy.write_text(MESSY, encoding="utf-8")
    messy.chmod(0o640)

    assert format_files([tidy, messy], check=False) == [messy]
    assert messy.read_text(encoding="utf-8") == format_text(MESSY)
    assert messy.stat().st_mode & 0o777 == 0o640
    assert format_files([tidy, messy], check=True) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["messy.yaml", "tidy.yaml"]


def test_format_files_writes_nothing_when_any_file_is_invalid(tmp_path):
    messy = tmp_path / "messy.yaml"
    messy.write_text(MESSY, encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("accounts: [\n", encoding="utf-8")

    with pytest.raises(DeclarationError, match="broken.yaml:2:1"):
        format_files([messy, broken], check=False)
    assert messy.read_text(encoding="utf-8") == MESSY


def test_init_output_and_the_examples_are_already_formatted(cli, tmp_path, repo_root):
    assert cli("init", tmp_path / "fresh").exit_code == 0
    for project in (tmp_path / "fresh", repo_root / "examples"):
        result = cli("fmt", "--check", project)
        assert (result.exit_code, result.stdout) == (0, "")


def test_check_prints_a_unified_diff_and_changes_nothing(cli, tmp_path):
    messy = tmp_path / "messy.yaml"
    messy.write_text(MESSY, encoding="utf-8")
    result = cli("fmt", "--check", tmp_path)
    assert result.exit_code == 1
    assert "--- messy.yaml (now)\n+++ messy.yaml (formatted)\n@@ " in result.stdout
    assert "-        skip_enrichment: true   # bulk load\n" in result.stdout
    assert "+    skip_enrichment: true   # bulk load\n" in result.stdout
    assert result.stdout.endswith("1 file(s) would be reformatted; run `lfsync fmt`.\n")
    assert messy.read_text(encoding="utf-8") == MESSY
    assert cli("fmt", tmp_path).exit_code == 0
    assert cli("fmt", "--check", tmp_path).exit_code == 0
