"""Identity values of interrupted intents, in the kind's own identity field (lfsync.kinds.catalogue:
an account's or an opportunity's `$name`, a contact's `$email`; accounts may be adopted by the
`identity:` of lfsync.yaml).

- An old create, whose key can no longer be replayed, is looked up by the value it sent: the live
  records of its kind holding it (`$name` by `equal`; the first `$email` sent, whose filter matches
  substrings, so the answers are narrowed to records holding that address).
- An adopt is re-sent only to a record holding the value it was matched by (`holds`): the value
  itself, or for a list such as `$email`, one of the values the adopt sets.

Text is matched in Unicode NFC, each spelling asked for (lfsync.support.spellings)."""

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
    return list({record.id: record for record in found if holds(record.fields.get(identity.field), identity.value)}.values())


def holds(held: Any, wanted: Any) -> bool:
    """Whether a record's value `held` holds the identity value `wanted`: equal (in NFC), or for
    lists (`$email`), one of `wanted`'s items among `held`'s."""
    if isinstance(wanted, list) or isinstance(held, list):
        held_items = [composed(item) for item in (held if isinstance(held, list) else [held])]
        return any(composed(item) in held_items for item in (wanted if isinstance(wanted, list) else [wanted]))
    return composed(held) == composed(wanted)
