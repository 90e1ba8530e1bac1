"""Creates the API may answer with an earlier record, told apart without an undocumented header.

The API replays the original answer to a repeated idempotency key for 24 hours, and a replay looks
exactly like the original (the docs name no replay header). Two things keep that from answering a
re-creation with a record lfsync has since put in the trash:

- Tombstones: when a delete removes an address from state, its ID is kept as retired, and a later
  create of that address mixes the retired ID into its idempotency key, so the API never replays
  the trashed record.
- A safety net for what tombstones cannot cover (state written before them, a record trashed
  outside lfsync): a create answered with a record made before the request was journalled is a
  replay of an earlier create, and is restored (a no-op for a live record).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

CLOCK_SKEW = timedelta(minutes=5)  # how far our clock and the API's may disagree
RETIRED_KEPT = 5  # per address; only the latest one shapes a key, the rest are history


def retire(retired: dict[str, list[str]], address: str, resource_id: str) -> None:
    """Record that `address` no longer names `resource_id` (deleted, in the trash)."""
    history = [known for known in retired.get(address, []) if known != resource_id] + [resource_id]
    retired[address] = history[-RETIRED_KEPT:]


def last_retired(retired: dict[str, list[str]], address: str) -> str | None:
    history = retired.get(address)
    return history[-1] if history else None


def created_at(text: str | None) -> datetime | None:
    """A record's `createdAt` as an aware datetime (UTC when it names no offset); None if unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def answers_with_an_earlier_record(
    record_created_at: str | None, sent_at: str, *, replay_hint: bool = False, skew: timedelta = CLOCK_SKEW
) -> bool:
    """Whether a create's answer may be the replay of an earlier create, whose record may have been
    trashed since: the record was created more than `skew` before the request was journalled
    (`sent_at`), or the server said so in a header of its own (`replay_hint`, never required)."""
    if replay_hint:
        return True
    made = created_at(record_created_at)
    if made is None:
        return False
    sent = datetime.fromisoformat(sent_at)
    sent = sent if sent.tzinfo else sent.replace(tzinfo=timezone.utc)
    return made < sent - skew
