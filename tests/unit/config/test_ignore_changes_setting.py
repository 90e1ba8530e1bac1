"""`ignore_changes:` in lfsync.yaml: the project's list with each key's place, a workspace's own list
replacing it, and what is refused (`all`, items that name no key), at file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from lfsync.config.project import load_project
from lfsync.errors import DeclarationError

SETTINGS = """\
ignore_changes: [$owner, tier]
workspaces:
  demo: {target: local}
  prod:
    target: local
    ignore_changes:
      - icp-score
  lab: {target: local, ignore_changes: []}
"""


def settings_file(tmp_path: Path, text: str) -> Path:
    (tmp_path / "lfsync.yaml").write_text(text)
    return tmp_path


def names(tmp_path: Path, workspace: str | None = None) -> list[tuple[str, int, int]]:
    project = load_project(tmp_path, env={}, workspace=workspace)
    return [(s.name, s.place.line, s.place.column) for s in project.ignore_changes if s.place is not None]


def test_the_project_list_reaches_the_project_with_places(tmp_path):
    settings_file(tmp_path, SETTINGS)
    assert names(tmp_path) == [("$owner", 1, 18), ("tier", 1, 26)]


def test_a_workspace_without_its_own_list_takes_the_projects_and_one_with_a_list_its_own(tmp_path):
    settings_file(tmp_path, SETTINGS)
    assert names(tmp_path, "demo") == [("$owner", 1, 18), ("tier", 1, 26)]
    assert names(tmp_path, "prod") == [("icp-score", 7, 9)]
    assert names(tmp_path, "lab") == []


def test_no_setting_is_no_key(tmp_path):
    settings_file(tmp_path, "target: local\n")
    assert load_project(tmp_path, env={}).ignore_changes == ()


def test_places_name_the_settings_file(tmp_path):
    settings_file(tmp_path, SETTINGS)
    owner = load_project(tmp_path, env={}).ignore_changes[0]
    assert owner.name == "$owner" and owner.place is not None and owner.place.file.endswith("lfsync.yaml")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ignore_changes: all\n", "ignore_changes: all would make every account create-only"),
        ("ignore_changes: [tier, all]\n", "each item of ignore_changes names a field or relationship key"),
        ("ignore_changes: ['']\n", "each item of ignore_changes names a field or relationship key"),
        ("ignore_changes: [1]\n", "setting 'ignore_changes' must be a list of text"),
        ("ignore_changes: tier\n", "setting 'ignore_changes' must be a list"),
        ("workspaces:\n  a: {target: local, ignore_changes: 5}\n", "setting 'ignore_changes' of workspace 'a' must be a list"),
    ],
)
def test_what_is_refused_is_said_where_it_is_written(tmp_path, text, expected):
    settings_file(tmp_path, text)
    with pytest.raises(DeclarationError) as raised:
        load_project(tmp_path, env={})
    [problem] = raised.value.problems
    assert expected in problem.message and problem.place is not None and problem.place.line >= 1
