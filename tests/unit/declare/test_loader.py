"""The libyaml loader: YAML 1.2 core scalars, the position index, limits on hostile input,
and equality with the ruamel.yaml path on the examples and a generated corpus."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lfsync.config.project import load_project
from lfsync.config.yamlio import load_yaml_text, location, to_plain, value_location
from lfsync.declare.declarations import load_declarations
from lfsync.declare.discovery import find_declaration_files
from lfsync.declare.parsecache import parse_bytes
from lfsync.declare.yamldocument import LoadedFile
from lfsync.declare.yamlload import (
    HAVE_LIBYAML,
    LoaderSettings,
    parse_text,
    read_declaration_bytes,
)
from lfsync.declare.yamlscalars import ScalarProblem, resolve_plain
from lfsync.errors import DeclarationError, SourceLocation

import yaml_corpus

REPO = Path(__file__).resolve().parents[3]
DATA = Path(__file__).resolve().parents[2] / "data" / "loader"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # display paths relative to the project
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))


def problems_of(project: Path, **kwargs) -> list[str]:
    with pytest.raises(DeclarationError) as caught:
        load_declarations(project, **kwargs)
    return str(caught.value).splitlines()


def test_the_c_parser_is_in_use():
    assert HAVE_LIBYAML


# --- scalars -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("NO", "NO"), ("yes", "yes"), ("on", "on"), ("Off", "Off"), ("y", "y"),
        ("true", True), ("False", False), ("TRUE", True), ("tRue", "tRue"),
        ("null", None), ("~", None), ("", None), ("NULL", None), ("nUll", "nUll"),
        ("42", 42), ("-7", -7), ("+3", 3), ("007", 7), ("0o17", 15), ("0x1F", 31), ("0x1f", 31),
        ("3.25", 3.25), ("1e3", 1000.0), (".5", 0.5), ("5.", 5.0), ("-0.5", -0.5),
        # YAML 1.2 core, where ruamel.yaml was lenient: these are text.
        ("1_000", "1_000"), ("0b101", "0b101"), ("-0x1f", "-0x1f"), ("0X1F", "0X1F"), ("12:30:00", "12:30:00"),
        # Timestamps keep the ISO 8601 spelling ruamel.yaml gave them.
        ("2026-03-01", "2026-03-01"), ("2026-03-01T10:00:00Z", "2026-03-01T10:00:00+00:00"),
        ("2026-03-01 10:00:00", "2026-03-01T10:00:00"), ("2026-03-01t1:00:00.1234567 +01", "2026-03-01T01:00:00.123457+01:00"),
        ("2026-03-01T10:00:00.9999999Z", "2026-03-01T10:00:01+00:00"), ("2026-02-30", "2026-02-30"), ("2026-3-1", "2026-3-1"),
        ("9007199254740993", 9007199254740993), ("-" + "9" * 100, -int("9" * 100)), ("0x" + "f" * 30, 16**30 - 1),
    ],
)
def test_plain_scalars_follow_the_yaml_1_2_core_schema(text, value):
    resolved = resolve_plain(text)
    assert resolved == value and type(resolved) is type(value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (".nan", "JSON has no NaN"), (".NaN", "JSON has no NaN"), (".inf", "JSON has no NaN"), ("-.Inf", "JSON has no NaN"),
        ("1e999", "too large"), ("1" * 101, "101 digits"), ("-" + "0" * 5 + "1" * 101, "101 digits"), ("0x" + "f" * 101, "101 digits"),
    ],
)
def test_numbers_json_cannot_carry_are_refused(text, fragment):
    with pytest.raises(ScalarProblem, match=fragment):
        resolve_plain(text)


def test_a_5000_digit_integer_is_refused_without_being_converted():
    # int() of more than 4300 digits raises ValueError in Python >= 3.11; the resolver never gets there.
    with pytest.raises(ScalarProblem, match="5,000 digits") as caught:
        resolve_plain("7" * 5000)
    assert len(str(caught.value)) < 200


def test_quoted_and_tagged_scalars():
    document = parse_text("a: '42'\nb: \"true\"\nc: !!str 12\ne: !!float 3\nf: !!int '7'\ng: !!null ''\n", "f")
    assert document.data == {"a": "42", "b": "true", "c": "12", "e": 3.0, "f": 7, "g": None}
    assert type(document.data["e"]) is float and not document.problems


# --- positions -----------------------------------------------------------------------------


def test_positions_of_keys_values_and_items_by_path():
    text = "# c\naccounts:\n  acme:\n    fields:\n      $name: Acme\n      list:\n        - a\n        - {x: 1}\n      flow: [p, q]\n"
    loaded = LoadedFile("a.yaml", parse_text(text, "a.yaml"))
    assert loaded.key_at(("accounts", "acme")) == SourceLocation("a.yaml", 3, 3)
    assert loaded.key_at(("accounts", "acme", "fields", "$name")) == SourceLocation("a.yaml", 5, 7)
    assert loaded.value_at(("accounts", "acme", "fields", "$name")) == SourceLocation("a.yaml", 5, 14)
    assert loaded.key_at(("accounts", "acme", "fields", "list", 1)) == SourceLocation("a.yaml", 8, 11)
    assert loaded.key_at(("accounts", "acme", "fields", "list", 1, "x")) == SourceLocation("a.yaml", 8, 12)
    assert loaded.value_at(("accounts", "acme", "fields", "flow", 1)) == SourceLocation("a.yaml", 9, 17)
    assert loaded.value_at(("accounts", "acme", "fields", "flow"), None) == SourceLocation("a.yaml", 9, 7)
    assert loaded.root_location() == SourceLocation("a.yaml", 2, 1)
    with pytest.raises(KeyError):
        loaded.key_at(("accounts", "missing"))


def test_merge_keys_are_merged_as_ruamel_did_and_located_at_the_merge():
    text = "base: &b {tier: gold, x: 1}\nmore: &m {y: 2, x: 3}\nv:\n  a: 0\n  <<: [*b, *m]\n  x: 5\n"
    document = parse_text(text, "f")
    assert document.data["v"] == {"a": 0, "x": 5, "tier": "gold", "y": 2}
    assert list(document.data["v"]) == ["a", "x", "tier", "y"]
    assert document.positions.key(("v", "tier")) == (5, 3)


def test_an_alias_never_shares_a_mutable_value_with_its_anchor():
    document = parse_text("a: &x {k: [1]}\nb: *x\n", "f")
    assert document.data["a"] == document.data["b"] and document.data["a"] is not document.data["b"]


# --- hostile and odd input -------------------------------------------------------------------


def test_bom_empty_and_comment_only_files_are_fine(tmp_path):
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbfaccounts:\n  a: {fields: {$name: A}}\n")
    (tmp_path / "empty.yaml").write_bytes(b"")
    (tmp_path / "comments.yaml").write_text("# nothing yet\n")
    declarations = load_declarations(tmp_path)
    assert list(declarations.accounts) == ["account.a"]
    assert declarations.accounts["account.a"].location == SourceLocation("bom.yaml", 2, 3)


def test_an_alias_bomb_is_refused_after_bounded_work():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]\n" for previous, name in zip("abcdefghi", "bcdefghij")
    )
    settings = LoaderSettings(max_alias_nodes=1000)
    with pytest.raises(DeclarationError, match=r"f:\d+:\d+: aliases .* more than 1,000 values"):
        parse_text(bomb, "f", settings)


def test_aliases_within_the_limit_are_expanded():
    text = "d: &d {tier: gold, n: 1}\n" + "".join(f"a{i}: *d\n" for i in range(10))
    assert parse_text(text, "f", LoaderSettings(max_alias_nodes=50)).data["a9"] == {"tier": "gold", "n": 1}
    with pytest.raises(DeclarationError, match="alias bomb"):
        parse_text(text, "f", LoaderSettings(max_alias_nodes=40))


@pytest.mark.parametrize("levels", [100, 10_000])
def test_deep_nesting_is_refused_without_recursion_error(levels):
    for text in ("a: " + "[" * levels + "]" * levels + "\n", "a:\n  " + "- " * levels + "x\n"):
        with pytest.raises(DeclarationError, match=r"f:\d+:\d+: .*nest"):
            parse_text(text, "f")


def test_the_file_size_limit(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("accounts:\n  a:\n    fields: {$name: '" + "x" * 2000 + "'}\n")
    with pytest.raises(DeclarationError, match="big.yaml:1:1: the file is larger than 1,000 bytes"):
        read_declaration_bytes(path, "big.yaml", tmp_path, LoaderSettings(max_file_bytes=1000))
    assert read_declaration_bytes(path, "big.yaml", tmp_path).startswith(b"accounts:")


def test_a_symlink_out_of_the_project_is_refused_without_showing_its_target(tmp_path):
    secret = tmp_path / "elsewhere" / "dotenv"
    secret.parent.mkdir()
    secret.write_text("LIGHTFIELD_API_KEY=sk_lf_canary_123\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "x.yaml").symlink_to(secret)
    (project / "ok.yaml").write_text("accounts: {a: {fields: {$name: A}}}\n")
    os.chdir(project)
    problems = problems_of(project)
    assert problems == [
        "x.yaml: the file resolves to a place outside the project (a symlink?); "
        "declaration files must live inside the project directory"
    ]
    assert "canary" not in problems[0] and "elsewhere" not in problems[0] and "dotenv" not in problems[0]


def test_a_symlink_inside_the_project_is_followed(tmp_path):
    (tmp_path / ".shared").mkdir()  # hidden folders are not searched for declarations themselves
    (tmp_path / ".shared" / "a.yml").write_text("accounts: {a: {fields: {$name: A}}}\n")
    (tmp_path / "link.yaml").symlink_to(tmp_path / ".shared" / "a.yml")
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    problems = problems_of(tmp_path)
    assert problems == ["loop.yaml: cannot read the file (a broken or looping link?)"]
    (tmp_path / "loop.yaml").unlink()
    declarations = load_declarations(tmp_path)
    assert list(declarations.accounts) == ["account.a"]


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    assert problems_of(tmp_path) == ["pipe.yaml: not a regular file"]


def test_messages_escape_control_characters_and_cut_long_values(tmp_path):
    (tmp_path / "a.yaml").write_text(
        'accounts:\n  acme:\n    fields: {$name: A}\n    "x\\e[2J": 1\n  b:\n    fields: {$name: ' + "y" * 500 + "}\n"
        "    skip_enrichment: \"\\e]0;title\\a" + "z" * 500 + '"\n'
    )
    rendered = "\n".join(problems_of(tmp_path))
    assert "\x1b" not in rendered and "\x07" not in rendered
    assert "'x\\x1b[2J'" in rendered and "\\x1b]0;title\\x07" in rendered
    assert max(len(line) for line in rendered.splitlines()) < 300


def expected_problems() -> dict[str, list[str]]:
    return json.loads((DATA / "expected_problems.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(expected_problems()))
def test_bad_input_files_give_exactly_their_messages(tmp_path, name):
    source = DATA / "invalid" / name
    (tmp_path / name).write_bytes(source.read_bytes())
    problems = problems_of(tmp_path)
    assert problems == expected_problems()[name]
    assert all(line.startswith(f"{name}:") for line in problems)
    assert not any("unexpected" in line or "Traceback" in line for line in problems)


def test_every_bad_input_file_has_an_expectation():
    assert sorted(path.name for path in (DATA / "invalid").iterdir()) == sorted(expected_problems())


# --- the two parse paths -----------------------------------------------------------------


def walk_paths(data, path: tuple = ()):
    """Every path in plain data (mapping keys and sequence indices), parents first."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield path + (key,)
            yield from walk_paths(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield path + (index,)
            yield from walk_paths(value, path + (index,))


def corpus_files(tmp_path: Path) -> list[tuple[Path, Path]]:
    """(project, file) for every example file and every file of the generated corpus."""
    corpus = tmp_path / "corpus"
    yaml_corpus.write_corpus(corpus)
    examples = sorted((REPO / "examples" / "accounts").glob("*.yaml"))
    return [(REPO / "examples", path) for path in examples] + [(corpus, path) for path in sorted(corpus.rglob("*.y*ml"))]


def test_libyaml_and_ruamel_give_the_same_data_and_positions(tmp_path):
    for _, path in corpus_files(tmp_path):
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
        fast = parse_bytes(data, path.name)
        ruamel = load_yaml_text(text, path.name)
        assert json.dumps(fast.data) == json.dumps(to_plain(ruamel)), path
        assert not fast.problems
        checked = 0
        for keys in walk_paths(fast.data):
            parent = ruamel
            for step in keys[:-1]:
                parent = parent[step]
            loaded = LoadedFile(path.name, fast)
            if isinstance(parent, dict):
                assert loaded.key_at(keys) == location(path.name, parent, key=keys[-1]), (path, keys)
                if parent[keys[-1]] is not None and not isinstance(parent[keys[-1]], (dict, list)):
                    assert loaded.value_at(keys) == value_location(path.name, parent, keys[-1]), (path, keys)
            elif isinstance(parent[keys[-1]], str):
                assert loaded.key_at(keys) == location(path.name, parent, index=keys[-1]), (path, keys)
            checked += 1
        assert checked > 0


def test_declarations_are_those_the_ruamel_path_made(tmp_path):
    """Recorded from lfsync at ec6e7ad (the ruamel.yaml node walk) over the examples and the corpus."""
    expected = json.loads((DATA / "expected_declarations.json").read_text(encoding="utf-8"))
    os.chdir(REPO / "examples")
    examples = load_project(REPO / "examples", env={})
    recorded = [  # the files the examples held when it was recorded (people.yaml came later)
        path for path in find_declaration_files(examples.root, examples.state_dir, examples.declaration_globs)
        if path.name != "people.yaml"
    ]
    got = {"examples": load_declarations(examples.root, files=recorded)}
    corpus = tmp_path / "corpus"
    yaml_corpus.write_corpus(corpus)
    os.chdir(corpus)
    got["corpus"] = load_declarations(corpus)
    for part, declarations in got.items():
        assert declarations.files == expected[part]["files"]
        assert list(declarations.accounts) == list(expected[part]["accounts"])
        for address, account in declarations.accounts.items():
            dumped = {
                "fields": account.fields, "relationships": account.relationships, "skip_enrichment": account.skip_enrichment,
                "location": str(account.location),
                "field_locations": {key: str(account.field_location(key)) for key in account.field_places},
                "relationship_locations": {key: str(account.relationship_location(key)) for key in account.relationship_places},
            }
            # Compared as JSON text: 5 and 5.0, True and 1 are told apart, and so is key order.
            assert json.dumps(dumped, ensure_ascii=False) == json.dumps(expected[part]["accounts"][address], ensure_ascii=False), address


def test_the_round_trip_path_refuses_deep_nesting_cleanly_too():
    with pytest.raises(DeclarationError, match="nested too deeply|nesting depth"):
        load_yaml_text("a: " + "[" * 1500 + "]" * 1500 + "\n", "f.yaml")


def test_plan_refuses_a_symlinked_secret_and_writes_nothing(make_project, cli, tmp_path):
    secret = tmp_path / "home" / "dotenv"
    secret.parent.mkdir()
    secret.write_text("LIGHTFIELD_API_KEY=sk_lf_canary_456\nSECOND=line\n")
    root = make_project({"accounts.yaml": "accounts: {a: {fields: {$name: A}}}\n"})
    (root / "x.yaml").symlink_to(secret)
    result = cli("plan", root)
    assert result.exit_code == 1
    assert "x.yaml: the file resolves to a place outside the project" in result.stderr
    assert "canary" not in result.stdout + result.stderr and "SECOND" not in result.stdout + result.stderr
    assert sorted(path.name for path in root.iterdir()) == ["accounts.yaml", "lfsync.yaml", "x.yaml"]


def test_fmt_refuses_a_symlink_out_of_the_project_and_leaves_it_alone(make_project, cli, tmp_path):
    secret = tmp_path / "home" / "env.yaml"
    secret.parent.mkdir()
    secret.write_text("SECRET_KEY:   sk_canary\n")
    root = make_project({"accounts.yaml": "accounts: {a: {fields: {$name: A}}}\n"})
    (root / "x.yaml").symlink_to(secret)
    result = cli("fmt", root)
    assert result.exit_code == 1 and "the file resolves to a place outside the project" in result.stderr
    assert "canary" not in result.stdout + result.stderr
    assert (root / "x.yaml").is_symlink() and secret.read_text() == "SECRET_KEY:   sk_canary\n"
