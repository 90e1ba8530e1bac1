"""`lfsync state list|show|rm|mv` and `lfsync import`: manage what state records."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import say, stdout
from lfsync.config.project import LOCAL_BACKEND, Project, load_project
from lfsync.declare.addresses import is_reference
from lfsync.errors import LfsyncError
from lfsync.operations.importing import import_account
from lfsync.state.backend import open_store
from lfsync.state.localstore import LocalStore
from lfsync.state.records import ResourceState
from lfsync.state.workspace import copy_state, load_state, locked_state

directory_option = click.option(
    "--dir", "directory", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The project directory.",
)


@click.group()
def state() -> None:
    """Inspect and edit state, move it between backends (the accounts themselves are never touched)."""


@state.command("list")
@directory_option
def list_(directory: Path) -> None:
    """List the addresses in state."""
    for address in sorted(load_state(load_project(directory)).resources):
        stdout().out(address)


@state.command()
@click.argument("address")
@directory_option
def show(address: str, directory: Path) -> None:
    """Show one resource as recorded in state."""
    resource = _existing(load_state(load_project(directory)).resources, address)
    stdout().out(json.dumps(resource.model_dump(mode="json", exclude_none=True), indent=2, sort_keys=True))


@state.command()
@click.argument("addresses", nargs=-1, required=True)
@directory_option
@options.lock_timeout
def rm(addresses: tuple[str, ...], directory: Path, lock_timeout: float) -> None:
    """Forget resources: lfsync stops managing them; the accounts stay in Lightfield."""
    with locked_state(load_project(directory), "state rm", lock_timeout) as current:
        resources = dict(current.resources)
        removed = [(address, _existing(resources, address).id) for address in addresses]
        for address, _ in removed:
            del resources[address]
        current.replace_resources(resources)
    for address, resource_id in removed:
        say(f"Removed {address} ({resource_id}) from state; the account itself is untouched.")


@state.command()
@click.argument("source")
@click.argument("destination")
@directory_option
@options.lock_timeout
def mv(source: str, destination: str, directory: Path, lock_timeout: float) -> None:
    """Rename a resource's address, e.g. after renaming its key in the declarations."""
    _check_address(destination)
    with locked_state(load_project(directory), "state mv", lock_timeout) as current:
        resources = dict(current.resources)
        if destination in resources:
            raise LfsyncError(f"{destination} is already in state")
        resources[destination] = _existing(resources, source)
        del resources[source]
        current.replace_resources(resources)
    say(f"Moved {source} to {destination}.")


@state.command()
@directory_option
@options.lock_timeout
def push(directory: Path, lock_timeout: float) -> None:
    """Copy the local state files into the backend (lfsync.yaml `backend:`), e.g. when adopting PostgreSQL."""
    project = _shared(directory)
    destination = open_store(project)
    copied = copy_state(project, LocalStore(project), destination, "state push", lock_timeout)
    say(f"Pushed {len(copied.resources)} resource(s) (serial {copied.serial}) to {destination.where}.")


@state.command()
@directory_option
@options.lock_timeout
def pull(directory: Path, lock_timeout: float) -> None:
    """Copy the backend's state into the local state files, e.g. to leave PostgreSQL or to inspect it."""
    project = _shared(directory)
    destination = LocalStore(project)
    copied = copy_state(project, open_store(project), destination, "state pull", lock_timeout)
    say(f"Pulled {len(copied.resources)} resource(s) (serial {copied.serial}) into {destination.where}.")


def _shared(directory: Path) -> Project:
    project = load_project(directory)
    if project.backend == LOCAL_BACKEND:
        raise LfsyncError(
            "the backend is local: push and pull copy between the local files and a shared backend; set "
            "`backend: postgresql://...` in lfsync.yaml or LFSYNC_BACKEND first"
        )
    return project


@click.command("import")
@click.argument("address")
@click.argument("account_id", metavar="ID")
@directory_option
@options.lock_timeout
def import_(address: str, account_id: str, directory: Path, lock_timeout: float) -> None:
    """Start managing an existing account: record ID under ADDRESS (which must be declared)."""
    _check_address(address)
    import_account(directory, address, account_id, lock_timeout)
    say(f"Imported {account_id} as {address}. Run `lfsync plan` to see how it differs from its declaration.")


def _existing(resources: dict[str, ResourceState], address: str) -> ResourceState:
    if address not in resources:
        raise LfsyncError(f"{address} is not in state (see `lfsync state list`)")
    return resources[address]


def _check_address(address: str) -> None:
    if not is_reference(address):
        raise LfsyncError(f"{address!r} is not an address like account.acme")
