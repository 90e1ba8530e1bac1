"""Seeding many organisations at once: `lfsync apply --all-workspaces` against three served
emulators (three organisations, each with its own write limit), next to the same three applied one
after another.

    python bench/bench_workspaces.py [--accounts 100] [--quick]

Each run gets fresh emulator processes (fresh databases) and a fresh project: one CSV baseline of
N accounts and three workspaces. Prints one table; the ratio is all-at-once time over the sum of
the separate times (1/3 is the ideal for three organisations). See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from lfsync.api.pacing import DOCUMENTED_RATE_PER_SECOND as WRITE_LIMIT
from lfsync.declare.csvfile import csv_text
from lfsync.emulator.testing import served_emulator

from harness import count_on_server, many_accounts

WORKSPACES = ("demo-eu", "demo-us", "demo-apac")
KEY_VARIABLE = "LF_BENCH_KEY"
EMULATOR_FLAGS = ("--write-rate", f"{WRITE_LIMIT:g}", "--latency-ms", "150", "--latency-jitter-ms", "30",
                  "--search-rate", "1000", "--seed", "7")
QUICK_ACCOUNTS, FULL_ACCOUNTS = 50, 100


def write_project(directory: Path, accounts: list[dict], urls: dict[str, str]) -> Path:
    directory.mkdir(parents=True)
    workspaces = "".join(f"  {name}: {{target: {url}, api_key_env: {KEY_VARIABLE}}}\n" for name, url in urls.items())
    (directory / "lfsync.yaml").write_text(f"skip_enrichment: true\nworkspaces:\n{workspaces}", encoding="utf-8")
    rows = [(f"acct-{number:05d}", {"fields": fields}) for number, fields in enumerate(accounts)]
    (directory / "accounts.csv").write_text(csv_text(rows), encoding="utf-8")
    return directory


def timed_apply(project: Path, *selection: str) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTFIELD_", "LFSYNC_"))}
    env |= {KEY_VARIABLE: "sk_lf_local_dev", "NO_COLOR": "1"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "lfsync", "apply", str(project), "--auto-approve", *selection],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"apply {' '.join(selection)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def run(scratch: Path, accounts: list[dict], together: bool) -> tuple[list[float], list[int]]:
    """Seconds per apply (one, or one per workspace) and accounts stored per organisation."""
    names = [fields["$name"] for fields in accounts]
    with ExitStack() as stack:
        urls = {name: stack.enter_context(served_emulator(scratch / f"{name}.db", *EMULATOR_FLAGS)) for name in WORKSPACES}
        project = write_project(scratch / "project", accounts, urls)
        if together:
            times = [timed_apply(project, "--all-workspaces")]
        else:
            times = [timed_apply(project, "--workspace", name) for name in WORKSPACES]
        stored = [count_on_server(url, names).stored for url in urls.values()]
    return times, stored


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ACCOUNTS} accounts per organisation")
    arguments = parser.parse_args()
    count = arguments.accounts or (QUICK_ACCOUNTS if arguments.quick else FULL_ACCOUNTS)
    accounts = many_accounts(count)
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        print(f"applying {count} accounts to each of {len(WORKSPACES)} organisations, one after another...", file=sys.stderr)
        separate, separate_stored = run(Path(first), accounts, together=False)
        print("applying them with --all-workspaces...", file=sys.stderr)
        [together], together_stored = run(Path(second), accounts, together=True)
    total = sum(separate)
    rows = [
        *((f"apply --workspace {name}", f"{seconds:.1f}", str(stored)) for name, seconds, stored in zip(WORKSPACES, separate, separate_stored)),
        ("sum of the separate applies", f"{total:.1f}", str(sum(separate_stored))),
        ("apply --all-workspaces", f"{together:.1f}", str(sum(together_stored))),
    ]
    print(f"{len(WORKSPACES)} served emulators, --write-rate {WRITE_LIMIT:g}, 150-180 ms per request, {count} accounts each")
    widths = [max(len(row[i]) for row in [("run", "seconds", "stored"), *rows]) for i in range(3)]
    for row in [("run", "seconds", "stored"), *rows]:
        print(f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}")
    print(f"ratio --all-workspaces / sum of separate: {together / total:.2f} (ideal {1 / len(WORKSPACES):.2f})")
    expected = count * len(WORKSPACES)
    return 0 if sum(separate_stored) == expected and sum(together_stored) == expected else 1


if __name__ == "__main__":
    raise SystemExit(main())
