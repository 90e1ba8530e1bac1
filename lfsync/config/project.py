"""A project directory: lfsync.yaml settings, environment overrides, file locations."""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from lfsync.config.globs import DEFAULT_DECLARATION_GLOBS, glob_problem
from lfsync.errors import DeclarationError, LfsyncError, SourceLocation, display_path

SETTINGS_FILE = "lfsync.yaml"
SCHEMA_FILE = "lfsync.schema.json"  # the JSON Schema `lfsync init` writes for editors
DEFAULT_STATE_DIR = "state"
LOCAL_TARGET = "local"
LOCAL_DIR = ".lfsync"
LOCAL_BACKEND = "local"
POSTGRES_SCHEMES = ("postgresql", "postgres")
LOCAL_SERVE_URL = "http://127.0.0.1:8787"
WORKSPACE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
LOOPBACK_HOSTS = ("localhost", "::1")
SETTING_TYPES: dict[str, type] = {
    "target": str,
    "workspace": str,
    "state_dir": str,
    "skip_enrichment": bool,
    "declarations": list,
    "identity": str,
    "backend": str,
    "owns_organisation": bool,
    "workspaces": dict,
}
# what one entry of `workspaces:` may set
WORKSPACE_SETTING_TYPES: dict[str, type] = {"target": str, "api_key_env": str, "owns_organisation": bool}
ENV_VARIABLE_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DEFAULT_IDENTITY = "$name"


@dataclass(frozen=True)
class Project:
    root: Path
    target: str
    workspace: str
    state_dir: Path
    skip_enrichment: bool
    declaration_globs: tuple[str, ...] = DEFAULT_DECLARATION_GLOBS
    identity: str = DEFAULT_IDENTITY  # the field --adopt matches existing records on
    backend: str = LOCAL_BACKEND  # where state lives: local files, or a PostgreSQL URL (backend.py)
    # `lfsync reset` trashes live accounts nobody declared only when this is set (off by default)
    owns_organisation: bool = False
    # a workspace of `workspaces:`: the variable holding its key (only ever sent to its own target)
    api_key_env: str | None = None
    workspace_names: tuple[str, ...] = ()  # every workspace `workspaces:` declares
    from_workspaces: bool = False  # this is one of them (a local one gets a database of its own)

    @property
    def is_local(self) -> bool:
        return self.target == LOCAL_TARGET

    @property
    def local_db_path(self) -> Path:
        # Local workspaces of `workspaces:` are separate organisations: one database each.
        return self.root / LOCAL_DIR / (f"local-{self.workspace}.db" if self.from_workspaces else "local.db")

    @property
    def base_url(self) -> str:
        # The local target is served in-process and never contacted at this address; it is where
        # `lfsync emulator serve --db .lfsync/local.db` serves the same data, so httpLinks work there.
        return LOCAL_SERVE_URL if self.is_local else self.target

    def state_file(self, suffix: str) -> Path:
        return self.state_dir / f"{self.workspace}.{suffix}"


def load_project(
    directory: Path, env: Mapping[str, str] | None = None, *, settings_required: bool = True, workspace: str | None = None
) -> Project:
    """`settings_required=False` for commands that work on any folder of YAML (fmt), as terraform
    fmt does; every command that plans, applies or keeps state needs lfsync.yaml. `workspace` names
    an entry of `workspaces:` (its own target and key); without it, the project's own settings."""
    env = os.environ if env is None else env
    root = directory.resolve()
    if not root.is_dir():
        raise LfsyncError(f"{display_path(directory)}: not a directory")
    settings = _read_settings(root, settings_required)
    if workspace is not None:
        return _workspace_project(root, settings, workspace, env)
    target = (env.get("LIGHTFIELD_BASE_URL") or settings.get("target", LOCAL_TARGET)).rstrip("/")
    workspace = env.get("LFSYNC_WORKSPACE") or settings.get("workspace", "default")
    if not WORKSPACE_PATTERN.fullmatch(workspace):
        raise LfsyncError(
            f"workspace {workspace!r} is not a valid name (letters, digits, '_', '-', '.')"
        )
    return _project(root, settings, env, target, workspace, owns_organisation=settings.get("owns_organisation", False))


