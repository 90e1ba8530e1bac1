"""Which files of a project declare accounts, and one digest over their bytes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from lfsync.config.globs import DEFAULT_DECLARATION_GLOBS, selected
from lfsync.config.project import SETTINGS_FILE


def find_declaration_files(
    project_dir: Path, state_dir: Path, patterns: tuple[str, ...] = DEFAULT_DECLARATION_GLOBS
) -> list[Path]:
    """The files `patterns` (`declarations:` in lfsync.yaml) select under the project, by default every
    *.yaml / *.yml / *.csv, sorted; never lfsync.yaml, files in hidden folders or the state folder."""
    root = project_dir.resolve()
    excluded_dir = (root / state_dir).resolve()
    found = []
    for folder, subfolders, filenames in os.walk(root):
        here = Path(folder)
        # Pruning in place keeps os.walk out of .git, virtualenvs and the state folder.
        subfolders[:] = sorted(
            name for name in subfolders if not name.startswith(".") and (here / name).resolve() != excluded_dir
        )
        for name in filenames:
            path = here / name
            if name.startswith(".") or (here == root and name == SETTINGS_FILE):
                continue
            if not selected(path.relative_to(root).as_posix(), patterns):
                continue
            found.append(project_dir / path.relative_to(root))
    return sorted(found)


def declarations_digest(project_dir: Path, contents: dict[Path, bytes]) -> str:
    """SHA-256 over (relative path, bytes) of every file: changes when any declaration changes."""
    digest = hashlib.sha256()
    for relative, data in sorted((_relative_posix(path, project_dir), data) for path, data in contents.items()):
        encoded = relative.encode()
        # Length prefixes keep (path, bytes) boundaries unambiguous.
        digest.update(len(encoded).to_bytes(8, "big") + encoded + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _relative_posix(path: Path, project_dir: Path) -> str:
    try:
        return path.resolve().relative_to(project_dir.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()
