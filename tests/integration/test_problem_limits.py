"""Reported problems are bounded: the first 100 in detail, then an exact count of the rest, and
never a million Problem objects built to be dropped. A CSV header of a million empty columns is a
quick, one-line error."""

from __future__ import annotations

from lfsync.errors import MAX_PROBLEMS_SHOWN, DeclarationError, Problem, Problems, SourceLocation


def invalid_accounts(count: int) -> str:
    return "accounts:\n" + "".join(f"  a{index:03d}:\n    fields: {{$website: [x]}}\n" for index in range(count))


def test_250_invalid_accounts_show_100_and_count_the_other_150(make_project, cli):
    root = make_project({"accounts.yaml": invalid_accounts(250)})
    result = cli("validate", root)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == MAX_PROBLEMS_SHOWN + 1
    assert lines[0].startswith("Error: accounts.yaml:") and "account.a000 has no $name" in lines[0]
    assert lines[-1] == "... and 150 more problems"


def test_a_csv_header_of_a_million_empty_columns_is_one_bounded_error(make_project, cli):
    root = make_project({})
    (root / "accounts.csv").write_text("," * 1_048_576 + "\n")
    result = cli("plan", root)
    assert result.exit_code == 1
    assert "accounts.csv:1:1: a record of more than 1000 cells: at most 1000 columns are read" in result.stderr
    assert len(result.output) < 500


def test_csv_rows_past_the_limit_are_counted(make_project, cli):
    rows = "".join(f"row{index},x\n" for index in range(130))  # 130 rows of two cells under a header of three
    root = make_project({"accounts.csv": "key,$name,tier\n" + rows})
    result = cli("validate", root)
    assert result.exit_code == 1
    assert result.stderr.count("this row has 2 cells but the header names 3 columns") == MAX_PROBLEMS_SHOWN
    assert result.stderr.rstrip().endswith("... and 30 more problems")


def test_problems_keep_the_first_ones_and_an_exact_count():
    problems = Problems()
    for index in range(1_000_000):
        problems.append(Problem(f"p{index}", None))
    assert len(problems) == 1_000_000 and len(problems.kept) == MAX_PROBLEMS_SHOWN and problems.omitted == 999_900
    merged = Problems([Problem("first", None)])
    merged.extend(problems)
    assert len(merged) == 1_000_001
    error = DeclarationError(merged)
    assert str(error).endswith("... and 999901 more problems") and str(error).count("\n") == MAX_PROBLEMS_SHOWN
    assert len(DeclarationError(error.problems).problems) == 1_000_001  # re-raised, the count survives


def test_kept_problems_are_shown_in_file_order():
    later, earlier = Problem("later", SourceLocation("b.yaml", 1, 1)), Problem("earlier", SourceLocation("a.yaml", 9, 1))
    assert str(DeclarationError([later, earlier])).splitlines() == ["a.yaml:9:1: earlier", "b.yaml:1:1: later"]


def test_the_loaders_own_problems_are_bounded_too(make_project, cli):
    """Duplicate keys are found while the file is composed (yamlload), before the account checks."""
    fields = "".join(f"      tier: t{index}\n" for index in range(301))  # 300 duplicates of the first
    root = make_project({"accounts.yaml": "accounts:\n  acme:\n    fields:\n      $name: Acme\n" + fields})
    result = cli("validate", root)
    assert result.exit_code == 1
    assert result.stderr.count("duplicate") == MAX_PROBLEMS_SHOWN
    assert result.stderr.rstrip().endswith("... and 200 more problems")


BROKEN_BOTH_WAYS = """
accounts:
  acme:
    fields:
      $name: Acme
      tier: platinum
    relationships:
      parentAccount: account.globx
  globex:
    fields:
      $name: Globex
      icp-score: many
"""


def test_a_missing_reference_and_bad_values_are_reported_in_one_run(make_project, cli):
    root = make_project({"accounts.yaml": BROKEN_BOTH_WAYS})
    for command in (("plan",), ("validate",), ("apply", "--auto-approve")):
        result = cli(*command, root)
        assert result.exit_code == 1, command
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 3, (command, lines)
        assert "accounts.yaml:5:7: fields.tier of account.acme:" in lines[0]
        assert "accounts.yaml:7:22: relationships.parentAccount of account.acme refers to account.globx" in lines[1]
        assert "accounts.yaml:11:7: fields.icp-score of account.globex:" in lines[2]
    offline = cli("validate", "--offline", root)  # nothing to check values against: the reference alone
    assert offline.exit_code == 1 and "refers to account.globx" in offline.stderr and "tier" not in offline.stderr


def test_references_and_values_share_one_bound(make_project, cli):
    accounts = "".join(
        f"  a{index:03d}:\n    fields: {{$name: A{index}, tier: platinum}}\n    relationships: {{parentAccount: account.nowhere}}\n"
        for index in range(150)
    )
    result = cli("plan", make_project({"accounts.yaml": "accounts:\n" + accounts}))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == MAX_PROBLEMS_SHOWN + 1 and lines[-1] == "... and 200 more problems"
    assert any("refers to account.nowhere" in line for line in lines) and any("fields.tier" in line for line in lines)
