"""Which API a project talks to: the embedded emulator for `target: local`, else a real base URL."""

from __future__ import annotations

import os
from typing import Mapping

import httpx

from lfsync import httpdebug
from lfsync.errors import LfsyncError
from lfsync.lightfield import LightfieldClient
from lfsync.project import Project

LOCAL_API_KEY = "sk_lf_local_dev"
API_KEY_VARIABLE = "LIGHTFIELD_API_KEY"


def open_client(project: Project, *, concurrency: int = 8, env: Mapping[str, str] | None = None) -> LightfieldClient:
    env = os.environ if env is None else env
    if project.is_local:
        from lfsync.emulator import EmulatorConfig, create_app

        project.local_db_path.parent.mkdir(parents=True, exist_ok=True)
        app = create_app(EmulatorConfig(db_path=str(project.local_db_path)))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        # Never the user's real key: the local target has keys of its own.
        return LightfieldClient(project.base_url, LOCAL_API_KEY, transport=transport, event_hooks=_debug_hooks())
    api_key = env.get(API_KEY_VARIABLE)
    if not api_key:
        raise LfsyncError(f"{API_KEY_VARIABLE} is not set; it is required for target {project.target}")
    return LightfieldClient(
        project.base_url, api_key, max_connections=max(concurrency * 2, 8), event_hooks=_debug_hooks()
    )


def _debug_hooks() -> dict[str, list] | None:
    return httpdebug.event_hooks() if httpdebug.enabled() else None
