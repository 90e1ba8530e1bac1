"""The PostgreSQL backend: one workspace's snapshot, journal and lock in a database every runner shares.

- `lfsync_state`: one row per workspace, the snapshot as one JSONB document (the same document as
  the local state file: it is read and written whole, so `state push`/`pull` move it unchanged and
  compaction is one row update), with its lineage and serial beside it for queries.
- `lfsync_journal`: one row per intent or outcome. Each append is its own autocommitted INSERT: the
  commit is the fsync, and an intent's request is sent only after it returns.
- Compaction replaces the snapshot and the journal in one transaction.
- The lock is a session advisory lock taken on the command's one connection, which also carries
  every write: when the holder dies (SIGKILL, a lost network, a server restart) its session ends,
  the lock is released, and no write can follow without it. `lfsync_lock_holders` names the holder,
  its LOCK_ID, its session (backend pid and start: a pid alone may be reused) and `since`, the
  database's now() (never a runner's clock); a holder counts only while that session holds the
  advisory lock (pg_locks). Breaking a lock (force-unlock) ends that session, which releases the
  lock and stops the holder's writes.
- A store that has held the lock never writes without it: once the lock is released or its session
  ended, every write raises LockLost instead of reconnecting. The database enforces the same: a
  trigger on `lfsync_journal` and `lfsync_state` refuses every row written by a session that does not
  hold the workspace's advisory lock, and a row carrying a `lock_id` that is not its live holder's.
- `lfsync_schema_version`: the tables are created on first use and migrated forward (pgschema.py).
"""

from __future__ import annotations

import dataclasses
import os
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterator, Literal

from pydantic import BaseModel, ValidationError

from lfsync.config.project import Project
from lfsync.errors import LfsyncError
from lfsync.state.filelock import POLL_SECONDS
from lfsync.state.journal import JournalWriteFailed
from lfsync.state.locks import LockHeld, LockHolder, LockLost, LockNotBroken, WriteWithoutLock
from lfsync.state.pgschema import LOCK_CLASS, REFUSED_WITHOUT_LOCK, migrate, single_value
from lfsync.state.records import (
    INTENT,
    JOURNAL_FORMAT_VERSION,
    STATE_FORMAT_VERSION,
    STORED,
    Intent,
    Outcome,
    StateSnapshot,
    invalid_field,
)
from lfsync.support import secrets
from lfsync.support.secrets import Redactor, dsn_passwords, redact_dsn

if TYPE_CHECKING:
    import psycopg

# The live holder of a workspace's lock: its row, while its session (pid and start) holds the advisory lock.
LIVE_HOLDER = """from lfsync_lock_holders h
    join pg_stat_activity a on a.pid = h.backend_pid
        and (h.session_started is null or a.backend_start = h.session_started)
    join pg_locks l on l.pid = h.backend_pid and l.locktype = 'advisory' and l.granted
        and l.classid = %(class)s::oid and l.objid = hashtext(%(workspace)s)::oid and l.objsubid = 2
    where h.workspace = %(workspace)s"""
SESSION_ENDED_WAIT = 10.0  # seconds force-unlock waits for a terminated session to let go of its lock


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise LfsyncError(
            "the PostgreSQL backend needs psycopg: install it with `pip install 'lfsync[postgres]'` "
            "(or set backend: local)"
        ) from None
    return psycopg


