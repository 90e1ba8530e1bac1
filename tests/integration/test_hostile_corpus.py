"""Every hostile declaration file, as a new user would meet it: `lfsync plan` and `lfsync apply`
refuse it with exit 1 and a message naming its file:line:col, no traceback, nothing written to
state (byte for byte), nothing created, in bounded time and memory.

The corpus: tests/data/loader/invalid/ (the loader's: syntax, tags, aliases, nesting, shapes) and
tests/data/invalid/ (values the organisation refuses, references, duplicates across files), plus
cases made here (a 10 MB string, a symlink out of the project)."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
LOADER_CORPUS = DATA / "loader" / "invalid"
VALUE_CORPUS = DATA / "invalid"
MEMORY_LIMIT = 1 << 30  # what one plan may use at most, whatever the input
TIME_LIMIT = 120  # seconds, a bound for a stuck parse, not a speed goal
BASELINE = "accounts:\n  base:\n    fields: {$name: Base}\n"


def loader_expectations() -> dict[str, str]:
    expected = json.loads((DATA / "loader" / "expected_problems.json").read_text(encoding="utf-8"))
    return {name: problems[0] for name, problems in expected.items()}


def value_expectations() -> dict[str, str]:
    return json.loads((VALUE_CORPUS / "expected.json").read_text(encoding="utf-8"))


CASES = [(LOADER_CORPUS / name, message) for name, message in sorted(loader_expectations().items())] + [
    (VALUE_CORPUS / name, message) for name, message in sorted(value_expectations().items())
]


def test_the_corpus_is_large_and_every_entry_has_an_expectation():
    assert len(CASES) >= 40
    assert sorted(p.name for p in VALUE_CORPUS.iterdir() if p.name != "expected.json") == sorted(value_expectations())


@pytest.fixture
def applied_project(make_project, cli):
    """A project whose state and local organisation already hold one account."""
    project = make_project({"base.yaml": BASELINE}, settings="target: local\nskip_enrichment: true\n")
    assert cli("apply", project, "--auto-approve").exit_code == 0
    return project


def files_of(project: Path) -> dict[str, bytes]:
    return {str(p.relative_to(project)): p.read_bytes() for p in sorted((project / "state").rglob("*")) if p.is_file()}


def accounts_on_local(project: Path) -> int:
    with sqlite3.connect(project / ".lfsync" / "local.db") as db:
        return db.execute("select count(*) from accounts").fetchone()[0]


def limited():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def plan_in_a_bounded_process(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lfsync", "plan", str(project)], cwd=project, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=TIME_LIMIT, preexec_fn=limited,
        env={**{k: v for k, v in os.environ.items() if not k.startswith(("LIGHTFIELD_", "LFSYNC_"))}, "NO_COLOR": "1"},
    )


def assert_refused(output: str, stderr: str, expected: str) -> None:
    assert expected in stderr, stderr
    assert "Traceback" not in output and "unexpected" not in output
    assert "\x1b" not in output


@pytest.mark.parametrize("source, expected", CASES, ids=[path.name for path, _ in CASES])
def test_a_hostile_file_is_refused_cleanly_and_nothing_changes(applied_project, cli, source, expected):
    project = applied_project
    if source.is_dir():
        shutil.copytree(source, project / source.name)
        expected = f"{source.name}/{expected}"
    else:
        shutil.copyfile(source, project / source.name)
    before = files_of(project)
    bounded = plan_in_a_bounded_process(project)
    assert bounded.returncode == 1, bounded.stdout + bounded.stderr
    assert_refused(bounded.stdout + bounded.stderr, bounded.stderr, expected)
    applied = cli("apply", project, "--auto-approve")
    assert applied.exit_code == 1, applied.output
    assert_refused(applied.output, applied.stderr, expected)
    assert files_of(project) == before
    assert accounts_on_local(project) == 1


def test_a_ten_megabyte_string_is_refused_within_bounds(applied_project, cli):
    (applied_project / "huge.yaml").write_text("accounts:\n  huge:\n    fields:\n      $name: " + "x" * (10 << 20) + "\n")
    before = files_of(applied_project)
    bounded = plan_in_a_bounded_process(applied_project)
    assert bounded.returncode == 1
    assert_refused(bounded.stdout + bounded.stderr, bounded.stderr, "huge.yaml:1:1: the file is larger than 8,388,608 bytes")
    assert files_of(applied_project) == before and accounts_on_local(applied_project) == 1


def test_a_symlink_out_of_the_project_is_refused_without_reading_it(applied_project, tmp_path):
    secret = tmp_path / "secret.env"
    secret.write_text("LIGHTFIELD_API_KEY=sk_lf_do_not_print_me\n")
    (applied_project / "x.yaml").symlink_to(secret)
    before = files_of(applied_project)
    bounded = plan_in_a_bounded_process(applied_project)
    assert bounded.returncode == 1
    assert_refused(bounded.stdout + bounded.stderr, bounded.stderr, "x.yaml: ")
    assert "sk_lf_do_not_print_me" not in bounded.stdout + bounded.stderr and str(secret) not in bounded.stderr
    assert files_of(applied_project) == before
