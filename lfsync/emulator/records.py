"""Record operations, the same for every object type (accounts, contacts, opportunities, tasks,
notes): what each endpoint does to the store, and the record's wire form. What differs between types is data: their
definitions (schema.py, system_definitions.py), pipelines (pipelines.py) and `ObjectType`.

Write methods are synchronous and are meant to run inside `Store.transaction()`
(the app does that, so the idempotency entry commits with the write).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any, Callable

from . import decisions
from .enrichment import derive_on_write, enrich_on_create
from .errors import ApiError, invalid_type, not_found, unknown_field
from .filters import parse_filters
from .fixture import Organisation
from .history import check_history_field, history_page, iso_timestamp
from .ids import new_id
from .links import Links
from .object_types import ObjectType
from .paging import page_params
from .pipelines import PIPELINE_KEY, STAGE_KEY
from .relationships import RelationshipWriter, check_write_limit
from .store import RecordRow, Store
from .values import normalise

UPDATE_KEYS = frozenset({"fields", "relationships"})


class RecordService:
    def __init__(self, object_type: ObjectType, org: Organisation, store: Store, clock: Callable[[], float],
                 index_lag_seconds: float = 0):
        self.type = object_type
        self.kind = object_type.name
        self.schema = org.schemas[object_type.name]
        self.pipelines = org.pipelines.get(object_type.name)
        self.store = store
        self.clock = clock
        self.index_lag_seconds = index_lag_seconds
        self.links = Links(org, store, clock)

    # -- writes -------------------------------------------------------------------

    def create(self, body: Any, actor: str | None = None) -> RecordRow:
        """A new record; `actor`: the member acting through the API key, if any (decisions 29, 30)."""
        body = object_body(body, self.type.create_keys())
        skip_enrichment = body.get("skipEnrichment", False)
        if not isinstance(skip_enrichment, bool):
            raise invalid_type("skipEnrichment", "`skipEnrichment` must be true or false.")
        check_write_limit(body.get("relationships"))
        fields = self._apply_fields({}, body.get("fields"))
        self._check_required_fields(fields)
        record_id = new_id(self.kind)
        links = self._writer(record_id).create_values(body.get("relationships"))
        stored, mirrored = self._split(links)
        self._check_required_relationships(stored)
        self._fill_actor(stored, actor)
        enrich_on_create(self.schema, fields)
        derive_on_write(self.schema, fields)
        now = self._now()
        record = RecordRow(id=record_id, created_at=now, updated_at=now, fields=fields, relationships=stored)
        self.store.save(self.kind, record, self.clock())
        for key, ids in mirrored.items():
            self.links.write_mirror(self.schema.relationships[key], record_id, [], ids)
        return record

    def update(self, record_id: str, body: Any) -> RecordRow:
        record = self._get(record_id)
        if record.trashed:
            raise self._not_found(record_id)
        body = object_body(body, UPDATE_KEYS)
        check_write_limit(body.get("relationships"))
        fields = self._apply_fields(record.fields, body.get("fields"))
        derive_on_write(self.schema, fields)
        raw_links = body.get("relationships")
        current = dict(record.relationships)
        mirrored_before: dict[str, list[str]] = {}
        for key in raw_links if isinstance(raw_links, dict) else ():
            definition = self.schema.relationships.get(key)
            if definition is not None and definition.mirror is not None:
                mirrored_before[key] = current[key] = self.links.values(self.kind, record, definition)
        links = self._writer(record_id).apply_operations(raw_links, current)
        stored, mirrored = self._split(links)
        self._check_required_relationships(stored)
        mirror_changed = False
        for key, before in mirrored_before.items():
            after = mirrored.get(key, [])
            mirror_changed |= self.links.write_mirror(self.schema.relationships[key], record_id, before, after)
        if fields == record.fields and stored == record.relationships and not mirror_changed:
            return record  # decision 20: nothing changed, nothing recorded
        record.fields, record.relationships, record.updated_at = fields, stored, self._now()
        return self.store.save(self.kind, record, self.clock())

    def set_trashed(self, record_id: str, trashed: bool) -> RecordRow:
        """Delete (to trash) or restore; a no-op when already in that state."""
        record = self._get(record_id)
        if record.trashed == trashed:
            return record
        record.trashed, record.updated_at = trashed, self._now()
        return self.store.save(self.kind, record, self.clock())

    def _writer(self, record_id: str) -> RelationshipWriter:
        return RelationshipWriter(self.schema, self.links.target_state, record_id, self.type.relationship_operations)

    def _fill_actor(self, stored: dict[str, list[str]], actor: str | None) -> None:
        """A task's `$createdBy` (the key's member, else the assignee) or a note's author, unless written."""
        key = self.type.actor_relationship
        if key is None or stored.get(key):
            return
        fallback = stored.get(self.type.actor_fallback or "", [])
        chosen = [actor] if actor is not None else fallback[:1]
        if chosen:
            stored[key] = chosen

    def _split(self, links: dict[str, list[str]]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """(links stored on this record, links of mirrored relationships)."""
        stored = {k: v for k, v in links.items() if v and self.schema.relationships[k].mirror is None}
        mirrored = {k: v for k, v in links.items() if self.schema.relationships[k].mirror is not None}
        return stored, mirrored

    def _apply_fields(self, current: dict[str, Any], raw: Any) -> dict[str, Any]:
        if raw is None:
            return dict(current)
        if not isinstance(raw, dict):
            raise invalid_type("fields", "`fields` must be an object.")
        fields = dict(current)
        raw = dict(raw)
        if self.pipelines is not None and (STAGE_KEY in raw or PIPELINE_KEY in raw):
            hint = raw.pop(PIPELINE_KEY, None)
            if STAGE_KEY not in raw:  # decision 27: the hint alone is refused
                raise self._missing(STAGE_KEY)
            stage = raw.pop(STAGE_KEY)
            if stage is None:
                self._clear(fields, STAGE_KEY)
            else:
                fields[STAGE_KEY] = self.pipelines.resolve_write(stage, hint)
        for key, value in raw.items():
            param = f"fields.{key}"
            definition = self.schema.fields.get(key)
            if definition is None:
                raise unknown_field(param, f"Unknown field `{key}`.")
            stored = normalise(definition, value, param)
            if self._required(key) and (stored is None or (isinstance(stored, str) and not stored.strip())):
                raise self._missing(key)
            if stored is None:
                fields.pop(key, None)
            else:
                fields[key] = stored
        return fields

    def _clear(self, fields: dict[str, Any], key: str) -> None:
        if self._required(key):
            raise self._missing(key)
        fields.pop(key, None)

    def _required(self, key: str) -> bool:
        return any(required.key == key for required in self.type.required_fields)

    def _check_required_fields(self, fields: dict[str, Any]) -> None:
        for required in self.type.required_fields:
            if required.key not in fields:
                raise ApiError(422, f"`{required.key}` is required.", code="parameter_missing", param=required.param)

    def _check_required_relationships(self, stored: dict[str, list[str]]) -> None:
        for required in self.type.required_relationships:
            if not stored.get(required.key):
                raise ApiError(422, f"Relationship `{required.key}` is required.", code="parameter_missing",
                               param=required.param)

    def _missing(self, key: str) -> ApiError:
        return ApiError(422, f"`{key}` is required.", code="parameter_missing",
                        param=decisions.MISSING_PARAM.get(key, f"fields.{key}"))

    # -- reads ------------------------------------------------------------------------

    def retrieve(self, record_id: str) -> RecordRow:
        return self._get(record_id)

    def list(self, query: Mapping[str, str], items: list[tuple[str, str]]) -> tuple[list[RecordRow], int]:
        limit, offset = page_params(query)
        status = query.get("status", "active")
        if status not in ("active", "trashed"):
            raise invalid_type("status", "`status` must be active or trashed.")
        filters = parse_filters(
            self.schema, [(k, v) for k, v in items if k not in decisions.RESERVED_LIST_PARAMS], self.pipelines
        )
        as_of = self.clock() - self.index_lag_seconds if self.index_lag_seconds > 0 else None
        trashed = status == "trashed"
        if not filters:  # a page read as a page: listing N records page by page stays O(N)
            with self.store.transaction(write=False):
                page = self.store.list_records(self.kind, trashed=trashed, as_of=as_of, limit=limit, offset=offset)
                return page, self.store.count_records(self.kind, trashed=trashed, as_of=as_of)
        records = [
            r for r in self.store.list_records(self.kind, trashed=trashed, as_of=as_of)
            if all(f.matches(r.fields, self._relationship_values(r)) for f in filters)
        ]
        return records[offset : offset + limit], len(records)

    def field_history(self, record_id: str, field_key: str, query: Mapping[str, str]) -> dict[str, Any]:
        record = self._get(record_id)
        definition = check_history_field(self.schema.fields.get(field_key), field_key, self.type.column_backed_fields)
        return history_page(definition, self.store.versions(self.kind, record.id), query)

    def _get(self, record_id: str) -> RecordRow:
        record = self.store.get(self.kind, record_id)
        if record is None:
            raise self._not_found(record_id)
        return record

    def _not_found(self, record_id: str) -> ApiError:
        return not_found(f"{self.type.label} `{record_id}` not found.")

    def _relationship_values(self, record: RecordRow) -> Callable[[str, str | None], builtins.list[str]]:
        def values(key: str, direction: str | None) -> list[str]:
            return self.links.values(self.kind, record, self.schema.relationships[key], direction)

        return values

    # -- wire form ---------------------------------------------------------------------

    def render(self, record: RecordRow, base_url: str) -> dict[str, Any]:
        fields = {
            key: {"value": record.fields[key], "valueType": definition.value_type}
            for key, definition in self.schema.fields.items()
            if record.fields.get(key) is not None
        }
        relationships = {
            key: self.links.wire(self.kind, record, definition) for key, definition in self.schema.relationships.items()
        }
        return {
            "id": record.id,
            "createdAt": record.created_at,
            "updatedAt": record.updated_at,
            "externalId": None,
            "httpLink": base_url.rstrip("/") + decisions.HTTP_LINK_PATH.format(path=self.type.path, id=record.id),
            "fields": fields,
            "relationships": relationships,
        }

    def _now(self) -> str:
        return iso_timestamp(self.clock())


def object_body(body: Any, allowed: frozenset[str]) -> dict[str, Any]:
    """A request body: a JSON object of only the `allowed` keys (lists.py's bodies too)."""
    if not isinstance(body, dict):
        raise invalid_type("body", "The request body must be a JSON object.")
    for key in body:
        if key not in allowed:
            raise unknown_field(key, f"Unknown parameter `{key}`.")
    return body
