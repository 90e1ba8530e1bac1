"""Canonical formatting of declaration files, comments kept (`lfsync fmt`).

Canonical means: 2-space mapping indent, block sequences indented under their key,
each account's keys in the order fields -> relationships -> skip_enrichment. Scalars keep the
quoting the author chose: "NO", '5000+' and plain NO all stay as written (lfsync reads YAML 1.2,
where each of them is the text it shows), so formatting never changes what a value looks like.
"""

from __future__ import annotations

import difflib
import io
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from lfsync.config.yamlio import load_yaml_text, read_text, round_trip_yaml
from lfsync.declare.rules import ACCOUNT_KEYS, RECORD_KEYS
from lfsync.declare.yamlload import read_declaration_bytes
from lfsync.errors import DeclarationError, Problems, display_path
from lfsync.support.atomicfile import write_atomically
from lfsync.support.textsafe import plain
from lfsync.support.utf8 import decode

LINE_WIDTH = 4096  # never re-wrap long values: line breaks are the author's choice
MAPPING_INDENT = 2
SEQUENCE_DASH_WIDTH = 2  # "- ": block sequences are indented 2 under their key, items 2 after the dash
ACCOUNT_INDENT = 2  # accounts: -> <key>:, at 2 spaces a level
ACCOUNT_BODY_INDENT = 4  # <key>: -> fields:


def format_text(text: str, path_display: str = "<text>") -> str:
    """The canonical form of a declaration file's text; raises DeclarationError for invalid YAML."""
    document = load_yaml_text(text, path_display)  # for its errors: file:line:col, duplicate keys
    if document is not None:
        document = _quote_keeping_yaml().load(text)
    if document is None:
        # Empty or comments only: ruamel keeps no comments without a document to hang them on.
        return _tidy_blank_document(text)
    _reindent_comments(document)
    _order_account_keys(document)
    return dump_yaml(document)


def format_files(paths: list[Path], check: bool = False, project_root: Path | None = None) -> list[Path]:
    """Format files in place (or only look, with check=True); returns those that change / would change."""
    return [path for path, _, _ in formatting_changes(paths, write=not check, project_root=project_root)]


def formatting_changes(
    paths: list[Path], write: bool, project_root: Path | None = None
) -> list[tuple[Path, str, str]]:
    """(path, text now, formatted text) of every file formatting changes; written when `write`.

    Nothing is written unless every file parses, so a failed run leaves the project untouched.
    With `project_root`, a file that resolves outside it (a symlink) is refused unread: fmt would
    otherwise copy its target's contents into the project.
    """
    problems = Problems()
    changes: list[tuple[Path, str, str]] = []
    for path in paths:
        shown = plain(display_path(path))  # a file name on one line, as declarations.shown_path gives it
        try:
            original = (
                decode(read_declaration_bytes(path, shown, project_root), shown)
                if project_root is not None
                else read_text(path, shown)
            )
            formatted = format_text(original, shown)
        except DeclarationError as error:
            problems.extend(error.problems)
            continue
        if formatted != original:
            changes.append((path, original, formatted))
    if problems:
        raise DeclarationError(problems)
    if write:
        for path, _, formatted in changes:
            _rewrite(path, formatted)
    return changes


def _quote_keeping_yaml():
    yaml = round_trip_yaml()
    yaml.preserve_quotes = True
    return yaml


def unified_diff(path_display: str, before: str, after: str) -> str:
    """What formatting would change, as `diff -u` shows it."""
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), f"{path_display} (now)", f"{path_display} (formatted)"
        )
    )


def dump_yaml(document: Any) -> str:
    yaml = round_trip_yaml()
    yaml.indent(mapping=MAPPING_INDENT, sequence=MAPPING_INDENT + SEQUENCE_DASH_WIDTH, offset=SEQUENCE_DASH_WIDTH)
    yaml.width = LINE_WIDTH
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()


