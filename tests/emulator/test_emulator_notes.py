"""Notes through the official SDK (`client.note`) against the emulator over HTTP, in both API modes:
definitions, create, read, update with add/remove (never replace), filters, paging, trash and
restore, the author, the computed `$note` side of accounts and opportunities, scopes and the
refusals (decision 30)."""

from __future__ import annotations

from typing import Any

import pytest
from lightfield.types import NoteCreateResponse, NoteDefinitionsResponse, NoteListResponse, NoteUpdateResponse

from .conftest import RATE_LIMIT_BY_CATEGORY, ServedSdk, refusal
from .emulator_helpers import CONTACT, OTHER_CONTACT, OWNER, READONLY_KEY, new_account, unique


def test_definitions(served_sdk: ServedSdk) -> None:
    definitions = served_sdk.sdk.note.definitions()
    assert isinstance(definitions, NoteDefinitionsResponse) and definitions.object_type == "note"
    assert {k: f.value_type for k, f in definitions.field_definitions.items()} == {
        "$title": "TEXT", "$content": "MARKDOWN"}
    assert {k: (r.cardinality, r.object_type) for k, r in definitions.relationship_definitions.items()} == {
        "$account": ("HAS_MANY", "account"), "$opportunity": ("HAS_MANY", "opportunity"),
        "$contact": ("HAS_MANY", "contact"), "$meeting": ("HAS_MANY", "meeting"), "$author": ("HAS_ONE", "member")}


def test_note_lifecycle_links_and_author(served_sdk: ServedSdk) -> None:
    sdk = served_sdk.sdk
    account, other_account = new_account(sdk), new_account(sdk)
    opportunity = sdk.opportunity.create(fields={"$name": unique("Deal"), "$stage": "Proposal"},
                                         relationships={"$account": account}).id
    note = sdk.note.create(fields={"$title": "Kick-off", "$content": "# Agenda\n- pricing"},
                           relationships={"$account": account, "$contact": [CONTACT, OTHER_CONTACT]})
    assert isinstance(note, NoteCreateResponse) and note.id.startswith("note_c")
    assert note.fields["$content"].value == "# Agenda\n- pricing" and note.fields["$content"].value_type == "MARKDOWN"
    assert note.relationships["$author"].values == [OWNER]  # the full key's member
    assert note.relationships["$contact"].values == [CONTACT, OTHER_CONTACT]
    assert sdk.account.retrieve(account).relationships["$note"].values == [note.id]

    updated = sdk.note.update(note.id, fields={"$content": None},
                              relationships={"$account": {"add": other_account},
                                             "$opportunity": {"add": [opportunity]},
                                             "$contact": {"remove": OTHER_CONTACT}})
    assert isinstance(updated, NoteUpdateResponse) and "$content" not in updated.fields
    assert updated.relationships["$account"].values == [account, other_account]
    assert updated.relationships["$contact"].values == [CONTACT]
    assert sdk.opportunity.retrieve(opportunity).relationships["$note"].values == [note.id]
    assert sdk.account.retrieve(other_account).relationships["$note"].values == [note.id]
    removed = sdk.note.update(note.id, relationships={"$account": {"remove": account}})
    assert removed.relationships["$account"].values == [other_account]
    assert sdk.account.retrieve(account).relationships["$note"].values == []


def test_filters_paging_trash_and_restore(served_sdk: ServedSdk) -> None:
    sdk = served_sdk.sdk
    account = new_account(sdk)
    made = [sdk.note.create(fields={"$title": title}, relationships={"$account": account}).id
            for title in ("Call 1", "Call 2", "Lunch")]
    mine = {"$note-account[contains]": account}
    listed = sdk.note.list(limit=2, extra_query=mine)
    assert isinstance(listed, NoteListResponse) and listed.total_count == 3
    assert [n.id for n in listed.data] == [made[2], made[1]]
    assert [n.id for n in sdk.note.list(offset=2, extra_query=mine).data] == [made[0]]
    assert [n.id for n in sdk.note.list(extra_query={**mine, "$title[startsWith]": "call"}).data] == made[1::-1]

    sdk.note.delete(made[0])
    assert [n.id for n in sdk.note.list(extra_query=mine).data] == [made[2], made[1]]
    assert made[0] in [n.id for n in sdk.note.list(status="trashed", limit=25).data]
    assert sdk.account.retrieve(account).relationships["$note"].values == made[1:]
    assert refusal(served_sdk, lambda: sdk.note.update(made[0], fields={"$title": "x"}))[0] == 404
    assert sdk.note.restore(made[0]).id == made[0]
    assert sdk.account.retrieve(account).relationships["$note"].values == made


@pytest.mark.parametrize(
    "fields, relationships, expected",
    [
        ({"$content": "no title"}, {}, (422, "parameter_missing", "fields.title")),
        ({"$title": "  "}, {}, (422, "parameter_missing", "fields.title")),
        ({"$title": "x", "$body": "wrong key"}, {}, (400, "unknown_field", None)),
        ({"$title": "x"}, {"$meeting": "meet_cnothing0000000000000"},
         (422, "relationship_entity_missing", "relationships.$meeting")),
        ({"$title": "x"}, {"$account": CONTACT}, (400, "invalid_type", "relationships.$account")),
        ({"$title": "x"}, {"$author": OWNER}, (422, "invalid_configuration", "relationships.$author")),
    ],
)
def test_refused_creates(served_sdk: ServedSdk, fields: dict[str, Any], relationships: dict[str, Any],
                         expected: tuple[int, str, str | None]) -> None:
    status, code, param = refusal(served_sdk, lambda: served_sdk.sdk.note.create(fields=fields,
                                                                                relationships=relationships))
    assert (status, code) == expected[:2] and (expected[2] is None or param == expected[2])


def test_replace_is_refused_and_changes_nothing(served_sdk: ServedSdk) -> None:
    sdk = served_sdk.sdk
    account = new_account(sdk)
    note = sdk.note.create(fields={"$title": unique("Note")}, relationships={"$account": account})
    assert refusal(served_sdk, lambda: sdk.note.update(
        note.id, relationships={"$account": {"replace": new_account(sdk)}})) == (
        400, "invalid_type", "relationships.$account")
    assert refusal(served_sdk, lambda: sdk.note.update(
        note.id, relationships={"$account": {"add": account, "replace": None}}))[:2] == (400, "invalid_type")
    assert sdk.note.retrieve(note.id).relationships["$account"].values == [account]


def test_scopes_idempotency_and_rate_categories(served_sdk: ServedSdk) -> None:
    sdk = served_sdk.sdk
    key = {"Idempotency-Key": unique("note").replace(" ", "-")}
    first = sdk.note.with_raw_response.create(fields={"$title": "Once"}, extra_headers=key)
    again = sdk.note.with_raw_response.create(fields={"$title": "Once"}, extra_headers=key)
    assert first.parse().id == again.parse().id
    assert first.headers["X-RateLimit-Limit"] == RATE_LIMIT_BY_CATEGORY["Write"]
    assert sdk.note.with_raw_response.definitions().headers["X-RateLimit-Limit"] == RATE_LIMIT_BY_CATEGORY["Read"]
    readonly = served_sdk.with_key(READONLY_KEY)
    assert refusal(served_sdk, lambda: readonly.note.list())[0] == 403
