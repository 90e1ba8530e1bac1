"""Settling the intents an interrupted apply left in the journal, before anything new is sent.

Nothing is sent while any pending intent is one lfsync could not have written against this state
(pending.py), and an adopt is re-sent only to a record that still holds the identity it was
adopted by. An intent younger than the API's idempotency window is re-sent as it was, with its key: the API
replays the original answer if the first request landed, and runs it if it didn't. An older
create can no longer be replayed, so the record is looked up by its kind's identity (an account's
or an opportunity's name, a contact's e-mail: identities.py) and adopted, or the intent is
dropped when nothing was created since, or we stop and say what to check.

Ages and "created since" are read on the API's clock (the intent's `server_at` against the client's
server clock, `createdAt` against `server_at`: lfsync/state/replays.py), so a runner whose clock is
off, or two runners whose clocks disagree, settle the same intent the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lfsync.api.client import ApiError, LightfieldClient, RetryPolicy
from lfsync.api.list_members import list_members
from lfsync.api.records import ApiRecord
from lfsync.api.serverclock import parse_record_time
from lfsync.apply.dispatch import Delivery, Verdict, deliver, record_outcome
from lfsync.apply.identities import holds, records_holding, sent_identity
from lfsync.apply.pending import UntrustedJournal, refusal_message, refuse_untrusted
from lfsync.errors import LfsyncError
from lfsync.kinds.catalogue import identity_field_of, kind_of_address
from lfsync.kinds.lists import OBJECT_TYPE_FIELD
from lfsync.state.records import AdoptIntent, CreateIntent, Intent
from lfsync.state.replays import intent_age, journalled_at
from lfsync.state.workspace import State

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
    client: LightfieldClient,
    state: State,
    retry: RetryPolicy = RetryPolicy(),
    report: RecoveryReport | None = None,
    *,
    owns_organisation: bool = False,
    identity: str | None = None,
) -> RecoveryReport:
    """Settle every pending intent, oldest first. `report` (a fresh one by default) holds what was
    settled or dropped, also when RecoveryStopped ends the run part-way: those are in state.

    First, before anything is sent, every intent is checked against state (UntrustedJournal names
    those lfsync did not write), and the records two kinds of intent rest on are read back: an
    adopt's must hold the identity value (`identity`, the kind's own by default) the adopt sets,
    and the record a create of an address in state replaces must be gone."""
    report = RecoveryReport() if report is None else report
    refuse_untrusted(state.snapshot, state.pending, owns_organisation=owns_organisation)
    for intent in sorted(state.pending.values(), key=lambda i: i.seq):
        if isinstance(intent, AdoptIntent):
            await _check_adopted_record(client, state, intent, identity)
        elif isinstance(intent, CreateIntent) and intent.address in state.resources:
            await _check_replaced_record_is_gone(client, state, intent)
    for intent in sorted(state.pending.values(), key=lambda i: i.seq):
        age = intent_age(intent, client.server_clock.now())
        if isinstance(intent, CreateIntent) and age >= REPLAY_LIMIT:
            await _settle_old_create(client, state, intent, report)
        else:
            await _resend(client, state, intent, retry, report)
    return report


async def _resend(client: LightfieldClient, state: State, intent: Intent, retry: RetryPolicy, report: RecoveryReport) -> None:
    delivery = await deliver(client, state, intent, retry, resend=True)
    if delivery.verdict is Verdict.UNSETTLED:
        raise RecoveryStopped(
            f"could not settle the interrupted {intent.operation} of {intent.address} "
            f"(key {intent.key or '-'}): {_describe(delivery)}. "
            "Nothing was lost; run apply again."
        )
    if delivery.verdict is Verdict.REFUSED:
        report.dropped.append(f"{intent.address}: the interrupted {intent.operation} was refused: {_describe(delivery)}")
        return
    report.settled.append(f"{intent.address}: interrupted {intent.operation} settled")
    if delivery.revive_problem:  # settled all the same: the answer named the account, now in state
        raise RecoveryStopped(f"{intent.address}: {delivery.revive_problem}")


def _describe(delivery: Delivery) -> str:
    return delivery.error.describe() if delivery.error else "no answer"


async def _settle_old_create(
    client: LightfieldClient, state: State, intent: CreateIntent, report: RecoveryReport
) -> None:
    """Too old to replay: the record is looked up by the identity value the create sent (a contact
    by its `$email`, other kinds by `$name`: identities.py) and adopted when exactly one was
    created since."""
    kind = kind_of_address(intent.address)
    identity = sent_identity(kind, intent.request)
    if identity is None:
        raise RecoveryStopped(
            f"{intent.address}: an apply interrupted at {intent.at} (key {intent.idempotency_key}) can no longer be "
            f"replayed, and its create sent no {kind.identity_field} to find the {kind.name} by. Check Lightfield; "
            f"if it was created, run `lfsync import {intent.address} ID` with its ID."
        )
    sent_at, margin = journalled_at(intent)
    earliest = sent_at - margin
    candidates = [record for record in await records_holding(client, kind, identity) if _created_since(record, earliest)]
    if len(candidates) == 1:
        record_outcome(state, intent, candidates[0])
        report.settled.append(f"{intent.address}: adopted {candidates[0].id}, created by an interrupted apply")
        return
    if not candidates:
        state.reject(intent, f"no {kind.name} {identity} was created since the request; it never landed", abandoned=True)
        report.dropped.append(f"{intent.address}: the interrupted create never landed; it will be planned again")
        return
    ids = ", ".join(record.id for record in candidates)
    raise RecoveryStopped(
        f"{intent.address}: an apply interrupted at {intent.at} (key {intent.idempotency_key}) can no longer be "
        f"replayed, and {len(candidates)} {kind.declaration_key} {identity} were created since: {ids}. Check them in "
        f"Lightfield, then run `lfsync import {intent.address} ID` with the one to keep (and trash the others)."
    )


def _created_since(record: ApiRecord, earliest: datetime) -> bool:
    """True when the record may have been created by the request journalled no earlier than
    `earliest` (the intent's time less the margin for clocks), or when that can't be told."""
    created = parse_record_time(record.created_at)
    return created is None or created >= earliest



async def _check_adopted_record(client: LightfieldClient, state: State, intent: AdoptIntent, identity: str | None) -> None:
    """An adopt takes a record found by its identity value: it is re-sent only to a record that holds
    the value the adopt sets (one of them, for a contact's e-mails), so a journal line cannot aim it at
    another record. `identity` is lfsync.yaml's, for accounts; other kinds have their own."""
    kind = kind_of_address(intent.address)
    key = identity_field_of(kind, identity or kind.identity_field)
    wanted = (intent.request.get("fields") or {}).get(key)
    try:
        record = await client.retrieve(kind, intent.resource_id)
    except ApiError as error:
        if error.status != 404:
            raise RecoveryStopped(
                f"could not read {intent.resource_id}, which the interrupted adopt of {intent.address} takes: "
                f"{error.describe()}. Nothing was sent; run apply again."
            ) from None
        reason = f"{intent.resource_id} does not exist"
    else:
        held = record.fields.get(key)
        if wanted is not None and holds(held, wanted):
            return
        reason = f"{intent.resource_id} holds {key} {held!r}, not {wanted!r} that the adopt sets"
    raise UntrustedJournal(refusal_message(intent, state.snapshot, reason))


async def _check_replaced_record_is_gone(client: LightfieldClient, state: State, intent: CreateIntent) -> None:
    """A create of an address state holds replaces a record deleted outside lfsync (--refresh found
    it missing): re-sent only while that record is still gone, or it would orphan it for a second one."""
    kind, replaced = kind_of_address(intent.address), state.resources[intent.address].id
    try:
        if kind.restorable:
            await client.retrieve(kind, replaced)
        else:  # a trashed list may still answer a retrieve; its members read does not
            await list_members(client, kind, replaced, state.resources[intent.address].applied.get("fields", {}).get(OBJECT_TYPE_FIELD))
    except ApiError as error:
        if error.status == 404:
            return
        raise RecoveryStopped(
            f"could not read {replaced}, which the interrupted create of {intent.address} replaces: "
            f"{error.describe()}. Nothing was sent; run apply again."
        ) from None
    reason = f"state's {replaced} for {intent.address} exists, and a create replaces only a record deleted outside lfsync"
    raise UntrustedJournal(refusal_message(intent, state.snapshot, reason))
