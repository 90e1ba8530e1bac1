"""One table of documented value examples, checked against lfsync's rules and the emulator's.

lfsync (`lfsync.values.types.canonical_value`) and the emulator (`lfsync/emulator/values.py`,
phones.py, weblinks.py, datetimes.py) hold separate readings of Lightfield's value rules, so
that a wrong rule on one side shows up here as a disagreement with the docs instead of being
shared. Each row names its source: `api` = lightfield-api.md "Field value types", `forms` = its
"Documented forms lfsync must accept", `P-ft` = the Lightfield plugin's field-types.md (cited
in lightfield-api-objects.md), `decision 18` = where the docs are silent and the emulator
decides (lfsync/emulator/decisions.py). The emulator side goes through its HTTP API, in both
API modes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from lfsync.api.records import parse_field_definition
from lfsync.emulator.fixture import DEFAULT_ORG_FIXTURE, load_organisation
from lfsync.values.types import FieldSpec, ValueProblem, canonical_value

from .emulator_helpers import error_of, value

REFUSED = "refused"  # the write is refused: 400 invalid_type (422 for an option ID or read-only field)
SINGLE_URL_FIELD = "homepage"  # a single-valued URL field, added to the default organisation here


@dataclass(frozen=True)
class Option:
    """The ID of a select option, named by its field and label (IDs come from the fixture)."""

    field: str
    label: str


@dataclass(frozen=True)
class Row:
    field: str
    written: Any
    stored: Any  # the form read back; None = the field is cleared; REFUSED
    source: str


EXAMPLES = [
    # TEXT
    Row("region", "EMEA", "EMEA", "api: TEXT takes a string"),
    Row("region", 42, REFUSED, "api: TEXT takes a string"),
    # NUMBER, CURRENCY
    Row("icp-score", 42, 42, "api: NUMBER takes a number"),
    Row("icp-score", 1.25, 1.25, "api: NUMBER, at most 2 decimals"),
    Row("icp-score", 1.234, REFUSED, "api: NUMBER, at most 2 decimals"),
    Row("icp-score", 2**53 - 1, 2**53 - 1, "api: NUMBER, safe-integer range"),
    Row("icp-score", -(2**53 - 1), -(2**53 - 1), "api: NUMBER, safe-integer range"),
    Row("icp-score", 2**53, REFUSED, "api: NUMBER, safe-integer range"),
    Row("icp-score", 3.0, 3, "decision 18: a whole number reads back as an integer"),
    Row("icp-score", "42", REFUSED, "api: NUMBER takes a number"),
    Row("icp-score", True, REFUSED, "api: NUMBER takes a number"),
    Row("annualRevenue", 1000000.5, 1000000.5, "api: CURRENCY takes a number"),
    Row("annualRevenue", 10.005, REFUSED, "api: CURRENCY is a NUMBER: at most 2 decimals"),
    Row("annualRevenue", None, None, "api: CURRENCY takes a number or null"),
    # CHECKBOX
    Row("isPartner", True, True, "api: CHECKBOX takes a bool"),
    Row("isPartner", False, False, "api: CHECKBOX takes a bool"),
    Row("isPartner", "yes", REFUSED, "api: CHECKBOX takes a bool"),
    Row("isPartner", None, None, "api: CHECKBOX takes a bool or null"),
    # DATETIME
    Row("renewalDate", "2026-03-16T12:00:00+00:00", "2026-03-16T12:00:00.000Z", "P-ft: the DATETIME example; api: stored UTC"),
    Row("renewalDate", "2026-03-01T10:00:00+01:00", "2026-03-01T09:00:00.000Z", "api: with offset, stored UTC"),
    Row("renewalDate", "2026-06-30T23:30:00-05:00", "2026-07-01T04:30:00.000Z", "api: with offset, stored UTC"),
    Row("renewalDate", "2026-03-01T09:00:00Z", "2026-03-01T09:00:00.000Z", "api: ISO 8601 with offset (Z)"),
    Row("renewalDate", "2026-03-01T09:00:00.123456Z", "2026-03-01T09:00:00.123Z", "decision 18: milliseconds"),
    Row("renewalDate", "2026-03-01T09:00Z", "2026-03-01T09:00:00.000Z", "api: ISO 8601 (seconds optional)"),
    Row("renewalDate", "2026-03-01T10:00:00+0100", "2026-03-01T09:00:00.000Z", "api: ISO 8601 offset +HHMM"),
    Row("renewalDate", "20260301T100000+01", "2026-03-01T09:00:00.000Z", "api: ISO 8601 basic format, offset +HH"),
    Row("renewalDate", "2026-03-01T09Z", "2026-03-01T09:00:00.000Z", "api: ISO 8601 (minutes optional)"),
    Row("renewalDate", "2026-03-01T09:00:00,5Z", "2026-03-01T09:00:00.500Z", "api: ISO 8601 (a decimal comma)"),
    Row("renewalDate", "2026-06-30T00:00:00", REFUSED, "api: ISO 8601 *with offset*"),
    Row("renewalDate", "2026-03-01T0930Z", REFUSED, "api: ISO 8601 (extended and basic not mixed)"),
    Row("renewalDate", "2026-03-01T09:30:00+01:00:00", REFUSED, "api: ISO 8601 (an offset has no seconds)"),
    Row("renewalDate", "2026-03-01T09:30:00.Z", REFUSED, "api: ISO 8601 (a fraction has digits)"),
    Row("renewalDate", "2026-W09-1T09:00:00Z", REFUSED, "decision 18: calendar dates only"),
    Row("renewalDate", "0001-01-01T00:00:00+01:00", REFUSED, "api: stored UTC (this instant has no UTC form)"),
    Row("renewalDate", "2026-06-30", REFUSED, "api: a date-time, with offset"),
    Row("renewalDate", "2026-02-30T00:00:00Z", REFUSED, "api: ISO 8601 (no February 30)"),
    Row("renewalDate", "next year", REFUSED, "api: ISO 8601 with offset"),
    Row("renewalDate", 1772355600, REFUSED, "api: DATETIME is an ISO 8601 string"),
    # EMAIL
    Row("billingEmail", ["billing@acme.com"], ["billing@acme.com"], "api: EMAIL takes a list"),
    Row("billingEmail", "billing@acme.com", ["billing@acme.com"], "api: EMAIL takes a string; decision 18: read back as a list"),
    Row("billingEmail", ["a@acme.com", "b@acme.com"], ["a@acme.com", "b@acme.com"], "api: EMAIL takes a list"),
    Row("billingEmail", "not-an-email", REFUSED, "decision 18: an address has an @ and a dotted domain"),
    Row("billingEmail", ["a@acme..com"], REFUSED, "decision 18: a dotted domain has no empty label"),
    Row("billingEmail", [], None, "decision 18: an empty list clears"),
    Row("billingEmail", None, None, "api: EMAIL takes null"),
    # TELEPHONE
    Row("phone", ["+12025551234"], ["+12025551234"], "P-ft: the E.164 example"),
    Row("phone", ["+1 (202) 555-1234"], ["+12025551234"], "forms: the API normalises phones to E.164"),
    Row("phone", ["(202) 555-1234"], ["+12025551234"], "api: without +, tried as a US number"),
    Row("phone", ["1-202-555-1234"], ["+12025551234"], "api: a US number; decision 18: with its country code 1"),
    Row("phone", ["+12025551234 x100"], ["+12025551234;ext=100"], "P-ft: x100 becomes ;ext=100"),
    Row("phone", ["+12025551234 ext:100"], ["+12025551234;ext=100"], "P-ft: ext:100 becomes ;ext=100"),
    Row("phone", ["+12025551234#100"], ["+12025551234;ext=100"], "P-ft: #100 becomes ;ext=100"),
    Row("phone", ["2025551234 x100"], ["+12025551234;ext=100"], "P-ft: a US number with an extension"),
    Row("phone", ["+12025551234;ext=100"], ["+12025551234;ext=100"], "forms: the stored form written back"),
    Row("phone", ["+47 22 12 34 56"], ["+4722123456"], "api: + must be valid E.164"),
    Row("phone", ["5551234"], ["5551234"], "api: else a 7-15 digit local number"),
    Row("phone", ["022 123 4567"], ["0221234567"], "api: not US (starts with 0), so local digits"),
    Row("phone", ["202-155-1234"], ["2021551234"], "api: not US (exchange 155; NANP exchanges start 2-9), so local"),
    Row("phone", ["+0123456789"], REFUSED, "api: valid E.164 (a country code does not start with 0)"),
    Row("phone", ["+1234567890123456"], REFUSED, "api: valid E.164 (at most 15 digits)"),
    Row("phone", ["+1234567"], REFUSED, "decision 18: a + number has 8-15 digits"),
    Row("phone", ["12"], REFUSED, "api: a local number has 7-15 digits"),
    Row("phone", ["1234567890123456"], REFUSED, "api: a local number has 7-15 digits"),
    Row("phone", ["\uff15\uff15\uff15\uff11\uff12\uff13\uff14"], REFUSED, "decision 18: ASCII digits"),
    Row("phone", ["call us"], REFUSED, "api: TELEPHONE is validated on write"),
    Row("phone", "+12025551234", REFUSED, "forms: TELEPHONE takes string[] (a bare string is refused)"),
    Row("phone", [], None, "decision 18: an empty list clears"),
    # URL
    Row("$website", ["https://acme.com"], ["https://acme.com"], "api: $website is multi-valued"),
    Row("$website", ["acme.com"], ["https://acme.com"], "forms: the API adds https:// to URLs"),
    Row("$website", "acme.com", ["https://acme.com"], "api: URL takes a string; $website is multi-valued"),
    Row("$website", ["http://acme.com/about"], ["http://acme.com/about"], "forms: https:// only when no scheme"),
    Row("$website", ["www.acme.com/a?b=1"], ["https://www.acme.com/a?b=1"], "forms: the API adds https://"),
    Row("$website", ["not a url"], REFUSED, "decision 18: a web address"),
    Row("$website", ["ftp://acme.com"], REFUSED, "decision 18: http or https only"),
    Row("$website", ["localhost"], REFUSED, "decision 18: a host with a dot"),
    Row("$website", ["https://acme..com"], REFUSED, "decision 18: a host has no empty label"),
    Row("$website", ["https://acme.com:99999"], REFUSED, "decision 18: a port within 0-65535"),
    Row("$website", [], None, "decision 18: an empty list clears"),
    Row(SINGLE_URL_FIELD, "acme.com", "https://acme.com", "forms: the API adds https://"),
    Row(SINGLE_URL_FIELD, ["acme.com"], "https://acme.com", "decision 18: a single URL reads back as a string"),
    Row(SINGLE_URL_FIELD, ["a.com", "b.com"], REFUSED, "decision 18: a single-valued URL holds one"),
    # ADDRESS
    Row("$primaryAddress",
        {"street": "123 Main St", "city": "San Francisco", "state": "CA", "postalCode": "94105", "country": "US"},
        {"street": "123 Main St", "city": "San Francisco", "state": "CA", "postalCode": "94105", "country": "US"},
        "P-ft: the ADDRESS example"),
    Row("$primaryAddress", {"city": "Oslo", "country": "no"}, {"city": "Oslo", "country": "NO"}, "decision 18: country upper-cased"),
    Row("$primaryAddress", {"latitude": 59.91, "longitude": 10.75}, {"latitude": 59.91, "longitude": 10.75}, "api: all parts optional"),
    Row("$primaryAddress", {"city": None}, None, "api: all parts optional; decision 18: nothing left clears"),
    Row("$primaryAddress", {"country": "NOR"}, REFUSED, "api: country exactly 2 letters"),
    Row("$primaryAddress", {"country": "N1"}, REFUSED, "api: country exactly 2 letters"),
    Row("$primaryAddress", {"latitude": 91}, REFUSED, "decision 18: latitude within +/-90"),
    Row("$primaryAddress", {"planet": "Earth"}, REFUSED, "api: the documented parts only"),
    Row("$primaryAddress", "Oslo", REFUSED, "api: ADDRESS is an object"),
    Row("$primaryAddress", None, None, "P-ft: null clears every part"),
    # FULL_NAME
    Row("champion", {"firstName": "Ada", "lastName": "Lovelace"}, {"firstName": "Ada", "lastName": "Lovelace"}, "api: FULL_NAME"),
    Row("champion", {"firstName": "Ada"}, {"firstName": "Ada"}, "objects: both parts optional"),
    Row("champion", {"nickname": "Al"}, REFUSED, "api: {firstName, lastName}"),
    Row("champion", "Ada Lovelace", REFUSED, "objects: a FULL_NAME is not a string"),
    # SOCIAL_HANDLE
    Row("$twitter", "https://x.com/acme", "https://x.com/acme", "P-ft: https://x.com/{user}"),
    Row("$twitter", "x.com/acme", "https://x.com/acme", "decision 18: https:// added"),
    Row("$twitter", "https://linkedin.com/in/acme", REFUSED, "P-ft: must match the field's handleService"),
    Row("$linkedIn", "https://linkedin.com/in/ada-lovelace", "https://linkedin.com/in/ada-lovelace", "P-ft: linkedin.com/in/{slug}"),
    Row("$linkedIn", "https://www.linkedin.com/company/acme", "https://www.linkedin.com/company/acme", "P-ft: /company/{slug}"),
    Row("$linkedIn", "https://uk.linkedin.com/in/ada", "https://uk.linkedin.com/in/ada", "P-ft: regional subdomains accepted"),
    Row("$linkedIn", "https://www.linkedin.com/in/ada?trk=public", "https://www.linkedin.com/in/ada?trk=public",
        "P-ft: query strings accepted"),
    Row("$linkedIn", "https://linkedin.com/school/acme", REFUSED, "api: linkedin.com/in/ or /company/"),
    Row("$linkedIn", 42, REFUSED, "api: a profile URL"),
    Row("$linkedIn", None, None, "api: SOCIAL_HANDLE takes null"),
    Row("$facebook", "https://facebook.com/acme", "https://facebook.com/acme", "P-ft: https://facebook.com/{user}"),
    Row("$facebook", "https://de-de.facebook.com/acme", "https://de-de.facebook.com/acme", "P-ft: regional subdomains accepted"),
    Row("$facebook", "https://facebook.com/pages/Acme/123", "https://facebook.com/pages/Acme/123", "decision 18: a path under facebook.com"),
    Row("$facebook", "https://facebook.com//", REFUSED, "decision 18: no empty path segment"),
    Row("$twitter", "https://m.x.com/acme", "https://m.x.com/acme", "decision 18: www. and m. accepted like regional subdomains"),
    Row("$instagram", "https://www.instagram.com/acme", "https://www.instagram.com/acme", "P-ft: https://www.instagram.com/{user}"),
    Row("$instagram", "https://instagram.com/", REFUSED, "api: a profile URL (a user in it)"),
    # SINGLE_SELECT, MULTI_SELECT
    Row("tier", "enterprise", Option("tier", "enterprise"), "api: a label, read back as the option ID"),
    Row("tier", "ENTERPRISE", Option("tier", "enterprise"), "forms: labels match without regard to case"),
    Row("tier", Option("tier", "smb"), Option("tier", "smb"), "api: an option ID"),
    Row("tier", " enterprise ", REFUSED, "forms: labels match regardless of case (nothing else is folded)"),
    Row("tier", "platinum", REFUSED, "api: an option ID or label"),
    Row("tier", "opt_cdoesnotexist00000000", REFUSED, "api: an option ID of the field"),
    Row("tier", None, None, "api: SINGLE_SELECT takes null"),
    Row("$industry", ["Software", "fintech"], [Option("$industry", "Software"), Option("$industry", "Fintech")],
        "api: MULTI_SELECT labels read back as IDs"),
    Row("$industry", "Software", REFUSED, "api: MULTI_SELECT takes a list"),
    Row("$industry", ["Software", "Alchemy"], REFUSED, "api: option IDs or labels"),
    Row("$industry", [], None, "decision 18: an empty list clears"),
    # not writable
    Row("accountPlan", "# plan", REFUSED, "api: MARKDOWN is not writable"),
    Row("$accountStatus", "Prospect", REFUSED, "api: $accountStatus is read-only"),
]


def _row_id(row: Row) -> str:
    return f"{row.field}={row.written!r}"[:60]


@pytest.fixture(scope="module")
def org_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default organisation with one more field: a single-valued URL."""
    yaml = YAML(typ="safe")
    data = yaml.load(DEFAULT_ORG_FIXTURE.read_text(encoding="utf-8"))
    data["accounts"]["customFields"][SINGLE_URL_FIELD] = {"label": "Homepage", "valueType": "URL"}
    path = tmp_path_factory.mktemp("org") / "org.yaml"
    with path.open("w", encoding="utf-8") as file:
        yaml.dump(data, file)
    return path


