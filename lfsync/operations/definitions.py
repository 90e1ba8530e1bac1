"""`lfsync definitions pull`: the organisation's definitions and members written beside lfsync.yaml,
for plans that cannot ask the target (no API key) and for apply's check that they still hold."""

from __future__ import annotations

from pathlib import Path

from lfsync.config.project import Project, load_project
from lfsync.operations.connection import open_client
from lfsync.operations.declared_project import check_access
from lfsync.remote.organisation import fetch_organisation
from lfsync.support import asyncrun
from lfsync.values.organisation import Organisation, snapshot_path, write_snapshot


def pull_definitions(directory: Path) -> tuple[Path, Organisation]:
    """`lfsync definitions pull`: write the organisation's definitions and members beside lfsync.yaml."""
    project = load_project(directory)
    organisation = asyncrun.run(_fetch(project))
    path = snapshot_path(project.root)
    write_snapshot(path, organisation, project.target)
    return path, organisation


async def _fetch(project: Project) -> Organisation:
    async with open_client(project) as client:
        await check_access(client, project)
        return await fetch_organisation(client)
