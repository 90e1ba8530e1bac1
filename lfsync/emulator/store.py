"""SQLite storage of records (accounts, contacts, opportunities, tasks, notes, lists), their versions (history and the
lagging search index), relationship links and idempotency entries.

One connection, used under one re-entrant lock; each unit of work is a
`BEGIN IMMEDIATE` transaction, so concurrent requests (coroutines or threads) never
interleave inside one, and other processes using the same file wait their turn.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

RECORD_TABLES = {
    "account": "accounts", "contact": "contacts", "opportunity": "opportunities", "task": "tasks", "note": "notes",
    "list": "lists",
}
"""The records of each object type (and lists, lists.py) live in tables of their own (accounts' names
predate the others); a list's members are its `relationships`."""

RECORD_SCHEMA = """
CREATE TABLE IF NOT EXISTS {table} (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    trashed INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS {kind}_versions (
    {kind}_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    written_at REAL NOT NULL,
    updated_at TEXT NOT NULL,
    trashed INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY ({kind}_id, version)
);
CREATE TABLE IF NOT EXISTS {kind}_links (
    source_id TEXT NOT NULL,
    relationship TEXT NOT NULL,
    target_id TEXT NOT NULL,
    PRIMARY KEY (source_id, relationship, target_id)
);
CREATE INDEX IF NOT EXISTS {kind}_links_by_target ON {kind}_links (relationship, target_id);
CREATE INDEX IF NOT EXISTS {table}_newest_first ON {table} (trashed, created_at DESC, seq DESC);
"""

