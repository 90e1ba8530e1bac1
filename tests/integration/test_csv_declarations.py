"""CSV declaration files: parsed with each cell's file:line:col, typed by the field's definition,
mixed with YAML in one project, planned and applied against the in-process emulator."""

from __future__ import annotations

import dataclasses
import json

import pytest

from lfsync.config.project import load_project
from lfsync.declare.csvfile import CsvSyntaxError, read_records, split_list, typed_cell
from lfsync.declare.declarations import load_declarations
from lfsync.declare.parsecache import Uncached
from lfsync.errors import DeclarationError, render_problem

YAML_PARENT = """
accounts:
  holding:
    fields:
      $name: Holding Group
    relationships:
      parentAccount: account.row-0
"""


def baseline_csv(rows: int) -> str:
    lines = ["key,$name,$website,icp-score,tier,relationships.parentAccount"]
    for index in range(rows):
        parent = f"account.row-{index // 10}" if index >= 10 else "account.holding" if index == 1 else ""
        lines.append(f'row-{index},"Row {index}, Inc.",row{index}.example,{index},{"enterprise" if index % 2 else "smb"},{parent}')
    return "\n".join(lines) + "\n"


def test_records_know_the_line_and_column_of_every_cell():
    records = read_records('key,$name\nacme,"Acme, ""the"" Corp"\r\n\nglobex,"Two\nlines"\n')
    assert [(c.text, c.line, c.column) for c in records[1]] == [("acme", 2, 1), ('Acme, "the" Corp', 2, 6)]
    assert [(c.text, c.line, c.column) for c in records[2]] == [("globex", 4, 1), ("Two\nlines", 4, 8)]


def test_an_unclosed_quote_names_where_the_cell_starts():
    with pytest.raises(CsvSyntaxError) as raised:
        read_records('key,$name\nacme,"Acme\n')
    assert (raised.value.line, raised.value.column) == (2, 6)


def test_list_cells_split_on_semicolons_with_escapes():
    assert split_list(r"a; b\;c ;;d\\") == ["a", "b;c", "d\\"]


def test_cells_are_typed_by_the_field_type():
    assert typed_cell("42", "NUMBER") == 42
    assert typed_cell("4.25", "CURRENCY") == 4.25
    assert typed_cell("Yes", "CHECKBOX") is True
    assert typed_cell("a@x.io;b@x.io", "EMAIL") == ["a@x.io", "b@x.io"]
    assert typed_cell('{"city": "Oslo"}', "ADDRESS") == {"city": "Oslo"}
    assert typed_cell("12", "TEXT") == "12"
    with pytest.raises(ValueError, match="expected a number"):
        typed_cell("twelve", "NUMBER")


