"""`lfsync validate`: offline checks, and against the target's field definitions when it can be reached."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import say
from lfsync.connection import API_KEY_VARIABLE
from lfsync.workflow import validate_project


@click.command()
@options.project_dir
@click.option("--offline", is_flag=True, help="Skip the check against the target's definitions.")
def validate(directory: Path, offline: bool) -> None:
    """Check the declarations without changing anything."""
    result = validate_project(directory, offline=offline)
    declarations = result.declared.declarations
    checked = (
        "against the target's definitions"
        if result.online
        else f"offline (set {API_KEY_VARIABLE} to check definitions too)"
    )
    say(
        f"Success! {len(declarations.accounts)} account(s) in {len(declarations.files)} file(s) are valid, checked {checked}.",
        "green",
    )
