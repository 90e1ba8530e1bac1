"""The idempotency cache, kept in SQLite so it survives restarts.

A request with a key first *claims* it (an `in_flight` row, inserted in its own
transaction so two concurrent requests cannot both win); a successful answer is
stored by `complete` in the same transaction as the write itself, so a stored
write always has its completed entry; a failed one is `release`d (not cached).
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from typing import Callable

from . import decisions
from .errors import ApiError
from .store import Store


@dataclass(frozen=True)
class CachedResponse:
    status: int
    body: bytes


def check_key(key: str) -> None:
    if len(key) > decisions.IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ApiError(
            400,
            f"Idempotency-Key is longer than {decisions.IDEMPOTENCY_KEY_MAX_LENGTH} characters.",
            code="idempotency_key_too_long",
            param="Idempotency-Key",
        )


class IdempotencyCache:
    def __init__(self, store: Store, clock: Callable[[], float]):
        self._store = store
        self._clock = clock
        self._host = socket.gethostname()
        self.owner = f"{self._host}:{os.getpid()}:{uuid.uuid4().hex}"

    def claim(self, org_id: str, operation: str, key: str) -> CachedResponse | None:
        """Claim `key` for this request; a cached response to replay, or None when claimed.

        Raises 409 idempotency_conflict while another request holds the key."""
        now = self._clock()
        with self._store.transaction():
            row = self._store.execute(
                "SELECT state, owner, claimed_at, status, body FROM idempotency_keys "
                "WHERE org_id = ? AND operation = ? AND key = ?",
                (org_id, operation, key),
            ).fetchone()
            if row is not None:
                expired = now - row["claimed_at"] >= decisions.IDEMPOTENCY_TTL_SECONDS
                if row["state"] == "completed" and not expired:
                    return CachedResponse(row["status"], bytes(row["body"]))
                if row["state"] == "in_flight" and not self._abandoned(row["owner"], row["claimed_at"], now):
                    raise ApiError(
                        409,
                        "A request with this Idempotency-Key is still in progress; retry later with the same key.",
                        code="idempotency_conflict",
                        param="Idempotency-Key",
                        literal_body=decisions.DOCS_LITERAL_IN_FLIGHT_BODY,
                    )
            # Two deletes, each by an index: one with OR scanned every entry, every write (O(N^2) seeding).
            self._store.execute(
                "DELETE FROM idempotency_keys WHERE org_id = ? AND operation = ? AND key = ?", (org_id, operation, key)
            )
            self._store.execute(
                "DELETE FROM idempotency_keys WHERE claimed_at <= ?", (now - decisions.IDEMPOTENCY_TTL_SECONDS,)
            )
            self._store.execute(
                "INSERT INTO idempotency_keys (org_id, operation, key, state, owner, claimed_at) "
                "VALUES (?, ?, ?, 'in_flight', ?, ?)",
                (org_id, operation, key, self.owner, now),
            )
        return None

    def complete(self, org_id: str, operation: str, key: str, status: int, body: bytes) -> None:
        """Record the answer; call inside the transaction that stored the write."""
        self._store.execute(
            "UPDATE idempotency_keys SET state = 'completed', status = ?, body = ? "
            "WHERE org_id = ? AND operation = ? AND key = ? AND owner = ?",
            (status, body, org_id, operation, key, self.owner),
        )

    def release(self, org_id: str, operation: str, key: str) -> None:
        """Forget a claim whose request failed, so a retry runs again."""
        with self._store.transaction():
            self._store.execute(
                "DELETE FROM idempotency_keys WHERE org_id = ? AND operation = ? AND key = ? "
                "AND owner = ? AND state = 'in_flight'",
                (org_id, operation, key, self.owner),
            )

    def _abandoned(self, owner: str, claimed_at: float, now: float) -> bool:
        """Decision 14: the claiming process is gone, or the claim is too old."""
        if now - claimed_at >= decisions.IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS:
            return True
        host, _, rest = owner.partition(":")
        pid_text = rest.partition(":")[0]
        if host != self._host or not pid_text.isdigit():
            return False
        pid = int(pid_text)
        if pid == os.getpid():
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
