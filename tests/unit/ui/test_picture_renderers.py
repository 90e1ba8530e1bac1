"""Mermaid and DOT renderings of a picture: every line one well-formed statement, labels that no
name can break out of (read back, they say what was written), and the same text for the same graph."""

from __future__ import annotations

import pytest
from picture_syntax import dot_statements, dot_unescaped, mermaid_statements, mermaid_unescaped

from lfsync.plan.picture import ADDED, LINKED, REMOVED, Edge, Node, Picture, declared_picture
from lfsync.plan.resources import DesiredAccount
from lfsync.support import secrets
from lfsync.support.textsafe import plain
from lfsync.ui.dot import dot_lines
from lfsync.ui.mermaid import mermaid_lines

HOSTILE = (
    'Evil"] --> x\n</details>\n```\n<img src=x> #35; %%{init: {}}%% {{"}} (["\\N \\" ; end'
    "\x1b[2J\u202e $$x^2$$ `tick` [link](http://x) |pipe| & @team"
)
SECRET = "sk_lf_picture_secret_1234567890"


def hostile_picture(state: str | None = None) -> Picture:
    nodes = (
        Node("account.end", "account", ("account.end", HOSTILE), state),
        Node("contact.o-x", "contact", ("contact.o-x", f"key {SECRET}"), state and LINKED),
        Node("opportunity.x", "opportunity", ("opportunity.x",), state),
    )
    edges = (
        Edge("contact.o-x", "account.end", '$account"]|x|'),
        Edge("opportunity.x", "account.end", "$account", ADDED),
        Edge("opportunity.x", "contact.o-x", "$champion", REMOVED),
    )
    return Picture(nodes, edges)


@pytest.fixture(autouse=True)
def a_remembered_secret():
    secrets.remember(SECRET)
    yield
    secrets.forget_all()


def expected(text: str) -> str:
    """What a label line shows: one line, without controls, invisible characters or secrets."""
    return plain(" ".join(text.splitlines()))


# --- Mermaid ------------------------------------------------------------------------------------

def test_a_hostile_name_stays_inside_its_mermaid_label_and_reads_back_as_written():
    lines = mermaid_lines(hostile_picture())
    matches = mermaid_statements(lines)
    labels = {m.group("id"): m.group("a") or m.group("b") or m.group("c") for m in matches if "id" in m.groupdict()}
    assert mermaid_unescaped(labels["n_account_end"]) == ["account.end", expected(HOSTILE)]
    assert mermaid_unescaped(labels["n_contact_o_x"]) == ["contact.o-x", "key ***"]
    edges = [mermaid_unescaped(m.group("edge"))[0] for m in matches if "edge" in m.groupdict()]
    assert edges == ['$account"]|x|', "$account", "$champion"]
    text = "\n".join(lines)
    assert "$$" not in text and "```" not in text and "<img" not in text and "%%" not in text and SECRET not in text
    assert "\x1b" not in text and "\u202e" not in text


def test_mermaid_groups_by_kind_shapes_each_and_draws_changes_apart():
    lines = mermaid_lines(hostile_picture(state="create"))
    assert lines[0] == "flowchart LR"
    assert [line for line in lines if "subgraph" in line] == [
        '  subgraph k_account["Accounts"]', '  subgraph k_contact["Contacts"]', '  subgraph k_opportunity["Opportunities"]'
    ]
    assert '    n_opportunity_x{{"opportunity.x"}}' in lines
    assert '  n_opportunity_x ==>|"$account"| n_account_end' in lines  # added: thick
    assert '  n_opportunity_x -.->|"$champion"| n_contact_o_x' in lines  # removed: dotted
    assert "  class n_account_end,n_opportunity_x create" in lines and "  class n_contact_o_x linked" in lines
    assert any(line.startswith("  classDef create fill:") for line in lines)


# --- DOT ----------------------------------------------------------------------------------------

def test_a_hostile_name_stays_inside_its_dot_label_and_reads_back_as_written():
    lines = dot_lines(hostile_picture())
    matches = dot_statements(lines)
    labels = {m.group("id"): m.group("label") for m in matches if "id" in m.groupdict()}
    assert dot_unescaped(labels["n_account_end"]) == ["account.end", expected(HOSTILE)]
    assert dot_unescaped(labels["n_contact_o_x"]) == ["contact.o-x", "key ***"]
    assert [dot_unescaped(m.group("edge"))[0] for m in matches if "edge" in m.groupdict()] == ['$account"]|x|', "$account", "$champion"]
    assert sum(line.endswith("{") for line in lines) == sum(line.strip() == "}" for line in lines) == 4
    assert "\x1b" not in "".join(lines) and SECRET not in "".join(lines)


def test_dot_clusters_and_shapes_each_kind_and_styles_changed_links():
    lines = dot_lines(hostile_picture(state="update"))
    assert [line.strip() for line in lines if "shape=" in line] == [
        "node [shape=box];", "node [shape=ellipse];", "node [shape=hexagon];"
    ]
    assert '  n_opportunity_x -> n_account_end [label="$account", style=bold];' in lines
    assert '  n_opportunity_x -> n_contact_o_x [label="$champion", style=dashed];' in lines


# --- determinism --------------------------------------------------------------------------------


def test_the_same_graph_declared_in_another_order_renders_the_same_text():
    records = {
        f"{kind}.{key}": DesiredAccount(f"{kind}.{key}", {"$name": key}, links, False)
        for kind, key, links in [
            ("contact", "b", {"$account": ["account.a", "account.c"]}),
            ("account", "c", {"parentAccount": "account.a"}),
            ("opportunity", "d", {"$account": "account.a", "$champion": "contact.b"}),
            ("account", "a", {"$contact": ["contact.b"]}),
        ]
    }
    reordered = dict(sorted(records.items(), reverse=True))
    for render in (mermaid_lines, dot_lines):
        assert render(declared_picture(records)) == render(declared_picture(reordered))
    assert [line for line in mermaid_lines(declared_picture(records)) if "-->" in line] == [  # sorted
        '  n_account_c -->|"parentAccount"| n_account_a',
        '  n_contact_b -->|"$account"| n_account_a',
        '  n_contact_b -->|"$account"| n_account_c',
        '  n_opportunity_d -->|"$account"| n_account_a',
        '  n_opportunity_d -->|"$champion"| n_contact_b',
    ]
