"""CSV declaration files: one account per row, the header naming the columns.

Columns: `key` (the address key, required; a file of contacts or opportunities names its key
column `contact` or `opportunity` instead: one kind a file), field keys (`$name`, `$website`, custom slugs),
`relationships.<key>` (an ID or an `account.<key>` reference), `skip_enrichment` / `protect`
(true or false) and `ignore_changes` (`all`, or keys separated by `;`). An empty cell means "not set". A cell holding several values (a list-valued
field or relationship) separates them with `;`; `\\;` is a literal semicolon and `\\\\` a backslash
in such cells. Cells stay text here (CsvCell) until the field's definition is known: values.py
types them (numbers, true/false, lists) when it canonicalises (`typed_cell`).

A cell that a spreadsheet would run as a formula is written by `lfsync export` with a leading
apostrophe, which this reader strips again (`'=1+1` reads as `=1+1`); the exact rule is in
lfsync.declare.csvformulas.

Every cell remembers file:line:col (the line of its record, the 1-based character column where
the cell starts), so every problem names the cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from lfsync.declare import ignorechanges, rules
from lfsync.declare.addresses import address_of, is_reference
from lfsync.declare.csvformulas import unescaped
from lfsync.declare.model import AccountDeclaration, ParsedAccount, Place, Reference
from lfsync.declare.rules import FLAG_KEYS, NAME_FIELD
from lfsync.declare.substitution import substitute_rows
from lfsync.declare.variables import OPENING, Variables
from lfsync.errors import DeclarationError, Problem, Problems, SourceLocation
from lfsync.kinds.catalogue import ACCOUNT, DECLARABLE_KINDS
from lfsync.kinds.record_kind import RecordKind
from lfsync.support.utf8 import decode

KEY_COLUMN = "key"
# The key column names the file's kind: `key` for accounts, the kind's name for the others.
KEY_COLUMNS: dict[str, RecordKind] = {
    KEY_COLUMN: ACCOUNT, **{kind.name: kind for kind in DECLARABLE_KINDS if kind is not ACCOUNT}
}
# Key columns anywhere in the header. The later kinds' names (`task`, `note`, `list`) may be the
# names of fields in files written before those kinds existed: they name a kind only as the first column.
KEY_COLUMNS_ANYWHERE = frozenset({KEY_COLUMN, "contact", "opportunity"})
RELATIONSHIP_PREFIX = "relationships."
LIST_SEPARATOR = ";"
TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")
# A bound on one record: far above any organisation's fields, far below a hostile header of a
# million empty columns (each would be a Cell and a problem).
MAX_COLUMNS = 1000
MAX_RECORD_CHARS = 1024 * 1024


class CsvCell(str):
    """Text read from a CSV cell, not yet typed: its field's definition decides what it becomes."""


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    line: int
    column: int


class CsvSyntaxError(ValueError):
    def __init__(self, line: int, column: int, message: str):
        super().__init__(message)
        self.line, self.column = line, column


