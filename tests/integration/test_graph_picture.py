"""Pictures of the CRM graph: `lfsync graph` draws the declared records and their links as Mermaid
or DOT from the declarations alone (no target reached, no state), refuses bad declarations at their
place; the markdown plan (and `show PLANFILE`) carries a Mermaid diagram of what changes."""

from __future__ import annotations

import re

from picture_syntax import dot_statements, mermaid_statements, mermaid_unescaped

from integration.test_graph_project import ACCOUNTS, DEALS, PEOPLE

UNREACHABLE = "target: https://lightfield.invalid\nskip_enrichment: true\n"  # no key either: never asked
SUBSIDIARY = """
    accounts:
      acme-nordics:
        fields: {$name: 'Acme "Nordics" <b>[AS]</b> ``` %% #1'}
        relationships:
          parentAccount: account.acme
          $owner: mem_cadalovelace000000000
    """

EDGES = [
    '  n_account_acme_nordics -->|"parentAccount"| n_account_acme',
    '  n_contact_ada -->|"$account"| n_account_acme',
    '  n_contact_grace -->|"$account"| n_account_acme',
    '  n_contact_grace -->|"$account"| n_account_globex',
    '  n_opportunity_acme_renewal -->|"$account"| n_account_acme',
    '  n_opportunity_acme_renewal -->|"$champion"| n_contact_ada',
    '  n_opportunity_acme_renewal -->|"$evaluator"| n_contact_grace',
    '  n_opportunity_globex_won -->|"$account"| n_account_globex',
]


def graph_project(make_project, settings: str = UNREACHABLE):
    files = {"accounts.yaml": ACCOUNTS, "people.yaml": PEOPLE, "deals.yaml": DEALS, "nordics.yaml": SUBSIDIARY}
    return make_project(files, settings=settings)


def test_graph_draws_the_declared_graph_as_mermaid_without_target_or_state(make_project, cli):
    project = graph_project(make_project)
    drawn = cli("graph", project)
    assert drawn.exit_code == 0, drawn.output
    lines = drawn.stdout.splitlines()
    matches = mermaid_statements(lines)  # every line a statement, every label closed
    assert lines[0] == "flowchart LR"
    nodes = [m.group("id") for m in matches if "id" in m.groupdict()]
    assert nodes == [
        "n_account_acme", "n_account_acme_nordics", "n_account_globex", "n_contact_ada", "n_contact_grace",
        "n_contact_linus", "n_opportunity_acme_renewal", "n_opportunity_globex_won",
    ]
    assert [line for line in lines if "-->" in line] == EDGES  # members and IDs are no nodes
    nordics = next(m for m in matches if "id" in m.groupdict() and m.group("id") == "n_account_acme_nordics")
    assert mermaid_unescaped(nordics.group("a")) == ["account.acme-nordics", 'Acme "Nordics" <b>[AS]</b> ``` %% #1']
    assert '    n_contact_ada(["contact.ada<br/>Ada Lovelace"])' in lines
    assert "  class n_contact_ada,n_contact_grace,n_contact_linus contact" in lines
    assert not (project / "state").exists()
    assert cli("graph", project).stdout == drawn.stdout  # deterministic


def test_graph_draws_dot_with_a_cluster_per_kind(make_project, cli):
    project = graph_project(make_project)
    drawn = cli("graph", project, "--format", "dot")
    assert drawn.exit_code == 0, drawn.output
    lines = drawn.stdout.splitlines()
    dot_statements(lines)
    assert lines[0] == "digraph lfsync {" and lines[-1] == "}"
    assert [line for line in lines if "cluster_" in line] == [
        "  subgraph cluster_account {", "  subgraph cluster_contact {", "  subgraph cluster_opportunity {"
    ]
    assert '    n_account_acme_nordics [label="account.acme-nordics\\nAcme \\"Nordics\\" <b>[AS]</b> ``` %% #1", fillcolor="#e8f0fe"];' in lines
    edges = [re.sub(r" \[label=\"(.*)\", style=solid\];", r" \1", line) for line in lines if " -> " in line]
    assert edges == [re.sub(r' -->\|"(.*)"\| (\w+)', r" -> \2 \1", edge) for edge in EDGES]


def test_graph_refuses_bad_declarations_at_their_place(make_project, cli):
    project = make_project({"people.yaml": """
        contacts:
          ada:
            fields: {$email: [ada@example.com]}
            relationships:
              $account: account.nobody
        """}, settings=UNREACHABLE)
    refused = cli("graph", project)
    assert refused.exit_code == 1 and refused.stdout == ""
    assert "people.yaml:5:17: relationships.$account of contact.ada refers to account.nobody" in refused.stderr


def test_graph_takes_a_workspace_of_the_project(make_project, cli):
    workspaces = "workspaces:\n  demo-eu: {target: https://lightfield.invalid, api_key_env: LF_KEY_DEMO_EU}\n"
    project = graph_project(make_project, settings=UNREACHABLE + workspaces)
    drawn = cli("graph", project, "--workspace", "demo-eu", "--format", "dot")
    assert drawn.exit_code == 0, drawn.output
    assert drawn.stdout == cli("graph", project, "--format", "dot").stdout  # the declarations are the project's
    unknown = cli("graph", project, "--workspace", "nope")
    assert unknown.exit_code == 1 and "no workspace 'nope' in lfsync.yaml" in unknown.stderr


def test_the_markdown_plan_pictures_its_changes_and_a_saved_plan_shows_the_same(make_project, cli, tmp_path):
    project = graph_project(make_project, settings="target: local\nskip_enrichment: true\n")
    saved = tmp_path / "graph.lfplan"
    markdown = cli("plan", project, "--format", "markdown", "--out", saved)
    assert markdown.exit_code == 0, markdown.output
    diagram = re.search(r"<details><summary>Diagram of the changes: 8 changed record\(s\), 0 linked [^<]*</summary>\n\n"
                        r"```mermaid\n(.*?)\n```\n\n</details>\n", markdown.stdout, re.S)
    assert diagram, markdown.stdout[:2000]
    lines = diagram.group(1).splitlines()
    mermaid_statements(lines)
    assert [line for line in lines if "==>" in line] == [edge.replace("-->", "==>") for edge in EDGES]  # all new
    assert "  class n_account_acme,n_account_acme_nordics,n_account_globex,n_contact_ada," in "\n".join(lines)
    assert markdown.stdout.index("Diagram of the changes") < markdown.stdout.index("#### Accounts (3)")
    shown = cli("show", saved, "--format", "markdown")
    assert diagram.group(0) in shown.stdout


def test_after_apply_a_moved_link_is_drawn_removed_and_added(make_project, cli):
    project = graph_project(make_project, settings="target: local\nskip_enrichment: true\n")
    assert cli("apply", project, "--auto-approve").exit_code == 0
    people = project / "people.yaml"
    people.write_text(people.read_text().replace("$account: account.acme\n", "$account: account.globex\n", 1))
    markdown = cli("plan", project, "--format", "markdown").stdout
    assert "Diagram of the changes: 1 changed record(s), 2 linked" in markdown
    assert '  n_contact_ada -.->|"$account"| n_account_acme' in markdown.splitlines()
    assert '  n_contact_ada ==>|"$account"| n_account_globex' in markdown.splitlines()
    assert "  class n_contact_ada update" in markdown.splitlines()
    assert "  class n_account_acme,n_account_globex linked" in markdown.splitlines()
