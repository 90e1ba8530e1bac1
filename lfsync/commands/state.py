"""`lfsync state list|show|rm|mv` and `lfsync import`: manage what state records."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import say, stdout
from lfsync.declare.addresses import is_reference
from lfsync.errors import LfsyncError
from lfsync.kinds.catalogue import kind_of_address
from lfsync.operations.importing import import_record
from lfsync.operations.state_editing import (
    move_in_state,
    pull_state,
    push_state,
    remove_from_state,
    state_addresses,
    state_resource,
)

directory_option = click.option(
    "--dir", "directory", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The project directory.",
)


@click.group()
def state() -> None:
    """Inspect and edit state, move it between backends (the records themselves are never touched)."""


@state.command("list")
@directory_option
@options.workspace
def list_(directory: Path, workspace: str | None) -> None:
    """List the addresses in state."""
    for address in state_addresses(directory, workspace):
        stdout().out(address)


@state.command()
@click.argument("address")
@directory_option
@options.workspace
def show(address: str, directory: Path, workspace: str | None) -> None:
    """Show one resource as recorded in state."""
    resource = state_resource(directory, address, workspace)
    stdout().out(json.dumps(resource.model_dump(mode="json", exclude_none=True), indent=2, sort_keys=True))


@state.command()
@click.argument("addresses", nargs=-1, required=True)
@directory_option
@options.lock_timeout
@options.workspace
def rm(addresses: tuple[str, ...], directory: Path, lock_timeout: float, workspace: str | None) -> None:
    """Forget resources: lfsync stops managing them; the records stay in Lightfield."""
    for address, resource_id in remove_from_state(directory, addresses, lock_timeout, workspace):
        say(f"Removed {address} ({resource_id}) from state; the {kind_of_address(address).name} itself is untouched.")


@state.command()
@click.argument("source")
@click.argument("destination")
@directory_option
@options.lock_timeout
@options.workspace
def mv(source: str, destination: str, directory: Path, lock_timeout: float, workspace: str | None) -> None:
    """Rename a resource's address, e.g. after renaming its key in the declarations."""
    _check_address(destination)
    move_in_state(directory, source, destination, lock_timeout, workspace)
    say(f"Moved {source} to {destination}.")


@state.command()
@directory_option
@options.lock_timeout
@options.workspace
def push(directory: Path, lock_timeout: float, workspace: str | None) -> None:
    """Copy the local state files into the backend (lfsync.yaml `backend:`), e.g. when adopting PostgreSQL."""
    copied = push_state(directory, lock_timeout, workspace)
    say(f"Pushed {copied.resources} resource(s) (serial {copied.serial}) to {copied.where}.")


@state.command()
@directory_option
@options.lock_timeout
@options.workspace
def pull(directory: Path, lock_timeout: float, workspace: str | None) -> None:
    """Copy the backend's state into the local state files, e.g. to leave PostgreSQL or to inspect it."""
    copied = pull_state(directory, lock_timeout, workspace)
    say(f"Pulled {copied.resources} resource(s) (serial {copied.serial}) into {copied.where}.")


@click.command("import")
@click.argument("address")
@click.argument("record_id", metavar="ID")
@directory_option
@options.lock_timeout
@options.workspace
def import_(address: str, record_id: str, directory: Path, lock_timeout: float, workspace: str | None) -> None:
    """Start managing an existing account, contact or opportunity: record ID under ADDRESS (which
    must be declared; the ID must be of its kind: acc_, con_, opp_)."""
    _check_address(address)
    import_record(directory, address, record_id, lock_timeout, workspace)
    say(f"Imported {record_id} as {address}. Run `lfsync plan` to see how it differs from its declaration.")


def _check_address(address: str) -> None:
    if not is_reference(address):
        raise LfsyncError(f"{address!r} is not an address like account.acme, contact.ada or opportunity.acme-renewal")
