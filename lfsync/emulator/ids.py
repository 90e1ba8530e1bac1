"""Lightfield-style IDs: `acc_c...`, `opt_c...` (decision 12)."""

from __future__ import annotations

import hashlib
import secrets

from . import decisions

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(number: int, width: int) -> str:
    out = []
    for _ in range(width):
        number, rest = divmod(number, 36)
        out.append(_ALPHABET[rest])
    return "".join(reversed(out))


def new_id(object_type: str) -> str:
    """A fresh random ID for a record of `object_type` (e.g. "account" -> `acc_c...`)."""
    prefix = decisions.ID_PREFIX_BY_OBJECT_TYPE[object_type]
    return f"{prefix}_c{_base36(secrets.randbits(104), decisions.ID_RANDOM_LENGTH)}"


def stable_id(prefix: str, *parts: str) -> str:
    """An ID derived from fixture data, the same across restarts."""
    digest = int(hashlib.sha256("\x1f".join(parts).encode()).hexdigest(), 16)
    return f"{prefix}_c{_base36(digest, decisions.ID_RANDOM_LENGTH)}"


def new_request_id() -> str:
    return f"req_c{_base36(secrets.randbits(104), decisions.ID_RANDOM_LENGTH)}"
