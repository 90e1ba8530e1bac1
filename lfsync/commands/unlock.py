"""`lfsync force-unlock`: remove a lock whose holder can't release it."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import is_interactive, say
from lfsync.config.project import LOCAL_BACKEND, Project, load_project
from lfsync.errors import LfsyncError
from lfsync.state.filelock import describe_holder, is_locked, read_holder
from lfsync.state.filelock import force_unlock as remove_lock
from lfsync.state.workspace import StatePaths


@click.command("force-unlock")
@options.project_dir
@click.option("--force", is_flag=True, help="Don't ask for confirmation.")
def force_unlock(directory: Path, force: bool) -> None:
    """Remove the state lock of the workspace.

    Locks die with their process on this machine, so this is only for a holder that hangs, or one
    on another machine sharing the state folder. Two writers at once can corrupt state.
    """
    project = load_project(directory)
    if project.backend != LOCAL_BACKEND:
        _force_unlock_shared(project, force)
        return
    path = StatePaths(project).lock
    if not is_locked(path):
        say("The state is not locked; nothing to do.")
        return
    holder = read_holder(path)
    if holder and holder.get("host") == socket.gethostname() and _alive(holder.get("pid")):
        say(f"Warning: the holder, {describe_holder(holder)}, is still running.", "yellow")
    if not force:
        if not is_interactive():
            raise LfsyncError("force-unlock asks for confirmation: pass --force when not on a terminal")
        if not click.confirm(f"Remove the lock held by {describe_holder(holder)}?"):
            say("Nothing removed.")
            return
    remove_lock(path)
    say(f"Lock removed (was held by {describe_holder(holder)}).")


def _force_unlock_shared(project: Project, force: bool) -> None:
    """A PostgreSQL lock dies with its session; breaking it means ending the holder's session."""
    from lfsync.state.pgstore import PostgresStore

    store = PostgresStore(project)
    try:
        holder = store.holder()
        if holder is None:
            say("The state is not locked; nothing to do.")
            return
        if not force:
            if not is_interactive():
                raise LfsyncError("force-unlock asks for confirmation: pass --force when not on a terminal")
            if not click.confirm(f"End the database session of {describe_holder(holder)}, releasing its lock?"):
                say("Nothing changed.")
                return
        store.end_holder_session(holder)
    finally:
        store.close()
    say(f"Lock released: ended the database session of {describe_holder(holder)}.")


def _alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (TypeError, ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
