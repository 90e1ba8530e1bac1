"""Connecting to the API a project targets: the embedded emulator for `target: local`, else a real base URL."""

from __future__ import annotations

import os
from typing import Mapping

import httpx

from lfsync.api import debug as httpdebug
from lfsync.api.client import LightfieldClient
from lfsync.config.project import Project
from lfsync.errors import LfsyncError
from lfsync.support import secrets
from lfsync.support.secretfile import SecretFileError, read_secret_file

LOCAL_API_KEY = "sk_lf_local_dev"
API_KEY_VARIABLE = "LIGHTFIELD_API_KEY"
API_KEY_FILE_VARIABLE = "LIGHTFIELD_API_KEY_FILE"


def open_client(project: Project, *, concurrency: int = 8, env: Mapping[str, str] | None = None) -> LightfieldClient:
    env = os.environ if env is None else env
    if project.is_local:
        from lfsync.emulator import EmulatorConfig, create_app

        project.local_db_path.parent.mkdir(parents=True, exist_ok=True)
        app = create_app(EmulatorConfig(db_path=str(project.local_db_path)))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        # Never the user's real key: the local target has keys of its own.
        return LightfieldClient(project.base_url, LOCAL_API_KEY, transport=transport, debug=httpdebug.log())
    if project.api_key_env is not None:
        # a workspace of `workspaces:`: its own variable only, so a key never reaches another target
        api_key = env.get(project.api_key_env)
        secrets.remember_key(api_key)
        if not api_key:
            raise LfsyncError(f"{project.api_key_env} is not set; it holds the key of workspace {project.workspace!r} ({project.target})")
        return LightfieldClient(project.base_url, api_key, max_connections=max(concurrency * 2, 8), debug=httpdebug.log())
    api_key = api_key_from(env)
    secrets.remember_key(api_key)
    if not api_key:
        raise LfsyncError(
            f"{API_KEY_VARIABLE} is not set (nor {API_KEY_FILE_VARIABLE}); it is required for target {project.target}"
        )
    return LightfieldClient(
        project.base_url, api_key, max_connections=max(concurrency * 2, 8), debug=httpdebug.log()
    )


def api_key_from(env: Mapping[str, str]) -> str | None:
    """The key from the environment, or from the file LIGHTFIELD_API_KEY_FILE names (a mounted
    secret: a regular file, read with bounds by secretfile); one trailing line break of the file is
    not part of the key."""
    if env.get(API_KEY_VARIABLE):
        return env[API_KEY_VARIABLE]
    file_name = env.get(API_KEY_FILE_VARIABLE)
    if not file_name:
        return None
    try:
        return read_secret_file(file_name, API_KEY_FILE_VARIABLE, "the API key")
    except SecretFileError as error:
        raise LfsyncError(str(error)) from None
