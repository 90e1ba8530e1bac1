"""`lfsync graph [DIR]`: the declared graph drawn as Mermaid (default) or Graphviz DOT, on stdout."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import show_warnings
from lfsync.operations.graphing import declared_graph
from lfsync.ui.console import stdout, stdout_reader_may_leave
from lfsync.ui.dot import dot_lines
from lfsync.ui.mermaid import mermaid_lines

FORMATS = {"mermaid": mermaid_lines, "dot": dot_lines}


@click.command()
@options.project_dir
@click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)), default="mermaid", show_default=True)
@options.workspace
def graph(directory: Path, output_format: str, workspace: str | None) -> None:
    """Draw the declared records and their links as Mermaid or Graphviz DOT (declarations only).

    Accounts, contacts and opportunities are the nodes, grouped by kind; an arrow is a relationship
    naming another declared record (a contact's `$account`, an opportunity's `$account`, `$champion`
    and `$evaluator`, an account's parent). Members and Lightfield IDs are no nodes. Needs no
    target, no API key and no state. Mermaid prints as `flowchart LR` (paste it into a ```mermaid
    block); DOT renders with `lfsync graph --format dot | dot -Tsvg > graph.svg`.
    """
    drawn = declared_graph(directory, workspace)
    show_warnings(drawn.warnings)
    with stdout_reader_may_leave():
        stdout().out("\n".join(FORMATS[output_format](drawn.picture)))