def _project(root: Path, settings: dict, env: Mapping[str, str], target: str, workspace: str, **per_workspace: Any) -> Project:
    """A Project from lfsync.yaml's project-wide settings; `per_workspace` what the workspace sets itself."""
    if target != LOCAL_TARGET:
        check_target_url(target)
    return Project(
        root=root,
        target=target,
        workspace=workspace,
        state_dir=(root / settings.get("state_dir", DEFAULT_STATE_DIR)).resolve(),
        skip_enrichment=settings.get("skip_enrichment", False),
        declaration_globs=tuple(str(glob) for glob in settings.get("declarations", DEFAULT_DECLARATION_GLOBS)),
        identity=settings.get("identity", DEFAULT_IDENTITY),
        backend=_backend(settings, env),
        workspace_names=tuple(settings.get("workspaces") or {}),
        **per_workspace,
    )


def _backend(settings: dict, env: Mapping[str, str]) -> str:
    """Where state lives: LFSYNC_BACKEND, else `backend:` (checked where it was read), else local."""
    backend = env.get("LFSYNC_BACKEND") or settings.get("backend", LOCAL_BACKEND)
    if env.get("LFSYNC_BACKEND") and (problem := backend_problem(backend, from_settings=False)):
        raise LfsyncError(f"LFSYNC_BACKEND: {problem}")
    return backend


def _workspace_project(root: Path, settings: dict, name: str, env: Mapping[str, str]) -> Project:
    """A workspace of `workspaces:`: its own target, key variable, state and lock. Neither
    LIGHTFIELD_BASE_URL nor LIGHTFIELD_API_KEY applies: a key must never reach another target."""
    workspaces: dict = settings.get("workspaces") or {}
    if name not in workspaces:
        known = ", ".join(workspaces) or "none: lfsync.yaml has no 'workspaces:'"
        raise LfsyncError(f"no workspace {name!r} in {SETTINGS_FILE} (workspaces: {known})")
    entry = workspaces[name] or {}
    target = str(entry.get("target", LOCAL_TARGET)).rstrip("/")
    return _project(
        root, settings, env, target, name,
        owns_organisation=entry.get("owns_organisation", False),
        api_key_env=entry.get("api_key_env"),
        from_workspaces=True,
    )


def backend_problem(backend: str, *, from_settings: bool) -> str | None:
    """What is wrong with a `backend` value: 'local' or a postgresql:// URL. A password belongs in
    PGPASSWORD or ~/.pgpass, or in a URL given through LFSYNC_BACKEND only: lfsync.yaml is committed."""
    if backend == LOCAL_BACKEND:
        return None
    try:
        url = urlsplit(backend)
        _ = url.port
    except ValueError:
        return "backend is not a valid URL: use 'local' or postgresql://host[:port]/database"
    if url.scheme not in POSTGRES_SCHEMES:
        return f"backend must be 'local' or a PostgreSQL URL (postgresql://host[:port]/database), not {redact_url(backend)!r}"
    if from_settings and url.password is not None:
        return (
            "the backend URL contains a password: remove it and give it through PGPASSWORD or ~/.pgpass "
            "(or pass the whole URL in LFSYNC_BACKEND, which is not committed)"
        )
    return None