class PostgresStore:
    def __init__(self, project: Project):
        self.url = project.backend
        self.workspace = project.workspace
        self.where = f"{redact_dsn(self.url)} (workspace {self.workspace})"
        secrets.remember(*dsn_passwords(self.url), os.environ.get("PGPASSWORD"))
        self._connection: psycopg.Connection | None = None
        self._holding: LockHolder | None = None  # the lock held now, on self._connection
        self._taken: LockHolder | None = None  # the last lock this store took, kept once released
        self._lost: str | None = None  # why the lock held now was lost (its session ended, a write refused)

    def read(self) -> tuple[StateSnapshot | None, dict[int, Intent], list[Outcome]]:
        """Snapshot and journal from one snapshot of the database (REPEATABLE READ): a compaction
        committed between the two reads would otherwise hide outcomes from a reader without the lock."""

        def both(connection: psycopg.Connection) -> tuple[Any, list]:
            with connection.transaction():
                connection.execute("set transaction isolation level repeatable read")
                row = connection.execute(
                    "select snapshot from lfsync_state where workspace = %s", (self.workspace,)
                ).fetchone()
                rows = connection.execute(
                    "select entry_id, kind, format_version, body from lfsync_journal where workspace = %s "
                    "order by entry_id",
                    (self.workspace,),
                ).fetchall()
            return row, rows

        row, rows = self._run("read the state", both)
        return (self._snapshot(row), *self._journal(rows))

    def _snapshot(self, row: Any) -> StateSnapshot | None:
        if row is None:
            return None
        document = row[0]
        if not isinstance(document, dict) or document.get("format_version") != STATE_FORMAT_VERSION:
            version = document.get("format_version") if isinstance(document, dict) else None
            raise LfsyncError(
                f"{self.where}: state format_version {version!r} is not supported (this lfsync reads {STATE_FORMAT_VERSION})"
            )
        try:
            return StateSnapshot.model_validate(document, context=STORED)
        except ValidationError as error:
            raise LfsyncError(f"{self.where}: invalid state: {invalid_field(error)}") from None

    def _journal(self, rows: list) -> tuple[dict[int, Intent], list[Outcome]]:
        intents: dict[int, Intent] = {}
        outcomes: list[Outcome] = []
        for entry_id, kind, version, body in rows:
            where = f"{self.where}: journal entry {entry_id}"
            if version != JOURNAL_FORMAT_VERSION:
                raise LfsyncError(
                    f"{where}: journal format_version {version!r} is not supported (this lfsync reads {JOURNAL_FORMAT_VERSION})"
                )
            try:
                if kind == "intent":
                    intent = INTENT.validate_python(body, context=STORED)
                    if intent.seq in intents:  # lfsync numbers each intent once: one row would hide another
                        raise LfsyncError(
                            f"{where}: damaged journal: a second intent numbered {intent.seq} ({intents[intent.seq].read_from} "
                            "is the first). Look at both rows (one lfsync did not write can be removed), then run the command again"
                        )
                    intents[intent.seq] = intent.located(where)
                else:
                    outcomes.append(Outcome.model_validate(body, context=STORED))
            except ValidationError as error:
                raise LfsyncError(
                    f"{where}: damaged journal: invalid {kind}: {invalid_field(error)}. It records requests sent by an "
                    "apply that did not finish, so lfsync will not guess: look at that row, then run the command again"
                ) from None
        return intents, outcomes

    async def synced(self, kind: Literal["intent", "outcome"] = "intent") -> None:
        """Nothing to wait for: every append is its own committed INSERT."""

    def append(self, kind: Literal["intent", "outcome"], model: BaseModel, *, sync: bool = True) -> None:
        """Committed on return, whatever `sync` says (the database's commit is the durability)."""
        psycopg = _psycopg()
        body = psycopg.types.json.Jsonb(model.model_dump(mode="json", exclude_none=True))
        connection, lock_id = self._writer()
        try:
            connection.execute(
                "insert into lfsync_journal (workspace, kind, format_version, body, lock_id) values (%s, %s, %s, %s, %s)",
                (self.workspace, kind, JOURNAL_FORMAT_VERSION, body, lock_id),
            )
        except psycopg.Error as error:
            self._raise_if_lock_lost(error)
            raise JournalWriteFailed(self.where, kind, self._describe(error)) from None

    def compact(self, snapshot: StateSnapshot, pending: list[Intent], changed: list[str]) -> None:
        psycopg = _psycopg()
        Jsonb = psycopg.types.json.Jsonb
        connection, lock_id = self._writer()
        try:
            with connection.transaction():
                connection.execute(
                    "insert into lfsync_state (workspace, lineage, serial, snapshot, lock_id) values (%s, %s, %s, %s, %s) "
                    "on conflict (workspace) do update set lineage = excluded.lineage, serial = excluded.serial, "
                    "snapshot = excluded.snapshot, updated_at = now(), lock_id = excluded.lock_id",
                    (self.workspace, snapshot.lineage, snapshot.serial, Jsonb(snapshot.model_dump(mode="json")), lock_id),
                )
                connection.execute("delete from lfsync_journal where workspace = %s", (self.workspace,))
                with connection.cursor() as cursor:
                    cursor.executemany(
                        "insert into lfsync_journal (workspace, kind, format_version, body, lock_id) "
                        "values (%s, 'intent', %s, %s, %s)",
                        [
                            (self.workspace, JOURNAL_FORMAT_VERSION, Jsonb(i.model_dump(mode="json", exclude_none=True)), lock_id)
                            for i in pending
                        ],
                    )
        except psycopg.Error as error:
            self._raise_if_lock_lost(error)
            message = f"could not write the state to {self.where}: {self._describe(error)}."
            if changed:
                message += (
                    f" This run changed {len(changed)} account(s); the journal in the database records them, and the "
                    "next lfsync command that reads this state folds them in."
                )
            raise LfsyncError(message + " Fix the cause, then run `lfsync apply` again.") from None

    @contextmanager
    def lock(self, command: str, timeout: float) -> Iterator[LockHolder]:
        psycopg = _psycopg()
        connection = self._open(command)
        deadline = time.monotonic() + timeout
        taking = LockHolder.taking(command)
        try:
            while not single_value(connection, "select pg_try_advisory_lock(%s, hashtext(%s))", (LOCK_CLASS, self.workspace)):
                if time.monotonic() >= deadline:
                    current = self._holder()
                    self._drop()
                    raise LockHeld(
                        current, self.where, timeout, "The lock is released when the holder's database session ends."
                    )
                time.sleep(POLL_SECONDS)
            since = single_value(
                connection,
                "insert into lfsync_lock_holders (workspace, pid, host, command, since, backend_pid, lock_id, "
                "session_started) select %s, %s, %s, %s, now(), pid, %s, backend_start from pg_stat_activity "
                "where pid = pg_backend_pid() on conflict (workspace) do update set pid = excluded.pid, "
                "host = excluded.host, command = excluded.command, since = excluded.since, "
                "backend_pid = excluded.backend_pid, lock_id = excluded.lock_id, "
                "session_started = excluded.session_started returning since",
                (self.workspace, taking.pid, taking.host, command, taking.lock_id),
            )
        except psycopg.Error as error:
            self._drop()
            raise LfsyncError(f"cannot lock the state in {self.where}: {self._describe(error)}") from None
        holder = dataclasses.replace(taking, since=_utc_text(since))  # the database's clock, not this runner's
        self._holding = self._taken = holder
        self._lost = None
        try:
            yield holder
        finally:
            self._holding = None
            try:
                if not connection.closed:
                    connection.execute(
                        "delete from lfsync_lock_holders where workspace = %s and backend_pid = pg_backend_pid()",
                        (self.workspace,),
                    )
                    connection.execute("select pg_advisory_unlock(%s, hashtext(%s))", (LOCK_CLASS, self.workspace))
            except psycopg.Error:
                pass  # the session is gone, and its lock with it
            self._drop()

    def close(self) -> None:
        if self._holding is None:  # the locked connection lives until the lock is released
            self._drop()

    def holder(self) -> LockHolder | None:
        """Who holds the workspace's lock now: a live session holding the advisory lock."""
        return self._holder()

    def break_lock(self, lock_id: str) -> LockHolder:
        """End the database session holding the lock if its LOCK_ID is `lock_id`, which releases the
        lock and stops the holder's writes (it cannot journal without its session). One transaction:
        the holder's row is locked while its session is checked and ended, so a newer holder (another
        ID, another session) is never touched. Needs the holder's role or pg_signal_backend."""

        def end_session(connection: psycopg.Connection) -> tuple[LockHolder | None, tuple | None]:
            with connection.transaction():
                row = connection.execute(
                    "select h.lock_id, h.pid, h.host, h.command, h.since, a.pid, a.backend_start "
                    f"{LIVE_HOLDER} and h.lock_id = %(lock_id)s for update of h",
                    {"class": LOCK_CLASS, "workspace": self.workspace, "lock_id": lock_id},
                ).fetchone()
                if row is None:
                    return None, None
                connection.execute("select pg_terminate_backend(%s)", (row[5],))
                connection.execute(
                    "delete from lfsync_lock_holders where workspace = %s and lock_id = %s", (self.workspace, lock_id)
                )
            return _holder_of(row), (row[5], row[6])

        broken, session = self._run("end the lock holder's session", end_session)
        if broken is None:
            raise LockNotBroken(lock_id, self._holder())
        self._run("wait for the lock holder's session to end", lambda c: _await_session_end(c, session))
        return broken

    def _holder(self) -> LockHolder | None:
        row = self._run(
            "read the lock holder",
            lambda c: c.execute(
                f"select h.lock_id, h.pid, h.host, h.command, h.since {LIVE_HOLDER}",
                {"class": LOCK_CLASS, "workspace": self.workspace},
            ).fetchone(),
        )
        return None if row is None else _holder_of(row)

    def _run(self, what: str, query: Any) -> Any:
        psycopg = _psycopg()
        try:
            return query(self._open())
        except psycopg.Error as error:
            raise LfsyncError(f"cannot {what} in {self.where}: {self._describe(error)}") from None

    def _writer(self) -> tuple[psycopg.Connection, str | None]:
        """The connection holding the lock, and the lock's ID, for a write. Never a new connection:
        a new session would not hold the lock. LockLost once the lock was released or lost."""
        if self._taken is None:
            raise WriteWithoutLock(self.where)
        if self._holding is None:
            raise LockLost(self._taken.lock_id, "it was released when the command that took it let go of it")
        return self._open(), self._holding.lock_id

    def _raise_if_lock_lost(self, error: Exception) -> None:
        """After a failed write: LockLost if the lock went with it (its session ended, or the database
        refused a write from a session without the lock), remembered for every later write."""
        refused = getattr(error, "sqlstate", None) == REFUSED_WITHOUT_LOCK
        if self._connection is not None and not (refused or self._connection.closed or self._connection.broken):
            return
        self._lost = (
            f"the database refused the write ({self._describe(error)})"
            if refused
            else f"its database session ended ({self._describe(error)}): force-unlock, a terminated backend, "
            "a database restart or a network cut"
        )
        self._drop()
        raise LockLost(self._holding.lock_id if self._holding else None, self._lost) from None

    def _open(self, command: str = "read") -> psycopg.Connection:
        """The command's connection. Once locked it is never replaced: a new session would not hold the lock."""
        psycopg = _psycopg()
        if self._lost is not None and self._holding is not None:
            raise LockLost(self._holding.lock_id, self._lost)
        if self._connection is not None and not self._connection.closed:
            return self._connection
        if self._holding is not None:
            self._lost = "the connection to the database, and the session holding the lock with it, was lost"
            raise LockLost(self._holding.lock_id, self._lost)
        try:
            self._connection = psycopg.connect(self.url, autocommit=True, application_name=f"lfsync {command}")
            migrate(self._connection)
        except psycopg.Error as error:
            self._drop()
            raise LfsyncError(f"cannot connect to the state database {self.where}: {self._describe(error)}") from None
        return self._connection

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _describe(self, error: Exception) -> str:
        """The server's message, first line, without the connection string's password should libpq quote it."""
        text = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return _without_password(text, self.url)


def _without_password(text: str, url: str) -> str:
    """`text` without the connection string's password, in whichever form the string holds it."""
    return Redactor(dsn_passwords(url))(text)


def _await_session_end(connection: psycopg.Connection, session: tuple) -> None:
    """A terminated session exits (and lets go of its locks) a moment after being told to."""
    deadline = time.monotonic() + SESSION_ENDED_WAIT
    while time.monotonic() < deadline and (
        connection.execute(
            "select 1 from pg_stat_activity where pid = %s and backend_start = %s", session
        ).fetchone()
        or connection.execute(
            "select 1 from pg_locks where pid = %s and locktype = 'advisory' and classid = %s::oid",
            (session[0], LOCK_CLASS),
        ).fetchone()
    ):
        time.sleep(POLL_SECONDS)


def _holder_of(row: Any) -> LockHolder:
    lock_id, pid, host, command, since = row[:5]
    return LockHolder(lock_id=lock_id, pid=pid, host=host, command=command, since=_utc_text(since))


def _utc_text(moment: datetime) -> str:
    """A timestamptz as LockHolder shows it: ISO 8601, UTC, to the second."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")

