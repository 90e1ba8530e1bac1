"""A picture (lfsync.plan.picture) as a Graphviz DOT digraph: left to right, one cluster per kind,
a shape per kind, nodes filled by kind (the declared graph) or by what a plan does to them.

Node IDs are the picture's safe identifiers; every label is a quoted string with `\\` and `"`
escaped (so no escString such as `\\N` or `\\l` is formed from a name) and its lines joined by `\\n`.
Control characters, invisible ones and secrets go first (lfsync.support.textsafe.plain)."""

from __future__ import annotations

from lfsync.kinds.catalogue import kind_named
from lfsync.plan.picture import ADDED, LINKED, REMOVED, Edge, Picture
from lfsync.support.textsafe import plain

SHAPES = {"account": "box", "contact": "ellipse", "opportunity": "hexagon"}
EDGE_STYLES = {None: "solid", ADDED: "bold", REMOVED: "dashed"}
# kinds in the declared graph, a plan's actions (and the records they link to)
FILLS = {
    "account": "#e8f0fe",
    "contact": "#e6f4ea",
    "opportunity": "#fef7e0",
    "create": "#d4f8d4",
    "adopt": "#ddf4ff",
    "update": "#fff8c5",
    "restore": "#d8f3f0",
    "move": "#fbefff",
    "delete": "#ffebe9",
    LINKED: "#f6f8fa",
}


def dot_text(text: str) -> str:
    """`text` as the inside of a DOT quoted string: one line, `\\` and `"` escaped."""
    one_line = " ".join(str(text).replace("\t", " ").splitlines())
    return plain(one_line).replace("\\", "\\\\").replace('"', '\\"')


def dot_lines(picture: Picture) -> list[str]:
    """The digraph, one statement a line, in the picture's (deterministic) order."""
    identifiers = picture.identifiers()
    lines = [
        "digraph lfsync {",
        "  rankdir=LR;",
        '  graph [fontname="Helvetica"];',
        '  node [style=filled, fontname="Helvetica"];',
        '  edge [fontname="Helvetica"];',
    ]
    for kind, nodes in picture.kinds():
        lines += [
            f"  subgraph cluster_{kind} {{",
            f'    label="{dot_text(kind_named(kind).declaration_key.capitalize())}";',
            f"    node [shape={SHAPES.get(kind, 'box')}];",
        ]
        for node in nodes:
            label = "\\n".join(dot_text(line) for line in node.label)
            fill = FILLS.get(node.state or kind, FILLS[LINKED])
            lines.append(f'    {identifiers[node.address]} [label="{label}", fillcolor="{fill}"];')
        lines.append("  }")
    lines += [_edge(edge, identifiers) for edge in picture.edges]
    return lines + ["}"]


def _edge(edge: Edge, identifiers: dict[str, str]) -> str:
    style = EDGE_STYLES[edge.change]
    return f'  {identifiers[edge.source]} -> {identifiers[edge.target]} [label="{dot_text(edge.key)}", style={style}];'
