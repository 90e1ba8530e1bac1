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

"Before" and "how long ago" are read on the API's clock: an intent keeps the server's time it was
journalled at (`server_at`, from the HTTP Date header: lfsync/api/serverclock.py), so the API's
`createdAt` is compared with a time of the same clock, and a runner whose own clock is an hour off
neither re-creates nor restores. Intents written before `server_at` (or against a server that never
told its time) are measured by the runner's clock, with the old allowance for skew.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from lfsync.api.serverclock import ServerTime, parse_record_time
from lfsync.state.records import IntentBase

# How far the runner's clock and the API's may disagree: the margin for intents without `server_at`.
CLOCK_SKEW = timedelta(minutes=5)
# How far two readings of the API's own clock may disagree: the Date header has a resolution of one
# second (and the estimate from it is rounded down), and `createdAt` may be stamped by another host of
# the API than the one whose Date was heard (hosts kept within a second or so of each other by NTP).
# A minute covers both with room to spare; it only has to be far shorter than the time between an
# earlier create and its replay (a whole apply apart), and than the idempotency window.
SERVER_CLOCK_TOLERANCE = timedelta(minutes=1)
RETIRED_KEPT = 5  # per address; only the latest one shapes a key, the rest are history


def retire(retired: dict[str, list[str]], address: str, resource_id: str) -> None:
    """Record that `address` no longer names `resource_id` (deleted, in the trash)."""
    history = [known for known in retired.get(address, []) if known != resource_id] + [resource_id]
    retired[address] = history[-RETIRED_KEPT:]


def last_retired(retired: dict[str, list[str]], address: str) -> str | None:
    history = retired.get(address)
    return history[-1] if history else None


def answers_with_an_earlier_record(
    record_created_at: str | None, sent_at: str | datetime, *, replay_hint: bool = False, skew: timedelta = CLOCK_SKEW
) -> bool:
    """Whether a create's answer may be the replay of an earlier create, whose record may have been
    trashed since: the record was created more than `skew` before the request was journalled
    (`sent_at`), or the server said so in a header of its own (`replay_hint`, never required)."""
    if replay_hint:
        return True
    made = parse_record_time(record_created_at)
    if made is None:
        return False
    return made < _aware(sent_at) - skew


def _aware(moment: str | datetime) -> datetime:
    """An intent's time (ISO 8601) as an aware datetime: UTC when it names no offset."""
    moment = moment if isinstance(moment, datetime) else datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def journalled_at(intent: IntentBase) -> tuple[datetime, timedelta]:
    """When `intent` was journalled, and the margin a `createdAt` is compared with it by: its server
    time and SERVER_CLOCK_TOLERANCE when it has one, else the runner's time and CLOCK_SKEW."""
    if intent.server_at:
        return _aware(intent.server_at), SERVER_CLOCK_TOLERANCE
    return _aware(intent.at), CLOCK_SKEW


def intent_age(intent: IntentBase, server_now: ServerTime) -> timedelta:
    """How long ago `intent` was journalled: on the API's clock when both the intent and `server_now`
    are server times, else (an intent from before `server_at`, a server that never told its time)
    on the runner's clock, as before.

    An age too short is the dangerous error (a create re-sent with a key the API has forgotten creates
    again; one too long only looks the account up by name), so when "now" is only the lower bound that
    records' stamps give (no Date heard), the longer of the two ages counts."""
    runner_age = timedelta(seconds=intent.age_seconds(None if server_now.from_server else server_now.moment))
    if not (intent.server_at and server_now.from_server):
        return runner_age
    server_age = server_now.moment - _aware(intent.server_at)
    return server_age if server_now.source == "date" else max(server_age, runner_age)
