"""The value comparison --refresh uses: a value read back in the API's spelling is not drift."""

from __future__ import annotations

from lfsync.api.records import parse_record
from lfsync.remote.refresh import observed_payload, same_value
from lfsync.values.types import FieldSpec, SelectOption

SELECT = FieldSpec("$industry", "MULTI_SELECT", options=(SelectOption("opt_1", "Software"), SelectOption("opt_2", "Retail")))


def test_select_labels_equal_their_option_ids():
    assert same_value(["Software"], ["opt_1"], SELECT)
    assert same_value(["software", "retail"], ["opt_2", "opt_1"], SELECT)
    assert not same_value(["Software"], ["opt_2"], SELECT)


def test_datetimes_compare_as_instants():
    definition = FieldSpec("d", "DATETIME")
    assert same_value("2026-01-02T03:04:05+02:00", "2026-01-02T01:04:05.000Z", definition)
    assert not same_value("2026-01-02T03:04:05+02:00", "2026-01-02T03:04:05.000Z", definition)


def test_numbers_compare_by_value():
    assert same_value(1.5, 1.50, FieldSpec("n", "NUMBER")) and same_value(2, 2.0, FieldSpec("n", "NUMBER"))
    assert not same_value(1.01, 1.0, FieldSpec("n", "CURRENCY"))


def test_address_compares_the_parts_we_manage_only():
    definition = FieldSpec("a", "ADDRESS")
    assert same_value({"city": "Oslo"}, {"city": "Oslo", "country": "NO"}, definition)
    assert same_value({"city": "Oslo", "country": "no"}, {"city": "Oslo", "country": "NO"}, definition)
    assert not same_value({"city": "Oslo"}, {"city": "Bergen"}, definition)


def test_single_urls_and_emails_equal_lists_of_one():
    assert same_value("https://a.example", ["https://a.example"], FieldSpec("u", "URL", multiple=True))
    assert same_value(["a.example"], ["https://a.example"], FieldSpec("u", "URL", multiple=True))
    assert same_value(["a@b.example"], "a@b.example", FieldSpec("e", "EMAIL"))


def test_telephone_numbers_compare_in_their_normalised_form():
    assert same_value(["(415) 555-0100"], ["+14155550100"], FieldSpec("p", "TELEPHONE"))
    assert not same_value(["(415) 555-0100"], ["+14155550101"], FieldSpec("p", "TELEPHONE"))


def test_other_values_compare_exactly():
    assert same_value("x", "x", FieldSpec("t", "TEXT")) and not same_value("x", "X", FieldSpec("t", "TEXT"))


def test_observed_payload_keeps_my_spelling_when_equal_and_theirs_when_not():
    applied = {"fields": {"$industry": ["Software"], "tier": "smb", "gone": "x"}, "relationships": {"$owner": "mem_1"}}
    record = parse_record({
        "id": "acc_1",
        "fields": {"$industry": {"value": ["opt_1"]}, "tier": {"value": "enterprise"}},
        "relationships": {"$owner": {"values": ["mem_2"]}},
    }, "GET /v1/accounts/acc_1")
    definitions = {"$industry": SELECT, "tier": FieldSpec("tier", "TEXT")}
    assert observed_payload(applied, record, definitions) == {
        "fields": {"$industry": ["Software"], "tier": "enterprise"},
        "relationships": {"$owner": "mem_2"},
    }


def test_self_referential_relationships_read_the_source_direction():
    relationship = {"values": ["acc_parent", "acc_child"], "directions": {"asSource": {"values": ["acc_parent"]}}}
    record = parse_record({"id": "acc_1", "relationships": {"parentAccount": relationship}}, "GET /v1/accounts/acc_1")
    applied = {"fields": {}, "relationships": {"parentAccount": "acc_parent"}}
    assert observed_payload(applied, record, {}) == applied
