"""CSV declaration files written (`lfsync export --format csv`): one account per row, every cell
as lfsync.declare.csvfile reads it back (lists joined with `;`, formula starts escaped)."""

from __future__ import annotations

import csv
import io
import json

from lfsync.declare.csvfile import KEY_COLUMN, LIST_SEPARATOR, RELATIONSHIP_PREFIX, formula_escaped


def csv_text(rows: list[tuple[str, dict]]) -> str:
    """A CSV declaration file for (key, declaration body) rows: fields in columns in `$name`-first
    order, then relationships; every value written as `typed_cell` reads it back."""
    field_columns: dict[str, None] = {}
    relationship_columns: dict[str, None] = {}
    for _key, body in rows:
        field_columns.update(dict.fromkeys(body.get("fields", {})))
        relationship_columns.update(dict.fromkeys(body.get("relationships", {})))
    fields = sorted(field_columns, key=lambda key: (key != "$name", not key.startswith("$"), key))
    relationships = sorted(relationship_columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([formula_escaped(column) for column in (KEY_COLUMN, *fields, *(RELATIONSHIP_PREFIX + key for key in relationships))])
    for key, body in rows:
        cells = (
            [key]
            + [cell_text(body.get("fields", {}).get(column)) for column in fields]
            + [cell_text(body.get("relationships", {}).get(column)) for column in relationships]
        )
        writer.writerow([formula_escaped(cell) for cell in cells])
    return out.getvalue()


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
