"""Executes a Plan: dependency order, bounded concurrency, retries by class, a journal entry per request."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Mapping

from lfsync.journal import Intent, ResourceState
from lfsync.lightfield import ApiError, ApiResponse, LightfieldClient, RetryPolicy, with_retries
from lfsync.plan import Change
from lfsync.progress import Progress
from lfsync.replays import answers_with_an_earlier_record, last_retired
from lfsync.resources import (
    DesiredAccount,
    create_idempotency_key,
    resource_hash,
    update_idempotency_key,
    update_operations,
)
from lfsync.state import State

DEFAULT_CONCURRENCY = 8
EMPTY_PAYLOAD: dict = {"fields": {}, "relationships": {}}


@dataclass
class ApplyReport:
    done: dict[str, list[str]] = field(
        default_factory=lambda: {"created": [], "updated": [], "deleted": [], "adopted": [], "restored": []}
    )
    failed: dict[str, str] = field(default_factory=dict)
    unsettled: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    retried: int = 0
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not (self.failed or self.unsettled or self.interrupted)


class Unsettled(Exception):
    """Retries ran out with no definite answer: the intent stays in the journal for the next run."""

    def __init__(self, error: ApiError):
        self.error = error


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
    ):
        self.client = client
        self.state = state
        self.desired = desired
        self.workspace = workspace
        self.concurrency = max(1, concurrency)
        self.retry = retry
        self.progress = progress or Progress()
        self.stop = stop or asyncio.Event()
        self.report = ApplyReport()
        self.planned_serial = state.serial  # scopes update keys to this apply's starting state

    # -- scheduling ------------------------------------------------------------------------------
    async def execute(self, changes: list[Change]) -> ApplyReport:
        """Creates, adopts and updates in dependency order, then deletes."""
        self.progress.start(sum(change.requests for change in changes))
        try:
            await self._run_graph([c for c in changes if c.action != "delete"])
            await self._run_graph([c for c in changes if c.action == "delete"])
        finally:
            self.progress.stop()
        self.report.interrupted = self.stop.is_set()
        return self.report

    async def _run_graph(self, changes: list[Change]) -> None:
        if not changes:
            return
        finished: dict[str, asyncio.Event] = {c.address: asyncio.Event() for c in changes}
        succeeded: set[str] = set()
        slots = asyncio.Semaphore(self.concurrency)

        async def run(change: Change) -> None:
            try:
                for dependency in change.depends_on:
                    if dependency in finished:
                        await finished[dependency].wait()
                blocked = [d for d in change.depends_on if d in finished and d not in succeeded]
                if blocked:
                    self._fail(change.address, f"not applied: it depends on {', '.join(blocked)}, which failed", change.requests)
                    return
                async with slots:
                    if self.stop.is_set():
                        return
                    if await self._apply(change):
                        succeeded.add(change.address)
                    elif change.deferred_relationships:
                        self.progress.count("failed")  # its follow-up link will not run either
            finally:
                finished[change.address].set()  # dependents need the ID only, not the follow-up link
            if change.deferred_relationships and change.address in succeeded:
                await self._link_deferred(change, finished, slots)

        await asyncio.gather(*(run(change) for change in changes))

    async def _link_deferred(self, change: Change, finished: dict[str, asyncio.Event], slots: asyncio.Semaphore) -> None:
        """The update that adds the relationships held back to break a reference cycle."""
        account = self.desired[change.address]
        for target in account.references():
            if target in finished:
                await finished[target].wait()
        missing = account.unresolved(self.state.ids())
        if missing:
            self._fail(change.address, f"created, but not yet linked to {', '.join(missing)}, which failed; apply again")
            return
        async with slots:
            if not self.stop.is_set():
                await self._update(change.address, count_as="updated")

    # -- one change ------------------------------------------------------------------------------
    async def _apply(self, change: Change) -> bool:
        if change.action == "create":
            return await self._create(change)
        if change.action == "adopt":
            return await self._adopt(change)
        if change.action == "update":
            return await self._update(change.address, count_as="updated", before=change.observed)
        if change.action == "restore":
            return await self._restore(change)
        return await self._delete(change)

    async def _create(self, change: Change) -> bool:
        account = self.desired[change.address]
        payload = account.payload(self.state.ids(), leave_out=frozenset(change.deferred_relationships))
        payload_hash = resource_hash(payload, change.address, self.workspace)
        key = create_idempotency_key(payload_hash)
        # A record deleted outside lfsync, or one lfsync retired (pruned): the original key would replay it.
        replaces = change.replaces or last_retired(self.state.snapshot.retired, change.address)
        if replaces:
            key = create_idempotency_key(resource_hash(payload, change.address, f"{self.workspace}/{replaces}"))
        body = create_body(payload, account.skip_enrichment)
        intent = self.state.begin(
            "create", change.address, idempotency_key=key, request=body, hash=payload_hash, applied=payload
        )
        return await self._send(intent, "created")

    async def _adopt(self, change: Change) -> bool:
        account = self.desired[change.address]
        payload = account.payload(self.state.ids())
        payload_hash = resource_hash(payload, change.address, self.workspace)
        key = update_idempotency_key(
            payload_hash, resource_hash(EMPTY_PAYLOAD, change.address, self.workspace), self.planned_serial
        )
        body = update_operations(EMPTY_PAYLOAD, payload)
        intent = self.state.begin(
            "adopt", change.address, resource_id=change.resource_id, idempotency_key=key,
            request=body, hash=payload_hash, applied=payload,
        )
        return await self._send(intent, "adopted")

    async def _update(self, address: str, count_as: str, before: dict | None = None) -> bool:
        """`before` is the payload as the server holds it, when --refresh found it changed."""
        current = self.state.resources[address]
        payload = self.desired[address].payload(self.state.ids())
        payload_hash = resource_hash(payload, address, self.workspace)
        body = update_operations(before or current.applied, payload)
        key = update_idempotency_key(payload_hash, current.hash, self.planned_serial)
        intent = self.state.begin(
            "update", address, resource_id=current.id, idempotency_key=key, request=body, hash=payload_hash, applied=payload
        )
        if not body:
            self.state.finish(intent, current.model_copy(update={"hash": payload_hash, "applied": payload}))
            self._count(count_as, address)
            return True
        return await self._send(intent, count_as)

    async def _restore(self, change: Change) -> bool:
        intent = self.state.begin("restore", change.address, resource_id=change.resource_id)
        if not await self._send(intent, "restored"):
            return False
        if not change.attributes:
            return True
        return await self._update(change.address, count_as="updated", before=change.observed)

    async def _delete(self, change: Change) -> bool:
        intent = self.state.begin("delete", change.address, resource_id=change.resource_id)
        return await self._send(intent, "deleted")

    async def _send(self, intent: Intent, count_as: str) -> bool:
        attempts = 0

        async def attempt() -> ApiResponse:
            nonlocal attempts
            attempts += 1
            return await send_intent(self.client, intent)

        try:
            response = await with_retries(attempt, self.retry, self._on_retry)
        except ApiError as error:
            if error.retryable:
                self.report.unsettled[intent.address] = (
                    f"{error.describe()}; gave up after {self.retry.attempts} attempts. The request may have "
                    "landed: the next apply settles it with the same idempotency key."
                )
                self._count("failed", intent.address)
                return False
            if intent.operation == "delete" and error.status == 404:
                self.state.finish(intent, None)
                self._count(count_as, intent.address)
                return True
            self.state.reject(intent, error.describe())
            self._fail(intent.address, error.describe())
            return False
        record_outcome(self.state, intent, response)
        self.report.links[intent.address] = response.body.get("httpLink", "")
        self._count(count_as, intent.address)
        # A replay on the first attempt (a retry's replay answers our own lost attempt of a moment ago),
        # or a record older than this intent: created by an earlier apply, maybe trashed since.
        if intent.operation == "create" and answers_with_an_earlier_record(
            response.body, intent.at, replay_hint=response.replayed and attempts == 1
        ):
            problem = await revive_replayed(self.client, response, self.retry)
            if problem:
                self._fail(intent.address, problem)
                return False
        return True

    # -- bookkeeping -----------------------------------------------------------------------------
    def _on_retry(self, error: ApiError) -> None:
        self.report.retried += 1
        self.progress.count("retried")

    def _count(self, outcome: str, address: str) -> None:
        if outcome in self.report.done:
            self.report.done[outcome].append(address)
        self.progress.count(outcome)

    def _fail(self, address: str, message: str, requests: int = 1) -> None:
        self.report.failed[address] = message
        for _ in range(requests):
            self.progress.count("failed")


async def send_intent(client: LightfieldClient, intent: Intent) -> ApiResponse:
    """The request an intent stands for, exactly as journalled (first sends and re-sends alike)."""
    if intent.operation == "create":
        return await client.create_account(intent.request, intent.idempotency_key)
    if intent.operation in ("update", "adopt"):
        return await client.update_account(intent.resource_id, intent.request, intent.idempotency_key)
    if intent.operation == "restore":
        return await client.restore_account(intent.resource_id)
    return await client.delete_account(intent.resource_id)


async def revive_replayed(client: LightfieldClient, response: ApiResponse, retry: RetryPolicy) -> str | None:
    """A replayed create may name a record trashed since (pruned, then declared again within the
    key's 24 hours). Restore it: for a live record that is a no-op. Returns a problem, or None."""
    account_id = response.body.get("id")
    try:
        await with_retries(lambda: client.restore_account(account_id), retry)
    except ApiError as error:
        if error.status == 403:  # a key without accounts:restore can't check or bring it back: leave it
            return None
        return f"{account_id} was created earlier (the key replayed it) but could not be restored from the trash: {error.describe()}"
    return None


def create_body(payload: dict, skip_enrichment: bool) -> dict:
    body: dict = {"fields": payload["fields"]}
    if payload["relationships"]:
        body["relationships"] = payload["relationships"]
    if skip_enrichment:
        body["skipEnrichment"] = True
    return body


def record_outcome(state: State, intent: Intent, response: ApiResponse | None, record: dict | None = None) -> None:
    """Journal a successful answer to `intent` and fold it into state."""
    if intent.operation == "delete":
        state.finish(intent, None)
        return
    if intent.operation == "restore":
        state.finish(intent, state.resources[intent.address])
        return
    record = record if record is not None else (response.body if response else {})
    previous = state.resources.get(intent.address)
    state.finish(
        intent,
        ResourceState(
            id=record.get("id") or intent.resource_id,
            hash=intent.hash,
            idempotency_key=intent.idempotency_key,
            http_link=record.get("httpLink") or (previous.http_link if previous else None),
            created_at=record.get("createdAt") or (previous.created_at if previous else None),
            applied=intent.applied,
        ),
    )
