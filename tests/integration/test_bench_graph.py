"""bench/bench_graph.py keeps working: the script, run as a user runs it, applies a tiny CRM graph
(3 accounts, 6 contacts, 3 opportunities) to an unthrottled emulator with the real `lfsync apply`
and prints its table with every record stored once. No timing is asserted (the pace is judged
only by the benchmark itself, at the write limit)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_the_graph_benchmark_applies_a_tiny_graph_and_counts_every_kind():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTFIELD_", "LFSYNC_"))}
    done = subprocess.run(
        [sys.executable, str(BENCH / "bench_graph.py"), "--sizes", "3/6/3", "--unthrottled"],
        cwd=BENCH, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    header, row = (re.split(r"\s{2,}", line.strip()) for line in done.stdout.splitlines()[2:4])
    measured = dict(zip(header, row, strict=True))
    assert (measured["size"], measured["records"], measured["writes"]) == ("3/6/3", "12", "12")
    assert (measured["link writes"], measured["429s"]) == ("0", "0")
    assert (measured["dupes a/c/o"], measured["missing a/c/o"]) == ("0/0/0", "0/0/0")
    assert measured["ratio"] == "n/a" and done.stdout.rstrip().endswith("every goal met")
