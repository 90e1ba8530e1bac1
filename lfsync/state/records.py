"""What state stores: the records of the snapshot file and the journal, as written to disk.

Every field below is read back by later versions of lfsync, so each one says what it holds.
Changing a field's meaning (not only adding an optional one) needs a new format version:
`STATE_FORMAT_VERSION` for the snapshot, `JOURNAL_FORMAT_VERSION` for journal lines.

State is a file anyone can edit (and a GitOps repository commits), so what is read back (validated
with the context STORED, as both backends read it) is checked field by field before lfsync acts on
it, by the types below: serials and sequence numbers are non-negative integers that fit a bigint
(strictly: `true` or `1.0` is no serial), the lineage a UUID, addresses `<kind>.<key>` of a known
kind (declare.addresses), IDs URL-safe with their kind's prefix (api.ids, the check server answers
pass), hashes SHA-256 hex. Records lfsync builds itself are made of values already checked (server
answers, computed hashes) and are not checked again. `invalid_field` words the first failure as
`resources."account.x".id: ...` for a message naming the file.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone
from typing import Annotated, Any, Literal, TypeVar, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictInt,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from lfsync.api.ids import id_problem
from lfsync.declare.addresses import address_problem
from lfsync.kinds.catalogue import kind_of_address
from lfsync.support.jsontext import sorted_indented_json

STATE_FORMAT_VERSION = 1
# Journal lines carry it as "format_version"; lines without one (written before it existed) are version 1.
JOURNAL_FORMAT_VERSION = 1

Payload = dict[str, Any]  # {"fields": {...}, "relationships": {...}}: the managed part of an account


MAX_BIGINT = 2**63 - 1  # serials and sequence numbers live in bigint columns (pgstore)
_HASH = re.compile(r"[0-9a-f]{64}")


STORED = {"stored": True}  # the validation context of state read back from a file or the database


def _stored(info: ValidationInfo) -> bool:
    return isinstance(info.context, dict) and info.context.get("stored") is True


def _checked(problem_of: Any) -> AfterValidator:
    """A validator raising, for stored state, what `problem_of(value)` finds wrong (None: nothing)."""

    def check(value: Any, info: ValidationInfo) -> Any:
        if _stored(info) and (problem := problem_of(value)) is not None:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


def _lineage_problem(value: str) -> str | None:
    try:
        if str(uuid.UUID(value)) == value.lower():
            return None
    except ValueError:
        pass
    return f"{value[:80]!r} is not a UUID (like 0b6f3c6e-4c1a-4f7e-9d1a-2f3e4d5c6b7a)"


def _hash_problem(value: str) -> str | None:
    # "" is the hash of an imported record, nothing applied yet (operations.importing)
    return None if value == "" or _HASH.fullmatch(value) else f"{value[:80]!r} is not a SHA-256 hash (64 hex digits)"


Count = Annotated[StrictInt, Field(ge=0, le=MAX_BIGINT)]  # a serial or sequence number
Address = Annotated[str, _checked(address_problem)]
ResourceId = Annotated[str, _checked(id_problem)]  # the kind's prefix is checked against the address
Lineage = Annotated[str, _checked(_lineage_problem)]
Hash = Annotated[str, _checked(_hash_problem)]


def prefix_problem(address: str, resource_id: str) -> str | None:
    """An ID of another kind than the address names (an account's must start with acc_)."""
    return id_problem(resource_id, kind_of_address(address).id_prefix)


def invalid_field(error: ValidationError) -> str:
    """The first failure of a validation, as `resources."account.x".id: <why>` (an intent's path
    starts with its operation: `delete.seq: ...`): a key holding a dot is quoted, so the path reads
    back unambiguously."""
    first = error.errors()[0]
    path = ".".join(
        f'"{part}"' if isinstance(part, str) and ("." in part or not part) else str(part)
        for part in first["loc"]
        if part != "[key]"
    )
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{path}: {message}" if path else message


def empty_payload() -> Payload:
    """The payload of an account that manages nothing (a fresh dict: callers may fill it)."""
    return {"fields": {}, "relationships": {}}


class ResourceState(BaseModel):
    """One managed account in state (`resources[address]` of the snapshot). Frozen: a change is a
    new record (model_copy), which is what StateSnapshot.resource_text relies on."""

    model_config = ConfigDict(frozen=True)

    id: ResourceId  # Lightfield's ID of the account, e.g. acc_c...
    # SHA-256 (hex) of the canonical JSON of `applied`, the address and the workspace
    # (resources.resource_hash); an account whose desired payload hashes the same is unchanged.
    # "" after `lfsync import` (nothing applied yet).
    hash: Hash
    # The Idempotency-Key of the last create or update that produced this record (None after import).
    idempotency_key: str | None = None
    http_link: str | None = None  # the account's page in Lightfield, as the API last answered
    created_at: str | None = None  # createdAt as the API answered it
    # updatedAt of the record as the API answered lfsync's last write (or the read that put it in
    # state). --refresh trusts a list copy (served from an index that lags writes) only when its
    # updatedAt is at least this; older copies are retrieved fresh. None (omitted): not known.
    updated_at: str | None = None
    # The managed payload last applied, with references resolved to IDs: what the next plan diffs
    # against. Not the request body (that is Intent.request): an update sends only operations.
    applied: Payload
    # True when the account was declared `protect: true` when last applied: --prune refuses to delete
    # it (the declaration is gone by then, so the protection lives here). None (omitted) otherwise.
    protect: bool | None = None
    # How the declarations spelled the values of `applied` where they spell them otherwise: select
    # labels (`tier: mid-market`), member emails (`$owner: grace@example.com`), references
    # (`account.globex`), URLs without a scheme; keyed like `applied` ({"fields": {...},
    # "relationships": {...}}), values as written. `applied` with these laid over it is the declaration
    # last applied, which a plan that cannot put values in canonical form (no API key, no definitions
    # snapshot) compares the declarations with (lfsync/plan/declared_form.py). Recorded after an
    # apply, only while `applied` is that declaration's payload. None (omitted): not recorded (state
    # from before it was, or changed since by a write): such a plan then compares with `applied`.
    declared_as: Payload | None = None


_Self = TypeVar("_Self", bound="IntentBase")


class IntentBase(BaseModel):
    """A request about to be sent, journalled (and fsynced) before it is."""

    # Journal sequence number, assigned by State.begin; outcomes name their intent by it.
    seq: Count = 0
    address: Address  # the account it is for, e.g. account.acme (or unmanaged.<ID>: reset)
    # When it was journalled by the runner's own clock: ISO 8601 UTC with milliseconds, assigned by
    # State.begin. Shown to people; measured by only when `server_at` is absent.
    at: str = ""
    # When it was journalled by the API's clock (ISO 8601 UTC, milliseconds), as the client knew it
    # (lfsync/api/serverclock.py): what recovery measures an intent's age by and compares `createdAt`
    # with, so a runner's skewed clock decides nothing. None (omitted): not known, because the intent was
    # written before this field existed, or the server never told its time: then `at` is measured by,
    # with the old allowance for skew. A new optional field rather than a new meaning of `at`: journals
    # read alike before and after it, and an older lfsync reading a newer line ignores it.
    server_at: str | None = None
    # Where `server_at` came from: "date" (the last HTTP Date header, plus the monotonic time since)
    # or "records" (the newest createdAt/updatedAt the server answered: a lower bound, so an intent
    # looks older, never younger, than it is). None when `server_at` is.
    server_clock: Literal["date", "records"] | None = None

    @field_validator("server_at")
    @classmethod
    def _an_instant(cls, value: str | None) -> str | None:
        """Journals are read back (and committed, in GitOps): a server time must name an instant."""
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("not an ISO 8601 date-time") from None
        if moment.tzinfo is None:
            raise ValueError("an ISO 8601 date-time without its UTC offset")
        return value

    @model_validator(mode="after")
    def _id_of_its_kind(self, info: ValidationInfo) -> IntentBase:
        resource_id = getattr(self, "resource_id", None)
        if _stored(info) and resource_id is not None and (problem := prefix_problem(self.address, resource_id)):
            raise ValueError(f"resource_id: {problem}")
        return self

    # Where it was read from, for messages: "state/x.journal.jsonl line 3", or a database journal
    # entry; "" for an intent of this run. Never written.
    _read_from: str = PrivateAttr(default="")

    @property
    def read_from(self) -> str:
        return self._read_from

    def located(self: _Self, where: str) -> _Self:
        """Note where this intent was read from (the journal line or entry); returns it."""
        self._read_from = where
        return self

    @property
    def key(self) -> str | None:
        """The Idempotency-Key the request is sent with: creates and updates have one, the rest don't."""
        return self.idempotency_key if isinstance(self, WriteIntent) else None

    def age_seconds(self, now: datetime | None = None) -> float:
        """Seconds since `at`, by the runner's clock (`now`: the runner's time; its clock by default)."""
        now = now or datetime.now(timezone.utc)
        return (now - datetime.fromisoformat(self.at)).total_seconds()


class WriteIntent(IntentBase):
    """A create or update: idempotent by key, and what state records once it lands."""

    idempotency_key: str  # sent as Idempotency-Key; a re-send within 24 h uses it again
    request: dict[str, Any]  # the exact JSON body sent (and re-sent by recovery)
    hash: str  # ResourceState.hash of `applied`
    applied: Payload  # becomes ResourceState.applied when the request succeeds


class CreateIntent(WriteIntent):
    operation: Literal["create"] = "create"


class UpdateIntent(WriteIntent):
    operation: Literal["update"] = "update"
    resource_id: ResourceId  # the account updated


class AdoptIntent(WriteIntent):
    """An update that takes an existing account (found by name) under management."""

    operation: Literal["adopt"] = "adopt"
    resource_id: ResourceId


class RestoreIntent(IntentBase):
    operation: Literal["restore"] = "restore"
    resource_id: ResourceId


class DeleteIntent(IntentBase):
    """A move to the trash."""

    operation: Literal["delete"] = "delete"
    resource_id: ResourceId


Intent = Annotated[
    Union[CreateIntent, UpdateIntent, AdoptIntent, RestoreIntent, DeleteIntent], Field(discriminator="operation")
]
INTENT = TypeAdapter(Intent)
Operation = Literal["create", "update", "adopt", "restore", "delete"]


class Outcome(BaseModel):
    """How an intent was settled, journalled after its answer."""

    intent: Count  # the intent's seq
    # done: it took effect (`resource` is the new state, None when the account left state);
    # rejected: a definite refusal (a 4xx), nothing changed; abandoned: found never to have landed.
    result: Literal["done", "rejected", "abandoned"]
    # The state serial this outcome brought (done only). Outcomes with serial <= the snapshot's
    # serial are already in the snapshot, so folding the journal twice changes nothing.
    serial: Count | None = None
    address: Address
    resource: ResourceState | None = None
    error: str | None = None  # rejected/abandoned: why, as shown to the user (never a secret)

    @model_validator(mode="after")
    def _id_of_its_kind(self, info: ValidationInfo) -> Outcome:
        if _stored(info) and self.resource is not None and (problem := prefix_problem(self.address, self.resource.id)):
            raise ValueError(f"resource.id: {problem}")
        return self


class Anchor(BaseModel):
    """The instant relative dates (`now+3d`, lfsync/values/relative_dates.py) resolve against in this
    workspace: recorded by the first apply that needed it, moved by `--reanchor` (plan/anchoring.py)."""

    # ISO 8601 UTC, whole seconds, `Z` (2026-12-07T12:00:00Z)
    at: str
    # Whose clock said "now" when it was recorded: the API's (its Date header, or, failing that, its
    # records' stamps: api/serverclock.py) or, only when the target could not tell, the runner's.
    clock: Literal["date", "records", "local"]

    @field_validator("at")
    @classmethod
    def _an_instant(cls, value: str) -> str:
        """State is edited by hand and committed: the anchor must name one UTC instant, as lfsync writes it."""
        if not _ANCHOR.fullmatch(value):
            raise ValueError(f"{value[:80]!r} is not an instant in UTC like 2026-12-07T12:00:00Z")
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{value[:80]!r} is not a real date and time") from None
        return value


_ANCHOR = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


class RecordTexts(dict):
    """address -> a record and its text in the state file (StateSnapshot.resource_text). Records
    are replaced, never changed in place (ResourceState is frozen), so a text is the one of the
    record stored under its address when that very record is. A cache, not part of a snapshot's
    value: any two compare equal, so snapshots still compare by what they hold."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecordTexts)

    def __ne__(self, other: object) -> bool:
        return not isinstance(other, RecordTexts)


class StateSnapshot(BaseModel):
    """`<workspace>.lfstate.json`: the state as of `serial`, without the journal folded in."""

    format_version: int = STATE_FORMAT_VERSION
    lineage: Lineage  # a UUID fixed when the state is created; a saved plan is tied to it
    serial: Count = 0  # bumped by every change of `resources`
    workspace: str
    target: str  # "local" or the API base URL this state's IDs belong to
    resources: dict[Address, ResourceState] = {}  # address -> record
    # Tombstones: address -> the IDs it named before a delete took it out of `resources` (oldest
    # first, at most replays.RETIRED_KEPT). A later create of the address mixes the last one into its
    # idempotency key, so the API cannot replay the trashed record (lfsync/state/replays.py). Optional and
    # left out of the file while empty, so files written before it and after it read alike.
    retired: dict[Address, list[ResourceId]] = {}
    # The anchor of the workspace's relative dates; None (left out of the file) until an apply needed
    # one, so files written before it existed and after it read alike.
    anchor: Anchor | None = None
    _resource_texts: RecordTexts = PrivateAttr(default_factory=RecordTexts)  # resource_text's

    @model_validator(mode="after")
    def _ids_of_their_kind(self, info: ValidationInfo) -> StateSnapshot:
        if not _stored(info):
            return self
        for address, resource in self.resources.items():
            if problem := prefix_problem(address, resource.id):
                raise ValueError(f'resources."{address}".id: {problem}')
        for address, ids in self.retired.items():
            for index, retired_id in enumerate(ids):
                if problem := prefix_problem(address, retired_id):
                    raise ValueError(f'retired."{address}".{index}: {problem}')
        return self

    def to_json(self) -> str:
        """The file's text: `json.dumps(indent=2, sort_keys=True)` of the snapshot without its None
        values (and without `retired` while empty), each record's text made once (resource_text)."""
        document = self.model_dump(mode="json", exclude_none=True, exclude={"resources"})
        if not document["retired"]:
            del document["retired"]
        if not all(address.isascii() for address in self.resources):  # never so in a file lfsync wrote
            document["resources"] = self.model_dump(mode="json", exclude_none=True, include={"resources"})["resources"]
            return sorted_indented_json(document) + "\n"
        document["resources"] = {}
        text = sorted_indented_json(document)
        if self.resources:
            records = ",\n".join(
                f"    {json.dumps(address)}: {self.resource_text(address, self.resources[address])}"
                for address in sorted(self.resources)
            )
            text = text.replace('\n  "resources": {}', '\n  "resources": {\n' + records + "\n  }", 1)
        return text + "\n"

    def resource_text(self, address: str, resource: ResourceState) -> str:
        """`resource`'s text as `resources[address]` in the file (indented at its depth), made once
        per record: an apply makes each as its change lands, so the end of the run only joins them."""
        known = self._resource_texts.get(address)
        if known is None or known[0] is not resource:
            text = sorted_indented_json(resource.model_dump(mode="json", exclude_none=True)).replace("\n", "\n    ")
            known = self._resource_texts[address] = (resource, text)
        return known[1]
