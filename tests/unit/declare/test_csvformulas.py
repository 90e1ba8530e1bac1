"""CSV injection: the apostrophe `lfsync export --format csv` writes before a text cell a
spreadsheet would run as a formula, and the one apostrophe the CSV reader strips again."""

from __future__ import annotations

import csv
import io
import itertools

import pytest

from lfsync.declare.csvfile import parse_csv_file, read_records, typed_cell
from lfsync.declare.csvformulas import FORMULA_STARTS, formula_escaped, unescaped
from lfsync.declare.csvwrite import csv_text
from lfsync.errors import Problems

TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]


def test_the_formula_starts_are_the_owasp_six():
    assert set(FORMULA_STARTS) == set(TRIGGERS)


@pytest.mark.parametrize("start", TRIGGERS)
def test_every_formula_start_is_escaped_and_unescaped(start):
    value = start + "cmd|' /C calc'!A0"
    assert formula_escaped(value) == "'" + value
    assert unescaped("'" + value) == value
    assert formula_escaped(start) == "'" + start and unescaped("'" + start) == start  # the character alone


@pytest.mark.parametrize("start", TRIGGERS)
def test_a_value_already_quoted_before_a_formula_start_gets_one_more_apostrophe(start):
    assert formula_escaped("'" + start + "x") == "''" + start + "x"
    assert unescaped("''" + start + "x") == "'" + start + "x"
    assert formula_escaped("''" + start) == "'''" + start


@pytest.mark.parametrize(
    ("cell", "read"),
    [
        ("''", "'"),  # an apostrophe before another apostrophe is dropped
        ("''x", "'x"),
        ("'''=x", "''=x"),  # exactly one, never more
        ("'", "'"),  # a lone apostrophe is text
        ("'x", "'x"),
        ("O'Brien", "O'Brien"),
        ("-2", "-2"),  # plain cells are read as written
        ("+47 22 12 34 56", "+47 22 12 34 56"),
        (" =x", " =x"),  # a space first: not a formula start
        ("", ""),
    ],
)
def test_the_reader_strips_one_apostrophe_before_a_formula_start_or_an_apostrophe_only(cell, read):
    assert unescaped(cell) == read


@pytest.mark.parametrize("text", ["acme", "O'Brien", "'x", "'", "", " =x", "a=b", "5", "x\n=y"])
def test_text_a_spreadsheet_shows_as_written_is_not_escaped(text):
    assert formula_escaped(text) == text


def test_every_short_text_survives_escape_then_read():
    """Exhaustive over every text of up to four characters from apostrophes, formula starts and plain
    characters: what the writer writes, the reader gives back exactly, and the written cell never
    starts with a formula start."""
    alphabet = ["'", *TRIGGERS, "a", "5", " ", "\n"]
    for length in range(5):
        for characters in itertools.product(alphabet, repeat=length):
            text = "".join(characters)
            written = formula_escaped(text)
            assert unescaped(written) == text, repr(text)
            assert not written.startswith(FORMULA_STARTS), repr(text)
            assert written in (text, "'" + text), repr(text)


def read_back(text: str) -> dict[str, dict[str, str]]:
    """The fields of each row of a CSV declaration file, as the reader gives them (text cells)."""
    problems = Problems()
    accounts = parse_csv_file(text.encode(), "exported.csv", problems)
    assert not problems, [str(problem) for problem in problems]
    return {account.address: {k: str(v) for k, v in account.declaration.fields.items()} for account in accounts}


def raw_cells(text: str) -> list[list[str]]:
    """The cells as written, before the reader strips anything (Python's csv module, not ours)."""
    return list(csv.reader(io.StringIO(text)))


def test_an_export_escapes_text_cells_and_writes_numbers_as_they_are():
    rows = [
        ("formula", {"fields": {"$name": '=HYPERLINK("https://evil.example","click")', "region": "-EMEA", "annualRevenue": -5}}),
        ("quoted", {"fields": {"$name": "'=already quoted", "region": "''", "icp-score": -2.5}}),
        ("plain", {"fields": {"$name": "O'Brien", "region": "5", "annualRevenue": 12, "isPartner": False}}),
    ]
    text = csv_text(rows)
    header, *cells = raw_cells(text)
    assert header == ["key", "$name", "annualRevenue", "icp-score", "isPartner", "region"]
    assert cells == [
        ["formula", "'=HYPERLINK(\"https://evil.example\",\"click\")", "-5", "", "", "'-EMEA"],
        ["quoted", "''=already quoted", "", "-2.5", "", "'''"],
        ["plain", "O'Brien", "12", "", "false", "5"],
    ]
    assert '"\'=HYPERLINK(""https://evil.example"",""click"")"' in text  # the quotes doubled inside a quoted cell
    assert read_back(text) == {
        "account.formula": {"$name": '=HYPERLINK("https://evil.example","click")', "region": "-EMEA", "annualRevenue": "-5"},
        "account.quoted": {"$name": "'=already quoted", "region": "''", "icp-score": "-2.5"},
        "account.plain": {"$name": "O'Brien", "region": "5", "annualRevenue": "12", "isPartner": "false"},
    }


