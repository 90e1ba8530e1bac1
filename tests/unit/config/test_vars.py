"""`vars:` in lfsync.yaml (lfsync/config/vars.py): names and values checked at their file:line:col,
a workspace's own over the project's, and --var over both (typed like the value it replaces)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lfsync.config import vars as variables
from lfsync.config.project import load_project
from lfsync.errors import DeclarationError, LfsyncError

SETTINGS = (
    "vars:\n"
    "  region: EU\n"
    "  size: 3\n"
    "  partner: false\n"
    "workspaces:\n"
    "  eu: {vars: {owner: grace@example.com}}\n"
    "  us:\n"
    "    vars: {region: US, owner: ada@example.com, size: 5}\n"
)


def project_at(tmp_path: Path, settings: str = SETTINGS) -> Path:
    (tmp_path / "lfsync.yaml").write_text(settings)
    return tmp_path


def problems_of(tmp_path: Path, settings: str) -> list[str]:
    with pytest.raises(DeclarationError) as raised:
        load_project(project_at(tmp_path, settings), env={})
    return [f"{problem.place.line}:{problem.place.column}: {problem.message}" for problem in raised.value.problems]


@pytest.fixture
def command_line():
    """--var values for one test, restored after it."""
    previous = variables.command_line_overrides()

    def given(*texts: str) -> None:
        variables.set_command_line(tuple(variables.parse_override(text) for text in texts))

    yield given
    variables.set_command_line(previous)


def test_a_workspace_sees_the_projects_vars_with_its_own_over_them(tmp_path):
    root = project_at(tmp_path)
    assert dict(load_project(root, env={}).variables) == {"region": "EU", "size": 3, "partner": False}
    assert dict(load_project(root, env={}, workspace="eu").variables) == {
        "region": "EU", "size": 3, "partner": False, "owner": "grace@example.com",
    }
    assert dict(load_project(root, env={}, workspace="us").variables) == {
        "region": "US", "size": 5, "partner": False, "owner": "ada@example.com",
    }
    assert load_project(project_at(tmp_path, "target: local\n"), env={}).variables == ()


def test_bad_names_and_values_are_refused_where_they_are_written(tmp_path):
    settings = (
        "vars:\n"
        "  bad-name: x\n"
        "  1st: x\n"
        "  list: [a]\n"
        "  nothing: null\n"
        "  inf: .inf\n"
        "  fine: text\n"
        "workspaces:\n"
        "  eu:\n"
        "    vars: {ok: 1, 'with space': 2, map: {a: 1}}\n"
    )
    naming = "is not valid: letters, digits and '_', not starting with a digit (like region or owner_email)"
    assert problems_of(tmp_path, settings) == [
        f"2:3: variable name 'bad-name' {naming}",
        f"3:3: variable name '1st' {naming}",
        "4:3: a variable holds text, a number or true/false, not a list",
        "5:3: a variable holds text, a number or true/false, not null",
        "6:3: a variable's number must be finite, not inf",
        f"10:19: variable name 'with space' {naming}",
        "10:36: a variable holds text, a number or true/false, not a mapping",
    ]
    assert problems_of(tmp_path, "vars: [region]\n") == ["1:1: setting 'vars' must be a dict"]


def test_a_command_line_var_overrides_typed_like_the_value_it_replaces(tmp_path, command_line):
    root = project_at(tmp_path)
    command_line("region=APAC", "size=12", "partner=TRUE", "owner=alan@example.com=x")
    assert dict(load_project(root, env={}, workspace="us").variables) == {
        "region": "APAC", "size": 12, "partner": True, "owner": "alan@example.com=x",
    }
    # `owner` is set by workspaces only: at the project's own level it is text, added
    assert dict(load_project(root, env={}).variables)["owner"] == "alan@example.com=x"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (("regoin=US",), "--var regoin=US: lfsync.yaml sets no variable 'regoin' (known: owner, partner, region, size) (did you mean 'region'?)"),
        (("size=big",), "--var size=big: 'size' is a number in lfsync.yaml; give a number"),
        (("size=nan",), "--var size=nan: 'size' is a number in lfsync.yaml; give a number"),
        (("partner=yes",), "--var partner=yes: 'partner' is true or false in lfsync.yaml; give true or false"),
    ],
)
def test_a_command_line_var_that_names_no_variable_or_has_the_wrong_type_is_refused(tmp_path, command_line, given, message):
    root = project_at(tmp_path)
    command_line(*given)
    with pytest.raises(LfsyncError) as refused:
        load_project(root, env={}, workspace="us")
    assert str(refused.value) == message


@pytest.mark.parametrize("text", ["region", "bad-name=1", "=x"])
def test_a_command_line_var_is_name_equals_value(text):
    with pytest.raises(LfsyncError, match=r"^--var "):
        variables.parse_override(text)
