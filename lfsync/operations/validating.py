"""`lfsync validate`: the declarations checked offline, and against the target's definitions when
it can be asked (else the committed definitions snapshot)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from lfsync.config.project import Project
from lfsync.operations.connection import open_client
from lfsync.operations.declared_project import (
    DeclaredProject,
    can_ask_target,
    checked_and_learned,
    load_declared,
    with_checked_values,
)
from lfsync.support import asyncrun
from lfsync.values.organisation import offline_organisation


@dataclass(frozen=True)
class Validated:
    declared: DeclaredProject  # .organisation says what the values were checked against (None: offline only)


def validate_project(
    directory: Path, *, offline: bool, env: Mapping[str, str] | None = None, workspace: str | None = None
) -> Validated:
    """`lfsync validate`: offline checks, and against the target's definitions when it can be reached
    (the local target, or a remote one with an API key). Raises DeclarationError with every problem.
    In a project with `workspaces:`, the chosen workspace's target (`workspace`, or LFSYNC_WORKSPACE);
    with none chosen, never the embedded local API, which is none of them."""
    declared = load_declared(directory, workspace, values_checked_next=not offline)
    if offline:
        return Validated(declared)
    if can_ask_target(declared.project, env) and not workspace_unchosen(declared.project):
        return Validated(asyncrun.run(_learn(declared)))
    return Validated(with_checked_values(declared, offline_organisation(declared.project)))


def workspace_unchosen(project: Project) -> bool:
    """A project with `workspaces:` run without choosing one, whose own target is the embedded API."""
    return bool(project.workspace_names) and not project.from_workspaces and project.is_local


async def _learn(declared: DeclaredProject) -> DeclaredProject:
    async with open_client(declared.project) as client:
        return await checked_and_learned(client, declared)
