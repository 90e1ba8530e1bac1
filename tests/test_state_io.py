"""Apply of N creates writes O(N) bytes of state in total: one journal line per intent and per
outcome, and one snapshot at the end; never a snapshot rewritten per account (issue 8).

Measured as the bytes the test process hands to write(2) (`wchar` in /proc/self/io): the apply
runs in-process, the emulator in a process of its own, so only lfsync's files are counted (network
sends do not go through write(2), and click's runner captures the output in memory)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lfsync.emulator.testing import served_emulator

from served import numbered_accounts

PROC_IO = Path("/proc/self/io")
SMALL, LARGE = 30, 120


def bytes_written() -> int:
    for line in PROC_IO.read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError("no wchar in /proc/self/io")


@pytest.mark.skipif(not PROC_IO.exists(), reason="needs Linux's /proc/self/io")
def test_apply_of_n_creates_writes_state_bytes_linear_in_n(make_project, cli, tmp_path, monkeypatch):
    written: dict[int, int] = {}
    snapshot_size: dict[int, int] = {}
    with served_emulator(tmp_path / "emulator.db", "--write-rate", "1000", "--search-rate", "1000") as url:
        monkeypatch.setenv("LIGHTFIELD_BASE_URL", url)
        monkeypatch.setenv("LIGHTFIELD_API_KEY", "sk_lf_local_dev")
        for count in (SMALL, LARGE):
            project = make_project({"accounts.yaml": numbered_accounts(count)}, name=f"project-{count}",
                                   settings="skip_enrichment: true\n")
            cli("validate", project)  # anything loaded once per process (imports, caches) loads here, not below
            before = bytes_written()
            result = cli("apply", project, "--auto-approve")
            written[count] = bytes_written() - before
            assert result.exit_code == 0, result.output
            snapshot_size[count] = (project / "state" / "default.lfstate.json").stat().st_size
    per_account_small = written[SMALL] / SMALL
    per_account_large = written[LARGE] / LARGE
    # Linear: the bytes per account stay flat as N grows 4-fold (a snapshot rewritten per account
    # would make them grow about 4-fold too).
    assert per_account_large < 1.5 * per_account_small, written
    # And small: the journal (intent + outcome per account) and one snapshot, a few snapshots' worth.
    assert written[LARGE] < 6 * snapshot_size[LARGE], (written, snapshot_size)
