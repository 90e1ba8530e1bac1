"""`lfsync fmt`: rewrite declaration files in canonical form, comments kept."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import say, stdout
from lfsync.config.project import SETTINGS_FILE, load_project
from lfsync.declare.declarations import CSV_SUFFIX
from lfsync.declare.discovery import find_declaration_files
from lfsync.declare.fmt import formatting_changes, unified_diff
from lfsync.errors import EXIT_ERROR, EXIT_OK, display_path
from lfsync.support.textsafe import for_terminal


@click.command()
@options.project_dir
@click.option("--check", is_flag=True, help="Change nothing; show the diff and exit 1 if any file is not formatted.")
def fmt(directory: Path, check: bool) -> int:
    """Format the declaration files (lfsync.yaml included); comments and quoting are kept."""
    project = load_project(directory, settings_required=False)
    # CSV declaration files are left as they are: their layout is the spreadsheet's.
    files = [
        path
        for path in find_declaration_files(project.root, project.state_dir, project.declaration_globs)
        if path.suffix.lower() != CSV_SUFFIX
    ]
    settings = project.root / SETTINGS_FILE
    if settings.exists():
        files.insert(0, settings)
    changed = formatting_changes(files, write=not check, project_root=project.root)
    for path, before, after in changed:
        if check:
            stdout().out(for_terminal(unified_diff(display_path(path), before, after)), end="")
        else:
            say(display_path(path))
    if check and changed:
        say(f"{len(changed)} file(s) would be reformatted; run `lfsync fmt`.")
        return EXIT_ERROR
    return EXIT_OK
