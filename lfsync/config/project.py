"""A project directory: lfsync.yaml settings, environment overrides, file locations."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from lfsync.config.globs import DEFAULT_DECLARATION_GLOBS
from lfsync.config.ignoring import PROJECT_WIDE, IgnoredSettings, ignored_settings
from lfsync.config.settings import (
    DEFAULT_IDENTITY,
    DEFAULT_MAX_CHANGE_FRACTION,
    LOCAL_BACKEND,
    LOCAL_TARGET,
    WORKSPACE_PATTERN,
    Settings,
    api_path_problem,
    backend_problem,
    read_settings,
)
from lfsync.config.settings import (
    DEFAULT_STATE_DIR as DEFAULT_STATE_DIR,  # declarations.py's default folder to skip
)
from lfsync.config.statedir import declaration_in_state_dir
from lfsync.config.vars import VariableItems, workspace_variables
from lfsync.errors import DeclarationError, LfsyncError, Problem, SourceLocation, display_path

SETTINGS_FILE = "lfsync.yaml"
SCHEMA_FILE = "lfsync.schema.json"  # the JSON Schema `lfsync init` writes for editors
LOCAL_DIR = ".lfsync"
LOCAL_SERVE_URL = "http://127.0.0.1:8787"
LOOPBACK_HOSTS = ("localhost", "::1")


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
    # `prune: true`: plan and apply behave as with --prune (a removed declaration plans a delete)
    prune: bool = False
    # apply refuses a plan updating and deleting more than this share of the managed records (blast_radius.py)
    max_change_fraction: float = DEFAULT_MAX_CHANGE_FRACTION
    # a workspace of `workspaces:`: the variable holding its key (only ever sent to its own target)
    api_key_env: str | None = None
    workspace_names: tuple[str, ...] = ()  # every workspace `workspaces:` declares
    from_workspaces: bool = False  # this is one of them (a local one gets a database of its own)
    # what chose the workspace: "lfsync.yaml", "LFSYNC_WORKSPACE" or "--workspace" (hints never say to do what was done)
    chosen_by: str = "lfsync.yaml"
    # `ignore_changes:` (the workspace's, else the project's): keys people own, for every account
    ignore_changes: IgnoredSettings = ()
    # `vars:` (the project's, a workspace's own over them): `${vars.name}` in declaration values
    variables: VariableItems = ()

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
    settings, state_dir_place, ignored = _read_settings(root, settings_required)
    _check_state_dir(root, settings, state_dir_place)
    if workspace is not None:
        return _workspace_project(root, settings, workspace, env, chosen_by="--workspace", ignored=ignored)
    from_env = env.get("LFSYNC_WORKSPACE")
    if from_env and settings.workspaces and from_env != settings.workspace:
        # in a project with `workspaces:`, LFSYNC_WORKSPACE chooses one of them, as --workspace does
        return _workspace_project(root, settings, from_env, env, chosen_by="LFSYNC_WORKSPACE", ignored=ignored)
    if env.get("LIGHTFIELD_BASE_URL") and (problem := api_path_problem(env["LIGHTFIELD_BASE_URL"])):
        raise LfsyncError(f"LIGHTFIELD_BASE_URL: {problem}")
    target = (env.get("LIGHTFIELD_BASE_URL") or settings.target).rstrip("/")
    workspace = from_env or settings.workspace
    if not WORKSPACE_PATTERN.fullmatch(workspace):
        raise LfsyncError(
            f"workspace {workspace!r} is not a valid name (letters, digits, '_', '-', '.')"
        )
    return _project(
        root, settings, env, target, workspace, owns_organisation=settings.owns_organisation, prune=settings.prune,
        max_change_fraction=settings.max_change_fraction,
        chosen_by="LFSYNC_WORKSPACE" if from_env else SETTINGS_FILE, ignore_changes=ignored.get(PROJECT_WIDE, ()),
        variables=workspace_variables(settings.vars, every_name=_variable_names(settings)),
    )


def _check_state_dir(root: Path, settings: Settings, place: SourceLocation | None) -> None:
    """A state folder holding a file the declaration globs select is refused (statedir.py)."""
    found = declaration_in_state_dir(root, (root / settings.state_dir).resolve(), tuple(settings.declarations))
    if found is None:
        return
    path, pattern = found
    where = "state_dir" if place is not None else f"{SETTINGS_FILE}: state_dir (by default {settings.state_dir!r})"
    raise DeclarationError([Problem(
        f"{where}: the state folder holds {path}, which the declarations glob {pattern!r} selects; the "
        "state folder is never read for declarations, so it would be skipped (and --prune would trash what it declares)",
        place,
        hint=f"move the declarations out of {settings.state_dir!r}, or set state_dir to a folder of its own",
    )])


def _project(root: Path, settings: Settings, env: Mapping[str, str], target: str, workspace: str, **per_workspace: Any) -> Project:
    """A Project from lfsync.yaml's project-wide settings; `per_workspace` what the workspace sets itself."""
    if target != LOCAL_TARGET:
        check_target_url(target)
    return Project(
        root=root,
        target=target,
        workspace=workspace,
        state_dir=(root / settings.state_dir).resolve(),
        skip_enrichment=settings.skip_enrichment,
        declaration_globs=tuple(str(glob) for glob in settings.declarations),
        identity=settings.identity,
        backend=_backend(settings, env),
        workspace_names=tuple(settings.workspaces),
        **per_workspace,
    )


