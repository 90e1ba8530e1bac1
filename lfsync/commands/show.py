"""`lfsync show PLANFILE`: a saved plan rendered as `lfsync plan` showed it (like `terraform show`)."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands.output import show_plan
from lfsync.errors import display_path
from lfsync.plan.model import load_plan


@click.command()
@click.argument("planfile", type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
def show(planfile: Path, output_format: str) -> None:
    """Show a saved plan (`lfsync plan --out FILE`) as plan showed it; needs no key and no network.

    The file is checked as apply checks it: a damaged file, or one whose changes or options no
    longer match its fingerprint, is refused (exit 1).
    """
    saved = load_plan(planfile, refused="it is not shown")
    show_plan(saved, output_format, full_plan=display_path(planfile))
