"""Executes a Plan: dependency order, bounded concurrency, one journalled intent per request."""

from __future__ import annotations

import asyncio
from typing import Callable, Mapping

from lfsync.api.client import ApiError, Halted, LightfieldClient, RetryPolicy
from lfsync.apply.delete_order import delete_waves
from lfsync.apply.dispatch import Verdict, create_key, deliver
from lfsync.apply.moves import record_moves
from lfsync.apply.progress import Progress
from lfsync.apply.schedule import FOLLOW_UP, PrioritySlots, urgency
from lfsync.kinds.present import noun_for
from lfsync.plan.actions import Action, ApplyOutcome, ApplyReport
from lfsync.plan.ignored import kept_as_found
from lfsync.plan.list_members import without_object_type
from lfsync.plan.model import Change
from lfsync.plan.resources import (
    DesiredAccount,
    resource_hash,
    update_idempotency_key,
    update_operations,
)
from lfsync.state.records import (
    AdoptIntent,
    CreateIntent,
    DeleteIntent,
    Intent,
    Payload,
    RestoreIntent,
    UpdateIntent,
    empty_payload,
)
from lfsync.state.workspace import State
from lfsync.support.asyncrun import all_or_none

DEFAULT_CONCURRENCY = 8
FORBIDDEN = 403  # the key lacks the scope: the API refuses every change of this kind alike


