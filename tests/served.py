"""lfsync applies as separate processes (what crash tests kill), against a served emulator."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from lfsync.api.client import LIST_PAGE_SIZE, retry_after_seconds
from lfsync.config.project import load_project
from lfsync.state.workspace import load_state

LOCAL_KEY = "sk_lf_local_dev"


def lfsync_env(base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTFIELD_", "LFSYNC_")) or k == "LFSYNC_BACKEND"}
    return {**env, "LIGHTFIELD_BASE_URL": base_url, "LIGHTFIELD_API_KEY": LOCAL_KEY, "NO_COLOR": "1"}


def start_apply(project: Path, base_url: str, *flags: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "lfsync", "apply", str(project), "--auto-approve", *flags],
        env=lfsync_env(base_url),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _api(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {LOCAL_KEY}", "Lightfield-Version": "2026-03-01"})


def _list_page(client: httpx.Client, offset: int, limit: int = LIST_PAGE_SIZE) -> dict:
    """One list page, retried while the emulator injects faults or rate-limits."""
    for _ in range(200):
        response = client.get("/v1/accounts", params={"limit": limit, "offset": offset})
        if response.status_code == 200:
            return response.json()
        time.sleep(min(retry_after_seconds(response.headers.get("retry-after")) or 0.05, 1.0))
    raise AssertionError(f"the emulator kept refusing list requests: {response.status_code}")


def all_accounts(base_url: str) -> list[dict]:
    """Every live account, read with retries (the emulator may be injecting faults)."""
    records: list[dict] = []
    with _api(base_url) as client:
        while True:
            page = _list_page(client, len(records))
            records += page["data"]
            if len(page["data"]) < LIST_PAGE_SIZE:
                return records


def account_count(base_url: str) -> int:
    """Live accounts on our emulator (its totalCount is exact; the real API's need not be)."""
    with _api(base_url) as client:
        return _list_page(client, 0, limit=1)["totalCount"]


def wait_until(condition, process: subprocess.Popen, poll_seconds: float = 0.02) -> bool:
    """Poll `condition` until it holds (True) or `process` has exited (False). Waits on an
    observable event, not on a guess of how long a start-up takes."""
    while process.poll() is None:
        if condition():
            return True
        time.sleep(poll_seconds)
    return False


def numbered_accounts(count: int, score_offset: int = 0) -> str:
    """`count` accounts acct-0000...; `score_offset` shifts every icp-score (an update of them all)."""
    return "accounts:\n" + "".join(
        f"  acct-{i:04d}:\n    fields:\n      $name: Crash Test {i:04d}\n      icp-score: {(i + score_offset) % 100}\n"
        for i in range(count)
    )


# --- crash tests: one project of numbered accounts, checked exactly once on server and in state ---

FAULTS = ("--drop-after-commit-rate", "0.1", "--fail-rate", "0.05")
ACCOUNTS = 300


def crash_project(make_project) -> Path:
    return make_project({"accounts.yaml": numbered_accounts(ACCOUNTS)}, settings="skip_enrichment: true\n")


def assert_exactly_once(project: Path, base_url: str) -> None:
    records = all_accounts(base_url)
    names = [r["fields"]["$name"]["value"] for r in records]
    assert len(names) == len(set(names)), f"duplicates: {len(names) - len(set(names))}"
    assert sorted(names) == sorted(f"Crash Test {i:04d}" for i in range(ACCOUNTS))
    # From the backend LFSYNC_BACKEND names, if any.
    state = load_state(load_project(project, env={**os.environ, "LIGHTFIELD_BASE_URL": base_url}))
    by_name = {r["fields"]["$name"]["value"]: r["id"] for r in records}
    assert len(state.resources) == ACCOUNTS
    for address, resource in state.resources.items():
        assert by_name[f"Crash Test {address.split('-')[1]}"] == resource.id, address
    assert not state.pending
    local_journal = project / "state" / "default.journal.jsonl"
    assert not local_journal.exists()
