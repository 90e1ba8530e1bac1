"""Which files hold declarations (`declarations:` globs) and what `init` writes for editors."""

from __future__ import annotations

import json

import jsonschema
import pytest
from ruamel.yaml import YAML

from lfsync.config.globs import selected

COMPOSE = "services:\n  db:\n    image: postgres\n"
ONE_ACCOUNT = "accounts:\n  a:\n    fields: {$name: A}\n"


def test_by_default_every_yaml_file_is_a_declaration_and_a_stray_one_is_named(make_project, cli):
    root = make_project({"accounts/a.yaml": ONE_ACCOUNT, "docker-compose.yml": COMPOSE})
    result = cli("plan", root)
    assert result.exit_code == 1
    assert "docker-compose.yml:1:1: unknown top-level key 'services'" in result.stderr
    assert "`declarations:` globs in lfsync.yaml" in result.stderr


def test_declaration_globs_leave_other_yaml_alone(make_project, cli):
    settings = 'target: local\ndeclarations: ["accounts/**/*.yaml", "!accounts/drafts/*"]\n'
    root = make_project(
        {
            "accounts/a.yaml": ONE_ACCOUNT,
            "accounts/eu/b.yaml": "accounts:\n  b:\n    fields: {$name: B}\n",
            "accounts/drafts/c.yaml": "not: [valid",
            "docker-compose.yml": COMPOSE,
            "ci/pipeline.yaml": "stages: [test]\n",
        },
        settings=settings,
    )
    result = cli("plan", root, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [c["address"] for c in json.loads(result.stdout)["changes"]] == ["account.a", "account.b"]
    assert cli("fmt", "--check", root).exit_code == 0  # fmt looks at the same files


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("declarations: accounts/*.yaml", "lfsync.yaml:2:1: setting 'declarations' must be a list"),
        ("declarations: [accounts/*.yaml, 3]", "lfsync.yaml:2:33: each entry of 'declarations' must be a non-empty glob"),
        ("declarations: ['../other/*.yaml']", "must stay inside the project directory"),
        ("declarations: []", "lfsync.yaml:2:1: 'declarations' needs at least one glob"),
    ],
)
def test_bad_declaration_globs_are_named(make_project, cli, setting, message):
    root = make_project({"a.yaml": ONE_ACCOUNT}, settings=f"target: local\n{setting}\n")
    result = cli("plan", root)
    assert result.exit_code == 1 and message in result.stderr


@pytest.mark.parametrize(
    ("path", "patterns", "expected"),
    [
        ("a.yaml", ("**/*.yaml",), True),
        ("x/y/a.yaml", ("**/*.yaml",), True),
        ("x/y/a.yml", ("**/*.yaml",), False),
        ("accounts/a.yaml", ("accounts/*.yaml",), True),
        ("accounts/eu/a.yaml", ("accounts/*.yaml",), False),
        ("accounts/eu/a.yaml", ("accounts/**",), True),
        ("accounts/eu/a.yaml", ("accounts/**", "!**/eu/*"), False),
        ("accounts/eu/a.yaml", ("!**/eu/*", "accounts/**"), True),
        ("a.yaml", ("./a.yaml",), True),
        ("ab.yaml", ("a?.yaml",), True),
    ],
)
def test_glob_selection(path, patterns, expected):
    assert selected(path, patterns) is expected


def test_init_points_editors_at_the_schema_it_writes(tmp_path, cli):
    assert cli("init", tmp_path).exit_code == 0
    declarations = (tmp_path / "accounts.yaml").read_text()
    assert declarations.startswith("# yaml-language-server: $schema=./lfsync.schema.json\n")
    written = (tmp_path / "lfsync.schema.json").read_text()
    assert written == cli("schema").stdout
    jsonschema.validate(YAML(typ="safe").load(declarations), json.loads(written))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"accounts": {"a": {"fields": {}}}}, json.loads(written))
