"""A real PostgreSQL for the tests: pgserver (a test dependency) bundles the server binaries and
starts one on a unix socket in a temporary folder (as root it runs it as a user of its own).
Each test gets a database of its own."""

from __future__ import annotations

import itertools
from pathlib import Path

import psycopg

_numbers = itertools.count()


class PostgresForTests:
    def __init__(self, folder: Path):
        import pgserver

        self.server = pgserver.get_server(folder, cleanup_mode="stop")
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
        from pgserver._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "restart"], pgdata=self.server.pgdata, user=self.server.system_user)

    def stop(self) -> None:
        self.server.cleanup()


def sql(url: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(query, params)
        return cursor.fetchall() if cursor.description else []