def _variable_names(settings: Settings) -> frozenset[str]:
    """Every variable lfsync.yaml sets: the project's and each workspace's."""
    return frozenset(settings.vars).union(*(entry.vars for entry in settings.workspaces.values()))


def _backend(settings: Settings, env: Mapping[str, str]) -> str:
    """Where state lives: LFSYNC_BACKEND, else `backend:` (checked where it was read), else local."""
    backend = env.get("LFSYNC_BACKEND") or settings.backend
    if env.get("LFSYNC_BACKEND") and (problem := backend_problem(backend, from_settings=False)):
        raise LfsyncError(f"LFSYNC_BACKEND: {problem}")
    return backend


def _workspace_project(
    root: Path, settings: Settings, name: str, env: Mapping[str, str], *, chosen_by: str, ignored: dict[str, IgnoredSettings]
) -> Project:
    """A workspace of `workspaces:`: its own target, key variable, state and lock. Neither
    LIGHTFIELD_BASE_URL nor LIGHTFIELD_API_KEY applies: a key must never reach another target.
    `chosen_by`: --workspace or LFSYNC_WORKSPACE, named when the name is unknown."""
    if name not in settings.workspaces:
        known = ", ".join(settings.workspaces) or "none: lfsync.yaml has no 'workspaces:'"
        named = f"{chosen_by}={name}" if chosen_by == "LFSYNC_WORKSPACE" else f"{chosen_by} {name}"
        raise LfsyncError(f"{named}: no workspace {name!r} in {SETTINGS_FILE} (workspaces: {known})")
    entry = settings.workspaces[name]
    return _project(
        root, settings, env, entry.target.rstrip("/"), name,
        owns_organisation=entry.owns_organisation,
        prune=settings.prune if entry.prune is None else entry.prune,
        max_change_fraction=settings.max_change_fraction if entry.max_change_fraction is None else entry.max_change_fraction,
        api_key_env=entry.api_key_env,
        from_workspaces=True,
        chosen_by=chosen_by,
        ignore_changes=ignored.get(name if entry.ignore_changes is not None else PROJECT_WIDE, ()),
        variables=workspace_variables(settings.vars, entry.vars, _variable_names(settings)),
    )


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


def _read_settings(root: Path, required: bool) -> tuple[Settings, SourceLocation | None, dict[str, IgnoredSettings]]:
    """The settings, where lfsync.yaml sets state_dir (None: not set there), and its `ignore_changes:`
    lists with their places (ignoring.ignored_settings)."""
    from lfsync.config.yamlio import load_yaml_text, location, read_bytes
    from lfsync.support.utf8 import decode

    path = root / SETTINGS_FILE
    if not path.is_file() and not required:
        return Settings(), None, {}
    if not path.is_file():
        raise LfsyncError(
            f"no {SETTINGS_FILE} in {display_path(root)}: it is not an lfsync project. Run `lfsync init` there to "
            "make it one, or name the project directory (e.g. `lfsync plan path/to/project`)"
        )
    shown = display_path(path)
    content = read_bytes(path, shown)
    if (remembered := _settings_read.get((shown, content))) is not None:
        settings, place, ignored = remembered
        return settings.model_copy(deep=True), place, dict(ignored)
    document = load_yaml_text(decode(content, shown), shown)
    if document is None:
        return Settings(), None, {}
    if not isinstance(document, dict):
        raise DeclarationError([(location(shown, document), "lfsync.yaml must be a mapping of settings")])
    place = location(shown, document, key="state_dir") if "state_dir" in document else None
    settings, ignored = read_settings(shown, document), ignored_settings(shown, document)
    _settings_read.clear()  # one file's settings kept: a run reads one project's lfsync.yaml again and again
    _settings_read[(shown, content)] = (settings.model_copy(deep=True), place, ignored)
    return settings, place, dict(ignored)


# lfsync.yaml as last parsed (by its path as shown and its bytes): a run over 8 workspaces loads the
# project 17 times, and ruamel.yaml takes ~12 ms to parse even a short file
_settings_read: dict[tuple[str, bytes], tuple[Settings, SourceLocation | None, dict[str, IgnoredSettings]]] = {}
