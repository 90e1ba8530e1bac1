"""The markdown plan's diagram: drawn for a linked change of at most 40 records, in a collapsed
<details>; otherwise left out (one line saying why when it was too big), within the comment's budget."""

from __future__ import annotations

import re

from lfsync.plan.actions import Action
from lfsync.plan.model import AttributeChange, Change, Plan
from lfsync.plan.planner import PlanInputs, plan_changes
from lfsync.plan.resources import DesiredAccount
from lfsync.ui import plandiagram
from lfsync.ui.markdown import MARKDOWN_BUDGET, render_markdown
from lfsync.ui.plandiagram import MAX_DIAGRAM_NODES, diagram_section


def desired(address: str, name: object, **relationships: str | list[str]) -> DesiredAccount:
    return DesiredAccount(address, {"$name": name}, {f"${key}": value for key, value in relationships.items()}, True)


def planned(records: list[DesiredAccount]) -> Plan:
    changes = plan_changes(PlanInputs({r.address: r for r in records}, {}, "default")).changes
    return Plan(project_dir=".", workspace="default", target="local", lineage="", serial=0, declarations_digest="d",
                changes=changes)


def linked_pairs(count: int) -> list[DesiredAccount]:
    """`count` accounts, each with a contact linked to it: 2 * count records, all created."""
    return [
        record
        for i in range(count)
        for record in (desired(f"account.a{i:02d}", f"A {i}"), desired(f"contact.c{i:02d}", {"firstName": f"C{i}"}, account=f"account.a{i:02d}"))
    ]


def mermaid_block(markdown: str) -> str:
    found = re.search(r"<details><summary>Diagram of the changes: [^<]*</summary>\n\n```mermaid\n(.*?)\n```\n\n</details>", markdown, re.S)
    assert found, markdown[:3000]
    return found.group(1)


def test_forty_linked_records_are_drawn_collapsed_and_marked_by_action():
    markdown = render_markdown(planned(linked_pairs(MAX_DIAGRAM_NODES // 2)))
    block = mermaid_block(markdown)
    assert len(re.findall(r"^    n_\w+", block, re.M)) == MAX_DIAGRAM_NODES
    assert "  n_contact_c07 ==>|\"$account\"| n_account_a07" in block.splitlines()
    assert re.search(r"^  classDef create ", block, re.M) and "linked" not in block
    assert "20 changed record(s)" not in markdown and "40 changed record(s), 0 linked" in markdown
    assert markdown.index("Diagram of the changes") < markdown.index("#### Accounts (20)")  # above the list


def test_a_diagram_over_forty_nodes_is_one_line_saying_so():
    over = render_markdown(planned(linked_pairs(MAX_DIAGRAM_NODES // 2 + 1)))
    assert "```mermaid" not in over
    assert "Diagram of the changes left out: it has at least 42 nodes > 40." in over
    # 20 contacts created, linked to 21 accounts that exist already (known by ID): 41 nodes, counted in the picture
    creates = [
        Change(f"contact.c{i:02d}", Action.CREATE, attributes=[
            AttributeChange("relationships.$account", "add", None, [f"acc_{i:02d}", "acc_20"])
        ])
        for i in range(20)
    ]
    plan = planned([]).model_copy(update={"changes": creates, "names": {f"acc_{i:02d}": f"account.a{i:02d}" for i in range(21)}})
    assert diagram_section(plan) == ["Diagram of the changes left out: it has 41 nodes > 40.", ""]


def test_unlinked_records_make_no_diagram():
    markdown = render_markdown(planned([desired(f"account.a{i}", f"A {i}", owner="mem_x1") for i in range(3)]))
    assert "Diagram" not in markdown and "mermaid" not in markdown
    assert diagram_section(planned([])) == []
    assert diagram_section(planned([desired("account.self", "Self", parent="account.self")])) == []  # linked to itself


def test_a_diagram_bigger_than_its_budget_is_left_out(monkeypatch):
    monkeypatch.setattr(plandiagram, "DIAGRAM_BUDGET", 500)
    lines = diagram_section(planned(linked_pairs(10)))
    assert len(lines) == 2 and re.fullmatch(r"Diagram of the changes left out: it has 10 links in [\d,]+ characters > 500\.", lines[0])


def test_a_hostile_name_leaves_the_markdown_whole():
    hostile = "Evil\n```\n</details>\n| x | y |\x1b[2J `tick` <img src=x> @team\u2028end $$x$$"
    plan = planned([desired("account.evil", hostile), desired("contact.evil", {"firstName": hostile}, account="account.evil")])
    markdown = render_markdown(plan)
    block = mermaid_block(markdown)
    assert "<img" not in block and "```" not in block and "@team" not in block and "$$" not in block and "\x1b" not in block
    lines = markdown.splitlines()
    fences = [line for line in lines if line.startswith("```")]
    assert [fence.strip("`") for fence in fences] == ["mermaid", "", "diff", "", "diff", ""]
    assert all(opening.rstrip("mermaid").rstrip("diff") == closing for opening, closing in zip(fences[::2], fences[1::2]))
    assert not any(line.startswith(fence) for line in lines for fence in fences[1::2] if line not in fences)
    assert markdown.count("<details><summary>") == lines.count("</details>") == 3  # the values' own are in code blocks


def test_thousands_of_linked_changes_stay_under_the_budget():
    markdown = render_markdown(planned(linked_pairs(1_000)))
    assert len(markdown) < MARKDOWN_BUDGET
    assert "Diagram of the changes left out: it has at least 2000 nodes > 40." in markdown