@pytest.mark.parametrize("start", TRIGGERS)
def test_every_formula_start_round_trips_through_a_whole_file(start):
    value = start + "1+1"
    text = csv_text([("acme", {"fields": {"$name": "Acme " + start, "region": value, "tier": "'" + value}})])
    assert raw_cells(text)[1] == ["acme", "Acme " + start, "'" + value, "''" + value]
    assert read_back(text)["account.acme"] == {"$name": "Acme " + start, "region": value, "tier": "'" + value}


def test_multi_line_cells_are_escaped_by_their_first_character_only():
    first = "=SUM(A1:A2)\nsecond line"
    later = "Plan\n=SUM(A1:A2)\n- item"
    text = csv_text([("acme", {"fields": {"$name": "Acme", "accountPlan": first, "region": later}})])
    assert raw_cells(text)[1] == ["acme", "Acme", "'" + first, later]
    assert read_back(text)["account.acme"] == {"$name": "Acme", "accountPlan": first, "region": later}
    [_header, row] = read_records(text)
    assert [(cell.line, cell.column) for cell in row] == [(2, 1), (2, 6), (2, 11), (3, 14)]  # places still count the lines


def test_numbers_read_as_numbers_with_or_without_the_apostrophe_and_lists_and_objects_round_trip():
    rows = [("acme", {"fields": {
        "$name": "Acme", "annualRevenue": -5, "icp-score": -2.5,
        "phone": ["+47 22 12 34 56", "-1"], "segments": ["plg"], "$primaryAddress": {"city": "=Oslo"},
    }})]
    text = csv_text(rows)
    assert raw_cells(text)[1] == ["acme", "Acme", '{"city": "=Oslo"}', "-5", "-2.5", "'+47 22 12 34 56; -1", "plg"]
    fields = read_back(text)["account.acme"]
    assert typed_cell(fields["annualRevenue"], "CURRENCY") == -5
    assert typed_cell(fields["icp-score"], "NUMBER") == -2.5
    assert typed_cell(fields["phone"], "TELEPHONE") == ["+47 22 12 34 56", "-1"]
    assert typed_cell(fields["$primaryAddress"], "ADDRESS") == {"city": "=Oslo"}
    hand_written = read_back("key,$name,annualRevenue,region\nquoted,A,'-5,'-5\nplain,B,-5,-5\n")
    assert hand_written["account.quoted"] == {"$name": "A", "annualRevenue": "-5", "region": "-5"}
    assert hand_written["account.plain"] == {"$name": "B", "annualRevenue": "-5", "region": "-5"}
    assert typed_cell(hand_written["account.quoted"]["annualRevenue"], "NUMBER") == -5


def test_the_readme_example_reads_as_the_readme_says():
    text = (
        "key,$name,region,annualRevenue,phone\n"
        "sum-corp,'=SUM(A1:A9),'-EMEA,-5,'+47 22 12 34 56\n"
        "quoted-corp,''=already quoted,north,12.5,\n"
    )
    assert read_back(text) == {
        "account.sum-corp": {"$name": "=SUM(A1:A9)", "region": "-EMEA", "annualRevenue": "-5", "phone": "+47 22 12 34 56"},
        "account.quoted-corp": {"$name": "'=already quoted", "region": "north", "annualRevenue": "12.5"},
    }


def test_a_carriage_return_inside_a_value_is_quoted_so_the_record_stays_one():
    """Python's csv.writer, ending records in a line feed, left a carriage return unquoted, and the
    reader took it for a line end: a value with Windows line ends broke its row in two."""
    values = {"$name": "Acme\rCorp", "accountPlan": "Line one\r\nline two", "region": "\r"}
    text = csv_text([("acme", {"fields": values})])
    assert text == 'key,$name,accountPlan,region\nacme,"Acme\rCorp","Line one\r\nline two","\'\r"\n'
    assert read_back(text)["account.acme"] == values


def test_cells_without_a_carriage_return_are_written_as_pythons_csv_writer_wrote_them():
    rows = [
        ("acme", {"fields": {"$name": 'Acme, "the" Corp', "region": "two\nlines", "tier": ""}}),
        ("globex", {"fields": {"$name": "Globex", "region": "=1,2", "segments": ["a;b", "c\\d"]}}),
    ]
    text = csv_text(rows)
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\n").writerows(raw_cells(text))
    assert text == expected.getvalue()
    assert raw_cells(text)[2] == ["globex", "Globex", "'=1,2", "a\\;b; c\\\\d", ""]
