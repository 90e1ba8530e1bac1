"""A picture (lfsync.plan.picture) as a Mermaid flowchart: `flowchart LR`, one subgraph per kind,
a shape per kind, nodes styled by kind (the declared graph) or by what a plan does to them.

Labels are written as quoted strings in which every character but letters, digits and a few plain
punctuation marks is a Mermaid entity code (`#34;`): a name cannot close its quotes or brackets,
open HTML, start a comment or a markdown string, or close the fence a markdown plan puts it in.
Control characters, invisible ones and secrets go first (lfsync.support.textsafe.plain)."""

from __future__ import annotations

from lfsync.kinds.catalogue import kind_named
from lfsync.plan.picture import ADDED, LINKED, REMOVED, Edge, Picture
from lfsync.support.textsafe import plain

# kind -> (opening, closing) of its node's shape
SHAPES = {"account": ('["', '"]'), "contact": ('(["', '"])'), "opportunity": ('{{"', '"}}')}
ARROWS = {None: "-->", ADDED: "==>", REMOVED: "-.->"}
# class -> its style: kinds in the declared graph, a plan's actions (and the records they link to)
STYLES = {
    "account": "fill:#e8f0fe,stroke:#1a73e8",
    "contact": "fill:#e6f4ea,stroke:#188038",
    "opportunity": "fill:#fef7e0,stroke:#b06000",
    "create": "fill:#d4f8d4,stroke:#1a7f37,stroke-width:2px",
    "adopt": "fill:#ddf4ff,stroke:#0969da,stroke-width:2px",
    "update": "fill:#fff8c5,stroke:#9a6700,stroke-width:2px",
    "restore": "fill:#d8f3f0,stroke:#1b7c83,stroke-width:2px",
    "move": "fill:#fbefff,stroke:#8250df,stroke-width:2px",
    "delete": "fill:#ffebe9,stroke:#cf222e,stroke-width:2px,stroke-dasharray:4 2",
    LINKED: "fill:#f6f8fa,stroke:#8c959f",
}
_PLAIN = frozenset(" .,_-:/$+()'!?")
_MATH = "$$"  # `$$...$$` is math in newer Mermaid: a `$` beside another is written as its code


def mermaid_text(text: str) -> str:
    """`text` safe inside a quoted Mermaid label: letters, digits and plain punctuation kept, the
    rest as entity codes; line breaks and tabs as spaces."""
    one_line = plain(" ".join(str(text).replace("\t", " ").splitlines()))
    return "".join(
        character
        if (character.isalnum() or character in _PLAIN) and not (character == "$" and _MATH in one_line[max(0, at - 1) : at + 2])
        else f"#{ord(character)};"
        for at, character in enumerate(one_line)
    )


def mermaid_lines(picture: Picture) -> list[str]:
    """The flowchart, one statement a line, in the picture's (deterministic) order."""
    identifiers = picture.identifiers()
    lines = ["flowchart LR"]
    classes: dict[str, list[str]] = {}
    for kind, nodes in picture.kinds():
        heading = kind_named(kind).declaration_key.capitalize()
        lines.append(f'  subgraph k_{kind}["{mermaid_text(heading)}"]')
        opening, closing = SHAPES.get(kind, ('["', '"]'))
        for node in nodes:
            label = "<br/>".join(mermaid_text(line) for line in node.label)
            lines.append(f"    {identifiers[node.address]}{opening}{label}{closing}")
            classes.setdefault(node.state or kind, []).append(identifiers[node.address])
        lines.append("  end")
    lines += [_edge(edge, identifiers) for edge in picture.edges]
    for name in sorted(classes):
        lines.append(f"  classDef {name} {STYLES.get(name, STYLES[LINKED])}")
        lines.append(f"  class {','.join(classes[name])} {name}")
    return lines


def _edge(edge: Edge, identifiers: dict[str, str]) -> str:
    return f'  {identifiers[edge.source]} {ARROWS[edge.change]}|"{mermaid_text(edge.key)}"| {identifiers[edge.target]}'
