"""Conformance for contacts and opportunities: the official Lightfield SDK (`client.contact`,
`client.opportunity`) against the emulator over real HTTP, in both API modes: create, read,
update, filter, trash, restore, definitions, field history, idempotency and the two-sided link."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import lightfield
import pytest
from lightfield import Lightfield
from lightfield.types import (
    ContactCreateResponse,
    ContactDefinitionsResponse,
    ContactDeleteResponse,
    ContactFieldHistoryResponse,
    ContactListResponse,
    ContactRestoreResponse,
    ContactRetrieveResponse,
    ContactUpdateResponse,
    OpportunityCreateResponse,
    OpportunityDefinitionsResponse,
    OpportunityDeleteResponse,
    OpportunityFieldHistoryResponse,
    OpportunityListResponse,
    OpportunityRestoreResponse,
    OpportunityRetrieveResponse,
    OpportunityUpdateResponse,
)

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import API_MODES, DOCS_LITERAL, serve_in_thread

from .emulator_helpers import CONTACT, DEV_KEY, OTHER_CONTACT, OWNER, READONLY_KEY

FAST = {"write_rate": 1000, "read_rate": 1000, "search_rate": 1000}


@pytest.fixture(scope="module", params=API_MODES)
def served(request) -> Iterator[tuple[str, bool]]:
    literal = request.param == DOCS_LITERAL
    with serve_in_thread(EmulatorConfig(docs_literal=literal, **FAST)) as url:
        yield url, literal


@pytest.fixture
def sdk(served: tuple[str, bool]) -> Lightfield:
    return Lightfield(api_key=DEV_KEY, base_url=served[0], max_retries=0)


@pytest.fixture
def literal(served: tuple[str, bool]) -> bool:
    return served[1]


def error_body(error: lightfield.APIStatusError, literal: bool) -> dict[str, Any]:
    body = error.body
    assert isinstance(body, dict) and (("error" not in body) if literal else set(body) == {"error"})
    return body if literal else body["error"]


def unique(word: str) -> str:
    """A name no other test of the module's shared emulator uses."""
    return f"{word} {uuid.uuid4().hex[:8]}"


def stage_options(sdk: Lightfield) -> dict[tuple[str, str], str]:
    """(pipeline name, stage label) -> option ID, read from the definitions."""
    fields = sdk.opportunity.definitions().field_definitions
    pipelines = {o.id: o.label for o in fields["$pipeline"].type_configuration.options or []}
    return {(pipelines[o.parent_id or ""], o.label): o.id for o in fields["$stage"].type_configuration.options or []}


def test_contact_lifecycle_parses_into_typed_models(sdk: Lightfield, served: tuple[str, bool]) -> None:
    definitions = sdk.contact.definitions()
    assert isinstance(definitions, ContactDefinitionsResponse) and definitions.object_type == "contact"
    assert definitions.field_definitions["$name"].value_type == "FULL_NAME"
    assert definitions.field_definitions["$email"].value_type == "EMAIL"
    assert definitions.relationship_definitions["$account"].object_type == "account"

    email = f"{uuid.uuid4().hex[:8]}@curie.example"
    created = sdk.contact.create(
        fields={"$name": {"firstName": "Irène", "lastName": "Joliot-Curie"}, "$email": [email], "seniority": "Senior"},
        relationships={"$owner": OWNER},
        skip_enrichment=True,
    )
    assert isinstance(created, ContactCreateResponse) and created.id.startswith("con_")
    name = created.fields["$name"].value
    assert isinstance(name, lightfield.types.contact_create_response.FieldsValueFullName)
    assert (name.first_name, name.last_name) == ("Irène", "Joliot-Curie")
    assert created.fields["$email"].value == [email] and created.relationships["$owner"].values == [OWNER]
    assert created.http_link and created.http_link.endswith(f"/app/contacts/{created.id}")

    retrieved = sdk.contact.retrieve(created.id)
    assert isinstance(retrieved, ContactRetrieveResponse) and retrieved.id == created.id

    updated = sdk.contact.update(created.id, fields={"$title": "Chemist", "seniority": "executive"})
    assert isinstance(updated, ContactUpdateResponse) and updated.fields["$title"].value == "Chemist"

    listed = sdk.contact.list(extra_query={"$email[contains]": email})
    assert isinstance(listed, ContactListResponse)
    assert listed.total_count == 1 and listed.data[0].id == created.id

    history = sdk.contact.field_history("seniority", id=created.id)
    assert isinstance(history, ContactFieldHistoryResponse)
    assert [h.display_value for h in history.data] == ["executive", "senior"]

    deleted = sdk.contact.delete(created.id)
    assert isinstance(deleted, ContactDeleteResponse)
    assert sdk.contact.list(extra_query={"$email[contains]": email}).total_count == 0
    assert sdk.contact.list(status="trashed", extra_query={"$email[contains]": email}).total_count == 1
    restored = sdk.contact.restore(created.id)
    assert isinstance(restored, ContactRestoreResponse)
    assert sdk.contact.list(extra_query={"$email[contains]": email}).data[0].id == created.id


