"""Plain YAML scalars -> Python values by the YAML 1.2 core schema, limited to what JSON can carry.

`NO`, `yes`, `on` stay text; `0o17` is octal, `0x1F` hex; `.nan` and `.inf` are recognised so
that they can be refused (JSON has neither); integers are parsed at any size up to 100 digits
(lfsync.values.check refuses those beyond ±2**53-1 for number fields) and refused beyond,
without ever converting a 5,000-digit string. One addition to the core schema keeps what
ruamel.yaml has always done for lfsync: a plain timestamp (`2026-03-01T10:00:00Z`) becomes its
ISO 8601 spelling (`2026-03-01T10:00:00+00:00`); a date alone stays as written.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

SAFE_INTEGER = 2**53 - 1  # the largest integer a JSON number (an IEEE double) holds exactly

CORE_TAG_PREFIX = "tag:yaml.org,2002:"
STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"

WORDS: dict[str, Any] = {
    "": None, "~": None, "null": None, "Null": None, "NULL": None,
    "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
}
# A plain scalar can only be a number or a timestamp when it starts with one of these.
NUMERIC_START = frozenset("0123456789+-.")

_DECIMAL = re.compile(r"[-+]?[0-9]+")
_OCTAL = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INFINITY = re.compile(r"[-+]?\.(?:inf|Inf|INF)")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)")
_TIMESTAMP = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]*))?"
    r"(?:[ \t]*(?P<tz>Z|(?P<tz_sign>[-+])(?P<tz_hour>[0-9]{1,2})(?::(?P<tz_minute>[0-9]{2}))?))?)?"
)
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Integers are parsed at any size a field could mean (the definitions check then refuses those beyond
# SAFE_INTEGER for number fields); longer digit strings are refused before any conversion, which
# for thousands of digits would be slow (and Python refuses past 4,300).
MAX_INTEGER_DIGITS = 100


class ScalarProblem(ValueError):
    """A scalar lfsync refuses; the message says why without echoing more than a short excerpt."""


def resolve_plain(text: str) -> Any:
    """The value of a plain (unquoted, untagged) scalar."""
    if text[:1] in NUMERIC_START:
        return _number_or_timestamp(text)
    word = WORDS.get(text, text)
    return word


def resolve_tagged(tag: str, text: str) -> Any:
    """The value of a scalar with an explicit tag (`!!str 12`); only the core tags are accepted."""
    if tag == STR_TAG:
        return text
    if tag == TIMESTAMP_TAG:
        value = _timestamp(text)
        if value is None:
            raise ScalarProblem(f"{excerpt(text)} is not a valid !!timestamp")
        return value
    expected = {INT_TAG: int, FLOAT_TAG: float, BOOL_TAG: bool, NULL_TAG: type(None)}.get(tag)
    if expected is None:
        raise ScalarProblem(unsupported_tag(tag))
    resolved: Any = resolve_plain(text)
    if expected is float and type(resolved) is int:
        resolved = float(resolved)
    if type(resolved) is not expected:
        raise ScalarProblem(f"{excerpt(text)} is not a valid !!{tag.rsplit(':', 1)[1]}")
    return resolved


def unsupported_tag(tag: str) -> str:
    shown = "!!" + tag[len(CORE_TAG_PREFIX) :] if tag.startswith(CORE_TAG_PREFIX) else tag
    return f"the YAML tag {excerpt(shown, quote=False)} is not supported here"


def _number_or_timestamp(text: str) -> Any:
    if _DECIMAL.fullmatch(text):
        return _integer(text, 10, text.lstrip("+-"))
    if _FLOAT.fullmatch(text):
        value = float(text)
        if math.isinf(value):
            raise ScalarProblem(f"{excerpt(text)} is too large for a number lfsync can send")
        return value
    if _OCTAL.fullmatch(text):
        return _integer(text, 8, text[2:])
    if _HEX.fullmatch(text):
        return _integer(text, 16, text[2:])
    if _INFINITY.fullmatch(text) or _NAN.fullmatch(text):
        raise ScalarProblem(
            f"{text} is not a number lfsync can send (JSON has no NaN or infinity); quote it to mean the text"
        )
    if text[:1].isdigit():
        timestamp = _timestamp(text)
        if timestamp is not None:
            return timestamp
    return text


def _integer(text: str, base: int, digits: str) -> int:
    significant = digits.lstrip("0")
    if len(significant) > MAX_INTEGER_DIGITS:
        raise ScalarProblem(
            f"the integer {excerpt(text, quote=False)} has {len(significant):,} digits, more than any number field "
            f"holds (at most ±{SAFE_INTEGER}); quote it to mean the text"
        )
    value = int(significant or "0", base)
    return -value if text[:1] == "-" else value


def _timestamp(text: str) -> str | None:
    """The ISO 8601 spelling of a YAML timestamp, or None when `text` is not a valid one."""
    if _DATE_ONLY.fullmatch(text):
        try:
            return datetime.date(int(text[:4]), int(text[5:7]), int(text[8:10])).isoformat()
        except ValueError:
            return None
    match = _TIMESTAMP.fullmatch(text)
    if match is None or match["hour"] is None:
        return None
    parts = match.groupdict()
    microsecond, carry = _microseconds(parts["fraction"])
    tzinfo = None
    if parts["tz_sign"]:
        offset = datetime.timedelta(hours=int(parts["tz_hour"]), minutes=int(parts["tz_minute"] or 0))
        tzinfo = datetime.timezone(-offset if parts["tz_sign"] == "-" else offset)
    elif parts["tz"] == "Z":
        tzinfo = datetime.timezone.utc
    try:
        moment = datetime.datetime(
            int(parts["year"]), int(parts["month"]), int(parts["day"]),
            int(parts["hour"]), int(parts["minute"]), int(parts["second"]), microsecond, tzinfo,
        )
    except (ValueError, OverflowError):
        return None
    return (moment + datetime.timedelta(seconds=carry)).isoformat()


def _microseconds(fraction: str | None) -> tuple[int, int]:
    """Microseconds of a fraction of a second, rounded half up; (0, 1) when it rounds up to a whole second."""
    if not fraction:
        return 0, 0
    value = int(fraction[:6].ljust(6, "0"))
    if len(fraction) > 6 and fraction[6] > "4":
        value += 1
    return (0, 1) if value > 999_999 else (value, 0)


def excerpt(text: str, limit: int = 40, quote: bool = True) -> str:
    """A short, terminal-safe rendering of text taken from a file: control characters escaped, long text cut."""
    shortened = text if len(text) <= limit else text[:limit] + "…"
    shown = repr(shortened)
    return shown if quote else shown[1:-1]


def shown_key(key: Any, quoted: bool = False) -> str:
    """A key as a message shows it: control characters escaped, long keys cut."""
    if isinstance(key, str):
        return excerpt(key) if quoted else excerpt(key, quote=False)
    return repr(key)


def yaml_type_name(value: Any) -> str:
    """How a user would name the YAML type of a loaded value, for messages (text shown as a short, safe excerpt)."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {excerpt(value, 60)}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"the date {value.isoformat()}"
    return f"a {type(value).__name__}"