def redact_url(url: str) -> str:
    """`url` with any password replaced by ***, for messages."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return re.sub(r"//[^@/]*@", "//***@", url)
    if password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{user}:***@{host}").geturl()


def check_target_url(target: str) -> None:
    """An https base URL, or http on this machine only: the API key must never cross a network in
    clear text. Credentials never belong in the URL (it is written to state and plans)."""
    try:
        url = urlsplit(target)
        host = url.hostname or ""
        _ = url.port  # raises on a malformed port
    except ValueError:
        raise LfsyncError("target is not a valid URL: use 'local' or an https:// base URL") from None
    if url.scheme not in ("http", "https") or not host:
        raise LfsyncError("target must be 'local' or an https:// base URL (like https://api.lightfield.app)")
    if url.username is not None or url.password is not None:
        raise LfsyncError(
            "target must not contain credentials (user:password@): it is recorded in state and plans; "
            "the API key comes from LIGHTFIELD_API_KEY"
        )
    if url.scheme == "http" and not _is_loopback(host):
        raise LfsyncError(
            "target uses plain http:// to a host that is not loopback: the API key would travel unencrypted; use https:// "
            "(plain http is allowed for loopback addresses only)"
        )


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _read_settings(root: Path, required: bool) -> dict:
    from lfsync.config.yamlio import load_yaml_file, location

    path = root / SETTINGS_FILE
    if not path.is_file() and not required:
        return {}
    if not path.is_file():
        raise LfsyncError(
            f"no {SETTINGS_FILE} in {display_path(root)}: it is not an lfsync project. Run `lfsync init` there to "
            "make it one, or name the project directory (e.g. `lfsync plan path/to/project`)"
        )
    shown = display_path(path)
    document = load_yaml_file(path)
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise DeclarationError([(location(shown, document), "lfsync.yaml must be a mapping of settings")])
    problems: list[tuple[SourceLocation | None, str]] = []
    for key, value in document.items():
        expected = SETTING_TYPES.get(key)
        if expected is None:
            known = ", ".join(SETTING_TYPES)
            problems.append((location(shown, document, key=key), f"unknown setting {key!r} (known: {known})"))
        elif not isinstance(value, expected):
            problems.append(
                (location(shown, document, key=key), f"setting {key!r} must be a {expected.__name__}")
            )
        elif key == "declarations" and isinstance(value, list):
            problems.extend(
                (location(shown, value, index=index), problem)
                for index, pattern in enumerate(value)
                if (problem := glob_problem(pattern))
            )
            if not value:
                problems.append((location(shown, document, key=key), "'declarations' needs at least one glob"))
        elif key == "backend" and isinstance(value, str) and (problem := backend_problem(value, from_settings=True)):
            problems.append((location(shown, document, key=key), problem))
        elif key == "workspaces" and isinstance(value, dict):
            problems.extend(_workspace_problems(shown, value))
        elif key == "identity" and isinstance(value, str) and not value.strip():
            problems.append((location(shown, document, key=key), "'identity' must name a field, e.g. $name or a custom field slug"))
    if problems:
        raise DeclarationError(problems)
    return dict(document)


def _workspace_problems(shown: str, workspaces: dict) -> list[tuple[SourceLocation | None, str]]:
    from lfsync.config.yamlio import location

    problems: list[tuple[SourceLocation | None, str]] = []
    for name, entry in workspaces.items():
        where = location(shown, workspaces, key=name)
        if not (isinstance(name, str) and WORKSPACE_PATTERN.fullmatch(name)):
            problems.append((where, f"workspace {name!r} is not a valid name (letters, digits, '_', '-', '.')"))
            continue
        if not isinstance(entry, dict):
            problems.append((where, f"workspace {name!r} must be a mapping like {{target: https://api.lightfield.app, api_key_env: LF_KEY}}"))
            continue
        for key, value in entry.items():
            expected = WORKSPACE_SETTING_TYPES.get(key)
            if expected is None:
                problems.append((location(shown, entry, key=key), f"unknown setting {key!r} of workspace {name!r} (known: {', '.join(WORKSPACE_SETTING_TYPES)})"))
            elif not isinstance(value, expected):
                problems.append((location(shown, entry, key=key), f"setting {key!r} of workspace {name!r} must be a {expected.__name__}"))
            elif key == "api_key_env" and not ENV_VARIABLE_PATTERN.fullmatch(str(value)):
                problems.append((location(shown, entry, key=key), f"api_key_env of workspace {name!r} must name an environment variable, like LF_KEY_DEMO_EU (never the key itself)"))
        if entry.get("target", LOCAL_TARGET) != LOCAL_TARGET and "api_key_env" not in entry:
            problems.append((where, f"workspace {name!r} needs api_key_env: the environment variable holding its key"))
    return problems
