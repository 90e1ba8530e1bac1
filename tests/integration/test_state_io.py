"""Apply of N creates writes O(N) bytes of state in total: one journal line per intent and per
outcome, and one snapshot at the end; never a snapshot rewritten per account (issue 8).

Measured as the bytes a fresh interpreter running the apply hands to write(2) (`wchar` in
/proc/self/io, read by that process before and after): the emulator serves from a process of its
own, the apply's output goes to memory, and network sends do not go through write(2), so what is
counted is lfsync's files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lfsync.emulator.testing import served_emulator

from served import lfsync_env, numbered_accounts

PROC_IO = Path("/proc/self/io")
SMALL, LARGE = 30, 120
# Runs `lfsync apply DIR --auto-approve` in-process with its output in memory; prints the bytes written.
MEASURED_APPLY = """
import io, sys
from pathlib import Path

def written():
    return int(next(l for l in Path("/proc/self/io").read_text().splitlines() if l.startswith("wchar:")).split()[1])

from lfsync.cli import main
import lfsync.commands.apply, lfsync.operations.applying  # imported before measuring
sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
before = written()
try:
    main(["apply", sys.argv[1], "--auto-approve"])
except SystemExit as done:
    code = done.code
after = written()
sys.__stdout__.write(f"{code} {after - before}\\n")
"""


def apply_counting_bytes(project: Path, base_url: str) -> int:
    finished = subprocess.run([sys.executable, "-c", MEASURED_APPLY, str(project)], env=lfsync_env(base_url),
                              capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL)
    code, written = finished.stdout.split()
    assert code in ("0", "None"), finished.stdout + finished.stderr
    return int(written)


@pytest.mark.skipif(not PROC_IO.exists(), reason="needs Linux's /proc/self/io")
def test_apply_of_n_creates_writes_state_bytes_linear_in_n(make_project, tmp_path):
    written: dict[int, int] = {}
    snapshot_size: dict[int, int] = {}
    with served_emulator(tmp_path / "emulator.db", "--write-rate", "1000", "--search-rate", "1000") as url:
        for count in (SMALL, LARGE):
            project = make_project({"accounts.yaml": numbered_accounts(count)}, name=f"project-{count}",
                                   settings="skip_enrichment: true\n")
            written[count] = apply_counting_bytes(project, url)
            snapshot_size[count] = (project / "state" / "default.lfstate.json").stat().st_size
    per_account_small = written[SMALL] / SMALL
    per_account_large = written[LARGE] / LARGE
    # Linear: the bytes per account stay flat as N grows 4-fold (a snapshot rewritten per account
    # would make them grow about 4-fold too).
    assert per_account_large < 1.5 * per_account_small, written
    # And small: the journal (intent + outcome per account) and one snapshot, a few snapshots' worth.
    assert written[LARGE] < 6 * snapshot_size[LARGE], (written, snapshot_size)
