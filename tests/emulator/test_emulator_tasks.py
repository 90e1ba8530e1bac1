"""Tasks through the official SDK (`client.task`) against the emulator over HTTP, in both API modes:
definitions, create, read, update, filters, paging, trash and restore, idempotency, scopes, rate
categories, the computed `$task` side of accounts and opportunities, and the refusals (decision 29)."""

from __future__ import annotations

from typing import Any

import httpx
import lightfield
import pytest
from lightfield import Lightfield
from lightfield.types import (
    TaskCreateResponse,
    TaskDefinitionsResponse,
    TaskListResponse,
    TaskRetrieveResponse,
    TaskUpdateResponse,
)

from .conftest import RATE_LIMIT_BY_CATEGORY, ServedSdk, refusal
from .emulator_helpers import (
    OTHER_MEMBER,
    OWNER,
    READONLY_KEY,
    app_with_keys,
    client_for,
    error_of,
    new_account,
    unique,
    value,
)

THIRD_MEMBER = "mem_calanturing0000000000"


def new_task(sdk: Lightfield, title: str | None = None, status: str = "TODO", **relationships: Any) -> TaskCreateResponse:
    return sdk.task.create(fields={"$title": title or unique("Call"), "$status": status},
                           relationships={"$assignedTo": OTHER_MEMBER, **relationships})


def test_definitions_name_the_documented_fields_and_relationships(served_sdk: ServedSdk) -> None:
    definitions = served_sdk.sdk.task.definitions()
    assert isinstance(definitions, TaskDefinitionsResponse) and definitions.object_type == "task"
    fields = definitions.field_definitions
    assert {key: fields[key].value_type for key in fields} == {
        "$title": "TEXT", "$status": "SINGLE_SELECT", "$description": "MARKDOWN", "$dueAt": "DATETIME"}
    assert [o.id for o in fields["$status"].type_configuration.options or []] == [
        "TODO", "IN_PROGRESS", "COMPLETE", "CANCELLED"]
    relationships = definitions.relationship_definitions
    assert {key: (r.cardinality, r.object_type) for key, r in relationships.items()} == {
        "$assignedTo": ("HAS_ONE", "member"), "$account": ("HAS_ONE", "account"),
        "$opportunity": ("HAS_ONE", "opportunity"), "$createdBy": ("HAS_ONE", "member"),
        "$note": ("HAS_MANY", "note")}


def test_task_lifecycle_and_the_computed_task_side(served_sdk: ServedSdk) -> None:
    sdk = served_sdk.sdk
    account = new_account(sdk)
    opportunity = sdk.opportunity.create(fields={"$name": unique("Deal"), "$stage": "Discovery"},
                                         relationships={"$account": account}).id
    task = sdk.task.create(
        fields={"$title": "Send the proposal", "$status": "in_progress", "$description": "**Before** Friday",
                "$dueAt": "2026-03-16T12:00:00+02:00"},
        relationships={"$assignedTo": OTHER_MEMBER, "$account": account, "$opportunity": [opportunity]},
    )
    assert isinstance(task, TaskCreateResponse) and task.id.startswith("task_c")
    assert {key: f.value for key, f in task.fields.items()} == {
        "$title": "Send the proposal", "$status": "IN_PROGRESS", "$description": "**Before** Friday",
        "$dueAt": "2026-03-16T10:00:00.000Z"}
    assert task.fields["$dueAt"].value_type == "DATETIME"
    values = {key: (r.cardinality, r.values) for key, r in task.relationships.items()}
    assert values == {"$assignedTo": ("has_one", [OTHER_MEMBER]), "$account": ("has_one", [account]),
                      "$opportunity": ("has_one", [opportunity]), "$createdBy": ("has_one", [OWNER]),
                      "$note": ("has_many", [])}
    assert task.http_link and task.http_link.endswith(f"/app/tasks/{task.id}")
    page = httpx.get(task.http_link)  # decision 13: a key-less page, titled with the task's title
    assert page.status_code == 200 and "<h1>Send the proposal</h1>" in page.text
    assert sdk.account.retrieve(account).relationships["$task"].values == [task.id]
    assert sdk.opportunity.retrieve(opportunity).relationships["$task"].values == [task.id]

    updated = sdk.task.update(task.id, fields={"$status": "COMPLETE", "$dueAt": None},
                              relationships={"$assignedTo": {"replace": THIRD_MEMBER}, "$opportunity": {"replace": None}})
    assert isinstance(updated, TaskUpdateResponse)
    assert updated.fields["$status"].value == "COMPLETE" and "$dueAt" not in updated.fields
    assert updated.fields["$title"].value == "Send the proposal"  # untouched
    assert updated.relationships["$assignedTo"].values == [THIRD_MEMBER]
    assert updated.relationships["$opportunity"].values == []
    assert sdk.opportunity.retrieve(opportunity).relationships["$task"].values == []
    retrieved = sdk.task.retrieve(task.id)
    assert isinstance(retrieved, TaskRetrieveResponse) and retrieved.updated_at == updated.updated_at


