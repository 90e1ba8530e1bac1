"""One path for every journalled request: send the intent, classify the answer, record it in state.

The applier sends intents for the first time, recovery re-sends the ones an interrupted apply
left; both go through `deliver`, so an answer means the same thing to both:

- a success (or a 404 to a delete: already gone) is `done` and folded into state;
- a retryable failure that outlasted the retries is `unsettled`: the intent stays in the journal
  and the next apply re-sends it with the same key;
- any other failure is `refused`: journalled as rejected, nothing changed;
- a halted client (SIGTERM, lfsync.api.halting) raises Halted out of `deliver`: nothing is
  journalled, the intent stays pending, and the next apply settles it with the same key.

A create may be answered with an earlier record (a replay looks exactly like the original answer),
maybe one in the trash by now: `create_key` keeps a pruned address's next create from replaying it,
and `deliver` restores a record the answer shows to be an earlier one (lfsync/state/replays.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Callable

from lfsync.api.client import (
    ApiError,
    ApiResponse,
    Halted,
    LightfieldClient,
    RetryPolicy,
    with_retries,
)
from lfsync.api.records import ApiRecord, UnexpectedAnswer
from lfsync.errors import LfsyncError
from lfsync.kinds.catalogue import kind_of_address
from lfsync.plan.resources import create_idempotency_key, resource_hash
from lfsync.state.records import (
    AdoptIntent,
    CreateIntent,
    DeleteIntent,
    Intent,
    Payload,
    ResourceState,
    RestoreIntent,
    UpdateIntent,
)
from lfsync.state.replays import answers_with_an_earlier_record, journalled_at, last_retired
from lfsync.state.workspace import State


class Verdict(Enum):
    DONE = "done"
    UNSETTLED = "unsettled"
    REFUSED = "refused"


@dataclass(frozen=True)
class Delivery:
    verdict: Verdict
    response: ApiResponse | None = None  # DONE, unless a delete found the account gone
    error: ApiError | None = None  # UNSETTLED and REFUSED
    # DONE, but a create replayed an account that is in the trash and could not be restored
    revive_problem: str | None = None

    @property
    def link(self) -> str:
        record = self.response.record if self.response else None
        return (record.http_link or "") if record else ""


async def deliver(
    client: LightfieldClient,
    state: State,
    intent: Intent,
    retry: RetryPolicy,
    *,
    resend: bool,
    on_retry: Callable[[ApiError], None] | None = None,
) -> Delivery:
    """Send `intent` (retrying by class), record its outcome in state, and say how it ended.

    A create answered with a record made well before the intent was journalled (both on the API's
    clock, when the intent has its time) came from an earlier create, and is restored in case it
    was trashed since (a no-op for a live record). A replay header, where the server sends one, is
    a hint as well: `resend` is True for an intent an earlier apply journalled, whose replay may
    name an account created long ago; on a first send, a replay on a retry answers our own lost
    attempt of a moment ago, so only a replay on the first attempt counts.
    """
    attempts = 0

    async def attempt() -> ApiResponse:
        nonlocal attempts
        attempts += 1
        return await send_intent(client, intent)

    try:
        response = await with_retries(attempt, retry, on_retry, sleep=client.halt.sleep)
    except ApiError as error:
        if error.retryable:
            return Delivery(Verdict.UNSETTLED, error=error)
        if isinstance(intent, DeleteIntent) and error.status == 404:
            state.finish(intent, None)
            return Delivery(Verdict.DONE)
        state.reject(intent, error.describe())
        return Delivery(Verdict.REFUSED, error=error)
    if isinstance(intent, CreateIntent) and response.record:
        check_created(intent, response.record)
    if isinstance(intent, (UpdateIntent, AdoptIntent)) and response.record:
        check_updated(intent, response.record)
    record_outcome(state, intent, response.record)
    problem = None
    if isinstance(intent, CreateIntent) and response.record:
        sent_at, margin = journalled_at(intent)  # the API's clock when the intent has it
        if answers_with_an_earlier_record(
            response.record.created_at, sent_at, replay_hint=response.replayed and (resend or attempts == 1), skew=margin
        ):
            problem = await revive_replayed(client, intent.address, response.record, retry)
    return Delivery(Verdict.DONE, response=response, revive_problem=problem)


def check_created(intent: CreateIntent, record: ApiRecord) -> None:
    """A create's answer must be the record just created: its identity field (`$name`) as sent, in
    canonical form, else UnexpectedAnswer (nothing is recorded; the intent stays pending)."""
    kind = kind_of_address(intent.address)
    key = kind.identity_field
    sent = (intent.request.get("fields") or {}).get(key)
    answered = record.fields.get(key)
    if sent is not None and answered != sent:
        raise UnexpectedAnswer(
            f"POST {kind.api_path}",
            f"the create of {intent.address} was answered with {record.id} whose {key} is {answered!r}, "
            f"not {sent!r}: not the record just created; nothing was recorded for it",
        )


def check_updated(intent: UpdateIntent | AdoptIntent, record: ApiRecord) -> None:
    """An update's answer must be the record updated (the ID in its URL), else UnexpectedAnswer."""
    if record.id != intent.resource_id:
        kind = kind_of_address(intent.address)
        raise UnexpectedAnswer(
            f"POST {kind.api_path}/{{id}}",
            f"the {intent.operation} of {intent.address} ({intent.resource_id}) was answered with the record "
            f"{record.id}: not the record updated; nothing was recorded for it",
        )


