"""What a reviewer of a pull request is told besides the plan: the state files the change
modifies (`lfsync plan --base REF`). Apply trusts them (the journal's interrupted operations are
settled first, the state's IDs are updated and trashed), so a change to them is flagged."""

from __future__ import annotations

from pathlib import Path

from lfsync.config.project import load_project
from lfsync.errors import display_path
from lfsync.support.gitdiff import changed_since


def changed_state_files(directory: Path, base: str, workspace: str | None = None) -> list[str]:
    """The files of the project's state folder (`state_dir`: every workspace's state, backup and
    journal) that the commits since `base` modify, as messages show paths."""
    project = load_project(directory, workspace=workspace)
    return [display_path(path) for path in changed_since(base, project.root, project.state_dir)]
