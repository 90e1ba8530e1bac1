"""Seeding many organisations at once: `lfsync apply --all-workspaces` in one process against 8
served emulators (8 organisations, each with its own write limit), 200 accounts each.

    python bench/bench_workspaces.py [--workspaces 8] [--accounts 200] [--latency-ms 100]

Each emulator runs `--write-rate 25 --latency-ms 100` in a process of its own with a fresh
database; one project holds a CSV baseline of N accounts and `workspaces:` naming the emulators.
The apply is timed from the process's start to its exit. An organisation's bucket starts full, so
its first 25 writes go at once and the other N - 25 take (N - 25) / 25 s at best; the ratio is that
best over the whole process's wall time (1.0: every organisation written at its full rate, all at
once, start-up and planning included). Target: >= 0.9. See bench/README.md. Where the wall went, from
each organisation's accounts as listed after the apply (their createdAt against the process's start
and exit): until the last organisation's first write, the longest run of writes, and after the last.

Then the bound this machine sets on any Python client that asks before it writes, as lfsync does
(--no-floor skips it): bench/floor_client.py, asyncio and httpx without lfsync, asks eight fresh
emulators what an apply must ask before it writes and exits (the best of three runs); such a
client's wall is at least that, plus the best above and the last write's answer (a latency).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lfsync.api.pacing import DOCUMENTED_RATE_PER_SECOND as WRITE_LIMIT
from lfsync.declare.csvwrite import csv_text
from lfsync.emulator.testing import served_emulator

from harness import compile_lfsync, count_records, list_all_accounts, many_accounts

KEY_VARIABLE = "LF_BENCH_KEY"
TARGET_RATIO = 0.9


def emulator_flags(latency_ms: int) -> tuple[str, ...]:
    return ("--write-rate", f"{WRITE_LIMIT:g}", "--latency-ms", str(latency_ms), "--search-rate", "1000", "--seed", "7")


def write_project(directory: Path, accounts: list[dict], urls: dict[str, str]) -> Path:
    directory.mkdir(parents=True)
    workspaces = "".join(f"  {name}: {{target: {url}, api_key_env: {KEY_VARIABLE}}}\n" for name, url in urls.items())
    (directory / "lfsync.yaml").write_text(f"skip_enrichment: true\nworkspaces:\n{workspaces}", encoding="utf-8")
    rows = [(f"acct-{number:05d}", {"fields": fields}) for number, fields in enumerate(accounts)]
    (directory / "accounts.csv").write_text(csv_text(rows), encoding="utf-8")
    return directory


@dataclass(frozen=True)
class Run:
    started: float  # the machine's time (time.time()) when the process was started
    seconds: float  # from its start to its exit
    printed: str


def timed_run(what: str, arguments: list[str]) -> Run:
    """`python ARGUMENTS` timed from its start to its exit, and what it printed; no LIGHTFIELD_ or
    LFSYNC_ variable of ours reaches it, the bench key does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTFIELD_", "LFSYNC_"))}
    env |= {KEY_VARIABLE: "sk_lf_local_dev", "NO_COLOR": "1"}
    started_at, started = time.time(), time.perf_counter()
    done = subprocess.run([sys.executable, *arguments], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stdout}\n{done.stderr}")
    return Run(started_at, elapsed, done.stdout)


def timed_apply(project: Path) -> Run:
    """`lfsync apply --all-workspaces`, timed from its start to its exit."""
    return timed_run("apply --all-workspaces", ["-m", "lfsync", "apply", str(project), "--auto-approve", "--all-workspaces"])


def rollup(printed: str) -> str:
    return printed[printed.rfind("Workspaces:"):].splitlines()[0]


def timed_floor(urls: list[str]) -> float:
    """Seconds from the start of bench/floor_client.py to its exit: Python, httpx and one round trip."""
    return timed_run("floor_client.py", [str(Path(__file__).with_name("floor_client.py")), *urls]).seconds


@dataclass(frozen=True)
class Writes:
    """When an organisation stored its first and its last account (their createdAt: the emulator's
    clock is this machine's, stamped after the request's latency)."""

    first: float
    last: float


