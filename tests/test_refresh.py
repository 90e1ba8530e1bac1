"""The value comparison --refresh uses: a value read back in the API's spelling is not drift."""

from __future__ import annotations

from lfsync.refresh import observed_payload, same_value, written_values

SELECT = {"valueType": "MULTI_SELECT", "typeConfiguration": {"options": [{"id": "opt_1", "label": "Software"}]}}


def test_select_labels_equal_their_option_ids():
    assert same_value(["Software"], ["opt_1"], SELECT)
    assert not same_value(["Software"], ["opt_2"], SELECT)


def test_datetimes_compare_as_instants():
    definition = {"valueType": "DATETIME"}
    assert same_value("2026-01-02T03:04:05+02:00", "2026-01-02T01:04:05.000Z", definition)
    assert not same_value("2026-01-02T03:04:05+02:00", "2026-01-02T03:04:05.000Z", definition)


def test_numbers_within_a_cent_are_equal():
    assert same_value(1.004, 1.0, {"valueType": "NUMBER"})
    assert not same_value(1.01, 1.0, {"valueType": "CURRENCY"})


def test_address_compares_the_parts_we_manage_only():
    definition = {"valueType": "ADDRESS"}
    assert same_value({"city": "Oslo"}, {"city": "Oslo", "country": "NO"}, definition)
    assert not same_value({"city": "Oslo"}, {"city": "Bergen"}, definition)


def test_single_urls_and_emails_equal_lists_of_one():
    assert same_value("https://a.example", ["https://a.example"], {"valueType": "URL"})
    assert same_value(["a@b.example"], "a@b.example", {"valueType": "EMAIL"})


def test_telephone_is_compared_for_presence_only():
    assert same_value("+1 (555) 010-0000", "+15550100000", {"valueType": "TELEPHONE"})


def test_other_values_compare_exactly():
    assert same_value("x", "x", {"valueType": "TEXT"}) and not same_value("x", "X", {"valueType": "TEXT"})


def test_observed_payload_keeps_my_spelling_when_equal_and_theirs_when_not():
    applied = {"fields": {"$industry": ["Software"], "tier": "smb", "gone": "x"}, "relationships": {"$owner": "mem_1"}}
    record = {
        "fields": {"$industry": {"value": ["opt_1"]}, "tier": {"value": "enterprise"}},
        "relationships": {"$owner": {"values": ["mem_2"]}},
    }
    definitions = {"$industry": SELECT, "tier": {"valueType": "TEXT"}}
    assert observed_payload(applied, record, definitions) == {
        "fields": {"$industry": ["Software"], "tier": "enterprise"},
        "relationships": {"$owner": "mem_2"},
    }


def test_self_referential_relationships_read_the_source_direction():
    relationship = {"values": ["acc_parent", "acc_child"], "directions": {"asSource": {"values": ["acc_parent"]}}}
    assert written_values(relationship) == ["acc_parent"]
