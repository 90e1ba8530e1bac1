"""Bytes read from a project file -> text, with the place of the first invalid byte."""

from __future__ import annotations

from lfsync.errors import DeclarationError, Problem, SourceLocation


def decode(data: bytes, shown: str) -> str:
    """UTF-8 text (a leading byte order mark dropped); invalid bytes are reported with their position."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise DeclarationError([Problem("the file is not valid UTF-8 text", SourceLocation(shown, line, column))]) from None
