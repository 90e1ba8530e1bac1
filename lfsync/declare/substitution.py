"""`${vars.name}` substituted in a declaration file's values, each problem at the file:line:col of
the use (lfsync.declare.variables does the text work).

Only the values of records' `fields` and `relationships` are substituted (at any depth: an
address's city, an item of a list; relationship targets too, so a reference like
`account.${vars.region_key}` is built before it is checked), and the values of a `generate:`
block (substitute_section: its seed, templates, counts written as text), before it generates. Keys, address keys, flags,
`ignore_changes:` and `moved:` entries are never read for variables. A YAML document is changed
in place before its records are checked, so every check (and the plan) sees resolved values; a
CSV file's cells likewise, before its rows are read.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from typing import Any, Callable

from lfsync.config.vars import NAME_PATTERN
from lfsync.declare.variables import VariableProblem, Variables, as_text, substitute
from lfsync.declare.yamldocument import LoadedFile
from lfsync.errors import Problem, Problems, SourceLocation
from lfsync.kinds.catalogue import kind_declared_as

SUBSTITUTED_SECTIONS = ("fields", "relationships")
Describe = Callable[[tuple], str]


class SourceText:
    """A file's text with its line starts, to find where in the source a use was written."""

    def __init__(self, text: str):
        self.text = text
        self.line_starts = [0]
        newline = text.find("\n")
        while newline >= 0:
            self.line_starts.append(newline + 1)
            newline = text.find("\n", newline + 1)

    def index(self, line: int, column: int) -> int:
        start = self.line_starts[min(max(line, 1), len(self.line_starts)) - 1]
        return min(start + column - 1, len(self.text))

    def place(self, index: int) -> tuple[int, int]:
        line = bisect_right(self.line_starts, index)
        return line, index - self.line_starts[line - 1] + 1

    def use_place(self, line: int, column: int, value: str, problem: VariableProblem) -> tuple[int, int]:
        """Where the use `problem` names was written, in a value whose source starts at line:column:
        the n-th unescaped occurrence of its text from there (a value spelt with escapes, where it
        cannot be found near the value, is named by the value's own place)."""
        token = _token_at(value, problem.offset)
        nth = _unescaped_occurrences(value, token, problem.offset)
        position = self.index(line, column)
        window_end = position + 4 * (len(value) + 8)
        seen = 0
        while (found := self.text.find(token, position, window_end)) >= 0:
            if found == 0 or self.text[found - 1] != "$":
                if seen == nth:
                    return self.place(found)
                seen += 1
            position = found + 1
        return line, column


def _token_at(value: str, offset: int) -> str:
    """The text of the use starting at `offset`: `${vars.name}` when well formed, else `${vars.`."""
    closing = value.find("}", offset)
    token = value[offset:closing + 1] if closing >= 0 else ""
    return token if NAME_PATTERN.fullmatch(token[len("${vars."):-1]) else "${vars."


def _unescaped_occurrences(value: str, token: str, before: int) -> int:
    count, found = 0, value.find(token)
    while 0 <= found < before:
        if found == 0 or value[found - 1] != "$":
            count += 1
        found = value.find(token, found + 1)
    return count


def substitute_yaml(loaded: LoadedFile, source: str, variables: Variables, describe: Describe, problems: Problems) -> None:
    """Every record's field and relationship values in `loaded` with their variables substituted,
    in place; a value with a problem is refused (left out, as the loader leaves out what it refuses)."""
    document = loaded.data
    if not isinstance(document, dict):
        return
    text: list[SourceText] = []  # built on the first problem only
    refused: set[tuple] = set()

    def report(path: tuple, value: str, found: list[VariableProblem]) -> None:
        _report(loaded, source, text, describe, path, value, found, problems, refused)

    for declaration_key, records in document.items():
        if kind_declared_as(declaration_key) is None or not isinstance(records, dict):
            continue
        for key, body in records.items():
            if not isinstance(body, dict):
                continue
            for section in SUBSTITUTED_SECTIONS:
                if isinstance(body.get(section), (dict, list)):
                    _walk(body[section], (declaration_key, key, section), variables, report)
    if refused:
        loaded.document.refused = loaded.document.refused | refused


def substitute_section(
    loaded: LoadedFile, source: str, variables: Variables, describe: Describe, problems: Problems, key: str
) -> None:
    """Every value under the top-level `key` (e.g. `generate`) with its variables substituted, in place;
    a value with a problem is refused, as in substitute_yaml."""
    document = loaded.data
    if not isinstance(document, dict) or not isinstance(document.get(key), (dict, list)):
        return
    text: list[SourceText] = []
    refused: set[tuple] = set()

    def report(path: tuple, value: str, found: list[VariableProblem]) -> None:
        _report(loaded, source, text, describe, path, value, found, problems, refused)

    _walk(document[key], (key,), variables, report)
    if refused:
        loaded.document.refused = loaded.document.refused | refused


Report = Callable[[tuple, str, list[VariableProblem]], None]


def _walk(node: Any, path: tuple, variables: Variables, report: Report) -> None:
    """Substitutes in place in the strings `node` (a dict or list) holds, at any depth."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items):
        if isinstance(value, str):
            if "${vars." in value:
                resolved, found = substitute(value, variables)
                if found:
                    node[key] = None
                    report(path + (key,), value, found)
                else:
                    node[key] = resolved
        elif isinstance(value, (dict, list)):
            _walk(value, path + (key,), variables, report)


def _report(
    loaded: LoadedFile, source: str, text: list[SourceText], describe: Describe, path: tuple, value: str,
    found: list[VariableProblem], problems: Problems, refused: set[tuple],
) -> None:
    refused.add(path)
    if not text:
        text.append(SourceText(source))
    try:
        line, column = loaded.value_place(path)
    except KeyError:
        line, column = loaded.document.positions.root[:2]
    for problem in found:
        where = SourceLocation(loaded.shown, *text[0].use_place(line, column, value, problem))
        problems.append(Problem(f"{describe(path)}: {problem.message}", where, problem.hint))


def substitute_rows(
    rows: list[list[Any]], columns: list[str], substituted: set[str], address_of_row: Callable[[list[Any]], str],
    source: str, shown: str, variables: Variables, problems: Problems,
) -> None:
    """The cells of `substituted` columns of each CSV row (Cells with text, line, column) with their
    variables substituted, in place; always text (a cell is typed by its field's definition later).
    A cell with a problem keeps its text, and the problem is recorded."""
    text: list[SourceText] = []  # built on the first problem only
    for row in rows:
        for index, (column, cell) in enumerate(zip(columns, row)):
            if column not in substituted or "${vars." not in cell.text:
                continue
            resolved, found = substitute(cell.text, variables)
            if not found:
                row[index] = replace(cell, text=as_text(resolved))
                continue
            if not text:
                text.append(SourceText(source))
            for problem in found:
                at = text[0].use_place(cell.line, cell.column, cell.text, problem)
                problems.append(
                    Problem(f"{column} of {address_of_row(row)}: {problem.message}", SourceLocation(shown, *at), problem.hint)
                )
