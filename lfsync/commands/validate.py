"""`lfsync validate`: offline checks, and against the target's field definitions when it can be reached."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import say, show_warnings
from lfsync.kinds.counting import counted_by_kind
from lfsync.operations.connection import API_KEY_VARIABLE
from lfsync.operations.validating import validate_project, workspace_unchosen
from lfsync.values.organisation import SNAPSHOT_FILE


@click.command()
@options.project_dir
@click.option("--offline", is_flag=True, help="Skip the check against the target's definitions.")
@options.workspace
def validate(directory: Path, offline: bool, workspace: str | None) -> None:
    """Check the declarations without changing anything."""
    result = validate_project(directory, offline=offline, workspace=workspace)
    declarations = result.declared.declarations
    show_warnings(declarations.warnings)
    known = result.declared.organisation
    checked = (
        f"against {known.source}"
        if known is not None
        else "offline only (lfsync.yaml has `workspaces:`: choose one with --workspace NAME to check against its organisation)"
        if workspace_unchosen(result.declared.project) and not offline
        else f"offline only (set {API_KEY_VARIABLE}, or commit {SNAPSHOT_FILE} with `lfsync definitions pull`, "
        "to check values against the organisation too)"
    )
    say(
        f"Success! {counted_by_kind(declarations.accounts)} in {len(declarations.files)} file(s) are valid, checked {checked}.",
        "green",
    )
