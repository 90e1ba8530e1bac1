"""Online checks of declarations against a GET /v1/accounts/definitions response."""

from __future__ import annotations

import copy
import textwrap

import pytest

from lfsync.declare.declarations import load_declarations
from lfsync.errors import DeclarationError
from lfsync.values.check import check_against_definitions


def field(value_type: str, **type_configuration) -> dict:
    return {"label": value_type.title(), "valueType": value_type, "typeConfiguration": type_configuration}


def options(*labels: str) -> list[dict]:
    return [{"id": f"opt_{label.lower().replace(' ', '')}", "label": label} for label in labels]


# Shaped like lightfield.types.AccountDefinitionsResponse, as sent on the wire.
DEFINITIONS = {
    "objectType": "account",
    "fieldDefinitions": {
        "$name": field("TEXT"),
        "$website": field("URL", multipleValues=True),
        "$industry": field("MULTI_SELECT", options=options("Software", "Hardware", "Retail")),
        "$headcount": field("SINGLE_SELECT", options=options("1-10", "11-50", "51-200")),
        "$linkedIn": field("SOCIAL_HANDLE", handleService="LINKEDIN"),
        "$primaryAddress": field("ADDRESS"),
        "$howTheyMakeMoney": {**field("MARKDOWN"), "readOnly": True},
        "$summary": field("MARKDOWN"),
        "tier": field("SINGLE_SELECT", options=options("Enterprise", "Mid Market", "SMB")),
        "renewalDate": field("DATETIME"),
        "annualRevenue": field("CURRENCY", currency="USD"),
        "icp-score": field("NUMBER"),
        "isPartner": field("CHECKBOX"),
        "phones": field("TELEPHONE"),
        "champion": field("FULL_NAME"),
    },
    "relationshipDefinitions": {
        "$owner": {"cardinality": "HAS_ONE", "label": "Owner", "objectType": "member"},
        "$contact": {"cardinality": "HAS_MANY", "label": "Contacts", "objectType": "contact"},
        "parentAccount": {
            "cardinality": "HAS_ONE",
            "label": "Parent account",
            "objectType": "account",
            "directions": {
                "asSource": {"cardinality": "HAS_ONE", "label": "Parent"},
                "asDestination": {"cardinality": "HAS_MANY", "label": "Subsidiaries"},
            },
        },
    },
}


def test_definitions_fixture_matches_the_sdk_shape():
    types = pytest.importorskip("lightfield.types")
    parsed = types.AccountDefinitionsResponse.model_validate(DEFINITIONS)
    assert parsed.field_definitions["tier"].type_configuration.options[0].label == "Enterprise"


@pytest.fixture(autouse=True)
def in_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def problems_for(tmp_path, account_body: str, definitions: dict = DEFINITIONS) -> list[tuple[str, str]]:
    """Declare account.acme (plus account.globex) and check it; returns (file:line:col, message) pairs."""
    text = "accounts:\n  acme:\n" + textwrap.indent(textwrap.dedent(account_body), "    ")
    text += "  globex:\n    fields: {$name: Globex}\n"
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    declarations = load_declarations(tmp_path)
    return [(str(problem.place), problem.message) for problem in check_against_definitions(declarations, definitions)]


def only_problem(problems: list[tuple[str, str]], where: str, *fragments: str) -> None:
    assert len(problems) == 1, problems
    location, message = problems[0]
    assert location == where, problems
    for fragment in fragments:
        assert fragment in message, message


def test_valid_declarations_have_no_problems(tmp_path):
    problems = problems_for(tmp_path, """\
        fields:
          $name: Acme
          $website: [https://acme.com, https://acme.io]
          $industry: [Software, opt_retail]
          $headcount: 11-50
          $linkedIn: https://linkedin.com/company/acme
          $primaryAddress: {street: 1 Main St, city: Oslo, country: NO, latitude: 59.9, longitude: 10.7}
          tier: opt_enterprise
          renewalDate: 2026-03-01T09:00:00Z
          annualRevenue: 1250000.50
          icp-score: 7
          isPartner: false
          phones: ["+47 22 00 00 00"]
          champion: {firstName: Ada, lastName: Lovelace}
        relationships:
          $owner: mem_cm1abc123def456
          $contact: [con_1, con_2]
          parentAccount: account.globex
        """)
    assert problems == []


def test_null_values_are_accepted_for_clearable_fields(tmp_path):
    assert problems_for(tmp_path, "fields:\n  $name: Acme\n  tier:\n  annualRevenue:\n  isPartner:\n") == []