def read_records(text: str) -> list[list[Cell]]:
    """RFC 4180 records with each cell's position; quoted cells may hold commas, quotes ("") and
    newlines. Blank lines are skipped. A record of more than MAX_COLUMNS cells or MAX_RECORD_CHARS
    characters is refused where it starts (CsvSyntaxError) before it grows further."""
    records: list[list[Cell]] = []
    line, column, index = 1, 1, 0
    length = len(text)
    while index < length:
        if text[index] in "\r\n":  # a blank line
            index, line, column = _after_newline(text, index, line)
            continue
        record: list[Cell] = []
        record_start, record_line = index, line
        while True:
            if len(record) >= MAX_COLUMNS:
                raise CsvSyntaxError(record_line, 1, f"a record of more than {MAX_COLUMNS} cells: at most {MAX_COLUMNS} columns are read")
            if index - record_start > MAX_RECORD_CHARS:
                raise CsvSyntaxError(
                    record_line, 1, f"a record longer than {MAX_RECORD_CHARS // 1024} KiB: at most that much is read per record"
                )
            start_line, start_column = line, column
            if index < length and text[index] == '"':
                index += 1
                column += 1
                parts = []
                while True:
                    if index >= length:
                        raise CsvSyntaxError(start_line, start_column, "a quoted cell is never closed (missing \")")
                    char = text[index]
                    if char == '"':
                        if index + 1 < length and text[index + 1] == '"':
                            parts.append('"')
                            index += 2
                            column += 2
                            continue
                        index += 1
                        column += 1
                        break
                    if char == "\n":
                        line, column = line + 1, 1
                    else:
                        column += 1
                    parts.append(char)
                    index += 1
                value = "".join(parts)
                if index < length and text[index] not in ",\r\n":
                    raise CsvSyntaxError(line, column, "unexpected text after a quoted cell (quote the whole cell)")
            else:
                begin = index
                while index < length and text[index] not in ",\r\n":
                    if text[index] == '"':
                        raise CsvSyntaxError(line, column, 'a quote inside an unquoted cell: quote the whole cell and double the quote ("")')
                    index += 1
                    column += 1
                value = text[begin:index]
            record.append(Cell(value, start_line, start_column))
            if index < length and text[index] == ",":
                index += 1
                column += 1
                continue
            break
        records.append(record)
        if index < length:
            index, line, column = _after_newline(text, index, line)
    return records


def _after_newline(text: str, index: int, line: int) -> tuple[int, int, int]:
    if text[index] == "\r" and index + 1 < len(text) and text[index + 1] == "\n":
        index += 1
    return index + 1, line + 1, 1