@pytest.fixture(scope="module")
def definitions(org_fixture: Path) -> dict[str, dict[str, Any]]:
    """The organisation's field definitions, in their wire form (what lfsync reads)."""
    return load_organisation(org_fixture).schema.definitions_wire()["fieldDefinitions"]


def _resolve(definitions: dict[str, dict[str, Any]], item: Any) -> Any:
    """`item` with every Option replaced by its option ID."""
    if isinstance(item, list):
        return [_resolve(definitions, element) for element in item]
    if isinstance(item, Option):
        options = definitions[item.field]["typeConfiguration"]["options"]
        return next(option["id"] for option in options if option["label"] == item.label)
    return item


def _comparable(row: Row, stored: Any) -> Any:
    """Multi-select IDs in any order: the order is not documented, and lfsync compares without it."""
    return sorted(stored) if row.field == "$industry" and isinstance(stored, list) else stored


@pytest.mark.parametrize("row", EXAMPLES, ids=_row_id)
def test_lfsync_holds_the_documented_form(row: Row, definitions) -> None:
    spec = FieldSpec.from_definition(parse_field_definition(row.field, definitions[row.field], "GET /v1/accounts/definitions"))
    written, expected = _resolve(definitions, row.written), _resolve(definitions, row.stored)
    if expected == REFUSED:
        with pytest.raises(ValueProblem):
            canonical_value(spec, written)
        return
    assert _comparable(row, canonical_value(spec, written)) == _comparable(row, expected), row.source


