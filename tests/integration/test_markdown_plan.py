"""Markdown plans for pull requests: counts first, collapsible changes, a hard size budget, safe text."""

from __future__ import annotations

import json
import re

from lfsync.plan.model import Plan, plan_fingerprint
from lfsync.plan.planner import PlanInputs, plan_changes
from lfsync.plan.resources import DesiredAccount
from lfsync.support.textsafe import code_block, for_terminal, markdown_text
from lfsync.ui.markdown import MARKDOWN_BUDGET, render_markdown


def plan_of(desired: dict[str, DesiredAccount], **extra) -> Plan:
    planned = plan_changes(PlanInputs(desired=desired, resources={}, workspace="default"))
    return Plan(
        project_dir=".", workspace="default", target="local", lineage="", serial=0, declarations_digest="d",
        changes=planned.changes, **{"problems": planned.problems, **extra},
    )


def account(index: int, name: str | None = None) -> DesiredAccount:
    return DesiredAccount(
        address=f"account.a{index:05d}",
        fields={"$name": name or f"Account {index}", "$website": [f"https://a{index}.example"], "tier": "smb"},
        relationships={},
        skip_enrichment=True,
        location=f"accounts.yaml:{index * 5 + 2}:3",
    )


def test_ten_thousand_changes_stay_under_the_budget_and_say_what_was_left_out():
    plan = plan_of({f"account.a{i:05d}": account(i) for i in range(10_000)})
    markdown = render_markdown(plan, full_plan="plan.lfplan")

    assert len(markdown) < MARKDOWN_BUDGET
    assert markdown.index("| create | 10000 |") < markdown.index("<details>")
    shown = markdown.count("<details>")
    assert 50 < shown < 10_000
    left_out = re.search(r"\*\*(\d+) item\(s\) not shown\*\* \((\d+) create\)", markdown)
    assert left_out and int(left_out.group(1)) == int(left_out.group(2)) == 10_000 - shown
    assert "<code>plan.lfplan</code> (JSON)" in markdown
    assert f"`{plan_fingerprint(plan)}`" in markdown


def test_a_small_plan_is_shown_whole_with_each_change_collapsible():
    plan = plan_of({"account.a00001": account(1), "account.a00002": account(2)})
    markdown = render_markdown(plan)
    assert markdown.count("<details><summary><code>+ account.a00001</code> will be created") == 1
    assert markdown.count("</details>") == 2 and "not shown" not in markdown
    assert '+ $name:    "Account 1"' in markdown


def test_the_fingerprint_follows_the_changes():
    one = plan_of({"account.a00001": account(1)})
    same = plan_of({"account.a00001": account(1)})
    other = plan_of({"account.a00001": account(1, "Renamed")})
    assert plan_fingerprint(one) == plan_fingerprint(same) != plan_fingerprint(other)
    assert re.fullmatch(r"[0-9a-f]{12}", plan_fingerprint(one))


HOSTILE = "Evil\n```\n</details>\n| x | y |\x1b[2J\x1b]0;title\x07 `tick` <img src=x> @team\u2028end"


def test_hostile_values_cannot_break_out_of_the_markdown():
    hostile = DesiredAccount(
        address="account.evil", fields={"$name": HOSTILE, HOSTILE: "v"}, relationships={}, skip_enrichment=True,
        location="a|b.yaml:1:1",
    )
    plan = plan_of({"account.evil": hostile}, problems=[f"problem with {HOSTILE}"], orphans=["account.x"])
    markdown = render_markdown(plan)

    assert "\x1b" not in markdown and "\x07" not in markdown and "\u2028" not in markdown
    lines = markdown.splitlines()
    outside_code = re.sub(r"^(`{3,})diff$.*?^\1$", "", markdown, flags=re.S | re.M)
    assert "<img" not in outside_code and "| x | y |" not in outside_code and "@team" not in outside_code
    # exactly one fenced block, opened and closed by the same fence, which no value line repeats
    fences = [i for i, line in enumerate(lines) if line.startswith("```")]
    assert len(fences) == 2 and lines[fences[0]].rstrip("diff") == lines[fences[1]]
    assert len(lines[fences[1]]) > max(len(run) for run in re.findall(r"`+", "\n".join(lines[fences[0] + 1 : fences[1]])))
    assert sum(line == "</details>" for line in lines) == 1
    # every table row still has its two cells
    assert all(line.count("|") == 3 for line in lines if line.startswith("|"))


def test_text_helpers():
    assert for_terminal("a\x1b[31mred\x1b[0m\tb\nc\x00") == "ared\\tb\nc"
    assert markdown_text("a|b*c*") == "a&#124;b&#42;c&#42;"
    assert code_block(["x ``` y"], "diff") == ["````diff", "x ``` y", "````"]


def test_plan_and_apply_append_to_the_github_step_summary(project, cli, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    assert cli("plan", project, env=env).exit_code == 0
    assert cli("apply", project, "--auto-approve", env=env).exit_code == 0
    text = summary.read_text()
    assert text.startswith("earlier step\n### lfsync plan for workspace <code>default</code>")
    assert text.count("| create | 3 |") == 2 and "**lfsync apply: complete** (3 created" in text


def test_the_terminal_never_receives_escape_sequences_from_declarations(make_project, cli):
    root = make_project({"a.yaml": 'accounts:\n  a:\n    fields:\n      $name: "x\\e[2Jy"\n      region: "k\\e]0;t\\a"\n'})
    result = cli("plan", root)
    assert result.exit_code == 0 and "account.a" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    # a hostile field key is refused (no such field), and the refusal is as safe
    (root / "a.yaml").write_text('accounts:\n  a:\n    fields:\n      $name: A\n      "k\\e]0;t\\a": 1\n')
    refused = cli("plan", root)
    assert refused.exit_code == 1 and "no such field" in refused.stderr
    assert "\x1b" not in refused.output and "\x07" not in refused.output


def test_a_deleted_account_is_named_in_text_markdown_and_json(project, cli):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    accounts = project / "accounts.yaml"
    accounts.write_text(accounts.read_text().split("  globex:")[0])
    text = cli("plan", project, "--prune")
    assert '  # account.globex will be moved to the trash (named "Globex")\n' in text.stdout
    markdown = cli("plan", project, "--prune", "--format", "markdown")
    assert '<summary><code>- account.globex</code> will be moved to the trash (named "Globex")</summary>' in markdown.stdout
    planned = json.loads(cli("plan", project, "--prune", "--format", "json").stdout)
    (deleted,) = [change for change in planned["changes"] if change["action"] == "delete"]
    assert deleted["address"] == "account.globex"
    assert {"path": "fields.$name", "before": "Globex"}.items() <= next(
        attribute for attribute in deleted["attributes"] if attribute["path"] == "fields.$name"
    ).items()