class Applier:
    def __init__(
        self,
        client: LightfieldClient,
        state: State,
        desired: Mapping[str, DesiredAccount],
        workspace: str,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        retry: RetryPolicy = RetryPolicy(),
        progress: Progress | None = None,
        stop: asyncio.Event | None = None,
        on_applied: Callable[[str], None] | None = None,
    ):
        self.client = client
        self.state = state
        self.desired = desired
        self.workspace = workspace
        self.concurrency = max(1, concurrency)
        self.retry = retry
        self.progress = progress or Progress()
        self.stop = stop or asyncio.Event()
        self.on_applied = on_applied  # told the address of each change that succeeds, as it succeeds
        self.report = ApplyReport()
        self.planned_serial = state.serial  # scopes update keys to this apply's starting state

    # -- scheduling ------------------------------------------------------------------------------
    async def execute(self, changes: list[Change]) -> ApplyReport:
        """Moves (one state edit, no request), then creates, adopts and updates in dependency order,
        then deletes, dependents first (lfsync.apply.delete_order). Journal entries are made durable
        in groups (state.journalled(), awaited before each send and each count): the fsyncs of the
        requests in flight share one, off the event loop, which other workspaces share."""
        for address in record_moves(self.state, changes):
            self.report.record(ApplyOutcome.MOVED, address)
        self.progress.noun = noun_for(change.address for change in changes)
        self.progress.start(sum(change.requests for change in changes))
        self.state.sync_each_entry = False
        try:
            await self._run_graph([c for c in changes if c.action not in (Action.DELETE, Action.MOVE)])
            for deletes in delete_waves(c for c in changes if c.action == Action.DELETE):  # dependents first
                await self._run_graph(deletes)
            await self.state.journalled()
        finally:
            self.state.sync_each_entry = True
            self.progress.stop()
        self.report.interrupted = self.stop.is_set()
        self.report.terminated = self.client.halt.halted
        return self.report

    def halt(self) -> None:
        """Stop at once (SIGTERM): start nothing new, end every wait of the client now, and cut off
        requests on the wire after the client's grace; their intents stay pending for the next apply."""
        self.stop.set()
        self.client.halt.halt()

    async def _run_graph(self, changes: list[Change]) -> None:
        if not changes:
            return
        finished: dict[str, asyncio.Event] = {c.address: asyncio.Event() for c in changes}
        succeeded: set[str] = set()
        slots = PrioritySlots(self.concurrency)  # ready changes take them most urgent first
        ranks = urgency(changes)

        async def run(change: Change) -> None:
            try:
                for dependency in change.depends_on:
                    if dependency in finished:
                        await finished[dependency].wait()
                if self.stop.is_set():
                    self.report.not_started.append(change.address)
                    return
                blocked = [d for d in change.depends_on if d in finished and d not in succeeded]
                if blocked:
                    self._fail(change.address, f"not applied: it depends on {', '.join(blocked)}, which failed", change.requests)
                    return
                async with slots.taking(ranks[change.address]):
                    if self.stop.is_set():
                        self.report.not_started.append(change.address)
                        return
                    if await self._apply(change):
                        succeeded.add(change.address)
                    elif change.deferred_relationships:
                        self._count(ApplyOutcome.FAILED, change.address)  # its follow-up link will not run either
            finally:
                finished[change.address].set()  # dependents need the ID only, not the follow-up link
            if change.deferred_relationships and change.address in succeeded:
                await self._link_deferred(change, finished, slots)

        # Started most urgent first: the first to ask take the free slots.
        await all_or_none(run(change) for change in sorted(changes, key=lambda change: ranks[change.address]))

    async def _link_deferred(self, change: Change, finished: dict[str, asyncio.Event], slots: PrioritySlots) -> None:
        """The update that adds the relationships held back to break a reference cycle."""
        account = self.desired[change.address]
        for target in account.references():
            if target in finished:
                await finished[target].wait()
        missing = account.unresolved(self.state.ids())
        if missing:
            self._fail(change.address, f"created, but not yet linked to {', '.join(missing)}, which failed; apply again")
            return
        async with slots.taking(FOLLOW_UP):
            if not self.stop.is_set():
                await self._update(change.address, linking=True)

    # -- one change ------------------------------------------------------------------------------
    async def _apply(self, change: Change) -> bool:
        if change.action == Action.CREATE:
            return await self._create(change)
        if change.action == Action.ADOPT:
            return await self._adopt(change)
        if change.action == Action.UPDATE:
            return await self._update(change.address, before=change.observed)
        if change.action == Action.RESTORE:
            return await self._restore(change)
        if change.action == Action.DELETE:
            return await self._delete(change)
        raise ValueError(f"a {change.action} of {change.address} sends no request (moves are made by record_moves)")

    async def _create(self, change: Change) -> bool:
        account = self.desired[change.address]
        payload = account.payload(self.state.ids(), leave_out=frozenset(change.deferred_relationships))
        payload_hash = resource_hash(payload, change.address, self.workspace)
        key = create_key(self.state, change.address, payload, payload_hash, self.workspace, change.replaces)
        body = create_body(payload, account.skip_enrichment)
        intent = CreateIntent(address=change.address, idempotency_key=key, request=body, hash=payload_hash, applied=payload)
        return await self._send(intent, change.action.outcome)

    async def _adopt(self, change: Change) -> bool:
        account = self.desired[change.address]
        payload = account.payload(self.state.ids())
        payload_hash = resource_hash(payload, change.address, self.workspace)
        key = update_idempotency_key(
            payload_hash, resource_hash(empty_payload(), change.address, self.workspace), self.planned_serial
        )
        body = without_object_type(change.address, update_operations(empty_payload(), payload))
        intent = AdoptIntent(
            address=change.address, resource_id=_resource_id(change), idempotency_key=key,
            request=body, hash=payload_hash, applied=payload,
        )
        return await self._send(intent, change.action.outcome)

    async def _update(self, address: str, before: Payload | None = None, *, linking: bool = False) -> bool:
        """`before` is the payload as the server holds it, when --refresh found it changed. What
        `ignore_changes:` covers is kept as found, except in the follow-up that completes a create
        (`linking`: the relationships held back to break a cycle)."""
        current = self.state.resources[address]
        account = self.desired[address]
        payload = account.payload(self.state.ids())
        if not linking:
            payload = kept_as_found(payload, before or current.applied, account.ignore_changes)
        payload_hash = resource_hash(payload, address, self.workspace)
        body = without_object_type(address, update_operations(before or current.applied, payload))
        key = update_idempotency_key(payload_hash, current.hash, self.planned_serial)
        intent = self.state.begin(
            UpdateIntent(address=address, resource_id=current.id, idempotency_key=key, request=body,
                         hash=payload_hash, applied=payload),
            self.client.server_clock.now(),
        )
        if not body:
            self.state.finish(intent, current.model_copy(update={"hash": payload_hash, "applied": payload}))
            await self.state.journalled("outcome")
            self._count(ApplyOutcome.UPDATED, address)
            return True
        await self.state.journalled()  # the intent is durable before its request is sent
        return await self._deliver(intent, ApplyOutcome.UPDATED)

    async def _restore(self, change: Change) -> bool:
        intent = RestoreIntent(address=change.address, resource_id=_resource_id(change))
        if not await self._send(intent, change.action.outcome):
            return False
        if not change.attributes:
            return True
        return await self._update(change.address, before=change.observed)

    async def _delete(self, change: Change) -> bool:
        return await self._send(DeleteIntent(address=change.address, resource_id=_resource_id(change)), change.action.outcome)

    async def _send(self, intent: Intent, outcome: ApplyOutcome) -> bool:
        journalled = self.state.begin(intent, self.client.server_clock.now())
        await self.state.journalled()  # the intent is durable before its request is sent
        return await self._deliver(journalled, outcome)

    async def _deliver(self, intent: Intent, outcome: ApplyOutcome) -> bool:
        """`intent` is journalled already: send it, and count how it ended."""
        try:
            delivery = await deliver(self.client, self.state, intent, self.retry, resend=False, on_retry=self._on_retry)
            await self.state.journalled("outcome")  # its outcome is durable before it counts
        except Halted:  # terminated: the intent stays pending; the next apply settles it with the same key
            self.report.in_flight.append(intent.address)
            return False
        if delivery.verdict is Verdict.UNSETTLED:
            self._give_up(
                intent.address,
                f"{delivery.error.describe() if delivery.error else 'no answer'}; gave up after "
                f"{self.retry.attempts} attempts. The request may have landed: the next apply settles it "
                "with the same idempotency key.",
            )
            return False
        if delivery.verdict is Verdict.REFUSED and delivery.error is not None and delivery.error.status == FORBIDDEN:
            self._forbidden(intent.address, delivery.error.describe())
            return False
        if delivery.verdict is Verdict.REFUSED:
            self._fail(intent.address, delivery.error.describe() if delivery.error else "refused")
            return False
        if delivery.response is not None:
            self.report.links[intent.address] = delivery.link
        self._count(outcome, intent.address)
        if delivery.revive_problem:
            self._fail(intent.address, delivery.revive_problem)
            return False
        return True

    # -- bookkeeping: every count goes through _count ----------------------------------------------
    def _on_retry(self, error: ApiError) -> None:
        self.report.retried += 1
        self.progress.retried()

    def _count(self, outcome: ApplyOutcome, address: str) -> None:
        """One request ended so: in the report (successes; failures carry their message there) and
        on the progress display (every request, failures included)."""
        if outcome is not ApplyOutcome.FAILED:
            self.report.record(outcome, address)
            if self.on_applied is not None:
                self.on_applied(address)
        self.progress.count(outcome)

    def _fail(self, address: str, message: str, requests: int = 1) -> None:
        """A definite failure (refused, or not attempted because a dependency failed)."""
        self.report.failed[address] = message
        for _ in range(requests):
            self._count(ApplyOutcome.FAILED, address)

    def _forbidden(self, address: str, message: str) -> None:
        """The key may not do this (403: a missing scope): every other change would be refused the
        same way, so nothing more is sent, and the first refusal is the one message. A 403 writes
        nothing: the change was not made, as those never sent, and the next apply makes them."""
        if self.report.forbidden is None:
            self.report.forbidden = message
        self.stop.set()
        self.report.not_started.append(address)
        self.progress.count(ApplyOutcome.FAILED)

    def _give_up(self, address: str, message: str) -> None:
        """No definite answer: the intent stays in the journal for the next apply."""
        self.report.unsettled[address] = message
        self._count(ApplyOutcome.FAILED, address)


def _resource_id(change: Change) -> str:
    if change.resource_id is None:
        raise ValueError(f"a {change.action} of {change.address} needs the account's ID")
    return change.resource_id


def create_body(payload: Payload, skip_enrichment: bool) -> dict:
    body: dict = {"fields": payload["fields"]}
    if payload["relationships"]:
        body["relationships"] = payload["relationships"]
    if skip_enrichment:
        body["skipEnrichment"] = True
    return body
