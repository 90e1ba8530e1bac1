"""Settling the intents an interrupted apply left in the journal, before anything new is sent.

An intent younger than the API's idempotency window is re-sent as it was, with its key: the API
replays the original answer if the first request landed, and runs it if it didn't. An older
create can no longer be replayed, so the account is looked up by name and adopted, or the
intent is dropped when nothing was created since, or we stop and say what to check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lfsync.applier import record_outcome, revive_replayed, send_intent
from lfsync.errors import LfsyncError
from lfsync.journal import Intent
from lfsync.lightfield import ApiError, LightfieldClient, RetryPolicy, with_retries
from lfsync.replays import CLOCK_SKEW, answers_with_an_earlier_record
from lfsync.replays import created_at as _created_at
from lfsync.state import State

IDEMPOTENCY_WINDOW = timedelta(hours=24)
# Re-send only well inside the window: the key must still be known when the request arrives.
REPLAY_LIMIT = IDEMPOTENCY_WINDOW - timedelta(hours=1)


@dataclass
class RecoveryReport:
    settled: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


class RecoveryStopped(LfsyncError):
    pass


async def settle_pending(
    client: LightfieldClient, state: State, retry: RetryPolicy = RetryPolicy(), now: datetime | None = None
) -> RecoveryReport:
    report = RecoveryReport()
    for intent in sorted(state.pending.values(), key=lambda i: i.seq):
        age = timedelta(seconds=intent.age_seconds(now))
        if intent.operation == "create" and age >= REPLAY_LIMIT:
            await _settle_old_create(client, state, intent, report)
        else:
            await _resend(client, state, intent, retry, report)
    return report


async def _resend(client: LightfieldClient, state: State, intent: Intent, retry: RetryPolicy, report: RecoveryReport) -> None:
    try:
        response = await with_retries(lambda: send_intent(client, intent), retry)
    except ApiError as error:
        if error.retryable:
            raise RecoveryStopped(
                f"could not settle the interrupted {intent.operation} of {intent.address} "
                f"(key {intent.idempotency_key}): {error.describe()}. Nothing was lost; run apply again."
            ) from None
        if intent.operation == "delete" and error.status == 404:
            state.finish(intent, None)
        else:
            state.reject(intent, error.describe())
            report.dropped.append(f"{intent.address}: the interrupted {intent.operation} was refused: {error.describe()}")
            return
    else:
        record_outcome(state, intent, response)
        if intent.operation == "create" and answers_with_an_earlier_record(
            response.body, intent.at, replay_hint=response.replayed
        ):
            problem = await revive_replayed(client, response, retry)
            if problem:
                raise RecoveryStopped(f"{intent.address}: {problem}")
    report.settled.append(f"{intent.address}: interrupted {intent.operation} settled")


async def _settle_old_create(client: LightfieldClient, state: State, intent: Intent, report: RecoveryReport) -> None:
    name = intent.request["fields"]["$name"]
    sent_at = datetime.fromisoformat(intent.at)
    candidates = [
        record
        for record in await client.find_accounts_named(name)
        if _created_at(record) is None or _created_at(record) >= sent_at - CLOCK_SKEW
    ]
    if len(candidates) == 1:
        record_outcome(state, intent, None, record=candidates[0])
        report.settled.append(f"{intent.address}: adopted {candidates[0]['id']}, created by an interrupted apply")
        return
    if not candidates:
        state.reject(intent, "no account with this name was created since the request; it never landed", abandoned=True)
        report.dropped.append(f"{intent.address}: the interrupted create never landed; it will be planned again")
        return
    ids = ", ".join(record["id"] for record in candidates)
    raise RecoveryStopped(
        f"{intent.address}: an apply interrupted at {intent.at} (key {intent.idempotency_key}) can no longer be "
        f"replayed, and {len(candidates)} accounts named {name!r} were created since: {ids}. Check them in "
        f"Lightfield, then run `lfsync import {intent.address} ID` with the one to keep (and trash the others)."
    )

