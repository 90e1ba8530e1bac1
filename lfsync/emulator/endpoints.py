"""The API's endpoints: the routing table (method, path, scope, rate category, body) and what each
operation answers. The same eight endpoints serve every record type (accounts, contacts,
opportunities; tasks and notes without field history); lists have their own six (lists.py);
members and auth/validate are read-only extras. The request pipeline around
them (auth, rate limits, idempotency, faults) is app.py's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from starlette.requests import Request

from . import decisions
from .errors import ApiError, not_found
from .fixture import ApiKey, Organisation
from .lists import MEMBER_TYPE_BY_PATH, ListService
from .members import render_member
from .object_types import OBJECT_TYPES, ObjectType
from .paging import page_params
from .records import RecordService


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    pattern: re.Pattern[str]
    scope: str | None
    category: str
    body: str  # "json": required JSON object; "optional": empty or JSON, ignored; "none"
    writes: bool = False
    object_type: str | None = None  # the record type it serves, if any

    @property
    def action(self) -> str:
        return self.name.rpartition(".")[2]


def _operation(name: str, method: str, path: str, scope: str | None, category: str, body: str = "none",
               writes: bool = False, object_type: str | None = None) -> Operation:
    pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "/?$")
    return Operation(name, method, pattern, scope, category, body, writes, object_type)


def record_operations(object_type: ObjectType) -> list[Operation]:
    """The endpoints of one record type, in matching order (`definitions` before `{id}`)."""
    path, kind = object_type.path, object_type.name
    return [
        _operation(f"{path}.definitions", "GET", f"/v1/{path}/definitions", f"{path}:read", "Read", object_type=kind),
        _operation(f"{path}.create", "POST", f"/v1/{path}", f"{path}:create", "Write", "json", True, kind),
        _operation(f"{path}.list", "GET", f"/v1/{path}", f"{path}:read", "Search", object_type=kind),
        _operation(f"{path}.restore", "POST", f"/v1/{path}/{{id}}/restore", f"{path}:restore", "Write", "optional",
                   True, kind),
        *([_operation(f"{path}.field_history", "GET", f"/v1/{path}/{{id}}/fields/{{key}}/history", f"{path}:read",
                      "Read", object_type=kind)] if object_type.has_field_history else []),
        _operation(f"{path}.retrieve", "GET", f"/v1/{path}/{{id}}", f"{path}:read", "Read", object_type=kind),
        _operation(f"{path}.update", "POST", f"/v1/{path}/{{id}}", f"{path}:update", "Write", "json", True, kind),
        _operation(f"{path}.delete", "DELETE", f"/v1/{path}/{{id}}", f"{path}:delete", "Write", "optional", True,
                   kind),
    ]


LIST_MEMBER_PATHS = "|".join(MEMBER_TYPE_BY_PATH)
LIST_OPERATIONS = [  # no definitions, restore or history (SDK)
    _operation("lists.create", "POST", "/v1/lists", "lists:create", "Write", "json", True),
    _operation("lists.list", "GET", "/v1/lists", "lists:read", "Search"),
    _operation("lists.members", "GET", f"/v1/lists/{{id}}/(?P<members>{LIST_MEMBER_PATHS})", "lists:read", "Search"),
    _operation("lists.retrieve", "GET", "/v1/lists/{id}", "lists:read", "Read"),
    _operation("lists.update", "POST", "/v1/lists/{id}", "lists:update", "Write", "json", True),
    _operation("lists.delete", "DELETE", "/v1/lists/{id}", "lists:delete", "Write", "optional", True),
]

OPERATIONS = [
    *(operation for object_type in OBJECT_TYPES.values() for operation in record_operations(object_type)),
    *LIST_OPERATIONS,
    _operation("members.list", "GET", "/v1/members", "members:read", "Search"),
    _operation("members.retrieve", "GET", "/v1/members/{id}", "members:read", "Read"),
    _operation("auth.validate", "GET", "/v1/auth/validate", None, "Read"),
]


@dataclass
class Call:
    """One API request as the operation handlers see it."""

    request: Request
    key: ApiKey
    params: dict[str, str]
    body: Any

    @property
    def base_url(self) -> str:
        return str(self.request.base_url)


def route(request: Request) -> tuple[Operation, dict[str, str]]:
    for operation in OPERATIONS:
        match = operation.pattern.match(request.url.path)
        if match and operation.method == request.method:
            return operation, match.groupdict()
    raise not_found(f"No route for {request.method} {request.url.path}.")


def needed_scopes(operation: Operation, request: Request) -> list[str]:
    """The operation's scope, `<type>:restore` for a list of trashed records (decision 22) and
    `<type>:read` for the members of a list (SDK)."""
    needed = [operation.scope] if operation.scope else []
    if operation.object_type and operation.action == "list" and request.query_params.get("status") == "trashed":
        needed.append(f"{OBJECT_TYPES[operation.object_type].path}:restore")
    if operation.name == "lists.members":
        needed.append(f"{request.url.path.rstrip('/').rpartition('/')[2]}:read")
    return needed


Handler = Callable[[Call], "tuple[int, Any]"]


class Handlers:
    """What each operation answers, given the organisation and one RecordService per type."""

    def __init__(self, org: Organisation, services: dict[str, RecordService], docs_literal: bool,
                 lists: ListService):
        self.org = org
        self.services = services
        self.docs_literal = docs_literal
        self.lists = lists

    def handler(self, operation: Operation) -> Handler:
        if operation.object_type is not None:
            service = self.services[operation.object_type]
            return lambda call: getattr(self, f"_{operation.action}")(service, call)
        if operation.name.startswith("lists."):
            return getattr(self, f"_{operation.action}_lists")
        return {"members.list": self._list_members, "members.retrieve": self._retrieve_member,
                "auth.validate": self._validate}[operation.name]

    # -- records -------------------------------------------------------------------------

    @staticmethod
    def _render(service: RecordService, record: Any, call: Call) -> tuple[int, Any]:
        return 200, service.render(record, call.base_url)

    @staticmethod
    def _definitions(service: RecordService, call: Call) -> tuple[int, Any]:
        return 200, service.schema.definitions_wire()

    def _create(self, service: RecordService, call: Call) -> tuple[int, Any]:
        record = service.create(call.body, call.key.member_id)
        return decisions.CREATE_STATUS, service.render(record, call.base_url)

    def _list(self, service: RecordService, call: Call) -> tuple[int, Any]:
        query = call.request.query_params
        records, total = service.list(query, query.multi_items())
        data = [service.render(r, call.base_url) for r in records]
        return 200, {"object": "list", "data": data, "totalCount": total}

    def _retrieve(self, service: RecordService, call: Call) -> tuple[int, Any]:
        record = service.retrieve(call.params["id"])
        if record.trashed and self.docs_literal:  # decision 23: "... or was deleted"
            raise not_found(f"{service.type.label} `{call.params['id']}` not found.")
        return self._render(service, record, call)

    def _update(self, service: RecordService, call: Call) -> tuple[int, Any]:
        return self._render(service, service.update(call.params["id"], call.body), call)

    def _delete(self, service: RecordService, call: Call) -> tuple[int, Any]:
        return self._render(service, service.set_trashed(call.params["id"], True), call)

    def _restore(self, service: RecordService, call: Call) -> tuple[int, Any]:
        return self._render(service, service.set_trashed(call.params["id"], False), call)

    @staticmethod
    def _field_history(service: RecordService, call: Call) -> tuple[int, Any]:
        return 200, service.field_history(call.params["id"], call.params["key"], call.request.query_params)

    # -- lists -----------------------------------------------------------------------------

    def _create_lists(self, call: Call) -> tuple[int, Any]:
        return decisions.CREATE_STATUS, self.lists.render(self.lists.create(call.body), call.base_url)

    def _list_lists(self, call: Call) -> tuple[int, Any]:
        records, total = self.lists.list(call.request.query_params)
        return 200, {"object": "list", "data": [self.lists.render(r, call.base_url) for r in records],
                     "totalCount": total}

    def _members_lists(self, call: Call) -> tuple[int, Any]:
        service, records, total = self.lists.members(call.params["id"], call.params["members"],
                                                     call.request.query_params)
        return 200, {"object": "list", "data": [service.render(r, call.base_url) for r in records],
                     "totalCount": total}

    def _retrieve_lists(self, call: Call) -> tuple[int, Any]:
        record = self.lists.retrieve(call.params["id"])
        if record.trashed and self.docs_literal:  # decision 23, as for records
            raise not_found(f"List `{call.params['id']}` not found.")
        return 200, self.lists.render(record, call.base_url)

    def _update_lists(self, call: Call) -> tuple[int, Any]:
        return 200, self.lists.render(self.lists.update(call.params["id"], call.body), call.base_url)

    def _delete_lists(self, call: Call) -> tuple[int, Any]:
        return 200, self.lists.render(self.lists.delete(call.params["id"]), call.base_url)

    # -- members, auth ---------------------------------------------------------------------

    def _list_members(self, call: Call) -> tuple[int, Any]:
        limit, offset = page_params(call.request.query_params)
        members = list(self.org.members.values())
        page = [render_member(m) for m in members[offset : offset + limit]]
        return 200, {"object": "list", "data": page, "totalCount": len(members)}

    def _retrieve_member(self, call: Call) -> tuple[int, Any]:
        member = self.org.members.get(call.params["id"])
        if member is None:
            raise not_found(f"Member `{call.params['id']}` not found.")
        return 200, render_member(member)

    @staticmethod
    def _validate(call: Call) -> tuple[int, Any]:
        scopes = [] if call.key.full_access or not call.key.lists_scopes else sorted(call.key.scopes)
        return 200, {"active": True, "scopes": scopes, "subjectType": "workspace", "tokenType": "api_key"}


def forbidden(scope: str) -> ApiError:
    return ApiError(403, f"This API key lacks the `{scope}` scope.")