def test_opportunity_lifecycle_parses_into_typed_models(sdk: Lightfield) -> None:
    definitions = sdk.opportunity.definitions()
    assert isinstance(definitions, OpportunityDefinitionsResponse) and definitions.object_type == "opportunity"
    stage = definitions.field_definitions["$stage"]
    assert stage.type_configuration.parent_field_key == "$pipeline"
    assert definitions.field_definitions["$opportunityStatus"].read_only is True
    options = stage_options(sdk)

    account = sdk.account.create(fields={"$name": unique("Opportunity Corp")}, skip_enrichment=True)
    name = unique("Renewal 2027")
    created = sdk.opportunity.create(
        fields={"$name": name, "$stage": "discovery", "$amount": 12000},
        relationships={"$account": account.id, "$champion": CONTACT, "$owner": OWNER},
    )
    assert isinstance(created, OpportunityCreateResponse) and created.id.startswith("opp_")
    assert created.fields["$stage"].value == options[("New business", "Discovery")]
    assert created.relationships["$account"].values == [account.id]
    assert created.relationships["$champion"].values == [CONTACT]

    retrieved = sdk.opportunity.retrieve(created.id)
    assert isinstance(retrieved, OpportunityRetrieveResponse) and retrieved.fields["$amount"].value == 12000

    updated = sdk.opportunity.update(
        created.id, fields={"$stage": "Closed Won", "$pipeline": "Renewals"},
        relationships={"$evaluator": {"add": [CONTACT, OTHER_CONTACT]}},
    )
    assert isinstance(updated, OpportunityUpdateResponse)
    assert updated.fields["$stage"].value == options[("Renewals", "Closed Won")]
    assert updated.relationships["$evaluator"].values == [CONTACT, OTHER_CONTACT]

    by_account = sdk.opportunity.list(extra_query={"$account": account.id})
    assert isinstance(by_account, OpportunityListResponse)
    assert [o.id for o in by_account.data] == [created.id]
    assert sdk.account.retrieve(account.id).relationships["$opportunity"].values == [created.id]

    history = sdk.opportunity.field_history("$stage", id=created.id)
    assert isinstance(history, OpportunityFieldHistoryResponse)
    assert [h.display_value for h in history.data] == ["Closed Won", "Discovery"]

    deleted = sdk.opportunity.delete(created.id)
    assert isinstance(deleted, OpportunityDeleteResponse)
    assert sdk.opportunity.list(extra_query={"$account": account.id}).total_count == 0
    assert sdk.account.retrieve(account.id).relationships["$opportunity"].values == []
    restored = sdk.opportunity.restore(created.id)
    assert isinstance(restored, OpportunityRestoreResponse)
    assert sdk.opportunity.list(extra_query={"$name": name}).data[0].id == created.id


