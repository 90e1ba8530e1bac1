"""`lfsync plan --base REF`: a pull request's plan warns when the change modifies state files (apply
trusts the journal and the state), asked of a real git repository built in each test."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from lfsync.operations.declared_project import load_declared
from lfsync.state.workspace import StatePaths

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
}


def git(repo: Path, *arguments: str) -> str:
    result = subprocess.run(
        ["git", *arguments], cwd=repo, env={**os.environ, **GIT_ENV}, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def repository(tmp_path, make_project, cli):
    """A repository whose main branch holds a project (in a subfolder) and its applied state, and a
    pull-request branch `pr` checked out on top of it; yields the project directory."""
    project = make_project({"accounts.yaml": "accounts:\n  acme:\n    fields: {$name: Acme Corp}\n"}, name="repo/crm")
    assert cli("apply", project, "--auto-approve").exit_code == 0
    repo = project.parent
    git(repo, "init", "--quiet", "--initial-branch", "main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "state")
    git(repo, "checkout", "--quiet", "-b", "pr")
    return project


def commit(project: Path, message: str) -> None:
    git(project.parent, "add", "--all")
    git(project.parent, "commit", "--quiet", "-m", message)


def test_a_pull_request_that_changes_only_declarations_is_not_flagged(repository, cli):
    accounts = repository / "accounts.yaml"
    accounts.write_text(accounts.read_text() + "  globex:\n    fields: {$name: Globex}\n")
    commit(repository, "declare globex")
    for output_format in ("markdown", "text"):
        result = cli("plan", repository, "--format", output_format, "--base", "main")
        assert result.exit_code == 0, result.output
        assert "modifies lfsync state files" not in result.stdout and "Plan: 1 to create" in html.unescape(result.stdout)


def test_a_pull_request_that_changes_the_journal_is_flagged_in_the_markdown_plan(repository, cli):
    journal = StatePaths(load_declared(repository).project).journal
    acme = json.loads(StatePaths(load_declared(repository).project).snapshot.read_text())["resources"]["account.acme"]["id"]
    journal.write_text(json.dumps({"intent": {"address": "account.acme", "operation": "delete", "resource_id": acme,
                                              "seq": 1, "at": "2026-12-07T00:00:00.000+00:00"}}) + "\n")
    commit(repository, "an innocent-looking line")
    markdown = cli("plan", repository, "--format", "markdown", "--base", "main")
    assert markdown.exit_code == 0, markdown.output  # a line lfsync could have written: shown, and flagged
    shown = html.unescape(markdown.stdout)
    assert "> [!WARNING]" in shown and "**This change modifies lfsync state files** (<code>" in shown
    assert "crm/state/default.journal.jsonl" in shown.split("[!WARNING]")[1].split("\n\n")[0]
    assert f"account.acme: delete of {acme} (Acme Corp) interrupted" in shown
    text = cli("plan", repository, "--base", "main")
    assert text.stdout.startswith("Warning: this change modifies lfsync state files (") and "default.journal.jsonl" in text.stdout
    assert "modifies lfsync state files" not in cli("plan", repository, "--format", "markdown").stdout  # only with --base


def test_the_base_is_compared_with_the_commits_of_the_change_not_the_base_branch_since(repository, cli):
    """base...HEAD: a state commit on main after the branch was made is not the pull request's."""
    git(repository.parent, "checkout", "--quiet", "main")
    (StatePaths(load_declared(repository).project).backup).write_text("{}\n")
    commit(repository, "state moved on in main")
    git(repository.parent, "checkout", "--quiet", "pr")
    result = cli("plan", repository, "--format", "markdown", "--base", "main")
    assert result.exit_code == 0 and "[!WARNING]" not in result.stdout


def test_an_unknown_base_or_a_folder_outside_git_is_a_clear_error(repository, cli, make_project):
    unknown = cli("plan", repository, "--format", "markdown", "--base", "origin/nope")
    assert unknown.exit_code == 1 and "--base 'origin/nope' names no commit" in unknown.stderr
    assert "fetch-depth" in " ".join(unknown.stderr.split())
    option = cli("plan", repository, "--base", "--output=/tmp/x")
    assert option.exit_code == 1 and "is not a git revision" in option.stderr
    outside = make_project({"accounts.yaml": "accounts: {}\n"}, name="elsewhere")
    if subprocess.run(["git", "rev-parse"], cwd=outside, capture_output=True).returncode == 0:
        pytest.skip("the temporary folder is inside a git repository")
    result = cli("plan", outside, "--format", "markdown", "--base", "main")
    assert result.exit_code == 1 and "is not in a git repository" in result.stderr
    assert cli("plan", repository, "--format", "json", "--base", "main").exit_code == 1
