"""No declaration is skipped without a word: a state folder holding files the declaration globs
select is refused when the project loads; symbolic links among the declarations are followed
inside the project and refused (never skipped) when they lead outside it, nowhere or in a loop."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lfsync.config.globs import may_select_under

ACME = "accounts:\n  acme:\n    fields: {$name: Acme}\n"
GLOBEX = "accounts:\n  globex:\n    fields: {$name: Globex}\n"


def test_a_state_dir_holding_declarations_is_refused_naming_the_setting_and_the_glob(make_project, cli):
    root = make_project({"accounts/acme.yaml": ACME}, settings="target: local\nstate_dir: accounts\n")
    result = cli("plan", root)
    assert result.exit_code == 1, result.output
    assert "lfsync.yaml:2:1: state_dir: the state folder holds accounts/acme.yaml, which the declarations glob '**/*.yaml' selects" in result.stderr
    assert not (root / "accounts" / "default.lfstate.json").exists()


def test_the_default_state_dir_holding_declarations_is_refused_too(make_project, cli):
    root = make_project({"state/acme.yaml": ACME}, settings="target: local\ndeclarations: ['**/*.yaml']\n")
    result = cli("validate", root)
    assert result.exit_code == 1, result.output
    assert "lfsync.yaml: state_dir (by default 'state'): the state folder holds state/acme.yaml" in result.stderr


def test_lfsyncs_own_files_in_a_state_dir_the_globs_reach_are_fine(make_project, cli):
    root = make_project({"accounts/acme.yaml": ACME}, settings="target: local\nstate_dir: accounts/state\ndeclarations: ['**/*']\n")
    assert cli("apply", root, "--auto-approve").exit_code == 0  # writes the state, journal and lock there
    assert (root / "accounts" / "state" / "default.lfstate.json").exists()
    assert cli("plan", root, "--detailed-exitcode").exit_code == 0
    (root / "accounts" / "state" / "notes.txt").write_text("x")  # '**/*' selects it: not lfsync's own
    result = cli("plan", root)
    assert result.exit_code == 1 and "the state folder holds accounts/state/notes.txt" in result.stderr


def test_a_declarations_folder_linked_inside_the_project_is_followed(make_project, cli):
    root = make_project({"data/accounts/acme.yaml": ACME}, settings="target: local\ndeclarations: ['accounts/**/*.yaml']\n")
    (root / "accounts").symlink_to(Path("data") / "accounts", target_is_directory=True)
    result = cli("plan", root)
    assert result.exit_code == 0, result.output
    assert "account.acme will be created" in result.stdout


def test_a_file_reached_twice_through_a_link_is_read_once(make_project, cli):
    root = make_project({"accounts/acme.yaml": ACME})
    (root / "current").symlink_to("accounts", target_is_directory=True)
    result = cli("plan", root)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("account.acme will be created") == 1


def test_a_declarations_folder_linked_outside_the_project_is_refused(make_project, cli, tmp_path):
    outside = tmp_path / "shared" / "accounts"
    outside.mkdir(parents=True)
    (outside / "globex.yaml").write_text(GLOBEX)
    root = make_project({"acme.yaml": ACME})
    (root / "accounts").symlink_to(Path("..") / "shared" / "accounts", target_is_directory=True)
    result = cli("plan", root, "--prune")
    assert result.exit_code == 1, result.output
    assert "accounts: a symbolic link to ../shared/accounts, a folder outside the project" in result.stderr
    assert "will be created" not in result.stdout


def test_an_outside_link_the_globs_cannot_reach_is_left_alone(make_project, cli, tmp_path):
    (tmp_path / "docs").mkdir()
    root = make_project({"accounts/acme.yaml": ACME}, settings="target: local\ndeclarations: ['accounts/**/*.yaml']\n")
    (root / "docs").symlink_to(tmp_path / "docs", target_is_directory=True)
    assert cli("plan", root).exit_code == 0
    excluded = make_project({"accounts/acme.yaml": ACME}, settings="target: local\ndeclarations: ['**/*.yaml', '!docs/**']\n", name="p2")
    (excluded / "docs").symlink_to(tmp_path / "docs", target_is_directory=True)
    assert cli("plan", excluded).exit_code == 0


@pytest.mark.timeout(60)
def test_a_symlink_loop_is_refused_not_walked_forever(make_project, cli):
    root = make_project({"accounts/acme.yaml": ACME})
    (root / "accounts" / "again").symlink_to("..", target_is_directory=True)
    result = cli("plan", root)
    assert result.exit_code == 1, result.output
    assert "accounts/again: a symbolic link to .., a folder that contains the link (a loop)" in result.stderr


def test_two_links_pointing_at_each_others_folders_are_a_loop(make_project, cli):
    root = make_project({"a/acme.yaml": ACME, "b/globex.yaml": GLOBEX})
    (root / "a" / "to-b").symlink_to(Path("..") / "b", target_is_directory=True)
    (root / "b" / "to-a").symlink_to(Path("..") / "a", target_is_directory=True)
    result = cli("plan", root)
    assert result.exit_code == 1, result.output
    assert "a folder that contains the link (a loop)" in result.stderr


def test_a_broken_folder_link_is_refused(make_project, cli):
    root = make_project({"acme.yaml": ACME})
    (root / "accounts").symlink_to("missing", target_is_directory=True)
    result = cli("plan", root)
    assert result.exit_code == 1 and "accounts: a symbolic link to missing, which leads nowhere" in result.stderr


@pytest.mark.parametrize(
    ("folder", "patterns", "reachable"),
    [
        ("a/b", ("**/*.yaml",), True),
        ("docs", ("accounts/**/*.yaml",), False),
        ("accounts", ("accounts/*.yaml",), True),
        ("accounts/x", ("accounts/*.yaml",), False),
        ("docs", ("**/*.yaml", "!docs/**"), False),
        ("docs/old", ("**/*.yaml", "!docs/**"), False),
        ("docs", ("!docs/**", "**/*.yaml"), True),
        ("x/ext", ("**/*.yaml", "!**/ext/**"), False),
    ],
)
def test_which_folders_the_globs_can_reach(folder, patterns, reachable):
    assert may_select_under(folder, patterns) is reachable


def test_discovery_does_not_read_past_a_fifo_link_or_hang(make_project, cli):
    root = make_project({"acme.yaml": ACME})
    os.mkfifo(root / "pipe.yaml")
    result = cli("plan", root)
    assert result.exit_code == 1 and "pipe.yaml: not a regular file" in result.stderr