def test_filters_and_paging(served_sdk: ServedSdk) -> None:
    sdk = served_sdk.sdk
    account = new_account(sdk)
    made = [new_task(sdk, status=status, **{"$account": account}).id
            for status in ("TODO", "COMPLETE", "TODO", "TODO")]
    mine = {"$task-account[contains]": account}
    everything = sdk.task.list(extra_query=mine)
    assert isinstance(everything, TaskListResponse) and everything.total_count == 4
    assert [t.id for t in everything.data] == made[::-1]  # newest first
    page = sdk.task.list(limit=2, offset=1, extra_query={**mine, "$status[equal]": "TODO"})
    assert page.total_count == 3 and [t.id for t in page.data] == [made[2], made[0]]
    by_key = sdk.task.list(extra_query={"$account": account, "$status": "COMPLETE"})
    assert [t.id for t in by_key.data] == [made[1]]


def test_trash_and_restore(served_sdk: ServedSdk) -> None:
    sdk = served_sdk.sdk
    account = new_account(sdk)
    task = new_task(sdk, **{"$account": account})
    trashed = sdk.task.delete(task.id)
    assert trashed.id == task.id and sdk.task.delete(task.id).id == task.id  # again: a no-op
    assert task.id in [t.id for t in sdk.task.list(status="trashed").data]
    assert task.id not in [t.id for t in sdk.task.list().data]
    assert sdk.account.retrieve(account).relationships["$task"].values == []
    if served_sdk.literal:  # decision 23: "... or was deleted"
        with pytest.raises(lightfield.NotFoundError):
            sdk.task.retrieve(task.id)
    else:
        assert sdk.task.retrieve(task.id).id == task.id
    assert refusal(served_sdk, lambda: sdk.task.update(task.id, fields={"$title": "x"}))[0] == 404
    restored = sdk.task.restore(task.id)
    assert restored.id == task.id and sdk.task.retrieve(task.id).fields["$status"].value == "TODO"
    assert sdk.account.retrieve(account).relationships["$task"].values == [task.id]


@pytest.mark.parametrize(
    "fields, relationships, expected",
    [
        ({"$status": "TODO"}, {"$assignedTo": OWNER}, (422, "parameter_missing", "fields.title")),
        ({"$title": "x"}, {"$assignedTo": OWNER}, (422, "parameter_missing", "fields.status")),
        ({"$title": "x", "$status": "TODO"}, {}, (422, "parameter_missing", "relationships.assignedTo")),
        ({"$title": "x", "$status": "DONE"}, {"$assignedTo": OWNER}, (400, "invalid_type", "fields.$status")),
        ({"$title": "x", "$status": "TODO", "$dueAt": "next Friday"}, {"$assignedTo": OWNER},
         (400, "invalid_type", "fields.$dueAt")),
        ({"$title": "x", "$status": "TODO", "priority": "high"}, {"$assignedTo": OWNER},
         (400, "unknown_field", None)),
        ({"$title": "x", "$status": "TODO"}, {"$assignedTo": "mem_cnobody00000000000000"},
         (422, "relationship_entity_missing", "relationships.$assignedTo")),
        ({"$title": "x", "$status": "TODO"}, {"$assignedTo": OWNER, "$note": "note_cnothing000000000000"},
         (422, "invalid_configuration", "relationships.$note")),
    ],
)
def test_refused_creates(served_sdk: ServedSdk, fields: dict[str, Any], relationships: dict[str, Any],
                         expected: tuple[int, str, str | None]) -> None:
    status, code, param = refusal(served_sdk, lambda: served_sdk.sdk.task.create(fields=fields,
                                                                                relationships=relationships))
    assert (status, code) == expected[:2] and (expected[2] is None or param == expected[2])


