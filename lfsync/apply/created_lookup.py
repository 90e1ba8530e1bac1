"""Finding the record an interrupted create may have made, once its key can no longer be replayed:
the live records of the create's kind that hold the identity value it sent, in the kind's own
identity field (lfsync.kinds.catalogue): an account's or an opportunity's `$name` (`equal`), a
contact's `$email` (the first address sent; the API's email filter matches substrings, so its
answers are narrowed to records holding that address). Text is matched in Unicode NFC, each
spelling asked for (lfsync.support.spellings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lfsync.api.client import LightfieldClient
from lfsync.api.records import ApiRecord
from lfsync.kinds.record_kind import RecordKind
from lfsync.support.spellings import composed, spellings

NAME = "$name"


@dataclass(frozen=True)
class SentIdentity:
    """The identity value a create sent: what the record it made holds."""

    field: str
    value: str

    def __str__(self) -> str:
        return f"named {self.value!r}" if self.field == NAME else f"with {self.field} {self.value!r}"


def sent_identity(kind: RecordKind, request: dict[str, Any]) -> SentIdentity | None:
    """The identity value of a create's request (the first, for a list such as `$email`); None when
    it sent none, or one that is not text (nothing to look the record up by)."""
    value = (request.get("fields") or {}).get(kind.identity_field)
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str) or not value:
        return None
    return SentIdentity(kind.identity_field, value)


async def records_holding(client: LightfieldClient, kind: RecordKind, identity: SentIdentity) -> list[ApiRecord]:
    """Live records of `kind` holding `identity`, each once."""
    if identity.field == NAME:
        return await client.find_named(kind, identity.value)
    found: list[ApiRecord] = []
    for spelling in spellings(identity.value):
        found += await client.find_by(kind, identity.field, spelling)
    wanted = composed(identity.value)
    return list({record.id: record for record in found if wanted in _held(record, identity.field)}.values())


def _held(record: ApiRecord, field: str) -> list[Any]:
    value = record.fields.get(field)
    return [composed(item) for item in (value if isinstance(value, list) else [value])]
