"""CSV declaration files written (`lfsync export --format csv`): one record per row, one kind a file, every cell
as lfsync.declare.csvfile reads it back (lists joined with `;`, text cells that start like a formula
escaped with an apostrophe as lfsync.declare.csvformulas says; numbers written as they are)."""

from __future__ import annotations

import json

from lfsync.declare.csvfile import KEY_COLUMN, LIST_SEPARATOR, RELATIONSHIP_PREFIX
from lfsync.declare.csvformulas import formula_escaped

QUOTED_WHEN = (",", '"', "\r", "\n")  # a cell holding one of these is quoted


def csv_text(rows: list[tuple[str, dict]], key_column: str = KEY_COLUMN) -> str:
    """A CSV declaration file for (key, declaration body) rows: fields in columns in `$name`-first
    order, then relationships; every value written as `typed_cell` reads it back. `key_column`
    names the kind (lfsync.declare.csvfile.KEY_COLUMNS: `key` for accounts, `contact`, `opportunity`)."""
    field_columns: dict[str, None] = {}
    relationship_columns: dict[str, None] = {}
    for _key, body in rows:
        field_columns.update(dict.fromkeys(body.get("fields", {})))
        relationship_columns.update(dict.fromkeys(body.get("relationships", {})))
    fields = sorted(field_columns, key=lambda key: (key != "$name", not key.startswith("$"), key))
    relationships = sorted(relationship_columns)
    columns = (key_column, *fields, *(RELATIONSHIP_PREFIX + key for key in relationships))
    lines = [record_line([formula_escaped(column) for column in columns])]
    for key, body in rows:
        cells = (
            [formula_escaped(key)]
            + [exported_cell(body.get("fields", {}).get(column)) for column in fields]
            + [exported_cell(body.get("relationships", {}).get(column)) for column in relationships]
        )
        lines.append(record_line(cells))
    return "".join(lines)


def record_line(cells: list[str]) -> str:
    """One RFC 4180 record ending in a line feed: a cell holding a comma, a quote, a line feed or a
    carriage return is quoted, its quotes doubled. (Python's csv.writer leaves a carriage return
    unquoted when records end in a line feed alone, and every CSV reader takes it for a line end.)"""
    return ",".join(_quoted(cell) if any(char in cell for char in QUOTED_WHEN) else cell for cell in cells) + "\n"


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


def exported_cell(value: object) -> str:
    """One value as its cell: text that a spreadsheet would run as a formula escaped; a number
    (`-5`) as it is, since a spreadsheet reads it as that number and the reader types it by its field."""
    text = cell_text(value)
    return text if isinstance(value, (int, float)) and not isinstance(value, bool) else formula_escaped(text)


def cell_text(value: object) -> str:
    """One value as a cell's text: lists joined with `; ` (separators and backslashes escaped)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return f"{LIST_SEPARATOR} ".join(
            str(item).replace("\\", "\\\\").replace(LIST_SEPARATOR, "\\" + LIST_SEPARATOR) for item in value
        )
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
