"""Spaces at either end of a CSV cell's text: kept as written (a cell is the value itself), but
seldom meant (`Acme Corp ` from a spreadsheet), so each is a warning naming its cell."""

from __future__ import annotations

from collections.abc import Iterable

from lfsync.declare.csvfile import CsvCell
from lfsync.declare.model import AccountDeclaration
from lfsync.errors import Problem, SourceLocation


def spaced_cell_warnings(accounts: Iterable[AccountDeclaration]) -> list[Problem]:
    """A warning for each CSV field cell whose text starts or ends with whitespace, at file:line:column."""
    warnings = []
    for account in accounts:
        for field, value in account.fields.items():
            if isinstance(value, CsvCell) and value != value.strip():
                line, column = account.field_places[field]
                warnings.append(Problem(
                    f"{field} of {account.address}: the cell {str(value)!r} starts or ends with spaces; text keeps them as written",
                    SourceLocation(account.location.file, line, column),
                    hint="remove them from the CSV if they are not meant",
                    severity="warning",
                ))
    return warnings
