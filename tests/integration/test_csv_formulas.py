"""`lfsync export --format csv` of an organisation whose text starts like a spreadsheet formula
(OWASP CSV injection): the cells are written with a leading apostrophe, numbers as they are, and
the exported project re-plans clean, since the CSV reader strips that one apostrophe again."""

from __future__ import annotations

import csv
import io

from lfsync.declare.csvformulas import FORMULA_STARTS

from org_helpers import create_directly

ACCOUNTS = [  # what the organisation holds, made through the API as another client would
    {"fields": {"$name": '=HYPERLINK("https://evil.example","click")', "region": "-EMEA", "annualRevenue": -5,
                "phone": ["+47 22 12 34 56"]}},
    {"fields": {"$name": "+cmd|' /C calc'!A0", "region": "= Plan\r\n- first step\n=SUM(A1)", "icp-score": -2.5}},
    {"fields": {"$name": "Sum Corp", "region": "@SUM(1)"}},
    {"fields": {"$name": "@mention Corp", "region": "\tTabbed", "annualRevenue": 12}},
    {"fields": {"$name": "-minus Corp", "region": "\rCarriage first"}},
    {"fields": {"$name": "'=Quoted Corp", "region": "''twice", "icp-score": 7}},  # really starts with '=
    {"fields": {"$name": "O'Brien Plain", "region": "north"}},
]


def exported_rows(root) -> list[dict[str, str]]:
    """The exported file's cells as written (Python's csv module, which strips no apostrophe), by column."""
    text = (root / "accounts" / "exported.csv").read_bytes().decode("utf-8")  # bytes: keep the carriage returns
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_an_export_escapes_formula_text_writes_numbers_plainly_and_replans_clean(make_project, cli):
    root = make_project({})
    create_directly(root, *ACCOUNTS)
    exported = cli("export", root, "--format", "csv")
    assert exported.exit_code == 0, exported.output
    rows = {row["$name"]: row for row in exported_rows(root)}

    hyperlink = rows["'=HYPERLINK(\"https://evil.example\",\"click\")"]
    assert (hyperlink["region"], hyperlink["annualRevenue"]) == ("'-EMEA", "-5")
    assert hyperlink["phone"].startswith("'+47")
    command = rows["'+cmd|' /C calc'!A0"]
    assert command["region"] == "'= Plan\r\n- first step\n=SUM(A1)"  # only the first character counts
    assert command["icp-score"] == "-2.5"
    assert rows["Sum Corp"]["region"] == "'@SUM(1)"
    assert rows["'@mention Corp"]["region"] == "'\tTabbed"
    assert rows["'-minus Corp"]["region"] == "'\rCarriage first"
    assert rows["''=Quoted Corp"]["region"] == "'''twice"
    assert rows["O'Brien Plain"]["region"] == "north"
    assert len(rows) == len(ACCOUNTS)
    number_columns = ("annualRevenue", "icp-score")
    assert not [
        (column, cell) for row in rows.values() for column, cell in row.items()
        if column not in number_columns and cell.startswith(FORMULA_STARTS)
    ]

    for plan in (("plan", root, "--detailed-exitcode"), ("plan", root, "--refresh", "--detailed-exitcode")):
        replanned = cli(*plan)
        assert replanned.exit_code == 0, replanned.output
        assert "No changes." in replanned.stdout