def test_unknown_field_suggests_the_closest(tmp_path):
    problems = problems_for(tmp_path, "fields:\n  $name: Acme\n  teir: Enterprise\n")
    only_problem(problems, "a.yaml:5:7", "fields.teir of account.acme", "no such field", "did you mean 'tier'?")


def test_unknown_system_field_suggests_the_closest(tmp_path):
    problems = problems_for(tmp_path, "fields:\n  $name: Acme\n  $webiste: [https://a.com]\n")
    only_problem(problems, "a.yaml:5:7", "no such field", "did you mean '$website'?")


def test_read_only_field_from_definitions(tmp_path):
    definitions = copy.deepcopy(DEFINITIONS)
    definitions["fieldDefinitions"]["tier"]["readOnly"] = True
    problems = problems_for(tmp_path, "fields:\n  $name: Acme\n  tier: SMB\n", definitions)
    only_problem(problems, "a.yaml:5:7", "fields.tier of account.acme", "read-only")


def test_markdown_fields_are_not_writable(tmp_path):
    problems = problems_for(tmp_path, "fields:\n  $name: Acme\n  $summary: hello\n")
    only_problem(problems, "a.yaml:5:7", "cannot be written through the API", "MARKDOWN")


def test_single_select_label_that_is_not_an_option_lists_the_labels(tmp_path):
    problems = problems_for(tmp_path, "fields:\n  $name: Acme\n  tier: Enterprize\n")
    only_problem(
        problems, "a.yaml:5:7", "'Enterprize' is not an option", "did you mean 'Enterprise'?",
        "valid labels: Enterprise, Mid Market, SMB", "SINGLE_SELECT",
    )


def test_select_labels_match_without_regard_to_case_as_the_api_does(tmp_path):
    assert problems_for(tmp_path, "fields:\n  $name: Acme\n  tier: smb\n  $industry: [software, RETAIL]\n") == []


def test_multi_select_checks_every_label(tmp_path):
    problems = problems_for(tmp_path, "fields:\n  $name: Acme\n  $industry: [Software, Farming]\n")
    only_problem(problems, "a.yaml:5:7", "'Farming' is not an option", "valid labels: Software, Hardware, Retail")


def test_multi_select_must_be_a_list(tmp_path):
    problems = problems_for(tmp_path, "fields:\n  $name: Acme\n  $industry: Software\n")
    only_problem(problems, "a.yaml:5:7", "expected a list of option labels", "[Software]", "MULTI_SELECT")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("icp-score: high", "expected a number, found the string 'high'"),
        ("icp-score: '7'", "expected a number, found the string '7'"),
        ("icp-score: true", "expected a number, found the boolean true"),
        ("icp-score: 1.234", "more than 2 decimals"),
        ("annualRevenue: 1.5M", "expected a number"),
        ("isPartner: 'yes'", "expected true or false, found the string 'yes'"),
        ("isPartner: 1", "expected true or false, found the number 1"),
        ("renewalDate: 2026-03-01", "'2026-03-01' has no UTC offset"),
        ("renewalDate: 2026-03-01T09:00:00", "has no UTC offset"),
        ("renewalDate: next week", "'next week' is not an ISO 8601 date-time"),
        ("renewalDate: 20260301", "expected an ISO 8601 date-time with a UTC offset"),
        ("$primaryAddress: Oslo, Norway", "expected a mapping like"),
        ("$primaryAddress: {city: Oslo, country: Norway}", "country must be a 2-letter ISO 3166-1 code"),
        ("$primaryAddress: {city: Oslo, country: N0}", "country must be a 2-letter"),
        ("$primaryAddress: {town: Oslo}", "unknown address part 'town'"),
        ("$primaryAddress: {postalCode: 0150}", "postalCode must be text, found the number 150"),
        ("$primaryAddress: {latitude: north}", "latitude must be a number"),
        ("champion: Ada Lovelace", "expected a mapping like {firstName: Ada, lastName: Lovelace}"),
        ("champion: {first: Ada}", "unknown name part 'first'"),
        ("$website: {url: x}", "expected text or a list of text, found a mapping"),
        ("phones: [12345678]", "expected a list of text (even for one value: [...]), found the number 12345678 in the list"),
        ("phones: '+4712345678'", "expected a list of text"),
        ("phones: ['12']", "'12' is not a telephone number"),
        ("$website: [42]", "found the number 42 in the list"),
        ("$website: ['not a url']", "is not a web address"),
        ("$linkedIn: https://example.com/me", "is not a LINKEDIN profile URL"),
        ("$primaryAddress: {latitude: 91}", "latitude must be a number within +/-90"),
        ("$primaryAddress: {country: NOR}", "country must be a 2-letter"),
        ("$headcount: [11-50]", "expected one option label or ID, found a list"),
        ("$linkedIn: 5", "expected text, found the number 5"),
    ],
)
def test_obviously_wrong_value_shapes(tmp_path, line, expected):
    key = line.split(":", 1)[0]
    problems = problems_for(tmp_path, f"fields:\n  $name: Acme\n  {line}\n")
    only_problem(problems, "a.yaml:5:7", f"fields.{key} of account.acme", expected)