def test_yaml_and_a_csv_of_200_rows_with_parent_references_plan_and_apply(make_project, cli, state_of, server_accounts):
    project = make_project({"accounts.yaml": YAML_PARENT, "accounts.csv": baseline_csv(200)})
    planned = cli("plan", project)
    assert planned.exit_code == 0, planned.output
    assert "Plan: 201 to create, 0 to update, 0 to delete." in planned.stdout

    applied = cli("apply", project, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    resources = state_of(project)["resources"]
    assert len(resources) == 201
    records = {r["id"]: r for r in server_accounts(project)}
    assert len(records) == 201
    row_42 = records[resources["account.row-42"]["id"]]
    assert row_42["fields"]["$name"]["value"] == "Row 42, Inc."
    assert row_42["fields"]["icp-score"]["value"] == 42
    assert row_42["relationships"]["parentAccount"]["values"] == [resources["account.row-4"]["id"]]
    holding = records[resources["account.holding"]["id"]]
    assert resources["account.row-0"]["id"] in holding["relationships"]["parentAccount"]["values"]
    assert resources["account.holding"]["applied"]["relationships"]["parentAccount"] == resources["account.row-0"]["id"]
    assert resources["account.row-1"]["applied"]["relationships"]["parentAccount"] == resources["account.holding"]["id"]

    assert cli("plan", project, "--detailed-exitcode").exit_code == 0


def test_a_bad_cell_is_reported_with_its_line_and_column(make_project, cli):
    text = baseline_csv(5).replace("row-3,\"Row 3, Inc.\",row3.example,3,", "row-3,\"Row 3, Inc.\",row3.example,three,")
    project = make_project({"accounts.yaml": YAML_PARENT, "accounts.csv": text})
    planned = cli("plan", project)
    assert planned.exit_code == 1
    column = text.splitlines()[4].index("three") + 1
    assert f"accounts.csv:5:{column}" in planned.output
    assert "fields.icp-score of account.row-3: expected a number, found 'three'" in planned.output


def test_csv_problems_found_offline_name_the_cell(make_project, cli):
    project = make_project(
        {"accounts.csv": "key,$name,relationships.parentAccount\nacme,Acme,account.nowhere\nBad Key,X,\n,NoKey,\n"}
    )
    planned = cli("plan", project)
    assert planned.exit_code == 1
    assert "accounts.csv:2:11" in planned.output and "account.nowhere, which is not declared" in planned.output
    assert "accounts.csv:3:1" in planned.output and "invalid account key 'Bad Key'" in planned.output


def test_a_key_declared_in_yaml_and_csv_is_refused(make_project, cli):
    project = make_project({"accounts.yaml": YAML_PARENT, "accounts.csv": "key,$name\nholding,Again\nrow-0,Zero\n"})
    planned = cli("plan", project)
    assert planned.exit_code == 1
    assert "account.holding is declared twice" in planned.output and "accounts.csv:2:1" in planned.output


def test_fmt_leaves_csv_files_alone(make_project, cli):
    text = "key ,  $name\nacme,Acme\n"
    project = make_project({"accounts.csv": text})
    assert cli("fmt", project).exit_code == 0
    assert (project / "accounts.csv").read_text() == text


def test_export_as_csv_writes_a_file_that_replans_clean(make_project, cli):
    from org_helpers import create_directly

    root = make_project({})
    [parent] = create_directly(
        root,
        {"fields": {"$name": "Nordic; Holding", "$industry": ["Software", "Fintech"], "annualRevenue": 12.5,
                    "$primaryAddress": {"city": "Oslo", "country": "no"}, "tier": "enterprise"}},
    )
    create_directly(root, {"fields": {"$name": "Nordic Retail", "segments": ["plg", "channel"]}, "relationships": {"parentAccount": parent}})
    result = cli("export", root, "--format", "csv")
    assert result.exit_code == 0, result.output
    text = (root / "accounts" / "exported.csv").read_text()
    header = text.splitlines()[0]
    assert header.startswith("key,$name,") and "relationships.parentAccount" in header
    assert "Software; Fintech" in text and "plg; channel" in text and "account.nordic-holding" in text
    replanned = cli("plan", root, "--refresh", "--detailed-exitcode")
    assert replanned.exit_code == 0, replanned.output


FORMULAS = ["=HYPERLINK(\"https://evil.example\",\"click\")", "+1+1", "@SUM(1)", "-2", "\tTabbed", "'=already quoted"]


def test_export_as_csv_escapes_formula_cells_and_replans_clean(make_project, cli):
    """OWASP CSV injection: a cell a spreadsheet would run is written with a leading apostrophe,
    which the reader strips again, so the export re-plans with no changes."""
    from org_helpers import create_directly

    root = make_project({})
    create_directly(root, *({"fields": {"$name": name, "annualRevenue": -2}} for name in FORMULAS))
    result = cli("export", root, "--format", "csv")
    assert result.exit_code == 0, result.output
    text = (root / "accounts" / "exported.csv").read_text()
    cells = [cell for record in read_records(text)[1:] for cell in (c.text for c in record)]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r")) and cell != "-2"]  # numbers as they are
    assert "'=HYPERLINK(" in text and "'+1+1" in text and "'@SUM(1)" in text and "'\tTabbed" in text
    assert "''=already quoted" in text
    assert cells.count("'-2") == 1 and cells.count("-2") == len(FORMULAS)  # the name -2; the NUMBER cells plain
    replanned = cli("plan", root, "--refresh", "--detailed-exitcode")
    assert replanned.exit_code == 0, replanned.output


def test_an_apostrophe_is_stripped_only_before_a_formula_start(tmp_path):
    """'-2 and a plain -2 both read as the number -2; other apostrophes are text."""
    (tmp_path / "a.csv").write_text("key,$name,annualRevenue\nquoted,'=1+1,'-2\nplain,O'Brien,-2\ntwice,''+x,3\n")
    declarations = load_declarations(tmp_path, cache=Uncached())
    fields = {address: account.fields for address, account in declarations.accounts.items()}
    assert fields["account.quoted"] == {"$name": "=1+1", "annualRevenue": "-2"}
    assert fields["account.plain"] == {"$name": "O'Brien", "annualRevenue": "-2"}
    assert fields["account.twice"]["$name"] == "'+x"
    assert typed_cell(str(fields["account.quoted"]["annualRevenue"]), "NUMBER") == -2


def test_the_demo_seeding_example_seeds_two_organisations_and_resets_one(repo_root, tmp_path, cli):
    import shutil

    from org_helpers import create_directly

    example = tmp_path / "examples" / "demo-seeding"
    # its CSV baseline alone (crm/, the rest of the demo, is tests/integration/test_demo_example.py's)
    shutil.copytree(repo_root / "examples" / "demo-seeding", example, ignore=shutil.ignore_patterns(".lfsync", "crm"))
    applied = cli("apply", example, "--all-workspaces", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.count("Apply complete! Resources: 12 created, 0 updated, 0 deleted.") == 2
    for workspace in ("demo-eu", "demo-us"):
        assert len(json.loads((tmp_path / "state" / f"{workspace}.lfstate.json").read_text())["resources"]) == 12

    eu = load_project(example, workspace="demo-eu")
    assert eu.owns_organisation and eu.local_db_path != load_project(example, workspace="demo-us").local_db_path
    create_directly(example, {"fields": {"$name": "Added During The Demo"}}, workspace="demo-eu")
    reset = cli("reset", example, "--workspace", "demo-eu", "--auto-approve")
    assert reset.exit_code == 0, reset.output
    assert "'Added During The Demo' is declared nowhere" in reset.stdout



SAME_MISTAKES = [  # (what is wrong, the YAML account body, the CSV header and row)
    ("a read-only field", "fields: {$name: A, $accountStatus: Active}", "key,$name,$accountStatus\nacme,A,Active\n"),
    ("a read-only relationship", "fields: {$name: A}\n    relationships: {$task: tsk_abc}", "key,$name,relationships.$task\nacme,A,tsk_abc\n"),
    ("no relationship target", "fields: {$name: A}\n    relationships: {parentAccount: nope}", "key,$name,relationships.parentAccount\nacme,A,nope\n"),
    ("no $name", "fields: {tier: gold}", "key,tier\nacme,gold\n"),
    ("a blank $name", "fields: {$name: '  '}", "key,$name\nacme,  \n"),
    ("a flag neither true nor false", "fields: {$name: A}\n    skip_enrichment: maybe", "key,$name,skip_enrichment\nacme,A,maybe\n"),
]


@pytest.mark.parametrize("mistake, body, csv", SAME_MISTAKES, ids=[case[0] for case in SAME_MISTAKES])
def test_a_mistake_reads_the_same_in_yaml_and_csv(tmp_path, mistake, body, csv):
    """Both readers check one rule set (lfsync.declare.rules): the words after file:line:col agree."""
    yaml_project, csv_project = tmp_path / "yaml", tmp_path / "csv"
    yaml_project.mkdir(), csv_project.mkdir()
    (yaml_project / "a.yaml").write_text(f"accounts:\n  acme:\n    {body}\n", encoding="utf-8")
    (csv_project / "a.csv").write_text(csv, encoding="utf-8")
    yaml_words, csv_words = (problem_words(project) for project in (yaml_project, csv_project))
    assert yaml_words and yaml_words == csv_words


def test_an_invalid_key_reads_the_same_in_yaml_and_csv(tmp_path):
    (tmp_path / "a.yaml").write_text("accounts:\n  Bad Key:\n    fields: {$name: A}\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("key,$name\nBad Key,B\n", encoding="utf-8")
    with pytest.raises(DeclarationError) as caught:
        load_declarations(tmp_path, cache=Uncached())
    rendered = [render_problem(problem) for problem in caught.value.problems]
    expected = "invalid account key 'Bad Key': use lower-case letters, digits, '-' and '_', starting with a letter or digit (for example 'bad-key')"
    assert rendered == [f"a.yaml:2:3: {expected}", f"b.csv:2:1: {expected}"]


def problem_words(project) -> list[str]:
    with pytest.raises(DeclarationError) as caught:
        load_declarations(project, cache=Uncached())
    return [render_problem(dataclasses.replace(problem, place=None)) for problem in caught.value.problems]


def test_spaces_around_a_text_cell_are_kept_and_warned_at_the_cell_and_the_plan_goes_on(make_project, cli):
    project = make_project({"accounts.csv": 'key,$name,tier\nacme,"Acme Corp ",enterprise\nglobex, Globex,smb\nplain,Plain,smb\n'})
    planned = cli("plan", project, "--format", "json")
    assert planned.exit_code == 0, planned.output
    created = {change["address"]: change for change in json.loads(planned.stdout)["changes"]}
    assert sorted(created) == ["account.acme", "account.globex", "account.plain"]
    assert planned.stderr.splitlines() == [
        "Warning: accounts.csv:2:6: $name of account.acme: the cell 'Acme Corp ' starts or ends with spaces; "
        "text keeps them as written (remove them from the CSV if they are not meant)",
        "Warning: accounts.csv:3:8: $name of account.globex: the cell ' Globex' starts or ends with spaces; "
        "text keeps them as written (remove them from the CSV if they are not meant)",
    ]
    assert "'Acme Corp '" in json.dumps(created["account.acme"]) or '"Acme Corp "' in json.dumps(created["account.acme"])
    validated = cli("validate", project)
    assert validated.exit_code == 0 and validated.stderr.count("Warning: accounts.csv:") == 2
    applied = cli("apply", project, "--auto-approve")
    assert applied.exit_code == 0 and applied.stderr.count("Warning: accounts.csv:") == 2
