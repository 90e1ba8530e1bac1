"""How long `lfsync plan --refresh` takes for N managed accounts at Lightfield's documented limits.

    python bench/bench_refresh.py [--accounts 2000] [--skip-old]

Seeds a fresh emulator with N accounts (through `lfsync apply`, unthrottled), then serves the same
database at the documented limits (25 reads/s, 25 lists/s, 25 writes/s) with 100 ms latency and
measures: the whole `lfsync plan --refresh` process (what plain `lfsync plan` does by default),
`lfsync plan --no-refresh` (what the refresh adds is the difference), the refresh alone in-process (list pages, then retrieves of what
the lists did not settle) and the old path, one retrieve per account (`refresh.retrieve_each` over
every record). Goal (issue 8): <= 1.3 x (N/25 / 25) s. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

from lfsync.api.client import LIST_PAGE_SIZE, LightfieldClient
from lfsync.api.pacing import DOCUMENTED_RATE_PER_SECOND as LIMIT
from lfsync.emulator.testing import served_emulator
from lfsync.kinds.catalogue import ACCOUNT
from lfsync.operations.declared_project import learn_organisation, load_declared
from lfsync.remote.refresh import refresh_remote, retrieve_each
from lfsync.state.workspace import load_state

from harness import API_KEY, many_accounts, write_project

UNTHROTTLED = ("--write-rate", "2000", "--read-rate", "2000", "--search-rate", "2000")
AT_THE_LIMITS = ("--write-rate", f"{LIMIT:g}", "--read-rate", f"{LIMIT:g}", "--search-rate", f"{LIMIT:g}",
                 "--latency-ms", "100")
GOAL_FACTOR = 1.3


@dataclass(frozen=True)
class Row:
    what: str
    seconds: float
    requests: str = "n/a"  # what was sent, by kind, when the row can see it
    exit_code: int | None = None


def lfsync_env(base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTFIELD_", "LFSYNC_"))}
    return {**env, "LIGHTFIELD_BASE_URL": base_url, "LIGHTFIELD_API_KEY": API_KEY, "NO_COLOR": "1"}


def run_cli(base_url: str, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    finished = subprocess.run([sys.executable, "-m", "lfsync", *args], env=lfsync_env(base_url),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, finished


def seed(project: Path, base_url: str) -> None:
    _, finished = run_cli(base_url, "apply", str(project), "--auto-approve", "--concurrency", "16")
    if finished.returncode != 0:
        raise SystemExit(f"seeding failed:\n{finished.stdout[-2000:]}\n{finished.stderr[-2000:]}")


class Tally:
    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()

    async def on_request(self, request: httpx.Request) -> None:
        path = request.url.path
        self.sent["list" if path == "/v1/accounts" else "retrieve" if path.startswith("/v1/accounts/acc_") else "other"] += 1

    def describe(self) -> str:
        return ", ".join(f"{kind} {count}" for kind, count in sorted(self.sent.items()))


async def in_process(project: Path, base_url: str, old: bool) -> Row:
    """The refresh alone: the same client, state and definitions `plan --refresh` uses."""
    tally = Tally()
    declared = load_declared(project)
    state = load_state(declared.project)
    async with LightfieldClient(base_url, API_KEY, event_hooks={"request": [tally.on_request]}) as client:
        declared = await learn_organisation(client, declared)
        fields = declared.organisation.organisation.fields if declared.organisation else {}
        tally.sent.clear()
        started = time.perf_counter()
        if old:
            trashed = {r.id: r for r in await client.list_records(ACCOUNT, status="trashed")}
            records = await retrieve_each(client, ACCOUNT, state.resources, trashed, fields)
        else:
            records = await refresh_remote(client, state, {"account": fields})
        seconds = time.perf_counter() - started
    assert len(records) == len(state.resources) and all(r.status == "present" for r in records.values())
    what = "old: one retrieve per account (in-process)" if old else "new: list pages, then retrieves (in-process)"
    return Row(what, seconds, tally.describe())


def measure(count: int, skip_old: bool) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="lfsync-bench-refresh-") as scratch:
        database = Path(scratch) / "emulator.db"
        with served_emulator(database, *UNTHROTTLED) as url:
            project = write_project(Path(scratch) / "project", many_accounts(count), url)
            print(f"seeding {count} accounts ...", file=sys.stderr)
            seed(project, url)
        with served_emulator(database, *AT_THE_LIMITS) as url:
            settings = project / "lfsync.yaml"
            settings.write_text(settings.read_text().replace(settings.read_text().split("\n")[0], f"target: {url}"))
            rename_state_target(project, url)
            for args, what in ((("plan", "--refresh", "--detailed-exitcode"), "lfsync plan --refresh (whole process)"),
                               (("plan", "--no-refresh", "--detailed-exitcode"), "lfsync plan --no-refresh (whole process)")):
                print(f"{what} ...", file=sys.stderr)
                seconds, finished = run_cli(url, *args, str(project))
                rows.append(Row(what, seconds, exit_code=finished.returncode))
            print("refresh in-process ...", file=sys.stderr)
            rows.append(asyncio.run(in_process(project, url, old=False)))
            if not skip_old:
                print("old path in-process ...", file=sys.stderr)
                rows.append(asyncio.run(in_process(project, url, old=True)))
    return rows


def rename_state_target(project: Path, url: str) -> None:
    """The second emulator serves the same data on another port: the state names its target."""
    import json

    for path in (project / "state").glob("*.lfstate.json"):
        document = json.loads(path.read_text())
        document["target"] = url
        path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")


def render(rows: list[Row], count: int) -> str:
    goal = GOAL_FACTOR * count / LIST_PAGE_SIZE / LIMIT
    refresh_added = rows[0].seconds - rows[1].seconds
    lines = [f"plan --refresh of {count} managed accounts: emulator {' '.join(AT_THE_LIMITS)}, {os.cpu_count()} CPUs",
             f"goal: <= {GOAL_FACTOR} x ({count}/{LIST_PAGE_SIZE} / {LIMIT:g}) = {goal:.2f} s", ""]
    header = f"{'what':<48} {'seconds':>8} {'÷ goal':>7} {'exit':>5}  requests"
    lines += [header]
    for row in rows:
        exit_code = "" if row.exit_code is None else str(row.exit_code)
        lines.append(f"{row.what:<48} {row.seconds:>8.2f} {row.seconds / goal:>7.2f} {exit_code:>5}  {row.requests}")
    lines.append(f"{'refresh added to plan (first row - second row)':<48} {refresh_added:>8.2f} {refresh_added / goal:>7.2f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--skip-old", action="store_true", help="skip the one-retrieve-per-account path (N/25 s)")
    options = parser.parse_args()
    rows = measure(options.accounts, options.skip_old)
    print(render(rows, options.accounts))
    goal = GOAL_FACTOR * options.accounts / LIST_PAGE_SIZE / LIMIT
    sys.exit(0 if rows[0].seconds <= goal and rows[0].exit_code == 0 else 1)


if __name__ == "__main__":
    main()
