"""Lists (lightfield-api-objects.md "Lists"): named collections of accounts, contacts or
opportunities. A list is not a record: its wire form is `{id, createdAt, httpLink, fields}` (no
relationships, updatedAt or externalId), it has no definitions, filters, history or restore over
the API, and its members are read page by page from `GET /v1/lists/{id}/<type>`, each member in
its own type's record form. Choices where the sources are silent are decision 31.

Stored in the `lists` table like a record: `fields` hold `$name`, `$objectType` (canonical
`$account` form), `$description`, `$kind`; `relationships` hold the members under the key the
API writes them with (`$accounts`, `$contacts`, `$opportunities`). Write methods run inside
`Store.transaction()` (the app does that).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable

from . import decisions
from .errors import ApiError, invalid_configuration, invalid_type, not_found, unknown_field
from .history import iso_timestamp
from .ids import new_id
from .object_types import OBJECT_TYPES
from .paging import page_params
from .records import RecordService, object_body
from .relationships import check_write_limit
from .store import RecordRow, Store

KIND = "list"
PATH = "lists"
CREATE_KEYS = frozenset({"fields", "relationships"})
FIELD_ORDER = ("$name", "$objectType", "$description", "$kind")
CREATE_FIELDS = frozenset(FIELD_ORDER)
UPDATE_FIELDS = frozenset({"$name", "$description", "$kind"})
MEMBER_OPERATIONS = ("remove", "add")  # applied in this order; no `replace` (SDK)
FIELD_VALUE_TYPE = "TEXT"


@dataclass(frozen=True)
class MemberType:
    """What one kind of list holds: its `$objectType`, the relationship key its members are
    written with and the path its members are read from."""

    object_type: str  # "account"
    key: str  # "$accounts"
    path: str  # "accounts"

    @property
    def wire(self) -> str:
        return f"${self.object_type}"


MEMBER_TYPES = {
    name: MemberType(name, f"${OBJECT_TYPES[name].path}", OBJECT_TYPES[name].path)
    for name in decisions.LIST_OBJECT_TYPES
}
MEMBER_TYPE_BY_KEY = {member.key: member for member in MEMBER_TYPES.values()}
MEMBER_TYPE_BY_PATH = {member.path: member for member in MEMBER_TYPES.values()}


def parse_object_type(raw: Any) -> MemberType:
    """`$account` (or the deprecated bare `account`) -> its MemberType; 400 invalid_type for anything else."""
    param = "fields.$objectType"
    if not isinstance(raw, str):
        raise invalid_type(param, "`$objectType` expects `$account`, `$contact` or `$opportunity`.")
    member = MEMBER_TYPES.get(raw[1:] if raw.startswith("$") else raw)
    if member is None:
        raise invalid_type(param, f"`{raw}` is not a list object type: use `$account`, `$contact` or `$opportunity`.")
    return member


class ListService:
    def __init__(self, store: Store, records: dict[str, RecordService], clock: Callable[[], float],
                 index_lag_seconds: float = 0):
        self.store = store
        self.records = records
        self.clock = clock
        self.index_lag_seconds = index_lag_seconds

    # -- writes ------------------------------------------------------------------------

    def create(self, body: Any) -> RecordRow:
        body = object_body(body, CREATE_KEYS)
        raw = _fields_body(body.get("fields"), CREATE_FIELDS, required=True)
        if "$objectType" not in raw or raw["$objectType"] is None:
            raise _missing("$objectType")
        member_type = parse_object_type(raw.pop("$objectType"))
        written = self._apply_fields({"$objectType": member_type.wire}, raw, member_type)
        if "$name" not in written:
            raise _missing("$name")
        fields = {key: written[key] for key in FIELD_ORDER if key in written}
        check_write_limit(body.get("relationships"))
        members = self._create_members(body.get("relationships"), member_type)
        now = iso_timestamp(self.clock())
        record = RecordRow(id=new_id(KIND), created_at=now, updated_at=now, fields=fields,
                           relationships={member_type.key: members} if members else {})
        return self.store.save(KIND, record, self.clock())

    def update(self, list_id: str, body: Any) -> RecordRow:
        record = self.retrieve(list_id)
        if record.trashed:
            raise _not_found(list_id)
        body = object_body(body, CREATE_KEYS)
        member_type = self.member_type(record)
        raw = _fields_body(body.get("fields"), UPDATE_FIELDS, required=False)
        fields = self._apply_fields(record.fields, raw, member_type, list_id)
        check_write_limit(body.get("relationships"))
        members = self._update_members(body.get("relationships"), member_type,
                                       record.relationships.get(member_type.key, []))
        relationships = {member_type.key: members} if members else {}
        if fields == record.fields and relationships == record.relationships:
            return record  # decision 20: nothing changed, nothing recorded
        record.fields, record.relationships, record.updated_at = fields, relationships, iso_timestamp(self.clock())
        return self.store.save(KIND, record, self.clock())

    def delete(self, list_id: str) -> RecordRow:
        """To the trash (a no-op when there already); members are untouched. No restore (SDK)."""
        record = self.retrieve(list_id)
        if record.trashed:
            return record
        record.trashed, record.updated_at = True, iso_timestamp(self.clock())
        return self.store.save(KIND, record, self.clock())

    def _apply_fields(self, current: dict[str, Any], raw: dict[str, Any], member_type: MemberType,
                      list_id: str | None = None) -> dict[str, Any]:
        fields = dict(current)
        for key, value in raw.items():
            param = f"fields.{key}"
            if value is None:
                if key == "$name":
                    raise _missing(key)
                fields.pop(key, None)
                continue
            if not isinstance(value, str):
                raise invalid_type(param, f"`{key}` expects a string.")
            if key == "$name" and not value.strip():
                raise _missing(key)
            if key == "$kind":
                self._check_kind(value, member_type, list_id)
            fields[key] = value
        return fields

    def _check_kind(self, kind: str, member_type: MemberType, list_id: str | None) -> None:
        param = "fields.$kind"
        if kind != decisions.LIST_TARGET_KIND:
            raise invalid_type(param, f"`$kind` is `{decisions.LIST_TARGET_KIND}` or null.")
        if member_type.object_type not in decisions.LIST_TARGET_OBJECT_TYPES:
            raise invalid_configuration(param, "Only account and contact lists can be the target list.")
        for other in self.store.list_records(KIND, trashed=False):
            if other.id != list_id and other.fields.get("$kind") == decisions.LIST_TARGET_KIND:
                raise invalid_configuration(param, f"List `{other.id}` is already the organisation's target list.")

    def _create_members(self, raw: Any, member_type: MemberType) -> list[str]:
        """`{$accounts: id | [ids]}` -> member IDs, checked."""
        if raw is None:
            return []
        if not isinstance(raw, dict):
            raise invalid_type("relationships", "`relationships` must be an object.")
        members: list[str] = []
        for key, value in raw.items():
            self._check_member_key(key, member_type)
            members = [*members, *self._member_ids(member_type, value, check_targets=True)]
        return list(dict.fromkeys(members))

    def _update_members(self, raw: Any, member_type: MemberType, current: list[str]) -> list[str]:
        """`{$accounts: {add?, remove?}}` applied to `current`: remove, then add."""
        if raw is None:
            return list(current)
        if not isinstance(raw, dict):
            raise invalid_type("relationships", "`relationships` must be an object.")
        members = list(current)
        for key, operations in raw.items():
            param = f"relationships.{key}"
            self._check_member_key(key, member_type)
            if not isinstance(operations, dict) or not operations:
                raise invalid_type(param, "A list membership update is an object with `add` or `remove`.")
            refused = set(operations) - set(MEMBER_OPERATIONS)
            if refused:
                raise invalid_type(param, f"`{'`, `'.join(sorted(refused))}` is not supported here: use `add` or "
                                          "`remove`.")
            if "remove" in operations:
                removed = set(self._member_ids(member_type, operations["remove"], check_targets=False))
                members = [m for m in members if m not in removed]
            if "add" in operations:
                added = self._member_ids(member_type, operations["add"], check_targets=True)
                members = [*members, *(m for m in added if m not in members)]
        return members

    @staticmethod
    def _check_member_key(key: str, member_type: MemberType) -> None:
        param = f"relationships.{key}"
        if key not in MEMBER_TYPE_BY_KEY:
            raise ApiError(400, f"Unknown relationship `{key}`.", code="unknown_relationship", param=param)
        if key != member_type.key:
            raise invalid_configuration(param, f"This list holds {member_type.path}: write `{member_type.key}`.")

    def _member_ids(self, member_type: MemberType, value: Any, *, check_targets: bool) -> list[str]:
        param = f"relationships.{member_type.key}"
        ids = [value] if isinstance(value, str) else value
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise invalid_type(param, "Expected an ID or a list of IDs.")
        prefix = decisions.ID_PREFIX_BY_OBJECT_TYPE[member_type.object_type] + "_"
        for target in ids:
            if not target.startswith(prefix) or len(target) <= len(prefix):
                raise invalid_type(param, f"`{target}` is not a {member_type.object_type} ID.")
            if check_targets:
                self._check_target(member_type, target, param)
        return list(dict.fromkeys(ids))

    def _check_target(self, member_type: MemberType, target: str, param: str) -> None:
        row = self.store.get(member_type.object_type, target)
        label = OBJECT_TYPES[member_type.object_type].label
        if row is None:
            raise ApiError(422, f"{label} `{target}` does not exist.", code="relationship_entity_missing", param=param)
        if row.trashed:
            raise ApiError(422, f"{label} `{target}` is in the trash.", code="relationship_entity_inactive",
                           param=param)

    # -- reads ---------------------------------------------------------------------------

    def retrieve(self, list_id: str) -> RecordRow:
        record = self.store.get(KIND, list_id)
        if record is None:
            raise _not_found(list_id)
        return record

    def list(self, query: Mapping[str, str]) -> tuple[list[RecordRow], int]:
        """Active lists, newest first (no `status`, no filters: decision 31)."""
        _check_query(query)
        limit, offset = page_params(query)
        as_of = self.clock() - self.index_lag_seconds if self.index_lag_seconds > 0 else None
        with self.store.transaction(write=False):
            page = self.store.list_records(KIND, trashed=False, as_of=as_of, limit=limit, offset=offset)
            return page, self.store.count_records(KIND, trashed=False, as_of=as_of)

    def members(self, list_id: str, type_path: str,
                query: Mapping[str, str]) -> tuple[RecordService, builtins.list[RecordRow], int]:
        """One page of a list's active members, newest `createdAt` first, with their service (to render them)."""
        _check_query(query)
        limit, offset = page_params(query)
        record = self.retrieve(list_id)
        if record.trashed:
            raise _not_found(list_id)
        member_type = MEMBER_TYPE_BY_PATH[type_path]
        service = self.records[member_type.object_type]
        if member_type != self.member_type(record):
            return service, [], 0  # decision 31: a list holds one type; reading another finds none
        rows = [row for row in (self.store.get(member_type.object_type, i)
                                for i in record.relationships.get(member_type.key, []))
                if row is not None and not row.trashed]
        rows.sort(key=lambda row: (row.created_at, row.seq or 0), reverse=True)
        return service, rows[offset: offset + limit], len(rows)

    @staticmethod
    def member_type(record: RecordRow) -> MemberType:
        return MEMBER_TYPES[str(record.fields["$objectType"]).lstrip("$")]

    # -- wire form ---------------------------------------------------------------------------

    @staticmethod
    def render(record: RecordRow, base_url: str) -> dict[str, Any]:
        return {
            "id": record.id,
            "createdAt": record.created_at,
            "httpLink": base_url.rstrip("/") + decisions.HTTP_LINK_PATH.format(path=PATH, id=record.id),
            "fields": {key: {"value": value, "valueType": FIELD_VALUE_TYPE}
                       for key, value in record.fields.items() if value is not None},
        }


def _fields_body(raw: Any, allowed: frozenset[str], *, required: bool) -> dict[str, Any]:
    if raw is None:
        if required:
            raise _missing("$name")
        return {}
    if not isinstance(raw, dict):
        raise invalid_type("fields", "`fields` must be an object.")
    for key in raw:
        if key == "$objectType" and key not in allowed:
            raise invalid_configuration("fields.$objectType", "A list's `$objectType` cannot change.")
        if key not in allowed:
            raise unknown_field(f"fields.{key}", f"Unknown field `{key}`.")
    return dict(raw)


def _check_query(query: Mapping[str, str]) -> None:
    for key in query:
        if key not in ("limit", "offset"):
            raise unknown_field(key, f"Unknown query parameter `{key}`: lists take `limit` and `offset`.")


def _missing(key: str) -> ApiError:
    return ApiError(422, f"`{key}` is required.", code="parameter_missing",
                    param=decisions.MISSING_PARAM.get(key, f"fields.{key}"))


def _not_found(list_id: str) -> ApiError:
    return not_found(f"List `{list_id}` not found.")
