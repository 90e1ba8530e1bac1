"""Conformance: the official Lightfield SDK against the emulator over real HTTP, in both API modes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import lightfield
import pytest
from lightfield import Lightfield
from lightfield.types import (
    AccountCreateResponse,
    AccountDefinitionsResponse,
    AccountDeleteResponse,
    AccountFieldHistoryResponse,
    AccountListResponse,
    AccountRestoreResponse,
    AccountRetrieveResponse,
    AccountUpdateResponse,
    AuthValidateResponse,
    MemberListResponse,
    MemberRetrieveResponse,
)

from lfsync.api.client import retry_after_seconds
from lfsync.emulator import EmulatorConfig
from lfsync.emulator.decisions import DOCS_LITERAL_IN_FLIGHT_BODY
from lfsync.emulator.testing import API_MODES, DOCS_LITERAL, serve_in_thread

from .emulator_helpers import CONTACT, DEV_KEY, OWNER, READONLY_KEY

FAST = {"write_rate": 1000, "read_rate": 1000, "search_rate": 1000}


@pytest.fixture(scope="module", params=API_MODES)
def served(request) -> Iterator[tuple[str, bool]]:
    literal = request.param == DOCS_LITERAL
    with serve_in_thread(EmulatorConfig(docs_literal=literal, **FAST)) as url:
        yield url, literal


@pytest.fixture
def base_url(served: tuple[str, bool]) -> str:
    return served[0]


@pytest.fixture
def literal(served: tuple[str, bool]) -> bool:
    return served[1]


def error_body(error: lightfield.APIStatusError, literal: bool) -> dict[str, Any]:
    """The error object, checked to be in the shape of the mode."""
    body = error.body
    assert isinstance(body, dict) and (("error" not in body) if literal else set(body) == {"error"})
    return body if literal else body["error"]


@pytest.fixture
def sdk(base_url: str) -> Lightfield:
    return Lightfield(api_key=DEV_KEY, base_url=base_url, max_retries=0)


def test_serve_in_thread_binds_loopback(base_url: str) -> None:
    assert base_url.startswith("http://127.0.0.1:")


def test_auth_validate(sdk: Lightfield, base_url: str) -> None:
    validated = sdk.auth.validate()
    assert isinstance(validated, AuthValidateResponse)
    assert validated.active and validated.token_type == "api_key" and validated.scopes == []
    readonly = Lightfield(api_key=READONLY_KEY, base_url=base_url, max_retries=0).auth.validate()
    assert readonly.scopes == ["accounts:read", "members:read"]


def test_account_lifecycle_parses_into_typed_models(sdk: Lightfield) -> None:
    definitions = sdk.account.definitions()
    assert isinstance(definitions, AccountDefinitionsResponse)
    tier = definitions.field_definitions["tier"]
    assert tier.value_type == "SINGLE_SELECT" and tier.type_configuration.options
    assert definitions.field_definitions["annualRevenue"].type_configuration.currency == "USD"
    assert definitions.field_definitions["$howTheyMakeMoney"].read_only is True
    assert definitions.relationship_definitions["parentAccount"].directions is not None
    enterprise = next(o.id for o in tier.type_configuration.options if o.label == "enterprise")

    created = sdk.account.create(
        fields={"$name": "SDK Corp", "tier": "enterprise", "$primaryAddress": {"city": "Oslo", "country": "NO"},
                "champion": {"firstName": "Ada", "lastName": "L"}, "$website": ["sdk.example"]},
        relationships={"$owner": OWNER, "$contact": [CONTACT]},
        skip_enrichment=True,
    )
    assert isinstance(created, AccountCreateResponse)
    assert created.id.startswith("acc_") and created.fields["tier"].value == enterprise
    assert created.fields["$primaryAddress"].value.country == "NO"
    assert created.relationships["$owner"].values == [OWNER]

    retrieved = sdk.account.retrieve(created.id)
    assert isinstance(retrieved, AccountRetrieveResponse) and retrieved.id == created.id

    updated = sdk.account.update(
        created.id, fields={"icp-score": 42}, relationships={"$contact": {"remove": CONTACT}}
    )
    assert isinstance(updated, AccountUpdateResponse)
    assert updated.fields["icp-score"].value == 42 and updated.relationships["$contact"].values == []

    listed = sdk.account.list(limit=5, extra_query={"$name": "SDK Corp"})
    assert isinstance(listed, AccountListResponse)
    assert listed.total_count == 1 and listed.data[0].id == created.id

    history = sdk.account.field_history("icp-score", id=created.id)
    assert isinstance(history, AccountFieldHistoryResponse)
    assert [h.value for h in history.data] == [42] and history.has_more is False

    deleted = sdk.account.delete(created.id)
    assert isinstance(deleted, AccountDeleteResponse)
    assert sdk.account.list(status="trashed", extra_query={"$name": "SDK Corp"}).total_count == 1
    restored = sdk.account.restore(created.id)
    assert isinstance(restored, AccountRestoreResponse)
    assert sdk.account.list(extra_query={"$name": "SDK Corp"}).total_count == 1


def test_members(sdk: Lightfield) -> None:
    members = sdk.member.list()
    assert isinstance(members, MemberListResponse) and members.total_count == 3
    member = sdk.member.retrieve(members.data[0].id)
    assert isinstance(member, MemberRetrieveResponse)
    assert member.fields.email.value.endswith("@example.com")


def test_errors_map_to_sdk_exceptions(sdk: Lightfield, base_url: str, literal: bool) -> None:
    with pytest.raises(lightfield.AuthenticationError):
        Lightfield(api_key="sk_lf_wrong", base_url=base_url, max_retries=0).auth.validate()
    readonly = Lightfield(api_key=READONLY_KEY, base_url=base_url, max_retries=0)
    with pytest.raises(lightfield.PermissionDeniedError):
        readonly.account.create(fields={"$name": "Nope"})
    with pytest.raises(lightfield.NotFoundError):
        sdk.account.retrieve("acc_cmissing000000000000")
    with pytest.raises(lightfield.UnprocessableEntityError) as missing_name:
        sdk.account.create(fields={"tier": "smb"})
    assert error_body(missing_name.value, literal)["param"] == "fields.name"
    with pytest.raises(lightfield.BadRequestError) as unknown:
        sdk.account.create(fields={"$name": "X", "nope": 1})
    assert error_body(unknown.value, literal)["code"] == "unknown_field"


def test_idempotent_create_sent_twice_returns_one_id(sdk: Lightfield, literal: bool) -> None:
    headers = {"Idempotency-Key": "sdk-create-once"}
    first = sdk.account.create(fields={"$name": "Once"}, extra_headers=headers)
    raw = sdk.account.with_raw_response.create(fields={"$name": "Once"}, extra_headers=headers)
    assert raw.headers.get("Idempotent-Replayed") == (None if literal else "true")
    assert raw.parse().id == first.id
    assert sdk.account.list(extra_query={"$name": "Once"}).total_count == 1


def test_conflict_while_in_flight(api_mode: str) -> None:
    """The first send times out at the gateway (504) while its write runs on for 5 s: the second
    meets it in flight. No sleep decides the order."""
    literal = api_mode == DOCS_LITERAL
    config = EmulatorConfig(gateway_timeout_rate=1, latency_ms=5000, docs_literal=literal, **FAST)
    with serve_in_thread(config) as url:
        sdk = Lightfield(api_key=DEV_KEY, base_url=url, max_retries=0)
        headers = {"Idempotency-Key": "sdk-in-flight"}
        with pytest.raises(lightfield.InternalServerError) as timed_out:
            sdk.account.create(fields={"$name": "Slow"}, extra_headers=headers)
        assert timed_out.value.status_code == 504
        with pytest.raises(lightfield.ConflictError) as conflict:
            sdk.account.create(fields={"$name": "Slow"}, extra_headers=headers)
        if literal:
            assert conflict.value.body == DOCS_LITERAL_IN_FLIGHT_BODY
        else:
            assert error_body(conflict.value, literal)["code"] == "idempotency_conflict"


def test_write_burst_beyond_the_rate_gets_429_with_retry_after(api_mode: str) -> None:
    literal = api_mode == DOCS_LITERAL
    with serve_in_thread(EmulatorConfig(write_rate=3, docs_literal=literal)) as url:
        sdk = Lightfield(api_key=DEV_KEY, base_url=url, max_retries=0)
        errors = []
        for i in range(6):
            try:
                sdk.account.create(fields={"$name": f"Burst {i}"}, skip_enrichment=True)
            except lightfield.RateLimitError as exc:
                errors.append(exc)
        assert len(errors) >= 3
        waits = [retry_after_seconds(e.response.headers["Retry-After"]) for e in errors]
        assert all(wait is not None and wait > 0 for wait in waits)
        assert all(e.response.headers["Retry-After"].endswith(" GMT") == literal for e in errors)
        assert error_body(errors[0], literal)["type"] == "too_many_requests"


def test_drop_after_commit_drops_the_connection_but_stores_the_write(api_mode: str) -> None:
    literal = api_mode == DOCS_LITERAL
    with serve_in_thread(EmulatorConfig(drop_after_commit_rate=1, docs_literal=literal, **FAST)) as url:
        sdk = Lightfield(api_key=DEV_KEY, base_url=url, max_retries=0)
        headers = {"Idempotency-Key": "sdk-dropped"}
        with pytest.raises(lightfield.APIConnectionError):
            sdk.account.create(fields={"$name": "Dropped"}, extra_headers=headers)
        assert sdk.account.list().total_count == 1
        replay = sdk.account.with_raw_response.create(fields={"$name": "Dropped"}, extra_headers=headers)
        assert replay.headers.get("Idempotent-Replayed") == (None if literal else "true")
        assert replay.parse().id == sdk.account.list().data[0].id


def test_plain_httpx_sees_the_envelope_over_http(base_url: str, literal: bool) -> None:
    response = httpx.get(f"{base_url}/v1/accounts", headers={"Authorization": f"Bearer {DEV_KEY}"})
    assert response.status_code == 400
    body = response.json()
    if literal:
        assert body["code"] == "version_header" and "X-Request-Id" not in response.headers
    else:
        assert body["error"]["code"] == "version_header"
        assert response.headers["X-Request-Id"].startswith("req_")


def test_field_history_pages_through_the_sdk(sdk: Lightfield, literal: bool) -> None:
    """The SDK's own types parse every page; `nextCursor` given back as `after` walks to the oldest."""
    created = sdk.account.create(fields={"$name": "SDK History", "icp-score": 1}, skip_enrichment=True)
    for score in (2, 3):
        sdk.account.update(created.id, fields={"icp-score": score})
    first = sdk.account.field_history("icp-score", id=created.id, limit=2)
    assert isinstance(first, AccountFieldHistoryResponse)
    assert [h.value for h in first.data] == [3, 2] and first.has_more is True and first.next_cursor
    rest = sdk.account.field_history("icp-score", id=created.id, limit=2, after=first.next_cursor)
    assert [h.value for h in rest.data] == [1] and rest.has_more is False and rest.next_cursor is None
    assert [h.recorded_at for h in first.data + rest.data] == sorted((h.recorded_at for h in first.data + rest.data), reverse=True)
    with pytest.raises(lightfield.BadRequestError) as refused:  # column-backed: "return an error"
        sdk.account.field_history("$name", id=created.id)
    assert error_body(refused.value, literal)["param"] == "fieldKey"
