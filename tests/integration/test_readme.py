"""The README stays true: its emulator decisions are the code's, its commands exist."""

from __future__ import annotations

import re

import pytest

from lfsync.emulator.decisions import DECISIONS


@pytest.fixture
def readme(repo_root) -> str:
    return (repo_root / "README.md").read_text(encoding="utf-8")


def test_every_emulator_decision_is_listed_in_the_readme(readme):
    listed = dict(
        (int(number), " ".join(text.split()))
        for number, text in re.findall(r"^(\d+)\. (.+?)(?=^\d+\. |^#|\Z)", readme, re.M | re.S)
    )
    for number, text in DECISIONS:
        assert listed.get(number) == " ".join(text.split()), f"decision {number} differs from the README"


def test_readme_has_exactly_the_two_setup_commands_and_ci_runs_the_test_one(readme, repo_root):
    commands = re.findall(r"^python3 -m venv .+$", readme, re.M)
    assert len(commands) == 2
    main_job, tests = commands
    assert "lfsync apply examples --auto-approve" in main_job
    assert tests.endswith("pip install -e '.[test]' && pytest -q")
    assert "pip install -e '.[test]' && pytest -q" in (repo_root / ".ci" / "run").read_text()