def _tidy_blank_document(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n" if lines else ""


def _reindent_comments(document: Any) -> None:
    """Move comments along with the lines they belong to when the indentation changes.

    ruamel writes comments at the column they had in the source, so without this
    re-indenting a 4-space file would leave comments stranded at the old columns.
    """
    columns: dict[int, int] = {}
    entry_comments: list[EntryComment] = []
    # ruamel indents a top-level block sequence by its offset too.
    root_column = SEQUENCE_DASH_WIDTH if isinstance(document, CommentedSeq) else 0
    _collect_columns(document, root_column, columns, entry_comments)
    adjusted: set[int] = set()
    for token, shift, sibling_column in entry_comments:
        if id(token) not in adjusted:
            adjusted.add(id(token))
            if token.value.startswith("#"):
                token.column = max(token.column + shift, 0)
            token.value = _reindent_following_lines(token.value, columns, sibling_column)
    for token in _comment_tokens(document):
        if id(token) not in adjusted:
            adjusted.add(id(token))
            token.column = _new_column(token.column, columns)
            token.value = _reindent_following_lines(token.value, columns)


# The comment after an entry: its end-of-line part moves with the entry (shift); the
# lines after it precede the next sibling, at sibling_column (None after the last entry).
EntryComment = tuple[CommentToken, int, "int | None"]


def _collect_columns(node: Any, new_column: int, columns: dict[int, int], entry_comments: list[EntryComment]) -> None:
    """Map each old entry column to its canonical one and note the comments after entries."""
    if not isinstance(node, (CommentedMap, CommentedSeq)) or node.fa.flow_style():
        return
    is_mapping = isinstance(node, CommentedMap)
    entries = list(node.items()) if isinstance(node, CommentedMap) else list(enumerate(node))
    entry_column = new_column if is_mapping else new_column + SEQUENCE_DASH_WIDTH
    for position, (entry, value) in enumerate(entries):
        try:
            old_column = node.lc.key(entry)[1] if is_mapping else node.lc.item(entry)[1]
        except (KeyError, IndexError, TypeError):
            continue
        columns.setdefault(old_column, entry_column)
        comments = node.ca.items.get(entry)
        token = comments[2 if is_mapping else 0] if comments else None
        if isinstance(token, CommentToken):
            sibling_column = new_column if position < len(entries) - 1 else None
            entry_comments.append((token, entry_column - old_column, sibling_column))
        child_column = new_column + MAPPING_INDENT if is_mapping else entry_column
        _collect_columns(value, child_column, columns, entry_comments)


def _comment_tokens(node: Any) -> list[CommentToken]:
    tokens: list[CommentToken] = []
    if isinstance(node, (CommentedMap, CommentedSeq)):
        tokens.extend(_flatten_tokens([node.ca.comment, list(node.ca.items.values()), getattr(node.ca, "end", None)]))
        for value in node.values() if isinstance(node, CommentedMap) else node:
            tokens.extend(_comment_tokens(value))
    return tokens


def _flatten_tokens(value: Any) -> list[CommentToken]:
    if isinstance(value, CommentToken):
        return [value]
    if isinstance(value, list):
        return [token for item in value for token in _flatten_tokens(item)]
    return []


def _new_column(old_column: int, columns: dict[int, int]) -> int:
    if old_column == 0:
        return 0
    known = [column for column in columns if column <= old_column]
    if not known:
        return old_column
    nearest = max(known)
    return columns[nearest] + (old_column - nearest)


def _reindent_following_lines(text: str, columns: dict[int, int], sibling_column: int | None = None) -> str:
    first, newline, rest = text.partition("\n")
    lines = []
    for line in rest.splitlines(keepends=True):
        stripped = line.lstrip(" ")
        if stripped.strip():
            old_column = len(line) - len(stripped)
            column = sibling_column if sibling_column is not None else _new_column(old_column, columns)
            line = " " * column + stripped
        lines.append(line)
    return first + newline + "".join(lines)


def _order_account_keys(document: Any) -> None:
    """Each record's keys (accounts, contacts, opportunities alike) in the documented order."""
    if not isinstance(document, CommentedMap):
        return
    for declaration_key in RECORD_KEYS:
        records = document.get(declaration_key)
        if isinstance(records, CommentedMap):
            _order_record_keys(records)


def _order_record_keys(records: CommentedMap) -> None:
    for body in records.values():
        if not isinstance(body, CommentedMap):
            continue
        desired = [key for key in ACCOUNT_KEYS if key in body] + [key for key in body if key not in ACCOUNT_KEYS]
        if list(body) != desired:
            _reorder_keeping_comments(body, desired)


def _reorder_keeping_comments(body: CommentedMap, desired: list[Any]) -> None:
    """Reorder an account's keys; comment lines between entries stay with the entry they precede.

    ruamel hangs the comment lines that precede a key on the end of the entry
    before it, so moving entries naively would move those lines to the wrong place.
    """
    original = list(body)
    leading = {key: _detach_following_lines(body, before) for before, key in zip(original, original[1:])}
    trailing = _detach_following_lines(body, original[-1])
    for key in desired:
        body.move_to_end(key)
    for key, text in leading.items():
        if text:
            _attach_before(body, key, _reindent(text, ACCOUNT_BODY_INDENT))
    if trailing:
        # Lines after an account's last entry introduce the next account (or, at column 0, the file's end).
        _attach_after(body, desired[-1], _reindent(trailing, ACCOUNT_INDENT, keep_column_zero=True))


def _last_comment_slot(container: Any, key: Any) -> tuple[Any, Any, int]:
    """Where the comment after an entry's last line lives: (holder, key or index, slot in ca.items)."""
    value = container[key]
    if isinstance(value, (CommentedMap, CommentedSeq)) and value and not value.fa.flow_style():
        return _last_comment_slot(value, list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1)
    return container, key, (0 if isinstance(container, CommentedSeq) else 2)


def _detach_following_lines(container: Any, key: Any) -> str:
    """Remove and return the full comment lines after an entry, keeping its end-of-line comment."""
    holder, slot_key, slot = _last_comment_slot(container, key)
    entry = holder.ca.items.get(slot_key)
    token = entry[slot] if entry else None
    if not isinstance(token, CommentToken):
        return ""
    end_of_line, _, following = token.value.partition("\n")
    if end_of_line.strip():
        token.value = end_of_line + "\n"
    else:
        entry[slot] = None
    return following


def _attach_before(mapping: CommentedMap, key: Any, text: str) -> None:
    entry = mapping.ca.items.setdefault(key, [None, None, None, None])
    entry[1] = [CommentToken(text, CommentMark(0), None)] + (entry[1] or [])


def _attach_after(container: Any, key: Any, text: str) -> None:
    holder, slot_key, slot = _last_comment_slot(container, key)
    entry = holder.ca.items.setdefault(slot_key, [None, None, None, None])
    if entry[slot] is None:
        entry[slot] = CommentToken("\n" + text, CommentMark(0), None)
    else:
        entry[slot].value += text


def _reindent(text: str, indent: int, keep_column_zero: bool = False) -> str:
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.strip():
            lines.append("\n")
        elif keep_column_zero and not line[0].isspace():
            lines.append(line)
        else:
            lines.append(" " * indent + line.lstrip())
    return "".join(lines)


def _rewrite(path: Path, text: str) -> None:
    write_atomically(path, text, mode=path.stat().st_mode)