def test_the_contact_account_link_is_written_and_read_from_both_sides(sdk: Lightfield) -> None:
    account = sdk.account.create(fields={"$name": unique("Two Sides")}, skip_enrichment=True)
    contact = sdk.contact.create(fields={"$name": {"firstName": "Ada"}}, relationships={"$account": account.id})
    assert sdk.account.retrieve(account.id).relationships["$contact"].values == [contact.id]
    sdk.account.update(account.id, relationships={"$contact": {"add": CONTACT}})
    assert account.id in sdk.contact.retrieve(CONTACT).relationships["$account"].values
    sdk.contact.update(contact.id, relationships={"$account": {"remove": account.id}})
    assert sdk.account.retrieve(account.id).relationships["$contact"].values == [CONTACT]
    assert sdk.contact.list(extra_query={"$contact-account": account.id}).data[0].id == CONTACT


def test_refusals_map_to_sdk_exceptions(sdk: Lightfield, served: tuple[str, bool], literal: bool) -> None:
    account = sdk.account.create(fields={"$name": unique("Refusals")}, skip_enrichment=True)
    with pytest.raises(lightfield.UnprocessableEntityError) as no_account:
        sdk.opportunity.create(fields={"$name": "Orphan", "$stage": "Discovery"}, relationships={})
    assert error_body(no_account.value, literal)["param"] == "relationships.account"
    with pytest.raises(lightfield.UnprocessableEntityError) as read_only:
        sdk.account.update(account.id, relationships={"$opportunity": {"add": "opp_c00000000000000000000"}})
    assert error_body(read_only.value, literal)["code"] == "invalid_configuration"
    with pytest.raises(lightfield.UnprocessableEntityError) as unresolved:
        sdk.opportunity.create(fields={"$name": "Deal", "$stage": "Renewal review"}, relationships={"$account": account.id})
    body = error_body(unresolved.value, literal)
    assert body["code"] == "stage_unresolved_in_pipeline"
    assert [c["pipelineName"] for c in body["candidates"]] == ["Renewals"]
    with pytest.raises(lightfield.BadRequestError) as ambiguous:
        sdk.opportunity.list(extra_query={"$stage": "Closed Won"})
    assert error_body(ambiguous.value, literal)["code"] == "ambiguous_stage_label"
    readonly = Lightfield(api_key=READONLY_KEY, base_url=served[0], max_retries=0)
    with pytest.raises(lightfield.PermissionDeniedError):
        readonly.contact.list()
    with pytest.raises(lightfield.NotFoundError):
        sdk.opportunity.retrieve("opp_cmissing000000000000")


def test_idempotent_creates_replay_one_record_per_type(sdk: Lightfield, literal: bool) -> None:
    account = sdk.account.create(fields={"$name": unique("Idempotent")}, skip_enrichment=True)
    key = {"Idempotency-Key": f"sdk-{uuid.uuid4().hex}"}
    first_contact = sdk.contact.create(fields={"$email": ["once@example.com"]}, extra_headers=key)
    replay = sdk.contact.with_raw_response.create(fields={"$email": ["once@example.com"]}, extra_headers=key)
    assert replay.parse().id == first_contact.id
    assert replay.headers.get("Idempotent-Replayed") == (None if literal else "true")
    # The same key for another type's create is another operation: it creates.
    opportunity = sdk.opportunity.create(fields={"$name": "Once", "$stage": "Proposal"},
                                         relationships={"$account": account.id}, extra_headers=key)
    again = sdk.opportunity.create(fields={"$name": "Once", "$stage": "Proposal"},
                                   relationships={"$account": account.id}, extra_headers=key)
    assert again.id == opportunity.id
    assert sdk.opportunity.list(extra_query={"$account": account.id}).total_count == 1
