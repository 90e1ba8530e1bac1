"""TELEPHONE values: how the emulator reads a written phone number and the form it stores.

The documented rule (lightfield-api.md "Field value types"; the plugin's field-types.md,
"Telephone"): a number written with `+` must be valid E.164; without one it is tried as a US
number, then as a 7-15 digit local number; an extension written `x100`, `ext:100` or `#100`
is stored as `;ext=100`. What the docs leave open (which separators, how long a `+` number or
an extension may be, what makes a "US number") is settled by decision 18 in decisions.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import decisions

# An extension at the end: a label (x, ext, ext., extension, #, or the stored `;ext=`), an
# optional colon or spaces, then its digits.
_EXTENSION_AT_END = re.compile(
    r"(?:;\s*ext\s*=|(?:extension|ext\.?|x|#)\s*:?)\s*(?P<digits>[0-9]+)\s*$",
    re.IGNORECASE,
)
_SEPARATORS = frozenset(" \t-.()/")
_NANP_LEADING = frozenset("23456789")  # area code and exchange of a US number start with 2-9


@dataclass(frozen=True)
class WrittenNumber:
    """A phone number as written, split into its parts."""

    international: bool  # written with a leading `+`
    digits: str
    extension: str | None


def read_number(text: str) -> WrittenNumber | None:
    """The parts of a written number, or None when it holds anything but digits and separators."""
    body = text.strip()
    extension = None
    found = _EXTENSION_AT_END.search(body)
    if found is not None:
        extension = found.group("digits")
        body = body[: found.start()].rstrip()
        if not 1 <= len(extension) <= decisions.PHONE_EXTENSION_MAX_DIGITS:
            return None
    international = body.startswith("+")
    if international:
        body = body[1:]
    digits = "".join(ch for ch in body if ch not in _SEPARATORS)
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    return WrittenNumber(international, digits, extension)


def is_us_number(digits: str) -> bool:
    """Ten digits NXX-NXX-XXXX (North American Numbering Plan), optionally after a country code 1."""
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return len(digits) == 10 and digits[0] in _NANP_LEADING and digits[3] in _NANP_LEADING


def stored_number(text: str) -> str | None:
    """The stored form of a written number (`+E.164`, or local digits, then `;ext=N`), or None
    when the API would refuse it."""
    number = read_number(text)
    if number is None:
        return None
    digits = number.digits
    if number.international:
        low, high = decisions.E164_DIGITS
        if digits[0] == "0" or not low <= len(digits) <= high:
            return None
        stored = f"+{digits}"
    elif is_us_number(digits):
        stored = f"+1{digits[-10:]}"
    else:
        low, high = decisions.LOCAL_PHONE_DIGITS
        if not low <= len(digits) <= high:
            return None
        stored = digits
    return stored if number.extension is None else f"{stored};ext={number.extension}"