def stored_writes(records: list[dict]) -> Writes:
    moments = [datetime.fromisoformat(record["createdAt"]).timestamp() for record in records]
    return Writes(min(moments), max(moments))


def phase_rows(run: Run, writes: list[Writes], best: float) -> list[tuple[str, str]]:
    """Where the apply's wall time went, as the organisations saw it: until the last of them stored
    its first account, the longest run of writes, and from the last account stored to the exit."""
    if not writes:
        return []
    last_first = max(organisation.first for organisation in writes) - run.started
    longest = max(organisation.last - organisation.first for organisation in writes)
    after = run.started + run.seconds - max(organisation.last for organisation in writes)
    return [
        ("  start to first write (s)", f"{last_first:.2f}  (to the first account stored by the organisation that began last)"),
        ("  first to last write (s)", f"{longest:.2f}  (the longest organisation; {best:.1f} at best)"),
        ("  last write to exit (s)", f"{after:.2f}  (the last account stored to the process's exit)"),
    ]


def floor_rows(workspaces: int, best: float, latency_ms: int) -> list[tuple[str, str]]:
    """What no client can skip (floor_client.py against as many fresh emulators, the best of three),
    and the ratio that leaves any client."""
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        flags = emulator_flags(latency_ms)
        urls = [stack.enter_context(served_emulator(Path(scratch) / f"{number}.db", *flags)) for number in range(workspaces)]
        print("the bound: bench/floor_client.py against fresh organisations...", file=sys.stderr)
        preflight = min(timed_floor(urls) for _ in range(3))
    bound = preflight + best + latency_ms / 1000
    return [
        ("bare start and preflight (s)", f"{preflight:.2f}  (bench/floor_client.py: Python, httpx, one round trip; best of 3)"),
        ("bound (s)", f"{bound:.2f}  (that + {best:.1f} s of writes + the last answer's {latency_ms} ms)"),
        ("ratio bound", f"{best / bound:.2f}  (the most this machine gives a Python client that asks before it writes)"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, default=8)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--no-floor", action="store_true", help="skip the bound (bench/floor_client.py)")
    arguments = parser.parse_args()
    compile_lfsync()  # the lfsync a user runs is byte-compiled (harness.compile_lfsync)
    count, names = arguments.accounts, [f"org-{number:02d}" for number in range(arguments.workspaces)]
    accounts = many_accounts(count)
    expected_names = [fields["$name"] for fields in accounts]
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        flags = emulator_flags(arguments.latency_ms)
        urls = {name: stack.enter_context(served_emulator(Path(scratch) / f"{name}.db", *flags)) for name in names}
        project = write_project(Path(scratch) / "project", accounts, urls)
        print(f"applying {count} accounts to each of {len(names)} organisations with --all-workspaces...", file=sys.stderr)
        run = timed_apply(project)
        listed = {name: list_all_accounts(url) for name, url in urls.items()}
    stored = {name: count_records(records, expected_names) for name, records in listed.items()}
    best = max(count - WRITE_LIMIT, 0) / WRITE_LIMIT
    floor = [] if arguments.no_floor else floor_rows(len(names), best, arguments.latency_ms)
    wall, ratio = run.seconds, best / run.seconds
    print(f"{len(names)} served emulators, --write-rate {WRITE_LIMIT:g}, --latency-ms {arguments.latency_ms}, {count} accounts each")
    rows = [
        ("organisations", str(len(names))),
        ("accounts stored", f"{sum(s.stored for s in stored.values())} of {count * len(names)}"),
        ("duplicates, missing", f"{sum(s.duplicates for s in stored.values())}, {sum(s.missing for s in stored.values())}"),
        ("best per organisation (s)", f"{best:.1f}  ((N - {WRITE_LIMIT:g}) / {WRITE_LIMIT:g}/s)"),
        ("apply --all-workspaces (s)", f"{wall:.2f}  (the whole process)"),
        *phase_rows(run, [stored_writes(records) for records in listed.values() if records], best),
        ("ratio best / wall", f"{ratio:.2f}  (target >= {TARGET_RATIO})"),
        ("roll-up", rollup(run.printed)),
        *floor,
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    complete = all(s.stored == count and not s.duplicates and not s.missing for s in stored.values())
    return 0 if complete and ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
