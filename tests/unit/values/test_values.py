"""The canonical form of every value type: the form the API stores, reached from any documented
spelling, and unchanged when a value read back goes through it again."""

from __future__ import annotations

import pytest

from lfsync.api.records import parse_field_definition
from lfsync.values.types import FieldSpec, SelectOption, ValueProblem, canonical_value

TIER = FieldSpec("tier", "SINGLE_SELECT", options=(SelectOption("opt_smb", "SMB"), SelectOption("opt_ent", "Enterprise")))
SEGMENTS = FieldSpec("segments", "MULTI_SELECT", options=(SelectOption("opt_b", "plg"), SelectOption("opt_a", "sales-led")))


@pytest.mark.parametrize(
    "spec, declared, stored",
    [
        (FieldSpec("$name", "TEXT"), "Acme", "Acme"),
        (FieldSpec("n", "NUMBER"), 42, 42),
        (FieldSpec("n", "NUMBER"), 42.0, 42),
        (FieldSpec("n", "NUMBER"), 1.5, 1.5),
        (FieldSpec("n", "CURRENCY"), 1.10, 1.1),
        (FieldSpec("c", "CHECKBOX"), True, True),
        (FieldSpec("d", "DATETIME"), "2026-03-01T10:00:00+01:00", "2026-03-01T09:00:00.000Z"),
        (FieldSpec("d", "DATETIME"), "2026-03-01T09:00:00Z", "2026-03-01T09:00:00.000Z"),
        (FieldSpec("d", "DATETIME"), "2026-03-01T09:00:00.1234-00:30", "2026-03-01T09:30:00.123Z"),
        (FieldSpec("e", "EMAIL"), "ada@example.com", ["ada@example.com"]),
        (FieldSpec("e", "EMAIL"), [" ada@example.com", "ada@example.com", "b@example.org"], ["ada@example.com", "b@example.org"]),
        (FieldSpec("p", "TELEPHONE"), ["(415) 555-0100 x12"], ["+14155550100;ext=12"]),
        (FieldSpec("p", "TELEPHONE"), ["+47 22 33 44 55", "1 415 555 0100"], ["+4722334455", "+14155550100"]),
        (FieldSpec("p", "TELEPHONE"), ["22334455 ext: 7"], ["22334455;ext=7"]),
        (FieldSpec("u", "URL", multiple=True), ["foo.example", "https://foo.example"], ["https://foo.example"]),
        (FieldSpec("u", "URL", multiple=True), "foo.example", ["https://foo.example"]),
        (FieldSpec("u", "URL"), ["http://foo.example/x"], "http://foo.example/x"),
        (FieldSpec("a", "ADDRESS"), {"city": "Oslo", "country": "no", "state": None}, {"city": "Oslo", "country": "NO"}),
        (FieldSpec("f", "FULL_NAME"), {"firstName": "Ada", "lastName": ""}, {"firstName": "Ada"}),
        (FieldSpec("s", "SOCIAL_HANDLE", handle_service="LINKEDIN"), "linkedin.com/company/acme", "https://linkedin.com/company/acme"),
        (FieldSpec("s", "SOCIAL_HANDLE", handle_service="TWITTER"), "x.com/acme", "https://x.com/acme"),
        (TIER, "smb", "opt_smb"),
        (TIER, "Enterprise", "opt_ent"),
        (TIER, "opt_ent", "opt_ent"),
        (SEGMENTS, ["sales-led", "PLG", "opt_b"], ["opt_a", "opt_b"]),
        (FieldSpec("t", "TEXT"), None, None),
        (SEGMENTS, [], None),
        (FieldSpec("e", "EMAIL"), [], None),
    ],
)
def test_declared_forms_become_the_stored_form_and_stay_there(spec, declared, stored):
    assert canonical_value(spec, declared) == stored
    assert canonical_value(spec, stored) == stored


@pytest.mark.parametrize(
    "spec, value, message",
    [
        (FieldSpec("n", "NUMBER"), float("nan"), "expected a finite number"),
        (FieldSpec("n", "NUMBER"), float("inf"), "expected a finite number"),
        (FieldSpec("n", "NUMBER"), 10**400, "a 401-digit number is out of range"),
        (FieldSpec("n", "NUMBER"), 2**53, "out of range"),
        (FieldSpec("n", "NUMBER"), 1.23456, "more than 2 decimals"),
        (FieldSpec("n", "NUMBER"), True, "expected a number, found the boolean true"),
        (FieldSpec("d", "DATETIME"), "2026-03-01T09:00:00", "has no UTC offset"),
        (FieldSpec("u", "URL"), ["a.example", "b.example"], "holds one URL, but 2 are given"),
        (FieldSpec("u", "URL", multiple=True), "ftp://files.example", "is not a web address"),
        (FieldSpec("p", "TELEPHONE"), "+4722334455", "expected a list of text"),
        (FieldSpec("p", "TELEPHONE"), ["+0123"], "is not a telephone number"),
        (FieldSpec("e", "EMAIL"), ["nobody"], "is not an email address"),
        (FieldSpec("a", "ADDRESS"), "Oslo", "expected a mapping"),
        (TIER, "Gold", "'Gold' is not an option"),
        (TIER, "opt_other", "'opt_other' is not an option"),
        (FieldSpec("m", "MARKDOWN"), "text", "cannot be written through the API"),
        (FieldSpec("r", "SINGLE_SELECT", read_only=True), "x", "read-only"),
    ],
)
def test_values_the_api_refuses_are_problems(spec, value, message):
    with pytest.raises(ValueProblem, match=message):
        canonical_value(spec, value)


def test_field_specs_read_the_wire_definitions():
    definition = parse_field_definition(
        "$website", {"valueType": "URL", "typeConfiguration": {"multipleValues": True}, "readOnly": False}, "GET /v1/accounts/definitions"
    )
    spec = FieldSpec.from_definition(definition)
    assert spec == FieldSpec("$website", "URL", multiple=True)
    assert TIER.label_of("opt_ent") == "Enterprise" and TIER.option_for("ENTERPRISE") == SelectOption("opt_ent", "Enterprise")


URL_SPELLINGS = [
    "acme.example", "https://acme.example", "HTTP://ACME.EXAMPLE/Path?q=1#top", "http://a.b", "sub.acme.example/x/y",
    "a-b.c-d.example?x", "https.example.com", "acme.example:8080", " acme.example ", "acme.example/ path", "localhost",
    "https://localhost", "ftp://files.example", "https://user@acme.example", "https://[::1]/", "acme..example",
    "-acme.example", "acme.example.", "https://acme.example/ä", "xn--bcher-kva.example", "https://acme.example\t",
    "https:/acme.example", "https://", "", "acme", "https://acme.example/a b", "mailto:ada@acme.example",
]


@pytest.mark.parametrize("text", URL_SPELLINGS)
def test_the_url_fast_path_gives_what_the_full_check_gives(text):
    from lfsync.values.types import _checked_url, _one_url

    def outcome(check):
        try:
            return check(text)
        except ValueProblem as problem:
            return f"refused: {problem}"

    assert outcome(_one_url) == outcome(_checked_url)


@pytest.mark.parametrize("number", [0, -1, 2**53 - 1, -(2**53 - 1)])
def test_whole_numbers_within_the_safe_range_are_kept_as_they_are(number):
    assert canonical_value(FieldSpec("n", "NUMBER"), number) == number


@pytest.mark.parametrize("number", [2**53, -(2**53), True])
def test_whole_numbers_beyond_the_safe_range_and_booleans_are_refused(number):
    with pytest.raises(ValueProblem):
        canonical_value(FieldSpec("n", "NUMBER"), number)
