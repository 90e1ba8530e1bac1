"""`lfsync fmt`: rewrite declaration files in canonical form, comments kept."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import say
from lfsync.discovery import find_declaration_files
from lfsync.errors import EXIT_ERROR, EXIT_OK, display_path
from lfsync.fmt import format_files
from lfsync.project import SETTINGS_FILE, load_project


@click.command()
@options.project_dir
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if any file is not formatted.")
def fmt(directory: Path, check: bool) -> int:
    """Format the declaration files (lfsync.yaml included)."""
    project = load_project(directory)
    files = find_declaration_files(project.root, project.state_dir)
    settings = project.root / SETTINGS_FILE
    if settings.exists():
        files.insert(0, settings)
    changed = format_files(files, check=check)
    for path in changed:
        say(display_path(path))
    if check and changed:
        say(f"{len(changed)} file(s) would be reformatted; run `lfsync fmt`.")
        return EXIT_ERROR
    return EXIT_OK
