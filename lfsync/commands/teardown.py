"""`lfsync destroy` and `lfsync reset`: applies of a fixed kind, shown and confirmed like apply."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.applier import DEFAULT_CONCURRENCY
from lfsync.commands import options
from lfsync.commands.apply import run_apply
from lfsync.plan import PlanOptions
from lfsync.workflow import ApplyRequest, selected_workspaces

auto_approve = click.option("--auto-approve", is_flag=True, help="Skip the confirmation (needed when not on a terminal).")
concurrency = click.option(
    "--concurrency", type=click.IntRange(1, 64), default=DEFAULT_CONCURRENCY, show_default=True, help="Requests in flight at once."
)


@click.command()
@options.project_dir
@auto_approve
@concurrency
@options.lock_timeout
@options.workspaces
@options.all_workspaces
def destroy(
    directory: Path, auto_approve: bool, concurrency: int, lock_timeout: float, workspaces: tuple[str, ...], all_workspaces: bool
) -> int:
    """Move every account in the workspace's state to the trash (protect: true refuses)."""
    request = ApplyRequest(directory, PlanOptions(destroy=True), None, concurrency, lock_timeout, auto_approve)
    return run_apply(request, "destroy", _chosen(directory, workspaces, all_workspaces))


@click.command()
@options.project_dir
@auto_approve
@concurrency
@options.lock_timeout
@options.workspaces
@options.all_workspaces
def reset(
    directory: Path, auto_approve: bool, concurrency: int, lock_timeout: float, workspaces: tuple[str, ...], all_workspaces: bool
) -> int:
    """Bring the organisation back to the declarations: repair drift, restore trashed accounts,
    re-create deleted ones; with `owns_organisation: true`, trash accounts nobody declared."""
    request = ApplyRequest(directory, PlanOptions(refresh=True, reset=True), None, concurrency, lock_timeout, auto_approve)
    return run_apply(request, "reset", _chosen(directory, workspaces, all_workspaces))


def _chosen(directory: Path, workspaces: tuple[str, ...], all_workspaces: bool) -> list[str] | None:
    return selected_workspaces(directory, workspaces, all_workspaces) if workspaces or all_workspaces else None