@pytest.mark.parametrize(
    "line, expected",
    [
        ("icp-score: .nan", ".nan is not a number lfsync can send (JSON has no NaN or infinity)"),
        ("icp-score: -.inf", "-.inf is not a number lfsync can send (JSON has no NaN or infinity)"),
        ("icp-score: 1" + "0" * 400, "has 401 digits, more than any number field holds"),
    ],
)
def test_numbers_json_cannot_carry_are_refused_where_the_file_is_read(tmp_path, line, expected):
    # The loader refuses these before any definitions are consulted, at the value's position.
    with pytest.raises(DeclarationError) as caught:
        problems_for(tmp_path, f"fields:\n  $name: Acme\n  {line}\n")
    problems = [(str(problem.place), problem.message) for problem in caught.value.problems]
    only_problem(problems, "a.yaml:5:18", "fields.icp-score of account.acme", expected)


def test_integers_beyond_the_safe_range_are_refused_where_the_file_is_read(tmp_path):
    # Valid YAML and a valid number, but not one the API can hold: refused with the file's own
    # problems, so a file with it is never kept as validated in the parse cache.
    with pytest.raises(DeclarationError) as caught:
        problems_for(tmp_path, "fields:\n  $name: Acme\n  icp-score: 9007199254740993\n")
    problems = [(str(problem.place), problem.message) for problem in caught.value.problems]
    only_problem(problems, "a.yaml:5:7", "fields.icp-score of account.acme", "9007199254740993 is beyond the range the API can hold")


def test_unknown_relationship_suggests_the_closest(tmp_path):
    problems = problems_for(tmp_path, "fields: {$name: Acme}\nrelationships:\n  parent_account: account.globex\n")
    only_problem(problems, "a.yaml:5:7", "relationships.parent_account of account.acme", "did you mean 'parentAccount'?")


def test_has_one_relationship_with_several_values(tmp_path):
    problems = problems_for(tmp_path, "fields: {$name: Acme}\nrelationships:\n  $owner: [mem_1, mem_2]\n")
    only_problem(problems, "a.yaml:5:7", "holds one record, but 2 are given")


def test_has_one_relationship_accepts_a_list_of_one(tmp_path):
    assert problems_for(tmp_path, "fields: {$name: Acme}\nrelationships:\n  $owner: [mem_1]\n") == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("$owner: account.globex", "account.globex is an account, but this relationship links to member records"),
        ("$contact: [con_1, acc_2]", "acc_2 is an account"),
        ("parentAccount: con_1", "con_1 is not an account ID"),
    ],
)
def test_relationship_targets_of_the_wrong_object_type(tmp_path, line, expected):
    problems = problems_for(tmp_path, f"fields: {{$name: Acme}}\nrelationships:\n  {line}\n")
    only_problem(problems, "a.yaml:5:7", expected)


def test_problems_from_several_accounts_come_sorted_by_location(tmp_path):
    (tmp_path / "b.yaml").write_text("accounts:\n  zeta:\n    fields: {$name: Z, tier: Gold}\n", encoding="utf-8")
    problems = problems_for(tmp_path, "fields:\n  $name: Acme\n  tier: Silver\n  isPartner: maybe\n")
    assert [where for where, _ in problems] == ["a.yaml:5:7", "a.yaml:6:7", "b.yaml:3:24"]


def test_empty_definitions_report_everything_unknown(tmp_path):
    problems = problems_for(tmp_path, "fields: {$name: Acme}\n", {"objectType": "account"})
    assert problems == [
        ("a.yaml:3:14", "fields.$name of account.acme: no such field in this organisation"),
        ("a.yaml:5:14", "fields.$name of account.globex: no such field in this organisation"),
    ]
