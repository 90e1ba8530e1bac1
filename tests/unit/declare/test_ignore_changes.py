"""`ignore_changes:` as the readers take it: YAML beside `fields:`, a CSV column, through the parse
cache; each malformed value refused at its file:line:col. Whether the keys exist is checked later,
against definitions (tests/unit/values/test_ignored_names.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lfsync.declare.declarations import load_declarations
from lfsync.declare.ignorechanges import IgnoreChanges
from lfsync.declare.parsecache import ParseCache, Uncached, loader_identity
from lfsync.errors import DeclarationError, render_problem


@pytest.fixture(autouse=True)
def in_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    loader_identity.cache_clear()
    yield
    loader_identity.cache_clear()


def write(root: Path, name: str, text: str) -> None:
    (root / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def problems_of(root: Path) -> list[str]:
    with pytest.raises(DeclarationError) as caught:
        load_declarations(root, cache=Uncached())
    return [render_problem(problem) for problem in caught.value.problems]


YAML = """
accounts:
  acme:
    fields: {$name: Acme, tier: smb}
    relationships: {$owner: mem_cadalovelace000000000}
    ignore_changes: [tier, $owner, tier]
  globex:
    fields: {$name: Globex}
    ignore_changes: all
  initech:
    fields: {$name: Initech}
"""


def test_yaml_names_keys_or_all_each_with_where_it_is_written(tmp_path):
    write(tmp_path, "a.yaml", YAML)
    accounts = load_declarations(tmp_path, cache=Uncached()).accounts
    acme, globex, initech = (accounts[f"account.{key}"] for key in ("acme", "globex", "initech"))
    assert acme.ignore_changes == IgnoreChanges(frozenset({"tier", "$owner"}))
    assert acme.ignored_places == {"tier": (5, 22), "$owner": (5, 28)}  # a key named twice: its first place
    assert globex.ignore_changes == IgnoreChanges(everything=True) and globex.ignored_places == {}
    assert not initech.ignore_changes


def test_the_parse_cache_gives_back_the_same_rules(tmp_path):
    write(tmp_path, "a.yaml", YAML)
    cache = ParseCache.for_project(tmp_path)
    first = load_declarations(tmp_path, cache=cache)
    again = ParseCache.for_project(tmp_path)
    second = load_declarations(tmp_path, cache=again)
    assert again.hits and second == first == load_declarations(tmp_path, cache=Uncached())


@pytest.mark.parametrize(
    "value, expected",
    [
        ("tier", "a.yaml:4:21: ignore_changes of account.acme must be a list of field and relationship keys, "
                 "like [tier, $owner], or `all` (create-only), found the string 'tier'"),
        ("{tier: true}", "a.yaml:4:21: ignore_changes of account.acme must be a list of field and relationship "
                         "keys, like [tier, $owner], or `all` (create-only), found a mapping"),
        ("[tier, all]", "a.yaml:4:28: ignore_changes of account.acme: `all` stands alone (`ignore_changes: all`), "
                        "not in a list"),
        ("[tier, 5]", "a.yaml:4:28: ignore_changes of account.acme: each item names a field or relationship key, "
                      "like tier or $owner; found the number 5"),
    ],
)
def test_a_malformed_value_is_refused_where_it_is_written(tmp_path, value, expected):
    write(tmp_path, "a.yaml", f"accounts:\n  acme:\n    fields: {{$name: Acme}}\n    ignore_changes: {value}\n")
    assert problems_of(tmp_path) == [expected]


def test_a_misspelt_ignore_changes_key_is_an_unknown_account_key_with_a_suggestion(tmp_path):
    write(tmp_path, "a.yaml", "accounts:\n  acme:\n    fields: {$name: Acme}\n    ignore_change: [tier]\n")
    assert problems_of(tmp_path) == [
        "a.yaml:4:5: unknown key 'ignore_change' in account.acme; allowed: fields, relationships, skip_enrichment, "
        "protect, ignore_changes (did you mean 'ignore_changes'?)"
    ]


def test_a_csv_column_holds_keys_separated_by_semicolons_or_all(tmp_path):
    write(tmp_path, "a.csv", """
        key,$name,tier,ignore_changes
        acme,Acme,smb,tier;$owner
        globex,Globex,,all
        initech,Initech,,
    """)
    accounts = load_declarations(tmp_path, cache=Uncached()).accounts
    acme = accounts["account.acme"]
    assert acme.ignore_changes == IgnoreChanges(frozenset({"tier", "$owner"}))
    assert acme.ignored_places == {"tier": (2, 15), "$owner": (2, 15)}  # the cell's place
    assert "ignore_changes" not in acme.fields
    assert accounts["account.globex"].ignore_changes == IgnoreChanges(everything=True)
    assert not accounts["account.initech"].ignore_changes


def test_a_csv_cell_naming_all_among_keys_is_refused_at_the_cell(tmp_path):
    write(tmp_path, "a.csv", "key,$name,ignore_changes\nacme,Acme,tier;all\n")
    assert problems_of(tmp_path) == [
        "a.csv:2:11: ignore_changes of account.acme: `all` stands alone (`ignore_changes: all`), not in a list"
    ]
