"""Conformance: the official Lightfield SDK against the emulator over real HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

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

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import serve_in_thread

from .emulator_helpers import CONTACT, DEV_KEY, OWNER, READONLY_KEY

FAST = {"write_rate": 1000, "read_rate": 1000, "search_rate": 1000}


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_in_thread(EmulatorConfig(**FAST)) as url:
        yield url


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


def test_errors_map_to_sdk_exceptions(sdk: Lightfield, base_url: str) -> None:
    with pytest.raises(lightfield.AuthenticationError):
        Lightfield(api_key="sk_lf_wrong", base_url=base_url, max_retries=0).auth.validate()
    readonly = Lightfield(api_key=READONLY_KEY, base_url=base_url, max_retries=0)
    with pytest.raises(lightfield.PermissionDeniedError):
        readonly.account.create(fields={"$name": "Nope"})
    with pytest.raises(lightfield.NotFoundError):
        sdk.account.retrieve("acc_cmissing000000000000")
    with pytest.raises(lightfield.UnprocessableEntityError) as missing_name:
        sdk.account.create(fields={"tier": "smb"})
    assert missing_name.value.body["error"]["param"] == "fields.name"
    with pytest.raises(lightfield.BadRequestError) as unknown:
        sdk.account.create(fields={"$name": "X", "nope": 1})
    assert unknown.value.body["error"]["code"] == "unknown_field"


def test_idempotent_create_sent_twice_returns_one_id(sdk: Lightfield) -> None:
    headers = {"Idempotency-Key": "sdk-create-once"}
    first = sdk.account.create(fields={"$name": "Once"}, extra_headers=headers)
    raw = sdk.account.with_raw_response.create(fields={"$name": "Once"}, extra_headers=headers)
    assert raw.headers["Idempotent-Replayed"] == "true"
    assert raw.parse().id == first.id
    assert sdk.account.list(extra_query={"$name": "Once"}).total_count == 1


def test_conflict_while_in_flight() -> None:
    with serve_in_thread(EmulatorConfig(latency_ms=400, **FAST)) as url:
        sdk = Lightfield(api_key=DEV_KEY, base_url=url, max_retries=0)
        headers = {"Idempotency-Key": "sdk-in-flight"}
        first = threading.Thread(target=sdk.account.create, kwargs={"fields": {"$name": "Slow"},
                                                                    "extra_headers": headers})
        first.start()
        time.sleep(0.15)
        with pytest.raises(lightfield.ConflictError) as conflict:
            sdk.account.create(fields={"$name": "Slow"}, extra_headers=headers)
        first.join()
        assert conflict.value.body["error"]["code"] == "idempotency_conflict"


def test_write_burst_beyond_the_rate_gets_429_with_retry_after() -> None:
    with serve_in_thread(EmulatorConfig(write_rate=3)) as url:
        sdk = Lightfield(api_key=DEV_KEY, base_url=url, max_retries=0)
        errors = []
        for i in range(6):
            try:
                sdk.account.create(fields={"$name": f"Burst {i}"}, skip_enrichment=True)
            except lightfield.RateLimitError as exc:
                errors.append(exc)
        assert len(errors) >= 3
        assert all(int(e.response.headers["Retry-After"]) >= 1 for e in errors)
        assert errors[0].body["error"]["type"] == "too_many_requests"


def test_drop_after_commit_drops_the_connection_but_stores_the_write() -> None:
    with serve_in_thread(EmulatorConfig(drop_after_commit_rate=1, **FAST)) as url:
        sdk = Lightfield(api_key=DEV_KEY, base_url=url, max_retries=0)
        headers = {"Idempotency-Key": "sdk-dropped"}
        with pytest.raises(lightfield.APIConnectionError):
            sdk.account.create(fields={"$name": "Dropped"}, extra_headers=headers)
        assert sdk.account.list().total_count == 1
        replay = sdk.account.with_raw_response.create(fields={"$name": "Dropped"}, extra_headers=headers)
        assert replay.headers["Idempotent-Replayed"] == "true"
        assert replay.parse().id == sdk.account.list().data[0].id


def test_plain_httpx_sees_the_envelope_over_http(base_url: str) -> None:
    response = httpx.get(f"{base_url}/v1/accounts", headers={"Authorization": f"Bearer {DEV_KEY}"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "version_header"
    assert response.headers["X-Request-Id"].startswith("req_")
