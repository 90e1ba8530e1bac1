"""`lfsync destroy` and `lfsync reset`: applies of a fixed kind, shown and confirmed like apply."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import click

from lfsync.commands import options
from lfsync.commands.apply import run_apply
from lfsync.operations.applying import ApplyRequest
from lfsync.operations.workspaces import selected_workspaces
from lfsync.plan.model import PlanOptions


def apply_options(command: Callable) -> Callable:
    """The options destroy and reset share (those of apply that a fixed plan leaves)."""
    for option in reversed((options.project_dir, options.auto_approve, options.concurrency, options.lock_timeout, options.workspaces, options.all_workspaces)):
        command = option(command)
    return command


@click.command()
@apply_options
def destroy(
    directory: Path, auto_approve: bool, concurrency: int, lock_timeout: float, workspaces: tuple[str, ...], all_workspaces: bool
) -> int:
    """Move every record in the workspace's state to the trash, dependents first (protect: true refuses)."""
    request = ApplyRequest(directory, PlanOptions(destroy=True), None, concurrency, lock_timeout, auto_approve)
    return run_apply(request, "destroy", _chosen(directory, workspaces, all_workspaces))


@click.command()
@apply_options
@options.reanchor
def reset(
    directory: Path, auto_approve: bool, concurrency: int, lock_timeout: float, workspaces: tuple[str, ...], all_workspaces: bool,
    reanchor: bool,
) -> int:
    """Bring the organisation back to the declarations: repair drift, restore trashed records,
    re-create deleted ones; with `owns_organisation: true`, trash records nobody declared."""
    request = ApplyRequest(directory, PlanOptions(refresh=True, reset=True, reanchor=reanchor), None, concurrency, lock_timeout, auto_approve)
    return run_apply(request, "reset", _chosen(directory, workspaces, all_workspaces))


def _chosen(directory: Path, workspaces: tuple[str, ...], all_workspaces: bool) -> list[str] | None:
    return selected_workspaces(directory, workspaces, all_workspaces) if workspaces or all_workspaces else None
