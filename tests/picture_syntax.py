"""The statements lfsync's Mermaid and DOT renderers write, as patterns, for tests to hold every
line of a picture to (no label that leaks out of its quotes can match) and to read labels back."""

from __future__ import annotations

import re


def _compiled(*patterns: str) -> list[re.Pattern]:
    """A renderer's statements, one pattern each."""
    return [re.compile(pattern) for pattern in patterns]


LABEL = r"(?:[\w .,\-:/$+()'!?]|#\d+;|<br/>)*"
MERMAID_STATEMENTS = _compiled(
    r"flowchart LR",
    rf'  subgraph k_[a-z]+\["{LABEL}"\]',
    rf'    (?P<id>n_\w+)(?:\["(?P<a>{LABEL})"\]|\(\["(?P<b>{LABEL})"\]\)|\{{\{{"(?P<c>{LABEL})"\}}\}})',
    r"  end",
    rf'  n_\w+ (?:-->|==>|-\.->)\|"(?P<edge>{LABEL})"\| n_\w+',
    r"  classDef [a-z]+ [\w:#,\-. ]+",
    r"  class n_\w+(?:,n_\w+)* [a-z]+",
)


def mermaid_statements(lines: list[str]) -> list[re.Match]:
    """Each line matched as one of the Mermaid statements (an AssertionError names the first that is not)."""
    return _statements(lines, MERMAID_STATEMENTS)


def mermaid_unescaped(label: str) -> list[str]:
    return [re.sub(r"#(\d+);", lambda code: chr(int(code.group(1))), part) for part in label.split("<br/>")]


QUOTED = r'"(?:[^"\\\n]|\\.)*"'
DOT_STATEMENTS = _compiled(
    r"digraph lfsync \{",
    r"  rankdir=LR;",
    r'  (?:graph|node|edge) \[[a-z=, "A-Za-z]+\];',
    r"  subgraph cluster_[a-z]+ \{",
    rf"    label={QUOTED};",
    r"    node \[shape=[a-z]+\];",
    rf'    (?P<id>n_\w+) \[label=(?P<label>{QUOTED}), fillcolor="#[0-9a-f]{{6}}"\];',
    r"  \}",
    rf"  n_\w+ -> n_\w+ \[label=(?P<edge>{QUOTED}), style=(?:solid|bold|dashed)\];",
    r"\}",
)


def dot_statements(lines: list[str]) -> list[re.Match]:
    """Each line matched as one of the DOT statements; opened and closed braces balance."""
    assert sum(line.endswith("{") for line in lines) == sum(line.strip() == "}" for line in lines)
    return _statements(lines, DOT_STATEMENTS)


def _statements(lines: list[str], patterns: list[re.Pattern]) -> list[re.Match]:
    matches = []
    for line in lines:
        found = [match for pattern in patterns if (match := pattern.fullmatch(line))]
        assert found, f"not a statement this renderer writes: {line!r}"
        matches.append(found[0])
    return matches


def dot_unescaped(quoted: str) -> list[str]:
    """A DOT quoted string's lines, as Graphviz reads them (`\\n` a line break, `\\x` the character x)."""
    lines, current, characters = [], "", iter(quoted[1:-1])
    for character in characters:
        if character == "\\":
            escaped = next(characters)
            if escaped == "n":
                lines.append(current)
                current = ""
                continue
            assert escaped in '\\"', f"an escString Graphviz would expand: \\{escaped}"
            character = escaped
        current += character
    return lines + [current]
