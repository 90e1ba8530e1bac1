"""Account operations: what each endpoint does to the store, and the record's wire form.

Write methods are synchronous and are meant to run inside `Store.transaction()`
(the app does that, so the idempotency entry commits with the write).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Callable

from . import decisions
from .errors import ApiError, invalid_type, not_found, unknown_field
from .filters import parse_filters
from .fixture import Organisation
from .ids import new_id
from .paging import int_param, page_params
from .relationships import RelationshipWriter, check_write_limit
from .store import AccountRow, Store
from .values import display_value, format_utc, normalise

CREATE_KEYS = frozenset({"fields", "relationships", "skipEnrichment"})
UPDATE_KEYS = frozenset({"fields", "relationships"})


class AccountService:
    def __init__(self, org: Organisation, store: Store, clock: Callable[[], float], index_lag_seconds: float = 0):
        self.org = org
        self.schema = org.schema
        self.store = store
        self.clock = clock
        self.index_lag_seconds = index_lag_seconds

    # -- writes -------------------------------------------------------------------

    def create(self, body: Any) -> AccountRow:
        body = _object_body(body, CREATE_KEYS)
        skip_enrichment = body.get("skipEnrichment", False)
        if not isinstance(skip_enrichment, bool):
            raise invalid_type("skipEnrichment", "`skipEnrichment` must be true or false.")
        check_write_limit(body.get("relationships"))
        fields = self._apply_fields({}, body.get("fields"))
        if "$name" not in fields:
            raise _name_missing()
        account_id = new_id("account")
        writer = RelationshipWriter(self.schema, self._target_state, account_id)
        relationships = {k: v for k, v in writer.create_values(body.get("relationships")).items() if v}
        self._enrich(fields)
        now = self._now()
        account = AccountRow(id=account_id, created_at=now, updated_at=now, fields=fields,
                             relationships=relationships)
        return self.store.save_account(account, self.clock())

    def update(self, account_id: str, body: Any) -> AccountRow:
        account = self._get(account_id)
        if account.trashed:
            raise not_found(f"Account `{account_id}` not found.")
        body = _object_body(body, UPDATE_KEYS)
        check_write_limit(body.get("relationships"))
        fields = self._apply_fields(account.fields, body.get("fields"))
        writer = RelationshipWriter(self.schema, self._target_state, account_id)
        relationships = writer.apply_operations(body.get("relationships"), account.relationships)
        if fields == account.fields and relationships == account.relationships:
            return account  # decision 20: nothing changed, nothing recorded
        account.fields, account.relationships, account.updated_at = fields, relationships, self._now()
        return self.store.save_account(account, self.clock())

    def set_trashed(self, account_id: str, trashed: bool) -> AccountRow:
        """Delete (to trash) or restore; a no-op when already in that state."""
        account = self._get(account_id)
        if account.trashed == trashed:
            return account
        account.trashed, account.updated_at = trashed, self._now()
        return self.store.save_account(account, self.clock())

    def _apply_fields(self, current: dict[str, Any], raw: Any) -> dict[str, Any]:
        if raw is None:
            return dict(current)
        if not isinstance(raw, dict):
            raise invalid_type("fields", "`fields` must be an object.")
        fields = dict(current)
        for key, value in raw.items():
            param = f"fields.{key}"
            definition = self.schema.fields.get(key)
            if definition is None:
                raise unknown_field(param, f"Unknown field `{key}`.")
            stored = normalise(definition, value, param)
            if key == "$name" and (stored is None or not stored.strip()):
                raise _name_missing()
            if stored is None:
                fields.pop(key, None)
            else:
                fields[key] = stored
        return fields

    def _enrich(self, fields: dict[str, Any]) -> None:
        """Decision 9: fill the read-only fields enrichment would fill."""
        if "$howTheyMakeMoney" in self.schema.fields:
            fields["$howTheyMakeMoney"] = decisions.HOW_THEY_MAKE_MONEY_TEMPLATE.format(name=fields["$name"])
        status = self.schema.fields.get("$accountStatus")
        option = status.option_by_label(decisions.ENRICHED_ACCOUNT_STATUS_LABEL) if status else None
        if option is not None:
            fields["$accountStatus"] = option.id

    def _target_state(self, object_type: str, target_id: str) -> bool | None:
        """None when the relationship target does not exist, else whether it is trashed."""
        if object_type == "account":
            account = self.store.get_account(target_id)
            return None if account is None else account.trashed
        if object_type == "contact":
            contact = self.org.contacts.get(target_id)
            return None if contact is None else contact.trashed
        if object_type == "member":
            return None if target_id not in self.org.members else False
        return None

    # -- reads ------------------------------------------------------------------------

    def retrieve(self, account_id: str) -> AccountRow:
        return self._get(account_id)

    def list(self, query: Mapping[str, str], items: list[tuple[str, str]]) -> tuple[list[AccountRow], int]:
        limit, offset = page_params(query)
        status = query.get("status", "active")
        if status not in ("active", "trashed"):
            raise invalid_type("status", "`status` must be active or trashed.")
        filters = parse_filters(
            self.schema, [(k, v) for k, v in items if k not in decisions.RESERVED_LIST_PARAMS]
        )
        as_of = self.clock() - self.index_lag_seconds if self.index_lag_seconds > 0 else None
        trashed = status == "trashed"
        if not filters:  # a page read as a page: listing N accounts page by page stays O(N)
            with self.store.transaction(write=False):
                page = self.store.list_accounts(trashed=trashed, as_of=as_of, limit=limit, offset=offset)
                return page, self.store.count_accounts(trashed=trashed, as_of=as_of)
        accounts = [
            a for a in self.store.list_accounts(trashed=trashed, as_of=as_of)
            if all(f.matches(a.fields, self._relationship_values(a)) for f in filters)
        ]
        return accounts[offset : offset + limit], len(accounts)

    def field_history(self, account_id: str, field_key: str, query: Mapping[str, str]) -> dict[str, Any]:
        account = self._get(account_id)
        definition = self.schema.fields.get(field_key)
        if definition is None:
            raise unknown_field("fieldKey", f"Unknown field `{field_key}`.")
        if field_key in decisions.HISTORY_COLUMN_BACKED_FIELDS:  # decision 20
            raise invalid_type("fieldKey", f"`{field_key}` is a column-backed system field: it keeps no history.")
        limit = int_param(query, "limit", decisions.HISTORY_DEFAULT_LIMIT, 1, decisions.HISTORY_MAX_LIMIT)
        before_version = _history_cursor(query.get("after"))

        entries: list[tuple[int, float, Any]] = []  # oldest first, repeats collapsed
        for version in self.store.account_versions(account.id):
            value = version.fields.get(field_key)
            if (not entries and value is None) or (entries and entries[-1][2] == value):
                continue
            entries.append((version.version, version.written_at, value))
        entries.reverse()
        if before_version is not None:
            entries = [e for e in entries if e[0] < before_version]
        page, has_more = entries[:limit], len(entries) > limit
        whole_history = before_version is None and not has_more
        return {
            "data": [
                {
                    "value": value,
                    "valueType": definition.value_type,
                    "displayValue": display_value(definition, value),
                    "recordedAt": _iso(written_at),
                    "isCreate": whole_history and number == 1,
                }
                for number, written_at, value in page
            ],
            "hasMore": has_more,
            "nextCursor": f"v{page[-1][0]}" if has_more else None,
        }

    def _get(self, account_id: str) -> AccountRow:
        account = self.store.get_account(account_id)
        if account is None:
            raise not_found(f"Account `{account_id}` not found.")
        return account

    def _relationship_values(self, account: AccountRow) -> Callable[[str, str | None], builtins.list[str]]:
        def values(key: str, direction: str | None) -> list[str]:
            source = account.relationships.get(key, [])
            if direction == "asSource" or not self.schema.relationships[key].self_referential:
                return source
            destination = self.store.linking_accounts(key, account.id)
            return destination if direction == "asDestination" else _merge(source, destination)

        return values

    # -- wire form ---------------------------------------------------------------------

    def render(self, account: AccountRow, base_url: str) -> dict[str, Any]:
        fields = {
            key: {"value": account.fields[key], "valueType": definition.value_type}
            for key, definition in self.schema.fields.items()
            if account.fields.get(key) is not None
        }
        relationships: dict[str, Any] = {}
        for key, definition in self.schema.relationships.items():
            source = account.relationships.get(key, [])
            entry: dict[str, Any] = {
                "cardinality": definition.cardinality.lower(),
                "objectType": definition.object_type,
                "values": list(source),
            }
            if definition.self_referential and definition.as_source and definition.as_destination:
                destination = self.store.linking_accounts(key, account.id)
                entry["values"] = _merge(source, destination)
                entry["directions"] = {
                    "asSource": {"cardinality": definition.as_source.cardinality, "values": list(source)},
                    "asDestination": {"cardinality": definition.as_destination.cardinality, "values": destination},
                }
            relationships[key] = entry
        return {
            "id": account.id,
            "createdAt": account.created_at,
            "updatedAt": account.updated_at,
            "externalId": None,
            "httpLink": base_url.rstrip("/") + decisions.HTTP_LINK_PATH.format(id=account.id),
            "fields": fields,
            "relationships": relationships,
        }

    def _now(self) -> str:
        return _iso(self.clock())


def _object_body(body: Any, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid_type("body", "The request body must be a JSON object.")
    for key in body:
        if key not in allowed:
            raise unknown_field(key, f"Unknown parameter `{key}`.")
    return body


def _name_missing() -> ApiError:
    return ApiError(422, "`$name` is required.", code="parameter_missing", param="fields.name")


def _history_cursor(text: str | None) -> int | None:
    if text is None:
        return None
    if not (text.startswith("v") and text[1:].isdigit()):
        raise invalid_type("after", "`after` must be a cursor from a previous response.")
    return int(text[1:])


def _iso(timestamp: float) -> str:
    return format_utc(datetime.fromtimestamp(timestamp, timezone.utc))


def _merge(first: list[str], second: list[str]) -> list[str]:
    return list(dict.fromkeys([*first, *second]))
