"""lfsync applies as separate processes (what crash tests kill), against a served emulator."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from lfsync.lightfield import LIST_PAGE_SIZE, retry_after_seconds

LOCAL_KEY = "sk_lf_local_dev"


def lfsync_env(base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTFIELD_", "LFSYNC_"))}
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
