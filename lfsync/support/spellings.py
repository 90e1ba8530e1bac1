"""Unicode spellings of one text: `Café` typed with a composed é (NFC) and with an e and a combining
accent (NFD) is one name. lfsync holds, sends and compares text in NFC (`composed`); a server
compares the bytes it is given, so a lookup asks for every form it may hold (`spellings`)."""

from __future__ import annotations

import unicodedata
from typing import Any


def composed(value: Any) -> Any:
    """Text in Unicode NFC (other values as they are): the form lfsync sends and compares."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def spellings(value: Any) -> list[Any]:
    """The value as written and its NFC and NFD forms, each once: the ways a server may hold it."""
    if not isinstance(value, str):
        return [value]
    return list(dict.fromkeys((value, unicodedata.normalize("NFC", value), unicodedata.normalize("NFD", value))))