def test_refused_updates_and_missing_history(served_sdk: ServedSdk) -> None:
    sdk = served_sdk.sdk
    task = new_task(sdk)
    assert refusal(served_sdk, lambda: sdk.task.update(task.id, fields={"$title": None})) == (
        422, "parameter_missing", "fields.title")
    assert refusal(served_sdk, lambda: sdk.task.update(
        task.id, relationships={"$assignedTo": {"replace": None}})) == (422, "parameter_missing",
                                                                       "relationships.assignedTo")
    assert refusal(served_sdk, lambda: sdk.task.update(task.id, fields={"$status": "LATER"}))[:2] == (
        400, "invalid_type")
    response = httpx.get(f"{served_sdk.url}/v1/tasks/{task.id}/fields/$title/history",
                         headers={"Authorization": "Bearer sk_lf_local_dev", "Lightfield-Version": "2026-03-01"})
    assert response.status_code == 404  # tasks have no field history


def test_idempotency_scopes_and_rate_categories(served_sdk: ServedSdk) -> None:
    sdk = served_sdk.sdk
    body = {"fields": {"$title": unique("Once"), "$status": "TODO"}, "relationships": {"$assignedTo": OWNER}}
    key = {"Idempotency-Key": unique("task-key").replace(" ", "-")}
    first = sdk.task.with_raw_response.create(**body, extra_headers=key)
    again = sdk.task.with_raw_response.create(**body, extra_headers=key)
    assert again.parse().id == first.parse().id
    assert again.headers.get("Idempotent-Replayed") == (None if served_sdk.literal else "true")
    assert first.headers["X-RateLimit-Limit"] == RATE_LIMIT_BY_CATEGORY["Write"]
    task_id = first.parse().id
    assert sdk.task.with_raw_response.retrieve(task_id).headers["X-RateLimit-Limit"] == RATE_LIMIT_BY_CATEGORY["Read"]
    assert sdk.task.with_raw_response.list().headers["X-RateLimit-Limit"] == RATE_LIMIT_BY_CATEGORY["Search"]
    readonly = served_sdk.with_key(READONLY_KEY)
    assert refusal(served_sdk, lambda: readonly.task.retrieve(task_id))[0] == 403
    assert refusal(served_sdk, lambda: readonly.task.create(**body))[0] == 403


@pytest.mark.anyio
async def test_created_by_falls_back_to_the_assignee_for_a_key_without_member(tmp_path, api_mode: str) -> None:
    with app_with_keys(tmp_path, [{"key": "sk_lf_nobody", "scopes": "all"},
                                  {"key": "sk_lf_tasks_read", "scopes": ["tasks:read"]}], api_mode) as app:
        async with client_for(app, "sk_lf_nobody", api_mode) as client:
            created = await client.post("/v1/tasks", json={"fields": {"$title": "x", "$status": "TODO"},
                                                           "relationships": {"$assignedTo": OTHER_MEMBER}})
            assert created.status_code == 200, created.text
            assert created.json()["relationships"]["$createdBy"]["values"] == [OTHER_MEMBER]
            written = await client.post("/v1/tasks", json={"fields": {"$title": "y", "$status": "TODO"},
                                                           "relationships": {"$assignedTo": OTHER_MEMBER,
                                                                             "$createdBy": THIRD_MEMBER}})
            assert written.json()["relationships"]["$createdBy"]["values"] == [THIRD_MEMBER]
            assert value(written.json(), "$title") == "y"
        async with client_for(app, "sk_lf_tasks_read", api_mode) as reader:
            assert (await reader.get(f"/v1/tasks/{created.json()['id']}")).status_code == 200
            refused = await reader.get("/v1/tasks", params={"status": "trashed"})
            assert error_of(refused)[0] == 403 and "tasks:restore" in refused.text
