"""An organisation's accounts over plain HTTP (httpx), the way a user of the raw API reaches them:
wire JSON in and out, no lfsync client. Tests use it to see what a server holds, and to change it
behind lfsync's back (a demo user's edit, a record made by another tool).

`WireApi` wraps one `httpx.AsyncClient`; `on_app`, `on_url` and `on_project` open one on an
in-process emulator app, a served URL, or whatever a project targets. Reads are retried while the
server refuses them for the moment (429, 5xx: fault-injecting emulators); writes are sent once,
except after a 429 (refused before anything was done).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from lfsync.api.errors import retry_after_seconds
from lfsync.config.project import load_project
from lfsync.emulator import EmulatorConfig, create_app

API_VERSION = "2026-03-01"  # the version the docs describe
LOCAL_KEY = "sk_lf_local_dev"
PAGE_LIMIT = 25  # the API's largest page
ATTEMPTS = 100
LONGEST_WAIT = 1.0  # seconds between attempts at most, whatever Retry-After says


class WireApi:
    """Accounts of one organisation through one httpx client; answers as the wire JSON."""

    def __init__(self, http: httpx.AsyncClient):
        self.http = http

    async def create_account(self, body: dict, idempotency_key: str | None = None) -> dict:
        key = idempotency_key or f"wire-{uuid.uuid4().hex}"
        return await self._write("POST", "/v1/accounts", body, {"Idempotency-Key": key})

    async def update_account(self, account_id: str, body: dict) -> dict:
        return await self._write("POST", f"/v1/accounts/{account_id}", body)

    async def delete_account(self, account_id: str) -> dict:
        return await self._write("DELETE", f"/v1/accounts/{account_id}")

    async def retrieve_account(self, account_id: str) -> dict:
        return await self._read(f"/v1/accounts/{account_id}")

    async def list_accounts(self, **params: Any) -> dict:
        """One page of GET /v1/accounts: `{object, data, totalCount}`."""
        return await self._read("/v1/accounts", params)

    async def list_all_accounts(self, **params: Any) -> list[dict]:
        """Every account the query matches, page after page until a short one."""
        records: list[dict] = []
        while True:
            page = await self.list_accounts(**params, limit=PAGE_LIMIT, offset=len(records))
            records += page["data"]
            if len(page["data"]) < PAGE_LIMIT:
                return records

    async def create_record(self, collection: str, body: dict, idempotency_key: str) -> dict:
        """POST /v1/<collection> (contacts, opportunities) with an idempotency key."""
        return await self._write("POST", f"/v1/{collection}", body, {"Idempotency-Key": idempotency_key})

    async def definitions(self, collection: str) -> dict:
        """GET /v1/<collection>/definitions: the fields and relationships of a record type."""
        return await self._read(f"/v1/{collection}/definitions")

    async def list_all_records(self, collection: str, **params: Any) -> list[dict]:
        """Every record of /v1/<collection> the query matches, page after page until a short one."""
        records: list[dict] = []
        while True:
            page = await self._read(f"/v1/{collection}", {**params, "limit": PAGE_LIMIT, "offset": len(records)})
            records += page["data"]
            if len(page["data"]) < PAGE_LIMIT:
                return records

    async def _write(self, method: str, path: str, body: dict | None = None, headers: dict[str, str] | None = None) -> dict:
        return await self._send(method, path, json=body, headers={"Content-Type": "application/json", **(headers or {})})

    async def _read(self, path: str, params: dict | None = None) -> dict:
        return await self._send("GET", path, params=params, retry_server_errors=True)

    async def _send(self, method: str, path: str, *, retry_server_errors: bool = False, **request: Any) -> dict:
        for _ in range(ATTEMPTS):
            response = await self.http.request(method, path, **request)
            refused_for_now = response.status_code == 429 or (retry_server_errors and response.status_code >= 500)
            if not refused_for_now:
                response.raise_for_status()
                return response.json()
            wait = retry_after_seconds(response.headers.get("retry-after")) or 0.01
            await asyncio.sleep(min(wait, LONGEST_WAIT))
        raise AssertionError(f"{method} {path} was refused {ATTEMPTS} times; last {response.status_code}")


def _headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}", "Lightfield-Version": API_VERSION}


@asynccontextmanager
async def on_app(app: Starlette, api_key: str = LOCAL_KEY) -> AsyncIterator[WireApi]:
    """An in-process emulator app (no app exceptions raised: a fault is an answer)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator", headers=_headers(api_key)) as http:
        yield WireApi(http)


@asynccontextmanager
async def on_url(base_url: str, api_key: str = LOCAL_KEY) -> AsyncIterator[WireApi]:
    async with httpx.AsyncClient(base_url=base_url, headers=_headers(api_key), timeout=30) as http:
        yield WireApi(http)


@asynccontextmanager
async def on_project(project: Path, workspace: str | None = None) -> AsyncIterator[WireApi]:
    """The organisation a project's workspace targets: its local emulator database (`target:
    local`), or its URL with the key its environment variable holds."""
    target = load_project(project, workspace=workspace)
    if target.is_local:
        target.local_db_path.parent.mkdir(parents=True, exist_ok=True)
        app = create_app(EmulatorConfig(db_path=str(target.local_db_path)))
        try:
            async with on_app(app) as api:
                yield api
        finally:
            app.state.emulator.close()
        return
    api_key = os.environ[target.api_key_env or "LIGHTFIELD_API_KEY"]
    async with on_url(target.base_url, api_key) as api:
        yield api


def accounts_of(project: Path, workspace: str | None = None, **params: Any) -> list[dict]:
    """Every account of a project's organisation the query matches (live ones by default)."""

    async def listed() -> list[dict]:
        async with on_project(project, workspace) as api:
            return await api.list_all_accounts(**params)

    return asyncio.run(listed())


def records_of(project: Path, collection: str, workspace: str | None = None, **params: Any) -> list[dict]:
    """Every record of /v1/<collection> of a project's organisation (live ones by default)."""

    async def listed() -> list[dict]:
        async with on_project(project, workspace) as api:
            return await api.list_all_records(collection, **params)

    return asyncio.run(listed())
