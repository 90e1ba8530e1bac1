"""`lfsync fmt`: the project's YAML declaration files and lfsync.yaml in canonical form, comments
kept (CSV files are left as they are: their layout is the spreadsheet's)."""

from __future__ import annotations

from pathlib import Path

from lfsync.config.project import SETTINGS_FILE, load_project
from lfsync.declare.declarations import CSV_SUFFIX
from lfsync.declare.discovery import find_declaration_files
from lfsync.declare.fmt import formatting_changes


def format_project(directory: Path, *, write: bool) -> list[tuple[Path, str, str]]:
    """(path, before, after) of each file not in canonical form, lfsync.yaml first; rewritten when `write`."""
    project = load_project(directory, settings_required=False)
    files = [
        path
        for path in find_declaration_files(project.root, project.state_dir, project.declaration_globs)
        if path.suffix.lower() != CSV_SUFFIX
    ]
    settings = project.root / SETTINGS_FILE
    if settings.exists():
        files.insert(0, settings)
    return formatting_changes(files, write=write, project_root=project.root)
