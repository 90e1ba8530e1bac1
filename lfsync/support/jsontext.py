"""JSON text as `json.dumps(document, indent=2, sort_keys=True)` writes it, byte for byte, made by
pydantic_core's encoder: the standard library encodes indented JSON in Python (its C encoder
only writes compact JSON), ~8 ms for a state of 200 accounts, a quarter of a second for 10,000,
on the event loop of every workspace an apply finishes."""

from __future__ import annotations

import json
import re
from typing import Any

import pydantic_core

# What ensure_ascii escapes and pydantic_core writes as it is: DEL and everything past ASCII, which
# can only stand inside a JSON string (a key or a value).
_NOT_ASCII = re.compile(r"[^\x00-\x7e]")  # negated: a range up to U+10FFFF takes ~5 ms to compile


class _Unsure(Exception):
    """A value the two encoders may write differently: the standard library writes the document."""


def sorted_indented_json(document: Any) -> str:
    """`json.dumps(document, indent=2, sort_keys=True)` of a document of dicts (with string keys),
    lists, strings, ints, floats, booleans and None."""
    try:
        text = pydantic_core.to_json(_sorted(document), indent=2).decode("utf-8")
    except (_Unsure, pydantic_core.PydanticSerializationError, UnicodeError, ValueError):
        return json.dumps(document, indent=2, sort_keys=True)
    return text if text.isascii() and "\x7f" not in text else _NOT_ASCII.sub(_escaped, text)


def _sorted(value: Any) -> Any:
    """`value` with every dict's keys in order; _Unsure where the encoders could disagree."""
    kind = type(value)
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise _Unsure  # json.dumps turns other keys into strings its own way (True -> "true")
        return {key: _sorted(value[key]) for key in sorted(value)}
    if kind is list:
        return [_sorted(item) for item in value]
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float and _float_agrees(value):
        return value
    raise _Unsure  # tuples, NaN, 1e+16 (repr) against 1e16 (pydantic_core), subclasses, ...


def _float_agrees(value: float) -> bool:
    shown = repr(value)
    return "e" not in shown and "n" not in shown  # no exponent, not nan or inf


def _escaped(match: re.Match) -> str:
    """A character as ensure_ascii writes it: \\uXXXX, a surrogate pair past the BMP."""
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"
