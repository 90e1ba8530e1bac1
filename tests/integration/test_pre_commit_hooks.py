"""The pre-commit hooks (.pre-commit-hooks.yaml): a valid manifest, and `pre-commit try-repo` runs
lfsync-fmt and lfsync-validate in a git project of declarations, from a git copy of this tree.

pre-commit installs the hooks' environment with pip from that copy: it needs the package index
(CI has one). Where pre-commit is not installed these tests skip, saying so; outside CI an index
that cannot be reached skips them too, in CI it fails them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install -e '.[test]' installs it)")

HOOKS_FILE = ".pre-commit-hooks.yaml"
HOOK_REPOSITORY_FILES = ("pyproject.toml", "README.md", HOOKS_FILE, "lfsync")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "lfsync tests", "GIT_AUTHOR_EMAIL": "tests@lfsync.invalid",
    "GIT_COMMITTER_NAME": "lfsync tests", "GIT_COMMITTER_EMAIL": "tests@lfsync.invalid",
}
UNFORMATTED = "accounts:\n  acme:\n    fields: {   $name:    Acme Corp   }\n"
MISSING_NAME = "accounts:\n  acme:\n    fields:\n      $website: [https://acme.example]\n"


def git(directory: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(directory), *args], check=True, capture_output=True, env={**os.environ, **GIT_IDENTITY})


def committed_repository(directory: Path, files: dict[str, str] | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in (files or {}).items():
        (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")
    git(directory, "init", "-q", "-b", "main")
    git(directory, "add", "-A")
    git(directory, "commit", "-q", "-m", "files")
    return directory


@pytest.fixture(scope="module")
def hook_repository(repo_root_path, tmp_path_factory) -> Path:
    """A git repository of this tree as it is now (what pre-commit installs the hooks from)."""
    copy = tmp_path_factory.mktemp("hooks") / "lfsync"
    copy.mkdir()
    for name in HOOK_REPOSITORY_FILES:
        source = repo_root_path / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".lfsync"))
        else:
            shutil.copy2(source, copy / name)
    return committed_repository(copy)


@pytest.fixture(scope="module")
def repo_root_path() -> Path:
    return Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    """One hook environment for the module's tests (installing it is the slow part)."""
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(project: Path, hook_repository: Path, hook: str, home: Path) -> subprocess.CompletedProcess:
    environment = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("LFSYNC_", "LIGHTFIELD_", "PYTHONPATH"))  # the hook runs its own install
    }
    environment.update(GIT_IDENTITY, PRE_COMMIT_HOME=str(home), NO_COLOR="1")
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repository), hook, "--all-files", "--color", "never"],
        cwd=project, capture_output=True, text=True, env=environment, timeout=900,
    )
    install_failed = "An unexpected error has occurred" in result.stdout + result.stderr
    if install_failed and not os.environ.get("CI"):
        pytest.skip(f"pre-commit could not install the hook environment (the package index is needed): {result.stdout[-500:]}")
    return result


def test_the_manifest_is_valid(repo_root_path):
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(repo_root_path / HOOKS_FILE)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_lfsync_fmt_reformats_and_then_passes(hook_repository, pre_commit_home, tmp_path):
    project = committed_repository(tmp_path / "accounts", {"lfsync.yaml": "target: local\n", "accounts.yaml": UNFORMATTED})
    first = try_repo(project, hook_repository, "lfsync-fmt", pre_commit_home)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "lfsync fmt" in first.stdout and "files were modified by this hook" in first.stdout
    formatted = (project / "accounts.yaml").read_text(encoding="utf-8")
    assert formatted != UNFORMATTED and "Acme Corp" in formatted
    git(project, "add", "-A")
    second = try_repo(project, hook_repository, "lfsync-fmt", pre_commit_home)
    assert second.returncode == 0, second.stdout + second.stderr
    assert (project / "accounts.yaml").read_text(encoding="utf-8") == formatted


def test_lfsync_validate_passes_valid_declarations_and_fails_naming_the_file(hook_repository, pre_commit_home, tmp_path):
    remote = "target: https://api.lightfield.example\n"  # offline: no key, nothing asked
    valid = committed_repository(tmp_path / "valid", {"lfsync.yaml": remote, "accounts.yaml": "accounts:\n  acme:\n    fields: {$name: Acme}\n"})
    passed = try_repo(valid, hook_repository, "lfsync-validate", pre_commit_home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
    broken = committed_repository(tmp_path / "broken", {"lfsync.yaml": remote, "accounts.yaml": MISSING_NAME})
    failed = try_repo(broken, hook_repository, "lfsync-validate", pre_commit_home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout and "accounts.yaml:" in failed.stdout and "$name" in failed.stdout