@pytest.mark.anyio
@pytest.mark.parametrize("row", EXAMPLES, ids=_row_id)
async def test_emulator_stores_the_documented_form(row: Row, connect, org_fixture, definitions) -> None:
    written, expected = _resolve(definitions, row.written), _resolve(definitions, row.stored)
    async with connect(org_fixture=org_fixture) as client:
        response = await client.post("/v1/accounts", json={"fields": {"$name": "Documented", row.field: written}})
    if expected == REFUSED:
        status, code, param = error_of(response)
        assert (status, code) in {(400, "invalid_type"), (422, "referenced_resource_missing"),
                                  (422, "invalid_configuration")}, (row.source, response.text)
        assert param is not None and param.startswith(f"fields.{row.field}"), param
        return
    assert response.status_code == 200, (row.source, response.text)
    assert _comparable(row, value(response.json(), row.field)) == _comparable(row, expected), row.source


def test_every_value_type_has_documented_examples(definitions) -> None:
    """The table covers every writable value type the emulator knows, and each row names a source."""
    covered = {definitions[row.field]["valueType"] for row in EXAMPLES}
    assert covered >= {
        "TEXT", "NUMBER", "CURRENCY", "CHECKBOX", "DATETIME", "EMAIL", "TELEPHONE", "URL", "ADDRESS",
        "FULL_NAME", "SOCIAL_HANDLE", "SINGLE_SELECT", "MULTI_SELECT",
    }
    assert all(row.source.split(":")[0] in {"api", "forms", "P-ft", "objects", "decision 18"} for row in EXAMPLES)