def split_list(text: str) -> list[str]:
    """`a;b\\;c` -> ['a', 'b;c']; items are stripped, empty items dropped."""
    items, current, index = [], [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in (LIST_SEPARATOR, "\\"):
            current.append(text[index + 1])
            index += 2
            continue
        if char == LIST_SEPARATOR:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def parse_flag_cell(text: str) -> bool | None:
    folded = text.strip().casefold()
    if folded in TRUE_WORDS:
        return True
    if folded in FALSE_WORDS:
        return False
    return None


def parse_csv_file(data: bytes, shown: str, problems: Problems, variables: Variables | None = None) -> list[ParsedAccount]:
    """The accounts of one CSV file, checked by the same rules as a YAML file's (rules), with
    `${vars.name}` substituted in field and relationship cells (lfsync.declare.substitution);
    problems recorded, not raised."""
    try:
        text = decode(data, shown)
        records = [
            [Cell(unescaped(cell.text), cell.line, cell.column) for cell in record]
            for record in read_records(text.removeprefix("\ufeff"))
        ]
    except DeclarationError as error:
        problems.extend(error.problems)
        return []
    except CsvSyntaxError as error:
        problems.append(Problem(str(error), SourceLocation(shown, error.line, error.column)))
        return []
    if not records:
        return []
    header, rows = records[0], records[1:]
    kind, key_column = _kind_of_file(header, shown, problems)
    columns = _check_header(header, shown, problems, kind)
    if columns is None or key_column is None:
        return []
    if OPENING.encode() in data:
        substituted = {column for column in columns if column not in (key_column, *FLAG_KEYS, ignorechanges.IGNORE_CHANGES_KEY)}
        substitute_rows(
            [row for row in rows if len(row) == len(header)], columns, substituted,
            lambda row: address_of(row[columns.index(key_column)].text.strip(), kind), text, shown, variables or {}, problems,
        )
    parsed = []
    for row in rows:
        if len(row) != len(header):
            where = SourceLocation(shown, row[0].line, 1)
            problems.append(Problem(f"this row has {len(row)} cells but the header names {len(header)} columns", where))
            continue
        key_cell = row[columns.index(key_column)]
        key, key_location = key_cell.text.strip(), _at(shown, key_cell)
        key_problem = rules.address_key_problem(key, key_location)
        if key_problem is not None:
            problems.append(key_problem)
            continue
        parsed.append(_RowParser(shown, key, key_location, problems, kind).parse(columns, row, key_column))
    return parsed


def _kind_of_file(header: list[Cell], shown: str, problems: Problems) -> tuple[RecordKind, str | None]:
    """The kind the header's key column names, and that column; a header naming two kinds is a problem."""
    named = [
        cell for index, cell in enumerate(header)
        if cell.text.strip() in KEY_COLUMNS and (index == 0 or cell.text.strip() in KEY_COLUMNS_ANYWHERE)
    ]
    if len({cell.text.strip() for cell in named}) > 1:
        listed = " and ".join(repr(cell.text.strip()) for cell in named)
        problems.append(Problem(
            f"the header names key columns {listed}: a CSV file declares one kind (key: accounts, contact: contacts, "
            "opportunity: opportunities)", _at(shown, named[1]),
        ))
        return ACCOUNT, None
    if not named:
        return ACCOUNT, KEY_COLUMN
    column = named[0].text.strip()
    return KEY_COLUMNS[column], column


def _check_header(header: list[Cell], shown: str, problems: Problems, kind: RecordKind = ACCOUNT) -> list[str] | None:
    names = [cell.text.strip() for cell in header]
    ok = True
    seen: dict[str, Cell] = {}
    for name, cell in zip(names, header):
        message = None
        if not name:
            message = "a column without a name: name every column in the header"
        elif name in seen:
            message = f"column {name!r} appears twice (first at column {seen[name].column})"
        elif name == RELATIONSHIP_PREFIX:
            message = "a relationships. column needs a relationship key, like relationships.$parentAccount"
        elif name.startswith(RELATIONSHIP_PREFIX):
            message = rules.read_only_relationship_problem(name[len(RELATIONSHIP_PREFIX):], kind)
        else:
            message = rules.read_only_field_problem(name, kind)
        seen.setdefault(name, cell)
        if message:
            problems.append(Problem(message, _at(shown, cell)))
            ok = False
    if not any(name in KEY_COLUMNS for name in names):
        problems.append(Problem("the header has no 'key' column (each row's address key, like acme)", _at(shown, header[0])))
        ok = False
    return names if ok else None


def _at(shown: str, cell: Cell) -> SourceLocation:
    return SourceLocation(shown, cell.line, cell.column)


class _RowParser:
    """Checks one row's cells, recording every problem, and builds its account's declaration."""

    def __init__(self, shown: str, key: str, key_location: SourceLocation, problems: Problems, kind: RecordKind = ACCOUNT):
        self.shown, self.key, self.key_location, self.problems = shown, key, key_location, problems
        self.kind = kind
        self.address = address_of(key, kind)
        self.ok = True

    def problem(self, where: SourceLocation, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(message, where))

    def parse(self, columns: list[str], row: list[Cell], key_column: str = KEY_COLUMN) -> ParsedAccount:
        fields: dict[str, CsvCell] = {}
        field_places: dict[str, Place] = {}
        relationships: dict[str, str | list[str]] = {}
        relationship_places: dict[str, Place] = {}
        flags: dict[str, bool] = {}
        ignore_all, ignored_places = False, dict[str, Place]()
        references: list[Reference] = []
        for column, cell in zip(columns, row):
            if column == key_column or cell.text == "":
                continue
            place = (cell.line, cell.column)
            if column in FLAG_KEYS:
                flag = parse_flag_cell(cell.text)
                if flag is None:
                    self.problem(_at(self.shown, cell), rules.flag_problem(column, self.address, cell.text))
                else:
                    flags[column] = flag
            elif column == ignorechanges.IGNORE_CHANGES_KEY:
                ignore_all, ignored_places, problems = ignorechanges.from_cell(self.address, cell.text, place, split_list)
                for problem in problems:
                    self.problem(_at(self.shown, cell), problem)
            elif column.startswith(RELATIONSHIP_PREFIX):
                relationship = column[len(RELATIONSHIP_PREFIX):]
                found = [self.target(item, cell, relationship) for item in split_list(cell.text)]
                targets = [target for target in found if target is not None]
                if len(targets) != len(found) or not targets:
                    continue
                references.extend((target, place, relationship) for target in targets if is_reference(target))
                relationships[relationship] = targets[0] if len(targets) == 1 else targets
                relationship_places[relationship] = place
            else:
                fields[column] = CsvCell(cell.text)
                field_places[column] = place
        self.check_name(fields, field_places)
        self.check_required(fields, relationships)
        declaration = None
        if self.ok:
            declaration = AccountDeclaration(
                key=self.key,
                address=self.address,
                fields=dict(fields),
                relationships=relationships,
                skip_enrichment=flags.get("skip_enrichment"),
                protect=flags.get("protect", False),
                location=self.key_location,
                field_places=field_places,
                relationship_places=relationship_places,
                ignore_all=ignore_all,
                ignored_places=ignored_places,
            )
        return ParsedAccount(self.address, self.key_location, declaration, references)

    def check_name(self, fields: dict[str, CsvCell], field_places: dict[str, Place]) -> None:
        """$name as in a YAML file: a row without it (an empty cell is "not set") has none."""
        if NAME_FIELD not in self.kind.required_fields:
            return  # a contact's $name is optional (a FULL_NAME object, checked against the definitions)
        if NAME_FIELD not in fields:
            self.problem(self.key_location, rules.missing_name_problem(self.address, self.kind))
            return
        problem = rules.name_problem(self.address, str(fields[NAME_FIELD]))
        if problem:
            self.problem(SourceLocation(self.shown, *field_places[NAME_FIELD]), problem)

    def check_required(self, fields: dict[str, CsvCell], relationships: dict[str, str | list[str]]) -> None:
        """The kind's other required fields and relationships (an opportunity's $stage and $account)."""
        for key in self.kind.required_fields:
            if key != NAME_FIELD and key not in fields:
                self.problem(self.key_location, rules.missing_field_problem(self.address, key, self.kind))
        for key in self.kind.required_relationships:
            if key not in relationships:
                self.problem(self.key_location, rules.missing_relationship_problem(self.address, key, self.kind))

    def target(self, text: str, cell: Cell, relationship: str) -> str | None:
        if rules.is_relationship_target(relationship, text):
            return text
        self.problem(_at(self.shown, cell), rules.relationship_target_problem(self.address, relationship, text))
        return None


LIST_TYPES = ("EMAIL", "TELEPHONE", "MULTI_SELECT")
NUMBER_TYPES = ("NUMBER", "CURRENCY")
OBJECT_TYPES = ("ADDRESS", "FULL_NAME")


def typed_cell(text: str, value_type: str, multiple: bool = False) -> object:
    """A cell's text as the value its field's type takes (raises ValueError saying why not):
    numbers for NUMBER/CURRENCY, true/false for CHECKBOX, a `;`-separated list for list-valued
    fields, a JSON object for ADDRESS/FULL_NAME, the text itself otherwise."""
    if value_type in NUMBER_TYPES:
        cleaned = text.strip()
        try:
            return int(cleaned)
        except ValueError:
            pass
        try:
            number = float(cleaned)
        except ValueError:
            raise ValueError(f"expected a number, found {text!r}") from None
        return number
    if value_type == "CHECKBOX":
        flag = parse_flag_cell(text)
        if flag is None:
            raise ValueError(f"expected true or false, found {text!r}")
        return flag
    if value_type in LIST_TYPES or (value_type == "URL" and multiple):
        return split_list(text)
    if value_type in OBJECT_TYPES:
        import json

        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, dict):
            raise ValueError(f'expected a JSON object in the cell, like {{"city": "Lyon"}}, found {text!r}')
        return value
    return str(text)
