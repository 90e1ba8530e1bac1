"""`lfsync definitions pull`: the organisation's definitions and members written beside lfsync.yaml,
for plans that cannot ask the target (no API key) and for apply's check that they still hold;
`lfsync definitions show`: the same read live where the target can be asked, else from that snapshot."""

from __future__ import annotations

from pathlib import Path

from lfsync.config.project import Project, load_project
from lfsync.errors import LfsyncError
from lfsync.operations.connection import open_client
from lfsync.operations.declared_project import can_ask_target, check_access
from lfsync.remote.organisation import every_declarable_kind, fetch_organisation
from lfsync.support import asyncrun
from lfsync.values.organisation import (
    SNAPSHOT_FILE,
    KnownOrganisation,
    Organisation,
    offline_organisation,
    snapshot_path,
    write_snapshot,
)


def pull_definitions(directory: Path, workspace: str | None = None) -> tuple[Path, Organisation]:
    """`lfsync definitions pull`: write the organisation's definitions and members beside lfsync.yaml
    (`workspace`: whose organisation, one of `workspaces:`; None: LFSYNC_WORKSPACE, else the project's own)."""
    project = load_project(directory, workspace=workspace)
    organisation = asyncrun.run(_fetch(project))
    path = snapshot_path(project.root)
    write_snapshot(path, organisation, project.target)
    return path, organisation


async def _fetch(project: Project) -> Organisation:
    async with open_client(project) as client:
        await check_access(client, project)
        return await fetch_organisation(client, every_declarable_kind())


def known_definitions(directory: Path, workspace: str | None = None) -> KnownOrganisation:
    """`lfsync definitions show`: the live organisation where the target can be asked (the local
    target, or a key configured), else the committed snapshot (or an earlier run's cache); its
    source says which."""
    project = load_project(directory, workspace=workspace)
    if can_ask_target(project):
        organisation = asyncrun.run(_fetch(project))
        where = "the embedded local API" if project.is_local else project.target
        return KnownOrganisation(organisation, f"the live organisation ({where}), read now")
    known = offline_organisation(project)
    if known is None:
        raise LfsyncError(
            f"no definitions to show for {project.target}: no API key is set and there is no {SNAPSHOT_FILE} "
            "pulled from it (run `lfsync definitions pull` where the key is set, and commit the file)"
        )
    return known
