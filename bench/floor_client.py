"""The part of bench_workspaces.py's job that no client can skip, done as bare as Python allows:
import asyncio and httpx, ask each organisation what lfsync's apply asks before it may write
(auth/validate, the account definitions, the members: one round trip, all at once), then exit.
No lfsync, no files, no checks, no plan. bench_workspaces.py times it from its start to its exit;
any client's apply then still needs the organisation's (N - 25) / 25 s of paced writes and the last
write's answer, a latency, so that sum bounds the ratio this machine gives any Python client.

    python bench/floor_client.py BASE_URL [BASE_URL ...]
"""

from __future__ import annotations

import asyncio
import os
import sys

import httpx

# lfsync.api.client's API_VERSION, written out: this client imports nothing of lfsync
HEADERS = {"Authorization": f"Bearer {os.environ.get('LF_BENCH_KEY', 'sk_lf_local_dev')}", "Lightfield-Version": "2026-03-01"}
PREFLIGHT = ("/v1/auth/validate", "/v1/accounts/definitions", "/v1/members")


async def main(urls: list[str]) -> None:
    # One client for every organisation, no certificates loaded: the targets are the bench's plain-HTTP emulators
    async with httpx.AsyncClient(headers=HEADERS, timeout=30, verify=False) as client:
        asked = (client.get(url.rstrip("/") + path) for url in urls for path in PREFLIGHT)
        for answer in await asyncio.gather(*asked):
            answer.raise_for_status()
            answer.json()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
    sys.stdout.flush()
    os._exit(0)  # as lfsync ends (lfsync.support.fastexit): no interpreter teardown
