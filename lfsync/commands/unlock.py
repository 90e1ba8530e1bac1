"""`lfsync force-unlock LOCK_ID`: break one state lock, named by its ID, whose holder can't release it."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import is_interactive, say
from lfsync.config.project import load_project
from lfsync.errors import LfsyncError
from lfsync.state.backend import open_store
from lfsync.state.locks import LockNotBroken


@click.command("force-unlock")
@click.argument("lock_id")
@options.project_dir
@click.option("--force", is_flag=True, help="Don't ask for confirmation.")
@options.workspace
def force_unlock(lock_id: str, directory: Path, force: bool, workspace: str | None) -> None:
    """Break the state lock LOCK_ID of the workspace (the ID a locked command names).

    Locks die with their process (a local flock) or its database session, so this is for a holder
    that hangs, or one on another machine. Only the lock with that ID is broken: one released and
    taken again since has another ID and is refused. A broken holder that is still alive stops
    before its next write; two writers at once could corrupt state.
    """
    store = open_store(load_project(directory, workspace=workspace))
    try:
        holder = store.holder()
        if holder is None:
            say("The state is not locked; nothing to do.")
            return
        if holder.lock_id != lock_id:
            raise LockNotBroken(lock_id, holder)
        if holder.running_here():
            say(f"Warning: the holder, {holder.describe()}, is still running on this machine.", "yellow")
        if not force:
            if not is_interactive():
                raise LfsyncError("force-unlock asks for confirmation: pass --force when not on a terminal")
            if not click.confirm(f"Break the lock held by {holder.describe()}?"):
                say("Nothing changed.")
                return
        broken = store.break_lock(lock_id)
    finally:
        store.close()
    say(f"Lock {lock_id} broken (was held by {broken.describe()}).")
