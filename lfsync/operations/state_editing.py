"""`lfsync state list|show|rm|mv|push|pull`: what state records, read and edited under the state
lock, and copied between the local files and a shared backend. Every kind's addresses
(`account.`, `contact.`, `opportunity.`); the records themselves are never touched."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lfsync.config.project import LOCAL_BACKEND, Project, load_project
from lfsync.errors import LfsyncError
from lfsync.state.backend import open_store
from lfsync.state.localstore import LocalStore
from lfsync.state.records import ResourceState
from lfsync.state.workspace import copy_state, load_state, locked_state


@dataclass(frozen=True)
class Copied:
    """What `state push` / `state pull` copied, and where to."""

    resources: int
    serial: int
    where: str


def state_addresses(directory: Path, workspace: str | None = None) -> list[str]:
    """`lfsync state list`: the addresses in state, sorted. `workspace`: one of `workspaces:`
    (None: LFSYNC_WORKSPACE, else the project's own), in every function here."""
    return sorted(load_state(load_project(directory, workspace=workspace)).resources)


def state_resource(directory: Path, address: str, workspace: str | None = None) -> ResourceState:
    """`lfsync state show`: one resource as recorded in state."""
    return _existing(load_state(load_project(directory, workspace=workspace)).resources, address)


def remove_from_state(
    directory: Path, addresses: tuple[str, ...], lock_timeout: float, workspace: str | None = None
) -> list[tuple[str, str]]:
    """`lfsync state rm`: forget resources (all or none); returns (address, ID) of each forgotten."""
    with locked_state(load_project(directory, workspace=workspace), "state rm", lock_timeout) as current:
        resources = dict(current.resources)
        removed = [(address, _existing(resources, address).id) for address in addresses]
        for address, _ in removed:
            del resources[address]
        current.replace_resources(resources)
    return removed


def move_in_state(directory: Path, source: str, destination: str, lock_timeout: float, workspace: str | None = None) -> None:
    """`lfsync state mv`: record a resource under another address."""
    with locked_state(load_project(directory, workspace=workspace), "state mv", lock_timeout) as current:
        resources = dict(current.resources)
        if destination in resources:
            raise LfsyncError(f"{destination} is already in state")
        resources[destination] = _existing(resources, source)
        _check_same_kind(source, destination)
        del resources[source]
        current.replace_resources(resources)


def push_state(directory: Path, lock_timeout: float, workspace: str | None = None) -> Copied:
    """`lfsync state push`: the local state files copied into the shared backend."""
    project = _shared(directory, workspace)
    destination = open_store(project)
    copied = copy_state(project, LocalStore(project), destination, "state push", lock_timeout)
    return Copied(len(copied.resources), copied.serial, destination.where)


def pull_state(directory: Path, lock_timeout: float, workspace: str | None = None) -> Copied:
    """`lfsync state pull`: the shared backend's state copied into the local state files."""
    project = _shared(directory, workspace)
    destination = LocalStore(project)
    copied = copy_state(project, open_store(project), destination, "state pull", lock_timeout)
    return Copied(len(copied.resources), copied.serial, destination.where)


def _shared(directory: Path, workspace: str | None) -> Project:
    project = load_project(directory, workspace=workspace)
    if project.backend == LOCAL_BACKEND:
        raise LfsyncError(
            "the backend is local: push and pull copy between the local files and a shared backend; set "
            "`backend: postgresql://...` in lfsync.yaml or LFSYNC_BACKEND first"
        )
    return project


def _check_same_kind(source: str, destination: str) -> None:
    """A record keeps its kind: `account.x` moves to `account.y`, never to `contact.y`."""
    before, after = source.partition(".")[0], destination.partition(".")[0]
    if before != after:
        raise LfsyncError(
            f"cannot move {source} to {destination}: a record keeps its kind ({before}); choose a {before}.<key> address"
        )


def _existing(resources: dict[str, ResourceState], address: str) -> ResourceState:
    if address not in resources:
        raise LfsyncError(f"{address} is not in state (see `lfsync state list`)")
    return resources[address]
