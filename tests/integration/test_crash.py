"""Kill apply at random moments (SIGKILL, SIGINT), race two applies: never a duplicate, never a loss.

CI runs short variants, against the emulator in both API modes (its own choices, and only the
forms Lightfield's docs show: no replay header, top-level errors, the docs' 409 body);
`pytest --run-slow -m slow` runs the long ones. Every short variant runs with state in both backends
(`backend`: local files, a real PostgreSQL); test_shared_state.py races runners on one database.
"""

from __future__ import annotations

import random
import signal
from pathlib import Path

import pytest

from lfsync.emulator.testing import DOCS_LITERAL, served_emulator

from served import ACCOUNTS, FAULTS, account_count, assert_exactly_once, crash_project, start_apply, wait_until


def interrupt_repeatedly(project: Path, base_url: str, kills: int, sig: int, seed: int) -> list[str]:
    """Start apply, hit it with `sig` at a random moment, `kills` times; then let one finish.
    Returns the output of every run that was interrupted or that finished."""
    rng = random.Random(seed)
    outputs = []
    for blow in range(kills):
        before = account_count(base_url)
        # The blow lands once this run has created a seeded number of accounts: the process is then
        # past start-up and inside the apply, however slow the machine is. Spread so every blow lands.
        most = max(1, (ACCOUNTS - before) // (kills - blow + 1))
        after = before + rng.randint(1, most)
        process = start_apply(project, base_url, "--concurrency", "8")
        if not wait_until(lambda: account_count(base_url) >= after, process):
            outputs.append(process.communicate(timeout=60)[0])
            break  # it finished before the blow
        process.send_signal(sig)
        output, _ = process.communicate(timeout=60)
        outputs.append(output)
        assert "Traceback" not in output, output
        if sig == signal.SIGINT and process.returncode == 0:
            assert "Apply complete!" in output, output  # the blow came after the last request: nothing to stop
            break
    final = start_apply(project, base_url, "--concurrency", "8")
    output, _ = final.communicate(timeout=600)
    assert final.returncode == 0, output
    return outputs + [output]


# Every API mode with local state, and PostgreSQL state in the default mode (the backend and the
# API's forms are independent; this keeps the PostgreSQL share of CI short).
MODES_AND_BACKENDS = pytest.mark.parametrize(
    ("api_mode", "backend"), [("default", "local"), (DOCS_LITERAL, "local"), ("default", "postgres")], indirect=True
)


def mode_flags(api_mode: str) -> tuple[str, ...]:
    """Docs-literal adds gateway timeouts: writes answered 504 that still land."""
    return ("--docs-literal", "--gateway-timeout-rate", "0.05") if api_mode == DOCS_LITERAL else ()


def run_kill_test(make_project, tmp_path, sig, kills, seed, write_rate, api_mode="default"):
    project = crash_project(make_project)
    flags = (*FAULTS, *mode_flags(api_mode), "--write-rate", str(write_rate), "--seed", str(seed))
    with served_emulator(tmp_path / "emulator.db", *flags) as url:
        outputs = interrupt_repeatedly(project, url, kills, sig, seed)
        assert len(outputs) > 1, "apply finished before it could be interrupted"
        if sig == signal.SIGKILL:
            assert any("Settling" in output for output in outputs), "no kill left an intent to settle"
        else:
            assert any("Apply interrupted" in output for output in outputs)
        assert_exactly_once(project, url)


@MODES_AND_BACKENDS
def test_sigkill_at_random_moments(make_project, tmp_path, api_mode, backend):
    run_kill_test(make_project, tmp_path, signal.SIGKILL, kills=6, seed=11, write_rate=150, api_mode=api_mode)


@MODES_AND_BACKENDS
def test_sigint_at_random_moments(make_project, tmp_path, api_mode, backend):
    run_kill_test(make_project, tmp_path, signal.SIGINT, kills=4, seed=12, write_rate=150, api_mode=api_mode)


@MODES_AND_BACKENDS
def test_two_racing_applies_wait_for_each_other(make_project, tmp_path, api_mode, backend):
    project = crash_project(make_project)
    flags = (*FAULTS, *mode_flags(api_mode), "--write-rate", "150", "--seed", "13")
    with served_emulator(tmp_path / "emulator.db", *flags) as url:
        first = start_apply(project, url, "--lock-timeout", "300")
        second = start_apply(project, url, "--lock-timeout", "300")
        outputs = [p.communicate(timeout=600)[0] for p in (first, second)]
        assert [first.returncode, second.returncode] == [0, 0], outputs
        assert any("Nothing to change" in output for output in outputs), outputs
        assert_exactly_once(project, url)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_sigkill_long(make_project, tmp_path, seed, api_mode):
    run_kill_test(make_project, tmp_path, signal.SIGKILL, kills=30, seed=100 + seed, write_rate=25, api_mode=api_mode)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_sigint_long(make_project, tmp_path, seed, api_mode):
    run_kill_test(make_project, tmp_path, signal.SIGINT, kills=15, seed=200 + seed, write_rate=25, api_mode=api_mode)
