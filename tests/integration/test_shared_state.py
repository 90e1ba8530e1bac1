"""Two working copies of one project (two "runners") sharing state in one real PostgreSQL database:
they never interleave, a killed holder's journal is settled by the other, and a database restart
mid-apply loses nothing."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lfsync.emulator.testing import served_emulator

from served import (
    ACCOUNTS,
    FAULTS,
    account_count,
    assert_exactly_once,
    lfsync_env,
    numbered_accounts,
    start_apply,
    wait_until,
)

pytestmark = pytest.mark.usefixtures("postgres_url")


@pytest.fixture
def runners(make_project) -> tuple[Path, Path]:
    """Two checkouts of the same declarations, sharing the state database (LFSYNC_BACKEND)."""
    files = {"accounts.yaml": numbered_accounts(ACCOUNTS)}
    settings = "skip_enrichment: true\n"
    return make_project(files, settings, name="runner-a"), make_project(files, settings, name="runner-b")


def run(project: Path, base_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lfsync", *args, str(project)], env=lfsync_env(base_url),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600,
    )


def test_a_second_runner_is_refused_naming_the_holder_then_waits_and_plans_clean(runners, tmp_path):
    a, b = runners
    with served_emulator(tmp_path / "emulator.db", "--write-rate", "150") as url:
        first = start_apply(a, url, "--concurrency", "8")
        try:
            assert wait_until(lambda: account_count(url) >= 5, first), first.communicate()[0]
            first.send_signal(signal.SIGSTOP)  # frozen mid-apply, holding the lock
            refused = run(b, url, "apply", "--auto-approve", "--lock-timeout", "0")
            assert refused.returncode == 1
            assert f"state is locked by pid {first.pid} on" in refused.stderr + refused.stdout
            assert "(apply)" in refused.stderr + refused.stdout
            named = re.search(r"lock ID ([0-9a-f-]{36})", refused.stderr + refused.stdout)
            assert named and f"`lfsync force-unlock {named[1]}`" in refused.stderr + refused.stdout
            waiting = start_apply(b, url, "--lock-timeout", "300")
        finally:
            first.send_signal(signal.SIGCONT)
        output_a = first.communicate(timeout=600)[0]
        output_b = waiting.communicate(timeout=600)[0]
        assert (first.returncode, waiting.returncode) == (0, 0), (output_a, output_b)
        assert "Nothing to change" in output_b  # b saw every account a recorded
        assert run(b, url, "plan", "--detailed-exitcode").returncode == 0
        assert_exactly_once(b, url)


def test_the_other_runner_settles_a_killed_holders_journal(runners, tmp_path):
    a, b = runners
    with served_emulator(tmp_path / "emulator.db", *FAULTS, "--write-rate", "150", "--seed", "21") as url:
        first = start_apply(a, url, "--concurrency", "8")
        assert wait_until(lambda: account_count(url) >= 40, first), first.communicate()[0]
        first.kill()
        first.wait()
        settled = run(b, url, "apply", "--auto-approve", "--concurrency", "8", "--lock-timeout", "60")
        assert settled.returncode == 0, settled.stdout + settled.stderr
        assert "Settling" in settled.stdout
        assert "Traceback" not in settled.stdout + settled.stderr
        assert_exactly_once(b, url)
        assert run(a, url, "plan", "--detailed-exitcode").returncode == 0  # a's checkout agrees


def test_a_database_restart_mid_apply_stops_it_clearly_and_loses_nothing(runners, tmp_path, postgres):
    a, b = runners
    with served_emulator(tmp_path / "emulator.db", *FAULTS, "--write-rate", "150", "--seed", "22") as url:
        first = start_apply(a, url, "--concurrency", "8")
        assert wait_until(lambda: account_count(url) >= 40, first), first.communicate()[0]
        first.send_signal(signal.SIGSTOP)  # so the restart lands mid-apply, whatever the machine's speed
        try:
            postgres.restart()
        finally:
            first.send_signal(signal.SIGCONT)
        output = first.communicate(timeout=600)[0]
        assert first.returncode == 1, output
        assert "Traceback" not in output
        assert "the state lock" in output and "was lost: its database session ended" in output, output
        again = run(b, url, "apply", "--auto-approve", "--concurrency", "8")
        assert again.returncode == 0, again.stdout + again.stderr
        assert_exactly_once(b, url)
