"""The clients under test, each creating the same accounts and timing only the creating itself.

Every contender returns a Run: seconds from just before the first request to the last answer, the
CPU seconds the client spent meanwhile, the HTTP statuses received (0 = no answer), and the failures
it surfaced to its user.
"""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import lightfield

from lfsync.apply.applier import Applier
from lfsync.operations.connection import open_client
from lfsync.operations.declared_project import load_declared
from lfsync.operations.planning import build_plan
from lfsync.plan.actions import Action, ApplyReport
from lfsync.state.workspace import locked_state

from harness import API_HEADERS, API_KEY

HTTP_TIMEOUT_SECONDS = 30.0


@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    statuses: Counter[int] | None  # None: the contender cannot see its requests (the CLI)
    failures: Counter[str] = field(default_factory=Counter)


# -- lfsync --------------------------------------------------------------------------------------
def lfsync_in_process(project_dir: Path, concurrency: int) -> Run:
    """What `lfsync apply` does, wired the same way, with only `Applier.execute` timed."""
    return asyncio.run(_apply(project_dir, concurrency))


async def _apply(project_dir: Path, concurrency: int) -> Run:
    declared = load_declared(project_dir)
    with locked_state(declared.project, "bench") as state:
        plan = build_plan(declared, state)
        if plan.problems or any(change.action != Action.CREATE for change in plan.changes):
            raise RuntimeError(f"unexpected plan for a fresh project: {plan.problems or plan.changes[:3]}")
        async with open_client(declared.project, concurrency=concurrency, env={"LIGHTFIELD_API_KEY": API_KEY}) as client:
            applier = Applier(client, state, declared.desired, declared.project.workspace, concurrency=concurrency)
            started, cpu_started = time.perf_counter(), time.process_time()
            report = await applier.execute(plan.changes)
            seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        state.compact()
    return Run(seconds, cpu_seconds, client.statuses, _lfsync_failures(report))


def _lfsync_failures(report: ApplyReport) -> Counter[str]:
    kinds = {"rejected": len(report.failed), "unsettled": len(report.unsettled)}
    return Counter({kind: count for kind, count in kinds.items() if count})


def lfsync_cli(project_dir: Path, base_url: str, concurrency: int, count_statuses: bool = False) -> Run:
    """`python -m lfsync apply DIR --auto-approve`: wall clock of the whole process (start-up, plan, compaction).

    With `count_statuses`, it runs with `--debug` and the answers' statuses are read from the
    exchange it prints (`< 429 ...` lines): exact, at the cost of printing every exchange."""
    env = {**os.environ, "LIGHTFIELD_BASE_URL": base_url, "LIGHTFIELD_API_KEY": API_KEY, "NO_COLOR": "1"}
    debug = ["--debug"] if count_statuses else []
    command = [sys.executable, "-m", "lfsync", *debug, "apply", str(project_dir), "--auto-approve",
               "--concurrency", str(concurrency)]
    started, cpu_started = time.perf_counter(), _children_cpu_seconds()
    finished = subprocess.run(command, check=False, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    seconds, cpu_seconds = time.perf_counter() - started, _children_cpu_seconds() - cpu_started
    failures = Counter({f"exit code {finished.returncode}": 1}) if finished.returncode else Counter()
    statuses = _debug_statuses(finished.stderr) if count_statuses else None
    return Run(seconds, cpu_seconds, statuses, failures)


def _debug_statuses(stderr: str) -> Counter[int]:
    """Statuses of the write requests in `--debug` output (`< 200 OK (POST /v1/accounts)`)."""
    found: Counter[int] = Counter()
    for line in stderr.splitlines():
        if line.startswith("< ") and "(POST " in line:
            found[int(line.split()[1])] += 1
    return found


def _children_cpu_seconds() -> float:
    """CPU of the child processes already waited for (the emulator still runs: not counted yet)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# -- the official SDK, as a user would call it -----------------------------------------------------
class StatusTally:
    """Counts what an httpx client sends and the statuses it gets back, from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent = 0
        self._answered: Counter[int] = Counter()

    def on_request(self, request: httpx.Request) -> None:
        with self._lock:
            self._sent += 1

    def on_response(self, response: httpx.Response) -> None:
        """Hooks run once the headers are in: an answer counts only once its body arrived too."""
        response.read()  # a dropped connection raises here, as it would in the SDK's own read
        with self._lock:
            self._answered[response.status_code] += 1

    def statuses(self) -> Counter[int]:
        with self._lock:
            unanswered = self._sent - sum(self._answered.values())
            return self._answered + Counter({0: unanswered})


def _sdk_client(base_url: str, tally: StatusTally) -> lightfield.Lightfield:
    """Default settings (max_retries=2, no Idempotency-Key); the hooks only watch."""
    http_client = lightfield.DefaultHttpxClient(
        event_hooks={"request": [tally.on_request], "response": [tally.on_response]}
    )
    return lightfield.Lightfield(api_key=API_KEY, base_url=base_url, http_client=http_client)


def _sdk_create(client: lightfield.Lightfield, fields: dict) -> str | None:
    """Create one account; the name of the exception the SDK raised, if it gave up."""
    try:
        client.account.create(fields=fields, skip_enrichment=True)
    except lightfield.APIError as error:
        return type(error).__name__
    return None


def sdk_sequential(base_url: str, accounts: list[dict]) -> Run:
    tally = StatusTally()
    with _sdk_client(base_url, tally) as client:
        started, cpu_started = time.perf_counter(), time.process_time()
        outcomes = [_sdk_create(client, fields) for fields in accounts]
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return Run(seconds, cpu_seconds, tally.statuses(), Counter(filter(None, outcomes)))


def sdk_thread_pool(base_url: str, accounts: list[dict], threads: int) -> Run:
    tally = StatusTally()
    with _sdk_client(base_url, tally) as client, ThreadPoolExecutor(threads) as pool:
        started, cpu_started = time.perf_counter(), time.process_time()
        outcomes = list(pool.map(lambda fields: _sdk_create(client, fields), accounts))
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return Run(seconds, cpu_seconds, tally.statuses(), Counter(filter(None, outcomes)))


# -- a bare asyncio loop over httpx: the floor for lfsync's overhead ------------------------------
def bare_httpx(base_url: str, accounts: list[dict], concurrency: int) -> Run:
    return asyncio.run(_post_all(base_url, accounts, concurrency))


async def _post_all(base_url: str, accounts: list[dict], concurrency: int) -> Run:
    statuses: Counter[int] = Counter()
    slots = asyncio.Semaphore(concurrency)
    connections = max(concurrency * 2, 8)  # as lfsync.operations.connection.open_client sizes its pool
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, headers=API_HEADERS, limits=limits, timeout=HTTP_TIMEOUT_SECONDS) as client:

        async def create(fields: dict) -> None:
            body = {"fields": fields, "skipEnrichment": True}
            headers = {"Idempotency-Key": f"bench-{uuid.uuid4().hex}", "Content-Type": "application/json"}
            async with slots:
                response = await client.post("/v1/accounts", json=body, headers=headers)
            statuses[response.status_code] += 1

        started, cpu_started = time.perf_counter(), time.process_time()
        await asyncio.gather(*(create(fields) for fields in accounts))
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    failures = Counter({f"HTTP {status}": count for status, count in statuses.items() if status >= 400})
    return Run(seconds, cpu_seconds, statuses, failures)
