"""The records an organisation starts with: the fixture's contacts, stored as contact records the
first time a database is served (decision 10), so accounts and opportunities can link to them and
lists, filters and history treat them like any contact."""

from __future__ import annotations

from datetime import datetime

from . import decisions
from .fixture import Contact, Organisation
from .store import RecordRow, Store


def seed_fixture_records(org: Organisation, store: Store) -> None:
    """Store each fixture contact the database does not hold yet (a reopened database keeps its own)."""
    created_at = decisions.FIXTURE_RECORD_CREATED_AT
    written_at = datetime.fromisoformat(created_at.replace("Z", "+00:00")).timestamp()
    with store.transaction():
        for contact in org.contacts.values():
            if store.get("contact", contact.id) is None:
                row = RecordRow(id=contact.id, created_at=created_at, updated_at=created_at,
                                trashed=contact.trashed, fields=_fields(contact))
                store.save("contact", row, written_at)


def _fields(contact: Contact) -> dict[str, object]:
    name = {key: value for key, value in (("firstName", contact.first_name), ("lastName", contact.last_name)) if value}
    fields: dict[str, object] = {}
    if name:
        fields["$name"] = name
    if contact.email:
        fields["$email"] = [contact.email]
    return fields