def create_key(state: State, address: str, payload: Payload, payload_hash: str, workspace: str, replaces: str | None) -> str:
    """The Idempotency-Key of a new create: the payload's, so an interrupted apply's create replays
    instead of duplicating. When the address named a record before (`replaces`: one deleted outside
    lfsync, or the last one lfsync retired, a tombstone in state), that ID is mixed in, or the
    original key would replay the trashed record."""
    return derived_create_key(payload, payload_hash, address, workspace, replaces or last_retired(state.snapshot.retired, address))


def derived_create_key(payload: Payload, payload_hash: str, address: str, workspace: str, replaces: str | None) -> str:
    """The create key of `payload` (hashed as `payload_hash`), with the ID it replaces mixed in."""
    if not replaces:
        return create_idempotency_key(payload_hash)
    return create_idempotency_key(resource_hash(payload, address, f"{workspace}/{replaces}"))


async def send_intent(client: LightfieldClient, intent: Intent) -> ApiResponse:
    """The request an intent stands for, exactly as journalled (first sends and re-sends alike)."""
    kind = kind_of_address(intent.address)
    if isinstance(intent, CreateIntent):
        return await client.create(kind, intent.request, intent.idempotency_key)
    if isinstance(intent, (UpdateIntent, AdoptIntent)):
        return await client.update(kind, intent.resource_id, intent.request, intent.idempotency_key)
    if isinstance(intent, RestoreIntent):
        return await client.restore(kind, intent.resource_id)
    return await client.delete(kind, intent.resource_id)


async def revive_replayed(client: LightfieldClient, address: str, record: ApiRecord, retry: RetryPolicy) -> str | None:
    """A replayed create may name a record trashed since (pruned, then declared again within the
    key's 24 hours). Restore it: for a live record that is a no-op. Returns a problem, or None."""
    kind, record_id = kind_of_address(address), record.id
    if not kind.restorable:  # a list: if trashed, the next refresh finds it so and plans it created again
        return None
    try:
        await with_retries(lambda: client.restore(kind, record_id), retry, sleep=client.halt.sleep)
    except Halted:
        return f"{record_id} was created earlier (the key replayed it); the run stopped before it could be restored from the trash"
    except ApiError as error:
        if error.status == 403:  # a key without the restore scope can't check or bring it back: leave it
            return None
        return f"{record_id} was created earlier (the key replayed it) but could not be restored from the trash: {error.describe()}"
    return None


def record_outcome(state: State, intent: Intent, record: ApiRecord | None) -> None:
    """Journal that `intent` took effect and fold it into state; `record` is the record as answered."""
    if isinstance(intent, DeleteIntent):
        state.finish(intent, None)
        return
    if isinstance(intent, RestoreIntent):
        restored = state.resources[intent.address]
        updated_at = (record.updated_at if record else None) or restored.updated_at
        state.finish(intent, restored.model_copy(update={"updated_at": updated_at}))
        return
    previous = state.resources.get(intent.address)
    resource_id = (record.id if record else None) or (
        intent.resource_id if isinstance(intent, (UpdateIntent, AdoptIntent)) else None
    )
    if not resource_id:
        raise LfsyncError(f"the API answered the {intent.operation} of {intent.address} without a record ID")
    state.finish(
        intent,
        ResourceState(
            id=resource_id,
            hash=intent.hash,
            idempotency_key=intent.idempotency_key,
            http_link=(record.http_link if record else None) or (previous.http_link if previous else None),
            created_at=(record.created_at if record else None) or (previous.created_at if previous else None),
            updated_at=(record.updated_at if record else None) or (previous.updated_at if previous else None),
            applied=intent.applied,
            protect=previous.protect if previous else None,
        ),
    )
