"""Records' names as plans show them, whatever kind they are."""

from __future__ import annotations

from lfsync.values.names import name_text, record_name


def test_a_name_is_text_or_a_full_names_parts_joined():
    assert name_text("Acme Corp") == "Acme Corp"
    assert name_text({"firstName": "Ada", "lastName": "Lovelace"}) == "Ada Lovelace"
    assert name_text({"lastName": "Hopper"}) == "Hopper" and name_text({"firstName": "", "lastName": None}) is None
    assert name_text(None) is None and name_text(["Acme"]) is None


def test_a_record_without_a_name_is_known_by_its_first_email():
    assert record_name({"$name": {"firstName": "Eve"}, "$email": ["eve@example.com"]}) == "Eve"
    assert record_name({"$email": ["eve@example.com", "e@example.org"]}) == "eve@example.com"
    assert record_name({}) == ""
