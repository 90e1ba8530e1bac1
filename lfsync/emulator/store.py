"""SQLite storage of accounts, their versions (history and the lagging search index),
relationship links and idempotency entries.

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

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    trashed INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS account_versions (
    account_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    written_at REAL NOT NULL,
    updated_at TEXT NOT NULL,
    trashed INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (account_id, version)
);
CREATE TABLE IF NOT EXISTS account_links (
    source_id TEXT NOT NULL,
    relationship TEXT NOT NULL,
    target_id TEXT NOT NULL,
    PRIMARY KEY (source_id, relationship, target_id)
);
CREATE INDEX IF NOT EXISTS account_links_by_target ON account_links (relationship, target_id);
CREATE INDEX IF NOT EXISTS accounts_newest_first ON accounts (trashed, created_at DESC, seq DESC);
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


@dataclass
class AccountRow:
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
class AccountVersion:
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

    # -- accounts ---------------------------------------------------------------

    def get_account(self, account_id: str) -> AccountRow | None:
        row = self.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
        return _account_from_row(row) if row else None

    def save_account(self, account: AccountRow, written_at: float) -> AccountRow:
        """Insert or update `account` as a new version; its links follow its relationships."""
        with self.transaction():
            account.version += 1
            data = account.data_json()
            if account.seq is None:
                cursor = self.execute(
                    "INSERT INTO accounts (id, created_at, updated_at, trashed, version, data) VALUES (?, ?, ?, ?, ?, ?)",
                    (account.id, account.created_at, account.updated_at, int(account.trashed), account.version, data),
                )
                account.seq = cursor.lastrowid
            else:
                self.execute(
                    "UPDATE accounts SET updated_at = ?, trashed = ?, version = ?, data = ? WHERE id = ?",
                    (account.updated_at, int(account.trashed), account.version, data, account.id),
                )
            self.execute(
                "INSERT INTO account_versions (account_id, version, written_at, updated_at, trashed, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (account.id, account.version, written_at, account.updated_at, int(account.trashed), data),
            )
            self.execute("DELETE FROM account_links WHERE source_id = ?", (account.id,))
            for relationship, targets in account.relationships.items():
                for target in targets:
                    self.execute(
                        "INSERT OR IGNORE INTO account_links (source_id, relationship, target_id) VALUES (?, ?, ?)",
                        (account.id, relationship, target),
                    )
        return account

    def list_accounts(
        self, *, trashed: bool, as_of: float | None = None, limit: int | None = None, offset: int = 0
    ) -> list[AccountRow]:
        """The accounts in one trash state, newest first: all, or `limit` of them from `offset`
        (one page decodes one page, not every account); `as_of` reads the lagging index: each
        account as its latest version written at or before that time."""
        window, window_params = (" LIMIT ? OFFSET ?", (limit, offset)) if limit is not None else ("", ())
        if as_of is None:
            rows = self.execute(
                f"SELECT * {_CURRENT_ACCOUNTS} ORDER BY created_at DESC, seq DESC{window}", (int(trashed), *window_params)
            ).fetchall()
        else:
            rows = self.execute(
                f"SELECT a.seq, a.id, a.created_at, v.updated_at, v.trashed, v.version, v.data {_ACCOUNTS_AS_OF} "
                f"ORDER BY a.created_at DESC, a.seq DESC{window}",
                (as_of, int(trashed), *window_params),
            ).fetchall()
        return [_account_from_row(r) for r in rows]

    def count_accounts(self, *, trashed: bool, as_of: float | None = None) -> int:
        """How many accounts list_accounts lists."""
        if as_of is None:
            return self.execute(f"SELECT COUNT(*) {_CURRENT_ACCOUNTS}", (int(trashed),)).fetchone()[0]
        return self.execute(f"SELECT COUNT(*) {_ACCOUNTS_AS_OF}", (as_of, int(trashed))).fetchone()[0]

    def account_versions(self, account_id: str) -> list[AccountVersion]:
        rows = self.execute(
            "SELECT version, written_at, data FROM account_versions WHERE account_id = ? ORDER BY version",
            (account_id,),
        ).fetchall()
        return [AccountVersion(r["version"], r["written_at"], json.loads(r["data"])["fields"]) for r in rows]

    def linking_accounts(self, relationship: str, target_id: str) -> list[str]:
        """Active accounts whose `relationship` points at `target_id`, oldest first."""
        rows = self.execute(
            "SELECT l.source_id FROM account_links l JOIN accounts a ON a.id = l.source_id "
            "WHERE l.relationship = ? AND l.target_id = ? AND a.trashed = 0 ORDER BY a.seq",
            (relationship, target_id),
        ).fetchall()
        return [r["source_id"] for r in rows]


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


_CURRENT_ACCOUNTS = "FROM accounts WHERE trashed = ?"
_ACCOUNTS_AS_OF = """
    FROM accounts a
    JOIN account_versions v ON v.account_id = a.id
    WHERE v.version = (SELECT MAX(version) FROM account_versions WHERE account_id = a.id AND written_at <= ?)
      AND v.trashed = ?
"""


def _account_from_row(row: sqlite3.Row) -> AccountRow:
    data = json.loads(row["data"])
    return AccountRow(
        id=row["id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        trashed=bool(row["trashed"]),
        version=row["version"],
        fields=data["fields"],
        relationships=data["relationships"],
        seq=row["seq"],
    )
