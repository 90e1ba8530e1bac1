"""A throwaway PostgreSQL for tests and benchmarks: pgserver (a test dependency) bundles the server
binaries and starts one on a unix socket in a folder of ours (as root it runs it as a user of its
own, so the folder must not be in a private one). Each test or run gets a database of its own."""

from __future__ import annotations

import itertools
import shutil
import tempfile
import warnings
from pathlib import Path

import psycopg

_numbers = itertools.count()


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="lfsync-pg-"))
        with warnings.catch_warnings():  # platformdirs: without XDG_RUNTIME_DIR (CI) it uses /tmp
            warnings.simplefilter("ignore")
            import pgserver

            self.server = pgserver.get_server(self.folder, cleanup_mode="stop")
        self.admin_url = self.server.get_uri()

    def new_database(self) -> str:
        """A fresh, empty database; returns its URL (a unix socket: nothing leaves this machine)."""
        name = f"lfsync_test_{next(_numbers)}"
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f"drop database if exists {name}")
            connection.execute(f"create database {name}")
        return self.server.get_uri(name)

    def restart(self) -> None:
        """pg_ctl restart (fast mode): every session ends, every advisory lock with it."""
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # generated at import

        pg_ctl(["-w", "-m", "fast", "restart"], pgdata=self.server.pgdata, user=self.server.system_user)

    def stop(self) -> None:
        self.server.cleanup()
        shutil.rmtree(self.folder, ignore_errors=True)


def sql(url: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def sql_under_lock(url: str, workspace: str, query: str, params: tuple = ()) -> list[tuple]:
    """`query` on a session holding `workspace`'s state lock, as lfsync's own writes are: the
    database refuses state and journal rows from a session without it (pgschema.py)."""
    from lfsync.state.pgschema import LOCK_CLASS

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("select pg_advisory_lock(%s, hashtext(%s))", (LOCK_CLASS, workspace))
        cursor = connection.execute(query, params)
        return cursor.fetchall() if cursor.description else []