IDEMPOTENCY_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency_keys (
    org_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    owner TEXT NOT NULL,
    claimed_at REAL NOT NULL,
    status INTEGER,
    body BLOB,
    PRIMARY KEY (org_id, operation, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_by_age ON idempotency_keys (claimed_at);
"""
SCHEMA = "".join(RECORD_SCHEMA.format(table=t, kind=k) for k, t in RECORD_TABLES.items()) + IDEMPOTENCY_SCHEMA


@dataclass
class RecordRow:
    id: str
    created_at: str
    updated_at: str
    trashed: bool = False
    version: int = 0
    fields: dict[str, Any] = field(default_factory=dict)
    relationships: dict[str, list[str]] = field(default_factory=dict)
    seq: int | None = None

    def data_json(self) -> str:
        return json.dumps({"fields": self.fields, "relationships": self.relationships}, sort_keys=True)


@dataclass(frozen=True)
class RecordVersion:
    version: int
    written_at: float
    fields: dict[str, Any]


class Store:
    def __init__(self, db_path: str):
        self.db_path = db_path
        self._conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._in_transaction = False
        self._conn.execute("PRAGMA busy_timeout = 30000")
        if db_path != ":memory:":
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
        with self.transaction():
            for statement in _statements(SCHEMA):
                self._conn.execute(statement)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[None]:
        """One atomic unit of work; nested calls join the outer transaction.

        `write=False` reads a consistent snapshot without taking SQLite's write lock."""
        with self._lock:
            if self._in_transaction:
                yield
                return
            self._conn.execute("BEGIN IMMEDIATE" if write else "BEGIN DEFERRED")
            self._in_transaction = True
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._in_transaction = False

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._conn.execute(sql, params)

    # -- records ------------------------------------------------------------------------

    def get(self, kind: str, record_id: str) -> RecordRow | None:
        row = self.execute(f"SELECT * FROM {RECORD_TABLES[kind]} WHERE id = ?", (record_id,)).fetchone()
        return _record_from_row(row) if row else None

    def save(self, kind: str, record: RecordRow, written_at: float) -> RecordRow:
        """Insert or update `record` as a new version; its links follow its relationships."""
        table = RECORD_TABLES[kind]
        with self.transaction():
            record.version += 1
            data = record.data_json()
            if record.seq is None:
                cursor = self.execute(
                    f"INSERT INTO {table} (id, created_at, updated_at, trashed, version, data) VALUES (?, ?, ?, ?, ?, ?)",
                    (record.id, record.created_at, record.updated_at, int(record.trashed), record.version, data),
                )
                record.seq = cursor.lastrowid
            else:
                self.execute(
                    f"UPDATE {table} SET updated_at = ?, trashed = ?, version = ?, data = ? WHERE id = ?",
                    (record.updated_at, int(record.trashed), record.version, data, record.id),
                )
            self.execute(
                f"INSERT INTO {kind}_versions ({kind}_id, version, written_at, updated_at, trashed, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (record.id, record.version, written_at, record.updated_at, int(record.trashed), data),
            )
            self.execute(f"DELETE FROM {kind}_links WHERE source_id = ?", (record.id,))
            for relationship, targets in record.relationships.items():
                for target in targets:
                    self.execute(
                        f"INSERT OR IGNORE INTO {kind}_links (source_id, relationship, target_id) VALUES (?, ?, ?)",
                        (record.id, relationship, target),
                    )
        return record

    def list_records(
        self, kind: str, *, trashed: bool, as_of: float | None = None, limit: int | None = None, offset: int = 0
    ) -> list[RecordRow]:
        """The records in one trash state, newest first: all, or `limit` of them from `offset`
        (one page decodes one page, not every record); `as_of` reads the lagging index: each
        record as its latest version written at or before that time."""
        window, window_params = (" LIMIT ? OFFSET ?", (limit, offset)) if limit is not None else ("", ())
        if as_of is None:
            rows = self.execute(
                f"SELECT * {_current(kind)} ORDER BY created_at DESC, seq DESC{window}", (int(trashed), *window_params)
            ).fetchall()
        else:
            rows = self.execute(
                f"SELECT a.seq, a.id, a.created_at, v.updated_at, v.trashed, v.version, v.data {_as_of(kind)} "
                f"ORDER BY a.created_at DESC, a.seq DESC{window}",
                (as_of, int(trashed), *window_params),
            ).fetchall()
        return [_record_from_row(r) for r in rows]

    def count_records(self, kind: str, *, trashed: bool, as_of: float | None = None) -> int:
        """How many records `list_records` lists."""
        if as_of is None:
            return self.execute(f"SELECT COUNT(*) {_current(kind)}", (int(trashed),)).fetchone()[0]
        return self.execute(f"SELECT COUNT(*) {_as_of(kind)}", (as_of, int(trashed))).fetchone()[0]

    def versions(self, kind: str, record_id: str) -> list[RecordVersion]:
        rows = self.execute(
            f"SELECT version, written_at, data FROM {kind}_versions WHERE {kind}_id = ? ORDER BY version",
            (record_id,),
        ).fetchall()
        return [RecordVersion(r["version"], r["written_at"], json.loads(r["data"])["fields"]) for r in rows]

    def linking(self, kind: str, relationship: str, target_id: str) -> list[str]:
        """Active records of `kind` whose `relationship` points at `target_id`, oldest first."""
        rows = self.execute(
            f"SELECT l.source_id FROM {kind}_links l JOIN {RECORD_TABLES[kind]} a ON a.id = l.source_id "
            "WHERE l.relationship = ? AND l.target_id = ? AND a.trashed = 0 ORDER BY a.seq",
            (relationship, target_id),
        ).fetchall()
        return [r["source_id"] for r in rows]

    def active_ids(self, kind: str, ids: list[str]) -> set[str]:
        """Which of `ids` name active records of `kind`."""
        if not ids:
            return set()
        marks = ", ".join("?" * len(ids))
        rows = self.execute(
            f"SELECT id FROM {RECORD_TABLES[kind]} WHERE trashed = 0 AND id IN ({marks})", tuple(ids)
        ).fetchall()
        return {r["id"] for r in rows}

    def list_accounts(self, *, trashed: bool) -> list[RecordRow]:
        """Every account in one trash state, newest first (tests read the store with it)."""
        return self.list_records("account", trashed=trashed)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _current(kind: str) -> str:
    return f"FROM {RECORD_TABLES[kind]} WHERE trashed = ?"


def _as_of(kind: str) -> str:
    return f"""
    FROM {RECORD_TABLES[kind]} a
    JOIN {kind}_versions v ON v.{kind}_id = a.id
    WHERE v.version = (SELECT MAX(version) FROM {kind}_versions WHERE {kind}_id = a.id AND written_at <= ?)
      AND v.trashed = ?
"""


def _record_from_row(row: sqlite3.Row) -> RecordRow:
    data = json.loads(row["data"])
    return RecordRow(
        id=row["id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        trashed=bool(row["trashed"]),
        version=row["version"],
        fields=data["fields"],
        relationships=data["relationships"],
        seq=row["seq"],
    )
