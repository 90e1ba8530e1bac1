"""`--workspace NAME` (repeatable) and `--all-workspaces`: which workspaces of `workspaces:` a run
covers, and plan or apply in each of them concurrently (each its own target, key, state and lock);
`lfsync workspaces`: the list a CI matrix fans out over."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lfsync.config.project import load_project
from lfsync.errors import LfsyncError
from lfsync.operations.applying import ApplyRequest, ApplyResult, apply_declared
from lfsync.operations.declared_project import DeclaredProject, SharedDeclarations, load_declared
from lfsync.operations.planning import plan_declared
from lfsync.operations.terminal import UNSHOWN, ApplyTerminal, ReadingTerminal
from lfsync.plan.model import Plan, PlanOptions
from lfsync.support import asyncrun
from lfsync.support.secrets import redact_dsn

# per workspace: what its run came to, or the error that ended it (other workspaces go on)
Outcomes = dict[str, "tuple[DeclaredProject, Plan] | ApplyResult | BaseException"]


def selected_workspaces(directory: Path, names: tuple[str, ...], every: bool) -> list[str]:
    """The workspaces of `workspaces:` that --workspace NAME (repeatable) or --all-workspaces choose."""
    declared_names = load_project(directory).workspace_names
    if every and not declared_names:
        raise LfsyncError("--all-workspaces: lfsync.yaml declares no 'workspaces:'")
    chosen = list(declared_names) if every else list(dict.fromkeys(names))
    for name in chosen:
        load_project(directory, workspace=name)  # an unknown name or a bad target stops the run before anything is read
    return chosen


def plan_workspaces(
    directory: Path, options: PlanOptions, names: list[str], terminal: ReadingTerminal = UNSHOWN,
    *, refresh_required: bool = False,
) -> Outcomes:
    """`lfsync plan --workspace ...`: every workspace planned concurrently (each its own organisation);
    one that fails, even to load, does not stop the others."""

    shared: SharedDeclarations = {}

    async def plan_one(name: str) -> tuple[DeclaredProject, Plan]:
        declared = load_declared(directory, name, values_checked_next=True, shared=shared)
        return await plan_declared(declared, options, terminal, refresh_required=refresh_required)

    async def plan_all() -> list:
        return await asyncio.gather(*(plan_one(name) for name in names), return_exceptions=True)

    return dict(zip(names, asyncrun.run(plan_all())))


def apply_workspaces(request: ApplyRequest, names: list[str], terminal_for: Callable[[str], ApplyTerminal]) -> Outcomes:
    """`lfsync apply --workspace ...`: every workspace applied concurrently, each with its own
    target, key, rate limit, state and lock; one failing (even to load) does not stop the others."""

    shared: SharedDeclarations = {}

    async def apply_one(name: str) -> ApplyResult:
        declared = load_declared(
            request.source, name, read_files=not request.options.destroy, values_checked_next=True, shared=shared
        )
        return await apply_declared(declared, request, terminal_for(name))

    async def apply_all() -> list:
        return await asyncio.gather(*(apply_one(name) for name in names), return_exceptions=True)

    return dict(zip(names, asyncrun.run(apply_all())))


@dataclass(frozen=True)
class WorkspaceEntry:
    """One workspace as `lfsync workspaces` lists it for a CI matrix: no secret, only where things are."""

    name: str
    target: str
    backend: str  # "local", or the PostgreSQL URL with any password replaced by ***
    api_key_env: str | None  # the variable holding its key (None: LIGHTFIELD_API_KEY, or the local target)


def list_workspaces(directory: Path) -> list[WorkspaceEntry]:
    """`lfsync workspaces`: every workspace of `workspaces:` in lfsync.yaml's order, each with the
    target and backend a run in it uses; without `workspaces:`, the project's one workspace."""
    project = load_project(directory)
    chosen = [load_project(directory, workspace=name) for name in project.workspace_names] or [project]
    return [
        WorkspaceEntry(one.workspace, one.target, redact_dsn(one.backend), one.api_key_env)
        for one in chosen
    ]
