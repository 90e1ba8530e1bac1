"""Reaching a project's organisation directly through the API, as another user or tool would
(plain HTTP: tests/wire.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from wire import WireApi, on_project


def create_directly(project: Path, *bodies: dict, workspace: str | None = None) -> list[str]:
    """Create accounts outside lfsync, in order (a later body may refer to an earlier ID); their IDs."""

    async def create() -> list[str]:
        async with on_project(project, workspace) as api:
            return [(await api.create_account(body))["id"] for body in bodies]

    return asyncio.run(create())


def act_directly(project: Path, act: Callable[[WireApi], Awaitable[object]]) -> None:
    """Run `await act(api)` against the project's organisation, as a demo user would."""

    async def run() -> None:
        async with on_project(project) as api:
            await act(api)

    asyncio.run(run())
