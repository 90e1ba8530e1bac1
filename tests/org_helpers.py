"""Reaching a project's organisation directly through the API, as another user or tool would."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from lfsync.config.project import load_project
from lfsync.operations.connection import open_client


def create_directly(project: Path, *bodies: dict, workspace: str | None = None) -> list[str]:
    """Create accounts outside lfsync, in order (a later body may refer to an earlier ID); their IDs."""

    async def create() -> list[str]:
        ids: list[str] = []
        async with open_client(load_project(project, workspace=workspace)) as client:
            for body in bodies:
                answer = await client.create_account(body, f"test-{uuid.uuid4().hex}")
                ids.append(answer.body["id"])
        return ids

    return asyncio.run(create())


def all_accounts(project: Path) -> list[dict]:
    async def fetch() -> list[dict]:
        async with open_client(load_project(project)) as client:
            return await client.list_all_accounts()

    return asyncio.run(fetch())


def act_directly(project: Path, act) -> None:
    """Run `await act(client)` against the project's organisation, as a demo user would."""

    async def run() -> None:
        async with open_client(load_project(project)) as client:
            await act(client)

    asyncio.run(run())
