"""`lfsync validate`: offline checks, and against the target's field definitions when it can be reached."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import say
from lfsync.connection import API_KEY_VARIABLE, open_client
from lfsync.definitions_check import check_against_definitions
from lfsync.errors import DeclarationError
from lfsync.workflow import load_declared


@click.command()
@options.project_dir
@click.option("--offline", is_flag=True, help="Skip the check against the target's definitions.")
def validate(directory: Path, offline: bool) -> None:
    """Check the declarations without changing anything."""
    declared = load_declared(directory)
    online = not offline and (declared.project.is_local or bool(os.environ.get(API_KEY_VARIABLE)))
    if online:
        definitions = asyncio.run(_definitions(declared.project))
        problems = check_against_definitions(declared.declarations, definitions)
        if problems:
            raise DeclarationError(list(problems))
    checked = "against the target's definitions" if online else f"offline (set {API_KEY_VARIABLE} to check definitions too)"
    say(
        f"Success! {len(declared.declarations.accounts)} account(s) in {len(declared.declarations.files)} file(s) "
        f"are valid, checked {checked}.",
        "green",
    )


async def _definitions(project) -> dict:
    async with open_client(project) as client:
        return await client.definitions()
