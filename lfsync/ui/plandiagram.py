"""The markdown plan's diagram of what changes: the changed records, marked by action, and the
records they link to, as a Mermaid flowchart in a collapsed <details> (GitHub draws it).

Drawn only when it shows something a list cannot: a plan with at least one change that writes or
removes a link between records (a plan of unlinked records, e.g. accounts alone, would be boxes
only: no diagram). At most MAX_DIAGRAM_NODES records and DIAGRAM_BUDGET characters; a bigger
picture is one line saying it was left out."""

from __future__ import annotations

from lfsync.plan.model import Plan
from lfsync.plan.picture import LINKED, changes_picture, links_anything
from lfsync.support.textsafe import code_block
from lfsync.ui.mermaid import mermaid_lines

MAX_DIAGRAM_NODES = 40
DIAGRAM_BUDGET = 10_000  # characters of the markdown plan's 60,000 a diagram may take


def diagram_section(plan: Plan) -> list[str]:
    """The markdown lines of the plan's diagram (ending with a blank line), or none."""
    if not plan.changes or not links_anything(plan):
        return []
    changed = len({change.address for change in plan.changes})
    if changed > MAX_DIAGRAM_NODES:  # known too big without drawing it (a plan may hold 100,000 changes)
        return _left_out(f"at least {changed} nodes > {MAX_DIAGRAM_NODES}")
    picture = changes_picture(plan)
    if not picture.edges:  # a record's only link named itself
        return []
    if len(picture.nodes) > MAX_DIAGRAM_NODES:
        return _left_out(f"{len(picture.nodes)} nodes > {MAX_DIAGRAM_NODES}")
    linked = sum(1 for node in picture.nodes if node.state == LINKED)
    summary = (
        f"Diagram of the changes: {len(picture.nodes) - linked} changed record(s), {linked} linked "
        "(thick arrows: links added; dotted: links removed)"
    )
    block = code_block(mermaid_lines(picture), "mermaid")
    size = sum(len(line) + 1 for line in block)
    if size > DIAGRAM_BUDGET:
        return _left_out(f"{len(picture.edges)} links in {size:,} characters > {DIAGRAM_BUDGET:,}")
    return [f"<details><summary>{summary}</summary>", "", *block, "", "</details>", ""]


def _left_out(why: str) -> list[str]:
    return [f"Diagram of the changes left out: it has {why}.", ""]
