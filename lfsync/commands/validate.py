"""`lfsync validate`: offline checks, and against the target's field definitions when it can be reached."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import say
from lfsync.definitions_check import check_against_definitions
from lfsync.errors import DeclarationError
from lfsync.target import API_KEY_VARIABLE, api_key_from, open_client
from lfsync.workflow import load_inputs


@click.command()
@options.project_dir
@click.option("--offline", is_flag=True, help="Skip the check against the target's definitions.")
def validate(directory: Path, offline: bool) -> None:
    """Check the declarations without changing anything."""
    inputs = load_inputs(directory)
    online = not offline and (inputs.project.is_local or bool(api_key_from(os.environ)))
    if online:
        definitions = asyncio.run(_definitions(inputs.project))
        problems = check_against_definitions(inputs.declarations, definitions)
        if problems:
            raise DeclarationError(list(problems))
    checked = "against the target's definitions" if online else f"offline (set {API_KEY_VARIABLE} to check definitions too)"
    say(
        f"Success! {len(inputs.declarations.accounts)} account(s) in {len(inputs.declarations.files)} file(s) "
        f"are valid, checked {checked}.",
        "green",
    )


async def _definitions(project) -> dict:
    async with open_client(project) as client:
        return await client.definitions()
