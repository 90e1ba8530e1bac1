"""The state folder must hold no declarations: discovery never looks into it (its files are
lfsync's own), so a declaration file there would be skipped silently, and `--prune` would trash
what it declares. A `state_dir` whose files the `declarations:` globs select is refused when the
project is loaded."""

from __future__ import annotations

import os
from pathlib import Path

from lfsync.config.globs import selecting_pattern

# What lfsync itself keeps in the state folder (state/localstore.py; its temporary and guard files
# are hidden): never declarations, whatever the globs say.
STATE_FILE_SUFFIXES = (".lfstate.json", ".lfstate.backup.json", ".journal.jsonl", ".lock")


def declaration_in_state_dir(root: Path, state_dir: Path, patterns: tuple[str, ...]) -> tuple[str, str] | None:
    """A file in `state_dir` that `patterns` select (its path relative to the project, and the
    pattern selecting it), or None. Only a state folder that discovery would leave out is looked
    into: one inside the project, below it, and not in a hidden folder (hidden folders are never
    read)."""
    try:
        relative = state_dir.relative_to(root)
    except ValueError:
        return None  # outside the project: discovery never reaches it
    if not relative.parts or any(part.startswith(".") for part in relative.parts):
        return None
    for folder, subfolders, filenames in os.walk(state_dir):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith(STATE_FILE_SUFFIXES):
                continue
            path = (Path(folder) / name).relative_to(root).as_posix()
            pattern = selecting_pattern(path, patterns)
            if pattern is not None:
                return path, pattern
    return None
