"""A reader of stdout that leaves early (`lfsync plan | head -c 10`): lfsync stops writing and goes
on quietly, as git and kubectl do: no "Broken pipe" error, no exit 1. Real processes and real pipes;
the reading end is closed before lfsync starts, so every write it makes meets a closed pipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import env_without_secrets


def run_into_closed_pipe(*args: str) -> subprocess.CompletedProcess:
    reading, writing = os.pipe()
    os.close(reading)  # the reader has gone before the first byte
    try:
        return subprocess.run(
            [sys.executable, "-m", "lfsync", *args], stdout=writing, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            env={**env_without_secrets(), "NO_COLOR": "1"}, text=True, timeout=120,
        )
    finally:
        os.close(writing)


@pytest.mark.parametrize("output_format", ["json", "text", "markdown"])
def test_a_plan_whose_reader_left_exits_0_without_a_word(project, output_format):
    finished = run_into_closed_pipe("plan", str(project), "--format", output_format)
    assert (finished.returncode, finished.stderr) == (0, "")


def test_a_plan_with_detailed_exitcode_keeps_its_code_when_its_reader_left(project):
    finished = run_into_closed_pipe("plan", str(project), "--detailed-exitcode")
    assert (finished.returncode, finished.stderr) == (2, "")


def test_an_apply_whose_reader_left_still_makes_and_records_every_change(project, state_of):
    finished = run_into_closed_pipe("apply", str(project), "--auto-approve")
    assert finished.returncode == 0, finished.stderr
    assert "Broken pipe" not in finished.stderr and "Error" not in finished.stderr
    assert sorted(state_of(project)["resources"]) == ["account.acme", "account.acme-nordics", "account.globex"]
    again = subprocess.run(
        [sys.executable, "-m", "lfsync", "plan", str(project), "--format", "json"],
        capture_output=True, env={**env_without_secrets(), "NO_COLOR": "1"}, text=True, timeout=120,
    )
    assert again.returncode == 0 and json.loads(again.stdout)["changes"] == []
